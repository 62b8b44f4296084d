"""The LSTM from scratch: the book's cell, its refactoring, and nn.LSTM's contract."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from answers_code.context import RunContext
from answers_code.lstm import LSTM, LSTMCell, LSTMCellRefactored, refactored_from_cell
from answers_code.registry import get
from tests.rnn_helpers import (
    TOL,
    copy_cell_weights,
    max_diff,
    shapes,
    twins,
)


def run_both(ours: nn.Module, ref: nn.Module, x: torch.Tensor, state):
    return (ours(x), ref(x)) if state is None else (ours(x, state), ref(x, state))


@settings(max_examples=12, deadline=None)
@given(shape=shapes, batch_first=st.booleans(), with_state=st.booleans(), seed=st.integers(0, 99))
def test_loads_nn_lstm_state_dict_and_matches(shape, batch_first, with_state, seed):
    ours, ref, x = twins(LSTM, nn.LSTM, shape, batch_first, seed)
    _, nh, nl, bs, _ = shape
    state = (torch.randn(nl, bs, nh), torch.randn(nl, bs, nh)) if with_state else None
    (out, (h, c)), (out_r, (h_r, c_r)) = run_both(ours, ref, x, state)
    assert out.shape == out_r.shape and h.shape == h_r.shape == (nl, bs, nh)
    assert max_diff(out, out_r) < TOL
    assert max_diff(h, h_r) < TOL and max_diff(c, c_r) < TOL


def test_nn_lstm_loads_our_state_dict():
    torch.manual_seed(1)
    ours = LSTM(4, 6, 2)
    ref = nn.LSTM(4, 6, 2, batch_first=True)
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(3, 5, 4)
    assert max_diff(ours(x)[0], ref(x)[0]) < TOL


def test_parameter_names_and_shapes_are_nn_lstms():
    ours = {n: p.shape for n, p in LSTM(3, 5, 3).named_parameters()}
    ref = {n: p.shape for n, p in nn.LSTM(3, 5, 3).named_parameters()}
    assert ours == ref
    assert list(ours)[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]


def test_gradients_match_nn_lstm():
    torch.manual_seed(2)
    ref = nn.LSTM(5, 7, 2, batch_first=True)
    ours = LSTM(5, 7, 2)
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(4, 6, 5)
    ours(x)[0].pow(2).mean().backward()
    ref(x)[0].pow(2).mean().backward()
    ref_params = dict(ref.named_parameters())
    for name, p in ours.named_parameters():
        assert max_diff(p.grad, ref_params[name].grad) < TOL, name


def test_wrong_gate_order_is_caught():
    # The comparison has teeth: swapping the forget and cell blocks (i, g, f, o) breaks it.
    torch.manual_seed(3)
    ref = nn.LSTM(4, 5, 1, batch_first=True)
    sd = ref.state_dict()
    swapped = {k: torch.cat([v.chunk(4)[i] for i in (0, 2, 1, 3)]) for k, v in sd.items()}
    ours = LSTM(4, 5, 1)
    ours.load_state_dict(swapped)
    x = torch.randn(2, 6, 4)
    assert max_diff(ours(x)[0], ref(x)[0]) > 1e-3


def test_lstm_rejects_a_2d_input_with_a_clear_error():
    with pytest.raises(ValueError, match="3-d input"):
        LSTM(3, 4)(torch.randn(5, 3))


@settings(max_examples=10, deadline=None)
@given(ni=st.integers(1, 8), nh=st.integers(1, 8), bs=st.integers(1, 5), seed=st.integers(0, 99))
def test_book_cell_and_refactored_cell_compute_the_same(ni, nh, bs, seed):
    torch.manual_seed(seed)
    cell = LSTMCell(ni, nh)
    ref = refactored_from_cell(cell)
    state_a = state_b = (torch.randn(bs, nh), torch.randn(bs, nh))
    for _ in range(5):
        x = torch.randn(bs, ni)
        out_a, state_a = cell(x, state_a)
        out_b, state_b = ref(x, state_b)
        assert max_diff(out_a, out_b) < TOL
        assert max_diff(state_a[1], state_b[1]) < TOL


def test_refactored_cell_is_nn_lstmcell_with_the_same_weights():
    torch.manual_seed(4)
    ref = nn.LSTMCell(3, 5)
    ours = LSTMCellRefactored(3, 5)
    copy_cell_weights(ours, ref)
    x, state = torch.randn(2, 3), (torch.randn(2, 5), torch.randn(2, 5))
    h, (h2, c) = ours(x, state)
    h_r, c_r = ref(x, state)
    assert h is h2
    assert max_diff(h, h_r) < TOL and max_diff(c, c_r) < TOL


def test_book_cell_uses_cat_of_h_and_input():
    cell = LSTMCell(3, 5)
    for gate in (cell.forget_gate, cell.input_gate, cell.cell_gate, cell.output_gate):
        assert gate.in_features == 5 + 3 and gate.out_features == 5


def events_ctx(params: dict) -> tuple[RunContext, list[dict]]:
    events: list[dict] = []
    return RunContext(params=params, device="cpu", emit=events.append), events


def test_lstmcell_refactor_answer_passes_its_checks():
    from answers_code.module_answers import lstmcell_refactor

    answer = get("lstmcell-refactor")
    ctx, events = events_ctx(answer.params_for(quick=True))
    final = lstmcell_refactor(ctx)
    assert all(check.evaluate(final)[0] for check in answer.checks)
    assert final["extra_bias_params"] == 4 * 20
    assert any("max |difference|" in e.get("text", "") for e in events)


def test_lstm_scratch_answer_prints_the_difference_and_trains_beside_nn_lstm(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from answers_code import module_answers
    from answers_code.module_answers import lstm_scratch

    monkeypatch.setattr(module_answers, "BS", 256)  # few batches
    answer = get("lstm-scratch")
    ctx, events = events_ctx({**answer.defaults, "epochs": 1})
    final = lstm_scratch(ctx)
    assert final["max_abs_diff"] < TOL and final["state_dict_keys_match"] is True
    # Same weights, same batches: one epoch of ours and of nn.LSTM agree to rounding.
    assert final["first_epoch_loss_gap"] < 1e-3
    assert 0.0 < final["accuracy"] <= 1.0 and 0.0 < final["torch_accuracy"] <= 1.0
    epochs = [e for e in events if e["event"] == "epoch"]
    assert len(epochs) == 1  # only our model's run streams epoch rows
    assert set(epochs[0]) >= {"epoch", "train_loss", "valid_loss", "accuracy", "seconds"}
    text = "\n".join(e.get("text", "") for e in events)
    assert "nn.LSTM" in text and "s/epoch" in text and "0.758464" in text
