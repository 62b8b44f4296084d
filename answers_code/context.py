"""What an answer's entry point receives: its parameters, the device and a way to report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Emit = Callable[[dict[str, Any]], None]


def _print_emit(event: dict[str, Any]) -> None:
    # Calling an answer directly (tests, a notebook) prints what the worker would stream.
    if event.get("event") == "log":
        print(event.get("text", ""))
    else:
        print(event)


@dataclass
class RunContext:
    """params: the answer's defaults merged with the user's; device: "cpu", "cuda" or "mps".

    `emit` sends one event dict, e.g. {"event": "epoch", "epoch": 0, "train_loss": ...,
    "valid_loss": ..., "accuracy": ..., "seconds": ...}; `log(text)` sends printed output.
    """

    params: dict[str, Any] = field(default_factory=dict)
    device: str = "cpu"
    emit: Emit = _print_emit

    def log(self, text: str) -> None:
        self.emit({"event": "log", "text": text})

    def progress(self, done: int, total: int, what: str = "") -> None:
        self.emit({"event": "progress", "done": done, "total": total, "what": what})
