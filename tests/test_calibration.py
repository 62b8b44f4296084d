"""The measured spreads (answers_code/calibration.json) and the checks derived from them.

No training here: these tests read the file benchmarks/calibrate.py wrote and the catalogue
built from it. That every floor fails a wrong model is tests/test_wrong_variants.py's job.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from itertools import combinations

import pytest

from answers_code import book, calibration
from answers_code.registry import Answer, Check, all_answers

CALIBRATED = [a for a in all_answers().values() if a.calibrated]


def test_every_trained_answer_with_an_accuracy_check_is_calibrated() -> None:
    names = {a.name for a in CALIBRATED}
    assert {"lmmodel1", "lmmodel2", "lmmodel3", "lmmodel4", "lmmodel5", "lmmodel6", "lmmodel7",
            "lstm-scratch", "gru-scratch", "gru-torch", "third-word", "h-zero"} <= names
    for answer in all_answers().values():
        for check in (*answer.checks, *(answer.quick_checks or ())):
            trained_figure = check.op in (">=", "<=") and answer.trains and (
                "accuracy" in check.key or "lead" in check.key)
            if trained_figure:
                assert check.spread is not None, (answer.name, check.label)


@pytest.mark.parametrize("answer", CALIBRATED, ids=lambda a: a.name)
@pytest.mark.parametrize("mode", calibration.MODES)
def test_each_entry_was_measured_at_the_answers_current_settings(answer: Answer,
                                                                 mode: str) -> None:
    entry = calibration.entry(answer.name, mode)
    assert entry is not None, f"run benchmarks/calibrate.py --answers {answer.name}"
    assert entry["seeds"] == list(range(10))
    # Settings changed since the measurement make the floors stale: recalibrate.
    assert calibration.comparable(entry["params"]) == calibration.comparable(
        answer.params_for(mode == "quick"))
    assert entry["threads"] == 1 and entry["torch"] and entry["cpu"] and entry["date"]
    for key in answer.calibrated:
        metric = entry["metrics"][key]
        values = metric["values"]
        assert len(values) == len(entry["seeds"])
        assert metric["min"] == min(values) and metric["max"] == max(values)
        assert metric["median"] == pytest.approx(statistics.median(values))
    assert len(entry["epoch_accuracy"]) == len(entry["seeds"])


def _calibrated_checks(answer: Answer) -> list[tuple[str, Check]]:
    found = []
    for mode, checks in (("full", answer.checks), ("quick", answer.checks_for(True))):
        found += [(mode, c) for c in checks if c.spread is not None and c.spread.answer ==
                  answer.name]
    return found


@pytest.mark.parametrize("answer", CALIBRATED, ids=lambda a: a.name)
def test_floors_sit_clearly_below_every_measured_run_and_pass_them_all(answer: Answer) -> None:
    checks = _calibrated_checks(answer)
    assert checks
    for mode, check in checks:
        spread = check.spread
        assert spread is not None and spread.mode == mode
        if check.op == ">=":
            assert check.value == spread.floor
            assert check.value <= spread.low - calibration.MIN_MARGIN + 1e-9
            assert check.value <= spread.low - calibration.MARGIN_FRACTION * (
                spread.high - spread.low) + 1e-9
        else:
            assert check.value >= spread.high + calibration.MIN_MARGIN - 1e-9
        for value in spread.values:  # every correct run measured passes its own check
            assert check.evaluate({check.key: value})[0], (check.label, value)


@pytest.mark.parametrize("answer", [a for a in CALIBRATED if a.median_checks],
                         ids=lambda a: a.name)
def test_median_checks_pass_every_set_of_measured_runs(answer: Answer) -> None:
    assert answer.median_seeds == calibration.MEDIAN_SEEDS
    for check in answer.median_checks:
        spread = check.spread
        assert spread is not None and spread.high_variance
        single = next((c for c in answer.checks if c.key == check.key), None)
        if single is not None:  # a median of three is held higher than one run
            assert check.value >= single.value
        for runs in combinations(spread.values, len(answer.median_seeds)):
            assert check.evaluate({check.key: statistics.median(runs)})[0], runs
        assert "the median" in check.evaluate({check.key: spread.median})[1]


@pytest.mark.parametrize("answer", CALIBRATED, ids=lambda a: a.name)
def test_wide_bands_and_only_those_run_several_seeds_in_check_full(answer: Answer) -> None:
    floored = {c.key for c in answer.checks if c.spread is not None and c.op == ">="
               and c.spread.answer == answer.name}
    wide = {k for k in floored if (s := calibration.spread(answer.name, "full", k)) is not None
            and s.high_variance}
    medians = {c.key for c in answer.median_checks}
    assert wide <= medians  # a wide band is checked on a median in --full
    for check in answer.median_checks:  # and a median is only checked where bands are wide
        assert check.spread is not None and check.spread.high_variance, check.label


def test_messages_place_a_run_in_the_measured_band() -> None:
    check = all_answers()["lmmodel6"].checks[0]
    spread = check.spread
    assert spread is not None
    ok, inside = check.evaluate({"accuracy": spread.median})
    assert ok and "within the usual spread" in inside and spread.band() in inside
    reruns = book.fastai_reruns("lmmodel6")
    assert f"fastai on this data: {min(reruns):.2f}-{max(reruns):.2f}" in inside
    ok, unusual = check.evaluate({"accuracy": (spread.floor + spread.low) / 2})
    assert ok and "unusual, not wrong" in unusual
    ok, bad = check.evaluate({"accuracy": 0.2})
    assert not ok and "below every correct run we measured" in bad
    assert "look at" in bad and "detached" in bad  # where LMModel6 usually goes wrong


def test_a_missing_calibration_fails_its_check_with_a_message() -> None:
    from answers_code.catalog import floors

    check = floors.floor("no-such-answer", "accuracy", "full", "accuracy")
    ok, message = check.evaluate({"accuracy": 0.99})
    assert not ok and "not calibrated" in message and "calibrate.py" in message


def test_a_run_with_another_seed_is_decided_by_the_checks() -> None:
    from studytool.runner.checks import decides

    answer = all_answers()["lmmodel6"]
    assert decides(answer, answer.params_for(False, {"seed": 7}), quick=False)
    assert decides(answer, answer.params_for(True, {"seed": 7}), quick=True)
    assert not decides(answer, answer.params_for(False, {"epochs": 3}), quick=False)


def test_the_catalogue_reads_the_file_without_torch() -> None:
    code = ("import sys; from answers_code.registry import all_answers; all_answers(); "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
