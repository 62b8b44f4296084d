"""Turns one job's event stream into a RunRecord, enforcing its deadline and cancellation."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from answers_code.answer import Answer
from studytool.run_record import EpochRow, RunRecord
from studytool.runner import checks, memory
from studytool.runner.events import finite_or_none, strict_json
from studytool.runner.process import EOF, STDERR_CHARS, WorkerProcess, signal_name

OUTPUT_CHARS = 200_000  # captured log text kept per run (the tail)
STARTUP_LIMIT = 120.0  # seconds a pool worker may take to start an answer (import torch)
POLL = 0.1  # how often a waiting collector looks at the cancel flag and the clock

EventCallback = Callable[[dict[str, Any]], None]


class Job:
    """One answer to run: what the worker is told and what the record will say."""

    def __init__(self, answer: Answer, params: dict[str, Any], device: str, quick: bool,
                 timeout: float | None, memory_limit_mb: int | None = None,
                 threads: int | None = None) -> None:
        self.answer = answer
        self.params = params
        self.device = device
        self.quick = quick
        self.timeout = timeout
        self.memory_limit_mb = memory_limit_mb
        self.threads = threads

    def request(self) -> dict[str, Any]:
        return {"answer": self.answer.name, "entry": self.answer.entry, "params": self.params,
                "device": self.device, "memory_limit_mb": self.memory_limit_mb,
                "threads": self.threads}


class Outcome:
    """What collecting ended with; `device_error` marks bad input (nothing to store)."""

    def __init__(self, record: RunRecord, worker_usable: bool, device_error: str | None) -> None:
        self.record = record
        self.worker_usable = worker_usable
        self.device_error = device_error


class _Builder:
    def __init__(self, job: Job) -> None:
        self.job = job
        self.record = RunRecord(answer=job.answer.name, status="error", device=job.device,
                                params=dict(job.params), started_at=datetime.now(UTC))
        self.t0 = time.perf_counter()
        self.output: list[str] = []
        self.output_len = 0

    def take(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "start":
            self.record.device = str(event.get("device", self.record.device))
            self.record.torch_version = str(event.get("torch_version", ""))
        elif kind == "log":
            self._log(str(event.get("text", "")))
        elif kind == "epoch":
            self.record.epochs.append(_row(event, len(self.record.epochs)))

    def _log(self, text: str) -> None:
        self.output.append(text)
        self.output_len += len(text) + 1
        while self.output_len > OUTPUT_CHARS and len(self.output) > 1:
            self.output_len -= len(self.output.pop(0)) + 1

    def finish(self, status: str, message: str, final: dict[str, Any] | None,
               stderr_tail: str) -> RunRecord:
        record = self.record
        record.final = strict_json(_with_last_epoch(final or {}, record.epochs))
        record.status = status
        record.message = message
        if status == "ok":
            rows, decisive = checks.evaluate(self.job.answer, record.final, record.params,
                                             self.job.quick)
            record.checks = rows
            failure = checks.first_failure(rows)
            if failure and decisive:
                record.status, record.message = "failed", f"check failed: {failure}"
            elif rows:
                passed = sum(row["passed"] for row in rows)
                note = "" if decisive else " (advisory: parameters differ from the checked ones)"
                record.message = f"{passed}/{len(rows)} checks passed{note}"
        record.seconds = round(time.perf_counter() - self.t0, 3)
        record.finished_at = datetime.now(UTC)
        record.output = "\n".join(self.output)
        record.stderr_tail = stderr_tail
        return record


def _row(event: dict[str, Any], index: int) -> EpochRow:
    epoch = event.get("epoch")
    return EpochRow(
        epoch=epoch if isinstance(epoch, int) and not isinstance(epoch, bool) else index,
        train_loss=finite_or_none(event.get("train_loss")),
        valid_loss=finite_or_none(event.get("valid_loss")),
        accuracy=finite_or_none(event.get("accuracy")),
        seconds=finite_or_none(event.get("seconds")) or 0.0,
    )


def _with_last_epoch(final: dict[str, Any], epochs: list[EpochRow]) -> dict[str, Any]:
    """DESIGN.md: `final` holds the last epoch's metrics for trained models."""
    if not epochs:
        return dict(final)
    last = epochs[-1]
    merged: dict[str, Any] = {"train_loss": last.train_loss, "valid_loss": last.valid_loss,
                              "accuracy": last.accuracy}
    merged = {k: v for k, v in merged.items() if v is not None}
    merged.update(final)
    return merged


