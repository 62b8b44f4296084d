"""A check on an answer's result: `final[key] <op> value`, with the message it explains itself by.

Pure data, no torch: the catalogue declares checks, the run engine evaluates them in the parent.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
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
