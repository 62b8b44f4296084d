"""The child process that runs answers: `python -m studytool.runner.worker [REQUEST]`.

A request is one JSON object: {"answer": name, "entry": "module:function", "params": {...},
"device": "auto", "memory_limit_mb": null, "threads": null}. Given as an argument, the worker
runs that one request; otherwise it reads one request per line on stdin until EOF, so a pool can
pay `import torch` once for many answers. With `--warm` (a spare kept by the app, see
studytool.runner.warm) it first imports torch and the answers and builds the datasets, at low
priority, then says `ready` and waits for its request. Each request produces `start`, then the
answer's `log` / `epoch` / `progress` events, then exactly one `result` or `error`.

Everything the protocol needs is written to a private copy of the original stdout. The
answer's `print` becomes log events; bytes a C library writes to fd 1 still reach the parent
as raw lines, which it treats as log text.
"""

from __future__ import annotations

import gc
import importlib
import io
import json
import math
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from studytool.runner import devices, memory
from studytool.runner.events import ANSWER_EVENTS, encode


class Channel:
    """Writes protocol lines, whole and in order, from any thread."""

    def __init__(self, fd: int) -> None:
        self._file = os.fdopen(os.dup(fd), "w", encoding="utf-8", errors="replace")
        self._lock = threading.Lock()

    def send(self, event: dict[str, Any]) -> None:
        line = encode(event) + "\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()


class LogWriter(io.TextIOBase):
    """Stands in for sys.stdout during an answer: each printed line becomes a log event."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._buffer = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._buffer += text
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            self._channel.send({"event": "log", "text": line})
        if len(self._buffer) > 65536:  # a progress bar without newlines must not grow forever
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._buffer:
            self._channel.send({"event": "log", "text": self._buffer})
            self._buffer = ""


class LossNotFiniteError(Exception):
    """An epoch reported a NaN or infinite loss: training diverged."""


def jsonable(obj: Any) -> Any:
    """`obj` as plain JSON data: tensors and numpy scalars become numbers or lists."""
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(v) for v in obj]
    numel = getattr(obj, "numel", None) or getattr(obj, "size", None)
    if hasattr(obj, "item") and (numel is None or _count(numel) == 1):
        try:
            return jsonable(obj.item())
        except (ValueError, RuntimeError, TypeError):
            pass
    if hasattr(obj, "tolist") and _count(numel) <= 10000:
        return jsonable(obj.tolist())
    return str(obj)


def _count(numel: Any) -> int:
    try:
        return int(numel() if callable(numel) else numel)
    except (TypeError, ValueError):
        return 1 << 30


class EpochGuard:
    """The `emit` an answer receives: forwards its events and stops a diverging run."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self.diverged: str | None = None

    def emit(self, event: dict[str, Any]) -> None:
        event = jsonable(dict(event))
        if event.get("event") not in ANSWER_EVENTS:
            # The worker alone may start and end a run; anything else is shown as text.
            event = {"event": "log", "text": json.dumps(event, default=str)}
        self._channel.send(event)
        if event["event"] == "epoch":
            self._check_losses(event)

    def _check_losses(self, event: dict[str, Any]) -> None:
        for key in ("train_loss", "valid_loss"):
            value = event.get(key)
            if isinstance(value, float) and not math.isfinite(value):
                word = "NaN" if math.isnan(value) else "infinite"
                self.diverged = f"loss became {word} at epoch {event.get('epoch')}"
                raise LossNotFiniteError(self.diverged)


def torch_version() -> str:
    torch = sys.modules.get("torch")
    if torch is not None:
        return str(getattr(torch, "__version__", ""))
    try:
        from importlib.metadata import version

        return version("torch")
    except Exception:  # torch not installed: answers that need it will say so
        return ""


def load_entry(entry: str) -> Callable[..., Any]:
    module_name, _, func_name = entry.partition(":")
    if not module_name or not func_name:
        raise ValueError(f"bad entry point '{entry}' (expected 'module:function')")
    return getattr(importlib.import_module(module_name), func_name)


def _entry_for(request: dict[str, Any]) -> str:
    if request.get("entry"):
        return str(request["entry"])
    from studytool.runner import catalog  # a hand-written request may name the answer only

    return catalog.get(str(request.get("answer"))).entry


def _set_threads(threads: int | None) -> None:
    if not threads:
        return
    os.environ["OMP_NUM_THREADS"] = str(threads)
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(threads)


class GlobalState:
    """Process-wide settings an answer may change; restored so the next answer in a pool
    worker starts as it would in a fresh process."""

    def __init__(self) -> None:
        self.cwd = os.getcwd()
        self.torch: tuple[Any, int, bool] | None = None
        torch = sys.modules.get("torch")
        if torch is not None:
            self.torch = (torch.get_default_dtype(), torch.get_num_threads(),
                          torch.is_grad_enabled())

    def restore(self) -> None:
        if os.getcwd() != self.cwd:
            os.chdir(self.cwd)
        torch = sys.modules.get("torch")
        if torch is None:
            return
        dtype, threads, grad = self.torch or (torch.float32, torch.get_num_threads(), True)
        torch.set_default_dtype(dtype)
        torch.set_grad_enabled(grad)
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


