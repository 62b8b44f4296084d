"""One worker child process: spawned in its own session, read by threads, killed as a group.

Two daemon threads drain stdout (parsed into events, put on a queue) and stderr (the last lines
kept), so a child that writes a lot can never block on a full pipe. `kill()` signals the whole
process group, so anything the answer spawned dies with it.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from typing import IO, Any

from studytool.runner.events import MAX_LINE, parse_line

EOF: dict[str, Any] = {"event": "__eof__"}  # put on the queue once stdout closes
STDERR_LINES = 40
STDERR_CHARS = 4000


def child_env(threads: int | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONFAULTHANDLER"] = "1"  # a segfault leaves a Python stack in the stderr tail
    env["PYTHONUNBUFFERED"] = "1"
    if threads:
        # Two tiny models on two cores run fastest with one intra-op thread each (NOTES.md).
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
    return env


class WorkerProcess:
    """`warm`: a spare that imports torch and builds the datasets before it reads its request,
    and sets `ready` once it has; `env`: variables added to the child's environment."""

    def __init__(self, threads: int | None = None, *, warm: bool = False,
                 env: dict[str, str] | None = None) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.ready = threading.Event()
        self.threads = threads
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "studytool.runner.worker", *(["--warm"] if warm else [])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, env={**child_env(threads), **(env or {})},
        )
        self.pid = self.proc.pid
        self._readers = [
            threading.Thread(target=self._read_stdout, args=(self.proc.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(self.proc.stderr,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_stdout(self, stream: IO[bytes]) -> None:
        try:
            for raw in iter(lambda: stream.readline(MAX_LINE), b""):
                for event in parse_line(raw):
                    if event.get("event") == "ready":  # the spare's, not the run's
                        self.ready.set()
                    else:
                        self.events.put(event)
        except (OSError, ValueError):
            pass  # the pipe went away with the process
        finally:
            self.events.put(EOF)

    def _read_stderr(self, stream: IO[bytes]) -> None:
        try:
            for raw in iter(lambda: stream.readline(MAX_LINE), b""):
                self._stderr.append(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
        except (OSError, ValueError):
            pass

    def forget_output(self) -> None:
        """Drops what was read so far (a spare's warm-up), keeping the end-of-output mark."""
        ended = False
        while True:
            try:
                ended = self.events.get_nowait() is EOF or ended
            except queue.Empty:
                break
        if ended:
            self.events.put(EOF)
        self._stderr.clear()

    def stderr_tail(self) -> str:
        text = "\n".join(self._stderr).strip()
        return text[-STDERR_CHARS:]

    def send(self, request: dict[str, Any]) -> bool:
        """Writes one request line; False if the worker is gone."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def close_input(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group (the worker and whatever it started); idempotent."""
        kill_group(self.pid)

    def finish(self, grace: float = 3.0) -> int | None:
        """Lets the worker exit on its own for `grace` seconds, then kills what is left."""
        self.close_input()
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        self.kill()  # also ends strays the answer left in the group
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        for reader in self._readers:
            reader.join(timeout=1)
        return code

    def exit_description(self) -> str:
        code = self.proc.poll()
        if code is None:
            return "worker still running"
        if code < 0:
            hint = " (out of memory?)" if -code == signal.SIGKILL else ""
            return f"worker killed by {signal_name(-code)}{hint}"
        return f"worker exited with code {code}"


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def kill_group(pid: int) -> None:
    """SIGKILL to the process group led by `pid` (a child started in its own session)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
