"""`run --param KEY=VALUE`: any parameter an answer declares, parsed and checked in the parent."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from answers_code.answer import Answer
from answers_code.config import Epochs, LearningRate, Seeds, config
from answers_code.registry import get
from studytool.errors import StudytoolError
from studytool.runner.params import parse_param, validate_overrides
from tests.runner_helpers import with_fixture_answers

Demo = config("Demo", epochs=(Epochs, 3), lr=(LearningRate, 0.1), seeds=(Seeds, None),
              label=(str, "x"))
Untyped = config("Untyped", n=(int, 64))  # no declared range: any whole number
ANSWER = Answer("demo", "demo", "m:f", (), Demo())


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
        validate_overrides(Answer("d", "d", "m:f", (), Untyped()), {"n": "x"})
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
    # Each config field's type says what it may be; a field typed without a range would let
    # `run --param` start a child with nonsense again.
    from answers_code.config import specs
    from answers_code.registry import all_answers
    from studytool.runner.params import check

    for answer in all_answers().values():
        kinds = specs(answer.config)
        for key, value in {**answer.defaults, **answer.quick}.items():
            assert key in kinds, f"{answer.name}: parameter '{key}' is not in its config"
            spec = kinds[key]
            assert spec.choices or spec.low is not None, (answer.name, key, "no range declared")
            assert check(key, spec, value) == value, (answer.name, key)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"model": "lmmodel9"}, "--param model must be one of lmmodel1, lmmodel2, lmmodel3, "
                            "lmmodel4, lmmodel5, lmmodel6, lmmodel7, not 'lmmodel9'"),
    ({"epochs": 0}, "--epochs must be a whole number from 1 to 1000, not 0"),
    ({"epochs": 1.5}, "--epochs must be a whole number from 1 to 1000, not 1.5"),
    ({"lr": "fast"}, "--lr must be a number above 0 and at most 10, not 'fast'"),
    ({"lr": 0}, "--lr must be a number above 0 and at most 10, not 0"),
    ({"moms": [0.9]}, "--param moms must be 3 numbers at least 0 and below 1"),
    ({"p": 1.0}, "--param p must be a number at least 0 and below 1, not 1.0"),
    ({"seeds": ["a"]}, "--param seeds must be whole numbers"),
])
def test_a_bad_parameter_is_refused_in_the_parent_before_any_child(overrides, message):
    # The answers read their parameters as given: this check is the only one.
    with pytest.raises(StudytoolError) as refused:
        validate_overrides(get("lmmodel7" if "seeds" not in overrides else "h-zero"), overrides)
    assert str(refused.value).startswith(message)


def test_seeds_are_read_as_a_list_of_whole_numbers():
    # what `seed_list` receives: "0, 1,2" as a list, one seed as a list of one
    from answers_code.demos.params import seed_list

    answer = get("h-zero")
    assert validate_overrides(answer, dict([parse_param("seeds=0, 1,2")])) == {"seeds": [0, 1, 2]}
    assert validate_overrides(answer, {"seeds": 3}) == {"seeds": [3]}
    assert seed_list(answer.params_for(False)) == [0]
    assert seed_list(answer.params_for(False, {"seed": 3})) == [3]
    assert seed_list(answer.params_for(False, {"seed": 3, "seeds": [0, 1, 2]})) == [0, 1, 2]


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
