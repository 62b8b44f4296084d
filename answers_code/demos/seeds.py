"""LMModel4 trained with several seeds: how unstable its training is (ch12-q17).

Each run is exactly `studytool run lmmodel4 --seed S` (the book's settings). The 16 time steps
between two detaches make the unrolled network 16 layers deep through one weight matrix, so the
runs part ways: their final accuracies differ by points, and within a run the accuracy jumps
down as well as up from one epoch to the next.
"""

from __future__ import annotations

import statistics
from typing import Any

from answers_code.context import RunContext
from answers_code.demos.params import seed_list
from answers_code.demos.table import format_table


def drops(accuracies: list[float]) -> list[float]:
    """How far the accuracy fell each time it fell from one epoch to the next."""
    return [a - b for a, b in zip(accuracies, accuracies[1:], strict=False) if b < a]


def run(ctx: RunContext) -> dict[str, Any]:
    from answers_code.lm_answers import MODELS, train_answer

    seeds = seed_list(ctx.params)
    rows, finals, fell = [], [], []
    for i, seed in enumerate(seeds):
        epochs: list[dict[str, Any]] = []

        def emit(event: dict[str, Any], first: bool = i == 0, out: list = epochs) -> None:
            if event.get("event") == "epoch":
                out.append(event)
                if first:  # the first seed's epochs are the run's table and plot
                    ctx.emit(event)

        params = {**ctx.params, "model": "lmmodel4", "seed": seed}
        final = train_answer(RunContext(params, ctx.device, emit), MODELS["lmmodel4"], None)
        accs = [e["accuracy"] for e in epochs]
        down = drops(accs)
        finals.append(final["accuracy"])
        fell.append(len(down))
        rows.append((seed, f"{final['accuracy']:.4f}", f"{max(accs):.4f}", len(down),
                     f"{max(down, default=0.0):.3f}"))
    ctx.log(f"LMModel4, {ctx.params['epochs']} epochs at lr {ctx.params['lr']}, "
            f"seeds {seeds}:")
    ctx.log(format_table(("seed", "final accuracy", "best epoch", "epochs it fell",
                          "largest fall"), rows))
    spread = max(finals) - min(finals)
    ctx.log(f"final accuracy {min(finals):.4f}-{max(finals):.4f} (median "
            f"{statistics.median(finals):.4f}): a spread of {spread:.3f} from the seed alone")
    return {"accuracy": finals[0], "accuracies": finals, "lowest_accuracy": min(finals),
            "median_accuracy": statistics.median(finals), "spread": spread,
            "runs_that_fell": sum(1 for n in fell if n), "seeds": seeds}
