"""What is weight tying in a language model? (ch12-q39)

The embedding maps a word to activations with a (vocab, n_hidden) matrix; the output layer maps
activations back to word scores with a (vocab, n_hidden) weight too. Tying makes them one
tensor: fewer parameters, and both directions learn one shared word representation.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from answers_code.context import RunContext
from answers_code.models import LMModel7


def n_params(model: nn.Module) -> int:
    # parameters() yields a shared tensor once, so a tied model counts it once.
    return sum(p.numel() for p in model.parameters())


def untied(model: LMModel7) -> LMModel7:
    """A copy whose output layer owns a separate clone of the embedding matrix."""
    other = copy.deepcopy(model)  # deepcopy keeps the tie: give h_o its own tensor
    other.h_o.weight = nn.Parameter(other.i_h.weight.detach().clone())
    return other


def run(ctx: RunContext) -> dict[str, Any]:
    torch.set_num_threads(1)
    vocab, nh = ctx.params["vocab_sz"], ctx.params["n_hidden"]
    torch.manual_seed(ctx.params["seed"])
    tied = LMModel7(vocab, nh, 2, 0.4)
    free = untied(tied)
    same = tied.h_o.weight is tied.i_h.weight
    ptr = tied.h_o.weight.data_ptr() == tied.i_h.weight.data_ptr()
    ctx.log("self.h_o.weight = self.i_h.weight")
    ctx.log(f"tied:   h_o.weight is i_h.weight -> {same}; same storage -> {ptr}; "
            f"parameters {n_params(tied):,}")
    ctx.log(f"untied: h_o.weight is i_h.weight -> {free.h_o.weight is free.i_h.weight}; "
            f"parameters {n_params(free):,}")
    saved = n_params(free) - n_params(tied)
    ctx.log(f"saved: {saved:,} = vocab {vocab} x n_hidden {nh}")

    # One tensor, two uses: its gradient sums the embedding's and the output layer's parts.
    x = torch.randint(0, vocab, (4, 16))
    tied.train()
    logits, _, _ = tied(x)
    logits.sum().backward()
    grad_rows = int((tied.i_h.weight.grad.abs().sum(1) > 0).sum())
    ctx.log(f"after one backward pass the shared weight's gradient is non-zero in {grad_rows} of "
            f"{vocab} rows: the output layer reaches every word, not only those in the batch")
    with torch.no_grad():
        tied.i_h.weight[0, 0] += 1.0
    moved = bool(tied.h_o.weight[0, 0] == tied.i_h.weight[0, 0])
    return {
        "params_tied": n_params(tied), "params_untied": n_params(free), "params_saved": saved,
        "saved_is_vocab_x_hidden": saved == vocab * nh, "same_tensor": same,
        "same_storage": ptr, "edit_seen_by_both": moved, "grad_rows": grad_rows,
    }
