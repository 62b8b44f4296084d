"""The app's side of grading: one warm child process (`studytool.grading.worker`), one request
at a time, every failure one line.

No torch and no transformers here: the app (CLI or TUI) imports only this and the messages.
`start()` spawns the worker without waiting, so the model loads while the learner types;
`warm()` has it embed the decks' texts in the background (a grade goes first); `grade()`
waits for the answer. A worker that crashes, hangs past the timeout or cannot load
the model is reported as a `GradingError` with one line, and the app goes on (the next
`grade()` starts a fresh worker, unless the model is missing, which no restart fixes).
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
import time
from collections.abc import Sequence
from typing import IO, Any

from studytool.errors import StudytoolError
from studytool.grading.messages import Grade, GradeRequest

START_TIMEOUT = 120.0  # cold start: about a second here, far more on a loaded machine
GRADE_TIMEOUT = 60.0
WARM_CHUNK = 6  # questions per warm request: a grade waits for one chunk at most
_LINE_LIMIT = 1 << 20


class GradingError(StudytoolError):
    """Grading could not be done; the message is one line for the learner (exit 1)."""

    exit_code = 1


class Grader:
    def __init__(self, start_timeout: float = START_TIMEOUT,
                 grade_timeout: float = GRADE_TIMEOUT) -> None:
        self.start_timeout = start_timeout
        self.grade_timeout = grade_timeout
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=20)
        self._ready = False
        self._fatal: str | None = None  # the model cannot be loaded: no restart helps
        self._next_id = 0
        self._grades_waiting = 0  # grade() calls in progress: warm() lets them go first
        self._waiting_lock = threading.Lock()
        self.ready_seconds: float | None = None  # the worker's own load time (benchmarks)
        # the last request's time in the worker and texts it ran through the model (benchmarks)
        self.last_seconds: float | None = None
        self.last_embedded: int | None = None

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Spawn the worker if none is running (returns at once; it loads in the background).
        Raises GradingError when the model or its libraries are not installed."""
        with self._lock:
            self._spawn()

    def _spawn(self) -> None:
        if self._fatal is not None:
            raise GradingError(self._fatal)
        if self._proc is not None and self._proc.poll() is None:
            return
        from studytool.grading.model_files import INSTALL_HINT, libraries_missing, locate

        locate()  # raises ModelUnavailable (a StudytoolError) with the install hint
        missing = libraries_missing()
        if missing:
            raise GradingError(f"typed-answer grading needs {', '.join(missing)}: "
                               f"{INSTALL_HINT}")
        env = dict(os.environ)
        env.update({"PYTHONUNBUFFERED": "1", "STUDYTOOL_GRADER_PARENT": str(os.getpid())})
        self._lines = queue.Queue()
        self._stderr.clear()
        self._ready = False
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "studytool.grading.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            start_new_session=True,  # Ctrl+C in the terminal is the app's to handle
        )
        for target, stream in ((self._read_stdout, self._proc.stdout),
                               (self._read_stderr, self._proc.stderr)):
            threading.Thread(target=target, args=(stream, self._lines), daemon=True).start()

    def close(self) -> None:
        """Stop the worker (idempotent)."""
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        proc, self._proc, self._ready = self._proc, None, False
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()  # the worker exits on end of input
        except OSError:
            pass
        try:
            proc.wait(timeout=1)  # it finishes what it was writing (a cache file is atomic)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait(timeout=5)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # -- requests ---------------------------------------------------------------------------
    def grade(self, request: GradeRequest) -> Grade:
        with self._waiting_lock:
            self._grades_waiting += 1
        try:
            reply = self._call({"op": "grade", "request": request.to_json()})
        finally:
            with self._waiting_lock:
                self._grades_waiting -= 1
        try:
            return Grade.from_json(reply["grade"])
        except (KeyError, TypeError, ValueError):
            raise GradingError("the grading process sent a malformed answer") from None

    def warm(self, questions: Sequence[GradeRequest]) -> None:
        """Embed what grading these questions needs from their decks (`messages.
        warm_requests`), ahead of time and in chunks, each grade asked for meanwhile first.
        The worker keeps them on disk, so this is quick after the first time."""
        for start in range(0, len(questions), WARM_CHUNK):
            while self._grades_waiting:
                time.sleep(0.02)
            chunk = questions[start: start + WARM_CHUNK]
            self._call({"op": "warm", "questions": [q.to_json() for q in chunk]})

    def _call(self, message: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._proc is not None and self._proc.poll() is not None:
                raise self._crashed()  # died since the last request: say so once, then restart
            self._spawn()
            assert self._proc is not None and self._proc.stdin is not None
            if not self._ready:
                self._wait_ready(time.monotonic() + self.start_timeout)
            deadline = time.monotonic() + self.grade_timeout  # loading has its own limit
            self._next_id += 1
            ident = self._next_id
            try:
                self._proc.stdin.write((json.dumps({**message, "id": ident}) + "\n").encode())
                self._proc.stdin.flush()
            except OSError:
                raise self._crashed() from None
            while True:
                reply = self._get(deadline, "grading")
                if reply.get("id") != ident:
                    continue  # an answer to a request given up on (timed out) earlier
                if not reply.get("ok"):
                    raise GradingError(str(reply.get("error") or "grading failed"))
                self.last_seconds = reply.get("seconds")
                self.last_embedded = reply.get("embedded")
                return reply

    def _wait_ready(self, deadline: float) -> None:
        while True:
            reply = self._get(deadline, "loading the model")
            if reply.get("event") == "ready":
                self._ready = True
                self.ready_seconds = float(reply.get("seconds") or 0.0)
                return
            if reply.get("event") == "fatal":
                self._fatal = str(reply.get("error") or "the grading model cannot be loaded")
                self._stop()
                raise GradingError(self._fatal)

    def _get(self, deadline: float, doing: str) -> dict[str, Any]:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._kill()
                raise GradingError(f"{doing} took too long (over {self._limit(doing):.0f} s); "
                                   "the grading process was stopped")
            try:
                item = self._lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if item is None:
                raise self._crashed()
            return item

    def _limit(self, doing: str) -> float:
        return self.start_timeout if doing == "loading the model" else self.grade_timeout

    def _crashed(self) -> GradingError:
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._kill()
        self._proc, self._ready = None, False
        how = f"killed by {_signal_name(-code)}" if code is not None and code < 0 else \
            f"exit code {code}" if code is not None else "no exit code"
        tail = next((line for line in reversed(self._stderr) if line.strip()), "")
        detail = f": {tail[:200]}" if tail else ""
        return GradingError(f"the grading process stopped ({how}){detail}; the next grade "
                            "starts it again")

    def _kill(self) -> None:
        proc, self._proc, self._ready = self._proc, None, False
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    # -- reader threads ---------------------------------------------------------------------
    @staticmethod
    def _read_stdout(stream: IO[bytes], lines: queue.Queue[dict[str, Any] | None]) -> None:
        try:
            for raw in iter(lambda: stream.readline(_LINE_LIMIT), b""):
                try:
                    item = json.loads(raw)
                except ValueError:
                    continue  # a library printed something: not ours
                if isinstance(item, dict):
                    lines.put(item)
        except (OSError, ValueError):
            pass
        finally:
            lines.put(None)  # end of output: the worker is gone

    def _read_stderr(self, stream: IO[bytes], _lines: object) -> None:
        try:
            for raw in iter(lambda: stream.readline(_LINE_LIMIT), b""):
                self._stderr.append(raw.decode("utf-8", errors="replace").rstrip())
        except (OSError, ValueError):
            pass


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
