"""Every calibrated floor fails on a plausibly wrong model, and a correct run passes it.

The floors come from correct runs measured over seeds 0-9 (answers_code/calibration.json).
Loose enough for every correct run is tested in test_calibration.py; here each trained answer
is run through its own entry point (the one the run engine calls) with one realistic bug, at
the settings whose floor is checked, and the floor must fail. Most use the quick settings
(one to three epochs): the floor for those settings was measured at those settings, so a
variant failing it is a variant that learns less than every correct quick run did, which is
what the check is there to catch. A correct run with seed 10, never measured, passes the same
floor: the floor is not just the measured seeds.

The bugs:
- "detached head": the decoder reads a detached copy of its input (a detach in the wrong
  place, the q11 lesson turned around): no gradient reaches the recurrent layer or the
  embedding, so only the output layer learns;
- "embedding read": the decoder gets the embedding where the recurrent output belongs;
- "overwritten state": LMModel2's loop with `h = ...` for `h = h + ...`;
- "stateless cell": a GRU or LSTM module that starts every time step from the initial state
  instead of the previous step's (h is never carried along the loop), built on torch's fused
  kernels so it runs fast;
- "detach every step", "seed ignored": the bugs the structural checks of `longer-bptt` and
  `lmmodel4-seeds` are there for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from torch import Tensor, nn

from answers_code import lm_answers
from answers_code.context import RunContext
from answers_code.lm_answers import MODELS, ModelSpec, train_answer
from answers_code.registry import Answer, Check, get

UNMEASURED_SEED = 10


@pytest.fixture(autouse=True)
def _threads() -> Iterator[None]:
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def detach_head(model: nn.Module) -> nn.Module:
    """The bug: the decoder reads a detached copy of its input (a detach in the wrong place)
    instead of the carried state being detached. The state_dict is unchanged."""
    head: nn.Module = model.h_o  # type: ignore[assignment]
    head.register_forward_pre_hook(lambda _module, args: (args[0].detach(),))
    return model


def embedding_read(model: nn.Module) -> nn.Module:
    """The bug: the decoder is handed the embedding (`self.h_o(emb)`) where the recurrent
    layer's output belongs, so the LSTM or RNN never reaches a prediction."""
    seen: dict[str, Tensor] = {}
    embedding: nn.Module = model.i_h  # type: ignore[assignment]
    head: nn.Module = model.h_o  # type: ignore[assignment]
    embedding.register_forward_hook(lambda _module, _args, out: seen.__setitem__("emb", out))
    head.register_forward_pre_hook(lambda _module, _args: (seen["emb"],))
    return model


def variant(spec: ModelSpec, bug: Callable[[nn.Module], nn.Module]) -> ModelSpec:
    def build(vocab: int, params: dict[str, Any]) -> nn.Module:
        return bug(spec.build(vocab, params))

    return ModelSpec(build, spec.data, spec.stateful, spec.regularized)


def detached(spec: ModelSpec) -> ModelSpec:
    return variant(spec, detach_head)


def run_entry(answer: Answer, quick: bool, **overrides: Any) -> dict[str, Any]:
    module, _, func = answer.entry.partition(":")
    ctx = RunContext(answer.params_for(quick, overrides), "cpu", lambda event: None)
    return getattr(importlib.import_module(module), func)(ctx)


def floor_of(answer: Answer, quick: bool, key: str = "accuracy") -> Check:
    check = next(c for c in answer.checks_for(quick) if c.key == key)
    assert check.spread is not None and check.value is not None, check.label
    return check


def assert_fails(check: Check, final: dict[str, Any]) -> None:
    ok, message = check.evaluate(final)
    assert not ok, message
    assert "below every correct run we measured" in message or "got" in message


def assert_passes(check: Check, final: dict[str, Any]) -> None:
    ok, message = check.evaluate(final)
    assert ok, message


# -- the chapter's language models ----------------------------------------------------------

# (quick settings?, bug). lmmodel3 is checked at its full settings (10 epochs, about 3 s): after
# one epoch a correct LMModel3 is still at 0.37-0.42, about what its output layer alone learns.
# The sequence models' quick floors are low (one epoch of an LSTM at 1e-2 reaches 0.29-0.40), so
# their bug is the one a quick floor can catch for certain: the recurrent layer is left out.
LM_VARIANTS: dict[str, tuple[bool, Callable[[nn.Module], nn.Module]]] = {
    "lmmodel1": (True, detach_head), "lmmodel2": (True, detach_head),
    "lmmodel3": (False, detach_head), "lmmodel4": (True, embedding_read),
    "lmmodel5": (True, embedding_read), "lmmodel6": (True, embedding_read),
    "lmmodel7": (True, embedding_read)}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(LM_VARIANTS))
