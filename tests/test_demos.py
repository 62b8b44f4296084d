"""Each demo's entry point, run as the worker runs it, passes its catalogue checks and prints
what a learner should look at. Also: the catalogue of this part is complete and torch-free."""

from __future__ import annotations

import importlib
import subprocess
import sys
from typing import Any

import pytest

from answers_code.context import RunContext
from answers_code.registry import all_answers, get

OURS = ("lstm-scratch", "lstmcell-refactor", "gru-scratch", "gru-torch", "dropout", "bernoulli",
        "train-eval", "h-zero", "valid-batches", "float-precision", "exploding-activations",
        "chunk", "tanh-sigmoid", "ar-tar", "weight-tying")
QUESTIONS = {
    "lstm-scratch": {"ch12-q25", "ch12-fr2"},
    "lstmcell-refactor": {"ch12-q27", "ch12-q29"}, "gru-scratch": {"ch12-fr3"},
    "gru-torch": {"ch12-fr3"},
    "dropout": {"ch12-q32", "ch12-q33"}, "bernoulli": {"ch12-q35"},
    "train-eval": {"ch12-q34", "ch12-q36"}, "h-zero": {"ch12-fr1"},
    "valid-batches": {"ch12-q13"}, "float-precision": {"ch12-q22"},
    "exploding-activations": {"ch12-q21", "ch12-q23"}, "chunk": {"ch12-q28"},
    "tanh-sigmoid": {"ch12-q26"}, "ar-tar": {"ch12-q37", "ch12-q38", "ch12-fr4"},
    "weight-tying": {"ch12-q39"},
}


def run_quick(name: str, **overrides: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Call the answer's entry point with its quick settings; (final, events)."""
    answer = get(name)
    module, _, func = answer.entry.partition(":")
    events: list[dict[str, Any]] = []
    ctx = RunContext(params=answer.params_for(True, overrides), device="cpu",
                     emit=events.append)
    final = getattr(importlib.import_module(module), func)(ctx)
    return final, events


def assert_checks_pass(name: str, final: dict[str, Any]) -> None:
    checks = get(name).checks_for(quick=True)
    assert checks, f"{name} declares no checks"
    failed = [msg for ok, msg in (c.evaluate(final) for c in checks) if not ok]
    assert not failed, failed


def log_text(events: list[dict[str, Any]]) -> str:
    return "\n".join(e["text"] for e in events if e["event"] == "log")


def test_every_answer_of_this_part_is_registered_with_its_questions():
    answers = all_answers()
    for name in OURS:
        assert name in answers, name
        assert set(answers[name].questions) == QUESTIONS[name]
        assert answers[name].checks, name


def test_catalogue_modules_do_not_import_torch():
    code = ("import sys, answers_code.catalog.modules, answers_code.catalog.demos; "
            "sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


@pytest.mark.parametrize("name", ["float-precision", "exploding-activations", "chunk",
                                  "tanh-sigmoid", "bernoulli", "train-eval", "weight-tying",
                                  "valid-batches"])
def test_demo_passes_its_checks(name):
    final, events = run_quick(name)
    assert_checks_pass(name, final)
    assert log_text(events).strip(), f"{name} printed nothing"


def test_float_precision_prints_the_spacing_table():
    final, events = run_quick("float-precision")
    assert final["spacing_near_0"] < final["spacing_near_1"] < final["spacing_near_1e4"]
    assert final["spacing_near_1e4"] == 2.0**-10
    assert "gap to next float32" in log_text(events)


def test_exploding_shows_overflow_vanishing_and_a_good_init():
    final, events = run_quick("exploding-activations", depth=40)
    # Each std-1 layer multiplies the std by about sqrt(100) = 10: float32 overflows past 1e38.
    assert 35 <= final["naive_overflow_layer"] <= 40
    assert final["naive_grad_finite"] is False and 0.1 < final["good_final_std"] < 10
    assert "4,294,967,296" in log_text(events)


def test_tanh_sigmoid_identity_numbers():
    final, _ = run_quick("tanh-sigmoid")
    assert final["max_abs_diff"] < 1e-12 and -1 < final["tanh_min"] < final["tanh_max"] < 1


def test_valid_batches_decodes_the_validation_text():
    final, events = run_quick("valid-batches")
    text = log_text(events)
    assert final["batch_shape"] == [64, 16] and final["n_valid_batches"] == 12
    assert final["first_row"].startswith("thousand eighty three . eight thousand eighty four")
    assert "row 0: x = " in text and "eight thousand" in text


def test_weight_tying_counts():
    final, _ = run_quick("weight-tying")
    assert final["params_untied"] - final["params_tied"] == 30 * 64


def test_h_zero_trains_both_starts_identically():
    final, events = run_quick("h-zero", epochs=1)
    assert_checks_pass("h-zero", final)
    assert final["accuracy"] == final["zeros_accuracy"]
    assert len([e for e in events if e["event"] == "epoch"]) == 1
    assert "broadcast" in log_text(events)


def test_ar_tar_on_real_lmmodel7_activations():
    final, events = run_quick("ar-tar", epochs=1)
    assert_checks_pass("ar-tar", final)
    assert final["epochs_trained"] == 1
    assert len([e for e in events if e["event"] == "epoch"]) == 1
    assert "raw (64, 16, 64)" in log_text(events)


def test_valid_batches_with_a_batch_size_too_large_is_a_clear_error():
    with pytest.raises(ValueError, match="no full validation batch"):
        run_quick("valid-batches", bs=100_000)
