"""The run engine with real child processes and deliberately misbehaving answers."""

from __future__ import annotations

import json
import threading
import time

import pytest
from runner_helpers import gone, gone_within, use_fixture_answers

from answers_code.answer import Answer
from answers_code.check import Check
from answers_code.config import Epochs, Seed, config
from studytool.errors import StudytoolError
from studytool.runner import DeviceUnavailable, run_answer, start_run
from studytool.runner import checks as run_checks


@pytest.fixture(autouse=True)
def fixture_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fixture_answers(monkeypatch)



def grandchild_pid(output: str) -> int:
    return int(output.split("grandchild pid ")[1].split()[0])


def test_a_normal_run_streams_events_and_returns_its_record():
    events: list[dict] = []
    record = run_answer("fx-ok", device="cpu", on_event=events.append)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "result"
    assert {"log", "progress"} <= set(kinds)
    assert events[0]["device"] == "cpu" and events[0]["answer"] == "fx-ok"
    assert record.status == "ok", record.message
    assert record.final == {"value": 42, "accuracy": 0.9, "device_seen": "cpu"}
    assert "hello from the answer" in record.output and "a log event" in record.output
    assert record.checks == [{"label": "accuracy >= 0.5", "passed": True,
                              "message": "accuracy >= 0.5: got 0.9", "advisory": False}]
    assert record.started_at is not None and record.started_at.tzinfo is not None
    assert record.finished_at >= record.started_at
    assert record.torch_version  # reported even when the answer never imports torch


@pytest.mark.slow
def test_epoch_events_become_rows_and_final_holds_the_last_epoch():
    record = run_answer("fx-epochs", {"epochs": 4, "lr": 0.5}, device="cpu")
    assert record.status == "ok"
    assert [row.epoch for row in record.epochs] == [0, 1, 2, 3]
    assert record.params == {"epochs": 4, "lr": 0.5, "seed": 0, "pause": 0.0}
    assert record.epochs[-1].train_loss == pytest.approx(2.0 * 0.5**4)
    assert record.final["accuracy"] == record.epochs[-1].accuracy
    # A torch trainer's tensors arrive as numbers.
    trained = run_answer("fx-train", {"epochs": 2}, device="cpu")
    assert trained.status == "ok", trained.message
    assert isinstance(trained.epochs[1].accuracy, float) and trained.final["accuracy"] > 0.6


@pytest.mark.slow
def test_auto_picks_a_real_device():
    record = run_answer("fx-ok", device="auto")
    assert record.status == "ok"
    assert record.device in ("cuda", "mps", "cpu") and record.final["device_seen"] == record.device


@pytest.mark.slow
def test_timeout_kills_the_whole_group():
    started = time.perf_counter()
    handle = start_run("fx-hang", device="cpu", timeout=1.5)
    record = handle.wait()
    assert record.status == "timeout" and record.message == "timed out after 1.5 s"
    assert time.perf_counter() - started < 4
    assert gone_within(2.0, handle.pid, grandchild_pid(record.output))


def test_cancel_ends_the_run_within_a_second():
    seen = threading.Event()
    handle = start_run("fx-hang", device="cpu",
                       on_event=lambda e: "grandchild" in e.get("text", "") and seen.set())
    assert seen.wait(20)
    started = time.perf_counter()
    handle.cancel()
    record = handle.wait()
    assert time.perf_counter() - started < 1.0
    assert record.status == "cancelled"
    assert gone_within(2.0, handle.pid, grandchild_pid(record.output))


def test_a_segfault_is_a_failed_run_with_the_stderr_tail():
    record = run_answer("fx-crash", device="cpu")
    assert record.status == "failed"
    assert record.message == "worker killed by SIGSEGV before reporting a result"
    assert "Segmentation fault" in record.stderr_tail and "about to crash" in record.stderr_tail


def test_an_early_exit_is_a_failed_run_with_its_code():
    record = run_answer("fx-exit", device="cpu")
    assert record.status == "failed"
    assert record.message == "worker exited with code 3 before reporting a result"
    assert "leaving without a word" in record.stderr_tail