def test_language_model_floor_fails_a_broken_model_and_passes_a_new_seed(name: str) -> None:
    answer, (quick, bug) = get(name), LM_VARIANTS[name]
    check = floor_of(answer, quick)
    params = answer.params_for(quick, {"seed": UNMEASURED_SEED})
    wrong = train_answer(RunContext(params, "cpu", lambda e: None), variant(MODELS[name], bug),
                         name)
    assert_fails(check, wrong)
    right = train_answer(RunContext(params, "cpu", lambda e: None), MODELS[name], name)
    assert_passes(check, right)


@pytest.mark.slow
def test_lmmodel5_ceiling_fails_a_model_that_sees_its_targets() -> None:
    """A ceiling catches the too-good-to-be-true: targets leaked into the inputs (the window
    `nums[i+1:i+sl+1]` used for both), so the model only has to copy."""
    from answers_code.data import DataLoaders

    answer = get("lmmodel5")
    ceiling = next(c for c in answer.checks if c.op == "<=")
    spec = MODELS["lmmodel5"]

    def leaked(params: dict[str, Any]) -> DataLoaders:
        dls = spec.data(params)
        return DataLoaders(type(dls.train)(dls.train.ys, dls.train.ys),
                           type(dls.valid)(dls.valid.ys, dls.valid.ys), dls.vocab, dls.bs)

    params = answer.params_for(False, {"seed": UNMEASURED_SEED})
    wrong = train_answer(RunContext(params, "cpu", lambda e: None),
                         ModelSpec(spec.build, leaked, True), "lmmodel5")
    ok, message = ceiling.evaluate(wrong)
    assert not ok and "above every correct run we measured" in message
    right = train_answer(RunContext(params, "cpu", lambda e: None), spec, "lmmodel5")
    assert ceiling.evaluate(right)[0] and floor_of(answer, False).evaluate(right)[0]


