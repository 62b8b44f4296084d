"""The GRU from scratch against torch.nn.GRU, and the Further Research comparison answer."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from answers_code.context import RunContext
from answers_code.gru import GRU, GRUCell, gru_step
from answers_code.registry import get
from tests.rnn_helpers import (
    TOL,
    copy_cell_weights,
    max_diff,
    shapes,
    twins,
)


@settings(max_examples=12, deadline=None)
@given(shape=shapes, batch_first=st.booleans(), with_h0=st.booleans(), seed=st.integers(0, 99))
def test_loads_nn_gru_state_dict_and_matches(shape, batch_first, with_h0, seed):
    ours, ref, x = twins(GRU, nn.GRU, shape, batch_first, seed)
    _, nh, nl, bs, _ = shape
    h0 = torch.randn(nl, bs, nh) if with_h0 else None
    out, h = ours(x, h0)
    out_r, h_r = ref(x, h0)
    assert out.shape == out_r.shape and h.shape == (nl, bs, nh)
    assert max_diff(out, out_r) < TOL and max_diff(h, h_r) < TOL


def test_nn_gru_loads_our_state_dict_and_names_match():
    torch.manual_seed(1)
    ours = GRU(4, 6, 2)
    ref = nn.GRU(4, 6, 2, batch_first=True)
    assert {n: p.shape for n, p in ours.named_parameters()} == \
        {n: p.shape for n, p in ref.named_parameters()}
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(3, 5, 4)
    assert max_diff(ours(x)[0], ref(x)[0]) < TOL


def test_gradients_match_nn_gru():
    torch.manual_seed(2)
    ref = nn.GRU(5, 7, 2, batch_first=True)
    ours = GRU(5, 7, 2)
    ours.load_state_dict(ref.state_dict())
    x, h0 = torch.randn(4, 6, 5), torch.randn(2, 4, 7)
    ours(x, h0)[0].pow(2).mean().backward()
    ref(x, h0)[0].pow(2).mean().backward()
    ref_params = dict(ref.named_parameters())
    for name, p in ours.named_parameters():
        assert max_diff(p.grad, ref_params[name].grad) < TOL, name


def test_reset_gate_applies_after_the_hidden_bias():
    # PyTorch's n gate is tanh(W_in x + b_in + r * (W_hn h + b_hn)); putting r inside the
    # product (W_hn (r * h) + b_hn), the other published variant, gives another result.
    torch.manual_seed(3)
    cell = nn.GRUCell(3, 4)
    x, h = torch.randn(2, 3), torch.randn(2, 4)
    ours = gru_step(x, h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    assert max_diff(ours, cell(x, h)) < TOL
    w_hr, w_hz, w_hn = cell.weight_hh.chunk(3)
    b_hr, b_hz, b_hn = cell.bias_hh.chunk(3)
    i_r, i_z, i_n = (x @ cell.weight_ih.t() + cell.bias_ih).chunk(3, 1)
    r = torch.sigmoid(i_r + h @ w_hr.t() + b_hr)
    z = torch.sigmoid(i_z + h @ w_hz.t() + b_hz)
    variant = (1 - z) * torch.tanh(i_n + (r * h) @ w_hn.t() + b_hn) + z * h
    assert max_diff(variant, cell(x, h)) > 1e-4


def test_gru_cell_module_matches_nn_grucell():
    torch.manual_seed(4)
    ref = nn.GRUCell(3, 5)
    ours = GRUCell(3, 5)
    copy_cell_weights(ours, ref)
    x, h = torch.randn(2, 3), torch.randn(2, 5)
    assert max_diff(ours(x, h), ref(x, h)) < TOL


def test_gru_rejects_bad_shapes():
    with pytest.raises(ValueError, match="3-d input"):
        GRU(3, 4)(torch.randn(5, 3))
    with pytest.raises(ValueError, match="num_layers"):
        GRU(3, 4, num_layers=0)


@pytest.mark.slow
def test_gru_torch_answer_trains_both_and_reports_seconds_per_epoch(monkeypatch):
    from answers_code import module_answers
    from answers_code.module_answers import gru_torch

    monkeypatch.setattr(module_answers, "BS", 256)  # few batches: a quick test
    answer = get("gru-torch")
    events: list[dict] = []
    params = {**answer.defaults, "epochs": 1}
    final = gru_torch(RunContext(params=params, device="cpu", emit=events.append))
    assert final["max_abs_diff"] < TOL and final["grad_max_rel_diff"] < 1e-4
    assert final["first_epoch_loss_gap"] < 1e-3  # same start: ours tracks nn.GRU
    assert final["seconds_per_epoch"] > 0 and final["scratch_seconds_per_epoch"] > 0
    assert final["book_lstm_accuracy"] == pytest.approx(0.758464)
    assert len([e for e in events if e["event"] == "epoch"]) == 1
    text = "\n".join(e.get("text", "") for e in events)
    assert "nn.GRU" in text and "ours" in text and "s/epoch" in text


def test_gru_scratch_answer_without_training_reports_the_equivalence():
    from answers_code.module_answers import gru_scratch

    answer = get("gru-scratch")
    final = gru_scratch(RunContext(params={**answer.defaults, "epochs": 0}, emit=lambda e: None))
    for check in answer.checks:
        if check.key != "accuracy":
            assert check.evaluate(final)[0], check.label
