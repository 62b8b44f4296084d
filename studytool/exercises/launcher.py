"""Start the check process with resource limits; stream its results; end it and all it started.

The learner's code runs in the check process, so:

- On Linux it runs under `guard` (a subreaper that runs no learner code): when the checks end,
  time out, are stopped, or this process dies (kill -9 included), every process the learner's
  code started is killed, those that called setsid() or double-forked too. Elsewhere the check
  process gets its own process group, which is killed as a whole.
- It gets an address-space and a CPU-time limit, and one thread per library.
- What it prints is kept as a bounded tail plus a byte count: a print loop cannot grow this
  process's memory (it once took 4.7 GB).

The verdict comes only from lines the verifier can authenticate. Threat model: the learner's
code runs in the same process as the checks, and may, by mistake or on purpose, write to any
file descriptor it has, the results pipe included (a stray `print` of JSON, or the "passed"
lines a hostile tester wrote to every fd). So each run gets a fresh random key, sent on a pipe
that only the check process reads, and drained and closed before any learner code is
imported; no copy of it is on the command line, in the environment or on disk. Every result
line carries an HMAC of its JSON and a sequence number; a line that fails either check, or a
line longer than any the checks write, counts as forged, and a verification with a forged
line fails as a whole. What this does not claim: code that reads the key out of the check
process's own memory, or rewrites the checks it runs beside, can pass itself off, as it can
in any verifier that runs the code it judges in-process. The tool is a study aid for one
learner, not an exam proctor; the point is that nothing written to a pipe, by accident or by
a script, can turn a failing file into a passing one.
"""

from __future__ import annotations

import collections
import hmac
import json
import os
import queue
import resource
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from answers_code.exercises.harness import sign  # torch-free: the line format
from studytool.exercises import guard
from studytool.runner.process import child_env, kill_group

MEMORY_LIMIT = 4 * 1024**3  # bytes of address space; torch itself maps about 0.5 GiB
CPU_MARGIN = 60  # seconds of CPU time beyond the wall-clock budget before the kernel steps in
OUTPUT_TAIL = 64 * 1024  # bytes of the learner's output kept (the end of it)
RESULT_LINE = 256 * 1024  # the longest result line the checks write (fields are cut at 4000)
STOP_PATIENCE = 15.0  # seconds the guard gets to kill everything before it is killed itself
# Added to the runner's child environment (one thread per library, unbuffered, faulthandler):
# OpenBLAS on one thread too, and no __pycache__ left in the learner's folder.
VERIFY_ENV = {"OPENBLAS_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}

Event = dict[str, Any]


@dataclass
class ChildOutcome:
    returncode: int | None  # None: killed by us (timeout or stop)
    timed_out: bool
    stderr_tail: str
    stopped: bool = False
    output_bytes: int = 0  # everything the check process wrote to stderr (and its prints)
    forged: int = 0  # result lines that failed authentication


class OutputTail:
    """Reads a stream to its end, keeping only its last `keep` bytes and counting the rest."""

    def __init__(self, stream: IO[bytes], keep: int = OUTPUT_TAIL) -> None:
        self.total = 0
        self._chunks: collections.deque[bytes] = collections.deque()
        self._kept = 0
        self._keep = keep
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        fd = stream.fileno()
        try:
            while chunk := os.read(fd, 65536):
                self.total += len(chunk)
                self._chunks.append(chunk)
                self._kept += len(chunk)
                while self._kept - len(self._chunks[0]) >= self._keep:
                    self._kept -= len(self._chunks.popleft())
        except OSError:
            pass

    def text(self, wait: float = 5.0) -> str:
        self._thread.join(timeout=wait)
        data = b"".join(list(self._chunks))[-self._keep:]
        return data.decode("utf-8", errors="replace")


class ResultReader:
    """Reads the results pipe: authenticated events go on `events`, anything else is counted
    as forged; None on `events` marks the end of the pipe."""

    def __init__(self, stream: IO[bytes], key: bytes) -> None:
        self.events: queue.Queue[Event | None] = queue.Queue()
        self.forged = 0
        self._key = key
        self._seq = 0
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        try:
            while line := stream.readline(RESULT_LINE):
                if not line.endswith(b"\n"):  # too long for a checks' line: skip to its end
                    while line and not line.endswith(b"\n"):
                        line = stream.readline(RESULT_LINE)
                    self.forged += 1
                    continue
                event = self._authentic(line)
                if event is None:
                    self.forged += 1
                else:
                    self.events.put(event)
        except (OSError, ValueError):
            pass
        finally:
            self.events.put(None)

    def _authentic(self, line: bytes) -> Event | None:
        tag, _, text = line.rstrip(b"\r\n").partition(b" ")
        try:
            body = text.decode("utf-8")
            good = hmac.compare_digest(tag.decode("ascii"), sign(self._key, body))
            event = json.loads(body) if good else None
        except (UnicodeDecodeError, ValueError):
            return None
        if not isinstance(event, dict) or "event" not in event or event.get("seq") != self._seq:
            return None
        self._seq += 1
        return event

    def join(self, wait: float = 5.0) -> None:
        self._thread.join(timeout=wait)


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


def _spawn(args: list[str], cpu_seconds: int, memory: int, cwd: Path | None,
           key_fd: int) -> subprocess.Popen[bytes]:
    checks = [sys.executable, "-B", "-m", args[0], "--secret-fd", str(key_fd), *args[1:]]
    common: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE,
                              "env": {**child_env(threads=1), **VERIFY_ENV},
                              "start_new_session": True, "cwd": cwd, "pass_fds": (key_fd,)}
    if guard.available():
        # stdin is the guard's lifeline: closing it (or dying) ends the verification.
        return subprocess.Popen(
            [sys.executable, "-B", "-m", "studytool.exercises.guard", str(os.getpid()),
             str(cpu_seconds), str(memory), str(key_fd), "--", *checks],
            stdin=subprocess.PIPE, **common)
    return subprocess.Popen(checks, stdin=subprocess.DEVNULL,
                            preexec_fn=_limits(cpu_seconds, memory), **common)


