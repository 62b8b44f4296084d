"""What correct runs of each trained answer score, as measured, and the floors derived from it.

`calibration.json` is written by `benchmarks/calibrate.py`: every trained answer run through the
run engine (as `studytool run NAME --seed S` runs it) at its book settings ("full") and at its
`check --quick` settings ("quick"), for seeds 0-9, with the torch version, date, threads and
CPU model of the machine. Nothing here imports torch: the catalogue reads it when it is built.

Why measured, not chosen: these models are chaotic. The same seed on another CPU rounds a few
last bits differently and lands elsewhere in a band whose width the seeds show (LMModel6 at
book settings: 0.64 to 0.80 here). So a check reads that band:

- single-run floor = the lowest correct run measured, less a margin of MARGIN_FRACTION of the
  band's width (at least MIN_MARGIN). A correct run on another machine is another draw from the
  same band; a model that does not learn what the answer teaches lands well below it.
- median floor (answers whose band is wider than HIGH_VARIANCE): `check --full` runs
  MEDIAN_SEEDS and checks their median, which one unlucky seed cannot drag down. Its floor is
  the lowest median that any MEDIAN_SEEDS-sized set of the measured seeds gives, less the same
  fraction of the range those medians span (at least MIN_MARGIN).
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any

PATH = Path(__file__).with_name("calibration.json")

MARGIN_FRACTION = 0.5
MIN_MARGIN = 0.02
HIGH_VARIANCE = 0.05  # band wider than this: `check --full` checks a median of seeds
MEDIAN_SEEDS = (0, 1, 2)
MODES = ("full", "quick")
NEUTRAL_PARAMS = ("seed", "seeds", "threads")  # calibrated over, or not changing the maths


@dataclass(frozen=True)
class Spread:
    """The measured final values of `key` for one answer at one setting, one per seed."""

    answer: str
    mode: str
    key: str
    seeds: tuple[int, ...]
    values: tuple[float, ...]
    machine: str  # "torch 2.13.0, 1 thread, AMD EPYC, 2025-01-01"

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    @property
    def median(self) -> float:
        return float(statistics.median(self.values))

    @property
    def margin(self) -> float:
        return max(MIN_MARGIN, MARGIN_FRACTION * (self.high - self.low))

    @property
    def floor(self) -> float:
        return round_down(self.low - self.margin)

    @property
    def ceiling(self) -> float:
        return round_up(self.high + self.margin)

    @property
    def high_variance(self) -> bool:
        return self.high - self.low > HIGH_VARIANCE

    def median_floor(self, k: int = len(MEDIAN_SEEDS)) -> float:
        """The lowest median of any `k` measured runs, less MARGIN_FRACTION of the range such
        medians span: what a median of `k` correct runs stays above."""
        size = min(k, len(self.values))
        medians = [statistics.median(c) for c in combinations(self.values, size)]
        span = max(medians) - min(medians)
        return round_down(min(medians) - max(MIN_MARGIN, MARGIN_FRACTION * span))

    def band(self) -> str:
        """'0.638-0.799 over seeds 0-9'."""
        return f"{self.low:.3f}-{self.high:.3f} over {_seed_text(self.seeds)}"


def round_down(value: float) -> float:
    """To 4 decimals, never up: a floor shown as 0.5111 is not above what it was derived from."""
    return math.floor(value * 1e4) / 1e4


def round_up(value: float) -> float:
    return math.ceil(value * 1e4) / 1e4


def _seed_text(seeds: tuple[int, ...]) -> str:
    if len(seeds) > 2 and list(seeds) == list(range(seeds[0], seeds[-1] + 1)):
        return f"seeds {seeds[0]}-{seeds[-1]}"
    return "seeds " + ", ".join(str(s) for s in seeds)


@lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    """The whole file ({} when it is absent, so `calibrate.py` can create it)."""
    if not PATH.exists():
        return {}
    data = json.loads(PATH.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def entry(answer: str, mode: str) -> dict[str, Any] | None:
    """The measurement of `answer` at `mode` ("full" or "quick"), or None."""
    found = load().get("answers", {}).get(answer, {}).get(mode)
    return found if isinstance(found, dict) else None


def spread(answer: str, mode: str, key: str) -> Spread | None:
    """The measured spread of `final[key]`, or None when it was never measured."""
    found = entry(answer, mode)
    if found is None or key not in found.get("metrics", {}):
        return None
    values = tuple(float(v) for v in found["metrics"][key]["values"])
    if not values:
        return None
    machine = (f"torch {found.get('torch', '?')}, {found.get('threads', '?')} thread(s), "
               f"{found.get('cpu', '?')}, {found.get('date', '?')}")
    return Spread(answer, mode, key, tuple(int(s) for s in found["seeds"]), values, machine)


def summary(values: list[float]) -> dict[str, float]:
    """min, median, max as written into the file beside the values."""
    return {"min": min(values), "median": float(statistics.median(values)), "max": max(values)}


def comparable(params: dict[str, Any]) -> dict[str, Any]:
    """`params` without the keys a calibration covers (the seed) or that leave the maths alone:
    two runs with equal comparable params are checked against the same band."""
    return {k: v for k, v in params.items() if k not in NEUTRAL_PARAMS}
