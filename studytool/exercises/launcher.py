"""Start the check process with resource limits; stream its JSON lines; kill it when it hangs.

The learner's code runs there, so it gets its own process group (a timeout kills everything it
started), an address-space and a CPU-time limit, and one thread per library.
"""

from __future__ import annotations

import json
import os
import queue
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MEMORY_LIMIT = 4 * 1024**3  # bytes of address space; torch itself maps about 0.5 GiB
CPU_MARGIN = 60  # seconds of CPU time beyond the wall-clock budget before the kernel steps in

Event = dict[str, Any]


@dataclass
class ChildOutcome:
    returncode: int | None  # None: killed by us (timeout or stop)
    timed_out: bool
    stderr_tail: str
    stopped: bool = False


def _limits(cpu_seconds: int, memory: int) -> Callable[[], None]:
    limits = [(resource.RLIMIT_AS, (memory, memory)),
              (resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5)),
              (resource.RLIMIT_CORE, (0, 0))]

    def apply() -> None:
        # Runs in the child between fork and exec, where another thread of the parent (the
        # TUI's) may have held a lock: no imports, no allocation beyond these calls.
        for which, values in limits:
            try:
                resource.setrlimit(which, values)
            except (ValueError, OSError):
                pass  # a platform that refuses one limit (macOS and RLIMIT_AS) keeps the others

    return apply


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _pump(stream: Any, sink: queue.Queue[str | None]) -> None:
    for line in stream:
        sink.put(line)
    sink.put(None)


def run_child(args: list[str], on_event: Callable[[Event], None], first_wait: float,
              cpu_seconds: int, memory: int = MEMORY_LIMIT,
              stop: threading.Event | None = None, cwd: Path | None = None) -> ChildOutcome:
    """Run `python -m <args>`; call on_event for each JSON line it prints.

    The child must say something within `first_wait` seconds; after a "begin" event it has that
    event's "seconds" plus a margin to say the next thing, otherwise its process group is killed.
    Setting `stop` (or an exception here, Ctrl-C included) kills it too.
    """
    proc = subprocess.Popen(
        [sys.executable, "-B", "-m", *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=_child_env(), start_new_session=True, cwd=cwd,
        preexec_fn=_limits(cpu_seconds, memory),
    )
    lines: queue.Queue[str | None] = queue.Queue()
    errors: list[str] = []
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    err_reader = threading.Thread(target=lambda: errors.extend(proc.stderr or []), daemon=True)
    err_reader.start()
    try:
        timed_out = _stream(lines, on_event, first_wait, stop)
    finally:
        if proc.poll() is None:
            _kill_group(proc)  # timed out, stopped, or the caller is going away
    returncode = proc.wait()
    err_reader.join(timeout=5)
    stopped = stop is not None and stop.is_set()
    return ChildOutcome(None if timed_out or stopped else returncode, timed_out,
                        "".join(errors)[-2000:], stopped)


def _stream(lines: queue.Queue[str | None], on_event: Callable[[Event], None],
            first_wait: float, stop: threading.Event | None) -> bool:
    """Hand events on until the child closes stdout (False) or goes quiet too long (True)."""
    deadline = time.monotonic() + first_wait
    while stop is None or not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return True
        try:
            line = lines.get(timeout=min(remaining, 0.2))
        except queue.Empty:
            continue
        if line is None:
            return False
        event = _parse(line)
        if event is None:
            continue
        # A check that began gets its own budget; 5 s covers the event's trip back.
        wait = float(event["seconds"]) + 5 if event.get("event") == "begin" else first_wait
        deadline = time.monotonic() + wait
        on_event(event)
    return False


def _parse(line: str) -> Event | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and "event" in event else None


def _kill_group(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
