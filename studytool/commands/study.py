"""`studytool decks`, `review` and `stats`: the study commands of the plain terminal.

`review` reads single keys when it talks to a terminal (w types an answer to be graded). With
stdin not a terminal it reads one command per line so it can be scripted: 1-4 rate the current
card (the reveal is implicit), u undo the last review, bury or suspend, b bury, s suspend,
q quit; blank lines are ignored. `> ANSWER` grades a typed answer (printed as `graded: ...`
lines); then `ok` rates with the suggested rating, or 1-4 overrides it; the grade is stored
with the review. Each card is printed as `card ID QUESTION_ID STATE` and `Q: text`; every command is
acknowledged with one line (`rated Good: next due in 10m`, `undone: ...`, `buried ...`,
`suspended ...`), printed and flushed only after its transaction committed. A bad line
prints `error: ...` on stderr and the review goes on; the exit status is then 2 once the
input ends.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from studytool.commands.handle import command_db
from studytool.errors import StudytoolError, clip, error_line, quote
from studytool.ratings import RATING_NAMES


def open_service(obj: dict[str, Any]) -> Any:
    """The study service on the command's database, with the installed decks synced in."""
    from studytool.deck import load_installed
    from studytool.srs import StudyService

    service = StudyService(command_db())
    decks, problems = load_installed(service.deck_paths())
    for problem in problems:  # already "file:line: message"; the deck is skipped, not fatal
        click.echo(problem if "warning:" in problem else f"warning: {problem}", err=True)
    service.sync_decks(decks)
    return service


