"""Runs one exercise's checks on a learner's file and streams each result as a JSON line.

This is the child process of `studytool exercise verify` (see `__main__`). The learner's code
may loop forever, raise, print or fail to import: every one of those becomes a failed check with
a message, and the protocol stream stays clean because the learner's prints go to stderr.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import importlib.util
import json
import os
import signal
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

CheckFunc = Callable[[types.ModuleType], str]


class Mistake(Exception):
    """A check found a wrong result; the message names the mistake."""


class CheckTimeout(BaseException):
    """Raised by the alarm inside a check (a BaseException so `except Exception` can't eat it)."""


@dataclass(frozen=True)
class CheckSpec:
    label: str
    func: CheckFunc
    needs: tuple[str, ...] = ()  # labels that must pass before this one runs
    budget: float = 1.0  # multiple of the per-check timeout (training runs take longer)


@dataclass
class CheckList:
    """The checks of one exercise, in order, and the names the learner's file must define."""

    names: tuple[str, ...]
    specs: list[CheckSpec] = field(default_factory=list)

    def check(self, label: str, needs: tuple[str, ...] = (),
              budget: float = 1.0) -> Callable[[CheckFunc], CheckFunc]:
        def register(func: CheckFunc) -> CheckFunc:
            self.specs.append(CheckSpec(label, func, needs, budget))
            return func

        return register


LOAD_LABEL = "loads"


# A learner's exception message can be megabytes long; a check's message never needs to be.
FIELD_CHARS = 4000


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > FIELD_CHARS:
        return value[:FIELD_CHARS] + f"… ({len(value):,} characters)"
    return value


def sign(secret: bytes, text: str) -> str:
    """The tag the verifier checks on each line (HMAC-SHA256 of the line's JSON)."""
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


class Protocol:
    """JSON lines on the real stdout; fd 1 itself is pointed at stderr for the learner's prints.

    With a `secret` (the verifier always gives one), every line is `TAG JSON`, the JSON
    carries a sequence number and TAG is `sign(secret, JSON)`: the learner's code can still
    write to the pipe, but not a line the verifier accepts (see studytool.exercises.launcher).
    """

    def __init__(self, secret: bytes | None = None) -> None:
        sys.stdout.flush()
        self._out: IO[str] = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self._secret = secret
        self._seq = 0
        self.job = 0  # which (module, file) pair of the request the events belong to

    def emit(self, event: str, **fields: Any) -> None:
        body = {"event": event, "job": self.job, **{k: _short(v) for k, v in fields.items()}}
        if self._secret is None:
            self._out.write(json.dumps(body) + "\n")
        else:
            text = json.dumps({**body, "seq": self._seq})
            self._seq += 1
            self._out.write(f"{sign(self._secret, text)} {text}\n")
        self._out.flush()


OUTPUT_BYTES = 4000  # of one check's own output kept with its result (the end of it)


class Captured:
    """What the learner's code prints during one check (fd 1 and 2, so C-level writes too):
    passed on to the real stderr as it comes (the verifier keeps a tail and a count of it all),
    with the last OUTPUT_BYTES kept for the check's result line. Printing shapes is how
    learners debug, so a failing check shows them what their code printed."""

    def __init__(self) -> None:
        sys.stderr.flush()
        self._real = os.dup(2)
        self._tail: list[bytes] = []
        self._kept = 0
        self.total = 0
        read, write = os.pipe()
        os.dup2(write, 1)
        os.dup2(write, 2)
        os.close(write)
        # The pump has its own copy of the real stderr: a process the code started may keep
        # the pipe open, and the pump with it, after `finish` has closed `_real`.
        self._thread = threading.Thread(target=self._pump, args=(read, os.dup(self._real)),
                                        daemon=True)
        self._thread.start()

    def _pump(self, read: int, real: int) -> None:
        try:
            while chunk := os.read(read, 65536):
                self.total += len(chunk)
                self._tail.append(chunk)
                self._kept += len(chunk)
                while self._kept - len(self._tail[0]) >= OUTPUT_BYTES:
                    self._kept -= len(self._tail.pop(0))
                view = memoryview(chunk)
                while view:
                    view = view[os.write(real, view):]
        except OSError:
            pass
        finally:
            os.close(read)
            os.close(real)

    def finish(self) -> tuple[str, int]:
        """Back to the real stderr; (the end of the output as text, bytes printed in all)."""
        try:
            sys.stderr.flush()
        except (OSError, ValueError):  # the learner closed it: nothing left to flush
            pass
        os.dup2(self._real, 1)
        os.dup2(self._real, 2)
        os.close(self._real)
        # EOF comes once our copies are closed, unless a process the code started holds one.
        self._thread.join(timeout=1.0)
        data = b"".join(list(self._tail))[-OUTPUT_BYTES:]
        return data.decode("utf-8", errors="replace"), self.total


def _on_alarm(signum: int, frame: Any) -> None:
    raise CheckTimeout()


def _learner_frame(exc: BaseException, path: Path) -> tuple[str, int] | None:
    """(function, line) of the innermost frame of the learner's file in the traceback."""
    found = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if Path(frame.f_code.co_filename) == path:
            found = (frame.f_code.co_qualname, lineno)
    return found


def _memory_limit() -> str:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return "" if soft == resource.RLIM_INFINITY else f" (the checks may use {soft / 2**30:g} GiB)"


def describe_exception(exc: BaseException, path: Path, seconds: float) -> str:
    """One helpful line for an exception raised while a check ran the learner's code."""
    where = _learner_frame(exc, path)
    at = f"{path.name} line {where[1]} in {where[0]}" if where else ""
    if isinstance(exc, CheckTimeout):
        running = f"; it was running {at}" if at else ""
        return f"timed out after {seconds:g} s (an infinite loop?{running})"
    if isinstance(exc, NotImplementedError) and where:
        return f"not implemented yet ({where[0]} raises NotImplementedError)"
    if isinstance(exc, MemoryError) or "can't allocate memory" in str(exc):
        return f"ran out of memory{_memory_limit()}{' at ' + at if at else ''}"
    if isinstance(exc, SystemExit):
        return f"the code called sys.exit({exc.code!r}){' at ' + at if at else ''}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return f"{detail} ({at})" if at else detail


def load_learner(path: Path, names: tuple[str, ...], job: int = 0) -> types.ModuleType:
    """Import the learner's file; Mistake for a file that can't be used as it is."""
    spec = importlib.util.spec_from_file_location(f"learner{job}_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise Mistake(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    # The learner may split code into helper files beside the exercise.
    sys.path.append(str(path.parent))
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise Mistake(f"syntax error in {path.name} line {exc.lineno}: {exc.msg}") from None
    except ModuleNotFoundError as exc:
        where = _learner_frame(exc, path)
        line = f" (line {where[1]})" if where else ""
        raise Mistake(f"{path.name} imports '{exc.name}', which is not installed{line}") from None
    missing = [name for name in names if not hasattr(module, name)]
    if missing:
        raise Mistake(f"{path.name} does not define {', '.join(missing)} "
                      "(keep the names of the scaffold)")
    return module


def _timed(seconds: float, call: Callable[[], Any]) -> Any:
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return call()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _attempt(call: Callable[[], str], path: Path, seconds: float) -> tuple[bool, str, bool]:
    """(passed, message, timed out)."""
    try:
        return True, _timed(seconds, call), False
    except Mistake as exc:
        return False, str(exc), False
    except (Exception, CheckTimeout, SystemExit) as exc:
        return False, describe_exception(exc, path, seconds), isinstance(exc, CheckTimeout)


def _captured(call: Callable[[], str], path: Path,
              seconds: float) -> tuple[bool, str, bool, dict[str, Any]]:
    """`_attempt`, with what the code printed meanwhile: {"output", "output_bytes"} fields for
    the check's result (none when it printed nothing)."""
    captured = Captured()
    try:
        ok, message, hung = _attempt(call, path, seconds)
    finally:
        output, total = captured.finish()
    return ok, message, hung, ({"output": output, "output_bytes": total} if total else {})


def run_checks(checks: CheckList, path: Path, timeout: float, protocol: Protocol) -> bool:
    """Run every check in order, emitting begin/check events; True when all passed."""
    import torch

    torch.set_num_threads(1)
    signal.signal(signal.SIGALRM, _on_alarm)
    labels = [LOAD_LABEL] + [spec.label for spec in checks.specs]
    protocol.emit("plan", checks=labels, timeout=timeout)

    protocol.emit("begin", label=LOAD_LABEL, seconds=timeout)
    module = types.ModuleType("not loaded")

    def load() -> str:
        nonlocal module
        module = load_learner(path, checks.names, protocol.job)
        return f"{path.name} defines {', '.join(checks.names)}"

    ok, message, _, printed = _captured(load, path, timeout)
    protocol.emit("check", label=LOAD_LABEL, status="passed" if ok else "failed", message=message,
                  **printed)
    passed = {LOAD_LABEL} if ok else set()
    hung = False  # after one timeout the others would most likely hang the same way
    for spec in checks.specs:
        blocked = [need for need in (LOAD_LABEL, *spec.needs) if need not in passed]
        if hung:
            protocol.emit("check", label=spec.label, status="skipped",
                          message="not run: an earlier check timed out")
            continue
        if blocked:
            protocol.emit("check", label=spec.label, status="skipped",
                          message=f"not run: needs '{blocked[0]}' to pass first")
            continue
        seconds = timeout * spec.budget
        protocol.emit("begin", label=spec.label, seconds=seconds)
        torch.manual_seed(0)
        started = time.perf_counter()
        ok, message, hung, printed = _captured(functools.partial(spec.func, module), path,
                                               seconds)
        protocol.emit("check", label=spec.label, status="passed" if ok else "failed",
                      message=message, seconds=round(time.perf_counter() - started, 3),
                      **printed)
        if ok:
            passed.add(spec.label)
    protocol.emit("end", passed=len(passed) == len(labels))
    return len(passed) == len(labels)
