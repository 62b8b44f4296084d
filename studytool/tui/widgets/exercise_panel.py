"""An exercise's checks: `verify()` runs them in a child process (thread worker) and shows each
check's result, with what the learner's code printed during it, as the child reports it, then
records the attempt (and, from the exercises screen, reviews the exercise's cards by it)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from studytool.exercises.verify import output_lines
from studytool.tui.backend import error_text
from studytool.tui.messages import RunFinished, RunStarted
from studytool.tui.text import lines, markup, plain

if TYPE_CHECKING:
    from pathlib import Path

    from studytool.exercises.catalogue import Exercise
    from studytool.tui.app import StudyApp

OUTPUT_LINES = 40  # of a check's printed output shown (the checks keep its last 4000 bytes)
MARKS = {"passed": markup("[green]✓[/green]"), "failed": markup("[red]✗[/red]"),
         "skipped": markup("[dim]-[/dim]")}


class ExercisePanel(VerticalScroll):
    """`verify(exercise, path)`; `cancel()` stops the child; posts `ExercisePanel.Verified`."""
    app: StudyApp  # type: ignore[assignment]

    class Event(Message):
        def __init__(self, event: dict[str, Any]) -> None:
            super().__init__()
            self.event = event

    class Verified(Message):
        """Finished: `passed`, and `done` as recorded (None when it could not be recorded)."""

        def __init__(self, name: str, passed: bool, done: bool | None, summary: str) -> None:
            super().__init__()
            self.name = name
            self.passed = passed
            self.done = done
            self.summary = summary

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.running = False
        self.exercise_name: str | None = None
        self._stop: threading.Event | None = None
        # check label -> its line, in the plan's order; labels and messages come from the
        # check process (the learner's exceptions among them): values, never markup
        self._lines: dict[str, Content] = {}

    def compose(self) -> ComposeResult:
        yield Static("", classes="verify-title")
        yield Static("", classes="verify-summary")  # above the checks: a long list scrolls
        yield Static("", classes="verify-checks")

    def verify(self, exercise: Exercise, path: Path, review: bool = False) -> bool:
        """Start the checks; `review`: record the result as a review of the exercise's cards
        (Good for a pass, Again for a fail: see exercises.progress)."""
        if self.running:
            self.notify("The checks are running: Esc stops them.", severity="warning")
            return False
        self.running = True
        self.exercise_name = exercise.name
        self._lines = {}
        self._stop = threading.Event()
        self._show_title(markup("[b]$name[/b] · checking… [dim]Esc stops[/dim]",
                                name=exercise.name))
        self.query_one(".verify-checks", Static).update("")
        self.query_one(".verify-summary", Static).update(markup("[dim]$path[/dim]", path=path))
        self._verify(exercise, path, self._stop, review)
        return True

    def cancel(self) -> None:
        if self._stop is not None:
            self._stop.set()

    @work(thread=True, exit_on_error=False, exclusive=True, group="verify")
    def _verify(self, exercise: Exercise, path: Path, stop: threading.Event, review: bool) -> None:
        from studytool.exercises import progress, verify

        handle = _StopHandle(stop)
        self.app.post_message(RunStarted(handle))  # quitting stops the child too
        try:
            result = verify.verify_file(exercise, path, on_event=self._forward, stop=stop)
        except Exception as exc:
            self.post_message(self.Verified(exercise.name, False, None, error_text(exc)))
            return
        finally:
            self.app.post_message(RunFinished(handle))
        passed_count, total = result.counts
        summary = (f"all {total} checks passed" if result.passed
                   else f"{passed_count} of {total} checks passed")
        done: bool | None = None
        if not stop.is_set():  # a stopped run is not an attempt
            try:
                if review:
                    recorded, cards = progress.record_verify_as_review(
                        self.app.opened.service, exercise, result.passed)
                    done = recorded.done
                    if cards:
                        summary += (f" · {cards} card(s) reviewed as "
                                    + ("Good" if result.passed else "Again"))
                else:
                    done = progress.record_verify(self.app.opened.service.db, exercise.name,
                                                  result.passed).done
            except Exception as exc:
                summary += f" (not recorded: {error_text(exc)})"
        # The final word on every check (a crash fills in the ones never reported).
        for check in result.checks:
            self.post_message(self.Event({"event": "check", "label": check.label,
                                          "status": check.status, "message": check.message,
                                          "output": check.output,
                                          "output_bytes": check.output_bytes}))
        self.post_message(self.Verified(exercise.name, result.passed, done, summary))

    def _forward(self, event: dict[str, Any]) -> None:
        self.post_message(self.Event(event))  # from the verify thread to the UI thread

    def on_exercise_panel_event(self, message: ExercisePanel.Event) -> None:
        message.stop()
        event = message.event
        kind = event.get("event")
        label = str(event.get("label", ""))
        if kind == "plan":
            self._lines = {str(lb): markup("[dim]·[/dim] $label", label=lb)
                           for lb in event.get("checks", [])}
        elif kind == "begin":
            self._lines[label] = markup("[dim]…[/dim] $label", label=label)
        elif kind == "check":
            mark = MARKS.get(str(event.get("status")), plain("?"))
            text = str(event.get("message", ""))
            line = (markup("$mark $label\n   [dim]$text[/dim]", mark=mark, label=label, text=text)
                    if text else markup("$mark $label", mark=mark, label=label))
            printed = output_lines(str(event.get("output", "")), event.get("output_bytes"))
            if printed:  # the learner's own prints: how they debug
                line = lines([line, *(markup("   [$accent]│[/] $out", out=out)
                                      for out in printed[-OUTPUT_LINES:])])
            self._lines[label] = line
        else:
            return
        self.query_one(".verify-checks", Static).update(lines(list(self._lines.values())))

    def on_exercise_panel_verified(self, message: ExercisePanel.Verified) -> None:
        # Not stopped: the review screen updates the card header from it.
        self.running = False
        self._stop = None
        state = "passed" if message.passed else "not yet"
        self._show_title(markup("[b]$name[/b] · $state", name=message.name, state=state))
        self.query_one(".verify-summary", Static).update(plain(message.summary))

    def _show_title(self, text: Content) -> None:
        self.query_one(".verify-title", Static).update(text)


class _StopHandle:
    """Lets the app's quit stop a verification like a run (it has nothing to store)."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop

    def cancel(self) -> None:
        self.stop.set()
