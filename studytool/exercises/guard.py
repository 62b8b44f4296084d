"""`python -m studytool.exercises.guard PARENT CPU_SECONDS MEMORY_BYTES -- COMMAND...`

Stands between the verifier and the check process (which runs the learner's code), so that
nothing the learner's code starts outlives a verification (Linux):

- The guard is a child subreaper (PR_SET_CHILD_SUBREAPER): a process the learner's code forks
  and orphans, after `setsid()` or a double fork too, is re-parented to the guard instead of
  init, so it can always be found (and reaped, so zombies do not pile up).
- The guard runs no learner code, so it stays responsive whatever state the check process is
  in: looping in C, stopped, ignoring every catchable signal.
- It ends the verification when the check process exits, when its stdin (a pipe only the
  verifier holds) reaches end of file, or on SIGTERM. The verifier closes the pipe to stop it,
  and if the verifier dies in any way, kill -9 included, the kernel closes the pipe for it;
  PR_SET_PDEATHSIG(SIGTERM) is a second path to the same end.
- On the way out it SIGKILLs every descendant it can find under /proc, again and again until
  none is left, and reaps them. Its exit status is the check process's (a death by signal is
  re-raised), so the verifier reads it as before.

The check process gets the resource limits, and PR_SET_PDEATHSIG(SIGKILL) towards the guard.
What this cannot stop: learner code that deliberately kills the guard (its parent) first; the
verifier then kills the guard's process group, which catches all but processes that also left
it with `setsid()`. That takes intent, not a mistake, and no unprivileged design without a
cgroup or a second user account closes it.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
KILL_PATIENCE = 10.0  # seconds of killing before giving up on a process that will not die


def available() -> bool:
    """Whether the guard can contain a process tree here (Linux: prctl and /proc)."""
    return sys.platform.startswith("linux") and os.path.isdir("/proc/self")


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _parent_of(pid: str) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            return int(stat.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            parent = _parent_of(entry)
            if parent is not None:
                children.setdefault(parent, []).append(int(entry))
    return children


def descendants(root: int) -> list[int]:
    """Every process below `root`, found by walking /proc."""
    children = _children()
    found: list[int] = []
    frontier = [root]
    while frontier:
        below = children.get(frontier.pop(), [])
        found.extend(below)
        frontier.extend(below)
    return found


def _kill(pid: int, tree: set[int]) -> None:
    """SIGKILL `pid` if it is still the process found in `tree`. A pid that ended since the
    scan could already name someone else's process: a pidfd pins the process, and its parent
    must still be in the tree (or be this guard) for the signal to go."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return  # gone already
    except (AttributeError, OSError):  # no pidfds here (Python or kernel): the plain way
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return
    try:
        if _parent_of(str(pid)) in tree:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
    except OSError:
        pass
    finally:
        os.close(fd)


def _reap(main: int, statuses: dict[int, int]) -> None:
    """Collect every child that has ended; the main child's status is kept."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid == main:
            statuses[main] = status


def kill_all(main: int, statuses: dict[int, int]) -> None:
    """SIGKILL every descendant until none is left (new forks are caught on the next pass:
    a killed process's children are re-parented to this subreaper)."""
    me = os.getpid()
    deadline = time.monotonic() + KILL_PATIENCE
    while time.monotonic() < deadline:
        _reap(main, statuses)
        alive = descendants(me)
        if not alive:
            return
        tree = {me, *alive}
        for pid in alive:
            _kill(pid, tree)
        time.sleep(0.005)


def _spawn(command: list[str], cpu_seconds: int, memory: int, keep_fds: list[int]) -> int:
    me = os.getpid()
    devnull = os.open(os.devnull, os.O_RDWR)
    pid = os.fork()
    if pid == 0:  # the check process-to-be: this thread is the only one, so no lock is held
        try:
            os.dup2(devnull, 0)  # the verifier's pipe stays with the guard
            for which, values in ((resource.RLIMIT_AS, (memory, memory)),
                                  (resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5)),
                                  (resource.RLIMIT_CORE, (0, 0))):
                try:
                    resource.setrlimit(which, values)
                except (ValueError, OSError):
                    pass
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != me:  # the guard died before the line above
                os._exit(1)
            for fd in keep_fds:
                os.set_inheritable(fd, True)
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    # Only the check process writes results: the verifier reads them to their end, which must
    # come when the check process closes its copy (its interpreter takes another second to
    # exit), not when the guard does.
    os.dup2(devnull, 1)
    os.close(devnull)
    for fd in keep_fds:
        os.close(fd)  # only the check process needs them now
    return pid


def _exit_like(status: int | None) -> None:
    if status is None:
        os._exit(1)
    if os.WIFEXITED(status):
        os._exit(os.WEXITSTATUS(status))
    number = os.WTERMSIG(status) if os.WIFSIGNALED(status) else signal.SIGKILL
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if number not in (signal.SIGKILL, signal.SIGSTOP):
        signal.signal(number, signal.SIG_DFL)
    os.kill(os.getpid(), number)
    time.sleep(1)
    os._exit(128 + number)


def main(argv: list[str]) -> None:
    parent, cpu_seconds, memory = int(argv[0]), int(argv[1]), int(argv[2])
    split = argv.index("--")
    keep_fds = [int(fd) for fd in argv[3:split]]
    command = argv[split + 1:]
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the verifier is already gone
        os._exit(1)
    main_pid = _spawn(command, cpu_seconds, memory, keep_fds)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def lifeline() -> None:
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        stop.set()

    threading.Thread(target=lifeline, daemon=True).start()
    statuses: dict[int, int] = {}
    while main_pid not in statuses:
        _reap(main_pid, statuses)  # orphans that ended are collected as they go
        if main_pid in statuses or stop.wait(0.05):
            break
    kill_all(main_pid, statuses)
    _exit_like(statuses.get(main_pid))


if __name__ == "__main__":
    main(sys.argv[1:])
