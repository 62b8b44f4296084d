"""The book's tables as data: per-epoch results, hyperparameters and dataset facts (no torch).

`book_tables.json` holds the figures of fastbook chapter 12 (see its "about"), so any run of
`lmmodel1` ... `lmmodel7` can be shown beside the book's table for the same model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

_PATH = Path(__file__).with_name("book_tables.json")

BOOK_MODELS = tuple(f"lmmodel{i}" for i in range(1, 8))


@lru_cache(maxsize=1)
def _tables() -> dict[str, Any]:
    return json.loads(_PATH.read_text(encoding="utf-8"))


def _model(name: str) -> dict[str, Any]:
    models = _tables()["models"]
    if name not in models:
        raise KeyError(f"the book has no table for '{name}' (it has {', '.join(models)})")
    return models[name]


def book_table(name: str) -> list[dict[str, Any]]:
    """The book's per-epoch rows for `name`: epoch, train_loss, valid_loss, accuracy, time."""
    return [dict(row) for row in _model(name)["book_table"]]


@dataclass(frozen=True)
class BookSettings:
    """How the book trains a model: `fit_one_cycle(epochs, lr, wd=wd, moms=moms)`."""

    epochs: int
    lr: float
    wd: float
    moms: tuple[float, float, float]
    callbacks: tuple[str, ...]
    dropout: float | None


def book_settings(name: str) -> BookSettings:
    entry = _model(name)
    first, middle, last = entry["moms"]
    return BookSettings(
        epochs=int(entry["epochs"]),
        lr=float(entry["lr"]),
        wd=float(entry["wd"]),
        moms=(float(first), float(middle), float(last)),
        callbacks=tuple(entry["callbacks"]),
        dropout=entry.get("dropout"),
    )


def book_final_accuracy(name: str) -> float:
    return float(_model(name)["book_final_accuracy"])


def fastai_reruns(name: str) -> tuple[float, ...]:
    """Final accuracies of fastai itself on this data, seeds 0, 1, 2: the spread to expect."""
    return tuple(float(a) for a in _model(name)["fastai_reruns_final_accuracy"])


def column_notes(name: str) -> dict[str, str]:
    """Columns of the book's table for `name` that the book computed differently from this
    tool, each with why ({} for most models; LMModel7's train_loss included AR and TAR)."""
    try:
        return dict(_model(name).get("column_notes", {}))
    except KeyError:
        return {}


def dataset_facts() -> dict[str, Any]:
    """The Human Numbers facts the offline rebuild must reproduce (lines, tokens, vocab...)."""
    return dict(_tables()["dataset"])


def side_by_side(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A run's epoch rows beside the book's for the same epochs: each row holds the run's
    train_loss, valid_loss, accuracy (None past the run's last epoch) and the book's as
    book_train_loss, book_valid_loss, book_accuracy (None past the book's last epoch)."""
    book_rows = {row["epoch"]: row for row in book_table(name)}
    ours = {row["epoch"]: row for row in rows}
    merged = []
    for epoch in sorted(book_rows.keys() | ours.keys()):
        mine, theirs = ours.get(epoch, {}), book_rows.get(epoch, {})
        merged.append(
            {"epoch": epoch}
            | {key: mine.get(key) for key in ("train_loss", "valid_loss", "accuracy")}
            | {f"book_{key}": theirs.get(key) for key in ("train_loss", "valid_loss", "accuracy")}
        )
    return merged
