"""What the run engine's tests share: the fixture answers' environment, a process's end."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_MODULE = "studytool_fixture_answers"


def with_fixture_answers(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """`env` for a child `studytool` that also knows the fixture answers and stores its runs
    in a fresh SQLite file under `tmp_path`."""
    env["STUDYTOOL_EXTRA_ANSWERS"] = FIXTURE_MODULE
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = f"{FIXTURES}{os.pathsep}{path}" if path else str(FIXTURES)
    env["STUDYTOOL_DB"] = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    return env


def use_fixture_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run engine's fixture answers (fx-*), for this process and its worker children."""
    monkeypatch.setenv("STUDYTOOL_EXTRA_ANSWERS", FIXTURE_MODULE)
    paths = [str(FIXTURES), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    monkeypatch.syspath_prepend(str(FIXTURES))


def gone(pid: int) -> bool:
    """True once `pid` no longer runs (a zombie waiting for an init that never reaps counts)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def gone_within(seconds: float, *pids: int) -> bool:
    """True once every pid has ended, waiting up to `seconds`: a SIGKILL is delivered
    asynchronously, so a grandchild may still be dying when its group leader is reaped."""
    deadline = time.monotonic() + seconds
    while not all(gone(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
