"""Checks for exercise `weight-tying`: an LMModel7 whose output layer shares the embedding's
weight tensor (one Parameter, not a copy), with the chapter's (logits, raw, out) contract."""

from __future__ import annotations

import types

import torch
import torch.nn.functional as F
from torch import nn

from answers_code.exercises.common import expect_shape, expect_tuple, random_tokens
from answers_code.exercises.harness import CheckList, Mistake

CHECKS = CheckList(names=("LMModel7",))
VOCAB, HIDDEN, LAYERS, P = 30, 16, 2, 0.5
BS, SL = 64, 8
SHAPES = "returns (logits, raw, out) with the right shapes"
TIED = "the output layer shares the embedding's weight tensor"


def _model(mod: types.ModuleType) -> nn.Module:
    return mod.LMModel7(VOCAB, HIDDEN, LAYERS, P)


def _reset(model: nn.Module) -> None:
    model.reset()  # type: ignore[operator]  # the learner's method


def _layers(model: nn.Module) -> tuple[nn.Embedding, nn.Linear]:
    """The embedding and the output layer (the chapter's i_h and h_o, found by type)."""
    emb = getattr(model, "i_h", None)
    out = getattr(model, "h_o", None)
    if not isinstance(emb, nn.Embedding):
        emb = next((m for m in model.modules() if isinstance(m, nn.Embedding)), None)
    if not isinstance(out, nn.Linear):
        out = next((m for m in model.modules()
                    if isinstance(m, nn.Linear) and m.out_features == VOCAB), None)
    if emb is None or out is None:
        raise Mistake("LMModel7 needs an nn.Embedding (i_h) and an nn.Linear(n_hidden, vocab_sz) "
                      "output layer (h_o)")
    return emb, out


@CHECKS.check(SHAPES)
def shapes(mod: types.ModuleType) -> str:
    model = _model(mod)
    logits, raw, out = expect_tuple(model(random_tokens((BS, SL), VOCAB)), 3,
                                    "LMModel7.forward")
    expect_shape(logits, (BS, SL, VOCAB), "logits")
    expect_shape(raw, (BS, SL, HIDDEN), "raw (the LSTM's output)")
    expect_shape(out, (BS, SL, HIDDEN), "out (raw after dropout)")
    return f"logits {(BS, SL, VOCAB)}, raw and out {(BS, SL, HIDDEN)}"


@CHECKS.check(TIED)
def tied(mod: types.ModuleType) -> str:
    model = _model(mod)
    emb, out = _layers(model)
    if out.weight is emb.weight:
        return "h_o.weight is i_h.weight: one (vocab_sz, n_hidden) Parameter"
    if out.weight.shape != emb.weight.shape:
        raise Mistake(f"untied weights: the output weight is {tuple(out.weight.shape)}, the "
                      f"embedding's {tuple(emb.weight.shape)}; use nn.Linear(n_hidden, vocab_sz)")
    if out.weight.data_ptr() == emb.weight.data_ptr():
        raise Mistake("untied weights: two Parameters share memory, so each gets its own "
                      "gradient and optimizer state — assign the Parameter itself: "
                      "self.h_o.weight = self.i_h.weight")
    copy = " (equal values: a copy, which drifts apart in training)" \
        if torch.equal(out.weight, emb.weight) else ""
    raise Mistake(f"untied weights: the output layer's weight is a separate tensor{copy} — "
                  "self.h_o.weight = self.i_h.weight")


@CHECKS.check("keeps the hidden state between batches; reset() clears it", needs=(SHAPES,))
def hidden_state(mod: types.ModuleType) -> str:
    model = _model(mod).eval()
    x = random_tokens((BS, SL), VOCAB)
    with torch.no_grad():
        _reset(model)
        first = model(x)[0]
        second = model(x)[0]
        _reset(model)
        again = model(x)[0]
    if torch.allclose(first, second):
        raise Mistake("the same batch twice gave the same logits: carry the hidden state to "
                      "the next batch, as LMModel6 does")
    if not torch.allclose(first, again, atol=1e-6):
        raise Mistake("after reset() the model does not start from a zero hidden state")
    return "the second batch starts from the first's state; reset() starts over"


@CHECKS.check("trains batch after batch (the state is detached)", needs=(SHAPES,))
def trains(mod: types.ModuleType) -> str:
    model = _model(mod).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    _reset(model)
    for step in range(2):
        x, y = random_tokens((BS, SL), VOCAB), random_tokens((BS, SL), VOCAB)
        logits = model(x)[0]
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))
        try:
            loss.backward()
        except RuntimeError as exc:
            if "second time" in str(exc):
                raise Mistake(f"backward on batch {step + 1} went into the previous batch's "
                              "graph: detach the hidden state after each forward") from None
            raise
        opt.step()
        opt.zero_grad()
    return "two SGD steps on consecutive batches"
