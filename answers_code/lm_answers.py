"""Entry points of the chapter's language-model answers: `baseline`, `lmmodel1`...`lmmodel7`
and `third-word`. The run engine's worker calls them as `fn(ctx) -> final`.

`ctx.params` holds every field of the answer's config (`answers_code.catalog.lm`), already
checked by the run engine: model, epochs, lr, wd, moms, seed, bs, n_hidden, threads, and per
model sl, n_layers, p, alpha, beta.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from answers_code import book, models
from answers_code.context import RunContext
from answers_code.data import DataLoaders, baseline, seq_dls, three_token_dls, window_dls
from answers_code.shared import trained
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
    return lambda p: three_token_dls(bs=p["bs"], chunks=chunks)


def _seqs(p: Params) -> DataLoaders:
    return seq_dls(sl=p["sl"], bs=p["bs"])


MODELS: dict[str, ModelSpec] = {
    "lmmodel1": ModelSpec(lambda v, p: models.LMModel1(v, p["n_hidden"]), _three(False)),
    "lmmodel2": ModelSpec(lambda v, p: models.LMModel2(v, p["n_hidden"]), _three(False)),
    "lmmodel3": ModelSpec(lambda v, p: models.LMModel3(v, p["n_hidden"]), _three(True), True),
    "lmmodel4": ModelSpec(lambda v, p: models.LMModel4(v, p["n_hidden"]), _seqs, True),
    "lmmodel5": ModelSpec(lambda v, p: models.LMModel5(v, p["n_hidden"], p["n_layers"]), _seqs,
                          True),
    "lmmodel6": ModelSpec(lambda v, p: models.LMModel6(v, p["n_hidden"], p["n_layers"]), _seqs,
                          True),
    "lmmodel7": ModelSpec(
        lambda v, p: models.LMModel7(v, p["n_hidden"], p["n_layers"], p["p"]), _seqs,
        stateful=True, regularized=True,
    ),
}


# Every parameter `train_answer` and the MODELS specs read (threads: answers_code.shared adds
# the count in force): what decides a chapter model's training.
TRAINING_KEYS = ("model", "epochs", "lr", "wd", "moms", "seed", "bs", "n_hidden", "sl",
                 "n_layers", "p", "alpha", "beta")


def train_answer(ctx: RunContext, spec: ModelSpec, model_name: str | None) -> dict[str, Any]:
    """Seed, build the data and the model, train with the book's recipe, return the final
    metrics (the last epoch's, plus timing and, for a book model, the book's accuracy)."""
    p = ctx.params
    m0, m1, m2 = p["moms"]
    alpha, beta = (p["alpha"], p["beta"]) if spec.regularized else (0.0, 0.0)
    if ctx.device == "cpu":
        torch.set_num_threads(p["threads"])
    set_seed(p["seed"])
    dls = spec.data(p)
    model = spec.build(len(dls.vocab), p)

    def train() -> list[dict[str, Any]]:
        return fit_one_cycle(
            model, dls, p["epochs"], p["lr"], wd=p["wd"], moms=(m0, m1, m2),
            reset=spec.stateful, alpha=alpha, beta=beta, emit=ctx.emit, device=ctx.device,
        )  # fmt: skip

    if MODELS.get(p.get("model", "")) is spec:
        # A chapter model as the catalogue builds it: the parameters read above and by its
        # spec name the training, which other answers of a check (module_answers, the demos,
        # whose extra parameters such as `seeds` do not change it) may share.
        key = {k: p[k] for k in TRAINING_KEYS if k in p} | {"device": ctx.device}
        rows = trained(key, train, ctx.emit)
    else:  # a model built by the caller (longer-bptt's, the third word's): its own
        rows = train()
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
    name = ctx.params["model"]
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
    return window_dls(n_in=2, bs=p["bs"], chunks=False)


THIRD_WORD = ModelSpec(lambda v, p: models.ThirdWordModel(v, p["n_hidden"]), _two_word_data)


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
