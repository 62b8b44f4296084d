"""A bad --db or a failing database is one `error:` line (no SQL, no traceback), and no
folders or empty databases appear where a typo pointed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def studytool(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studytool", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "SELECT" not in lines[0] and "INSERT" not in lines[0] and "UPDATE" not in lines[0]
    return lines[0]


@pytest.mark.parametrize("url, expected", [
    ("sqlite:///{tmp}", "is a folder, not a database file"),
    ("sqlite:///{tmp}/no/such/folder/x.sqlite3", "does not exist"),
    ("sqlite:///{tmp}/garbage.db", "not a SQLite database"),
    ("garbage://foo", "unknown kind of database 'garbage'"),
    ("", "--db needs a database URL"),
])
def test_bad_database_urls_are_one_line_exit_2(tmp_path: Path, child_env, url, expected):
    (tmp_path / "garbage.db").write_bytes(b"this is not sqlite " * 100)
    result = studytool(child_env, "--db", url.format(tmp=tmp_path), "decks")
    assert result.returncode == 2
    assert expected in one_error_line(result)
    assert not (tmp_path / "no").exists()
    assert (tmp_path / "garbage.db").read_bytes() == b"this is not sqlite " * 100


@pytest.mark.slow
def test_a_read_only_database_refuses_a_rating_in_one_line(tmp_path: Path, child_env):
    path = tmp_path / "p.sqlite3"
    assert studytool(child_env, "--db", f"sqlite:///{path}", "decks").returncode == 0
    before = path.read_bytes()
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    result = studytool(child_env, "--db", read_only, "review", stdin="3\nq\n")
    assert result.returncode == 1
    assert one_error_line(result) == "error: the database is read-only"
    assert path.read_bytes() == before
