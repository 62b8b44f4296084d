"""Training mode and evaluation mode (ch12-q34, q36).

`model.train()` and `model.eval()` set the `training` flag of the module and every submodule.
Dropout reads it: `if not self.training: return x`, so at inference it is the identity and the
predictions are deterministic; in training it zeroes activations and rescales the rest.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from answers_code.context import RunContext
from answers_code.dropout import Dropout


def run(ctx: RunContext) -> dict[str, Any]:
    torch.set_num_threads(1)
    torch.manual_seed(ctx.params["seed"])
    p = ctx.params["p"]
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), Dropout(p))
    x = torch.ones(2, 6)
    drop = model[2]

    model.train()
    flags_train = [m.training for m in model.modules()]
    out_train = drop(x)
    ctx.log(f"model.train(): training flags of all modules {flags_train}")
    ctx.log(f"Dropout(p={p}) on ones:\n{out_train}")

    model.eval()
    flags_eval = [m.training for m in model.modules()]
    out_eval = drop(x)
    ctx.log(f"model.eval(): training flags {flags_eval}")
    ctx.log(f"Dropout(p={p}) on ones:\n{out_eval}")

    with torch.no_grad():
        inp = torch.randn(8, 4)
        eval_runs_equal = bool(torch.equal(model(inp), model(inp)))  # deterministic in eval
    zeros = int((out_train == 0).sum())
    kept = out_train[out_train != 0]
    ctx.log(f"training: {zeros} of {x.numel()} zeroed, the others scaled to "
            f"{float(kept[0]) if len(kept) else 0:.3g} = 1/(1-p); eval: the input unchanged")
    return {
        "all_training_after_train": all(flags_train),
        "none_training_after_eval": not any(flags_eval),
        "eval_identity": out_eval is x, "train_changes": not torch.equal(out_train, x),
        "train_values_ok": bool(((out_train == 0) | (out_train == 1 / (1 - p))).all()),
        "eval_deterministic": eval_runs_equal,
    }
