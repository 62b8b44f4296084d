"""The language-model answers: catalogue entries, entry points, and short real training runs."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
import torch

from answers_code import book
from answers_code.answer import Answer
from answers_code.catalog import lm as catalog
from answers_code.context import RunContext
from answers_code.lm_answers import run_baseline
from answers_code.registry import get

QUESTIONS = {
    "baseline": (),
    "lmmodel1": ("ch12-q03", "ch12-q04", "ch12-q08", "ch12-q10"),
    "lmmodel2": ("ch12-q06", "ch12-q07"),
    "lmmodel3": ("ch12-q09", "ch12-q11", "ch12-q12", "ch12-q14"),
    "lmmodel4": ("ch12-q15", "ch12-q16"),
    "lmmodel5": ("ch12-q18", "ch12-q19"),
    "lmmodel6": ("ch12-q30",),
    "lmmodel7": ("ch12-q31", "ch12-fr4"),
    "third-word": ("ch12-q05",),
}
MODELS = [f"lmmodel{i}" for i in range(1, 8)]


@pytest.fixture(autouse=True)
def _restore_threads() -> Iterator[None]:
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def _run(answer: Answer, quick: bool, **overrides: Any) -> tuple[dict[str, Any], list[dict]]:
    events: list[dict] = []
    ctx = RunContext(answer.params_for(quick, overrides), "cpu", events.append)
    entry_module, _, entry_name = answer.entry.partition(":")
    final = getattr(importlib.import_module(entry_module), entry_name)(ctx)
    return final, events


def test_catalogue_names_and_questions() -> None:
    assert {a.name: a.questions for a in catalog.ANSWERS} == QUESTIONS
    for answer in catalog.ANSWERS:
        assert get(answer.name) is answer
        module, _, func = answer.entry.partition(":")
        assert callable(getattr(importlib.import_module(module), func))


@pytest.mark.parametrize("name", MODELS)
def test_defaults_are_the_books_settings(name: str) -> None:
    answer, settings = get(name), book.book_settings(name)
    params = answer.params_for(quick=False)
    assert params["model"] == name and answer.book_model == name and answer.trains
    assert (params["epochs"], params["lr"], params["wd"]) == (
        settings.epochs, settings.lr, settings.wd,
    )  # fmt: skip
    assert tuple(params["moms"]) == settings.moms
    assert params["n_hidden"] == 64 and params["bs"] == 64
    if settings.dropout is not None:
        assert params["p"] == settings.dropout
    regularized = any(c.startswith("RNNRegularizer") for c in settings.callbacks)
    assert (params.get("alpha", 0), params.get("beta", 0)) == ((2, 1) if regularized else (0, 0))
    assert len(book.book_table(name)) == settings.epochs


def test_baseline_answer() -> None:
    final = run_baseline(RunContext(emit=lambda event: None))
    assert final == {
        "accuracy": 0.15165200855716662, "token": "thousand", "index": 29,
        "count": 638, "total": 4207,
    }  # fmt: skip
    assert all(check.evaluate(final)[0] for check in get("baseline").checks)


@pytest.mark.parametrize("name", MODELS)
def test_a_one_epoch_run_beats_the_baseline(name: str) -> None:
    answer = get(name)
    final, events = _run(answer, quick=True)
    epochs = [e for e in events if e["event"] == "epoch"]
    assert len(epochs) == final["epochs"] == answer.quick["epochs"] == 1
    assert final["accuracy"] == epochs[-1]["accuracy"] > 0.1517
    assert final["book_accuracy"] == book.book_final_accuracy(name)
    assert all(check.evaluate(final)[0] for check in answer.checks_for(quick=True))
    assert torch.get_num_threads() == 1  # the answer runs single-threaded on the CPU


def test_third_word_beats_its_own_baseline() -> None:
    final, events = _run(get("third-word"), quick=True)
    assert len([e for e in events if e["event"] == "epoch"]) == 1
    assert final["beats_baseline"] is True and final["accuracy"] > final["baseline"]
    assert any(e["event"] == "log" and "third word" in e["text"] for e in events)


def test_a_run_side_by_side_with_the_books_table() -> None:
    rows = [{"epoch": 0, "train_loss": 1.0, "valid_loss": 2.0, "accuracy": 0.5, "seconds": 0.1}]
    merged = book.side_by_side("lmmodel1", rows)
    assert [r["epoch"] for r in merged] == [0, 1, 2, 3]
    assert merged[0] == {
        "epoch": 0, "train_loss": 1.0, "valid_loss": 2.0, "accuracy": 0.5,
        "book_train_loss": 1.824297, "book_valid_loss": 1.970941, "book_accuracy": 0.467554,
    }  # fmt: skip
    assert merged[3]["accuracy"] is None and merged[3]["book_accuracy"] == 0.494414
    with pytest.raises(KeyError, match="no table"):
        book.book_table("lmmodel8")
