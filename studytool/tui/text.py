"""Small text helpers shared by the screens."""

from __future__ import annotations


def one_line(text: str, width: int) -> str:
    """A question as one plain line (no Markdown emphasis or code marks), cut to `width`."""
    line = " ".join(text.replace("**", "").replace("`", "").replace("*", "").split())
    return line if len(line) <= width else line[: width - 1] + "…"
