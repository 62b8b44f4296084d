"""What a run may be asked for, checked in the parent before anything is spawned.

An answer's parameters are the fields of its config dataclass, each typed with what it may be
(`answers_code.config`: `epochs: Epochs`). Every override given is checked against that type
here, once: bad input is one `StudytoolError` naming the flag and the range, exit 2, no run is
stored and no child starts. The answers receive the checked values and do not check again.
"""

from __future__ import annotations

import json
import math
from typing import Any

from answers_code.answer import Answer
from answers_code.config import Spec, specs
from studytool.errors import StudytoolError, quote

__all__ = ["Spec", "check", "parse_param", "validate_overrides", "validate_timeout"]

MAX_TIMEOUT = 7 * 24 * 3600.0
# Parameters with a flag of their own (`run --epochs`); their messages name that flag.
OWN_FLAGS = ("epochs", "lr", "seed")


def validate_overrides(answer: Answer, overrides: dict[str, Any]) -> dict[str, Any]:
    """The overrides that were given, checked and converted (a whole number for a float
    parameter becomes a float); StudytoolError for an unknown name or a bad value."""
    given = {k: v for k, v in overrides.items() if v is not None}
    kinds = specs(answer.config)
    for key, value in given.items():
        if key not in kinds:
            known = ", ".join(sorted(kinds)) or "none"
            raise StudytoolError(f"answer '{answer.name}' has no parameter {quote(key)} "
                                 f"(its parameters: {known})")
        given[key] = check(key, kinds[key], value)
    if "model" in given:
        _model_fits(answer, given["model"], kinds)
    return given


def _model_fits(answer: Answer, model: str, kinds: dict[str, Spec]) -> None:
    """`--param model=X` trains X with this answer's settings, so X may not need a setting
    this answer lacks (lmmodel1 has no AR/TAR penalties for lmmodel7)."""
    from answers_code.registry import all_answers

    other = all_answers().get(model)
    if other is None:
        return
    missing = [key for key in specs(other.config) if key not in kinds]
    if missing:
        raise StudytoolError(f"--param model={model} needs {', '.join(missing)}, which "
                             f"{answer.name} does not have: run {model} itself")


def flag(key: str) -> str:
    return f"--{key}" if key in OWN_FLAGS else f"--param {key}"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _figure(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _range(spec: Spec) -> str:
    if spec.low is None or spec.high is None:
        return ""
    low, high = _figure(spec.low), _figure(spec.high)
    if spec.above_low:
        return f" above {low} and at most {high}"
    if spec.below_high:
        return f" at least {low} and below {high}"
    return f" from {low} to {high}"


def _in_range(spec: Spec, value: float) -> bool:
    if spec.low is not None and (value < spec.low or (spec.above_low and value == spec.low)):
        return False
    return spec.high is None or not (value > spec.high or (spec.below_high
                                                           and value == spec.high))


def _whole_number(spec: Spec, value: Any) -> int | None:
    if not _number(value) or not math.isfinite(value) or value != int(value):
        return None
    return int(value) if _in_range(spec, value) else None


def _real_number(spec: Spec, value: Any) -> float | None:
    if not _number(value) or not math.isfinite(value) or not _in_range(spec, value):
        return None
    return float(value)


def check(key: str, spec: Spec, value: Any) -> Any:
    """`value` converted to what `spec` asks for; StudytoolError saying what was expected."""
    name = flag(key)
    if value is None and spec.optional:
        return None
    if spec.kind == "int":
        whole = _whole_number(spec, value)
        if whole is None:
            raise StudytoolError(f"{name} must be a whole number{_range(spec)}, "
                                 f"not {quote(value)}")
        return whole
    if spec.kind == "float":
        real = _real_number(spec, value)
        if real is None:
            raise StudytoolError(f"{name} must be a number{_range(spec)}, not {quote(value)}")
        return real
    if spec.kind == "choice":
        if value not in spec.choices:
            raise StudytoolError(f"{name} must be one of {', '.join(spec.choices)}, "
                                 f"not {quote(value)}")
        return value
    if spec.kind in ("floats", "ints"):
        return _check_list(name, spec, value)
    if spec.kind == "bool" and not isinstance(value, bool):
        raise StudytoolError(f"{name} must be true or false, not {quote(value)}")
    if spec.kind == "text" and not isinstance(value, str):
        raise StudytoolError(f"{name} must be text, not {quote(value)}")
    if _number(value) and not math.isfinite(value):
        raise StudytoolError(f"{name} must be a finite number, not {quote(value)}")
    return value


def _check_list(name: str, spec: Spec, value: Any) -> list[Any]:
    items = [value] if spec.kind == "ints" and _number(value) else value
    convert = _whole_number if spec.kind == "ints" else _real_number
    converted = [convert(spec, item) for item in items] if isinstance(items, list | tuple) \
        else None
    size_ok = converted is not None and len(converted) > 0 and (
        spec.length is None or len(converted) == spec.length) and (
        spec.most is None or len(converted) <= spec.most)
    if converted is None or not size_ok or any(item is None for item in converted):
        count = f"{spec.length} " if spec.length else ""
        most = f" (at most {spec.most})" if spec.most else ""
        kind = "whole numbers" if spec.kind == "ints" else "numbers"
        example = "0,1,2" if spec.kind == "ints" else "0.95,0.85,0.95"
        raise StudytoolError(f"{name} must be {count}{kind}{_range(spec)}{most}, e.g. "
                             f"{name}={example}; not {quote(value)}")
    return converted


def parse_param(text: str) -> tuple[str, Any]:
    """`KEY=VALUE` from `--param`: numbers, true/false, JSON lists, "0,1,2" lists, or text."""
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key or not raw:
        raise StudytoolError(f"--param needs KEY=VALUE, e.g. seeds=0,1,2 (got {quote(text)})")

    def value_of(item: str) -> Any:
        try:
            return json.loads(item)
        except ValueError:
            return item

    if "," in raw and not raw.startswith("["):
        return key, [value_of(item.strip()) for item in raw.split(",") if item.strip()]
    return key, value_of(raw)


def validate_timeout(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    if not _number(timeout) or not math.isfinite(timeout) or not 0 < timeout <= MAX_TIMEOUT:
        raise StudytoolError(f"--timeout must be a number of seconds above 0 and at most "
                             f"{MAX_TIMEOUT:g}, not {quote(timeout)}")
    return float(timeout)
