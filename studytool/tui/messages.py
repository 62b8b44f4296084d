"""What widgets and screens tell the app, and what the app tells every open screen.

The app owns the work that outlives a screen: it tracks the runs still going (quitting stops
them) and stores every finished run. Widgets and screens only post these; any thread may.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from textual.message import Message

if TYPE_CHECKING:
    from studytool.run_record import RunRecord


class Cancellable(Protocol):
    """A run, a check or a self-check pool: `cancel()` stops its child (any thread)."""

    def cancel(self) -> None: ...


class RunStarted(Message):
    """A child is running: the app stops it if it quits first."""

    def __init__(self, handle: Cancellable) -> None:
        super().__init__()
        self.handle = handle


class RunFinished(Message):
    """A child ended: `record` (when there is one) is stored; `handle` None for a row of a
    self-check pool, whose own handle ends with the pool."""

    def __init__(self, handle: Cancellable | None, record: RunRecord | None = None) -> None:
        super().__init__()
        self.handle = handle
        self.record = record


class RunStored(Message, bubble=False):  # sent to each screen: it must not come back up
    """To every screen: a finished run is in the database (`handle` as in RunFinished)."""

    def __init__(self, handle: Cancellable | None, record: RunRecord) -> None:
        super().__init__()
        self.handle = handle
        self.record = record


class DataChanged(Message, bubble=False):
    """The database opened or changed under the screens (an import): each re-reads what it
    shows. Posted to the app, which sends one to every open screen."""
