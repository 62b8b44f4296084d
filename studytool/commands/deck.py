"""`studytool validate` and `studytool import-questions`: deck files from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from studytool.errors import CheckFailed, StudytoolError


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Validate deck files (a folder means its *.toml files; none: the installed decks).

    Prints one `file:line: message` per problem and a summary per good file; exits 1 when a
    file has an error (warnings alone still exit 0).
    """
    from studytool.deck.installed import deck_files, edited_dir
    from studytool.deck.loader import check_file

    paths = _expand(files) if files else deck_files()
    if not paths:
        raise StudytoolError("no deck files to validate")
    bad = 0
    owners: dict[str, Path] = {}
    for path in paths:
        deck, problems = check_file(path)
        for problem in problems:
            click.echo(str(problem))
        if deck is not None and deck.id in owners:
            # The app would skip this file: two files cannot share one deck's cards.
            click.echo(f"{path}: deck id '{deck.id}' is already used by {owners[deck.id]}")
            deck = None
        if deck is None:
            bad += 1
        else:
            owners[deck.id] = path
            # A learner's copy is studied in place of the shipped file: say which one was read.
            copy = path.parent == edited_dir()
            click.echo(f"{path if copy else path.name}: {_count(len(deck))} ok"
                       + (" (your copy, studied in place of the shipped deck)" if copy else ""))
    if bad:
        raise CheckFailed(f"{bad} of {len(paths)} deck file{'s' if len(paths) > 1 else ''} "
                          "failed validation")


@click.command("import-questions")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--deck", "deck_id", required=True, metavar="NAME",
              help="Deck id, also the question id prefix (NAME-q01, NAME-q02...).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Deck file to write (default: NAME.toml in your decks folder).")
@click.option("--title", default=None, help="Deck title (default: the '# ' heading, or NAME).")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def import_questions(source: Path, deck_id: str, output: Path | None, title: str | None,
                     force: bool) -> None:
    """Turn a questionnaire into a deck file.

    SOURCE: a fastbook notebook (.ipynb, read as JSON, nothing is run) or its Markdown
    ("## Questionnaire" + numbered list, "### Further Research" + list), a Markdown answers
    document ('## question' + answer below), or a numbered list with answers indented under
    each item.
    """
    from studytool.deck.markdown_import import import_markdown

    result = import_markdown(source, deck_id, output, force=force, title=title)
    for warning in result.warnings:
        click.echo(warning, err=True)
    click.echo(f"wrote {_count(len(result.deck))} (deck '{result.deck.id}') to {result.path}")
    _add_to_database(result.path)
    if result.missing_answers and result.shape == "fastbook":  # else one warning each above
        click.echo(f"{_count(result.missing_answers)} without an answer yet, marked "
                   f"'(no answer yet)': write them in the file, with `studytool write-answer "
                   f"ID`, or in the app's quiz (w)")


def _add_to_database(path: Path) -> None:
    """The import brings the new deck into this database (nothing else ever does it silently:
    a file in the decks folder is not studied until a database takes it in)."""
    from studytool.commands.study import open_service
    from studytool.deck.loader import check_file

    deck, _problems = check_file(path, use_cache=False)
    if deck is None:  # warnings only (answers missing) still give a deck; else say why
        click.echo(f"not added to the database: fix {path} and run `studytool decks add`",
                   err=True)
        return
    service = open_service(click.get_current_context().obj)
    if not service.db.writes_decks:
        click.echo("on a class server the teacher adds decks: not added", err=True)
        return
    plan = service.sync_decks([deck])[deck.id]
    click.echo(f"added to the database: {plan.summary()}")


@click.command("write-answer")
@click.argument("question_id", metavar="QUESTION_ID")
@click.argument("answer", required=False, metavar="[ANSWER | -]")
def write_answer(question_id: str, answer: str | None) -> None:
    """Write the answer of a question into its deck file (from stdin with '-' or none given).

    Only that answer changes in the file; the card keeps its id, schedule and review history.
    """
    import sys

    from studytool.deck.answer_edit import write_answer as write
    from studytool.deck.installed import deck_files, own_copy
    from studytool.deck.loader import check_file

    if answer is None or answer == "-":
        answer = sys.stdin.read()
    for path in deck_files():
        deck, _problems = check_file(path, use_cache=True)
        if deck is not None and deck.get(question_id) is not None:
            with own_copy(path) as copy:  # a shipped deck: the learner's copy of it
                write(copy, question_id, answer)
            click.echo(f"wrote the answer of {question_id} to {copy}")
            return
    raise StudytoolError(f"unknown question '{question_id}' (see `studytool decks`)")


def _expand(files: tuple[Path, ...]) -> list[Path]:
    paths: list[Path] = []
    for item in files:
        if item.is_dir():
            found = sorted(p for p in item.glob("*.toml") if p.is_file())
            if not found:
                raise StudytoolError(f"{item}: no .toml deck files in this folder")
            paths.extend(found)
        elif not item.exists():
            raise StudytoolError(f"{item}: no such file")
        else:
            paths.append(item)
    return paths


def _count(n: int) -> str:
    return f"{n} question{'' if n == 1 else 's'}"