def test_an_exception_is_an_error_with_its_line_and_traceback():
    record = run_answer("fx-raise", device="cpu")
    assert record.status == "error"
    assert record.message == "ValueError: shapes 3 and 4 do not match"
    assert "Traceback" in record.stderr_tail and "raise_" in record.stderr_tail
    assert record.output == "checking shapes"


def test_garbage_on_stdout_is_log_text_and_big_stderr_does_not_block():
    record = run_answer("fx-garbage", device="cpu", timeout=30)
    assert record.status == "ok", record.message
    assert record.final == {"accuracy": 0.75}
    for text in ("plain garbage line", '{"not": "an event"}', "[1, 2, 3]",
                 '{"event": "bogus"}', "half a line without newline", "x" * 100_000):
        assert text in record.output
    assert record.stderr_tail.endswith("e" * 100)


def test_nan_loss_fails_the_run_at_that_epoch():
    record = run_answer("fx-nan", device="cpu")
    assert record.status == "failed"
    assert record.message == "loss became NaN at epoch 2"
    assert len(record.epochs) == 3 and record.epochs[2].train_loss is None  # NaN is not stored
    json.dumps(record.to_json(), allow_nan=False)


def test_running_out_of_memory_is_an_error_not_a_hang():
    record = run_answer("fx-memory", device="cpu", timeout=60, memory_limit_mb=256)
    assert record.status == "error"
    assert record.message.startswith("out of memory: MemoryError")


@pytest.mark.slow
def test_a_missing_device_is_bad_input():
    record = run_answer("fx-ok", device="cpu")
    assert record.status == "ok"
    handle = start_run("fx-ok", device="mps")
    try:
        record = handle.wait()
    except DeviceUnavailable as exc:
        assert str(exc) == "device 'mps' is not available on this machine"
    else:
        assert record.device == "mps"  # a Mac: the device exists


