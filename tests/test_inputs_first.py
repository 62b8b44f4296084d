"""The from-scratch LSTM and GRU with every step's input projection computed before the loop
(`inputs_first`): torch's numbers to float rounding, the same parameters, and not what the
trained answers use (they were calibrated on the step-by-step form)."""

from __future__ import annotations

from functools import partial

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from answers_code.gru import GRU
from answers_code.lstm import LSTM
from answers_code.module_answers import gru_models, lstm_models
from tests.rnn_helpers import TOL, assert_same_as_torch, shapes, twins

# (ours, torch's, how many state tensors, the answers' model builder)
KINDS = {"lstm": (LSTM, nn.LSTM, 2, lstm_models), "gru": (GRU, nn.GRU, 1, gru_models)}


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=12, deadline=None)
@given(shape=shapes, batch_first=st.booleans(), with_state=st.booleans(), seed=st.integers(0, 99))
def test_inputs_first_matches_torch_in_values_states_and_gradients(kind, shape, batch_first,
                                                                   with_state, seed):
    ours_cls, ref_cls, n_states, _ = KINDS[kind]
    ours, ref, x = twins(partial(ours_cls, inputs_first=True), ref_cls, shape, batch_first, seed)
    _, nh, nl, bs, _ = shape
    parts = tuple(torch.randn(nl, bs, nh) for _ in range(n_states))
    state = (parts if n_states == 2 else parts[0]) if with_state else None
    assert_same_as_torch(ours, ref, x, state, TOL)


@pytest.mark.parametrize("kind", KINDS)
def test_the_trained_models_keep_the_step_by_step_form_they_were_calibrated_on(kind):
    ours_cls, _, _, build = KINDS[kind]
    _, ours = build({"vocab_sz": 30, "n_hidden": 8, "n_layers": 2}, 0)
    assert ours.rnn.inputs_first is False
    fast = ours_cls(4, 6, 2, inputs_first=True)
    assert list(fast.state_dict()) == list(ours_cls(4, 6, 2).state_dict())
