"""`studytool run` and `studytool answers` as a user runs them: real processes, real SQLite."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from runner_helpers import gone, with_fixture_answers

RUN_KEYS = ["answer", "status", "device", "params", "epochs", "final", "seconds", "message"]
EPOCH_KEYS = ["epoch", "train_loss", "valid_loss", "accuracy", "seconds"]


@pytest.fixture
def env(child_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return with_fixture_answers(child_env, tmp_path)


def studytool(args: list[str], env: dict[str, str], timeout: float = 120,
              flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *flags, "-m", "studytool", *args],
                          capture_output=True, text=True, env=env, timeout=timeout)


def stored_runs(env: dict[str, str]) -> list:
    from studytool.store import open_db
    from studytool.store.runs import recent_runs

    url = env["STUDYTOOL_DB"]
    if not Path(url.removeprefix("sqlite:///")).exists():
        return []
    db = open_db(url)
    try:
        return recent_runs(db)
    finally:
        db.close()



def test_run_json_prints_the_design_object_and_stores_the_run(env):
    result = studytool(["run", "fx-epochs", "--device", "cpu", "--epochs", "2", "--seed", "7",
                        "--json"], env)
    assert result.returncode == 0, result.stderr
    obj = json.loads(result.stdout)  # the whole stdout is one JSON object
    assert list(obj)[:8] == RUN_KEYS
    assert obj["answer"] == "fx-epochs" and obj["status"] == "ok" and obj["device"] == "cpu"
    assert obj["params"] == {"epochs": 2, "lr": 0.1, "seed": 7, "pause": 0.0}
    assert [list(row) for row in obj["epochs"]] == [EPOCH_KEYS, EPOCH_KEYS]
    assert obj["final"]["accuracy"] == obj["epochs"][-1]["accuracy"]
    assert isinstance(obj["seconds"], float) and isinstance(obj["message"], str)
    [run] = stored_runs(env)
    assert run.id == obj["id"] and run.answer == "fx-epochs" and run.status == "ok"
    assert [e.accuracy for e in run.epochs] == [e["accuracy"] for e in obj["epochs"]]
    assert run.params == obj["params"] and run.torch_version == obj["torch_version"]


def test_run_shows_epochs_beside_the_book_then_final_figures_and_checks(env):
    result = studytool(["run", "fx-epochs", "--device", "cpu"], env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    epoch_lines = [line for line in lines if line.startswith("epoch ")]
    assert len(epoch_lines) == 3
    assert "(book accuracy 0.4676)" in epoch_lines[0]  # lmmodel1's first row in the book
    assert "PASS reaches 0.5" in result.stdout
    assert any(line.startswith("ok · fx-epochs · cpu") for line in lines)


@pytest.mark.slow
def test_a_failing_run_exits_1_and_is_stored_with_its_reason(env):
    result = studytool(["run", "fx-raise", "--device", "cpu"], env)
    assert result.returncode == 1
    assert "ValueError: shapes 3 and 4 do not match" in result.stdout
    assert "Traceback" in result.stdout  # the stderr tail is shown
    result = studytool(["run", "fx-low", "--device", "cpu", "--json"], env)
    assert result.returncode == 1
    assert json.loads(result.stdout)["message"] == "check failed: beats 0.5: got 0.1"
    assert [(r.answer, r.status) for r in stored_runs(env)] == [("fx-low", "failed"),
                                                                  ("fx-raise", "error")]


@pytest.mark.slow
def test_timeout_is_reported_and_stored(env):
    result = studytool(["run", "fx-hang", "--device", "cpu", "--timeout", "1", "--json"], env)
    assert result.returncode == 1
    obj = json.loads(result.stdout)
    assert obj["status"] == "timeout" and obj["message"] == "timed out after 1 s"
    assert stored_runs(env)[0].status == "timeout"


# answer -> option -> the values of it that are refused
REFUSED = {
    "fx-epochs": {"--epochs": ("-3", "5000", "two"), "--lr": ("fast", "0", "inf"),
                  "--seed": ("1.5",), "--device": ("tpu",), "--timeout": ("-1",)},
    "fx-ok": {"--memory-limit": ("1", "255", "lots"), "--epochs": ("2",)},  # fx-ok takes no epochs
}


@pytest.mark.parametrize("args", [
    ["run", "fx-epoch"],
    *(["run", answer, option, value] for answer, options in REFUSED.items()
      for option, values in options.items() for value in values),
    ["run"],
])
def test_bad_input_is_one_error_line_exit_2_and_stores_nothing(env, args):
    result = studytool(args, env, timeout=60)
    assert result.returncode == 2, result.stdout
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert stored_runs(env) == []


def test_unknown_names_suggest_close_ones(env):
    result = studytool(["run", "fx-epoch"], env)
    assert result.stderr.strip() == ("error: unknown answer 'fx-epoch' "
                                     "(did you mean fx-epochs, fx-epochs15, fx-crash?)")


@pytest.mark.slow
def test_an_absent_device_is_bad_input_and_stores_nothing(env):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = studytool(["run", "fx-ok", "--device", "cuda", "--json"], env)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: device 'cuda' is not available on this machine"
    assert result.stdout == "" and stored_runs(env) == []


@pytest.mark.slow
def test_ctrl_c_cancels_within_a_second_and_leaves_no_process(env):
    # A learner's database exists after the first run; creating a fresh one (about a second of
    # SQLAlchemy import and migrations) is a one-time cost this test is not about.
    assert studytool(["run", "fx-ok", "--device", "cpu"], env).returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "studytool", "run", "fx-hang", "--device",
                             "cpu"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    assert proc.stdout is not None
    grandchild = None
    deadline = time.monotonic() + 30
    while grandchild is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("grandchild pid "):
            grandchild = int(line.split()[-1])
    assert grandchild is not None
    with open(f"/proc/{grandchild}/stat", encoding="ascii") as stat:
        worker = int(stat.read().rsplit(")", 1)[1].split()[1])  # the grandchild's parent
    # The database is open before the run starts, so storing the cancelled run is quick.
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    while not (gone(worker) and gone(grandchild)) and time.monotonic() - started < 5:
        time.sleep(0.01)
    killed = time.monotonic() - started
    out, err = proc.communicate(timeout=10)
    elapsed = time.monotonic() - started
    assert proc.returncode == 130, err
    assert killed < 0.5, f"the child group lived {killed:.2f} s after Ctrl-C"
    assert elapsed < 1.0, f"the command took {elapsed:.2f} s to exit"
    assert "cancelled" in out
    run = stored_runs(env)[0]
    assert run.status == "cancelled" and run.answer == "fx-hang"


@pytest.mark.slow
def test_the_parent_never_imports_torch(env):
    result = studytool(["run", "fx-train", "--epochs", "1", "--json"], env,
                       flags=("-X", "importtime"))
    assert result.returncode == 0, result.stderr[-2000:]
    obj = json.loads(result.stdout)
    assert obj["torch_version"].startswith("2.")  # the child did import torch
    modules = {line.split("|")[-1].strip().split(".")[0]
               for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "click" in modules and "torch" not in modules


def test_answers_lists_names_and_questions(env):
    result = studytool(["answers", "--json"], env)
    assert result.returncode == 0
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["fx-epochs"]["questions"] == ["ch12-q01"] and rows["fx-epochs"]["trains"]
    text = studytool(["answers"], env)
    assert text.returncode == 0 and "fx-epochs" in text.stdout


def test_printed_output_is_in_the_json_and_the_store(env):
    result = studytool(["run", "fx-ok", "--device", "cpu", "--json"], env)
    assert result.returncode == 0
    obj = json.loads(result.stdout)
    assert obj["output"] == "hello from the answer\na log event"
    assert obj["final"] == {"value": 42, "accuracy": 0.9, "device_seen": "cpu"}
    [run] = stored_runs(env)
    assert run.output == obj["output"] and run.final == obj["final"]
    assert run.checks == obj["checks"] and run.checks[0]["passed"] is True


@pytest.mark.slow
def test_on_a_pipe_each_epoch_line_comes_as_the_epoch_ends(env):
    # 15 epochs, 0.3 s apart: the first line must arrive while the run still goes.
    proc = subprocess.Popen([sys.executable, "-m", "studytool", "run", "fx-epochs15",
                             "--device", "cpu", "--param", "pause=0.3"],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        seen: list[str] = []
        for line in proc.stdout:
            if line.startswith("epoch "):
                seen.append(line)
                if len(seen) == 1:
                    assert proc.poll() is None, "the first epoch came only when the run ended"
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
    assert len(seen) == 15 and seen[0].startswith("epoch 0") and "[1/15]" in seen[0]
    assert "[15/15]" in seen[-1]


def _tmux_run(env: dict[str, str], tmp_path: Path, command: str, size: tuple[int, int],
              mid_run: Callable[[str], bool]) -> tuple[str, str]:
    """Run `studytool COMMAND` in a tmux terminal of `size`: (the screen the first moment
    `mid_run(screen)` holds while the command still runs, the screen at the end)."""
    import shlex
    import shutil

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    session = f"st-run-{os.getpid()}-{time.monotonic_ns()}"
    exports = " ".join(f"{k}={shlex.quote(env[k])}" for k in
                       ("STUDYTOOL_EXTRA_ANSWERS", "PYTHONPATH", "STUDYTOOL_DB",
                        "STUDYTOOL_HOME", "TERM"))
    done = tmp_path / "done"
    # COLUMNS: a tmux server started by another test may hold a smaller default size.
    line = (f"env COLUMNS={size[0]} LINES={size[1]} {exports} {shlex.quote(sys.executable)} "
            f"-m studytool {command}; echo $? > {done}; sleep 30")
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(size[0]),
                    "-y", str(size[1]), line], check=True)

    def screen() -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-S", "-200", "-t", session],
                              capture_output=True, text=True).stdout

    try:
        deadline = time.monotonic() + 60
        during = ""
        while not done.exists() and time.monotonic() < deadline:
            now = screen()
            if not during and mid_run(now) and not done.exists():
                during = now
            time.sleep(0.1)
        assert done.read_text().strip() == "0"
        return during, screen()
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


@pytest.mark.slow
def test_on_a_terminal_the_epoch_table_sits_beside_the_book(env, tmp_path):
    env["TERM"] = "xterm-256color"
    _during, screen = _tmux_run(env, tmp_path, "run fx-epochs --device cpu", (120, 40),
                                lambda _s: False)
    header = next((line for line in screen.splitlines() if "book accuracy" in line), "")
    assert "train_loss" in header, screen
    assert header.index("accuracy") < header.index("book"), screen
    assert "0.4676" in screen  # the book's first LMModel1 accuracy, beside epoch 0
    assert "PASS reaches 0.5" in screen and "ok · fx-epochs · cpu" in screen


@pytest.mark.slow
@pytest.mark.parametrize("term", ["xterm-256color", "dumb"])
def test_at_80x24_a_run_shows_its_epochs_and_progress_while_it_goes(env, tmp_path, term):
    # TERM=dumb: rich draws its live view only when it stops, so such a terminal showed
    # nothing until the end; it gets the plain lines instead.
    env["TERM"] = term
    during, end = _tmux_run(env, tmp_path, "run fx-epochs15 --device cpu --param pause=0.3",
                            (80, 24), lambda s: "/15" in s and "ok · fx-epochs15" not in s)
    assert during, "no progress was shown before the run ended"
    if term == "dumb":  # the plain lines, each with how far the run is
        assert re.search(r"^epoch 0 .*\[1/15\]", during, re.MULTILINE)
    else:  # the bar with its count, above the epoch table filling in
        assert re.search(r"━.* \d+/15 ", during) and "accuracy" in during
    assert "ok · fx-epochs15 · cpu" in end


@pytest.mark.slow
def test_a_run_that_hits_its_memory_limit_says_so_in_one_line(env):
    result = studytool(["run", "fx-map", "--device", "cpu", "--memory-limit", "256"], env)
    assert result.returncode == 1
    reason = ("out of memory: ImportError; the run hit the 256 MB memory limit "
              "(raise --memory-limit)")
    assert result.stderr == f"error: fx-map error: {reason}\n"
    assert reason in result.stdout.splitlines()  # one line, not wrapped at 80 columns
    assert "Traceback" not in result.stdout and "failed to map" not in result.stdout
    [run] = stored_runs(env)
    assert run.status == "error" and "failed to map segment" in run.stderr_tail


def test_a_memory_limit_below_the_bound_names_it(env):
    result = studytool(["run", "fx-ok", "--memory-limit", "1"], env)
    assert result.stderr == "error: --memory-limit must be from 256 to 1048576 MB, not 1\n"


@pytest.mark.slow
def test_a_run_that_is_not_ok_also_says_so_on_stderr(env):
    result = studytool(["run", "fx-raise", "--device", "cpu"], env)
    assert result.returncode == 1
    assert result.stderr == "error: fx-raise error: ValueError: shapes 3 and 4 do not match\n"
    result = studytool(["run", "fx-low", "--device", "cpu", "--json"], env)
    assert result.returncode == 1
    assert json.loads(result.stdout)["status"] == "failed"  # stdout stays pure JSON
    assert result.stderr == "error: fx-low failed: check failed: beats 0.5: got 0.1\n"
    result = studytool(["run", "fx-hang", "--device", "cpu", "--timeout", "1"], env)
    assert result.returncode == 1
    assert result.stderr == "error: fx-hang timeout: timed out after 1 s\n"
    ok = studytool(["run", "fx-ok", "--device", "cpu"], env)
    assert ok.returncode == 0 and ok.stderr == ""


def test_final_figures_keep_significant_digits_and_no_params_no_parentheses(env):
    result = studytool(["run", "fx-tiny", "--device", "cpu"], env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "running fx-tiny"
    cells = {parts[0]: parts[1] for parts in
             (line.strip("│ ").split("│") for line in lines if line.startswith("│"))}
    cells = {k.strip(): v.strip() for k, v in cells.items()}
    assert cells == {"spacing_near_0": "1.401e-45", "eps": "1.192e-07",
                     "accuracies": "[0.4762, 0.5]", "spacing_near_1e8": "8", "count": "3",
                     "huge": "4.295e+09"}


@pytest.mark.slow
def test_book_figures_from_another_schedule_length_are_labelled(env):
    result = studytool(["run", "fx-epochs", "--device", "cpu"], env)  # 3 epochs; the book 4
    assert result.returncode == 0, result.stderr
    epoch_lines = [line for line in result.stdout.splitlines() if line.startswith("epoch ")]
    assert all(line.endswith("(book's 4-epoch schedule)") for line in epoch_lines)
    assert "book's final accuracy after its 4 epochs: 0.4944" in result.stdout
    same = studytool(["run", "fx-epochs", "--device", "cpu", "--epochs", "4"], env)
    epoch_lines = [line for line in same.stdout.splitlines() if line.startswith("epoch ")]
    assert len(epoch_lines) == 4 and "schedule" not in same.stdout
    assert epoch_lines[3].endswith("(book accuracy 0.4944)")
    quick = studytool(["run", "fx-epochs", "--device", "cpu", "--quick"], env)
    assert "(this run: 2 of 3 epochs (a quick run: not the book's schedule))" in quick.stdout


def column_starts(header: str, names: list[str]) -> list[int]:
    return [header.index(name) for name in names]


def test_answers_is_an_aligned_table_within_80_columns(env):
    env["COLUMNS"] = "80"
    rows = {row["name"]: row for row in json.loads(studytool(["answers", "--json"], env).stdout)}
    lines = studytool(["answers"], env).stdout.splitlines()
    starts = column_starts(lines[0], ["name", "trains", "questions", "title"])
    assert starts[0] == 0 and len(lines) == len(rows) + 1
    for line in lines[1:]:
        assert len(line) <= 80, line
        name, trains, questions, title = (line[a:b].strip() for a, b in
                                          zip(starts, [*starts[1:], None], strict=True))
        row = rows[name]
        assert all(line[start - 1] == " " for start in starts[1:])  # no cell runs over
        assert trains == ("yes" if row["trains"] else "")
        assert questions.split() == [q.split("-", 1)[1] for q in row["questions"]]
        assert title == row["title"] or (title.endswith("…")
                                         and row["title"].startswith(title[:-1]))
    assert any(line.endswith("…") for line in lines)  # the real catalogue has long titles


def test_the_books_lmmodel7_train_loss_column_is_marked_with_why():
    from io import StringIO

    from rich.console import Console

    from answers_code.registry import get
    from studytool.commands.run_view import RunView

    answer = get("lmmodel7")
    view = RunView(Console(file=StringIO(), width=200), answer, answer.params_for(True))
    table = view.epoch_table()
    headers = [str(column.header) for column in table.columns]
    assert "book train_loss*" in headers and "book valid_loss" in headers
    assert "the book's train_loss includes AR and TAR" in str(table.caption)
    assert "1 of 15 epochs (a quick run" in str(table.caption)
    six = RunView(Console(file=StringIO()), get("lmmodel6"), get("lmmodel6").params_for(False))
    assert "book train_loss" in [str(c.header) for c in six.epoch_table().columns]
    assert six.epoch_table().caption is None


def test_the_summary_prints_checks_and_names_as_text_never_markup() -> None:
    """A check's message, the answer and the device come from the child process and the
    answer files: `[batch, 10]` is a shape to show, `[red]` two brackets and a word."""
    import io

    from rich.console import Console

    from studytool.commands.run_view import print_summary
    from studytool.run_record import RunRecord

    record = RunRecord(answer="mine[red]", status="failed", device="cpu[/]", seconds=1.0,
                       checks=[{"label": "shape", "passed": True,
                                "message": "expected shape [batch, 10]"},
                               {"label": "loss", "passed": False, "advisory": True,
                                "message": "loss [bold]went up[/bold]"}])
    out = io.StringIO()
    print_summary(Console(file=out, width=120, color_system=None), record, None)
    lines = out.getvalue().splitlines()
    assert "PASS expected shape [batch, 10]" in lines
    assert "FAIL loss [bold]went up[/bold] (advisory)" in lines
    assert "failed · mine[red] · cpu[/] · 1.0 s" in lines
