"""Entry points of the chapter's language-model answers: `baseline`, `lmmodel1`...`lmmodel7`
and `third-word`. The run engine's worker calls them as `fn(ctx) -> final`.

Parameters (ctx.params, defaults in `answers_code.catalog.lm`): model, epochs, lr, wd, moms,
seed, bs, n_hidden, and per model sl, n_layers, p, alpha, beta; `threads` sets torch's thread
count on the CPU (default 1: these models are too small for a second thread to pay off, and a
run then leaves the other core to a second run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from answers_code import book
from answers_code.context import RunContext
from answers_code.data import DataLoaders, baseline, seq_dls, three_token_dls, window_dls
from answers_code.models import (
    LMModel1,
    LMModel2,
    LMModel3,
    LMModel4,
    LMModel5,
    LMModel6,
    LMModel7,
    ThirdWordModel,
)
from answers_code.train import fit_one_cycle, set_seed

Params = dict[str, Any]


@dataclass(frozen=True)
class ModelSpec:
    """How the chapter builds, feeds and trains one model."""

    build: Callable[[int, Params], nn.Module]  # (vocab_sz, params) -> model
    data: Callable[[Params], DataLoaders]
    stateful: bool = False  # needs reset() before each epoch and validation (ModelResetter)
    regularized: bool = False  # returns (logits, raw, dropped) for AR/TAR


def _three(chunks: bool) -> Callable[[Params], DataLoaders]:
    return lambda p: three_token_dls(bs=_int(p, "bs"), chunks=chunks)


def _seqs(p: Params) -> DataLoaders:
    return seq_dls(sl=_int(p, "sl", 16), bs=_int(p, "bs"))


MODELS: dict[str, ModelSpec] = {
    "lmmodel1": ModelSpec(lambda v, p: LMModel1(v, _int(p, "n_hidden")), _three(False)),
    "lmmodel2": ModelSpec(lambda v, p: LMModel2(v, _int(p, "n_hidden")), _three(False)),
    "lmmodel3": ModelSpec(lambda v, p: LMModel3(v, _int(p, "n_hidden")), _three(True), True),
    "lmmodel4": ModelSpec(lambda v, p: LMModel4(v, _int(p, "n_hidden")), _seqs, True),
    "lmmodel5": ModelSpec(
        lambda v, p: LMModel5(v, _int(p, "n_hidden"), _int(p, "n_layers")), _seqs, True
    ),
    "lmmodel6": ModelSpec(
        lambda v, p: LMModel6(v, _int(p, "n_hidden"), _int(p, "n_layers")), _seqs, True
    ),
    "lmmodel7": ModelSpec(
        lambda v, p: LMModel7(v, _int(p, "n_hidden"), _int(p, "n_layers"), _dropout(p)),
        _seqs,
        stateful=True,
        regularized=True,
    ),
}

# What a parameter means when the catalogue's defaults do not give it.
FALLBACKS: Params = {
    "epochs": 1, "lr": 1e-3, "wd": 0.01, "moms": (0.95, 0.85, 0.95), "seed": 0, "bs": 64,
    "n_hidden": 64, "n_layers": 2, "p": 0.4, "alpha": 0.0, "beta": 0.0, "threads": 1,
}  # fmt: skip


def _get(p: Params, key: str, default: Any = None) -> Any:
    value = p.get(key)
    if value is None:
        value = FALLBACKS.get(key, default)
    return value


def _int(p: Params, key: str, default: int | None = None, low: int = 1) -> int:
    value = _get(p, key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ValueError(f"parameter '{key}' must be a whole number, got {value!r}")
    if value < low:
        raise ValueError(f"parameter '{key}' must be at least {low}, got {value}")
    return int(value)


def _float(p: Params, key: str, low: float = 0.0, positive: bool = False) -> float:
    value = _get(p, key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"parameter '{key}' must be a number, got {value!r}")
    if value < low or (positive and value <= low):
        bound = f"greater than {low}" if positive else f"at least {low}"
        raise ValueError(f"parameter '{key}' must be {bound}, got {value}")
    return float(value)


def _dropout(p: Params) -> float:
    value = _float(p, "p")
    if value >= 1:
        raise ValueError(f"parameter 'p' (dropout) must be in [0, 1), got {value}")
    return value


def _moms(p: Params) -> tuple[float, float, float]:
    value = _get(p, "moms")
    if not isinstance(value, list | tuple) or len(value) != 3:
        raise ValueError(f"parameter 'moms' must be three momentums, got {value!r}")
    first, middle, last = (float(m) for m in value)
    if not all(0 <= m < 1 for m in (first, middle, last)):
        raise ValueError(f"momentums must be in [0, 1), got {value!r}")
    return first, middle, last


def _use_threads(ctx: RunContext) -> None:
    if ctx.device == "cpu":
        torch.set_num_threads(_int(ctx.params, "threads"))


def train_answer(ctx: RunContext, spec: ModelSpec, model_name: str | None) -> dict[str, Any]:
    """Seed, build the data and the model, train with the book's recipe, return the final
    metrics (the last epoch's, plus timing and, for a book model, the book's accuracy)."""
    p = ctx.params
    epochs, lr, wd = _int(p, "epochs"), _float(p, "lr", positive=True), _float(p, "wd")
    moms = _moms(p)
    alpha, beta = (_float(p, "alpha"), _float(p, "beta")) if spec.regularized else (0.0, 0.0)
    _use_threads(ctx)
    set_seed(_int(p, "seed", low=0))
    dls = spec.data(p)
    model = spec.build(len(dls.vocab), p)
    rows = fit_one_cycle(
        model, dls, epochs, lr, wd=wd, moms=moms, reset=spec.stateful,
        alpha=alpha, beta=beta, emit=ctx.emit, device=ctx.device,
    )  # fmt: skip
    last = rows[-1]
    seconds = sum(r["seconds"] for r in rows)
    final: dict[str, Any] = {
        "accuracy": last["accuracy"],
        "valid_loss": last["valid_loss"],
        "train_loss": last["train_loss"],
        "epochs": len(rows),
        "seconds": seconds,
        "seconds_per_epoch": seconds / len(rows),
        "parameters": sum(t.numel() for t in model.parameters()),
        "baseline": baseline().accuracy,
    }
    if model_name in book.BOOK_MODELS:
        final["book_accuracy"] = book.book_final_accuracy(model_name)
        fastai = ", ".join(f"{a:.4f}" for a in book.fastai_reruns(model_name))
        ctx.log(
            f"{model_name}: accuracy {last['accuracy']:.4f} after {len(rows)} epochs "
            f"({final['seconds_per_epoch']:.2f} s/epoch); the book: "
            f"{final['book_accuracy']:.4f}; fastai on this data, seeds 0-2: {fastai}"
        )
    return final


def run_lmmodel(ctx: RunContext) -> dict[str, Any]:
    """Train one of LMModel1-7 (`model` parameter) as the chapter does."""
    name = str(ctx.params.get("model") or "")
    if name not in MODELS:
        raise ValueError(f"unknown model '{name}' (expected one of {', '.join(MODELS)})")
    return train_answer(ctx, MODELS[name], name)


def run_baseline(ctx: RunContext) -> dict[str, Any]:
    """Before training anything, how well does always guessing the most common next
    word do? 'thousand' is the target of 638 of the 4,207 validation windows: 15.2%."""
    base = baseline()
    ctx.log(
        f"most common target in the validation set: '{base.token}' (index {base.index}), "
        f"{base.count} of {base.total}: accuracy {base.accuracy:.4f}"
    )
    return {
        "accuracy": base.accuracy, "token": base.token, "index": base.index,
        "count": base.count, "total": base.total,
    }  # fmt: skip


def _two_word_data(p: Params) -> DataLoaders:
    return window_dls(n_in=2, bs=_int(p, "bs"), chunks=False)


THIRD_WORD = ModelSpec(lambda v, p: ThirdWordModel(v, _int(p, "n_hidden")), _two_word_data)


def run_third_word(ctx: RunContext) -> dict[str, Any]:
    """ch12-q05: predict the third word from the two before it, and beat always guessing the
    most common third word of the same windows."""
    final = train_answer(ctx, THIRD_WORD, None)
    two_word = baseline(n_in=2)
    final["baseline"] = two_word.accuracy
    final["beats_baseline"] = final["accuracy"] > two_word.accuracy
    ctx.log(
        f"third word from two: accuracy {final['accuracy']:.4f} against {two_word.accuracy:.4f} "
        f"for always guessing '{two_word.token}'"
    )
    return final
