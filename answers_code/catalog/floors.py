"""Checks on trained figures, derived from the measured spread (`answers_code.calibration`).

Torch-free: the catalogue modules build their accuracy checks with these when they load.
"""

from __future__ import annotations

from typing import Any

from answers_code import calibration
from answers_code.check import Check


def floor(answer: str, key: str, mode: str, what: str, reference: str = "",
          hint: str = "", final_key: str | None = None) -> Check:
    """`final[key] >=` the single-run floor of `answer` at `mode` ("full" or "quick");
    `final_key` checks another key of the result against that band (an answer that repeats
    another's runs, e.g. several seeds of lmmodel4)."""
    spread = calibration.spread(answer, mode, key)
    checked = final_key or key
    if spread is None:
        return Check(checked, ">=", None, f"{what} (not calibrated: run benchmarks/calibrate.py "
                     f"--answers {answer})")
    return Check(checked, ">=", spread.floor, f"{what} at least {spread.floor}", spread,
                 reference, hint)


def ceiling(answer: str, key: str, mode: str, what: str, hint: str = "") -> Check:
    """`final[key] <=` the highest correct run plus the same margin a floor keeps."""
    spread = calibration.spread(answer, mode, key)
    if spread is None:
        return Check(key, "<=", None, f"{what} (not calibrated)")
    limit = spread.ceiling
    return Check(key, "<=", limit, f"{what} at most {limit}", spread, hint=hint)


def median_checks(answer: str, keys: tuple[str, ...], what: dict[str, str] | None = None,
                  reference: str = "", hint: str = ""
                  ) -> tuple[tuple[int, ...], tuple[Check, ...]]:
    """(seeds, checks) for `check --full` when a key's band is wide: the median of the runs of
    `calibration.MEDIAN_SEEDS` must reach the median floor. ((), ()) for a narrow band."""
    checks = []
    for key in keys:
        spread = calibration.spread(answer, "full", key)
        if spread is None or not spread.high_variance:
            continue
        limit = spread.median_floor()
        seeds = ", ".join(str(s) for s in calibration.MEDIAN_SEEDS)
        name = (what or {}).get(key, key)
        checks.append(Check(key, ">=", limit, f"median {name} of seeds {seeds} at least {limit}",
                            spread, reference, hint, subject="the median"))
    return (calibration.MEDIAN_SEEDS if checks else ()), tuple(checks)


def medians(answer: str, keys: tuple[str, ...], hint: str = "",
            reference: str = "") -> dict[str, Any]:
    """Answer(**...) fields `median_seeds` and `median_checks` for the floors on `keys`."""
    seeds, checks = median_checks(answer, keys, None, reference, hint)
    return {"median_seeds": seeds, "median_checks": checks}
