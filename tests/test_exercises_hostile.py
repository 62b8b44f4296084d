"""Learner code that fights the verifier: leftover processes, a killed parent, floods of
output, forged results. Real files, real check processes, real signals."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from studytool.exercises import get_exercise, solution_file
from studytool.exercises.verify import verify_file
from tests.runner_helpers import gone

HOSTILE = Path(__file__).parent / "exercise_solutions" / "hostile"


def as_dropout(tmp_path: Path, fixture: str) -> Path:
    """The fixture copied into a workspace as the dropout exercise's file."""
    path = tmp_path / "dropout.py"
    shutil.copy(HOSTILE / fixture, path)
    return path


def pids_beside(path: Path, count: int, wait: float = 60.0) -> list[int]:
    pids_file = path.with_name("pids.txt")
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if pids_file.exists() and len(pids_file.read_text().split()) >= count:
            return [int(pid) for pid in pids_file.read_text().split()]
        time.sleep(0.05)
    pytest.fail(f"the learner's code never wrote {count} pids")


def marked(pid: int, mark: str) -> bool:
    """Whether `pid` is one of this test's processes (its environment carries `mark`): a pid
    that ended may already belong to someone else's process, which must never be killed."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            return f"STUDYTOOL_TEST_MARK={mark}".encode() in environ.read().split(b"\0")
    except OSError:
        return False


def kill_leftovers(pids: list[int], mark: str) -> None:
    for pid in pids:
        if marked(pid, mark):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def mark(monkeypatch: pytest.MonkeyPatch) -> str:
    """A tag in the environment of every process the test starts (see `marked`)."""
    value = uuid.uuid4().hex
    monkeypatch.setenv("STUDYTOOL_TEST_MARK", value)
    return value


def all_gone(pids: list[int], wait: float) -> list[int]:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if not gone(pid)]
        if not alive:
            return []
        time.sleep(0.05)
    return alive


@pytest.mark.slow
def test_fifty_leftover_processes_neither_stall_the_verify_nor_outlive_it(tmp_path, mark):
    path = as_dropout(tmp_path, "forks_and_sleeps.py")
    started = time.monotonic()
    result = verify_file(get_exercise("dropout"), path, check_timeout=5.0)
    elapsed = time.monotonic() - started
    pids = pids_beside(path, 50, wait=1)
    try:
        assert not result.passed
        assert result.checks[0].label == "loads" and "does not define Dropout" in \
            result.checks[0].message
        # The checks end in seconds; the leftovers held the pipes open, and the verifier
        # waited for them (98 s) before it killed anything.
        assert elapsed < 45, f"verify took {elapsed:.0f} s"
        assert all_gone(pids, wait=2) == [], "left behind (setsid and double forks included)"
    finally:
        kill_leftovers(pids, mark)


@pytest.mark.slow
def test_the_check_process_dies_with_a_verify_killed_by_sigkill(tmp_path, child_env, mark):
    child_env["STUDYTOOL_TEST_MARK"] = mark
    path = as_dropout(tmp_path, "dies_with_parent.py")
    cli = subprocess.Popen([sys.executable, "-m", "studytool", "exercise", "verify", "dropout",
                            "--dir", str(tmp_path), "--timeout", "300"], env=child_env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pids = pids_beside(path, 2)  # the check process (ignoring SIGALRM) and its setsid child
    try:
        cli.send_signal(signal.SIGKILL)
        cli.wait()
        assert all_gone(pids, wait=10) == []
    finally:
        kill_leftovers(pids, mark)


MEASURE = """
import json, sys
from pathlib import Path
from studytool.exercises import get_exercise
from studytool.exercises.verify import verify_file

def peak_kb():
    # VmHWM starts afresh at exec; ru_maxrss keeps the forking parent's (pytest's) peak.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

result = verify_file(get_exercise("dropout"), Path(sys.argv[1]), check_timeout=120.0)
print(json.dumps({"peak_kb": peak_kb(),
                  "output_bytes": getattr(result, "output_bytes", None),
                  "tail": result.stderr_tail,
                  "loads": result.checks[0].message}))
