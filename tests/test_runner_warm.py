"""The warm spare worker (studytool.runner.warm) with real child processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from runner_helpers import FIXTURES, gone_within, use_fixture_answers

from studytool.runner import run_answer, start_run
from studytool.runner.warm import Spares

pytestmark = pytest.mark.slow  # every test here starts workers that import torch


@pytest.fixture(autouse=True)
def fixture_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fixture_answers(monkeypatch)


@pytest.fixture
def spares():
    pool = Spares()
    yield pool
    pool.close()


def _ready(pool: Spares, timeout: float = 90.0) -> int:
    """The pid of the spare once it has warmed up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        spare = pool.spare
        if spare is not None and spare.ready.wait(0.1):
            return spare.pid
    raise AssertionError("no warm spare in time")


def _first_epoch(pool: Spares | None) -> tuple[float, object]:
    """Seconds from asking for a run of lmmodel1 (1 epoch) to its first epoch; its record."""
    seen = threading.Event()
    started = time.perf_counter()
    first: list[float] = []

    def on_event(event: dict) -> None:
        if event.get("event") == "epoch" and not seen.is_set():
            first.append(time.perf_counter() - started)
            seen.set()

    handle = start_run("lmmodel1", {}, device="cpu", on_event=on_event, quick=True,
                       spares=pool)
    assert handle.warm == (pool is not None)
    record = handle.wait(timeout=300)
    assert record.status == "ok", record.message
    return first[0], record


def test_a_warm_spare_shows_the_first_epoch_far_sooner_with_the_same_numbers(spares):
    spares.start()
    cold, cold_record = _first_epoch(None)  # measured while the spare warms: a loaded machine
    _ready(spares)
    warm, warm_record = _first_epoch(spares)
    # A cold start pays `import torch` and the dataset (seconds); a warm one only the epoch.
    assert warm < 0.5 * cold, (warm, cold)
    assert [vars(r) | {"seconds": 0} for r in warm_record.epochs] == \
        [vars(r) | {"seconds": 0} for r in cold_record.epochs]
    assert warm_record.final["accuracy"] == cold_record.final["accuracy"]


def test_a_run_in_a_spare_finds_torch_as_a_fresh_process_does(spares):
    spares.start()
    _ready(spares)
    fresh = run_answer("fx-unseeded", device="cpu")
    handle = start_run("fx-unseeded", device="cpu", spares=spares)
    assert handle.warm
    warm = handle.wait(timeout=60)
    assert warm.status == fresh.status == "ok"
    assert fresh.final["untouched"]
    assert warm.final == fresh.final  # the warm-up left torch's generator and threads alone


def test_taking_the_spare_spawns_the_next_and_other_thread_counts_start_cold(spares):
    assert spares.take() is None  # not started: every run is cold
    spares.start()
    first = _ready(spares)
    assert spares.take(threads=1) is None  # this spare was started for torch's default
    assert spares.spare is not None and spares.spare.pid == first
    taken = spares.take()
    assert taken is not None and taken.pid == first
    assert spares.spare is not None and spares.spare.pid != first and spares.spawned == 2
    taken.finish(grace=0.0)
    assert gone_within(5, first)


def test_a_killed_spare_is_replaced_and_the_replacement_runs(spares):
    spares.start()
    first = _ready(spares)
    os.kill(first, signal.SIGKILL)
    assert gone_within(5, first)
    deadline = time.monotonic() + 10
    while spares.spare is None or spares.spare.pid == first:
        assert time.monotonic() < deadline, "the killed spare was not replaced"
        time.sleep(0.05)
    second = _ready(spares)
    handle = start_run("fx-ok", device="cpu", spares=spares)
    assert handle.warm and handle.pid == second
    assert handle.wait(timeout=60).status == "ok"


def test_cancelling_a_run_in_a_spare_kills_it_and_what_it_started(spares):
    spares.start()
    pid = _ready(spares)
    logs: list[str] = []
    handle = start_run("fx-hang", device="cpu", spares=spares,
                       on_event=lambda e: logs.append(str(e.get("text", ""))))
    assert handle.warm and handle.pid == pid
    deadline = time.monotonic() + 30
    while not any("grandchild pid" in line for line in logs):
        assert time.monotonic() < deadline, "fx-hang never started"
        time.sleep(0.05)
    grandchild = int(next(x for x in logs if "grandchild pid" in x).split()[-1])
    handle.cancel()
    record = handle.wait(timeout=30)
    assert record.status == "cancelled"
    assert gone_within(5, pid, grandchild)
    assert spares.spare is not None and spares.spare.pid != pid  # the next run's spare


def test_closing_kills_the_spare_and_spawns_no_more(spares):
    spares.start()
    pid = spares.spare.pid
    spares.close()
    assert gone_within(5, pid)
    assert spares.spare is None and spares.take() is None
    spares.start()
    assert spares.spare is None and spares.spawned == 1


# The app in a fresh interpreter (this test process may have imported torch itself): it keeps a
# warm spare once painted, yet never loads torch, and a run from the run lab uses the spare.
APP_SCRIPT = r"""
import asyncio, json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
import studytool.tui.app as app_module
from test_tui_support import make_app, open_screen, select_answer, wait_until
from studytool.tui.screens.runlab import RunLabScreen
from studytool.tui.widgets.run_panel import RunPanel

app_module.WARM_DELAY = 0.1

def maps(pid):
    return open(f"/proc/{pid}/maps").read()

async def main():
    app = make_app(Path(sys.argv[1]))
    app.warm_worker = True
    out = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.spares is not None and app.spares.spare is not None
                         and app.spares.spare.ready.is_set(), timeout=120)
        spare = app.spares.spare.pid
        out["spare_torch"] = "libtorch" in maps(spare)
        out["painted_first"] = app.first_paint_s is not None
        screen = await open_screen(pilot, app, "l", RunLabScreen)
        await select_answer(pilot, screen, "fx-epochs")
        panel = screen.query_one("#lab-run", RunPanel)
        await wait_until(pilot, lambda: panel.handle is not None)
        out["run_warm"] = panel.handle.warm and panel.handle.pid == spare
        await wait_until(pilot, lambda: not panel.running, timeout=60)
        out["title"] = str(panel.query_one(".run-title").render())
        out["next_spare"] = app.spares.spare.pid
    out["app_torch_module"] = "torch" in sys.modules
    out["app_torch_maps"] = "libtorch" in maps("self")
    print(json.dumps(out))

asyncio.run(main())
"""


def test_the_app_keeps_a_warm_spare_without_ever_loading_torch(tmp_path: Path):
    tests = Path(__file__).resolve().parent
    env = {**os.environ, "PYTHONPATH": f"{FIXTURES}{os.pathsep}{tests}"}
    proc = subprocess.run([sys.executable, "-c", APP_SCRIPT, str(tmp_path), str(tests)],
                          capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["spare_torch"] and out["painted_first"]
    assert out["run_warm"] and " ok " in out["title"]
    assert not out["app_torch_module"] and not out["app_torch_maps"]
    assert gone_within(10, out["next_spare"])  # the app's exit took its spare along
