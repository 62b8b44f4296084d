"""What is tanh, and how is it related to sigmoid? (ch12-q26)

tanh(x) = (e^x - e^-x) / (e^x + e^-x) squashes to (-1, 1); it is a sigmoid rescaled:
tanh(x) = 2 * sigmoid(2x) - 1. The LSTM uses sigmoid for gates (a 0..1 fraction to keep) and
tanh for values that may be negative (the cell candidate and the output of the cell state).
"""

from __future__ import annotations

from typing import Any

import torch

from answers_code.context import RunContext
from answers_code.demos.table import format_table


def run(ctx: RunContext) -> dict[str, Any]:
    torch.set_num_threads(1)
    x = torch.linspace(-10, 10, 2001, dtype=torch.float64)
    lhs = torch.tanh(x)
    rhs = 2 * torch.sigmoid(2 * x) - 1
    diff = float((lhs - rhs).abs().max())
    x32 = x.float()
    diff32 = float((torch.tanh(x32) - (2 * torch.sigmoid(2 * x32) - 1)).abs().max())
    shown = torch.tensor([-3.0, -1.0, 0.0, 0.5, 1.0, 3.0], dtype=torch.float64)
    rows = [(f"{v:g}", f"{torch.tanh(v):.6f}", f"{2 * torch.sigmoid(2 * v) - 1:.6f}",
             f"{torch.sigmoid(v):.6f}") for v in shown]
    ctx.log(format_table(("x", "tanh(x)", "2*sigmoid(2x)-1", "sigmoid(x)"), rows))
    ctx.log(f"max |tanh(x) - (2 sigmoid(2x) - 1)| on [-10, 10]: {diff:.3g} (float64), "
            f"{diff32:.3g} (float32)")
    t_range = (float(lhs.min()), float(lhs.max()))
    s_range = (float(torch.sigmoid(x).min()), float(torch.sigmoid(x).max()))
    ctx.log(f"tanh range on [-10,10]: {t_range[0]:.6f}..{t_range[1]:.6f}; "
            f"sigmoid: {s_range[0]:.6f}..{s_range[1]:.6f}")
    return {
        "max_abs_diff": diff, "max_abs_diff_float32": diff32, "identity_holds": diff < 1e-12,
        "tanh_min": t_range[0], "tanh_max": t_range[1],
        "tanh_symmetric": bool(torch.allclose(torch.tanh(-x), -lhs)),
    }