@click.group("decks", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON list of decks.")
@click.pass_context
def decks(ctx: click.Context, as_json: bool) -> None:
    """Decks with today's counts: new, learning, review, due today."""
    if ctx.invoked_subcommand is not None:
        return
    summaries = open_service(ctx.obj).deck_summaries()
    if as_json:
        click.echo(json.dumps([s.to_json() for s in summaries], indent=2))
        return
    if not summaries:
        click.echo("no decks installed")
        return
    # "new" is what today's limit lets in (as Anki counts it); "cards" is the deck's size.
    click.echo(f"{'deck':<12} {'new':>5} {'learn':>5} {'review':>6} {'due':>5} {'done':>5} "
               f"{'cards':>5}  title")
    for s in summaries:
        click.echo(f"{s.id:<12} {s.new:>5} {s.learning:>5} {s.review:>6} {s.due_today:>5} "
                   f"{s.reviewed_today:>5} {s.total:>5}  {s.title}")
    click.echo("new: new cards today (new cards/day setting); done: reviewed today")


@decks.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def add_decks(obj: dict[str, Any], files: tuple[Path, ...]) -> None:
    """Bring deck files into this database (its learners get their cards; the database
    remembers each file and reads it again when it changes)."""
    from studytool.deck.loader import check_file

    loaded = []
    for path in files:  # every file checked before the database is touched
        deck, problems = check_file(path.resolve(), use_cache=False)
        errors = [p for p in problems if not p.warning]
        if deck is None or errors:
            raise StudytoolError(str(errors[0]) if errors else f"{clip(path)}: not a deck")
        loaded.append(deck)
    service = open_service(obj)
    if not service.db.writes_decks:
        raise StudytoolError("on a class server the teacher adds decks")
    plans = service.sync_decks(loaded)
    for deck in loaded:
        click.echo(f"added deck {deck.id} ({deck.path}): {plans[deck.id].summary()}")


@click.command("cards")
@click.option("--deck", default=None, help="Only this deck's cards.")
@click.option("--json", "as_json", is_flag=True, help="One JSON list of cards.")
@click.pass_obj
def cards(obj: dict[str, Any], deck: str | None, as_json: bool) -> None:
    """Every card's memory state: S (stability, days), D (difficulty, 1-10), R (chance of
    recall now), with its state, due date, lapses and flags."""
    from studytool.srs.memory import card_memory

    service = open_service(obj)
    if deck is not None and deck not in {s.id for s in service.deck_summaries()}:
        raise StudytoolError(f"no deck {quote(deck)}")
    rows = card_memory(service.db, service.now(), deck)
    if as_json:
        click.echo(json.dumps([r.to_json() for r in rows], indent=2))
        return
    if not rows:
        click.echo("no cards")
        return
    width = max(len(r.question_id) for r in rows)
    click.echo(f"{'question':<{width}} {'state':<10} {'due':<16} {'S':>8} {'D':>5} {'R':>6} "
               f"{'lapses':>6}  flags")
    for r in rows:
        stability = "-" if r.stability is None else f"{r.stability:.2f}"
        difficulty = "-" if r.difficulty is None else f"{r.difficulty:.2f}"
        recall = "-" if r.retrievability is None else f"{r.retrievability:.1%}"
        due = r.due.astimezone(service.tz).strftime("%Y-%m-%d %H:%M")
        flags = " ".join(f for f, on in (("suspended", r.suspended), ("buried", r.buried),
                                          ("leech", r.leech)) if on)
        click.echo(f"{r.question_id:<{width}} {r.state:<10} {due:<16} {stability:>8} "
                   f"{difficulty:>5} {recall:>6} {r.lapses:>6}  {flags}".rstrip())
    click.echo("S: stability (days); D: difficulty (1-10); R: chance of recall now")


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_obj
def stats(obj: dict[str, Any], as_json: bool) -> None:
    """Reviews today, due tomorrow, retention over 30 days, cards by state, leeches."""
    result = open_service(obj).stats()
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    retention = "-" if result.retention_30d is None else f"{100 * result.retention_30d:.1f}%"
    click.echo(f"reviews today      {result.reviews_today}")
    click.echo(f"due tomorrow       {result.due_tomorrow}")
    click.echo(f"retention (30 d)   {retention}")
    click.echo("cards              " + ", ".join(f"{k} {v}" for k, v in result.by_state.items()))
    week = result.forecast_30d[:7]
    click.echo("due next 7 days    " + " ".join(str(n) for _d, n in week))
    click.echo("leeches            " + (", ".join(result.leeches) or "none"))
    if result.workload is not None:
        click.echo(f"workload           {result.workload.text()}")


@click.command("review")
@click.option("--deck", "deck_id", metavar="ID", help="Review one deck only.")
@click.option("--cram", is_flag=True,
              help="Cram (exam) mode: the studied cards, lowest retrievability first, each "
                   "once; logged as cram reviews, no schedule changes.")
@click.option("--tag", metavar="TAG", help="With --cram: only cards with this tag.")
@click.option("--limit", type=click.IntRange(1), metavar="N",
              help="With --cram: at most N cards.")
@click.pass_obj
def review(obj: dict[str, Any], deck_id: str | None, cram: bool, tag: str | None,
           limit: int | None) -> None:
    """Review due cards: reveal, then rate 1 Again, 2 Hard, 3 Good, 4 Easy."""
    if not cram and (tag is not None or limit is not None):
        raise StudytoolError("--tag and --limit go with --cram")
    service = open_service(obj)
    if deck_id is not None and deck_id not in service.deck_ids():
        known = ", ".join(service.deck_ids()) or "none"
        raise StudytoolError(f"unknown deck {quote(deck_id)} (known: {known})")
    session = None
    if cram:
        from studytool.srs.cram import CramSession

        session = CramSession(service, deck_id, tag, limit)
    loop = ReviewLoop(service, deck_id, session)
    try:
        if sys.stdin.isatty() and sys.stdout.isatty():
            loop.interactive()
        else:
            errors = loop.scripted(sys.stdin)
            if errors:
                raise StudytoolError(f"{errors} bad command(s) in the input", exit_code=2)
    finally:
        loop.close()


class ReviewLoop:
    """One review session in the plain terminal; the same commands from keys or lines."""

    HELP = ("1 Again, 2 Hard, 3 Good, 4 Easy, u undo, b bury, s suspend, q quit, "
            "> ANSWER grade a typed answer, ok take its suggested rating")

    def __init__(self, service: Any, deck_id: str | None, cram: Any = None) -> None:
        self.service = service
        self.deck_id = deck_id
        self.cram = cram  # a CramSession: cram mode
        self.card: Any = None
        self.shown_at = time.monotonic()
        self.reviewed = 0
        self.undone: Any = None
        self.typed: Any = None  # the current card's graded typed answer (TypedGrade)
        self._grader: Any = None
        self._decks: dict[str, Any] | None = None

    # -- the commands, shared by both modes ---------------------------------------------
    def advance(self) -> None:
        self.card = (self.cram.next_card() if self.cram is not None
                     else self.service.next_card(self.deck_id))
        self.shown_at = time.monotonic()
        self.typed = None

    def close(self) -> None:
        if self._grader is not None:
            self._grader.close()

    def grade_typed(self, answer: str) -> list[str]:
        """Grade a typed answer to the current card; returns the lines to print. The grade
        waits for the next rating, which stores it (StudytoolError when it cannot grade)."""
        from studytool.commands.grade import describe
        from studytool.grading.client import Grader
        from studytool.grading.messages import request_for
        from studytool.srs import TypedGrade

        card = self._current("grade")
        if self._decks is None:
            from studytool.deck import load_installed

            self._decks = {d.id: d for d in load_installed(self.service.deck_paths())[0]}
        deck = self._decks.get(card.deck_id)
        if deck is None:
            raise StudytoolError(f"the deck of {card.question_id} is not installed")
        if self._grader is None:
            self._grader = Grader()
        result = self._grader.grade(request_for(deck, card.question_id, answer))
        self.typed = TypedGrade(result.score, result.suggested_rating, answer)
        return describe(result)

    def do(self, command: str) -> str:
        """Run one command; returns its acknowledgement line (raises StudytoolError).

        The caller prints the line and then calls `advance()`, so an acknowledgement follows
        its commit as closely as possible.
        """
        if command in ("1", "2", "3", "4"):
            return self.rate(int(command))
        if command in ("ok", "y"):
            if self.typed is None:
                raise StudytoolError("no graded answer to accept: type '> ANSWER' first")
            return self.rate(self.typed.suggested_rating)
        if command == "u":
            return self.undo()
        if command in ("b", "s"):
            card = self._current("bury" if command == "b" else "suspend")
            if command == "b":
                until = self.service.bury(card.card_id)
                said = f"buried {card.question_id} until {_local(until)}"
            else:
                self.service.suspend(card.card_id)
                said = f"suspended {card.question_id}"
            if self.cram is not None:
                self.cram.skip()  # once the service has done it: undo takes back both
            return said
        raise StudytoolError(f"unknown command {quote(command)} ({self.HELP})")

    def rate(self, rating: int) -> str:
        from studytool.srs import format_interval

        card = self._current("rate")
        duration_ms = int((time.monotonic() - self.shown_at) * 1000)
        if self.cram is not None:
            self.cram.rate(rating, duration_ms)
            self.reviewed += 1
            return f"crammed {RATING_NAMES[rating]}: schedule unchanged"
        after = self.service.rate(card.card_id, rating, duration_ms, self.typed)
        self.reviewed += 1
        wait = format_interval(after.due - (after.last_review or self.service.now()))
        ack = f"rated {RATING_NAMES[rating]}: next due in {wait}"
        if after.leech and not card.leech:  # this lapse made it one
            from studytool.srs.views import leech_news

            ack += f"\nleech: {leech_news(after)}"
        return ack

    def undo(self) -> str:
        target = self.service.last_undoable()
        review = self.service.undoes_a_review()  # a bury or a suspend counted no review
        undone = self.cram.undo() if self.cram is not None else self.service.undo()
        if target is None or not undone:
            return "nothing to undo"
        self.reviewed -= review
        self.undone = self.service.card(target.card_id)
        return f"undone: {target.question_id} is {self.undone.state} again"

    def after(self, command: str) -> None:
        """Move on after an acknowledged command: the undone card, or the next due one."""
        if command == "u" and self.undone is not None:
            self.card, self.undone = self.undone, None
            self.shown_at = time.monotonic()
        elif command in ("1", "2", "3", "4", "b", "s", "ok", "y"):
            self.advance()

    def _current(self, verb: str) -> Any:
        if self.card is None:
            raise StudytoolError(f"no card to {verb}: nothing is due")
        return self.card

    # -- scripted: one command per line ----------------------------------------------------
    def scripted(self, lines: Iterable[str]) -> int:
        """Run commands from `lines`; returns how many were bad."""
        errors = 0
        self.advance()
        self._show_card()
        for line in lines:
            command = line.strip().lower()
            if not command:
                continue
            if command == "q":
                break
            if command.startswith(">"):
                try:
                    for graded in self.grade_typed(line.strip()[1:].strip()):
                        _say(f"graded: {graded}")
                except StudytoolError as exc:
                    errors += 1
                    click.echo(f"error: {exc}", err=True)
                continue
            shown = self.card
            try:
                ack = self.do(command)
            except StudytoolError as exc:
                errors += 1
                click.echo(f"error: {error_line(exc)}", err=True)
                continue
            if command in ("1", "2", "3", "4", "ok", "y") and shown is not None:
                click.echo("A: " + _indent(shown.answer))
            _say(ack)
            self.after(command)
            self._show_card()
        _say(f"done: {self.reviewed} reviewed")
        return errors

    def _show_card(self) -> None:
        if self.card is None:
            _say("no more cards to cram" if self.cram is not None else "no cards due now")
            return
        click.echo(f"card {self.card.card_id} {self.card.question_id} {self.card.state}")
        _say("Q: " + _indent(self.card.text))

    # -- interactive: single keys --------------------------------------------------------
    def interactive(self) -> None:
        with _keys_mode():
            self._interactive_loop()

    def _interactive_loop(self) -> None:
        self.advance()
        while self.card is not None:
            card = self.card
            click.echo()
            click.secho(f"[{card.state}] {card.question_id}", fg="cyan")
            click.echo(_fit(card.text))
            click.secho("Enter/space: show answer   w type your answer   u undo  b bury  "
                        "s suspend  q quit", dim=True)
            key = _key({"\r", "\n", " ", "w", "u", "b", "s", "q"})
            if key == "q":
                break
            if key == "w":
                self._type_answer()
            if key in ("\r", "\n", " ", "w"):
                key = self._reveal(card)
                if key == "q":
                    break
            self._interactive_do(key)
        if self.card is None:
            click.echo("No more cards to cram." if self.cram is not None
                       else "No more cards due now.")
        click.echo(f"{self.reviewed} reviewed.")

    def _type_answer(self) -> None:
        """w: read one line (the terminal back in line mode), grade it, show the grade."""
        answer = _read_line("Your answer: ")
        click.secho("grading...", dim=True)
        try:
            for line in self.grade_typed(answer):
                click.secho(_fit(line), fg="magenta")
        except StudytoolError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)

    def _reveal(self, card: Any) -> str:
        click.echo()
        click.secho(_fit(card.answer), fg="green")
        if card.mistake:
            click.secho(_fit(f"Common mistake: {card.mistake}"), fg="yellow")
        for name in card.answers:
            click.secho(f"Run it: studytool run {name}", dim=True)
        if self.cram is not None:
            click.echo("  ".join(f"{r} {RATING_NAMES[r]}" for r in (1, 2, 3, 4))
                       + "   (cram: no schedule change)   u b s q")
        else:
            previews = self.service.preview_intervals(card.card_id)
            click.echo("  ".join(f"{r} {RATING_NAMES[r]} ({previews[r]})" for r in (1, 2, 3, 4))
                       + "   u b s q")
        if self.typed is not None:
            rating = self.typed.suggested_rating
            click.secho(f"Enter takes the suggested {rating} {RATING_NAMES[rating]}; "
                        "1-4 overrides", dim=True)
            key = _key({"1", "2", "3", "4", "u", "b", "s", "q", "\r", "\n"})
            return "ok" if key in ("\r", "\n") else key
        return _key({"1", "2", "3", "4", "u", "b", "s", "q"})

    def _interactive_do(self, key: str) -> None:
        try:
            click.secho(self.do(key), dim=True)
        except StudytoolError as exc:
            click.secho(f"error: {error_line(exc)}", fg="red", err=True)
            return
        self.after(key)


