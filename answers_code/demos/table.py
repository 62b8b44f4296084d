"""Plain-text tables for the demos' printed output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns padded to their widest cell, numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    for row in cells:
        lines.append("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    return "\n".join(lines)


def epoch_table(epochs: Sequence[dict[str, Any]]) -> str:
    """The fastai-style table: epoch, train_loss, valid_loss, accuracy, time."""
    rows = [(e["epoch"], f"{e['train_loss']:.6f}", f"{e['valid_loss']:.6f}",
             f"{e['accuracy']:.6f}", f"{e['seconds']:.2f}s") for e in epochs]
    return format_table(("epoch", "train_loss", "valid_loss", "accuracy", "time"), rows)
