"""Errors the command line turns into one `error: ...` line and an exit code."""


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
