"""`studytool check`: one row per answer as it finishes, a pool that survives bad answers."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runner_helpers import with_fixture_answers


@pytest.fixture
def env(child_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return with_fixture_answers(child_env, tmp_path)


def processes_with(marker: str) -> list[int]:
    """Live processes (zombies aside) whose environment holds `marker`: this test's children."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in environ.split(b"\0") and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def check(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "studytool", "check", *args],
                          capture_output=True, text=True, env=env, timeout=240)


@pytest.mark.slow
def test_quick_check_reports_each_answer_and_fails_on_a_failing_check(env):
    result = check(["--quick", "--json", "fx-ok", "fx-epochs", "fx-low"], env)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["mode"] == "quick" and report["ok"] is False
    rows = {row["name"]: row for row in report["answers"]}
    assert [row["name"] for row in report["answers"]] == ["fx-ok", "fx-epochs", "fx-low"]
    assert rows["fx-ok"]["status"] == "ok" and rows["fx-ok"]["figure"] == "accuracy 0.9"
    assert rows["fx-low"]["status"] == "failed"
    assert rows["fx-low"]["message"] == "check failed: beats 0.5: got 0.1"
    assert len(rows["fx-epochs"]["final"]) and rows["fx-epochs"]["status"] == "ok"

    from studytool.store import open_db
    from studytool.store.runs import get_run

    db = open_db(env["STUDYTOOL_DB"])
    try:
        stored = get_run(db, rows["fx-epochs"]["id"])
    finally:
        db.close()
    assert stored is not None and stored.params["epochs"] == 2  # the quick settings
    assert len(stored.epochs) == 2


