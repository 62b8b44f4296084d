"""The teacher's view of the class: each learner's week, the hardest questions, the runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from studytool.tui.backend import error_text
from studytool.tui.text import cell

if TYPE_CHECKING:
    from studytool.srs.class_view import ClassView
    from studytool.tui.app import StudyApp


class ClassLoaded(Message):
    def __init__(self, view: ClassView | None, problem: str = "") -> None:
        super().__init__()
        self.view = view
        self.problem = problem


def _share(value: float | None) -> str:
    return f"{value:.0%}" if value is not None else "-"


def _accuracy(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else "-"


class ClassScreen(Screen[None]):
    app: StudyApp  # type: ignore[assignment]
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("g", "reload", "Refresh")]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="class"):
            yield Static("Loading the class…", id="class-note")
            yield DataTable(id="class-learners", cursor_type="row", zebra_stripes=True)
            yield Static("Hardest questions for this class (lapses / reviews in review)",
                         classes="class-heading")
            yield DataTable(id="class-hardest", cursor_type="row", zebra_stripes=True)
            yield Static("Runs per answer", classes="class-heading")
            yield DataTable(id="class-runs", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#class-learners", DataTable).add_columns(
            "Learner", "Reviews 7d", "Retention 30d", "Due now", "Exercises passed")
        self.query_one("#class-hardest", DataTable).add_columns(
            "Question", "Lapse rate", "Lapses", "Reviews", "Learners")
        self.query_one("#class-runs", DataTable).add_columns(
            "Answer", "Learner", "Runs", "Ok", "Last accuracy", "Best accuracy")
        self.action_reload()

    @work(thread=True, exit_on_error=False, exclusive=True, group="class")
    def action_reload(self) -> None:
        from studytool.srs.class_view import class_view

        try:
            backend = self.app.opened
            if backend.db.role == "learner":
                self.post_message(ClassLoaded(None, "The class view is the teacher's: this "
                                                    "role reads only its own progress."))
                return
            self.post_message(ClassLoaded(class_view(backend.db, backend.service.now())))
        except Exception as exc:  # a dropped connection: say so, keep the screen
            self.post_message(ClassLoaded(None, error_text(exc)))

    def on_class_loaded(self, message: ClassLoaded) -> None:
        note = self.query_one("#class-note", Static)
        view = message.view
        if view is None:
            note.update(message.problem)
            return
        note.update(f"{len(view.learners)} learners")
        learners = self.query_one("#class-learners", DataTable)
        learners.clear()
        for line in view.learners:
            learners.add_row(cell(line.learner), line.reviews_7d, _share(line.retention_30d),
                             line.due_now, line.exercises_passed)
        hardest = self.query_one("#class-hardest", DataTable)
        hardest.clear()
        for q in view.hardest:
            hardest.add_row(cell(q.question_id), _share(q.lapse_rate), q.lapses, q.reviews,
                            q.learners)
        runs = self.query_one("#class-runs", DataTable)
        runs.clear()
        for a in view.answers:
            runs.add_row(cell(a.answer), cell(a.learner), a.runs, a.ok, _accuracy(a.last_accuracy),
                         _accuracy(a.best_accuracy))
