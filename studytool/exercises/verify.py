"""`exercise verify`: run an exercise's checks on the learner's file in a child process.

The child (`python -m answers_code.exercises`) streams one event per check; this module
turns them into results, and turns a child that hangs or dies into failed checks with a reason.
Nothing here imports torch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from studytool.exercises.catalogue import Exercise
from studytool.exercises.launcher import Event, run_child
from studytool.runner.process import signal_name

CHECK_TIMEOUT = 60.0  # seconds per check (training checks get a multiple)
STARTUP_WAIT = 90.0  # importing torch on a busy machine
CHECKS_PACKAGE = "answers_code.exercises"
FORGED_LABEL = "results come from the checks"
MAX_CHECK_TIMEOUT = 3600.0  # seconds per check: beyond this a hang is not worth waiting for


@dataclass
class CheckResult:
    label: str
    status: str  # "passed", "failed" or "skipped"
    message: str
    seconds: float | None = None
    output: str = ""  # the end of what the learner's code printed during this check
    output_bytes: int = 0  # how much it printed during this check in all


@dataclass
class VerifyResult:
    exercise: str
    path: Path
    checks: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    stderr_tail: str = ""  # the end of what the check process printed
    output_bytes: int = 0  # how much it printed in all (only the tail is kept)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.status == "passed" for c in self.checks)

    @property
    def counts(self) -> tuple[int, int]:
        """(passed, total)."""
        return sum(c.status == "passed" for c in self.checks), len(self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "path": str(self.path), "passed": self.passed,
                "checks": [asdict(c) for c in self.checks], "seconds": round(self.seconds, 3),
                "output_bytes": self.output_bytes}


class _Collector:
    """Builds each job's results from the child's events, in the order the plan gave."""

    def __init__(self, jobs: list[tuple[Exercise, Path]],
                 on_event: Callable[[int, Event], None] | None) -> None:
        self.results = [VerifyResult(ex.name, path) for ex, path in jobs]
        self.checks: list[dict[str, CheckResult]] = [{} for _ in jobs]
        self.running: list[str | None] = [None for _ in jobs]
        self.ended: set[int] = set()
        self.on_event = on_event

    def __call__(self, event: Event) -> None:
        job = event.get("job")
        if not isinstance(job, int) or not 0 <= job < len(self.results):
            return
        kind, label = event["event"], str(event.get("label", ""))
        if kind == "plan":
            self.checks[job] = {str(lb): CheckResult(str(lb), "skipped", "not run")
                                for lb in event.get("checks", [])}
        elif kind == "begin":
            self.running[job] = label
        elif kind == "check":
            self.checks[job][label] = CheckResult(label, str(event["status"]),
                                                  str(event.get("message", "")),
                                                  event.get("seconds"),
                                                  str(event.get("output", "")),
                                                  _count(event.get("output_bytes")))
            self.running[job] = None
        elif kind == "end":
            self.ended.add(job)
        if self.on_event is not None:
            self.on_event(job, event)

    def close(self, why: str | None, stderr_tail: str, output_bytes: int = 0,
              forged: int = 0) -> list[VerifyResult]:
        """Fill in what the child never reported; `why` says why it stopped early. Result
        lines that failed authentication (`forged`) fail every job: the pipe was written to
        by something other than the checks, so none of what it said can be trusted."""
        for job, result in enumerate(self.results):
            if job not in self.ended and why is None:
                why = ("the check process exited before the checks finished (does the code "
                       "call os._exit?)")
            checks = self.checks[job]
            if not checks:
                checks["loads"] = CheckResult("loads", "failed", why or "the checks never started")
            elif self.running[job] is not None and why:
                label = self.running[job]
                assert label is not None
                checks[label] = CheckResult(label, "failed", why)
            if why:
                for label, check in checks.items():
                    if check.message == "not run":
                        checks[label] = CheckResult(label, "skipped",
                                                    "not run: the check process stopped")
            if forged:
                checks[FORGED_LABEL] = CheckResult(
                    FORGED_LABEL, "failed", f"{forged} line(s) on the results pipe did not come "
                    "from the checks (the code wrote to it?): this verification does not count")
            result.checks = list(checks.values())
            result.stderr_tail = stderr_tail
            result.output_bytes = output_bytes
        return self.results


def output_lines(output: str, total: Any) -> list[str]:
    """A check's captured output as lines to show under it, led by a note when the checks
    kept only its end (the CLI and the app show it the same way)."""
    if not output:
        return []
    left = _count(total) - len(output.encode("utf-8", errors="replace"))
    note = [f"… {left:,} earlier bytes of output not kept"] if left > 0 else []
    return note + output.rstrip("\n").split("\n")


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _death(returncode: int | None, timed_out: bool, wait: float, stderr_tail: str,
           stopped: bool = False) -> str | None:
    """Why the child stopped before finishing (None: it finished)."""
    if stopped:
        return "cancelled"
    if timed_out:
        return (f"timed out: no answer for {wait:g} s, the check process was stopped "
                "(an infinite loop?)")
    if returncode is None or returncode in (0, 1):
        return None
    if returncode < 0:
        name = signal_name(-returncode)
        extra = " (CPU time limit)" if name == "SIGXCPU" else ""
        return f"the check process was killed by {name}{extra}"
    last = stderr_tail.strip().splitlines()[-1:] or [""]
    return f"the check process failed with exit code {returncode}: {last[0]}".rstrip(": ")


def verify_files(jobs: list[tuple[Exercise, Path]], check_timeout: float = CHECK_TIMEOUT,
                 on_event: Callable[[int, Event], None] | None = None,
                 stop: threading.Event | None = None) -> list[VerifyResult]:
    """Verify each (exercise, file) pair, all in one child process, in order. Setting `stop`
    (from another thread: the TUI's cancel) kills the child; unfinished checks say so."""
    check_timeout = validate_check_timeout(check_timeout)
    if not jobs:
        return []
    args = [CHECKS_PACKAGE, "--timeout", f"{check_timeout:g}"]
    for exercise, path in jobs:
        # Absolute: the child runs in the file's folder, where a relative path means another.
        args += [exercise.checks_module, str(path.resolve())]
    collector = _Collector(jobs, on_event)
    # The kernel's CPU limit backs up the per-check alarms: the longest a whole run may take.
    cpu_budget = int(STARTUP_WAIT + check_timeout * 12 * len(jobs))
    started = time.monotonic()
    outcome = run_child(args, collector, first_wait=max(STARTUP_WAIT, check_timeout),
                        cpu_seconds=cpu_budget, stop=stop, cwd=jobs[0][1].resolve().parent)
    why = _death(outcome.returncode, outcome.timed_out, check_timeout + 5, outcome.stderr_tail,
                 outcome.stopped)
    results = collector.close(why, outcome.stderr_tail, outcome.output_bytes, outcome.forged)
    elapsed = time.monotonic() - started
    for result in results:
        result.seconds = elapsed / len(results)
    return results


def validate_check_timeout(seconds: Any) -> float:
    """Seconds per check, from 0.5 to an hour; StudytoolError otherwise (nan, inf and 1e300
    once reached the CPU limit's arithmetic and crashed there)."""
    from studytool.errors import StudytoolError, quote

    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not (
            0.5 <= seconds <= MAX_CHECK_TIMEOUT):  # False for nan as well
        raise StudytoolError(f"--timeout must be a number of seconds from 0.5 to "
                             f"{MAX_CHECK_TIMEOUT:g}, not {quote(seconds)}")
    return float(seconds)


def verify_file(exercise: Exercise, path: Path, check_timeout: float = CHECK_TIMEOUT,
                on_event: Callable[[Event], None] | None = None,
                stop: threading.Event | None = None) -> VerifyResult:
    """Verify one learner file; `on_event` sees each event as it arrives (for live display),
    from this thread."""
    forward = None if on_event is None else (lambda _job, event: on_event(event))
    return verify_files([(exercise, path)], check_timeout, forward, stop)[0]
