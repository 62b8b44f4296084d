"""A warm spare: a worker child that has imported torch and built the datasets, waiting for
one run, so a run started from the app shows its first epoch without paying for `import torch`.

    spares = Spares()        # nothing spawned yet
    spares.start()           # after the app's first paint: one spare, warming at low priority
    worker = spares.take()   # that spare (ready or still warming) or None; a new one is spawned
    spares.close()           # kills the spare

A taken spare is an ordinary one-run worker (`RunHandle` sends it the job and closes its
input, and cancelling kills its process group), so a run behaves exactly as a cold one.
A spare that dies before it is taken (kill -9, out of memory) is replaced; one that keeps dying
right after it starts (a broken install) is given up after a few tries, and runs start cold as
before. Torch-free: the app imports this.
"""

from __future__ import annotations

import threading
import time

from studytool.runner.process import WorkerProcess

QUICK_DEATH = 30.0  # seconds: a spare dying sooner than this after its spawn died "quickly"
MAX_QUICK_DEATHS = 3  # in a row, before no more spares are spawned
WATCH_INTERVAL = 0.5  # how often a spare's liveness is looked at (a replacement's delay)


class Spares:
    """Keeps one warm spare worker for runs of `threads` intra-op threads (None: torch's
    default, what the app's runs use). Thread-safe."""

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads
        self.spawned = 0  # spares started so far (the tests and the benchmark read it)
        self._lock = threading.Lock()
        self._spare: WorkerProcess | None = None
        self._started = False
        self._closed = False
        self._quick_deaths = 0

    @property
    def spare(self) -> WorkerProcess | None:
        """The spare waiting now, if any."""
        return self._spare

    def start(self) -> None:
        """Spawns the first spare (once; nothing after `close`)."""
        with self._lock:
            if self._started or self._closed:
                return
            self._started = True
            self._spawn()

    def take(self, threads: int | None = None) -> WorkerProcess | None:
        """The spare for a run of `threads` threads, with a new spare spawned in its place;
        None (start the run cold) when there is none, it has died, or it was started for
        another thread count."""
        with self._lock:
            worker = self._spare
            if self._closed or worker is None or worker.threads != threads:
                return None
            self._spare = None
            self._spawn()  # the next run's spare warms while this one runs
        if not worker.alive():
            worker.finish(grace=0.0)
            return None
        worker.forget_output()  # what the warm-up printed is not the run's output
        return worker

    def close(self) -> None:
        """Kills the waiting spare; no more are spawned."""
        with self._lock:
            self._closed = True
            worker, self._spare = self._spare, None
        if worker is not None:
            worker.finish(grace=0.0)

    def _spawn(self) -> None:
        # Called with the lock held.
        worker = WorkerProcess(self.threads, warm=True)
        self._spare = worker
        self.spawned += 1
        threading.Thread(target=self._watch, args=(worker, time.monotonic()), daemon=True,
                         name="spare-watch").start()

    def _watch(self, worker: WorkerProcess, born: float) -> None:
        """Replaces `worker` if it dies while it is the spare."""
        # Polling, not wait(): a blocked wait() would make every poll() elsewhere (alive())
        # report a dead process as running.
        while worker.alive():
            time.sleep(WATCH_INTERVAL)
            if self._spare is not worker:
                return  # taken (its run owns it now) or closed
        with self._lock:
            if self._spare is not worker or self._closed:
                return
            self._spare = None
            quick = time.monotonic() - born < QUICK_DEATH
            self._quick_deaths = self._quick_deaths + 1 if quick else 0
            if self._quick_deaths <= MAX_QUICK_DEATHS:
                self._spawn()
        worker.finish(grace=0.0)  # reaps it and ends its reader threads