@contextmanager
def _keys_mode() -> Iterator[None]:
    """Single keys without Enter for the whole session (restored on exit).

    Set once, with TCSANOW: click.getchar switches per key with TCSAFLUSH, which throws away
    keys typed ahead while the next card was being fetched.
    """
    try:
        import termios
        import tty
    except ImportError:  # Windows: click.getchar reads single keys there
        yield
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd, termios.TCSANOW)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _read_line(prompt: str) -> str:
    """One line of input with echo and editing, in the middle of single-key mode."""
    try:
        import termios
    except ImportError:
        return str(click.prompt(prompt, default="", show_default=False))
    fd = sys.stdin.fileno()
    keys = termios.tcgetattr(fd)
    cooked = list(keys)
    cooked[3] = cooked[3] | termios.ICANON | termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, cooked)
    try:
        click.echo(prompt, nl=False)
        return sys.stdin.readline().rstrip("\n")
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, keys)


def _read_key() -> str:
    try:
        import termios  # noqa: F401
    except ImportError:
        return click.getchar()
    data = os.read(sys.stdin.fileno(), 1)
    return data.decode(errors="replace") if data else "q"  # end of input: quit


def _key(allowed: set[str]) -> str:
    while True:
        key = _read_key().lower()
        if key in allowed:
            return key


def _say(line: str) -> None:
    # Flushed at once: a script (or a test) counts acknowledgements as they come.
    click.echo(line)
    sys.stdout.flush()


def _indent(text: str) -> str:
    return text.replace("\n", "\n   ")


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _fit(text: str, width: int | None = None) -> str:
    """Re-flow prose to the terminal's width (the deck's hard wraps would break mid-word);
    code fences, indented lines and ASCII drawings stay exactly as written."""
    import shutil
    import textwrap

    width = width or max(40, min(100, shutil.get_terminal_size((100, 24)).columns - 1))
    out: list[str] = []
    prose: list[str] = []
    fenced = False

    def flush() -> None:
        if prose:
            out.append(textwrap.fill(" ".join(line.strip() for line in prose), width))
            prose.clear()

    for line in text.strip("\n").splitlines():
        if line.lstrip().startswith("```"):
            flush()
            fenced = not fenced
            out.append(line)
        elif fenced or not line.strip() or line.startswith((" ", "\t", "|", "-", "*")) \
                or line.lstrip()[:2].rstrip(".").isdigit():
            flush()
            out.append(line)
        else:
            prose.append(line)
    flush()
    return "\n".join(out)
