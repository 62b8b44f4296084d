"""Exercises (e on home): the rustlings loop inside the app.

The exercises in order with their status; the cursor starts on the current one (the first not
done). Enter or x opens it in the learner's editor (writing the scaffold first when needed);
while the screen is open, every save of the highlighted exercise's file verifies it by itself
(watchfiles, see exercises.watch), v verifies now, a verifies every started exercise, R puts
the scaffold back after a confirmation (the learner's file is kept as NAME.py.bak), s shows
the reference solution once the exercise passes. Each finished verification is recorded, and
counts as a review of the exercise's cards (Good for a pass, Again for a fail). The checks run
in a child process: this process never imports torch.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from studytool.tui.backend import error_text
from studytool.tui.editing import edit_exercise, started_file
from studytool.tui.screens.base import StudyScreen
from studytool.tui.screens.confirm import Confirm
from studytool.tui.text import cell, markup, plain
from studytool.tui.widgets.exercise_panel import ExercisePanel

if TYPE_CHECKING:
    from pathlib import Path

    from studytool.exercises.catalogue import Exercise
    from studytool.exercises.progress import Progress

STATUS_STYLE = {"done": "green", "failing": "red", "started": "yellow", "not started": "dim"}


def status_of(progress: Progress | None, started: bool) -> str:
    """done / failing / started / not started: what the learner needs to pick the next one
    (`failing`: the last verification failed; `started`: a file, never verified)."""
    if progress is not None and progress.status == "done":
        return "done"
    if progress is not None and progress.last_passed is False:
        return "failing"
    return "started" if started else "not started"


@dataclass
class ProgressLoaded(Message):
    progress: dict[str, Progress]


@dataclass
class FileSaved(Message):
    name: str
    watch: threading.Event  # which watch saw it (an old one's news is stale)


@dataclass
class AllVerified(Message):
    text: str


class ExercisesScreen(StudyScreen):

    BINDINGS = [
        Binding("x", "open", "Edit"),
        Binding("v", "verify", "Verify"),
        Binding("a", "verify_all", "Verify all"),
        Binding("s", "solution", "Solution"),
        Binding("R", "reset", "Reset"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        from studytool.exercises import EXERCISES

        self.exercises = list(EXERCISES)
        self.progress: dict[str, Progress] = {}
        self._placed = False  # the cursor goes to the current exercise once
        self._watch_stop: threading.Event | None = None
        self._watched: str | None = None
        self._again = False  # saved while the checks ran: verify once more when they end
        self.verifying_all = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="exercise-list", cursor_type="row", zebra_stripes=True)
        yield Static("", id="exercise-file")
        yield ExercisePanel(id="exercise-checks")
        with VerticalScroll(id="exercise-solution"):
            yield Static("", id="solution-text")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one("#exercise-list", DataTable)
        for label, width in (("#", 1), ("Exercise", 12), ("Status", 11), ("Title", None)):
            table.add_column(label, width=width)
        self.query_one("#exercise-solution").display = False
        table.focus()
        self._load()

    def on_unmount(self) -> None:
        self._stop_watch()

    # -- the list ---------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, exclusive=True, group="exercises")
    def _load(self) -> None:
        from studytool.exercises import progress

        try:
            loaded = progress.load_all(self.app.opened.service.db)
        except Exception as exc:
            self.app.tell(error_text(exc), severity="error")
            loaded = {}
        self.post_message(ProgressLoaded(loaded))

    def on_progress_loaded(self, message: ProgressLoaded) -> None:
        from studytool.exercises import workspace

        self.progress = message.progress
        table = self.query_one("#exercise-list", DataTable)
        row = table.cursor_row
        table.clear()
        # The title takes the rest of the width and wraps there (cut, it hid what to write).
        title_column = table.ordered_columns[-1]
        title_column.auto_width = False
        title_column.width = max(10, self.size.width - 38)
        for number, ex in enumerate(self.exercises, start=1):
            state = self._status(ex, workspace)
            table.add_row(str(number), cell(ex.name),
                          markup(f"[{STATUS_STYLE[state]}]$s[/]", s=state), cell(ex.title),
                          key=ex.name, height=None)
        if not self._placed:
            self._placed = True
            row = next((i for i, ex in enumerate(self.exercises)
                        if self._status(ex, workspace) != "done"), 0)
        table.move_cursor(row=max(0, min(row, len(self.exercises) - 1)))
        self._follow()

    def _status(self, exercise: Exercise, workspace: ModuleType) -> str:
        try:
            started = workspace.exercise_file(exercise).is_file()
        except Exception:  # an unusable workspace folder: nothing started there
            started = False
        return status_of(self.progress.get(exercise.name), started)

    @property
    def current(self) -> Exercise:
        table = self.query_one("#exercise-list", DataTable)
        return self.exercises[max(0, min(table.cursor_row, len(self.exercises) - 1))]

    @on(DataTable.RowHighlighted, "#exercise-list")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._follow()

    @on(DataTable.RowSelected, "#exercise-list")
    def _selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open()

    def _follow(self) -> None:
        """Show the highlighted exercise's file, and watch it (only it) for saves."""
        from studytool.exercises import workspace

        ex = self.current
        try:
            path = workspace.exercise_file(ex)
        except Exception as exc:
            self.query_one("#exercise-file", Static).update(plain(error_text(exc)))
            return
        if path.is_file():
            text = markup("[b]$name[/b] $path [dim]· watching: save to verify[/dim]",
                          name=ex.name, path=path)
        else:
            text = markup("[b]$name[/b] $path [dim]· not started: x writes it[/dim]",
                          name=ex.name, path=path)
        self.query_one("#exercise-file", Static).update(text)
        if self._watched != ex.name:
            self.query_one("#exercise-solution").display = False
            self._watch(ex, path)

    # -- watching the file ------------------------------------------------------------------

    def _stop_watch(self) -> None:
        if self._watch_stop is not None:
            self._watch_stop.set()
        self._watch_stop = None
        self._watched = None

    def _watch(self, exercise: Exercise, path: Path) -> None:
        from studytool.exercises.watch import stamp

        self._stop_watch()
        self._watched = exercise.name
        self._watch_stop = threading.Event()
        # Stamped now, not when the thread starts: that may be after the editor saved.
        self._watcher(exercise.name, path, stamp(path), self._watch_stop)

    @work(thread=True, exit_on_error=False, group="watch")
    def _watcher(self, name: str, path: Path, seen: tuple[int, int] | None,
                 stop: threading.Event) -> None:
        from studytool.exercises.watch import stamp, wait_for_change

        while not stop.is_set():
            try:
                changed = wait_for_change(path, seen, stop=stop)
            except Exception as exc:  # the folder went away: say so, stop watching
                self.app.tell(f"not watching {path}: {error_text(exc)}", severity="warning")
                return
            if not changed:
                return
            seen = stamp(path)
            self.post_message(FileSaved(name, stop))

    def on_file_saved(self, message: FileSaved) -> None:
        if message.watch is not self._watch_stop or message.name != self.current.name:
            return
        panel = self.query_one("#exercise-checks", ExercisePanel)
        if panel.running or self.verifying_all:
            self._again = True  # the checks under way read the old file
            return
        self.action_verify()

    # -- actions ----------------------------------------------------------------------------

    def action_open(self) -> None:
        """Enter / x: write the scaffold if needed, then open the file in the editor."""
        ex = self.current

        def created(path: Path) -> None:  # writing the scaffold is no save to verify
            self._watch(ex, path)
            self._load()

        edit_exercise(self, ex, created)

    def action_verify(self) -> None:
        ex = self.current
        path = started_file(self, ex, "x creates it.")
        if path is None:
            return
        if self.verifying_all:
            self.notify("Verifying all: wait for it to finish.", severity="warning")
            return
        self.query_one("#exercise-solution").display = False
        panel = self.query_one("#exercise-checks", ExercisePanel)
        panel.display = True
        panel.verify(ex, path, review=self.app.backend is not None)

    def on_exercise_panel_verified(self, message: ExercisePanel.Verified) -> None:
        if message.passed and message.name == self.current.name:
            self.notify(f"{message.name} passes: s shows the reference solution.", timeout=6)
        self._load()
        if self._again:
            self._again = False
            self.action_verify()

    def action_verify_all(self) -> None:
        from studytool.exercises import workspace

        panel = self.query_one("#exercise-checks", ExercisePanel)
        if panel.running or self.verifying_all:
            self.notify("The checks are running: Esc stops them.", severity="warning")
            return
        jobs = []
        for ex in self.exercises:
            try:
                path = workspace.exercise_file(ex)
            except Exception:
                continue
            if path.is_file():
                jobs.append((ex, path))
        if not jobs:
            self.notify("No exercise started yet: x writes the current one.", severity="warning")
            return
        self.verifying_all = True
        self.query_one("#exercise-file", Static).update(
            markup("[b]Verifying $n started exercises…[/b]", n=len(jobs)))
        self._verify_all(jobs)

    @work(thread=True, exit_on_error=False, exclusive=True, group="verify-all")
    def _verify_all(self, jobs: list[tuple[Exercise, Path]]) -> None:
        from studytool.exercises import progress, verify

        try:
            results = verify.verify_files(jobs)
            service = self.app.opened.service
            for (ex, _path), result in zip(jobs, results, strict=True):
                progress.record_verify_as_review(service, ex, result.passed)
        except Exception as exc:
            self.post_message(AllVerified(f"verify all failed: {error_text(exc)}"))
            return
        passed = sum(r.passed for r in results)
        self.post_message(AllVerified(f"{passed} of {len(results)} started exercises pass"))

    def on_all_verified(self, message: AllVerified) -> None:
        self.verifying_all = False
        self.notify(message.text, timeout=8)
        self._watched = None  # re-show the highlighted file's line
        self._load()

    def action_solution(self) -> None:
        from studytool.exercises.catalogue import solution_text

        ex = self.current
        box = self.query_one("#exercise-solution")
        if box.display:
            box.display = False
            self.query_one("#exercise-checks").display = True
            return
        state = self.progress.get(ex.name)
        if state is None or state.status != "done":
            self.notify("The reference solution opens once your file passes.",
                        severity="warning")
            return
        try:
            text = solution_text(ex)
        except OSError as exc:
            self.notify(f"no reference solution: {error_text(exc)}", severity="error")
            return
        self.query_one("#solution-text", Static).update(plain(text))
        self.query_one("#exercise-checks").display = False
        box.display = True

    def action_reset(self) -> None:
        from studytool.exercises import workspace

        ex = self.current
        if self.query_one("#exercise-checks", ExercisePanel).running or self.verifying_all:
            self.notify("The checks are running: Esc stops them.", severity="warning")
            return
        path = started_file(self, ex, "nothing to reset.")
        if path is None:
            return

        def done(reset: bool | None) -> None:
            if not reset:
                return
            try:
                backup = workspace.reset(ex)
            except Exception as exc:
                self.notify(error_text(exc), severity="error")
                return
            self.notify(f"{path.name} is the scaffold again; your file is {backup}", timeout=8)
            self._watch(ex, path)  # the reset itself is no save to verify
            self._load()

        question = markup("Put the scaffold back in [b]$name[/b]?\nYour file is kept as "
                          "[b]$backup[/b].", name=path.name, backup=path.name + ".bak")
        self.app.push_screen(Confirm(question, "Reset", "Keep"), done)

    def action_back(self) -> None:
        panel = self.query_one("#exercise-checks", ExercisePanel)
        if panel.running:
            panel.cancel()
            return
        box = self.query_one("#exercise-solution")
        if box.display:
            box.display = False
            panel.display = True
            return
        self.app.pop_screen()
