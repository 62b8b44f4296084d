"""LMModel5 and LMModel6 at the same learning rate, 1e-2 (ch12-q30).

The book trains LMModel5 (a 2-layer nn.RNN) at 3e-3 and LMModel6 (the same network with an
LSTM) at 1e-2. Training both at 1e-2, with the same seed and everything else at the book's
settings, isolates what the LSTM changes: the plain RNN's gradients through time vanish or
blow up, and at the bigger rate its training lands far below the LSTM's.
"""

from __future__ import annotations

from typing import Any

from answers_code.context import RunContext
from answers_code.demos.table import epoch_table, format_table


def run(ctx: RunContext) -> dict[str, Any]:
    from answers_code.lm_answers import MODELS, train_answer

    results: dict[str, dict[str, Any]] = {}
    for name in ("lmmodel6", "lmmodel5"):
        epochs: list[dict[str, Any]] = []

        def emit(event: dict[str, Any], out: list = epochs, primary: bool = name == "lmmodel6"
                 ) -> None:
            if event.get("event") == "epoch":
                out.append(event)
                if primary:
                    ctx.emit(event)

        params = {**ctx.params, "model": name}
        results[name] = train_answer(RunContext(params, ctx.device, emit), MODELS[name], None)
        ctx.log(f"{name} at lr {params['lr']}:\n{epoch_table(epochs)}")
    lstm, rnn = results["lmmodel6"]["accuracy"], results["lmmodel5"]["accuracy"]
    ctx.log(format_table(("model", "lr", "final accuracy"), [
        ("LMModel6 (2-layer LSTM)", ctx.params["lr"], f"{lstm:.4f}"),
        ("LMModel5 (2-layer RNN)", ctx.params["lr"], f"{rnn:.4f}")]))
    ctx.log(f"same rate, same seed: the LSTM ends {lstm - rnn:+.3f} ahead of the plain RNN")
    return {"accuracy": lstm, "rnn_accuracy": rnn, "lstm_lead": lstm - rnn,
            "valid_loss": results["lmmodel6"]["valid_loss"],
            "rnn_valid_loss": results["lmmodel5"]["valid_loss"]}
