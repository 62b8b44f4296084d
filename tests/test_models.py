"""The chapter's models: output shapes, carried and detached state, weight tying."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from answers_code.models import (
    LMModel1,
    LMModel2,
    LMModel3,
    LMModel4,
    LMModel5,
    LMModel6,
    LMModel7,
    ThirdWordModel,
)

V, H = 30, 16

STATEFUL = {
    "lmmodel3": (lambda: LMModel3(V, H), 3),
    "lmmodel4": (lambda: LMModel4(V, H), 16),
    "lmmodel5": (lambda: LMModel5(V, H, 2), 16),
    "lmmodel6": (lambda: LMModel6(V, H, 2), 16),
    "lmmodel7": (lambda: LMModel7(V, H, 2, 0.4), 16),
}


def _logits(out: Tensor | tuple[Tensor, ...]) -> Tensor:
    return out[0] if isinstance(out, tuple) else out


def _state(model: nn.Module) -> list[Tensor]:
    h = model.h
    return list(h) if isinstance(h, tuple) else [h]


@pytest.mark.parametrize("make", [lambda: LMModel1(V, H), lambda: LMModel2(V, H)])
def test_three_words_in_scores_out(make) -> None:
    model = make()
    assert model(torch.randint(0, V, (64, 3))).shape == (64, V)
    assert model(torch.randint(0, V, (47, 3))).shape == (47, V)


def test_lmmodel2_is_lmmodel1_as_a_loop() -> None:
    one, two = LMModel1(V, H), LMModel2(V, H)
    two.load_state_dict(one.state_dict())
    x = torch.randint(0, V, (8, 3))
    assert torch.allclose(one(x), two(x), atol=1e-6)


def test_third_word_model_sees_two_words() -> None:
    assert ThirdWordModel(V, H)(torch.randint(0, V, (5, 2))).shape == (5, V)


@pytest.mark.parametrize("name", list(STATEFUL))
def test_stateful_shapes_and_a_last_batch_of_another_size(name: str) -> None:
    make, sl = STATEFUL[name]
    model = make()
    expected = (64, V) if name == "lmmodel3" else (64, sl, V)
    out = model(torch.randint(0, V, (64, sl)))
    assert _logits(out).shape == expected
    assert all(h.shape[-2 if h.dim() == 3 else 0] == 64 for h in _state(model))
    out = model(torch.randint(0, V, (47, sl)))  # another batch size: a fresh state, no crash
    assert _logits(out).shape == (47, *expected[1:])
    assert all(h.shape[-2 if h.dim() == 3 else 0] == 47 for h in _state(model))


@pytest.mark.parametrize("name", list(STATEFUL))
def test_state_is_carried_detached_and_reset(name: str) -> None:
    make, sl = STATEFUL[name]
    torch.manual_seed(0)
    model = make().eval()
    x = torch.randint(0, V, (4, sl))
    first = _logits(model(x))
    assert all(not h.requires_grad for h in _state(model))  # detached: history dropped
    second = _logits(model(x))
    assert not torch.allclose(first, second)  # same input, carried state: another answer
    model.reset()
    assert model.h is None
    assert torch.allclose(_logits(model(x)), first)  # reset: back to a zero state
    # Two training steps in a row: backward must not reach into the previous batch's graph.
    model.train()
    for _ in range(2):
        _logits(model(x)).sum().backward()


@pytest.mark.parametrize("name", list(STATEFUL))
def test_state_follows_the_input_dtype(name: str) -> None:
    make, sl = STATEFUL[name]
    model = make().double()
    model(torch.randint(0, V, (4, sl)))
    assert all(h.dtype == torch.float64 for h in _state(model))


def test_lmmodel7_returns_logits_raw_and_dropped() -> None:
    model = LMModel7(V, H, 2, 0.4)
    logits, raw, dropped = model(torch.randint(0, V, (8, 16)))
    assert logits.shape == (8, 16, V) and raw.shape == dropped.shape == (8, 16, H)
    assert (dropped == 0).float().mean() > 0.2  # training mode: about 40% dropped
    model.eval()
    _, raw, dropped = model(torch.randint(0, V, (8, 16)))
    assert torch.equal(raw, dropped)  # no dropout in eval mode


def test_weight_tying_shares_one_tensor() -> None:
    model = LMModel7(V, H, 2, 0.4)
    assert model.h_o.weight is model.i_h.weight
    names = [n for n, _ in model.named_parameters()]
    assert "h_o.weight" not in names  # counted once
    before = model.i_h.weight.detach().clone()
    with torch.no_grad():
        model.h_o.weight.add_(1.0)
    assert torch.equal(model.i_h.weight, before + 1.0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", list(STATEFUL))
def test_state_lives_on_the_input_device(name: str) -> None:
    make, sl = STATEFUL[name]
    model = make().cuda()
    model(torch.randint(0, V, (4, sl), device="cuda"))
    assert all(h.is_cuda for h in _state(model))
