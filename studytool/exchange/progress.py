"""Where a long export or import is, for a progress bar: the CLI draws it on a terminal, the
app in a widget. The exchange code calls a `ProgressCallback` now and then (at most every
`INTERVAL` seconds); it never draws anything itself."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

INTERVAL = 0.1  # seconds between two reports


@dataclass(frozen=True)
class Progress:
    """`done` of `total` units ("bytes" of the file for an import, "reviews" for an export;
    total None when not known), and how many items of each kind have gone through."""

    action: str  # "import" | "export"
    done: int
    total: int | None
    unit: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)

    def counts_text(self) -> str:
        return ", ".join(f"{n:,} {kind}" for kind, n in self.counts.items() if n)

    def amount_text(self) -> str:
        if self.unit == "bytes":
            digits = 1 if (self.total or self.done) < 10e6 else 0
            done = f"{self.done / 1e6:,.{digits}f}"
            return f"{done} of {self.total / 1e6:,.{digits}f} MB" if self.total else f"{done} MB"
        total = f" of {self.total:,}" if self.total is not None else ""
        return f"{self.done:,}{total} {self.unit}"


ProgressCallback = Callable[[Progress], None]


class Reporter:
    """Hands `Progress` to a callback, at most every INTERVAL seconds (and always the last)."""

    def __init__(self, callback: ProgressCallback | None, action: str, unit: str,
                 total: int | None) -> None:
        self._callback = callback
        self.action, self.unit, self.total = action, unit, total
        self.counts: dict[str, int] = {}
        self._last = 0.0

    def __call__(self, done: int, final: bool = False) -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        if not final and now - self._last < INTERVAL:
            return
        self._last = now
        self._callback(Progress(self.action, done, self.total, self.unit, dict(self.counts)))
