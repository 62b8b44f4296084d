"""Dropout's contract: identity in eval, about p zeroed and 1/(1-p) scaling in training."""

from __future__ import annotations

import math

import pytest
import torch

from answers_code.context import RunContext
from answers_code.dropout import Dropout
from answers_code.registry import get


def test_eval_mode_returns_the_input_itself():
    drop = Dropout(0.5).eval()
    x = torch.randn(10, 10)
    assert drop(x) is x


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_training_zeroes_about_p_and_keeps_the_mean(p):
    torch.manual_seed(0)
    x = torch.rand(1_000_000) + 0.5
    y = Dropout(p)(x)
    assert abs(float((y == 0).float().mean()) - p) < 0.005
    kept = y != 0
    assert torch.allclose(y[kept], x[kept] / (1 - p))  # survivors divided by 1-p exactly
    assert abs(float(y.mean()) - float(x.mean())) / float(x.mean()) < 0.01


def test_p_zero_changes_nothing_in_training():
    x = torch.randn(100)
    assert torch.equal(Dropout(0.0)(x), x)
    assert torch.equal(Dropout(0)(x), x)


@pytest.mark.parametrize("bad", [1.0, 1, -0.1, 1.5, float("nan"), float("inf"), "0.5", True, None])
def test_p_outside_zero_one_is_a_value_error(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        Dropout(bad)


def test_gradient_is_the_scaled_mask():
    torch.manual_seed(1)
    x = torch.ones(1000, requires_grad=True)
    y = Dropout(0.25)(x)
    y.sum().backward()
    assert torch.equal(x.grad, y.detach())  # d(x * mask/(1-p))/dx = mask/(1-p), and x is 1


def test_mask_follows_the_seed_and_keeps_shape_and_dtype():
    x = torch.ones(3, 4, 5, dtype=torch.float64)
    torch.manual_seed(2)
    a = Dropout(0.3)(x)
    torch.manual_seed(2)
    b = Dropout(0.3)(x)
    assert torch.equal(a, b) and a.shape == x.shape and a.dtype == torch.float64
    assert math.isclose(Dropout(0.3).p, 0.3) and "p=0.3" in repr(Dropout(0.3))


def test_dropout_answer_passes_its_checks_and_shows_the_mask():
    from answers_code.module_answers import dropout

    answer = get("dropout")
    events: list[dict] = []
    final = dropout(RunContext(params=answer.params_for(quick=True), emit=events.append))
    for check in answer.checks:
        assert check.evaluate(final)[0], check.label
    text = "\n".join(e.get("text", "") for e in events)
    assert "mask" in text and "ValueError" in text and "fraction zeroed" in text
