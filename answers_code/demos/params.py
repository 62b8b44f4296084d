"""Reading the parameters answers share."""

from __future__ import annotations

from typing import Any


def seed_list(params: dict[str, Any]) -> list[int]:
    """The seeds to train: `seeds` (checked by the run engine) when given, else [`seed`]."""
    return list(params["seeds"] or [params["seed"]])
