"""Bad input, unusable databases and signals, as the hostile tester tried them: each is one
`error:` line and exit 2 with nothing spawned and the database byte for byte as it was, and a
run stopped by SIGTERM is cancelled and stored like one stopped by Ctrl-C."""

from __future__ import annotations

import hashlib
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.runner_helpers import gone, with_fixture_answers

SPY = """\
import os, sys
with open(os.environ["STUDYTOOL_SPAWN_LOG"], "a") as log:
    log.write(" ".join(sys.orig_argv) + "\\n")
"""


@pytest.fixture
def env(child_env, tmp_path: Path) -> dict[str, str]:
    """The fixture answers, a database under tmp_path, and a log of every Python process
    started (a sitecustomize on PYTHONPATH): what tells "nothing spawned" from "spawned and
    thrown away"."""
    env = with_fixture_answers(child_env, tmp_path)
    spy = tmp_path / "spy"
    spy.mkdir()
    (spy / "sitecustomize.py").write_text(SPY)
    env["PYTHONPATH"] = f"{spy}:{env['PYTHONPATH']}"
    env["STUDYTOOL_SPAWN_LOG"] = str(tmp_path / "spawned.log")
    return env


def studytool(env: dict[str, str], *args: str, stdin: str | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studytool", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=timeout)


def spawned(env: dict[str, str]) -> list[str]:
    """The Python processes started besides the command itself."""
    log = Path(env["STUDYTOOL_SPAWN_LOG"])
    lines = log.read_text().splitlines() if log.exists() else []
    return [line for line in lines if " -m studytool " not in f"{line} "]


def snapshot(path: Path) -> tuple[str, list[str], list[str]]:
    """The file's bytes (hashed), its SQL dump, and the files beside it. The dump reads the
    file as immutable, so taking it leaves no -wal or -shm file of its own beside it."""
    beside = sorted(p.name for p in path.parent.iterdir() if p.name != "spawned.log")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        dump = list(conn.iterdump())
    finally:
        conn.close()
    return digest, dump, beside


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-3000:]
    return lines[0]


LONG = "a" * 5000
# `run lmmodel1 ARGS` -> the one error line it gets
LMMODEL1_REFUSALS = {
    "--memory-limit 99999999999999":
        "error: --memory-limit must be from 256 to 1048576 MB, not 99999999999999",
    "--param bs=0": "error: --param bs must be a whole number from 1 to 4096, not 0",
    "--param n_hidden=0": "error: --param n_hidden must be a whole number from 1 to 4096, not 0",
    "--param threads=0": "error: --param threads must be a whole number from 1 to 256, not 0",
    "--param moms=abc": "error: --param moms must be 3 numbers at least 0 and below 1, e.g. "
                        "--param moms=0.95,0.85,0.95; not 'abc'",
    "--param model=lmmodel9": "error: --param model must be one of lmmodel1, lmmodel2, "
                              "lmmodel3, lmmodel4, lmmodel5, lmmodel6, lmmodel7, not 'lmmodel9'",
    "--param model=lmmodel7": "error: --param model=lmmodel7 needs sl, n_layers, p, alpha, "
                              "beta, which lmmodel1 does not have: run lmmodel7 itself",
    "--param lr=NaN": "error: --lr must be a number above 0 and at most 10, not nan",
    "--timeout inf":
        "error: --timeout must be a number of seconds above 0 and at most 604800, not inf",
}
BAD_INPUT = [
    *((["run", "lmmodel1", *args.split()], message) for args, message in LMMODEL1_REFUSALS.items()),
    (["run", "gru-scratch", "--param", "seeds=0,x"],
     "error: --param seeds must be whole numbers from 0 to 4294967295 (at most 100), e.g. "
     "--param seeds=0,1,2; not [0, 'x']"),
    # an exercise's timeout given as each value, and that value as the message shows it
    *((["exercise", "verify", "dropout", "--dir", "{ws}", "--timeout", value],
       f"error: --timeout must be a number of seconds from 0.5 to 3600, not {shown}")
      for value, shown in (("nan", "nan"), ("inf", "inf"), ("1e300", "1e+300"))),
]


@pytest.mark.slow
@pytest.mark.parametrize("args, message", BAD_INPUT, ids=[" ".join(a[:4]) for a, _ in BAD_INPUT])
def test_bad_input_is_one_line_exit_2_nothing_spawned_nothing_stored(env, tmp_path, args,
                                                                     message):
    db = Path(env["STUDYTOOL_DB"].removeprefix("sqlite:///"))
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "dropout.py").write_text("# the learner's file\n")
    assert studytool(env, "decks").returncode == 0  # an existing database, with its decks
    Path(env["STUDYTOOL_SPAWN_LOG"]).unlink()
    before = snapshot(db)

    result = studytool(env, *(a.replace("{ws}", str(workspace)) for a in args))

    assert result.returncode == 2
    assert one_error_line(result) == message
    assert spawned(env) == []
    assert snapshot(db) == before


@pytest.mark.parametrize("url, message", [
    ("sqlite:///{tmp}/x.db?timeout=abc",
     "error: invalid database URL 'sqlite:///{tmp}/x.db?timeout=abc': could not convert string "
     "to float: 'abc'"),
    (f"sqlite:///{{tmp}}/{LONG}.db", "error: cannot use {tmp}/aaaa"),
], ids=["timeout=abc", "5000-character path"])
@pytest.mark.slow
@pytest.mark.parametrize("command", [["decks"], ["stats"], ["run", "fx-ok"],
                                     ["check", "fx-ok"]])