def test_third_word_floor_fails_a_detached_head(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = get("third-word")
    check = floor_of(answer, quick=True)
    monkeypatch.setattr(lm_answers, "THIRD_WORD", detached(lm_answers.THIRD_WORD))
    assert_fails(check, run_entry(answer, True))
    monkeypatch.undo()
    assert_passes(check, run_entry(answer, True, seed=UNMEASURED_SEED))


def test_h_zero_floor_fails_a_loop_that_overwrites_the_state(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import torch.nn.functional as F

    from answers_code.demos import h_zero
    from answers_code.models import LMModel2

    class Overwrites(LMModel2):
        """`h = ...` where LMModel2 has `h = h + ...`: only the last word reaches the output."""

        def forward(self, x: Tensor) -> Tensor:
            for i in range(x.shape[1]):
                h = F.relu(self.h_h(self.i_h(x[:, i])))
            return self.h_o(h)

    answer = get("h-zero")
    check = floor_of(answer, quick=True)
    monkeypatch.setattr(h_zero, "LMModel2", Overwrites)
    assert_fails(check, run_entry(answer, True))


def test_lmmodel4_seeds_fail_a_detached_head_and_ignored_seeds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    answer = get("lmmodel4-seeds")
    check = next(c for c in answer.checks_for(True) if c.key == "lowest_accuracy")
    with monkeypatch.context() as patch:
        patch.setitem(MODELS, "lmmodel4", variant(MODELS["lmmodel4"], embedding_read))
        assert_fails(check, run_entry(answer, True, seeds=[0]))
    spread = next(c for c in answer.checks_for(True) if c.key == "spread")
    ignored = run_entry(answer, True, seeds=[0, 0])  # what a run that ignores the seed gives
    assert not spread.evaluate(ignored)[0]


def test_higher_lr_floor_fails_an_lstm_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = get("higher-lr")
    check = floor_of(answer, quick=True)
    monkeypatch.setitem(MODELS, "lmmodel6", variant(MODELS["lmmodel6"], embedding_read))
    assert_fails(check, run_entry(answer, True))


@pytest.mark.slow
def test_prototype_floors_fail_a_detached_head(monkeypatch: pytest.MonkeyPatch) -> None:
    from answers_code.demos import prototype
    from answers_code.models import LMModel3

    class Detached(LMModel3):
        def __init__(self, vocab_sz: int, n_hidden: int) -> None:
            super().__init__(vocab_sz, n_hidden)
            detach_head(self)

    answer = get("prototype")
    monkeypatch.setattr(prototype, "LMModel3", Detached)
    final = run_entry(answer, False)  # the full settings: 10 epochs of LMModel3, about 4 s
    assert_fails(floor_of(answer, False, "accuracy"), final)
    # The fifth's accuracy has no floor: a correct LMModel3 there (0.38-0.50 over seeds 0-9)
    # and this one (about 0.38) overlap, which is why the answer reports it and checks the
    # full run.
    assert not any(c.key == "small_accuracy" for c in answer.checks)


def test_longer_bptt_fails_a_model_detaching_every_step(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from answers_code import models
    from answers_code.models import LMModel4

    class EveryStep(LMModel4):
        """Detaches the state at every step instead of once per batch: truncation at 1."""

        def forward(self, x: Tensor) -> Tensor:
            emb, outs = self.i_h(x), []
            h = torch.zeros(x.shape[0], self.n_hidden)
            for i in range(x.shape[1]):
                h = torch.relu(self.h_h(h.detach() + emb[:, i]))
                outs.append(h)
            return self.h_o(torch.stack(outs, dim=1))

    answer = get("longer-bptt")
    monkeypatch.setattr(models, "LMModel4", EveryStep)  # what the answer builds and measures
    final = run_entry(answer, True)
    assert final["reach_sl16"] == final["reach_sl32"] == 1
    for check in answer.checks_for(True):
        if check.key.startswith("reach"):
            assert not check.evaluate(final)[0], check.label


# -- the from-scratch recurrent modules -----------------------------------------------------

def stateless(base: type[nn.Module]) -> type[nn.Module]:
    """`base` (nn.GRU or nn.LSTM) run as if every time step began from the initial state:
    the bug of a from-scratch loop that passes `h0[layer]` at each step instead of `h`."""

    class Stateless(base):  # type: ignore[valid-type, misc]
        def forward(self, x: Tensor, state: Any = None) -> tuple[Tensor, Any]:
            bs, sl = x.shape[:2]
            flat = x.reshape(bs * sl, 1, x.shape[2])  # every step a sequence of its own
            if state is not None:
                state = (tuple(s.repeat_interleave(sl, dim=1) for s in state)
                         if isinstance(state, tuple) else state.repeat_interleave(sl, dim=1))
            out, last = super().forward(flat, state)
            out = out.reshape(bs, sl, -1)

            def final(s: Tensor) -> Tensor:  # each row's state after its last step
                return s.reshape(s.shape[0], bs, sl, -1)[:, :, -1].contiguous()

            return out, (tuple(final(s) for s in last) if isinstance(last, tuple)
                         else final(last))

    return Stateless


SCRATCH: dict[str, tuple[str, Callable[[], type[nn.Module]], tuple[str, ...]]] = {
    "gru-scratch": ("GRU", lambda: stateless(nn.GRU), ("accuracy",)),
    "gru-torch": ("GRU", lambda: stateless(nn.GRU), ("scratch_accuracy",)),
    "lstm-scratch": ("LSTM", lambda: stateless(nn.LSTM), ("accuracy",)),
}


# gru-torch trains three models (nn.GRU, ours, nn.LSTM), about 10 s: it is marked slow, and
# its floor for our GRU is the very band gru-scratch's test checks in the normal suite.
@pytest.mark.slow
@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "gru-torch"
                                  else n for n in SCRATCH])
def test_scratch_module_floor_fails_a_cell_that_drops_its_state(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from answers_code import module_answers

    attr, make, keys = SCRATCH[name]
    answer = get(name)
    monkeypatch.setattr(module_answers, attr, make())
    final = run_entry(answer, True)
    for key in keys:
        assert_fails(floor_of(answer, True, key), final)
    assert final["max_abs_diff"] > 1e-3  # and the equivalence check would say so first


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SCRATCH))
def test_scratch_module_passes_its_floor_with_a_new_seed(name: str) -> None:
    answer = get(name)
    final = run_entry(answer, True, seed=UNMEASURED_SEED)
    for key in answer.calibrated:
        if any(c.key == key for c in answer.checks_for(True)):
            assert_passes(floor_of(answer, True, key), final)
