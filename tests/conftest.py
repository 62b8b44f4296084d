"""Shared fixtures: every test gets its own data directory, so none touches the user's."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("STUDYTOOL_HOME", str(home))
    monkeypatch.delenv("STUDYTOOL_DB", raising=False)
    return home


@pytest.fixture
def studytool_cmd() -> list[str]:
    """The real command, as a child process runs it."""
    return [sys.executable, "-m", "studytool"]


@pytest.fixture
def child_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["STUDYTOOL_HOME"] = str(tmp_path / "home")
    env.pop("STUDYTOOL_DB", None)
    return env
