"""Ctrl-C and SIGTERM in the commands: the same clean-up for both, and none half done.

`cli` makes SIGTERM raise `Terminated` (a KeyboardInterrupt) in the main thread, so every
command that handles Ctrl-C handles a `kill` the same way. While a finished or cancelled run
is being stored, both signals wait (`deferred`), so a second one cannot lose it.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from studytool.errors import raise_terminated

SIGNALS = (signal.SIGINT, signal.SIGTERM)


def terminate_like_ctrl_c() -> None:
    """SIGTERM raises `Terminated` in the main thread from now on."""
    signal.signal(signal.SIGTERM, raise_terminated)


@contextmanager
def deferred() -> Iterator[list[int]]:
    """Ctrl-C and SIGTERM are noted, not raised, until the block ends; yields the list of
    signals that arrived meanwhile."""
    arrived: list[int] = []

    def note(signum: int, _frame: Any) -> None:
        arrived.append(signum)

    previous = {sig: signal.signal(sig, note) for sig in SIGNALS}
    try:
        yield arrived
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
