"""What the from-scratch LSTM and GRU tests share: tolerance, shapes, and torch's cell weights."""

from __future__ import annotations

import torch
from hypothesis import strategies as st
from torch import nn

TOL = 1e-5
shapes = st.tuples(st.integers(1, 6), st.integers(1, 8), st.integers(1, 3), st.integers(1, 4),
                   st.integers(1, 6))  # input, hidden, layers, bs, seq_len


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).detach().abs().max())


def copy_cell_weights(ours: nn.Module, ref: nn.LSTMCell | nn.GRUCell) -> None:
    """Give a cell built from `ih`/`hh` linear layers the weights of torch's cell."""
    with torch.no_grad():
        ours.ih.weight.copy_(ref.weight_ih)
        ours.hh.weight.copy_(ref.weight_hh)
        ours.ih.bias.copy_(ref.bias_ih)
        ours.hh.bias.copy_(ref.bias_hh)


def twins(ours_cls: type[nn.Module], ref_cls: type[nn.Module], shape: tuple[int, ...],
          batch_first: bool, seed: int) -> tuple[nn.Module, nn.Module, torch.Tensor]:
    """Ours loaded with torch's module's state dict (strict: same names and shapes), and an
    input of `shape` = (input, hidden, layers, bs, seq_len) laid out as `batch_first` says."""
    ni, nh, nl, bs, sl = shape
    torch.manual_seed(seed)
    ref = ref_cls(ni, nh, nl, batch_first=batch_first)
    ours = ours_cls(ni, nh, nl, batch_first=batch_first)
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(bs, sl, ni) if batch_first else torch.randn(sl, bs, ni)
    return ours, ref, x


def assert_same_as_torch(ours: nn.Module, ref: nn.Module, x: torch.Tensor,
                         state: object | None, tol: float) -> None:
    """Outputs, final states and every parameter's gradient of `ours` within `tol` of torch's
    layer `ref` (same weights), with or without a starting state."""
    (out, st_ours), (out_r, st_ref) = (ours(x), ref(x)) if state is None else \
        (ours(x, state), ref(x, state))
    assert max_diff(out, out_r) < tol

    def parts(s):  # an LSTM's (h, c) or a GRU's h
        return s if isinstance(s, tuple) else (s,)

    for a, b in zip(parts(st_ours), parts(st_ref), strict=True):
        assert a.shape == b.shape and max_diff(a, b) < tol
    out.pow(2).mean().backward()
    out_r.pow(2).mean().backward()
    grads = dict(ref.named_parameters())
    for pname, p in ours.named_parameters():
        assert max_diff(p.grad, grads[pname].grad) < tol, pname
