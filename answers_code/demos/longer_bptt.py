"""Detaching less often: LMModel4 with sequences of 16 and of 32 tokens (ch12-q20).

With `sl` tokens per batch and a detach after each batch, gradients flow back through at most
`sl` time steps: doubling `sl` doubles how far back the model could learn from, which is why
detaching less often should help. The run measures both: how far back the gradient of the last
prediction really reaches (and how much of it is left there), and what each setting ends at.
For the plain RNN the longer chains do carry gradient, yet training through twice as many
multiplications by the same matrix ends lower (over seeds 0-9 here, sl=32 never beat sl=16).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from answers_code.context import RunContext
from answers_code.demos.table import format_table

DISTANCES = (0, 1, 2, 4, 8, 15, 31)


def _embeddings(model: nn.Module) -> tuple[list[torch.Tensor], Any]:
    """Capture every embedding output of `model`'s own forward, keeping its gradient."""
    seen: list[torch.Tensor] = []

    def hook(_module: nn.Module, _inputs: Any, out: torch.Tensor) -> None:
        out.retain_grad()
        seen.append(out)

    embedding: nn.Module = model.i_h  # type: ignore[assignment]
    return seen, embedding.register_forward_hook(hook)


def gradient_by_distance(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> list[float]:
    """|d loss of the last prediction / d embedding of the word d steps before it| for each d,
    through the model's own forward on the batch `x` (bs, sl), from a fresh state."""
    import torch.nn.functional as F

    seen, handle = _embeddings(model)
    model.reset()  # type: ignore[operator]
    try:
        out = model(x)  # (bs, sl, vocab)
        F.cross_entropy(out[:, -1], y[:, -1]).backward()
    finally:
        handle.remove()
    grad = seen[0].grad
    assert grad is not None
    norms = grad.norm(dim=(0, 2))  # (sl,)
    return [float(norms[x.shape[1] - 1 - d]) for d in range(x.shape[1])]


def gradient_reach(model: nn.Module, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> int:
    """Words that get any gradient from the last prediction of the second of two consecutive
    batches, the first having set the (detached) state: the model's own truncation."""
    import torch.nn.functional as F

    seen, handle = _embeddings(model)
    model.reset()  # type: ignore[operator]
    try:
        model(batches[0][0])
        x, y = batches[1]
        F.cross_entropy(model(x)[:, -1], y[:, -1]).backward()
    finally:
        handle.remove()
    return sum(int((e.grad.abs().sum(dim=(0, 2)) > 0).sum()) for e in seen if e.grad is not None)


def run(ctx: RunContext) -> dict[str, Any]:
    from answers_code.data import seq_dls
    from answers_code.lm_answers import MODELS, train_answer
    from answers_code.models import LMModel4

    torch.set_num_threads(1)
    found: dict[int, dict[str, Any]] = {}
    for sl in (16, 32):
        models: list[nn.Module] = []
        spec = MODELS["lmmodel4"]

        def build(vocab: int, p: dict[str, Any], keep: list = models) -> nn.Module:
            model = LMModel4(vocab, p["n_hidden"])
            keep.append(model)
            return model

        params = {**ctx.params, "model": "lmmodel4", "sl": sl}
        sub = RunContext(params, ctx.device, ctx.emit if sl == 16 else _logs_only(ctx))
        final = train_answer(sub, type(spec)(build, spec.data, spec.stateful), None)
        model = models[0].to("cpu").eval()
        long = seq_dls(sl=32).valid  # (64, 32) batches: 32 words of validation text per row
        grads = gradient_by_distance(model, long.xs[0], long.ys[0])
        own = seq_dls(sl=sl).valid
        reach = gradient_reach(model, [(own.xs[0], own.ys[0]), (own.xs[1], own.ys[1])])
        found[sl] = {"accuracy": final["accuracy"], "grads": grads, "reach": reach}
    rows = [(d, *(f"{found[sl]['grads'][d] / found[sl]['grads'][0]:.1e}" for sl in (16, 32)))
            for d in DISTANCES]
    ctx.log("gradient of the last word's prediction with respect to a word d steps earlier, "
            "relative to d = 0 (trained models, 32 words of validation text):")
    ctx.log(format_table(("d", "trained with sl=16", "trained with sl=32"), rows))
    ctx.log(format_table(
        ("sl (steps between detaches)", "words the gradient reaches", "final accuracy"),
        [(sl, found[sl]["reach"], f"{found[sl]['accuracy']:.4f}") for sl in (16, 32)]))
    far = found[32]["grads"][31] / found[32]["grads"][0]
    lead = found[16]["accuracy"] - found[32]["accuracy"]
    ctx.log(f"trained with sl=32, a word 31 steps back gets {far:.1e} of the gradient the last "
            f"word gets, yet sl=16 ends {lead:+.3f} ahead: for a plain RNN, detaching less "
            "often opened longer chains of the same matrix, not better results")
    return {"accuracy": found[16]["accuracy"], "accuracy_sl32": found[32]["accuracy"],
            "sl16_lead": lead, "reach_sl16": found[16]["reach"], "reach_sl32": found[32]["reach"],
            "far_gradient_sl32": far,
            "gradient_at_15_sl16": found[16]["grads"][15] / found[16]["grads"][0]}


def _logs_only(ctx: RunContext) -> Any:
    def emit(event: dict[str, Any]) -> None:
        if event.get("event") == "log":
            ctx.emit(event)
    return emit
