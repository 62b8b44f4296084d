"""The command line's frame: help, version, error lines and exit codes, and a light start."""

from __future__ import annotations

import subprocess
import sys

from studytool import __version__


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "studytool", *args], capture_output=True,
                          text=True, env=env, timeout=60)


def test_version_prints_the_package_version(child_env):
    result = run(["--version"], child_env)
    assert result.returncode == 0
    assert result.stdout.strip() == f"studytool, version {__version__}"


def test_help_lists_every_command(child_env):
    result = run(["--help"], child_env)
    assert result.returncode == 0
    for name in ("review", "run", "check", "export", "validate", "exercise"):
        assert f"  {name} " in result.stdout


def test_unknown_command_is_one_error_line_exit_2(child_env):
    result = run(["frobnicate"], child_env)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_unknown_option_is_one_error_line_exit_2(child_env):
    result = run(["--bogus"], child_env)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")


def test_help_and_version_never_import_heavy_libraries(child_env):
    # -X importtime writes every imported module to stderr.
    for flag in ("--help", "--version"):
        result = subprocess.run([sys.executable, "-X", "importtime", "-m", "studytool", flag],
                                capture_output=True, text=True, env=child_env, timeout=60)
        modules = {line.split("|")[-1].strip().split(".")[0]
                   for line in result.stderr.splitlines() if line.startswith("import time:")}
        assert "click" in modules  # the probe works
        for heavy in ("torch", "sqlalchemy", "textual", "fsrs", "numpy"):
            assert heavy not in modules, f"{flag} imported {heavy}"


def test_db_url_resolution(monkeypatch, tmp_path):
    from studytool import config

    monkeypatch.setenv("STUDYTOOL_HOME", str(tmp_path / "h"))
    monkeypatch.delenv("STUDYTOOL_DB", raising=False)
    assert config.resolve_db_url() == f"sqlite:///{tmp_path / 'h' / 'studytool.sqlite3'}"
    assert (tmp_path / "h").is_dir()  # created on first use
    monkeypatch.setenv("STUDYTOOL_DB", "sqlite:///env.db")
    assert config.resolve_db_url() == "sqlite:///env.db"
    assert config.resolve_db_url("sqlite:///flag.db") == "sqlite:///flag.db"
