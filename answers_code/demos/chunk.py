"""What does `chunk` do in PyTorch? (ch12-q28)

`t.chunk(n, dim)` splits a tensor into n pieces along `dim` (views, no copy); when the size is
not divisible each piece has ceil(size / n) elements and the last one is smaller. The refactored
LSTM cell uses it to split one (bs, 4*nh) product into its four gates.
"""

from __future__ import annotations

from typing import Any

import torch

from answers_code.context import RunContext


def run(ctx: RunContext) -> dict[str, Any]:
    torch.set_num_threads(1)
    t = torch.arange(10)
    pieces = t.chunk(4)
    ctx.log(f"torch.arange(10).chunk(4) -> {[p.tolist() for p in pieces]}")
    sizes = [len(p) for p in pieces]
    even = torch.arange(12).chunk(3)
    ctx.log(f"torch.arange(12).chunk(3) -> {[p.tolist() for p in even]}")

    bs, nh = 2, 3
    gates = torch.arange(bs * 4 * nh).reshape(bs, 4 * nh)  # (bs, 4*nh), as ih(x) + hh(h)
    i, f, g, o = gates.chunk(4, 1)  # four (bs, nh) gates
    ctx.log(f"gates (bs={bs}, 4*nh={4 * nh}):\n{gates}")
    for name, part in zip("ifgo", (i, f, g, o), strict=True):
        ctx.log(f"  {name}: {part.tolist()}")
    roundtrip = bool(torch.equal(torch.cat((i, f, g, o), dim=1), gates))
    shares = i.data_ptr() == gates.data_ptr()  # a view: no copy
    ctx.log(f"cat of the chunks gives back the tensor: {roundtrip}; the first chunk shares its "
            f"storage: {shares}")
    return {
        "chunk_sizes": sizes, "gate_shape": list(i.shape), "cat_roundtrip": roundtrip,
        "chunks_are_views": shares, "n_chunks": len(pieces),
    }