@pytest.mark.slow
def test_all_passing_exits_0_and_prints_one_row_per_answer(env):
    result = check(["fx-ok", "fx-epochs", "fx-garbage"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "checking 3 answers (quick)"
    rows = [line.split() for line in lines[1:-1]]
    assert sorted(row[0] for row in rows) == ["fx-epochs", "fx-garbage", "fx-ok"]
    assert all(row[1] == "ok" for row in rows)
    assert lines[-1].startswith("3/3 ok in ")


@pytest.mark.slow
def test_the_pool_survives_crashes_hangs_and_errors(env):
    names = ["fx-crash", "fx-ok", "fx-hang", "fx-exit", "fx-raise", "fx-nan", "fx-epochs"]
    started = time.perf_counter()
    result = check(["--json", "--workers", "2", "--timeout", "2", *names], env)
    assert time.perf_counter() - started < 60
    assert result.returncode == 1
    status = {row["name"]: row["status"] for row in json.loads(result.stdout)["answers"]}
    assert status == {"fx-crash": "failed", "fx-ok": "ok", "fx-hang": "timeout",
                      "fx-exit": "failed", "fx-raise": "error", "fx-nan": "failed",
                      "fx-epochs": "ok"}


@pytest.mark.slow
def test_full_mode_uses_the_default_settings(env):
    result = check(["--full", "--json", "fx-epochs"], env)
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)["answers"]
    assert row["checks"][0]["advisory"] is False and row["checks"][0]["passed"]


@pytest.mark.slow
def test_full_mode_runs_a_wide_band_answer_per_seed_and_checks_the_median(env):
    result = check(["--full", "--json", "fx-seeded"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    runs = report["answers"]
    assert [(r["name"], r["params"]["seed"]) for r in runs] == [
        ("fx-seeded", 0), ("fx-seeded", 1), ("fx-seeded", 2)]
    assert all(r["status"] == "ok" and not r["checks"][0]["advisory"] for r in runs)
    [median] = report["medians"]
    assert median["passed"] and median["values"] == [0.7, 0.5, 0.8]
    assert median["message"] == "median at least 0.65: got 0.7"

    text = check(["--full", "fx-seeded"], env)
    assert text.returncode == 0
    names = [line.split()[:2] for line in text.stdout.splitlines()[1:4]]
    assert sorted(names) == [["fx-seeded", "s0"], ["fx-seeded", "s1"], ["fx-seeded", "s2"]]
    assert "fx-seeded  ok  median at least 0.65: got 0.7 (seeds 0, 1, 2: 0.7000, 0.5000, " \
           "0.8000)" in text.stdout


@pytest.mark.slow
def test_a_median_below_its_floor_fails_the_check_though_every_run_passed(env):
    result = check(["--full", "fx-seeded-low"], env)
    assert result.returncode == 1
    assert "3/3 ok" in result.stdout and "medians failing: fx-seeded-low" in result.stdout
    assert result.stderr.strip() == "error: median over seeds below its floor: fx-seeded-low"
    quick = check(["--quick", "--json", "fx-seeded-low"], env)  # quick: one run, no median
    assert quick.returncode == 0 and len(json.loads(quick.stdout)["answers"]) == 1


def test_an_unknown_name_is_bad_input(env):
    result = check(["fx-okk"], env)
    assert result.returncode == 2
    assert result.stderr.startswith("error: unknown answer 'fx-okk' (did you mean fx-ok")


@pytest.mark.slow
def test_the_real_catalogue_passes_its_quick_check(child_env, tmp_path):
    # The 60 s target for --quick is measured on an idle machine (benchmark notes in the
    # issue); here other work may share the cores, so only the outcome is asserted.
    from answers_code.registry import REQUIRED_NAMES

    child_env["STUDYTOOL_DB"] = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    child_env.pop("STUDYTOOL_EXTRA_ANSWERS", None)
    result = check(["--quick", "--json"], child_env)
    report = json.loads(result.stdout)
    bad = {row["name"]: row["message"] for row in report["answers"] if row["status"] != "ok"}
    assert result.returncode == 0 and not bad, bad
    assert set(REQUIRED_NAMES) <= {row["name"] for row in report["answers"]}


@pytest.mark.slow
def test_ctrl_c_stops_the_check_and_keeps_what_finished(env):
    import signal

    proc = subprocess.Popen([sys.executable, "-m", "studytool", "check", "--workers", "1",
                             "fx-ok", "fx-hang", "fx-epochs"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    seen = []
    while len(seen) < 2:  # fx-epochs (trains: first), then fx-ok; fx-hang is running now
        line = proc.stdout.readline()
        assert line, "check ended early"
        if line.startswith("fx-"):
            seen.append(line.split()[0])
    time.sleep(1)
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert time.monotonic() - started < 2
    assert err.strip() == "error: self-check cancelled after 3 of 3 answers"
    assert "fx-hang" in out and "cancelled" in out
    assert processes_with(f"STUDYTOOL_DB={env['STUDYTOOL_DB']}") == []  # worker, sleep: gone

    from studytool.store import open_db
    from studytool.store.runs import recent_runs

    db = open_db(env["STUDYTOOL_DB"])
    try:
        stored = {run.answer: run.status for run in recent_runs(db)}
    finally:
        db.close()
    assert stored == {"fx-epochs": "ok", "fx-ok": "ok", "fx-hang": "cancelled"}


@pytest.mark.slow
def test_the_check_parent_never_imports_torch(env):
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "studytool", "check",
                             "--json", "fx-train", "fx-ok"], capture_output=True, text=True,
                            env=env, timeout=240)
    assert result.returncode == 0, result.stdout
    assert all(row["status"] == "ok" for row in json.loads(result.stdout)["answers"])
    modules = {line.split("|")[-1].strip().split(".")[0]
               for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "click" in modules and "torch" not in modules


@pytest.mark.slow
def test_an_answer_cannot_change_the_next_ones_torch_settings(env, tmp_path):
    # One warm worker runs both; the second must see a fresh process's settings.
    result = subprocess.run([sys.executable, "-m", "studytool", "check", "--json", "--workers",
                             "1", "fx-meddle", "fx-state"], capture_output=True, text=True,
                            env=env, timeout=240, cwd=tmp_path)
    rows = {row["name"]: row for row in json.loads(result.stdout)["answers"]}
    assert rows["fx-meddle"]["final"] == {"dtype": "torch.float64"}
    assert rows["fx-state"]["final"] == {"dtype": "torch.float32", "grad": True,
                                         "cwd": str(tmp_path)}


@pytest.mark.slow
def test_check_rows_are_aligned_and_a_failure_is_one_error_line(env):
    import re

    env["COLUMNS"] = "80"
    result = check(["fx-ok", "fx-tiny", "fx-low", "fx-raise", "fx-garbage"], env)
    assert result.returncode == 1
    assert result.stderr == "error: 2 of 5 answers not ok: fx-low (failed), fx-raise (error)\n"
    rows = result.stdout.splitlines()[1:-1]
    assert len(rows) == 5
    # Where each column starts (or, right-aligned, ends) must be the same on every row.
    spans = [[m.span() for m in re.finditer(r"\S+", row)] for row in rows]
    status_starts = {span[1][0] for span in spans}
    seconds = [next(i for i, (a, b) in enumerate(span) if re.fullmatch(r"\d+\.\ds", row[a:b]))
               for span, row in zip(spans, rows, strict=True)]
    seconds_ends = {span[i][1] for span, i in zip(spans, seconds, strict=True)}
    figured = [(span, i) for span, i in zip(spans, seconds, strict=True) if i == 4]
    key_starts = {span[2][0] for span, _ in figured}
    value_ends = {span[3][1] for span, _ in figured}
    assert len(figured) == 4  # fx-raise has no figure
    assert [len(s) for s in (status_starts, seconds_ends, key_starts, value_ends)] == [1] * 4
    assert max(seconds_ends) <= 80
    tiny = next(row for row in rows if row.startswith("fx-tiny"))
    assert tiny.split()[2:4] == ["spacing_near_0", "1.401e-45"]  # its first number, readable
    assert next(row for row in rows if row.startswith("fx-low")).endswith(
        "check failed: beats 0.5: got 0.1")
