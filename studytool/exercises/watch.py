"""Watch mode: wait until the learner saves the exercise file again (polling, no extra
dependency). The CLI's `verify --watch` and the TUI's watch both loop on `wait_for_change`."""

from __future__ import annotations

import threading
import time
from pathlib import Path

POLL_SECONDS = 0.5


def stamp(path: Path) -> tuple[int, int] | None:
    """What changes when the file is saved: (mtime in ns, size); None while it is missing."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_mtime_ns, info.st_size


def wait_for_change(path: Path, since: tuple[int, int] | None,
                    stop: threading.Event | None = None, poll: float = POLL_SECONDS,
                    timeout: float | None = None) -> bool:
    """Block until `path`'s stamp differs from `since` (True), or `stop` is set or `timeout`
    passes (False). A file caught mid-save is read on the next poll, once it exists again."""
    stop = stop or threading.Event()
    deadline = None if timeout is None else time.monotonic() + timeout
    while not stop.is_set():
        now = stamp(path)
        if now is not None and now != since:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        stop.wait(poll)
    return False
