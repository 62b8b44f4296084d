"""Parameter validation before a run, and check evaluation after it (both in the parent).

Checks are written for the settings they were calibrated on: the answer's defaults (or its quick
settings under `quick`), with any seed. A run with other parameters still shows its checks,
marked advisory, but they do not decide its status: a one-epoch LMModel3 is not a failed
LMModel3.
"""

from __future__ import annotations

import math
from typing import Any

from answers_code.registry import Answer
from studytool.errors import StudytoolError
from studytool.runner.figures import figure

MAX_EPOCHS = 1000
MAX_LR = 10.0
MAX_SEED = 2**32 - 1
MAX_TIMEOUT = 7 * 24 * 3600.0
_OWN_FLAGS = ("epochs", "lr", "seed")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_param(key: str, value: Any) -> None:
    if key == "epochs":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_EPOCHS:
            raise StudytoolError(f"--epochs must be a whole number from 1 to {MAX_EPOCHS}, "
                                 f"not {value!r}")
    elif key == "lr":
        if not _number(value) or not math.isfinite(value) or not 0 < value <= MAX_LR:
            raise StudytoolError(f"--lr must be a number above 0 and at most {MAX_LR:g}, "
                                 f"not {value!r}")
    elif key == "seed":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SEED:
            raise StudytoolError(f"--seed must be a whole number from 0 to {MAX_SEED}, "
                                 f"not {value!r}")


def validate_overrides(answer: Answer, overrides: dict[str, Any]) -> dict[str, Any]:
    """The overrides that were given, checked: known to the answer and in a sane range."""
    given = {k: v for k, v in overrides.items() if v is not None}
    for key, value in given.items():
        if key not in answer.defaults:
            known = ", ".join(sorted(answer.defaults)) or "none"
            raise StudytoolError(f"answer '{answer.name}' has no parameter '{key}' "
                                 f"(its parameters: {known})")
        given[key] = _coerce(key, answer.defaults[key], value)
        _check_param(key, given[key])
    return given


def parse_param(text: str) -> tuple[str, Any]:
    """`KEY=VALUE` from `--param`: numbers, true/false, JSON lists, "0,1,2" lists, or text."""
    import json

    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key or not raw:
        raise StudytoolError(f"--param needs KEY=VALUE, e.g. seeds=0,1,2 (got {text!r})")

    def value_of(item: str) -> Any:
        try:
            return json.loads(item)
        except ValueError:
            return item

    if "," in raw and not raw.startswith("["):
        return key, [value_of(item.strip()) for item in raw.split(",") if item.strip()]
    return key, value_of(raw)


def _coerce(key: str, default: Any, value: Any) -> Any:
    # A number given for a float default is a float; a text for a number default is an error.
    if isinstance(default, bool) or default is None or isinstance(default, str | list | tuple):
        return value
    if isinstance(default, float) and _number(value):
        return float(value)
    if isinstance(default, int) and isinstance(value, int) and not isinstance(value, bool):
        return value
    if _number(default) and not _number(value) and key not in _OWN_FLAGS:
        raise StudytoolError(f"--param {key} must be a number, not {value!r}")
    return value  # epochs, lr and seed get their own flag's message from _check_param


def validate_timeout(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    if not _number(timeout) or not math.isfinite(timeout) or not 0 < timeout <= MAX_TIMEOUT:
        raise StudytoolError(f"--timeout must be a number of seconds above 0, not {timeout!r}")
    return float(timeout)


def decides(answer: Answer, params: dict[str, Any], quick: bool) -> bool:
    """Whether a run with `params` is one the checks were calibrated for: the answer's
    settings (or its quick ones), any seed. The floors come from runs over many seeds
    (answers_code/calibration.py), so another seed is not other settings."""
    from answers_code.calibration import comparable

    return comparable(params) == comparable(answer.params_for(quick))


def evaluate(answer: Answer, final: dict[str, Any], params: dict[str, Any],
             quick: bool) -> tuple[list[dict[str, Any]], bool]:
    """(one dict per check, whether they decide the run): {"label", "passed", "message"}."""
    decisive = decides(answer, params, quick)
    rows = []
    for check in answer.checks_for(quick):
        passed, message = check.evaluate(final)
        rows.append({"label": check.label or f"{check.key} {check.op} {check.value}",
                     "passed": passed, "message": message, "advisory": not decisive})
    return rows, decisive


def first_failure(rows: list[dict[str, Any]]) -> str | None:
    for row in rows:
        if not row["passed"]:
            return str(row["message"])
    return None


def key_figure_parts(answer: Answer, final: dict[str, Any]) -> tuple[str, str]:
    """(key, value as text) of the number that best summarises a result: its first check's
    value, else accuracy, else its first number; ("", "") if it has none."""
    keys = [check.key for check in answer.checks] + ["accuracy"]
    keys += [k for k, v in final.items() if _number(v)]
    for key in keys:
        value = final.get(key)
        if _number(value) or isinstance(value, bool | str):
            return key, figure(value)
    return "", ""


def key_figure(answer: Answer, final: dict[str, Any]) -> str:
    return " ".join(key_figure_parts(answer, final)).strip()

