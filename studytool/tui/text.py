"""Small text helpers shared by the screens, and the one way outside text reaches a widget.

Text from a deck file, the database, a child process or the learner's typing is never parsed
as markup: a deck titled `Notes [/]` once crashed the app at start and `[draft]` vanished from
a title. Escaping is not enough (Textual's markup also reads `[Draft]`, `[$x]` and a trailing
backslash), so such text travels as `Content` / `Text` objects, never as markup strings:

- `plain(text)`: outside text on its own, as a Static's content;
- `markup(template, name=value...)`: our own markup template; `$name` placeholders are filled
  with the values as literal text;
- `cell(text)`: a DataTable cell, Tree label or Select prompt (those take Rich `Text`).

Control characters (an ESC sequence in a file) are shown as U+FFFD, never sent to the
terminal. Notifications are plain text app-wide (`StudyApp.notify`).
"""

from __future__ import annotations

import re
from datetime import datetime

from rich.text import Text
from textual.content import Content

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """`text` as a string with its control characters (but newline and tab) replaced."""
    return _CONTROL.sub("\ufffd", str(text))


def plain(text: object) -> Content:
    """Outside text as content: shown exactly as written, never parsed as markup."""
    return Content(printable(text))


def markup(template: str, **values: object) -> Content:
    """Our markup `template`, its `$name` placeholders filled literally with `values` (a
    `Content` value keeps its own styles)."""
    filled = {name: value if isinstance(value, Content) else printable(value)
              for name, value in values.items()}
    return Content.from_markup(template, **filled)


def lines(parts: list[Content]) -> Content:
    """Content pieces one per line."""
    return Content("\n").join(parts)


def cell(text: object) -> Text:
    """Outside text for a DataTable cell, a Tree label or a Select prompt."""
    return Text(printable(text), end="")


def one_line(text: str, width: int) -> str:
    """A question as one plain line (no Markdown emphasis or code marks), cut to `width`."""
    line = " ".join(text.replace("**", "").replace("`", "").replace("*", "").split())
    return line if len(line) <= width else line[: width - 1] + "…"


def short_time(moment: datetime | None, now: datetime) -> str:
    """A stored UTC time in five columns of the learner's wall clock: `14:05` today, else
    the day, `12-03` (the run lab's past runs fit beside the answers at 80 columns)."""
    if moment is None:
        return "-"
    local = moment.astimezone()
    return local.strftime("%H:%M" if local.date() == now.astimezone().date() else "%m-%d")


def local_time(moment: datetime | None) -> str:
    """A stored UTC time as the learner's wall-clock time, to the minute."""
    if moment is None:
        return "-"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
