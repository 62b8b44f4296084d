"""Intervals written as Anki writes them on its answer buttons: 1m, 10m, 1d, 4d, 1.2mo, 2y."""

from __future__ import annotations

from datetime import timedelta

_MINUTE, _HOUR, _DAY = 60.0, 3600.0, 86400.0
_MONTH, _YEAR = 30.0 * _DAY, 365.0 * _DAY


def _amount(value: float) -> str:
    # One decimal, and none when it is zero: "1.2mo", "3mo".
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def format_interval(delta: timedelta) -> str:
    # Each unit is chosen on the rounded value, so 59.6 s reads "1m", never "60s".
    seconds = float(round(max(0.0, delta.total_seconds())))
    if seconds < _MINUTE:
        return f"{seconds:.0f}s"
    if round(seconds / _MINUTE) < 60:
        return f"{round(seconds / _MINUTE)}m"
    if round(seconds / _HOUR, 1) < 24:
        return f"{_amount(seconds / _HOUR)}h"
    if round(seconds / _DAY) < 30:
        return f"{round(seconds / _DAY)}d"
    if seconds < _YEAR:
        return f"{_amount(seconds / _MONTH)}mo"
    return f"{_amount(seconds / _YEAR)}y"
