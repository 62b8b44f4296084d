"""Which floating-point numbers are the most precise? (ch12-q22)

A float32 has a fixed number of significant bits (24), so the gap between one representable
number and the next grows with the magnitude: numbers near zero are the most precise. That is
why activations that drift to large magnitudes lose precision, one reason deep nets want
activations kept near zero and one.
"""

from __future__ import annotations

from typing import Any

import torch

from answers_code.context import RunContext
from answers_code.demos.table import format_table

POINTS = (0.0, 1e-3, 1.0, 1e4, 1e8)


def spacing(x: float, dtype: torch.dtype = torch.float32) -> float:
    """The gap between x and the next larger representable number of `dtype`."""
    t = torch.tensor(x, dtype=dtype)
    nxt = torch.nextafter(t, torch.tensor(float("inf"), dtype=dtype))
    return float((nxt.double() - t.double()).item())


def run(ctx: RunContext) -> dict[str, Any]:
    torch.set_num_threads(1)
    fi = torch.finfo(torch.float32)
    ctx.log(f"float32: {fi.bits} bits, eps={fi.eps:.3g} (gap after 1.0), "
            f"smallest normal={fi.tiny:.3g}, max={fi.max:.3g}")
    gaps = [spacing(x) for x in POINTS]
    rows = [(f"{x:g}", f"{g:.3g}", f"{g / x:.3g}" if x else "-") for x, g in zip(POINTS, gaps,
                                                                          strict=True)]
    ctx.log(format_table(("near", "gap to next float32", "relative gap"), rows))
    big = torch.tensor(1e8, dtype=torch.float32)
    lost = bool((big + 1 == big).item())  # the gap at 1e8 is 8: adding 1 does nothing
    ctx.log(f"float32: 1e8 + 1 == 1e8 -> {lost}; 1 + 1 == 2 -> "
            f"{bool((torch.tensor(1.0) + 1 == 2).item())}")
    ctx.log("The gap grows with the magnitude: the numbers nearest zero are the most precise.")
    increasing = all(a < b for a, b in zip(gaps, gaps[1:], strict=False))
    return {
        "spacing_near_0": gaps[0], "spacing_near_1": gaps[2], "spacing_near_1e4": gaps[3],
        "spacing_near_1e8": gaps[4], "eps": fi.eps, "spacing_increases": increasing,
        "one_lost_at_1e8": lost,
    }