"""


@pytest.mark.slow
def test_a_flood_of_output_is_kept_as_a_tail_and_a_count(tmp_path, child_env):
    path = as_dropout(tmp_path, "prints_a_lot.py")
    measured = subprocess.run([sys.executable, "-c", MEASURE, str(path)], env=child_env,
                              capture_output=True, text=True, timeout=280)
    assert measured.returncode == 0, measured.stderr[-2000:]
    report = json.loads(measured.stdout)
    # The verifier itself (SQLAlchemy not even imported) is about 40 MB; holding the output
    # took it past 300 MB (and a print loop past 4 GB in the app).
    assert report["peak_kb"] < 150_000, f"the verifier peaked at {report['peak_kb']} kB"
    assert report["output_bytes"] >= 300_000_000
    assert report["tail"].rstrip().endswith("the last line")
    assert "does not define Dropout" in report["loads"]


@pytest.mark.slow
def test_results_written_by_the_learners_code_do_not_count(tmp_path, child_env):
    path = as_dropout(tmp_path, "forges_results.py")
    result = verify_file(get_exercise("dropout"), path, check_timeout=10.0)
    assert not result.passed
    forged = next(c for c in result.checks if c.label == "results come from the checks")
    assert forged.status == "failed"
    assert "did not come from the checks" in forged.message
    assert all(c.status != "passed" for c in result.checks)

    listed = subprocess.run([sys.executable, "-m", "studytool", "exercise", "verify",
                             "dropout", "--dir", str(tmp_path), "--timeout", "10"],
                            env=child_env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 1
    status = subprocess.run([sys.executable, "-m", "studytool", "exercise", "list", "--json"],
                            env=child_env, capture_output=True, text=True, timeout=60)
    rows = {row["name"]: row for row in json.loads(status.stdout)}
    assert rows["dropout"]["status"] == "pending"


@pytest.mark.slow
def test_a_genuine_pass_still_counts(tmp_path):
    # The authenticated channel carries an honest file's results unchanged.
    reference = solution_file(get_exercise("dropout"))
    result = verify_file(get_exercise("dropout"), reference, check_timeout=30.0)
    assert result.passed, [(c.label, c.message) for c in result.checks if c.status != "passed"]
    assert all(c.label != "results come from the checks" for c in result.checks)


@pytest.mark.slow
def test_a_relative_workspace_folder_is_found(tmp_path, child_env):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    shutil.copy(solution_file(get_exercise("dropout")),
                workspace / "dropout.py")
    result = subprocess.run([sys.executable, "-m", "studytool", "exercise", "verify",
                             "dropout", "--dir", "ws", "--timeout", "30"], cwd=tmp_path,
                            env=child_env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_list_says_failing_once_a_passing_file_breaks(tmp_path, child_env):
    def studytool(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "studytool", "exercise", *args],
                              env=child_env, capture_output=True, text=True, timeout=180)

    def status() -> str:
        rows = json.loads(studytool("list", "--json").stdout)
        return next(row["status"] for row in rows if row["name"] == "dropout")

    shutil.copy(solution_file(get_exercise("dropout")),
                tmp_path / "dropout.py")
    assert studytool("verify", "dropout", "--dir", str(tmp_path)).returncode == 0
    assert status() == "done"
    (tmp_path / "dropout.py").write_text("# broken while refactoring\n")
    assert studytool("verify", "dropout", "--dir", str(tmp_path)).returncode == 1
    assert status() == "failing"  # it said "done" whatever the file now does
    assert "0 of 7 done" in studytool("list").stdout


def test_the_guard_kills_a_pid_only_while_it_is_still_in_its_tree():
    # Between the guard's scan of /proc and its kill, a pid that ended could be reused by
    # someone else's process: the kill goes through a pidfd, and only to a process whose
    # parent is still in the tree.
    from studytool.exercises import guard

    outsider = subprocess.Popen(["sleep", "30"])
    try:
        guard._kill(outsider.pid, tree={1})  # its parent (this test) is not in that tree
        time.sleep(0.2)
        assert outsider.poll() is None
        guard._kill(outsider.pid, tree={os.getpid()})
        assert outsider.wait(timeout=5) == -signal.SIGKILL
    finally:
        outsider.kill()
        outsider.wait()
