"""Why a state kept across batches needs `detach` (ch12-q11): the graph without it, measured.

LMModel3 reads batch after batch in `group_chunks` order, carrying its hidden state. Without
`detach` the state of batch n is still tied to every batch before it, so autograd keeps all of
their graphs: the tensors saved for backward pile up batch after batch, and each backward
pass walks further back. In PyTorch the second backward fails at once ("Trying to backward
through the graph a second time"), because the first freed the buffers; `retain_graph=True`
keeps them, and that is what grows. With `self.h = self.h.detach()` each batch's graph is
freed after its backward: memory and time per batch stay flat.

Both runs here backpropagate the loss of each batch in turn, from the same weights; the bytes
are those autograd holds for backward when it starts (counted with
`torch.autograd.graph.saved_tensors_hooks`) and the time is the CPU time of each backward pass.
Neither takes optimizer steps: with the graph kept, the first step would change weights that
the kept graph saved, and PyTorch refuses the next backward ("modified by an inplace
operation"), a third way the missing detach shows.
"""

from __future__ import annotations

import statistics
import time
import weakref
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from answers_code.context import RunContext
from answers_code.demos.table import format_table


class _Saved:
    """What autograd holds instead of a saved tensor, so a weak reference tells when the graph
    that saved it has been freed."""

    __slots__ = ("tensor", "__weakref__")

    def __init__(self, tensor: Tensor) -> None:
        self.tensor = tensor


class GraphMeter:
    """Bytes of the tensors autograd currently holds for backward passes."""

    def __init__(self) -> None:
        self._held: list[tuple[weakref.ref[_Saved], int]] = []

    def pack(self, tensor: Tensor) -> _Saved:
        saved = _Saved(tensor)
        self._held.append((weakref.ref(saved), tensor.numel() * tensor.element_size()))
        return saved

    @staticmethod
    def unpack(saved: _Saved) -> Tensor:
        return saved.tensor

    def held_bytes(self) -> int:
        self._held = [(ref, size) for ref, size in self._held if ref() is not None]
        return sum(size for _, size in self._held)

    def hooks(self) -> Any:
        return torch.autograd.graph.saved_tensors_hooks(self.pack, self.unpack)


def graph_nodes(tensor: Tensor) -> int:
    """Autograd nodes reachable from `tensor`: how deep and wide its backward pass goes."""
    seen, stack = set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(fn for fn, _ in node.next_functions)
    return len(seen)


class Stateful(nn.Module):
    """LMModel3's forward with the detach optional: `detach=False` is the bug being shown."""

    def __init__(self, vocab_sz: int, n_hidden: int, detach: bool) -> None:
        super().__init__()
        self.i_h = nn.Embedding(vocab_sz, n_hidden)
        self.h_h = nn.Linear(n_hidden, n_hidden)
        self.h_o = nn.Linear(n_hidden, vocab_sz)
        self.detach = detach
        self.h: Tensor | int = 0

    def forward(self, x: Tensor) -> Tensor:  # x: (bs, 3)
        h = self.h
        for i in range(x.shape[1]):
            h = F.relu(self.h_h(h + self.i_h(x[:, i])))  # (bs, n_hidden)
        assert isinstance(h, Tensor)
        self.h = h.detach() if self.detach else h
        return self.h_o(h)  # (bs, vocab_sz)


def backprop_batches(model: Stateful, batches: list[tuple[Tensor, Tensor]],
                     meter: GraphMeter) -> list[dict[str, float]]:
    """One backward pass per batch; per batch: bytes held at backward, graph size, CPU s."""
    rows = []
    for x, y in batches:
        with meter.hooks():
            loss = F.cross_entropy(model(x), y)
        nodes, held = graph_nodes(loss), meter.held_bytes()
        start = time.process_time()
        loss.backward(retain_graph=not model.detach)  # without detach the old graph is reused
        seconds = time.process_time() - start
        del loss
        rows.append({"bytes": held, "nodes": nodes, "seconds": seconds})
    model.zero_grad()
    return rows


def second_backward_fails(vocab: int, nh: int, batches: list[tuple[Tensor, Tensor]]) -> str:
    """The error PyTorch gives when the state is neither detached nor retained."""
    model = Stateful(vocab, nh, detach=False)
    try:
        for x, y in batches[:2]:
            F.cross_entropy(model(x), y).backward()
    except RuntimeError as exc:
        return str(exc).split(".")[0]
    return ""


def run(ctx: RunContext) -> dict[str, Any]:
    from answers_code.data import three_token_dls

    torch.set_num_threads(1)
    p = ctx.params
    n, seed = p["batches"], p["seed"]
    dls = three_token_dls(bs=64, chunks=True)
    batches = list(dls.train)[:n]
    vocab, nh = len(dls.vocab), 64
    results = {}
    for detach in (True, False):
        torch.manual_seed(seed)
        model = Stateful(vocab, nh, detach)
        results[detach] = backprop_batches(model, batches, GraphMeter())
    error = second_backward_fails(vocab, nh, batches)
    shown = sorted({0, 1, 4, 9, 19, 39, n - 1} & set(range(n)))
    rows = [(k + 1, f"{results[True][k]['bytes'] / 1e6:.2f}", results[True][k]["nodes"],
             f"{results[True][k]['seconds'] * 1e3:.1f}", f"{results[False][k]['bytes'] / 1e6:.2f}",
             results[False][k]["nodes"], f"{results[False][k]['seconds'] * 1e3:.1f}")
            for k in shown]
    ctx.log(f"LMModel3 over {n} training batches in order (bs 64, 3 tokens each), one backward "
            "pass per batch:")
    ctx.log(format_table(("batch", "detach: MB saved", "graph nodes", "backward ms",
                          "no detach: MB saved", "graph nodes", "backward ms"), rows))
    first = statistics.median(r["seconds"] for r in results[False][:3])
    last = statistics.median(r["seconds"] for r in results[False][-3:])
    kept = results[False][-1]["bytes"] / max(1, results[False][0]["bytes"])
    ctx.log(f"without detach, after {n} batches autograd holds {kept:.0f}x the memory of the "
            f"first batch and a backward pass takes {last / max(first, 1e-9):.0f}x as long; "
            "with detach both stay flat")
    ctx.log(f"without detach and without retain_graph, the second batch fails: {error}")
    return {
        "batches": n,
        "bytes_detached_last": results[True][-1]["bytes"],
        "bytes_detached_first": results[True][0]["bytes"],
        "bytes_kept_last": results[False][-1]["bytes"],
        "bytes_kept_first": results[False][0]["bytes"],
        "memory_growth": kept,
        "memory_growth_detached": results[True][-1]["bytes"] / max(1, results[True][0]["bytes"]),
        "nodes_growth": results[False][-1]["nodes"] / results[False][0]["nodes"],
        "nodes_growth_detached": results[True][-1]["nodes"] / results[True][0]["nodes"],
        "backward_time_growth": last / max(first, 1e-9),
        "second_backward_error": bool(error),
    }
