"""The unrolled representation of an RNN is LMModel1 (ch12-q10).

LMModel2 is a loop over the three words; LMModel1 writes the same three steps out, one line per
step: the loop unrolled. Loaded with the same weights, the two compute the same outputs and the
same gradients, to the last bit.
"""

from __future__ import annotations

from typing import Any

import torch

from answers_code.context import RunContext
from answers_code.models import LMModel1, LMModel2


def run(ctx: RunContext) -> dict[str, Any]:
    torch.set_num_threads(1)
    torch.manual_seed(ctx.params["seed"])
    vocab, nh, bs = 30, ctx.params["n_hidden"], ctx.params["bs"]
    loop = LMModel2(vocab, nh)
    unrolled = LMModel1(vocab, nh)
    unrolled.load_state_dict(loop.state_dict())
    x = torch.randint(0, vocab, (bs, 3))
    ctx.log("LMModel2 (the loop):          for i in range(3): h = relu(h_h(h + i_h(x[:, i])))")
    ctx.log("LMModel1 (the loop unrolled): h = relu(h_h(i_h(x[:, 0])))")
    ctx.log("                              h = relu(h_h(h + i_h(x[:, 1])))")
    ctx.log("                              h = relu(h_h(h + i_h(x[:, 2])))")
    out_loop, out_unrolled = loop(x), unrolled(x)
    out_loop.pow(2).mean().backward()
    out_unrolled.pow(2).mean().backward()
    grads = {n: p.grad for n, p in unrolled.named_parameters()}
    grad_diff = max(float((p.grad - grads[n]).abs().max())  # type: ignore[operator]
                    for n, p in loop.named_parameters())
    diff = float((out_loop - out_unrolled).detach().abs().max())
    ctx.log(f"same weights, a batch of {bs} windows: max |output difference| {diff}, "
            f"max |gradient difference| {grad_diff}")
    layers = [n for n, _ in loop.named_parameters()]
    ctx.log(f"parameters (identical names and shapes): {layers}; one h_h used at every step")
    return {"max_abs_diff": diff, "grad_max_abs_diff": grad_diff,
            "same_parameters": list(loop.state_dict()) == list(unrolled.state_dict()),
            "steps": 3}
