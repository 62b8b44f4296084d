"""The run engine: answers run in a child process that streams JSON-lines events.

`start_run`, `run_answer`, `RunHandle` and `DeviceUnavailable` live in `studytool.runner.engine`
and are imported on first use, so the worker (`python -m studytool.runner.worker`) starts
without loading the parent's machinery.
"""

from __future__ import annotations

from typing import Any

_ENGINE_NAMES = ("start_run", "run_answer", "RunHandle", "DeviceUnavailable", "prepare_job")

__all__ = list(_ENGINE_NAMES)


def __getattr__(name: str) -> Any:
    if name in _ENGINE_NAMES:
        from studytool.runner import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'studytool.runner' has no attribute {name!r}")
