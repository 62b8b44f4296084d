"""`--memory-limit`: its lower bound, applying it in the worker, and naming what it causes.

The limit caps the address space the answer may add to what the worker has mapped once the
answer's module (and with it torch, about 610 MB of address space) is loaded. Measured here
(2 cores, torch 2.13 CPU): the demos and a 1-epoch LMModel1 run in 32 MB, LMModel6 --quick
needs between 32 and 64 MB; every thread torch starts maps a stack (8 MB by default), so a
16-core machine adds up to 128 MB before the answer allocates anything. Below MIN_MB no answer
is reliably able to run: such a limit is bad input, not a run.

Under a limit, running out shows up in many shapes: MemoryError, torch's "can't allocate
memory", an ImportError whose shared object "failed to map segment", OSError ENOMEM, or a
worker killed by a signal from C code that could not allocate. All become one message.
"""

from __future__ import annotations

import resource
import signal

MIN_MB = 256
# 1 TiB: above any machine this runs on, and far below what setrlimit's C long can hold
# (a limit of 99999999999999 MB overflowed it in the worker).
MAX_MB = 1024 * 1024
# Exception texts (lower case) that mean an allocation failed; the second kind only where a
# limit is set (without one, a shared object that cannot be mapped is more likely broken).
_OOM_TEXTS = ("out of memory", "can't allocate memory", "cannot allocate memory", "bad_alloc")
_MAP_TEXTS = ("failed to map segment", "cannot map zero-fill pages")
# Signals a worker dies of when C code cannot allocate: the kernel's OOM kill, abort() after
# std::bad_alloc, a NULL pointer from a failed malloc.
_OOM_SIGNALS = (signal.SIGKILL, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS)


def check_limit(megabytes: object) -> int | None:
    """The limit as given, or a StudytoolError naming the bound (raised before any spawn)."""
    from studytool.errors import StudytoolError, quote

    if megabytes is None:
        return None
    if isinstance(megabytes, bool) or not isinstance(megabytes, int):
        raise StudytoolError(f"--memory-limit must be a whole number of MB, not "
                             f"{quote(megabytes)}")
    if not MIN_MB <= megabytes <= MAX_MB:
        raise StudytoolError(f"--memory-limit must be from {MIN_MB} to {MAX_MB} MB, "
                             f"not {quote(megabytes)}")
    return megabytes


def limit_message(megabytes: int, cause: str) -> str:
    """The one line a run that hit its limit reports; `cause` names what failed."""
    return (f"out of memory: {cause}; the run hit the {megabytes} MB memory limit "
            f"(raise --memory-limit)")


def is_limit_message(message: str) -> bool:
    return message.endswith("MB memory limit (raise --memory-limit)")


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and the exceptions it was raised from or while handling (an ImportError raised
    while a MemoryError was handled is still out of memory)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def is_out_of_memory(exc: BaseException, limited: bool) -> bool:
    """Whether `exc` means an allocation failed. Without a limit only the unambiguous kinds
    count; under one, an ImportError or OSError saying it could not map or allocate does too."""
    for link in _chain(exc):
        if isinstance(link, MemoryError):
            return True
        text = str(link).lower()
        if isinstance(link, RuntimeError) and any(t in text for t in _OOM_TEXTS):
            return True
        if limited and isinstance(link, ImportError | OSError) and any(
                t in text for t in _OOM_TEXTS + _MAP_TEXTS):
            return True
    return False


def killed_by_memory(returncode: int | None) -> bool:
    """Whether a worker's exit code is a signal that running out of memory causes."""
    return returncode is not None and returncode < 0 and -returncode in _OOM_SIGNALS


def _vm_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def apply_limit(megabytes: int | None) -> tuple[int, int] | None:
    """Caps further allocations at `megabytes` beyond what is mapped now; returns the old
    limit for `restore`."""
    if not megabytes:
        return None
    old = resource.getrlimit(resource.RLIMIT_AS)
    soft = _vm_bytes() + megabytes * 1024 * 1024
    if old[1] != resource.RLIM_INFINITY:
        soft = min(soft, old[1])
    resource.setrlimit(resource.RLIMIT_AS, (soft, old[1]))
    return old


def restore(old: tuple[int, int] | None) -> None:
    if old is not None:
        resource.setrlimit(resource.RLIMIT_AS, old)
