"""Check evaluation after a run, in the parent (parameters are checked before it: `params`).

Checks are written for the settings they were calibrated on: the answer's defaults (or its quick
settings under `quick`), with any seed. A run with other parameters still shows its checks,
marked advisory, but they do not decide its status: a one-epoch LMModel3 is not a failed
LMModel3.
"""

from __future__ import annotations

from typing import Any

from answers_code.answer import Answer
from studytool.runner.figures import figure


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


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

