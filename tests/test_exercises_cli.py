"""`studytool exercise ...` as a learner runs it: real child processes, exit codes, one-line
errors, progress kept between runs."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from studytool.exercises import EXERCISES, exercises_for_question, get_exercise, solution_file
from studytool.exercises import progress as prog

SOLUTIONS = Path(__file__).parent / "exercise_solutions"


def run(args: list[str], env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studytool", "exercise", *args],
                          capture_output=True, text=True, env=env, timeout=timeout)


def test_list_shows_the_fixed_order_all_pending(child_env):
    result = run(["list"], child_env)
    assert result.returncode == 0, result.stderr
    names = [line.split()[1] for line in result.stdout.splitlines() if line[:3].strip()[:-1]
             .isdigit()]
    assert names == [ex.name for ex in EXERCISES]
    assert names[:1] == ["third-word"] and names[-1] == "gru"
    assert "0 of 7 done" in result.stdout
    rows = json.loads(run(["list", "--json"], child_env).stdout)
    assert [r["status"] for r in rows] == ["pending"] * len(EXERCISES)


def test_start_writes_the_scaffold_and_never_overwrites(child_env, tmp_path):
    ws = tmp_path / "ws"
    first = run(["start", "gru", "--dir", str(ws)], child_env)
    assert first.returncode == 0, first.stderr
    path = ws / "gru.py"
    assert path.read_text() == get_exercise("gru").scaffold
    assert "raise NotImplementedError" in path.read_text()
    path.write_text("# my work\n")
    again = run(["start", "gru", "--dir", str(ws)], child_env)
    assert again.returncode == 0
    assert "already exists" in again.stdout
    assert path.read_text() == "# my work\n"


def test_start_defaults_to_the_data_directory(child_env, tmp_path):
    result = run(["start", "dropout"], child_env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "home" / "exercises" / "dropout.py").is_file()


def _read_until(proc: subprocess.Popen, words: str, seen: list[str]) -> None:
    for line in proc.stdout:
        seen.append(line)
        if words in line:
            return
    raise AssertionError(f"never printed {words!r}: {''.join(seen)}")


@pytest.mark.slow
def test_verify_watch_scaffold_then_saved_solution_updates_progress(child_env, tmp_path):
    ws = tmp_path / "ws"
    run(["start", "ar-tar", "--dir", str(ws)], child_env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "studytool", "exercise", "verify", "ar-tar", "--dir", str(ws),
         "--watch", "--timeout", "20"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env)
    seen: list[str] = []
    try:
        _read_until(proc, "watching ar_tar.py", seen)
        first = "".join(seen)
        assert "FAIL" in first and "not implemented yet" in first
        assert "ar-tar: 3 of 4 checks did not pass" in first  # the error line, not a crash
        seen.clear()
        shutil.copy(solution_file(get_exercise("ar-tar")), ws / "ar_tar.py")
        _read_until(proc, "all 4 checks passed", seen)
        _read_until(proc, "watching ar_tar.py", seen)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped watching" in out
    assert "Traceback" not in "".join(seen) + out + err

    rows = {r["name"]: r for r in json.loads(run(["list", "--json"], child_env).stdout)}
    assert rows["ar-tar"]["status"] == "done"
    assert rows["ar-tar"]["attempts"] == 2
    assert rows["gru"]["status"] == "pending"


@pytest.mark.slow
def test_verify_exit_codes_and_json(child_env, tmp_path):
    ws = tmp_path / "ws"
    run(["start", "ar-tar", "--dir", str(ws)], child_env)
    failed = run(["verify", "ar-tar", "--dir", str(ws), "--json", "--timeout", "20"], child_env)
    assert failed.returncode == 1
    report = json.loads(failed.stdout)
    assert not report["passed"]
    assert any("not implemented yet" in c["message"] for c in report["checks"])
    assert failed.stderr.startswith("error: ar-tar: ")
    assert "Traceback" not in failed.stderr


@pytest.mark.slow
def test_hints_come_one_at_a_time_and_are_counted(child_env):
    hints = get_exercise("dropout").hints
    outputs = [run(["hint", "dropout"], child_env).stdout for _ in range(len(hints) + 1)]
    for number, (text, out) in enumerate(zip(hints, outputs, strict=False), start=1):
        assert out.startswith(f"hint {number} of {len(hints)}")
        assert text in out
    assert "no more hints" in outputs[-1]
    rows = {r["name"]: r for r in json.loads(run(["list", "--json"], child_env).stdout)}
    assert rows["dropout"]["hints_shown"] == len(hints)


@pytest.mark.slow
def test_bad_input_is_one_error_line_exit_2(child_env, tmp_path):
    for args in (["start", "gruu"], ["verify", "lstm", "--dir", str(tmp_path)], ["hint", "x"]):
        result = run(args, child_env)
        assert result.returncode == 2, args
        assert result.stderr.startswith("error: ")
        assert len(result.stderr.strip().splitlines()) == 1
    unknown = run(["start", "gruu"], child_env)
    assert "did you mean gru" in unknown.stderr
    missing = run(["verify", "lstm", "--dir", str(tmp_path)], child_env)
    assert "exercise start lstm" in missing.stderr


def test_listing_never_imports_torch(child_env):
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "studytool", "exercise",
                             "list"], capture_output=True, text=True, env=child_env, timeout=60)
    assert result.returncode == 0
    modules = {line.split("|")[-1].strip().split(".")[0]
               for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "studytool" in modules and "torch" not in modules
    # What the TUI imports to start, verify, watch and record exercises stays torch-free too.
    probe = ("import sys, studytool.exercises.verify, studytool.exercises.workspace, "
             "studytool.exercises.watch, studytool.exercises.progress, studytool.commands.exercise;"
             " print('torch' in sys.modules)")
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              env=child_env, timeout=60)
    assert imported.stdout.strip() == "False", imported.stderr


def test_catalogue_is_one_ordered_source_of_truth():
    names = [ex.name for ex in EXERCISES]
    assert len(set(names)) == len(names)
    assert len({ex.filename for ex in EXERCISES}) == len(EXERCISES)
    for ex in EXERCISES:
        compile(ex.scaffold, ex.filename, "exec")  # every scaffold is valid Python
        assert ex.hints and ex.questions
        module_file = Path(*ex.checks_module.split(".")).with_suffix(".py")
        assert (Path(__file__).parents[1] / module_file).is_file()
    assert [ex.name for ex in exercises_for_question("ch12-q05")] == ["third-word"]
    assert [ex.name for ex in exercises_for_question("ch12-fr3")] == ["gru"]


def test_progress_is_kept_per_database(tmp_path):
    from studytool.store import open_db

    a, b = open_db(f"sqlite:///{tmp_path / 'a.db'}"), open_db(f"sqlite:///{tmp_path / 'b.db'}")
    assert prog.record_verify(a, "gru", passed=False).attempts == 1
    done = prog.record_verify(a, "gru", passed=True)
    assert done.done and done.attempts == 2 and done.done_at
    still = prog.record_verify(a, "gru", passed=False)
    assert still.done and still.last_passed is False  # done stays done
    assert prog.record_hint(a, "gru", total=2).hints_shown == 1
    assert prog.record_hint(a, "gru", total=2).hints_shown == 2
    assert prog.record_hint(a, "gru", total=2).hints_shown == 2
    assert prog.get(b, "gru") == prog.Progress("gru")
    assert set(prog.load_all(a)) == {"gru"}
    assert done.done_at.tzinfo is not None and prog.get(a, "gru").done_at == done.done_at
    a.close()
    b.close()


def test_progress_lives_in_the_database_table(tmp_path):
    import sqlite3

    from studytool.store import open_db

    db = open_db(f"sqlite:///{tmp_path / 'p.db'}")
    prog.record_verify(db, "lstm", passed=True)
    db.close()
    with sqlite3.connect(tmp_path / "p.db") as conn:
        rows = conn.execute("select name, done, attempts from exercise_progress").fetchall()
    assert rows == [("lstm", 1, 1)]


def test_editor_command_prefers_visual_then_editor(tmp_path):
    from studytool.exercises.workspace import editor_command

    path = tmp_path / "gru.py"
    assert editor_command(path, {"VISUAL": "code --wait", "EDITOR": "vim"}) == \
        ["code", "--wait", str(path)]
    assert editor_command(path, {"EDITOR": "vim"}) == ["vim", str(path)]


@pytest.mark.slow
def test_verify_shows_each_check_s_print_output_under_it(child_env, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    shutil.copy(SOLUTIONS / "harness" / "prints_shapes.py", ws / "dropout.py")
    result = run(["verify", "dropout", "--dir", str(ws), "--timeout", "30"], child_env)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    loads = next(i for i, line in enumerate(lines) if "PASS  loads" in line)
    assert lines[loads + 1:loads + 3] == ["       | hello from import",
                                          "       | straight to fd 1"]
    failing = next(i for i, line in enumerate(lines) if "FAIL  identity in eval mode" in line)
    assert lines[failing + 1].startswith("       | x shape (")
    assert any("earlier bytes of output not kept" in line for line in lines)
    assert len(result.stdout) < 40_000  # the 200 kB prints come back as bounded tails