def run_child(args: list[str], on_event: Callable[[Event], None], first_wait: float,
              cpu_seconds: int, memory: int = MEMORY_LIMIT,
              stop: threading.Event | None = None, cwd: Path | None = None) -> ChildOutcome:
    """Run `python -m <args>`; call on_event for each authenticated event it reports.

    The child must say something within `first_wait` seconds; after a "begin" event it has that
    event's "seconds" plus a margin to say the next thing, otherwise it is stopped. Setting
    `stop` (or an exception here, Ctrl-C included) stops it too; stopping ends every process
    it started.
    """
    key = secrets.token_bytes(32)
    key_read, key_write = os.pipe()
    try:
        proc = _spawn(args, cpu_seconds, memory, cwd, key_read)
    finally:
        os.close(key_read)
    with os.fdopen(key_write, "w") as key_pipe:  # 65 bytes: the pipe's buffer holds them
        key_pipe.write(key.hex() + "\n")
    assert proc.stdout is not None and proc.stderr is not None
    results = ResultReader(proc.stdout, key)
    output = OutputTail(proc.stderr)
    try:
        timed_out = _stream(results.events, on_event, first_wait, stop)
    finally:
        _end(proc)  # finished, timed out, stopped, or the caller is going away
    returncode = proc.wait()
    results.join()
    stopped = stop is not None and stop.is_set()
    return ChildOutcome(None if timed_out or stopped else returncode, timed_out,
                        output.text()[-2000:], stopped, output.total, results.forged)


def _stream(events: queue.Queue[Event | None], on_event: Callable[[Event], None],
            first_wait: float, stop: threading.Event | None) -> bool:
    """Hand events on until the child closes stdout (False) or goes quiet too long (True)."""
    deadline = time.monotonic() + first_wait
    while stop is None or not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return True
        try:
            event = events.get(timeout=min(remaining, 0.2))
        except queue.Empty:
            continue
        if event is None:
            return False
        # A check that began gets its own budget; 5 s covers the event's trip back.
        wait = _seconds(event) + 5 if event.get("event") == "begin" else first_wait
        deadline = time.monotonic() + wait
        on_event(event)
    return False


def _seconds(event: Event) -> float:
    value = event.get("seconds")
    return float(value) if isinstance(value, int | float) and value == value else 0.0


def _end(proc: subprocess.Popen[bytes]) -> None:
    """Stop the check process and everything it started; returns once they are gone."""
    if proc.stdin is not None:  # the guard: end of its lifeline
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=STOP_PATIENCE)
        except subprocess.TimeoutExpired:
            pass
    kill_group(proc.pid)  # no guard, or one that was killed or stuck: the process group
