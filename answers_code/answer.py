"""One runnable answer as the catalogue declares it: names, questions, parameters and checks.

Pure data, no torch. `entry` names the answer's code ("answers_code.some_module:function"),
which only the run engine's worker imports. Entry point contract: `function(ctx: RunContext)
-> dict` (see `answers_code.context`); the returned dict becomes the run's `final` object, and
the checks are evaluated on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from answers_code import config as configs
from answers_code.check import Check


@dataclass(frozen=True)
class Answer:
    name: str
    title: str
    entry: str  # "module:function" run by the worker
    questions: tuple[str, ...]  # question ids, e.g. ("ch12-q05",)
    # Its parameters: a frozen dataclass instance whose fields hold the book's settings and
    # whose types say what each may be (`answers_code.config`).
    config: Any = field(default_factory=configs.NoParams)
    quick: dict[str, Any] = field(default_factory=dict)  # overrides for `check --quick`
    checks: tuple[Check, ...] = ()  # for full settings
    quick_checks: tuple[Check, ...] | None = None  # None: same as `checks`
    trains: bool = False  # emits epoch events
    book_model: str | None = None  # key of the book table to show beside this run
    summary: str = ""
    # Keys of `final` whose checks derive from answers_code/calibration.json (benchmarks/
    # calibrate.py measures them); `median_checks` hold for the median of `median_seeds` runs
    # (high-variance answers: `check --full` runs each of those seeds).
    calibrated: tuple[str, ...] = ()
    median_seeds: tuple[int, ...] = ()
    median_checks: tuple[Check, ...] = ()

    @property
    def defaults(self) -> dict[str, Any]:
        """The parameters at the book's settings, as a run receives them."""
        return configs.values(self.config)

    def checks_for(self, quick: bool) -> tuple[Check, ...]:
        if quick and self.quick_checks is not None:
            return self.quick_checks
        return self.checks

    def params_for(self, quick: bool, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        params = self.defaults
        if quick:
            params.update(self.quick)
        params.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return params
