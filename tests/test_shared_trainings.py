"""Trainings shared inside one check (answers_code.shared): the same numbers, trained once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from answers_code import shared
from answers_code.context import RunContext
from answers_code.lm_answers import run_lmmodel
from answers_code.module_answers import (
    GRU_KINDS,
    LSTM_KINDS,
    gru_models,
    lstm_models,
    train_lm,
)
from answers_code.registry import get


@pytest.fixture(autouse=True)
def _restore_threads() -> Iterator[None]:
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def _ctx(params: dict[str, Any], events: list[dict[str, Any]]) -> RunContext:
    return RunContext(params=params, device="cpu", emit=events.append)


def _numbers(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def test_without_a_folder_every_training_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(shared.ENV, raising=False)
    calls: list[int] = []
    for _ in range(2):
        shared.trained({"model": "x"}, lambda: calls.append(1) or [{"epoch": 0}], None)
    assert len(calls) == 2


def test_a_training_is_done_once_per_key_and_replayed(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(shared.ENV, str(tmp_path))
    calls: list[int] = []
    rows = [{"epoch": 0, "accuracy": 0.1 + 0.2, "train_loss": 1 / 3, "seconds": 0.5}]

    def train() -> list[dict[str, Any]]:
        calls.append(1)
        return rows

    events: list[dict[str, Any]] = []
    assert shared.trained({"model": "x", "seed": 0}, train, None) == rows
    assert shared.trained({"seed": 0, "model": "x"}, train, events.append) == rows  # any order
    assert events == [{"event": "epoch", **rows[0]}]  # floats back to the last bit
    assert len(calls) == 1
    shared.trained({"model": "x", "seed": 1}, train, None)  # another seed: its own training
    assert len(calls) == 2


@pytest.mark.slow
def test_lmmodel6_and_the_lstm_beside_the_scratch_one_share_one_exact_training(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One epoch of LMModel6 as `lmmodel6` trains it, then as lstm-scratch / gru-torch train
    it beside their own: the second reads the first's rows, which a fresh training equals."""
    params = get("lmmodel6").params_for(False, {"epochs": 1})
    hp = {"epochs": 1, "lr": params["lr"], "n_hidden": 64, "n_layers": 2, "sl": 16, "bs": 64,
          "vocab_sz": 30}
    monkeypatch.delenv(shared.ENV, raising=False)
    alone = _ctx(dict(params), [])
    fresh = run_lmmodel(alone)

    monkeypatch.setenv(shared.ENV, str(tmp_path))
    first_events: list[dict[str, Any]] = []
    first = run_lmmodel(_ctx(dict(params), first_events))
    assert len(list(tmp_path.glob("*.json"))) == 1
    torch.set_num_threads(1)  # as the module answers train
    events: list[dict[str, Any]] = []
    ref, _ = lstm_models(hp, params["seed"])
    rows = train_lm(_ctx({}, events), ref, hp, params["seed"], emit=True, kind=LSTM_KINDS[0])
    assert len(list(tmp_path.glob("*.json"))) == 1  # read, not trained again
    assert rows[-1]["accuracy"] == first["accuracy"] == fresh["accuracy"]
    epochs = [{k: v for k, v in e.items() if k != "event"} for e in first_events
              if e["event"] == "epoch"]
    assert _numbers(rows) == _numbers(epochs) and events == [{"event": "epoch", **r}
                                                             for r in rows]

    # Trained for real (no folder), the reference gives the very same numbers.
    monkeypatch.delenv(shared.ENV)
    again, _ = lstm_models(hp, params["seed"])
    assert _numbers(train_lm(_ctx({}, []), again, hp, params["seed"], emit=False,
                             kind=LSTM_KINDS[0])) == _numbers(rows)


@pytest.mark.slow
def test_our_gru_trained_by_gru_scratch_is_the_one_gru_torch_reads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch.set_num_threads(1)
    hp = {"epochs": 1, "lr": 1e-2, "n_hidden": 16, "n_layers": 2, "sl": 16, "bs": 64,
          "vocab_sz": 30}
    _, fresh_model = gru_models(hp, 0)
    monkeypatch.delenv(shared.ENV, raising=False)
    fresh = train_lm(_ctx({}, []), fresh_model, hp, 0, emit=False, kind=GRU_KINDS[1])
    monkeypatch.setenv(shared.ENV, str(tmp_path))
    for _ in range(2):
        _, ours = gru_models(hp, 0)
        rows = train_lm(_ctx({}, []), ours, hp, 0, emit=False, kind=GRU_KINDS[1])
        assert _numbers(rows) == _numbers(fresh)
    ref, _ = gru_models(hp, 0)  # nn.GRU from the same weights is another training
    train_lm(_ctx({}, []), ref, hp, 0, emit=False, kind=GRU_KINDS[0])
    assert len(list(tmp_path.glob("*.json"))) == 2


@pytest.mark.slow
def test_lmmodel4_seeds_reads_lmmodel4s_training_despite_its_extra_parameters(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from answers_code.demos import seeds

    monkeypatch.setenv(shared.ENV, str(tmp_path))
    own = run_lmmodel(_ctx(get("lmmodel4").params_for(False, {"epochs": 1}), []))
    demo = get("lmmodel4-seeds").params_for(False, {"epochs": 1, "seeds": [0]})
    assert "seeds" in demo  # a parameter of the demo's, not of the training
    final = seeds.run(_ctx(demo, []))
    assert len(list(tmp_path.glob("*.json"))) == 1
    assert final["accuracies"] == [own["accuracy"]]
