"""`run --param KEY=VALUE`: any parameter an answer declares, parsed and checked in the parent."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from answers_code.registry import Answer
from studytool.errors import StudytoolError
from studytool.runner.params import parse_param, validate_overrides
from tests.runner_helpers import with_fixture_answers

ANSWER = Answer("demo", "demo", "m:f", (), defaults={"epochs": 3, "lr": 0.1, "seeds": None,
                                                    "label": "x"})


@pytest.mark.parametrize("text, expected", [
    ("seeds=0,1,2", ("seeds", [0, 1, 2])),
    ("seeds=[0, 1]", ("seeds", [0, 1])),
    ("lr=0.5", ("lr", 0.5)),
    ("epochs=7", ("epochs", 7)),
    ("label=hello world", ("label", "hello world")),
    ("flag=true", ("flag", True)),
])
def test_values_are_parsed_as_numbers_lists_booleans_or_text(text, expected):
    assert parse_param(text) == expected


@pytest.mark.parametrize("text", ["seeds", "=3", "seeds=", "  =  "])
def test_a_param_without_key_or_value_is_bad_input(text):
    with pytest.raises(StudytoolError, match="KEY=VALUE"):
        parse_param(text)


def test_values_take_the_type_of_the_default_and_its_range():
    assert validate_overrides(ANSWER, {"lr": 1}) == {"lr": 1.0}
    assert isinstance(validate_overrides(ANSWER, {"lr": 1})["lr"], float)
    with pytest.raises(StudytoolError, match="--epochs must be a whole number"):
        validate_overrides(ANSWER, {"epochs": "many"})
    with pytest.raises(StudytoolError, match="--param n must be a whole number, not 'x'"):
        validate_overrides(Answer("d", "d", "m:f", (), defaults={"n": 64}), {"n": "x"})
    with pytest.raises(StudytoolError, match="--epochs must be a whole number"):
        validate_overrides(ANSWER, {"epochs": 0})
    with pytest.raises(StudytoolError, match="has no parameter 'bogus'"):
        validate_overrides(ANSWER, {"bogus": 1})


def run(env, *args):
    return subprocess.run([sys.executable, "-m", "studytool", "run", *args], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_the_cli_passes_params_to_the_answer(child_env, tmp_path):
    env = with_fixture_answers(child_env, tmp_path)
    result = run(env, "fx-epochs", "--param", "epochs=2", "--param", "lr=0.2", "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["params"]["epochs"] == 2 and record["params"]["lr"] == 0.2
    assert len(record["epochs"]) == 2


def test_the_cli_refuses_a_param_given_twice_or_unknown(child_env, tmp_path):
    env = with_fixture_answers(child_env, tmp_path)
    twice = run(env, "fx-epochs", "--epochs", "2", "--param", "epochs=3")
    assert twice.returncode == 2
    assert twice.stderr.strip() == "error: --epochs and --param epochs=... both given"
    unknown = run(env, "fx-epochs", "--param", "nope=1")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("error: answer 'fx-epochs' has no parameter 'nope'")


def test_every_parameter_of_the_catalogue_has_a_kind_and_range_its_default_fits():
    # One table says what each parameter may be; an answer that adds a parameter adds it
    # there, or `run --param` could start a child with nonsense again.
    from answers_code.registry import all_answers
    from studytool.runner.params import SPECS, check

    for answer in all_answers().values():
        for key, value in {**answer.defaults, **answer.quick}.items():
            assert key in SPECS, f"{answer.name}: parameter '{key}' is not in params.SPECS"
            assert check(key, SPECS[key], value) == value, (answer.name, key)


def test_numbers_are_whole_finite_and_in_range():
    from studytool.runner.params import Spec, check

    assert check("bs", Spec("int", 1, 4096), 64.0) == 64  # a whole float is a whole number
    for bad in (0, 4097, 1.5, True, "64", float("nan"), float("inf")):
        with pytest.raises(StudytoolError, match="--param bs must be a whole number"):
            check("bs", Spec("int", 1, 4096), bad)
    p = Spec("float", 0.0, 1.0, below_high=True)
    assert check("p", p, 0) == 0.0
    for bad in (1, 1.0, -0.1, float("nan")):
        with pytest.raises(StudytoolError, match="at least 0 and below 1"):
            check("p", p, bad)
