"""Review: question, Space reveals the answer, 1-4 rate (each labelled with its next interval).

u undo, b bury, s suspend, e edit the question file at this card, r run the card's answer in a
side panel, w quiz on this card (each new card starts without it, so Space reveals): type the
answer first; Enter grades it (by meaning and key concepts, in the grading child process) and
shows it beside the reference with the concepts found and missing and any contradiction; Enter
then takes the suggested rating, 1-4 override it, and the grade is stored with the review. On a
card with no answer yet, a saves what you typed as its answer (into the deck file; the card
keeps its history). For a card with an exercise, x opens (or creates) its file in the editor
and v verifies it beside the card.
"""

from __future__ import annotations

import os
import shlex
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Input, Markdown, Static

from studytool.ratings import RATING_NAMES
from studytool.tui.backend import book_rows, error_text, question_line, reload_decks
from studytool.tui.editing import edit_exercise, run_editor, started_file
from studytool.tui.screens.base import StudyScreen
from studytool.tui.text import markup, plain
from studytool.tui.widgets.exercise_panel import ExercisePanel
from studytool.tui.widgets.run_panel import RunPanel

if TYPE_CHECKING:
    from studytool.exercises.catalogue import Exercise
    from studytool.grading.client import Grader
    from studytool.grading.messages import Grade
    from studytool.srs import CardView, StudyService, TypedGrade
    from studytool.srs.cram import CramSession

GRADER_DELAY = 1.0  # seconds after the first card before the grading process starts


@dataclass
class CardLoaded(Message):
    """The next card (None: nothing due) and its interval preview, from a worker."""

    card: CardView | None
    intervals: dict[int, str]
    started: float | None  # perf_counter() of the key press that asked for it
    note: str = ""
    exercise: tuple[Exercise, bool] | None = None  # (Exercise, done) when the card has one
    left: int = 0  # cards left in today's session, counted as home counts them


class ActionFailed(Message):
    """A rating (undo, bury, suspend) did not reach the database."""


@dataclass
class Graded(Message):
    """A typed answer's grade (or the one-line reason there is none), from a worker."""

    card_id: int
    grade: Grade | None = None
    error: str = ""


