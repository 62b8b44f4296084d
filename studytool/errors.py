"""Errors the command line turns into one `error: ...` line and an exit code."""

import signal

# An error line quotes what it is about (a path, a command, a value): at most this much of it.
QUOTE_CHARS = 120
# The whole line after `error: `; a message built from a 50 MB input line stays readable.
LINE_CHARS = 500


class StudytoolError(Exception):
    """A problem the user can fix: shown as one line, never a traceback (exit 2 by default)."""

    exit_code = 2

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class CheckFailed(StudytoolError):
    """A check or a run failed (exit 1)."""

    exit_code = 1


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C so every command cleans up one way:
    a run is cancelled and stored, and the exit status is 128 + the signal (143)."""

    signum = signal.SIGTERM


def interrupt_exit_code(exc: BaseException) -> int:
    """128 + the signal: 130 for Ctrl-C (SIGINT), 143 for SIGTERM."""
    return 128 + int(exc.signum if isinstance(exc, Terminated) else signal.SIGINT)


def interrupt_name(exc: BaseException) -> str:
    return "SIGTERM" if isinstance(exc, Terminated) else "Ctrl-C"


def raise_terminated(_signum: int, _frame: object) -> None:
    raise Terminated()


def clip(text: object, limit: int = QUOTE_CHARS) -> str:
    """`text` on one line and cut to `limit` characters, saying how long it really was."""
    value = str(text)
    if "\n" in value or "\r" in value:
        value = " ".join(value.splitlines())
    if len(value) <= limit:
        return value
    return f"{value[:limit]}… ({len(value):,} characters)"


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """`repr(value)` for an error message, cut like `clip`."""
    return clip(repr(value), limit)


def error_line(message: object) -> str:
    """The one line printed after `error: `: newlines folded, at most LINE_CHARS long."""
    return clip(message, LINE_CHARS)
