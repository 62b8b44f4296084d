"""The app's speed in a real terminal (tmux) and headless: issue 8's three targets.

1. Launch to the first painted home screen (< 1.0 s): `studytool` in tmux, polling
   capture-pane every 10 ms, against a bare Textual app with one DataTable launched the same
   way (printed as a ratio). Two times for the app: the first frame (home, "Opening the
   database…") and the home screen with the deck counts filled in.
2. Rating a card -> the next card painted (< 50 ms): the review screen's own measurement
   (key press -> next card's first refresh), over 15 ratings of the real deck, headless.
3. App memory while a run trains (< 150 MB RSS): the app's VmRSS sampled while `lmmodel3`
   trains in the run lab (the child process is not counted: it is another process).

Run: python benchmarks/tui_startup.py  (needs tmux; uses a throw-away STUDYTOOL_HOME).
"""

from __future__ import annotations

import asyncio
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
SOCKET = f"studytool-bench-{os.getpid()}"

BARE_APP = """
from textual.app import App
from textual.widgets import DataTable, Footer, Header
class Bare(App):
    def compose(self):
        yield Header(); yield DataTable(); yield Footer()
    def on_mount(self):
        t = self.query_one(DataTable); t.add_columns("Deck", "New"); t.add_row("ch12", "20")
Bare().run()
"""


def tmux(*args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True,
                          env=env).stdout


def launch_until(command: str, marks: list[str], env: dict[str, str]) -> list[float]:
    """Seconds from launch until each mark first appears on the screen."""
    tmux("kill-server")
    time.sleep(0.3)  # let the old server go before a new one starts on the same socket
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", "b", "-x", "100", "-y", "30", command, env=env)
    seen: list[float] = []
    screen = ""
    deadline = start + 30
    while len(seen) < len(marks) and time.perf_counter() < deadline:
        screen = tmux("capture-pane", "-p", "-t", "b")
        if marks[len(seen)] in screen:
            seen.append(time.perf_counter() - start)
            continue
        time.sleep(0.01)
    tmux("kill-server")
    if len(seen) < len(marks):
        raise SystemExit(f"never saw {marks[len(seen)]!r} on the screen:\n{screen}")
    return seen


def startup(env: dict[str, str]) -> None:
    app = f"exec {shlex.quote(sys.executable)} -m studytool"
    bare = f"exec {shlex.quote(sys.executable)} -c {shlex.quote(BARE_APP)}"
    launch_until(app, ["Today:"], env)  # first launch creates the database: not timed
    app_runs = [launch_until(app, ["fastbook chapter 12", "Today:"], env) for _ in range(RUNS)]
    bare_runs = [launch_until(bare, ["ch12"], env)[0] for _ in range(RUNS)]
    first = statistics.median(r[0] for r in app_runs)
    counts = statistics.median(r[1] for r in app_runs)
    base = statistics.median(bare_runs)
    print(f"launch -> first painted home frame : {first:.2f} s  (median of {RUNS})")
    print(f"launch -> home with deck counts     : {counts:.2f} s")
    print(f"bare Textual app with a DataTable   : {base:.2f} s")
    print(f"ratio app/bare: first frame {first / base:.2f}, with counts {counts / base:.2f}"
          "   target: first frame < 1.0 s")


async def rating_latency() -> list[float]:
    from studytool.tui.app import StudyApp

    app = StudyApp(os.environ["STUDYTOOL_DB"])
    latencies = []
    async with app.run_test(size=(100, 30)) as pilot:
        while app.backend is None:
            if app.backend_error:
                raise SystemExit(f"cannot open the database: {app.backend_error}")
            await pilot.pause(0.05)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        screen = app.screen
        for _ in range(15):
            await pilot.press("space")
            await pilot.pause()
            screen.last_latency = None
            await pilot.press("3")
            waited = 0
            while screen.last_latency is None and waited < 2000:
                await pilot.pause(0.005)
                waited += 1
            if screen.last_latency is None:
                raise SystemExit(f"no next card after a rating: {screen.card}")
            latencies.append(screen.last_latency)
    return latencies


def memory_while_training(env: dict[str, str]) -> None:
    tmux("kill-server")
    time.sleep(0.3)
    tmux("new-session", "-d", "-s", "m", "-x", "100", "-y", "30",
         f"exec {shlex.quote(sys.executable)} -m studytool", env=env)
    try:
        while "Today:" not in tmux("capture-pane", "-p", "-t", "m"):
            time.sleep(0.05)
        pid = int(tmux("list-panes", "-t", "m", "-F", "#{pane_pid}").split()[0])
        tmux("send-keys", "-t", "m", "l")
        time.sleep(1.0)
        # Walk the answer tree (cursor on its first line, right under the header) to lmmodel3.
        screen = tmux("capture-pane", "-p", "-t", "m").splitlines()
        row = next(i for i, line in enumerate(screen) if "── lmmodel3" in line)
        for _ in range(row - 1):
            tmux("send-keys", "-t", "m", "Down")
        tmux("send-keys", "-t", "m", "Enter")
        samples = []
        deadline = time.time() + 120
        while time.time() < deadline:
            screen = tmux("capture-pane", "-p", "-t", "m")
            samples.append(_rss_mb(pid))
            if "lmmodel3 · ok" in screen or "lmmodel3 · failed" in screen:
                break
            time.sleep(0.2)
        torch = "libtorch" in Path(f"/proc/{pid}/maps").read_text()
        print(f"app RSS while lmmodel3 trains: max {max(samples):.0f} MB, "
              f"median {statistics.median(samples):.0f} MB over {len(samples)} samples "
              f"(target < 150 MB); libtorch in the app: {torch}")
        print(f"run result: {'ok' if 'lmmodel3 · ok' in screen else 'not ok'}")
    finally:
        tmux("kill-server")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    home = tempfile.mkdtemp(prefix="studytool-bench-")
    env = {**os.environ, "STUDYTOOL_HOME": home, "TERM": "xterm-256color"}
    env.pop("STUDYTOOL_DB", None)
    os.environ["STUDYTOOL_HOME"] = home
    startup(env)
    os.environ["STUDYTOOL_DB"] = f"sqlite:///{Path(home) / 'studytool.sqlite3'}"
    times = asyncio.run(rating_latency())
    print(f"rating -> next card painted: median {statistics.median(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms over {len(times)} ratings (target < 50 ms)")
    del os.environ["STUDYTOOL_DB"]
    memory_while_training(env)


if __name__ == "__main__":
    main()
