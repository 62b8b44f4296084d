"""One finished run as the engine reports it and the store keeps it (torch-free): below both
the runner and the store, so the store never imports the runner."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

STATUSES = ("ok", "failed", "timeout", "cancelled", "error")


@dataclass
class EpochRow:
    epoch: int
    train_loss: float | None
    valid_loss: float | None
    accuracy: float | None
    seconds: float


@dataclass
class RunRecord:
    """The `run --json` object of DESIGN.md plus what the store needs to show past runs."""

    answer: str
    status: str  # one of STATUSES
    device: str
    params: dict[str, Any] = field(default_factory=dict)
    epochs: list[EpochRow] = field(default_factory=list)
    final: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    message: str = ""
    started_at: datetime | None = None  # UTC-aware
    finished_at: datetime | None = None
    torch_version: str = ""
    output: str = ""  # captured log text
    stderr_tail: str = ""
    checks: list[dict[str, Any]] = field(default_factory=list)  # {"label", "passed", "message"}
    id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md `run --json` object (extra keys after the contract's)."""
        return {
            "answer": self.answer,
            "status": self.status,
            "device": self.device,
            "params": self.params,
            "epochs": [asdict(e) for e in self.epochs],
            "final": self.final,
            "seconds": self.seconds,
            "message": self.message,
            "checks": self.checks,
            "torch_version": self.torch_version,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }
