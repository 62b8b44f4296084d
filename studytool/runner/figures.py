"""Numbers as a learner reads them: significant digits, never a tiny value rounded to zero.

A result may hold 1.4e-45 (the float32 gap near zero) beside 0.4762 (an accuracy) and 8.0 (the
gap near 1e8); fixed decimals show the first as 0.0000 and so say the opposite of the answer.
"""

from __future__ import annotations

import math
from typing import Any

SIGNIFICANT = 4
SMALL = 1e-3  # below this (and not zero): scientific notation
LARGE = 1e6  # from this up: scientific notation


def number(value: float, significant: int = SIGNIFICANT) -> str:
    """`value` with `significant` digits: integers as integers, scientific when tiny or huge."""
    if not math.isfinite(value):
        return str(value).lower()
    if value == int(value) and abs(value) < LARGE:
        return str(int(value))
    size = abs(value)
    if size < SMALL or size >= LARGE:
        mantissa, exponent = f"{value:.{significant - 1}e}".split("e")
        return f"{_trim(mantissa)}e{exponent}"
    decimals = max(0, significant - 1 - math.floor(math.log10(size)))
    return _trim(f"{value:.{decimals}f}")


def _trim(text: str) -> str:
    """Drops trailing zeros after the point, as %g does: 0.9 reads 0.9, not 0.9000."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def figure(value: Any) -> str:
    """Any result value as text: numbers by `number`, lists and dicts element by element."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(figure(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {figure(v)}" for k, v in value.items()) + "}"
    return str(value)
