"""The trainer: fastai's one-cycle schedule, Adam, ModelResetter, AR/TAR and the metrics."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from answers_code.data import Batches, DataLoaders, seq_dls, three_token_dls
from answers_code.models import LMModel1, LMModel5, LMModel7
from answers_code.optim import Adam
from answers_code.schedule import combined_cos, one_cycle
from answers_code.train import (
    ar_tar,
    evaluate,
    fit_one_cycle,
    flat_cross_entropy,
    is_bias,
    make_optimizer,
    set_seed,
    smooth_losses,
)


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_schedule_start_peak_and_end() -> None:
    lr = 1e-2
    lrs, moms = one_cycle(lr, 100, (0.95, 0.85, 0.95))
    assert len(lrs) == len(moms) == 100
    assert lrs[0] == pytest.approx(lr / 25) and moms[0] == pytest.approx(0.95)
    assert lrs[25] == pytest.approx(lr) and moms[25] == pytest.approx(0.85)  # 25% warm-up
    assert max(lrs) == lrs[25] and min(moms) == moms[25]
    assert all(a < b for a, b in zip(lrs[:25], lrs[1:26], strict=True))  # rises...
    assert all(a > b for a, b in zip(lrs[25:], lrs[26:], strict=False))  # ...then falls
    lr_at = combined_cos(0.25, lr / 25, lr, lr / 1e5)
    assert lr_at(1.0) == pytest.approx(lr / 1e5)  # the end of the cycle
    assert lrs[-1] == pytest.approx(lr_at(0.99)) and lrs[-1] < lr / 1000
    assert moms[-1] == pytest.approx(combined_cos(0.25, 0.95, 0.85, 0.95)(0.99))
    assert lrs[50] == pytest.approx(lr / 1e5 + (lr - lr / 1e5) * (1 + math.cos(math.pi / 3)) / 2)


@pytest.mark.slow
@pytest.mark.parametrize("fused", [True, False])
def test_adam_matches_torch_adamw_with_cycled_momentum(fused: bool) -> None:
    torch.manual_seed(0)
    start = [torch.randn(5, 4), torch.randn(4)]
    ours = [p.clone().requires_grad_() for p in start]
    theirs = [p.clone().requires_grad_() for p in start]
    opt = Adam([([ours[0]], 0.1), ([ours[1]], 0.0)], lr=1e-2, mom=0.95, fused=fused)
    ref = torch.optim.AdamW(
        [{"params": [theirs[0]], "weight_decay": 0.1}, {"params": [theirs[1]], "weight_decay": 0}],
        lr=1e-2, betas=(0.95, 0.99), eps=1e-5,
    )  # fmt: skip
    for step in range(20):
        lr, mom = 1e-2 * (1 + step / 10), 0.95 - 0.005 * step
        grads = [torch.randn_like(p) for p in start]
        for p, q, g in zip(ours, theirs, grads, strict=True):
            p.grad, q.grad = g.clone(), g.clone()
        opt.lr, opt.mom = lr, mom
        for group in ref.param_groups:
            group["lr"], group["betas"] = lr, (mom, 0.99)
        opt.step()
        ref.step()
        opt.zero_grad()
    for p, q in zip(ours, theirs, strict=True):
        assert torch.allclose(p, q, atol=1e-6)
    assert all(p.grad is None for p in ours)


def test_biases_skip_weight_decay_and_tied_weights_count_once() -> None:
    assert is_bias("h_o.bias") and is_bias("rnn.bias_hh_l1")
    assert not is_bias("rnn.weight_ih_l0") and not is_bias("i_h.weight")
    model = LMModel7(30, 8, 2, 0.4)
    opt = make_optimizer(model, 1e-3, 0.1, 0.9)
    decay_group, no_decay_group = opt.groups
    decay, no_decay = decay_group.params, no_decay_group.params
    assert (decay_group.wd, no_decay_group.wd) == (0.1, 0.0)
    assert any(p is model.i_h.weight for p in decay)
    assert sum(p is model.i_h.weight for p in opt.params) == 1  # tied: one tensor, stepped once
    assert {id(p) for p in no_decay} == {
        id(p) for n, p in model.named_parameters() if n.rsplit(".", 1)[-1].startswith("bias")
    }


class Recorder(nn.Module):
    """Logs forward calls and resets, with the mode the model was in."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(1, 2)
        self.log: list[str] = []

    def forward(self, x: Tensor) -> Tensor:
        self.log.append("train" if self.training else "valid")
        return self.lin(x.float())

    def reset(self) -> None:
        self.log.append("reset-train" if self.training else "reset-valid")


def _tiny_dls() -> DataLoaders:
    xs = tuple(torch.randint(0, 2, (4, 1)) for _ in range(3))
    ys = tuple(x[:, 0] for x in xs)
    valid = Batches(xs[:2], ys[:2])
    return DataLoaders(Batches(xs, ys), valid, ("a", "b"), 4)


def _squash(log: list[str]) -> list[str]:
    return [e for i, e in enumerate(log) if i == 0 or e != log[i - 1]]


def test_reset_before_each_train_epoch_before_validation_and_after_fit() -> None:
    model = Recorder()
    fit_one_cycle(model, _tiny_dls(), epochs=2, lr=1e-2, reset=True)
    epoch = ["reset-train", "train", "reset-valid", "valid"]
    assert _squash(model.log) == epoch + epoch + ["reset-valid"]
    assert model.log.count("train") == 6 and model.log.count("valid") == 4