def test_an_unusable_database_url_is_refused_before_anything_runs(env, tmp_path, url, message,
                                                                  command):
    url = url.replace("{tmp}", str(tmp_path))
    result = studytool(env, "--db", url, *command)
    assert result.returncode == 2
    line = one_error_line(result)
    assert line.startswith(message.replace("{tmp}", str(tmp_path)))
    assert len(line) < 600  # the 5000-character path is quoted in part
    if LONG in url:
        assert re.search(r"… \([\d,]+ characters\) as a database file: File name too long$",
                         line), line
    assert spawned(env) == []
    assert not list(tmp_path.glob("x.db*"))


@pytest.mark.slow
def test_run_and_check_refuse_another_programs_database_before_running(env, tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "dropout.py").write_text("# the learner's file\n")
    notes = tmp_path / "notes.db"
    with sqlite3.connect(notes) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    before = notes.read_bytes()
    for command in (["run", "fx-ok"], ["check", "fx-ok"],
                    ["exercise", "verify", "dropout", "--dir", str(workspace)]):
        result = studytool(env, "--db", f"sqlite:///{notes}", *command)
        assert result.returncode == 2, result.stderr
        assert "is not a studytool database" in one_error_line(result)
        assert spawned(env) == []  # it used to train to the end, then throw the result away
    assert notes.read_bytes() == before


def stored_runs(env: dict[str, str]) -> dict[str, str]:
    from studytool.store import open_db
    from studytool.store.runs import recent_runs

    db = open_db(env["STUDYTOOL_DB"])
    try:
        return {run.answer: run.status for run in recent_runs(db)}
    finally:
        db.close()


def test_sigterm_cancels_a_run_stores_it_and_exits_143(env):
    proc = subprocess.Popen([sys.executable, "-m", "studytool", "run", "fx-hang", "--device",
                             "cpu"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    assert proc.stdout is not None
    grandchild = None
    while grandchild is None:
        line = proc.stdout.readline()
        assert line, "the run ended early"
        if line.startswith("grandchild pid "):
            grandchild = int(line.split()[-1])
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 143, err
    assert err.splitlines()[-1] == "error: fx-hang cancelled: cancelled by SIGTERM"
    assert "Traceback" not in err
    assert stored_runs(env) == {"fx-hang": "cancelled"}
    deadline = time.monotonic() + 5
    while not gone(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(grandchild)


def start_check(env: dict[str, str]) -> subprocess.Popen:
    """`check` of three answers on one worker, read until two have finished (fx-hang runs)."""
    proc = subprocess.Popen([sys.executable, "-m", "studytool", "check", "--workers", "1",
                             "fx-ok", "fx-hang", "fx-epochs"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    finished = 0
    while finished < 2:
        line = proc.stdout.readline()
        assert line, "check ended early"
        finished += line.startswith("fx-")
    time.sleep(0.5)
    return proc


@pytest.mark.slow
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_check_stopped_by_a_signal_keeps_every_finished_answer(env, signum, code):
    proc = start_check(env)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert err.strip() == "error: self-check cancelled after 3 of 3 answers"
    summary = out.strip().splitlines()[-1]
    # The cancelled answer is not a failing one.
    assert summary.startswith("2/3 ok in ") and summary.endswith("; cancelled: fx-hang")
    assert stored_runs(env) == {"fx-epochs": "ok", "fx-ok": "ok", "fx-hang": "cancelled"}


@pytest.mark.slow
def test_a_check_killed_outright_has_already_stored_what_finished(env):
    proc = start_check(env)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert stored_runs(env) == {"fx-epochs": "ok", "fx-ok": "ok"}


@pytest.mark.slow
def test_an_error_line_quotes_a_huge_input_line_in_part(env):
    db = Path(env["STUDYTOOL_DB"].removeprefix("sqlite:///"))
    assert studytool(env, "decks").returncode == 0  # an existing database, with its decks
    Path(env["STUDYTOOL_SPAWN_LOG"]).unlink()
    before = snapshot(db)
    huge = "x" * 50_000_000
    result = studytool(env, "review", stdin=f"{huge}\nq\n", timeout=180)
    assert result.returncode == 2
    lines = result.stderr.splitlines()  # the bad command, then how many were bad
    assert len(lines) == 2 and all(line.startswith("error: ") for line in lines)
    assert max(len(line) for line in lines) < 600
    assert "(50,000,002 characters)" in lines[0]  # the quote says how long the input was
    long_value = studytool(env, "run", "fx-epochs", "--param", f"lr={'9' * 100_000}")
    assert long_value.returncode == 2 and len(one_error_line(long_value)) < 600
    assert spawned(env) == []
    assert snapshot(db) == before


@pytest.mark.slow
def test_a_bad_url_query_leaves_the_database_it_names_byte_identical(env):
    # The same refusal as on a new path (timeout=abc), on a database that exists and holds
    # progress: nothing may be opened, written or created beside it before the refusal.
    db = Path(env["STUDYTOOL_DB"].removeprefix("sqlite:///"))
    assert studytool(env, "decks").returncode == 0
    Path(env["STUDYTOOL_SPAWN_LOG"]).unlink()
    before = snapshot(db)
    for command in (["decks"], ["stats"], ["run", "fx-ok"], ["check", "fx-ok"]):
        result = studytool(env, "--db", f"sqlite:///{db}?timeout=abc", *command)
        assert result.returncode == 2
        assert one_error_line(result) == (f"error: invalid database URL 'sqlite:///{db}"
                                          "?timeout=abc': could not convert string to float: "
                                          "'abc'")
    assert spawned(env) == []
    assert snapshot(db) == before
