"""The catalogue of runnable answers: names, titles, questions, defaults and checks.

Pure data, no torch. Each answer's code is named by an entry point string
("answers_code.some_module:function") that only the run engine's worker imports.

Entry point contract: `function(ctx: RunContext) -> dict` (see `answers_code.context`).
The returned dict becomes the run's `final` object; checks are evaluated on it.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from answers_code.calibration import Spread

_OPS = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Check:
    """`final[key] <op> value`, e.g. Check("accuracy", ">=", 0.44, "beats the band").

    A check on a trained figure carries the `spread` its value was derived from (see
    `answers_code.calibration`), so its message places the run in the band of correct runs;
    `reference` adds another band (fastai's reruns) and `hint` says where to look on a failure.
    """

    key: str
    op: str
    value: Any
    label: str = ""
    spread: Spread | None = None
    reference: str = ""
    hint: str = ""
    subject: str = "this run"  # what is checked: "the median" for a median of seeds

    def evaluate(self, final: dict[str, Any]) -> tuple[bool, str]:
        """(passed, message). A missing or non-comparable key fails with a message saying so."""
        label = self.label or f"{self.key} {self.op} {self.value}"
        if self.key not in final:
            return False, f"{label}: result has no '{self.key}'"
        actual = final[self.key]
        if self.value is None:
            return False, f"{label}: never measured, so nothing to check against"
        try:
            ok = bool(_OPS[self.op](actual, self.value))
        except TypeError:
            return False, f"{label}: cannot compare {actual!r}"
        if self.spread is not None and isinstance(actual, int | float):
            return ok, self._placed(label, float(actual), ok)
        shown = f"{actual:.4g}" if isinstance(actual, float) else repr(actual)
        return ok, f"{label}: got {shown}"

    def _placed(self, label: str, actual: float, ok: bool) -> str:
        """Where `actual` falls against the correct runs measured."""
        spread = self.spread
        assert spread is not None
        low_side = self.op in (">=", ">")
        inside = spread.low <= actual <= spread.high
        beyond = actual < spread.low if low_side else actual > spread.high
        band = f"correct runs here: {spread.band()}"
        if self.reference:
            band += f"; {self.reference}"
        limit = "floor" if low_side else "ceiling"
        if not ok:
            word = "below" if low_side else "above"
            look = f": look at {self.hint}" if self.hint else ""
            return (f"{label}: {self.subject} {actual:.4f} is {word} every correct run we "
                    f"measured ({band}; {limit} {self.value}){look}")
        if inside or not beyond:
            return f"{label}: {self.subject} {actual:.4f} is within the usual spread ({band})"
        word = "below" if low_side else "above"
        return (f"{label}: {self.subject} {actual:.4f} is {word} the {len(spread.values)} correct "
                f"runs measured here ({band}) but within the {limit} {self.value}: unusual, not "
                "wrong")


@dataclass(frozen=True)
class Answer:
    name: str
    title: str
    entry: str  # "module:function" run by the worker
    questions: tuple[str, ...]  # question ids, e.g. ("ch12-q05",)
    defaults: dict[str, Any] = field(default_factory=dict)  # the book's settings
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

    def checks_for(self, quick: bool) -> tuple[Check, ...]:
        if quick and self.quick_checks is not None:
            return self.quick_checks
        return self.checks

    def params_for(self, quick: bool, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        params = dict(self.defaults)
        if quick:
            params.update(self.quick)
        params.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return params


def _catalogue() -> dict[str, Answer]:
    # Each catalogue module is torch-free data owned by the part of the chapter it covers.
    from answers_code.catalog import demos, lm, modules

    answers: dict[str, Answer] = {}
    for group in (lm.ANSWERS, modules.ANSWERS, demos.ANSWERS):
        for answer in group:
            if answer.name in answers:
                raise ValueError(f"duplicate answer name {answer.name!r}")
            answers[answer.name] = answer
    return answers


_CACHE: dict[str, Answer] | None = None


def all_answers() -> dict[str, Answer]:
    """Every registered answer by name, in catalogue order."""
    global _CACHE
    if _CACHE is None:
        _CACHE = _catalogue()
    return _CACHE


def get(name: str) -> Answer:
    """The answer called `name`; KeyError with close names suggested otherwise."""
    answers = all_answers()
    if name in answers:
        return answers[name]
    raise KeyError(f"unknown answer '{name}'{suggestion(name, answers)}")


def suggestion(name: str, names: Iterable[str]) -> str:
    """' (did you mean a, b?)' for names close to `name`, else a pointer to the list."""
    import difflib

    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.5)
    return f" (did you mean {', '.join(close)}?)" if close else " (see `studytool answers`)"


# The names DESIGN.md promises; tests check every one is registered.
REQUIRED_NAMES = (
    "baseline", "lmmodel1", "lmmodel2", "lmmodel3", "lmmodel4", "lmmodel5", "lmmodel6",
    "lmmodel7", "lstm-scratch", "gru-scratch", "gru-torch", "dropout", "h-zero",
    "lstmcell-refactor", "valid-batches", "float-precision", "exploding-activations",
    "bernoulli", "chunk", "tanh-sigmoid", "ar-tar", "weight-tying", "train-eval",
)
