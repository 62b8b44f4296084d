"""Start a run in a child process, stream its events, get a RunRecord back (no torch here).

    handle = start_run("lmmodel3", {"epochs": 2}, on_event=print)
    record = handle.wait()          # or handle.cancel() from any thread

Bad input (unknown answer, bad parameter, unknown device) raises StudytoolError before
anything is spawned; a device the worker cannot find raises DeviceUnavailable from `wait()`.
Everything that goes wrong inside the child ends as a record with status failed, error,
timeout or cancelled.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from studytool.errors import StudytoolError
from studytool.run_record import RunRecord
from studytool.runner import catalog, devices, memory
from studytool.runner import params as run_params
from studytool.runner.collect import EventCallback, Job, Outcome, collect
from studytool.runner.process import WorkerProcess

if TYPE_CHECKING:
    from studytool.runner.warm import Spares


class DeviceUnavailable(StudytoolError):
    """The requested device is absent: bad input, exit 2, nothing stored."""


def prepare_job(name: str, params: dict[str, Any] | None = None, device: str = "auto",
                timeout: float | None = None, quick: bool = False,
                memory_limit_mb: int | None = None, threads: int | None = None) -> Job:
    """Validates a request in the parent: raises StudytoolError, spawns nothing."""
    answer = catalog.get(name)
    if device not in devices.DEVICES:
        raise StudytoolError(f"unknown device '{device}' (use {', '.join(devices.DEVICES)})")
    overrides = run_params.validate_overrides(answer, dict(params or {}))
    timeout = run_params.validate_timeout(timeout)
    memory_limit_mb = memory.check_limit(memory_limit_mb)
    return Job(answer, answer.params_for(quick, overrides), device, quick, timeout,
               memory_limit_mb, threads)


class RunHandle:
    """A run in progress. `on_event` is called from the collecting thread; `worker`, a warm
    spare to run it in (see studytool.runner.warm), else a fresh worker is spawned."""

    def __init__(self, job: Job, on_event: EventCallback | None = None,
                 worker: WorkerProcess | None = None) -> None:
        self.job = job
        self.answer = job.answer
        self.params = job.params
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._outcome: Outcome | None = None
        self._worker = worker or WorkerProcess(threads=job.threads)
        self.warm = worker is not None
        self.pid = self._worker.pid
        self._worker.send(job.request())
        self._worker.close_input()  # one job: the worker exits after it
        self._thread = threading.Thread(target=self._run, args=(on_event,), daemon=True,
                                        name=f"run-{job.answer.name}")
        self._thread.start()

    def _run(self, on_event: EventCallback | None) -> None:
        try:
            self._outcome = collect(self._worker, self.job, self._cancel, on_event)
            if self._outcome.worker_usable:
                self._worker.finish(grace=3.0)
                # Read to EOF now: the tail holds everything the worker wrote.
                self._outcome.record.stderr_tail = (self._worker.stderr_tail()
                                                    or self._outcome.record.stderr_tail)
        finally:
            self._worker.finish(grace=0.0)  # kills what is left and reaps the worker
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def cancel(self) -> None:
        """Kills the child's whole process group; `wait()` then returns status cancelled."""
        self._cancel.set()
        self._worker.kill()

    def wait(self, timeout: float | None = None) -> RunRecord:
        """The finished run's record (TimeoutError if `timeout` seconds pass first)."""
        # Short waits keep the calling thread responsive to Ctrl-C.
        step = 0.1
        waited = 0.0
        while not self._done.wait(step):
            waited += step
            if timeout is not None and waited >= timeout:
                raise TimeoutError(f"run of {self.answer.name} still going")
        assert self._outcome is not None
        if self._outcome.device_error:
            raise DeviceUnavailable(self._outcome.device_error)
        return self._outcome.record


def start_run(name: str, params: dict[str, Any] | None = None, device: str = "auto",
              timeout: float | None = None, on_event: EventCallback | None = None,
              quick: bool = False, *, memory_limit_mb: int | None = None,
              threads: int | None = None, spares: Spares | None = None) -> RunHandle:
    """Validates the request, hands it to a warm spare from `spares` (if one fits) or spawns
    a worker, and returns at once."""
    job = prepare_job(name, params, device, timeout, quick, memory_limit_mb, threads)
    return RunHandle(job, on_event, spares.take(job.threads) if spares is not None else None)


def run_answer(name: str, params: dict[str, Any] | None = None, device: str = "auto",
               timeout: float | None = None, on_event: EventCallback | None = None,
               quick: bool = False, **options: Any) -> RunRecord:
    """start_run + wait; a KeyboardInterrupt cancels the child before it propagates."""
    handle = start_run(name, params, device, timeout, on_event, quick, **options)
    try:
        return handle.wait()
    except KeyboardInterrupt:
        handle.cancel()
        raise
