"""What the app's screens share: the app typed as StudyApp, and reading the database in a
worker thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from textual.message import Message
from textual.screen import Screen

from studytool.tui.backend import error_text

if TYPE_CHECKING:
    from studytool.srs import StudyService
    from studytool.tui.app import StudyApp

T = TypeVar("T")


class StudyScreen(Screen[None]):
    app: StudyApp  # type: ignore[assignment]

    def read_then_post(self, read: Callable[[StudyService], T],
                       message: Callable[[T], Message]) -> None:
        """From a worker thread: `read` the service, then post `message(what it read)` to this
        screen; a failure is one error notification, and the screen keeps what it shows."""
        try:
            result = read(self.app.opened.service)
        except Exception as exc:
            self.app.tell(error_text(exc), severity="error")
            return
        self.post_message(message(result))