def collect(worker: WorkerProcess, job: Job, cancel: threading.Event,
            on_event: EventCallback | None, clock_from_start: bool = False) -> Outcome:
    """Reads the job's events until its result or error, its deadline, a cancel, or EOF.

    The timeout counts from the spawn (what a user timing `studytool run` sees), or with
    `clock_from_start` from the worker's `start` event, so a pool's per-answer limit does not
    charge one answer for the worker's `import torch` (which gets STARTUP_LIMIT instead).
    """
    builder = _Builder(job)
    deadline = builder.t0 + job.timeout if job.timeout else None
    if deadline is not None and clock_from_start:
        deadline = builder.t0 + max(job.timeout or 0.0, STARTUP_LIMIT)
    while True:
        wait = POLL if deadline is None else max(0.0, min(POLL, deadline - time.perf_counter()))
        try:
            event = worker.events.get(timeout=wait)
        except queue.Empty:
            event = None
        if cancel.is_set():
            worker.kill()
            return _ended(builder, worker, "cancelled", "cancelled by the user")
        if event is None:
            if deadline is not None and time.perf_counter() >= deadline:
                worker.kill()
                return _ended(builder, worker, "timeout", f"timed out after {job.timeout:g} s")
            continue
        if event is EOF:
            worker.finish(grace=2.0)
            return _died(builder, worker, job.memory_limit_mb)
        builder.take(event)
        if clock_from_start and job.timeout and event.get("event") == "start":
            deadline = time.perf_counter() + job.timeout
        _notify(on_event, event)
        if event.get("event") == "result":
            final = event.get("final")
            final = final if isinstance(final, dict) else {}
            record = builder.finish("ok", "", final, worker.stderr_tail())
            return Outcome(record, worker_usable=True, device_error=None)
        if event.get("event") == "error":
            return _error(builder, worker, event)


def _error(builder: _Builder, worker: WorkerProcess, event: dict[str, Any]) -> Outcome:
    kind = event.get("kind")
    message = str(event.get("message", "the answer failed")).strip().splitlines()
    line = message[0] if message else "the answer failed"
    status = "failed" if kind == "nan" else "error"
    tail = worker.stderr_tail()
    trace = event.get("traceback")
    if isinstance(trace, str) and trace.strip() and trace.strip() not in tail:
        tail = f"{tail}\n{trace.strip()}".strip()[-STDERR_CHARS:]
    record = builder.finish(status, line, None, tail)
    return Outcome(record, worker_usable=kind != "memory",
                   device_error=line if kind == "device" else None)


def _died(builder: _Builder, worker: WorkerProcess, limit_mb: int | None) -> Outcome:
    """A worker that ended without a result: failed, or under a memory limit and killed by a
    signal that running out causes, an error that names the limit."""
    code = worker.proc.poll()
    if limit_mb and code is not None and memory.killed_by_memory(code):
        cause = f"worker killed by {signal_name(-code)}"
        return _ended(builder, worker, "error", memory.limit_message(limit_mb, cause))
    reason = f"{worker.exit_description()} before reporting a result"
    return _ended(builder, worker, "failed", reason)


def _ended(builder: _Builder, worker: WorkerProcess, status: str, message: str) -> Outcome:
    worker.finish(grace=0.0)
    return Outcome(builder.finish(status, message, None, worker.stderr_tail()),
                   worker_usable=False, device_error=None)


def _notify(on_event: EventCallback | None, event: dict[str, Any]) -> None:
    if on_event is None:
        return
    try:
        on_event(event)
    except Exception:  # noqa: BLE001 - a display bug must not lose the run
        pass
