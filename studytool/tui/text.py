"""Small text helpers shared by the screens."""

from __future__ import annotations

from datetime import datetime


def one_line(text: str, width: int) -> str:
    """A question as one plain line (no Markdown emphasis or code marks), cut to `width`."""
    line = " ".join(text.replace("**", "").replace("`", "").replace("*", "").split())
    return line if len(line) <= width else line[: width - 1] + "…"


def local_time(moment: datetime | None) -> str:
    """A stored UTC time as the learner's wall-clock time, to the minute."""
    if moment is None:
        return "-"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
