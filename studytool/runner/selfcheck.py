"""`studytool check`: every answer run with its checks, on a small pool of worker processes.

Each pool slot keeps one worker alive across answers, so `import torch` (about 2 s here) is
paid once per slot rather than once per answer; a worker that crashed, timed out or ran out of
memory is replaced before the next answer. With more than one slot each worker gets one
intra-op thread: on this 2-core machine two 1-thread trainers beat two 2-thread ones fivefold.
The workers share a folder of finished trainings (answers_code.shared), so a model several
answers train (LMModel6 on nn.LSTM, LMModel4, our GRU) is trained once per check.

Under `--full`, an answer whose correct runs spread widely (`Answer.median_seeds`, from
answers_code/calibration.json) runs once per seed of that list, each run checked on its own,
and `medians` then checks the median of their figures, which one unlucky seed cannot sink.
"""

from __future__ import annotations

import os
import queue
import statistics
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from studytool.run_record import RunRecord
from studytool.runner import catalog
from studytool.runner.collect import Job, collect
from studytool.runner.engine import prepare_job
from studytool.runner.process import WorkerProcess

QUICK_TIMEOUT = 120.0  # per answer; the whole quick check aims at under 60 s
FULL_TIMEOUT = 3600.0
SHARED_ENV = "STUDYTOOL_SHARED_TRAININGS"  # answers_code.shared.ENV (which imports torch)

RowCallback = Callable[[RunRecord], None]


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def plan(names: list[str] | None, quick: bool, device: str = "auto",
         timeout: float | None = None) -> list[Job]:
    """One job per answer (all of them when `names` is empty), one per seed of its
    `median_seeds` under full settings; bad names raise at once."""
    chosen = names or list(catalog.all_answers())
    limit = timeout or (QUICK_TIMEOUT if quick else FULL_TIMEOUT)
    jobs = []
    for name in chosen:
        seeds = () if quick else catalog.get(name).median_seeds
        if seeds:
            jobs += [prepare_job(name, {"seed": seed}, device, limit, quick) for seed in seeds]
        else:
            jobs.append(prepare_job(name, {}, device, limit, quick))
    return jobs


def medians(jobs: list[Job], records: list[RunRecord]) -> list[dict[str, Any]]:
    """The median checks of answers planned over several seeds: one row per check,
    {"answer", "label", "passed", "message", "seeds", "values"}."""
    rows = []
    planned: dict[str, list[int]] = {}
    for job in jobs:
        if not job.quick and job.answer.median_seeds:
            planned.setdefault(job.answer.name, []).append(int(job.params.get("seed", 0)))
    for name, seeds in planned.items():
        answer = catalog.get(name)
        runs = [r for r in records if r.answer == name]
        for check in answer.median_checks:
            values = [r.final.get(check.key) for r in runs if r.status == "ok"]
            numbers = [v for v in values if isinstance(v, int | float)]
            if len(numbers) < len(seeds):
                rows.append({"answer": name, "label": check.label, "passed": False,
                             "message": f"{check.label}: {len(numbers)} of {len(seeds)} runs "
                                        "ended ok, no median to check", "seeds": seeds,
                             "values": numbers})
                continue
            passed, message = check.evaluate({check.key: statistics.median(numbers)})
            rows.append({"answer": name, "label": check.label, "passed": passed,
                         "message": message, "seeds": seeds, "values": numbers})
    return rows


def _cost(job: Job) -> tuple[bool, int]:
    # Longest first keeps both slots busy until the end.
    epochs = job.params.get("epochs", 0)
    return (not job.answer.trains, -(epochs if isinstance(epochs, int) else 0))


class Pool:
    def __init__(self, jobs: list[Job], workers: int, on_row: RowCallback | None = None,
                 isolate: bool = False) -> None:
        self.jobs = jobs
        self.workers = max(1, min(workers, len(jobs) or 1))
        self.threads = 1 if self.workers > 1 else None
        self.on_row = on_row
        self.isolate = isolate  # a fresh process per answer (for measuring; slower)
        self.cancel = threading.Event()
        self.records: dict[int, RunRecord] = {}
        self._queue: queue.Queue[tuple[int, Job]] = queue.Queue()
        self._lock = threading.Lock()
        self._row_lock = threading.Lock()
        self._live: set[WorkerProcess] = set()
        self._running = 0
        self._finished = threading.Event()
        self._env: dict[str, str] = {}

    def run(self) -> list[RunRecord]:
        """Runs every job; the records come back in the order the jobs were given."""
        if self.isolate:  # measuring each answer on its own: nothing shared
            return self._run()
        with tempfile.TemporaryDirectory(prefix="studytool-trainings-") as folder:
            self._env = {SHARED_ENV: folder}
            return self._run()

    def _run(self) -> list[RunRecord]:
        order = sorted(range(len(self.jobs)), key=lambda i: _cost(self.jobs[i]))
        for index in order:
            self._queue.put((index, self.jobs[index]))
        slots = [threading.Thread(target=self._slot, daemon=True) for _ in range(self.workers)]
        self._running = len(slots)
        for slot in slots:
            slot.start()
        try:
            # Not Thread.join: a join interrupted by Ctrl-C can leave is_alive() False while
            # the thread still runs (CPython), and its worker would outlive us.
            while not self._finished.wait(0.1):
                pass
        except KeyboardInterrupt:
            # Running answers end as cancelled; answers not started yet are left out.
            self.stop()
            self._finished.wait(10)
        return [self.records[i] for i in range(len(self.jobs)) if i in self.records]

    def _kill_all(self) -> None:
        with self._lock:
            for worker in self._live:
                worker.kill()

    def _slot(self) -> None:
        try:
            self._serve()
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    self._finished.set()

    def _serve(self) -> None:
        worker: WorkerProcess | None = None
        try:
            while not self.cancel.is_set():
                try:
                    index, job = self._queue.get_nowait()
                except queue.Empty:
                    break
                worker = self._ready(worker, job)
                outcome = collect(worker, job, self.cancel, None, clock_from_start=True)
                if not outcome.worker_usable or self.isolate:
                    self._retire(worker, grace=0.0 if not outcome.worker_usable else 3.0)
                    worker = None
                self._done(index, outcome.record)
        finally:
            if worker is not None:
                self._retire(worker, grace=3.0)

    def _retire(self, worker: WorkerProcess, grace: float) -> None:
        worker.finish(grace=grace)
        with self._lock:
            self._live.discard(worker)

    def _ready(self, worker: WorkerProcess | None, job: Job) -> WorkerProcess:
        """A live worker that has been sent `job` (a fresh one if the old one died)."""
        if worker is not None and worker.alive() and worker.send(job.request()):
            return worker
        if worker is not None:
            self._retire(worker, grace=0.0)
        worker = WorkerProcess(threads=self.threads, env=self._env)
        with self._lock:
            self._live.add(worker)
            if self.cancel.is_set():  # Ctrl-C came while this one was starting
                worker.kill()
        worker.send(job.request())
        return worker

    def _done(self, index: int, record: RunRecord) -> None:
        with self._lock:
            self.records[index] = record
        if self.on_row is not None:
            with self._row_lock:  # rows one at a time, without blocking `stop()`
                self.on_row(record)

    def stop(self) -> None:
        """Cancels from any thread: running answers end as cancelled, the rest never start."""
        self.cancel.set()
        self._kill_all()


def run_selfcheck(jobs: list[Job], workers: int | None = None,
                  on_row: RowCallback | None = None, isolate: bool = False) -> list[RunRecord]:
    return Pool(jobs, workers or default_workers(), on_row, isolate).run()