class ReviewScreen(StudyScreen):
    BINDINGS = [
        Binding("space", "reveal", "Show"),
        *(Binding(str(n), f"rate({n})", name, show=False) for n, name in RATING_NAMES.items()),
        Binding("u", "undo", "Undo"),
        Binding("b", "bury", "Bury"),
        Binding("s", "suspend", "Suspend"),
        Binding("e", "edit", "Edit"),
        Binding("r", "run", "Run"),
        Binding("R", "run(True)", "Full run", show=False),
        Binding("w", "typed", "Quiz"),
        Binding("enter", "accept", "Take suggested", show=False),
        Binding("a", "save_answer", "Save as answer", show=False),
        Binding("x", "exercise", "Exercise file", show=False),
        Binding("v", "verify", "Verify exercise", show=False),
        # One key, two meanings: the footer names the one that applies (see check_action).
        Binding("escape", "close_panel", "Close panel"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, deck_id: str | None = None, cram: bool = False) -> None:
        super().__init__()
        self.deck_id = deck_id
        # Cram mode: a CramSession (lowest retrievability first, no schedule changes), made
        # in the worker that loads the first card.
        self.cram_mode = cram
        self.cram: CramSession | None = None
        self.card: CardView | None = None
        self.intervals: dict[int, str] = {}
        self.revealed = False
        self.typed_mode = False
        self.left = 0  # cards left today, shown in the card header
        self.grader: Grader | None = None  # started with the screen
        self.grader_started = False
        self.grade: Grade | None = None  # the current card's, once it came back
        self.typed_text = ""
        self.exercise: Exercise | None = None  # the card's (the first, when it has several)
        self.exercise_done = False
        self.busy = False
        self.shown_at = time.perf_counter()
        # rating key press -> next card painted, seconds (the benchmark reads it)
        self.last_latency: float | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="card-info")
        with Horizontal(id="review-body"):
            with VerticalScroll(id="card"):
                yield Markdown("", id="question")
                yield Input(placeholder="Type your answer, Enter to compare", id="typed")
                yield Static("", id="grade")
                with Horizontal(id="compare"):
                    yield Static("", id="your-answer")
                    yield Markdown("", id="answer")
                yield Markdown("", id="mistake")
            yield RunPanel(id="side-run")
            yield ExercisePanel(id="side-verify")
        yield Static("", id="ratings")
        # Compact, no palette entry: every key fits at 80 columns (`?` and ctrl+p still work).
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#side-run").display = False
        self.query_one("#side-verify").display = False
        self.query_one("#typed").display = False
        self.query_one("#grade").display = False
        self._set_revealed(False)
        self.busy = True
        self._next(time.perf_counter())

    def on_unmount(self) -> None:
        if self.grader is not None:  # off the UI thread: stopping it may take a second
            threading.Thread(target=self.grader.close, daemon=True).start()

    # -- loading cards (worker threads) ---------------------------------------------------------

    def _service(self) -> StudyService:
        return self.app.opened.service

    @work(thread=True, exit_on_error=False, exclusive=True, group="review")
    def _next(self, started: float | None, note: str = "") -> None:
        self._post_next(started, note)

    def _post_next(self, started: float | None, note: str = "", card_id: int | None = None) -> None:
        """Show the next due card (or card `card_id`: the one an undo gave back)."""
        service = self._service()
        try:
            if self.cram_mode:
                if self.cram is None:
                    from studytool.srs.cram import CramSession

                    self.cram = CramSession(service, self.deck_id)
                card, left = self.cram.next_card(), self.cram.left()
                intervals = dict.fromkeys(RATING_NAMES, "(cram)")
            else:
                card = service.card(card_id) if card_id else service.next_card(self.deck_id)
                intervals = service.preview_intervals(card.card_id) if card is not None else {}
                left = sum(s.due_today for s in service.deck_summaries()
                           if self.deck_id in (None, s.id))
        except Exception as exc:
            self.post_message(CardLoaded(None, {}, None, f"error: {error_text(exc)}"))
            return
        exercise = self._exercise_of(card) if card is not None else None
        self.post_message(CardLoaded(card, dict(intervals), started, note, exercise, left))

    def _exercise_of(self, card: CardView) -> tuple[Exercise, bool] | None:
        """The card's exercise and whether it is done (progress is read only for those)."""
        try:
            from studytool.exercises import exercises_for_question, progress

            found = exercises_for_question(card.question_id)
            if not found:
                return None
            record = progress.get(self.app.opened.service.db, found[0].name)
        except Exception:  # exercises are a side note to the card: never block a review
            return None
        return found[0], record.done

    @work(thread=True, exit_on_error=False, exclusive=True, group="review")
    def _act(self, action: str, card_id: int = 0, rating: int = 0, duration_ms: int = 0,
             started: float | None = None, typed: TypedGrade | None = None) -> None:
        service = self._service()
        note, show = "", None
        try:
            if action == "rate" and self.cram is not None:
                self.cram.rate(rating, duration_ms)
            elif action == "rate":
                was_leech = self.card is not None and self.card.leech  # the card rated
                after = service.rate(card_id, rating, duration_ms, typed)
                if after.leech and not was_leech:  # this lapse made it one
                    from studytool.srs.views import leech_news

                    self.app.tell(f"Leech: {leech_news(after)}.", severity="warning",
                                  timeout=10)
            elif action == "undo" and self.cram is not None:
                undone = self.cram.undo()
                note = "Undone." if undone else "Nothing to undo."
            elif action == "undo":  # a rating, a bury or a suspend: that card again
                target = service.last_undoable()
                undone = target is not None and service.undo()
                note = "Undone." if undone else "Nothing to undo."
                show = target.card_id if undone and target is not None else None
            elif action == "bury":
                service.bury(card_id)
                note = "Buried until tomorrow."
            elif action == "suspend":
                service.suspend(card_id)
                note = "Suspended (unsuspend it from Browse)."
            if action in ("bury", "suspend") and self.cram is not None:
                self.cram.skip()  # once the service has done it: undo takes back both
        except Exception as exc:
            self.app.tell(error_text(exc), severity="error", timeout=10)
            self.post_message(ActionFailed())  # the card stays as it was: try again
            return
        self._post_next(started, note, show)

    def on_action_failed(self, _message: ActionFailed) -> None:
        self.busy = False

    async def on_card_loaded(self, message: CardLoaded) -> None:
        if message.note.startswith("error:"):
            self.notify(message.note[7:], severity="error", timeout=10)
        elif message.note:
            self.notify(message.note, timeout=3)
        self.exercise, self.exercise_done = message.exercise or (None, False)
        self.left = message.left
        new_id = getattr(message.card, "card_id", None)
        if self.card is not None and new_id != self.card.card_id:
            self._close_panels()
        # Quiz is chosen per card (w): a new card starts with Space revealing, not typing.
        self.typed_mode = False
        try:
            await self._show(message.card, message.intervals)
        finally:
            self.busy = False  # a rating waits until this card's text is on screen
        if message.card is not None and not self.grader_started:
            self.grader_started = True
            # A moment after the first card is on screen: the model loads (about a second of
            # CPU) while the learner reads, not while the screen paints its first keys.
            self.set_timer(GRADER_DELAY, self._start_grader)
        if message.started is not None:
            started = message.started
            self.call_after_refresh(self._painted, started)

    def _close_panels(self) -> None:
        """A run or a check belongs to its card: the next card (rated, buried, undone to)
        starts with neither, so no other question's answer sits beside it or cuts it off."""
        for panel in (self.query_one("#side-run", RunPanel),
                      self.query_one("#side-verify", ExercisePanel)):
            if panel.running:
                panel.cancel()  # a run is stored as cancelled, a check is no attempt
            panel.display = False
        self.refresh_bindings()

    def _painted(self, started: float) -> None:
        self.last_latency = time.perf_counter() - started

    # -- showing ----------------------------------------------------------------------------------

    async def _show(self, card: CardView | None, intervals: dict[int, str]) -> None:
        """Show `card`: its text first, then the header that names it, so the two appear
        together (Markdown parses in a thread and mounts later: on a loaded machine the
        header stood over a blank card for two seconds). One frame: the old card stays whole
        until the new one is ready."""
        with self.app.batch_update():
            if card is not None:
                await self._fill_text(card)
            self._show_now(card, intervals)

    def _show_now(self, card: CardView | None, intervals: dict[int, str]) -> None:
        self.card = card
        self.intervals = intervals
        self.shown_at = time.perf_counter()
        self.grade = None
        self.query_one("#grade").display = False
        info = self.query_one("#card-info", Static)
        if card is None:
            info.update("[b]No more cards to cram.[/b] Esc goes back." if self.cram_mode else
                        "[b]No more cards due.[/b] Esc goes back; come back tomorrow.")
            self.query_one("#question", Markdown).update("")
            self.query_one("#typed").display = False
            self._set_revealed(False)
            self.query_one("#ratings", Static).update("")
            return
        self._update_info()
        typed = self.query_one("#typed", Input)
        typed.value = ""
        typed.display = self.typed_mode
        self._set_revealed(False)
        if self.typed_mode:
            typed.focus()
        self.query_one("#card").scroll_home(animate=False)

    async def _fill_text(self, card: CardView) -> None:
        """The question parsed and mounted; the answer and common mistake (hidden until
        Space) follow without holding the card back."""
        mistake = getattr(card, "mistake", None)
        self.query_one("#compare").display = False  # the last card's answer is not this one's
        await self.query_one("#question", Markdown).update(str(card.text))
        self.query_one("#answer", Markdown).update(str(card.answer))
        self.query_one("#mistake", Markdown).update(
            f"**Common mistake:** {mistake.strip()}" if mistake else "")

    def _update_info(self) -> None:
        """The card header: id, state, tags, and the modes that change what keys do."""
        card = self.card
        if card is None:
            return
        # Ids, states and tags come from files and the database: values, never markup.
        parts = [markup("[b]$n left[/b]", n=self.left),
                 markup("[b]$id[/b]", id=card.question_id), plain(card.state)]
        if card.stability is not None and card.difficulty is not None:
            recall = "-" if card.retrievability is None else f"{card.retrievability:.0%}"
            parts.append(plain(f"S {card.stability:.1f}d D {card.difficulty:.1f} R {recall}"))
        if _no_answer(card):
            parts.append(markup("[b]no answer yet[/b]"))
        if card.tags:
            parts.append(plain(", ".join(card.tags)))
        if card.answers:
            parts.append(markup("[b]r[/b] run"))
        if self.exercise is not None:
            state = "done" if self.exercise_done else "pending"
            parts.append(markup("exercise: $name ($state) [b]x[/b]/[b]v[/b]",
                                name=self.exercise.name, state=state))
        if self.typed_mode:
            parts.append(markup("[reverse] quiz [/reverse]"))  # `w` turns it off
        if self.cram_mode:  # ratings change no schedule here
            parts.append(markup("[reverse] cram [/reverse]"))
        self.query_one("#card-info", Static).update(plain(" · ").join(parts))

    def _set_revealed(self, revealed: bool) -> None:
        self.revealed = revealed
        self.refresh_bindings()  # the footer's keys depend on the card and on `revealed`
        self.query_one("#compare").display = revealed
        self.query_one("#mistake").display = revealed and bool(
            getattr(self.card, "mistake", None))
        your = self.query_one("#your-answer", Static)
        your.display = revealed and self.typed_mode
        ratings = self.query_one("#ratings", Static)
        suggested = self.grade.suggested_rating if self.grade is not None else None
        if self.card is None:
            ratings.update("")
        elif revealed:
            parts = [markup("[reverse][b]$n[/b] $label[/reverse] [dim]$due[/dim]"
                            if n == suggested else "[b]$n[/b] $label [dim]$due[/dim]",
                            n=n, label=label, due=self.intervals.get(n, "?"))
                     for n, label in RATING_NAMES.items()]
            if suggested is not None:
                parts.append(markup("[b]Enter[/b] takes the suggestion"))
            elif self.typed_mode and _no_answer(self.card) and self.typed_text.strip():
                parts.append(markup("[b]a[/b] saves yours as the answer"))
            ratings.update(plain("   ").join(parts))
        elif self.typed_mode:
            ratings.update("Type, [b]Enter[/b] grades   [b]Esc[/b] leaves the field   "
                           "[b]w[/b] quiz off")
        else:
            ratings.update("[b]Space[/b] show answer   [b]w[/b] quiz: type and grade   "
                           "[b]?[/b] all keys")

    # -- actions ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "rate":
            return self.revealed and self.card is not None and not self.busy
        if action == "reveal":
            return self.card is not None and not self.revealed
        if action in ("bury", "suspend", "edit", "run"):
            return self.card is not None
        if action == "typed":  # typing comes before the answer is shown
            return self.card is not None and not self.revealed
        if action in ("exercise", "verify"):
            return self.card is not None and self.exercise is not None
        if action in ("close_panel", "back"):
            return (self._open_panel() is not None) == (action == "close_panel")
        if action == "accept":
            return self.revealed and self.grade is not None and not self.busy
        if action == "save_answer":
            return self.revealed and self.typed_mode and self.card is not None \
                and _no_answer(self.card) and bool(self.typed_text.strip())
        return True

    def action_reveal(self) -> None:
        if self.card is None or self.revealed:
            return
        typed = self.query_one("#typed", Input)
        if self.typed_mode:
            self.typed_text = typed.value
            # The learner's text is shown as plain Text: never parsed as markup.
            self.query_one("#your-answer", Static).update(Text.assemble(
                ("You wrote\n", "bold"), typed.value or ("(nothing)", "dim")))
            typed.display = False
            self.set_focus(None)
            self._start_grading()
        self._set_revealed(True)

    @on(Input.Submitted, "#typed")
    def _typed_done(self, _event: Input.Submitted) -> None:
        self.action_reveal()

    def action_rate(self, rating: int) -> None:
        if self.card is None or not self.revealed or self.busy:
            return
        self.busy = True
        duration_ms = int((time.perf_counter() - self.shown_at) * 1000)
        typed = None
        if self.grade is not None:
            from studytool.srs.views import TypedGrade

            typed = TypedGrade(self.grade.score, self.grade.suggested_rating, self.typed_text)
        self._act("rate", self.card.card_id, rating, duration_ms, time.perf_counter(), typed)

    def action_accept(self) -> None:
        """Enter after a grade: rate with the suggested rating."""
        if self.grade is not None:
            self.action_rate(int(self.grade.suggested_rating))

    # -- the quiz: grading a typed answer ---------------------------------------------------------

    def _start_grading(self) -> None:
        card = self.card
        grade = self.query_one("#grade", Static)
        grade.display = True
        if _no_answer(card):
            grade.update(Text("This card has no answer yet, so there is nothing to grade "
                              "against." + (" a saves what you typed as its answer."
                                            if self.typed_text.strip() else "")))
            return
        grade.update(Text("Grading...", style="dim"))
        self._grade(card, self.typed_text)

    @work(thread=True, exit_on_error=False, group="grade")
    def _grade(self, card: CardView, answer: str) -> None:
        try:
            from studytool.grading.messages import request_for

            deck = self.app.opened.decks.get(card.deck_id)
            if deck is None:
                raise RuntimeError(f"the deck of {card.question_id} is not loaded")
            grader = self._grader()
            result = grader.grade(request_for(deck, card.question_id, answer))
        except Exception as exc:  # the model missing, the worker crashed: one line, go on
            self.post_message(Graded(card.card_id, error=error_text(exc)))
            return
        self.post_message(Graded(card.card_id, result))

    def _grader(self) -> Grader:
        if self.grader is None:
            from studytool.grading.client import Grader

            self.grader = Grader()
        return self.grader

    def _start_grader(self) -> None:
        """Start the grading process as review opens, so the first grade need not wait for
        the model, and have it embed the decks' texts (read from its disk cache after the
        first time). A plain thread, not a Textual worker: it never touches the screen, and
        waiting for it is the grade's business, not the screen's. The model loads in the
        child; this thread only writes requests and waits."""
        from studytool.grading.messages import warm_requests

        grader = self._grader()
        requests = warm_requests(self.app.opened.decks.values())

        def warm() -> None:
            try:
                grader.start()
                grader.warm(requests)
            except Exception:
                pass  # reported, with its reason, when the learner asks for a grade

        threading.Thread(target=warm, name="grader-warm", daemon=True).start()

    def on_graded(self, message: Graded) -> None:
        if self.card is None or message.card_id != self.card.card_id:
            return  # the learner moved on before the grade came back
        box = self.query_one("#grade", Static)
        if message.grade is None:
            box.update(Text.assemble(("Not graded: ", "bold"), message.error,
                                     "\nRate it yourself: 1-4."))
            return
        self.grade = message.grade
        box.update(grade_text(message.grade))
        self._set_revealed(True)  # the ratings line now marks the suggestion

    def action_save_answer(self) -> None:
        """a: a card without an answer takes what the learner typed (written to its file)."""
        if self.card is None or not _no_answer(self.card) or not self.typed_text.strip():
            return
        path = self.app.opened.deck_path(self.card.deck_id)
        if path is None:
            self.notify("This deck has no question file to write to.", severity="warning")
            return
        self._save_answer(path, self.card.question_id, self.typed_text)

    @work(thread=True, exit_on_error=False, exclusive=True, group="review")
    def _save_answer(self, path: Path, question_id: str, answer: str) -> None:
        try:
            from studytool.deck.answer_edit import write_answer
            from studytool.deck.installed import own_copy

            with own_copy(path) as copy:
                write_answer(copy, question_id, answer)
            problems = reload_decks(self.app.opened)
        except Exception as exc:
            self.app.tell(error_text(exc), severity="error", timeout=10)
            return
        for problem in problems:
            self.app.tell(problem, title="Deck file", severity="warning", timeout=12)
        self._post_next(None, f"Saved as the answer of {question_id}.")

    def action_undo(self) -> None:
        if not self.busy:
            self.busy = True
            self._act("undo", started=time.perf_counter())

    def action_bury(self) -> None:
        self._card_action("bury")

    def action_suspend(self) -> None:
        self._card_action("suspend")

    def _card_action(self, action: str) -> None:
        if self.card is not None and not self.busy:
            self.busy = True
            self._act(action, self.card.card_id, started=time.perf_counter())

    async def action_typed(self) -> None:
        # No notification: it would cover the field; the card header shows the mode instead.
        if self.card is None or self.revealed:
            return
        self.typed_mode = not self.typed_mode
        await self._show(self.card, self.intervals)

    def _open_panel(self) -> RunPanel | ExercisePanel | None:
        for panel in (self.query_one("#side-verify", ExercisePanel),
                      self.query_one("#side-run", RunPanel)):
            if panel.display:
                return panel
        return None

    def action_close_panel(self) -> None:
        """Esc with a side panel open: a check or a run still going is stopped, else the
        panel hidden."""
        panel = self._open_panel()
        if self._in_field() or panel is None:
            return
        if panel.running:
            panel.cancel()
            return
        panel.display = False
        self.refresh_bindings()

    def action_back(self) -> None:
        if not self._in_field():
            self.app.pop_screen()

    def _in_field(self) -> bool:
        """Esc in the typed field leaves the field (True), not the card or the panel."""
        typed = self.query_one("#typed", Input)
        if not typed.has_focus:
            return False
        self.set_focus(None)
        return True

    # -- the card's runnable answer ---------------------------------------------------------------

    def action_run(self, full: bool = False) -> None:
        """r: the card's answer with its quick settings; R: at the book's settings."""
        if self.card is None:
            return
        if not self.card.answers:
            self.notify("This card has no runnable answer.", severity="warning")
            return
        try:
            from studytool.runner.catalog import get

            answer = get(self.card.answers[0])
        except Exception as exc:
            self.notify(error_text(exc), severity="error")
            return
        panel = self.query_one("#side-run", RunPanel)
        if self.query_one("#side-verify", ExercisePanel).running:
            self.notify("The exercise checks are running: Esc stops them.", severity="warning")
            return
        self.query_one("#side-verify").display = False
        panel.display = True
        self.refresh_bindings()
        panel.start(answer, quick=not full, device=self.app.run_device(),
                    book_rows=book_rows(answer), full_key="R")

    # -- the card's exercise ----------------------------------------------------------------------

    def action_exercise(self) -> None:
        """x: create the exercise file if needed, then open it in the learner's editor."""
        if self.exercise is not None:
            edit_exercise(self, self.exercise)

    def action_verify(self) -> None:
        """v: run the exercise's checks on the learner's file, results beside the card."""
        if self.exercise is None:
            return
        path = started_file(self, self.exercise, "x creates it.")
        if path is None:
            return
        if self.query_one("#side-run", RunPanel).running:
            self.notify("A run is going: Esc cancels it.", severity="warning")
            return
        self.query_one("#side-run").display = False
        panel = self.query_one("#side-verify", ExercisePanel)
        panel.display = True
        self.refresh_bindings()
        panel.verify(self.exercise, path)

    def on_exercise_panel_verified(self, message: ExercisePanel.Verified) -> None:
        if self.exercise is not None and message.name == self.exercise.name and message.done:
            self.exercise_done = True
            self._update_info()

    # -- editing the question file ----------------------------------------------------------------

    def action_edit(self) -> None:
        if self.card is None:
            return
        path = self.app.opened.deck_path(self.card.deck_id)
        if path is None or not path.exists():
            self.notify("This deck has no question file to edit.", severity="warning")
            return
        from studytool.deck.installed import own_copy

        # A shipped deck: the learner's own copy (an upgrade replaces the installed one),
        # dropped again when the editor leaves it unchanged.
        try:
            with own_copy(path) as copy:
                if copy != path:
                    self.notify(f"Editing your copy of this deck: {copy}", timeout=6)
                editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
                line = question_line(copy, self.card.question_id)
                command = [*shlex.split(editor), *([f"+{line}"] if line else []), str(copy)]
                edited = run_editor(self, command)
        except OSError as exc:
            self.notify(f"cannot edit {path}: {error_text(exc)}", severity="error")
            return
        if edited:
            self._after_edit()

    @work(thread=True, exit_on_error=False, exclusive=True, group="review")
    def _after_edit(self) -> None:
        try:
            problems = reload_decks(self.app.opened)
        except Exception as exc:
            self.app.tell(error_text(exc), severity="error")
            return
        for problem in problems:
            self.app.tell(problem, title="Deck file", severity="warning", timeout=12)
        self._post_next(None, "Question file reloaded." if not problems else "")

def _no_answer(card: CardView | None) -> bool:
    from studytool.deck.models import PLACEHOLDER_ANSWER

    return str(getattr(card, "answer", "")).strip() == PLACEHOLDER_ANSWER


def grade_text(grade: Grade) -> Text:
    """A grade as plain Text (concepts and statements come from files and the learner: no
    markup): the score as a bar, the suggestion, found and missing concepts, contradictions."""
    filled = round(grade.score * 10)
    text = Text.assemble(
        ("Score ", "bold"), ("█" * filled, "green"), ("░" * (10 - filled), "dim"),
        f" {grade.score:.2f}   ", ("suggested: ", "bold"),
        f"{grade.suggested_rating} {RATING_NAMES[grade.suggested_rating]}")
    if grade.found:
        text.append("\nFound: ", style="bold green")
        text.append("; ".join(grade.found))
    if grade.missing:
        text.append("\nMissing: ", style="bold yellow")
        text.append("; ".join(grade.missing))
    for statement in grade.contradictions:
        text.append("\nContradicts: ", style="bold red")
        text.append(statement)
    if grade.note:
        text.append("\nNote: ", style="bold")
        text.append(grade.note)
    return text
