"""`studytool grade QUESTION_ID [ANSWER | -] [--json]`: grade one typed answer.

The grading process is started first, so the model loads while the decks are read. Prints the
score, the suggested rating and the key concepts found and missing (and contradictions, and
why a score was capped); `--json` prints DESIGN.md's object. Exit 0 whatever the grade: a wrong
answer is not an error. Bad input (unknown question, no reference answer yet, no answer given
on a terminal) is one `error:` line and exit 2; grading that cannot run (model not installed,
worker crashed) is one `error:` line and exit 1.
"""

from __future__ import annotations

import json
import sys

import click

from studytool.errors import StudytoolError


@click.command("grade")
@click.argument("question_id", metavar="QUESTION_ID")
@click.argument("answer", required=False, metavar="[ANSWER | -]")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def grade(question_id: str, answer: str | None, as_json: bool) -> None:
    """Grade a typed answer by meaning and key concepts (ANSWER, or stdin with '-')."""
    from studytool.grading.client import Grader

    if answer is None and sys.stdin.isatty():
        raise StudytoolError("give the answer as an argument, or '-' to read it from stdin")
    grader = Grader()
    grader.start()  # first: the model loads while the decks are read
    try:
        request = _request(question_id, sys.stdin.read() if answer in (None, "-") else answer)
        result = grader.grade(request)
    finally:
        grader.close()
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    for line in describe(result):
        click.echo(line)


def _request(question_id: str, answer: str) -> object:
    from studytool.deck import deck_files, load_installed
    from studytool.grading.messages import request_for

    decks, _problems = load_installed(deck_files())  # any deck file here, in no database
    for deck in decks:
        if deck.get(question_id) is not None:
            return request_for(deck, question_id, answer)
    raise StudytoolError(f"unknown question '{question_id}' (see `studytool decks`)")


def describe(result: object) -> list[str]:
    """The grade as plain lines (the terminal review prints the same)."""
    from studytool.grading.messages import Grade
    from studytool.ratings import RATING_NAMES

    assert isinstance(result, Grade)
    rating = result.suggested_rating
    lines = [f"{result.question}: score {result.score:.2f}, suggested rating {rating} "
             f"{RATING_NAMES[rating]}"]
    if result.found or result.missing:
        lines.append("found:    " + ("; ".join(result.found) or "none"))
        lines.append("missing:  " + ("; ".join(result.missing) or "none"))
    lines.extend(f"contradicts: {c}" for c in result.contradictions)
    if result.note:
        lines.append(f"note: {result.note}")
    return lines
