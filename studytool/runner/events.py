"""The JSON-lines protocol between the worker and the parent (DESIGN.md "Event protocol").

One JSON object per line: {"event": "start"|"log"|"epoch"|"progress"|"result"|"error", ...};
a warm spare also says {"event": "ready"} once, before any request (the parent keeps it out of
the run's events).
Anything else the worker's stdout carries (a C library printing, a stray `print` of a dict) is
log text, never an error: the parent must survive whatever the child writes.
"""

from __future__ import annotations

import json
import math
from typing import Any

EVENTS = ("start", "log", "epoch", "progress", "result", "error", "ready")
# Events an answer's code may emit itself; the worker owns start, result and error.
ANSWER_EVENTS = ("log", "epoch", "progress")
TERMINAL = ("result", "error")
# What a garbled line may still contain: an event glued after text without a newline.
_MARKER = '{"event"'
# The longest line read in one piece; a longer one arrives in pieces and reads as log text.
MAX_LINE = 16 * 1024 * 1024


def log_event(text: str, stream: str = "stdout") -> dict[str, Any]:
    return {"event": "log", "text": text, "stream": stream}


def _as_event(text: str) -> dict[str, Any] | None:
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if isinstance(obj, dict) and obj.get("event") in EVENTS:
        return obj
    return None


def parse_line(raw: bytes | str) -> list[dict[str, Any]]:
    """The events one stdout line holds: an event, log text, or text followed by an event."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = text.rstrip("\r\n")
    if not text.strip():
        return []
    event = _as_event(text)
    if event is not None:
        return [event]
    cut = text.find(_MARKER, 1)
    if cut > 0:
        event = _as_event(text[cut:])
        if event is not None:
            return [log_event(text[:cut], "raw"), event]
    return [log_event(text, "raw")]


def encode(event: dict[str, Any]) -> str:
    """One protocol line (NaN allowed: the parent's json reads it back)."""
    return json.dumps(event, default=str, separators=(",", ":"))


def finite_or_none(value: Any) -> float | None:
    """A number fit for storage and strict JSON: NaN/inf and non-numbers become None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def strict_json(obj: Any) -> Any:
    """`obj` with every non-finite float replaced by None (JSON has no NaN; PostgreSQL agrees)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): strict_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [strict_json(v) for v in obj]
    return obj
