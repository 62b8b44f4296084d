"""Reading the parameters answers share."""

from __future__ import annotations

from typing import Any


def seed_list(params: dict[str, Any]) -> list[int]:
    """`seeds` (a list of ints, or "0,1,2") when given, else [`seed`] (default 0)."""
    seeds = params.get("seeds")
    if seeds is None or seeds == []:
        return [int(params.get("seed", 0))]
    if isinstance(seeds, int):
        return [seeds]
    if isinstance(seeds, str):
        seeds = [s for s in seeds.replace(" ", "").split(",") if s]
    try:
        return [int(s) for s in seeds]
    except (TypeError, ValueError):
        raise ValueError(f"seeds must be whole numbers, e.g. [0, 1, 2], not {seeds!r}") from None
