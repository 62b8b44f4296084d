"""Exercise progress (done, attempts, hints shown): the one interface the CLI and TUI call.

Kept per database URL in a JSON file in the user data directory until the store has an
exercise table; only this module knows where progress lives.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from studytool import config

FILE_NAME = "exercise_progress.json"


@dataclass
class Progress:
    name: str
    done: bool = False
    attempts: int = 0
    hints_shown: int = 0
    last_passed: bool | None = None
    last_verified_at: str | None = None  # ISO 8601, UTC
    done_at: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Progress:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def _path() -> Path:
    return config.data_dir() / FILE_NAME


def _read_all() -> dict[str, dict[str, dict[str, Any]]]:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError:
        return {}  # a damaged file starts over rather than blocking the learner
    return data if isinstance(data, dict) else {}


def _write_all(data: dict[str, dict[str, dict[str, Any]]]) -> None:
    path = _path()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)  # atomic: a crash never leaves half a file


def load_all(db_url: str) -> dict[str, Progress]:
    """Every exercise's progress recorded for this database, by exercise name."""
    stored = _read_all().get(db_url, {})
    return {name: Progress.from_dict({**row, "name": name}) for name, row in stored.items()}


def get(db_url: str, name: str) -> Progress:
    return load_all(db_url).get(name, Progress(name))


def _save(db_url: str, progress: Progress) -> Progress:
    data = _read_all()
    row = asdict(progress)
    row.pop("name")
    data.setdefault(db_url, {})[progress.name] = row
    _write_all(data)
    return progress


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record_verify(db_url: str, name: str, passed: bool) -> Progress:
    """One more attempt; a pass marks the exercise done (and it stays done)."""
    progress = get(db_url, name)
    progress.attempts += 1
    progress.last_passed = passed
    progress.last_verified_at = _now()
    if passed and not progress.done:
        progress.done, progress.done_at = True, progress.last_verified_at
    return _save(db_url, progress)


def record_hint(db_url: str, name: str, total: int) -> Progress:
    """One more hint shown (never more than the exercise has)."""
    progress = get(db_url, name)
    progress.hints_shown = min(progress.hints_shown + 1, total)
    return _save(db_url, progress)
