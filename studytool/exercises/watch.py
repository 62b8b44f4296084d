"""Watch mode: wait until the learner saves the exercise file again. The CLI's `verify --watch`
and the app's exercises screen both loop on `wait_for_change`.

`watchfiles` (inotify on Linux, the OS's own notifications elsewhere) wakes us on a save
instead of polling. The folder is watched, not the file: most editors save by writing a new
file and renaming it over the old one, which a watch on the old file would never see.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

QUIET_MS = 50  # a save is reported once nothing has changed for this long
CHECK_MS = 200  # how often the watch wakes to look at `timeout`


def stamp(path: Path) -> tuple[int, int] | None:
    """What changes when the file is saved: (mtime in ns, size); None while it is missing."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_mtime_ns, info.st_size


def _settled(path: Path) -> tuple[int, int] | None:
    """The stamp once it has held still for QUIET_MS: a save that truncates, then writes (or a
    slow copy) is reported once, whole, not as an empty file and then again as the full one."""
    now = stamp(path)
    while True:
        time.sleep(QUIET_MS / 1000)
        later = stamp(path)
        if later == now:
            return now
        now = later


def wait_for_change(path: Path, since: tuple[int, int] | None,
                    stop: threading.Event | None = None,
                    timeout: float | None = None) -> bool:
    """Block until `path`'s stamp differs from `since` (True), or `stop` is set or `timeout`
    passes (False). A save made before the call (while the checks ran) counts at once; a file
    that is missing (deleted, or caught mid-save) is waited for."""
    from watchfiles import watch

    stop = stop or threading.Event()
    deadline = None if timeout is None else time.monotonic() + timeout
    target = path.resolve()
    now = _settled(target)
    if now is not None and now != since:
        return True
    if stop.is_set():
        return False

    def ours(_change: object, changed: str) -> bool:
        return Path(changed) == target

    for _changes in watch(target.parent, watch_filter=ours, step=QUIET_MS,
                          debounce=QUIET_MS * 8, stop_event=stop, rust_timeout=CHECK_MS,
                          yield_on_timeout=True, recursive=False):
        now = _settled(target)
        if now is not None and now != since:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
    return False  # `stop` was set