def _one_line(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()
    line = text[-1] if text else type(exc).__name__
    return line if len(line) <= 300 else line[:297] + "..."


def _describe(exc: BaseException, limit_mb: int | None) -> tuple[str, str]:
    """(error kind, one-line message) for what the answer raised; `limit_mb` if a memory
    limit was in force."""
    if isinstance(exc, SystemExit):
        return "exception", f"the answer called sys.exit({exc.code!r})"
    if not memory.is_out_of_memory(exc, limited=limit_mb is not None):
        return "exception", _one_line(exc)
    if limit_mb is not None:  # the cause's type only: its text is often a path or a C message
        return "memory", memory.limit_message(limit_mb, type(exc).__name__)
    return "memory", f"out of memory: {_one_line(exc)}"


def _final_of(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    value = jsonable(value)
    return value if isinstance(value, dict) else {"value": value}


def run_job(request: dict[str, Any], channel: Channel) -> None:
    """Runs one request and writes its events, ending with one result or error."""
    started = time.perf_counter()
    name = str(request.get("answer", "?"))
    params = dict(request.get("params") or {})
    try:
        device = devices.resolve(str(request.get("device", "auto")))
    except devices.DeviceUnavailableError as exc:
        channel.send({"event": "error", "kind": "device", "message": str(exc)})
        return
    _set_threads(request.get("threads"))
    channel.send({"event": "start", "answer": name, "device": device, "params": params,
                  "pid": os.getpid(), "torch_version": torch_version()})
    state = GlobalState()
    guard = EpochGuard(channel)
    writer = LogWriter(channel)
    saved_stdout, sys.stdout = sys.stdout, writer
    old_limit = None
    limit_mb = request.get("memory_limit_mb")
    try:
        from answers_code.context import RunContext

        entry = load_entry(_entry_for(request))
        old_limit = memory.apply_limit(limit_mb)
        final = entry(RunContext(params=params, device=device, emit=guard.emit))
    except LossNotFiniteError as exc:
        _report_error(channel, writer, "nan", str(exc), None)
        return
    except BaseException as exc:  # noqa: BLE001 - the answer may raise anything; report it
        kind, message = _describe(exc, limit_mb if old_limit is not None else None)
        _report_error(channel, writer, kind, guard.diverged or message, exc)
        if isinstance(exc, KeyboardInterrupt):
            raise
        return
    finally:
        sys.stdout = saved_stdout
        memory.restore(old_limit)
        state.restore()
    writer.flush()
    if guard.diverged:  # the answer swallowed the LossNotFiniteError; still a diverged run
        channel.send({"event": "error", "kind": "nan", "message": guard.diverged})
        return
    channel.send({"event": "result", "final": _final_of(final),
                  "seconds": round(time.perf_counter() - started, 4)})


def _report_error(channel: Channel, writer: LogWriter, kind: str, message: str,
                  exc: BaseException | None) -> None:
    writer.flush()
    event = {"event": "error", "kind": kind, "message": message}
    if exc is not None:
        text = "".join(traceback.format_exception(exc))
        sys.stderr.write(text)  # the parent keeps stderr's tail
        sys.stderr.flush()
        event["traceback"] = text[-4000:]  # stderr may reach the parent after this event
    channel.send(event)


def _quiet_stdin() -> io.TextIOWrapper:
    """Requests come on a private copy of stdin; the answer's own stdin reads as empty."""
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    return requests


def _bad_request(channel: Channel, line: str) -> dict[str, Any] | None:
    try:
        request = json.loads(line)
    except ValueError as exc:
        channel.send({"event": "error", "kind": "request", "message": f"bad request: {exc}"})
        return None
    if not isinstance(request, dict):
        channel.send({"event": "error", "kind": "request", "message": "bad request: not an object"})
        return None
    return request


def _watch_parent(interval: float = 0.5) -> None:
    """Ends this worker's whole group if the parent dies (a killed app must not leave a
    training run behind): once orphaned, the worker is re-parented and getppid() changes."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os.killpg(os.getpgrp(), signal.SIGKILL)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


WARM_NICE = 10  # a spare warms up behind the app and the learner's other work


WARM_UP = "answers_code.warm:warm_up"  # what a spare runs before it says `ready`


def warm_up() -> None:
    """The answers' own warm-up (import torch, build the datasets); a failure here is the
    run's to report (torch missing, say), not the spare's."""
    try:
        load_entry(WARM_UP)()
    except Exception:  # noqa: BLE001 - whatever it is, the run that follows will meet it
        pass
    finally:
        gc.collect()


def _priority(value: int) -> None:
    """Every thread of this process at nice `value` (Linux nice is per thread); raising the
    priority back needs privileges an ordinary user may lack, so a refusal is kept as is."""
    try:
        tids = [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:
        tids = [0]
    for tid in tids:
        try:
            os.setpriority(os.PRIO_PROCESS, tid, value)
        except OSError:
            pass


def _serve_warm(channel: Channel) -> int:
    requests = _quiet_stdin()
    normal = os.getpriority(os.PRIO_PROCESS, 0)
    _priority(normal + WARM_NICE)
    warm_up()
    channel.send({"event": "ready", "pid": os.getpid()})
    for line in requests:
        if not line.strip():
            continue
        _priority(normal)  # the run itself goes at the priority a cold one would have
        request = _bad_request(channel, line)
        if request is not None:
            run_job(request, channel)
        gc.collect()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    _watch_parent()
    channel = Channel(1)
    if args == ["--warm"]:
        return _serve_warm(channel)
    if args:
        request = _bad_request(channel, args[0])
        if request is not None:
            run_job(request, channel)
        return 0
    for line in _quiet_stdin():
        if not line.strip():
            continue
        request = _bad_request(channel, line)
        if request is not None:
            run_job(request, channel)
        gc.collect()  # the next answer starts from a clean heap
    return 0


if __name__ == "__main__":
    sys.exit(main())
