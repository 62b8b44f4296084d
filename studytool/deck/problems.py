"""Problems found in deck files, shown as `file:line: message` (editors jump to them)."""

from __future__ import annotations

from dataclasses import dataclass

from studytool.errors import StudytoolError


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int | None
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        level = "warning: " if self.warning else ""
        # One problem, one line: a line break from the file's own text is shown escaped.
        message = self.message.replace("\r", "\\r").replace("\n", "\\n")
        return f"{where}: {level}{message}"


class DeckError(StudytoolError):
    """A deck file cannot be used; `problems` holds every problem line found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if not p.warning] or self.problems
        more = len(errors) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        super().__init__(f"{errors[0]}{suffix}" if errors else "invalid deck")

    @property
    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class FileProblem(Exception):
    """Raised while reading a file: the file cannot be read as a text deck or questionnaire."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