@pytest.fixture
def no_spawn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad input must raise in the parent: spawning a worker fails the test."""
    from studytool.runner import engine

    def spawn(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker was spawned for bad input")

    monkeypatch.setattr(engine, "WorkerProcess", spawn)


@pytest.mark.parametrize(("name", "params", "device", "message"), [
    ("fx-epoch", {}, "cpu", "unknown answer 'fx-epoch' (did you mean fx-epochs"),
    ("fx-epochs", {"epochs": 0}, "cpu", "--epochs must be a whole number from 1 to 1000"),
    ("fx-epochs", {"epochs": 100_000}, "cpu", "--epochs must be a whole number"),
    ("fx-epochs", {"epochs": 2.5}, "cpu", "--epochs must be a whole number"),
    ("fx-epochs", {"lr": -0.1}, "cpu", "--lr must be a number above 0"),
    ("fx-epochs", {"lr": float("nan")}, "cpu", "--lr must be a number above 0"),
    ("fx-epochs", {"lr": "fast"}, "cpu", "--lr must be a number above 0"),
    ("fx-epochs", {"seed": -1}, "cpu", "--seed must be a whole number"),
    ("fx-ok", {"epochs": 3}, "cpu", "answer 'fx-ok' has no parameter 'epochs'"),
    ("fx-ok", {}, "tpu", "unknown device 'tpu'"),
])
def test_bad_requests_raise_before_anything_is_spawned(no_spawn, name, params, device,
                                                       message):
    with pytest.raises(StudytoolError) as info:
        start_run(name, params, device=device)
    assert str(info.value).startswith(message)
    assert info.value.exit_code == 2


def test_bad_timeout_is_bad_input():
    for timeout in (0, -1, float("inf")):
        with pytest.raises(StudytoolError, match="--timeout"):
            start_run("fx-ok", device="cpu", timeout=timeout)


def test_a_broken_event_callback_does_not_lose_the_run():
    def broken(event):
        raise RuntimeError("display bug")

    record = run_answer("fx-epochs", device="cpu", on_event=broken)
    assert record.status == "ok" and len(record.epochs) == 3


Epochs4 = config("Epochs4", epochs=(Epochs, 4))
Epochs4Seeded = config("Epochs4Seeded", Epochs4, seed=(Seed, 0))


def test_checks_decide_only_for_the_settings_they_were_written_for():
    answer = Answer("a", "A", "m:f", ("q",), Epochs4(), quick={"epochs": 1},
                    checks=(Check("accuracy", ">=", 0.5),),
                    quick_checks=(Check("accuracy", ">=", 0.2),))
    rows, decisive = run_checks.evaluate(answer, {"accuracy": 0.3}, {"epochs": 4}, quick=False)
    assert decisive and rows[0]["passed"] is False
    rows, decisive = run_checks.evaluate(answer, {"accuracy": 0.3}, {"epochs": 1}, quick=True)
    assert decisive and rows[0]["passed"] is True
    rows, decisive = run_checks.evaluate(answer, {"accuracy": 0.3}, {"epochs": 2}, quick=False)
    assert not decisive and rows[0]["advisory"] is True
    # The floors are measured over seeds: another seed is still the settings they are for.
    seeded = Answer("a", "A", "m:f", ("q",), Epochs4Seeded(),
                    checks=(Check("accuracy", ">=", 0.5),))
    rows, decisive = run_checks.evaluate(seeded, {"accuracy": 0.3}, {"epochs": 4, "seed": 7},
                                         quick=False)
    assert decisive and rows[0]["passed"] is False and rows[0]["advisory"] is False


def test_a_worker_whose_parent_dies_ends_its_group():
    import subprocess
    import sys

    # A parent process that starts a hanging run, prints the worker's pid, then is killed.
    script = ("import time; from studytool.runner import start_run\n"
              "h = start_run('fx-hang', device='cpu', on_event=lambda e: 'grandchild' in\n"
              "              e.get('text', '') and print(e['text'], flush=True))\n"
              "print(h.pid, flush=True); time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    lines = [parent.stdout.readline(), parent.stdout.readline()]
    worker = int(next(line for line in lines if line.strip().isdigit()))
    grandchild = grandchild_pid(next(line for line in lines if "grandchild" in line))
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 5
    while not (gone(worker) and gone(grandchild)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(worker) and gone(grandchild)


def test_an_import_that_cannot_map_under_a_limit_is_the_limits_error():
    # The user's case: numpy.random's shared object "failed to map segment" at --memory-limit 1.
    record = run_answer("fx-map", device="cpu", timeout=60, memory_limit_mb=256)
    assert record.status == "error"
    assert record.message == ("out of memory: ImportError; the run hit the 256 MB memory limit "
                              "(raise --memory-limit)")
    assert "failed to map segment" in record.stderr_tail  # the detail stays in the record


def test_a_worker_killed_under_a_limit_is_the_limits_error_and_without_one_a_failure():
    record = run_answer("fx-killed", device="cpu", timeout=60, memory_limit_mb=300)
    assert record.status == "error"
    assert record.message == ("out of memory: worker killed by SIGKILL; the run hit the 300 MB "
                              "memory limit (raise --memory-limit)")
    record = run_answer("fx-killed", device="cpu", timeout=60)
    assert record.status == "failed"
    assert record.message == "worker killed by SIGKILL (out of memory?) before reporting a result"


def test_memory_limits_below_the_bound_raise_before_anything_is_spawned(no_spawn):
    from studytool.runner import engine, memory

    for megabytes in (1, memory.MIN_MB - 1, 0, -5, True, 300.5, "512"):
        with pytest.raises(StudytoolError, match="^--memory-limit must be") as info:
            start_run("fx-ok", device="cpu", memory_limit_mb=megabytes)
        assert info.value.exit_code == 2
    assert engine.prepare_job("fx-ok", memory_limit_mb=memory.MIN_MB).memory_limit_mb == 256