def test_no_reset_unless_asked() -> None:
    model = Recorder()
    fit_one_cycle(model, _tiny_dls(), epochs=1, lr=1e-2)
    assert not any(e.startswith("reset") for e in model.log)


def test_reset_without_a_reset_method_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="no reset"):
        fit_one_cycle(nn.Linear(1, 2), _tiny_dls(), epochs=1, lr=1e-2, reset=True)
    with pytest.raises(ValueError, match="epochs"):
        fit_one_cycle(Recorder(), _tiny_dls(), epochs=0, lr=1e-2)


def test_rows_and_epoch_events() -> None:
    events: list[dict] = []
    set_seed(0)
    rows = fit_one_cycle(LMModel1(30, 16), three_token_dls(), 2, 1e-3, emit=events.append)
    assert [r["epoch"] for r in rows] == [0, 1]
    for row, event in zip(rows, events, strict=True):
        assert event == {"event": "epoch", **row}
        assert set(row) == {"epoch", "train_loss", "valid_loss", "accuracy", "seconds"}
        assert all(isinstance(row[k], float) for k in ("train_loss", "valid_loss", "accuracy"))
        assert 0 <= row["accuracy"] <= 1 and row["seconds"] > 0


def test_seed_makes_runs_repeatable() -> None:
    def run() -> list[tuple[float, float, float]]:
        set_seed(3)
        rows = fit_one_cycle(LMModel1(30, 16), three_token_dls(), 1, 1e-3)
        return [(r["train_loss"], r["valid_loss"], r["accuracy"]) for r in rows]

    assert run() == run()


def test_flat_cross_entropy_and_ar_tar() -> None:
    logits, targets = torch.randn(2, 5, 7), torch.randint(0, 7, (2, 5))
    expected = F.cross_entropy(logits.reshape(10, 7), targets.reshape(10))
    assert torch.allclose(flat_cross_entropy(logits, targets), expected)
    raw = torch.tensor([[[1.0], [3.0], [6.0]]])  # (bs=1, sl=3, hidden=1)
    dropped = torch.tensor([[[2.0], [0.0], [0.0]]])
    # AR: alpha * mean(dropped^2) = 2 * 4/3; TAR: beta * mean((3-1)^2, (6-3)^2) = 1 * 13/2.
    assert ar_tar(raw, dropped, 2.0, 1.0).item() == pytest.approx(8 / 3 + 6.5)


class Regularized(nn.Module):
    """Returns (logits, raw, dropped) whose activations AR/TAR punish hard."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(2, 2)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        logits = self.emb(x)  # (bs, 1, 2)
        raw = torch.cat([logits, 2 * logits, 3 * logits], dim=1)  # (bs, 3, 2), grows in time
        return logits, raw, raw


def _train_regularized(lr: float, alpha: float, beta: float) -> tuple[float, Tensor]:
    torch.manual_seed(0)
    model = Regularized()
    rows = fit_one_cycle(model, _tiny_dls(), 1, lr, alpha=alpha, beta=beta)
    return rows[0]["train_loss"], model.emb.weight.detach().clone()


def test_ar_tar_enter_the_gradient_not_the_reported_loss() -> None:
    # With a negligible learning rate both runs see the same losses: the penalty is not reported.
    plain, _ = _train_regularized(1e-9, 0.0, 0.0)
    penalized, _ = _train_regularized(1e-9, 10.0, 10.0)
    assert plain == pytest.approx(penalized, abs=1e-6)
    # With a real one, the penalty shrinks the activations: smaller weights than without it.
    _, free = _train_regularized(1e-1, 0.0, 0.0)
    _, shrunk = _train_regularized(1e-1, 10.0, 10.0)
    assert shrunk.abs().sum() < free.abs().sum()


def test_smooth_loss_is_fastais_debiased_moving_average() -> None:
    state = [0.0, 0]
    assert smooth_losses([2.0], state) == pytest.approx(2.0)
    assert smooth_losses([2.0, 2.0], state) == pytest.approx(2.0)  # carries across epochs
    fresh = [0.0, 0]
    value = smooth_losses([1.0, 3.0], fresh)
    assert value == pytest.approx((0.98 * 0.02 * 1 + 0.02 * 3) / (1 - 0.98**2))


def test_evaluate_weights_a_short_last_batch_by_its_size() -> None:
    model = nn.Embedding(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[5.0, 0.0], [5.0, 0.0]]))  # always predicts 0
    xs = (torch.tensor([0, 1, 0]), torch.tensor([1]))
    ys = (torch.tensor([0, 0, 0]), torch.tensor([1]))
    loss, accuracy = evaluate(model, Batches(xs, ys), flat_cross_entropy)
    assert accuracy == pytest.approx(3 / 4)
    right, wrong = (
        F.cross_entropy(torch.tensor([[5.0, 0.0]]), torch.tensor([0])).item(),
        (F.cross_entropy(torch.tensor([[5.0, 0.0]]), torch.tensor([1])).item()),
    )
    assert loss == pytest.approx((3 * right + wrong) / 4)


def test_a_stateful_model_without_reset_carries_its_state_through_validation() -> None:
    # As the book's models before ModelResetter: the state left by validation feeds training
    # (an nn.RNN saves its initial state for backward, so it must not be an inference tensor).
    set_seed(0)
    model = LMModel5(30, 8, 2)
    rows = fit_one_cycle(model, seq_dls(), 2, 3e-3, reset=False)
    assert len(rows) == 2 and model.h is not None
