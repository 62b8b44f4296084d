"""Writing deck files: just enough TOML (strings, string arrays, tables) to stay readable.

Multi-line text is written as a literal '''...''' block where it can be (what a person would
type), else as an escaped \"\"\"...\"\"\" block, so any text round-trips through tomllib.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def toml_string(value: str) -> str:
    """One TOML string value for `value`: a one-line basic string or a multi-line block."""
    if "\n" not in value:
        return '"' + "".join(_escape(ch) for ch in value) + '"'
    if _literal_ok(value):
        return "'''\n" + value + "'''"
    body = "".join("\n" if ch == "\n" else _escape(ch) for ch in value)
    return '"""\n' + body + '"""'


def toml_array(values: Iterable[str]) -> str:
    return "[" + ", ".join(toml_string(v) for v in values) + "]"


def render_table(header: str, fields: Mapping[str, str | list[str] | None]) -> str:
    """`[header]` (or `[[header]]` when given with brackets) followed by `key = value` lines."""
    lines = [header]
    for key, value in fields.items():
        if value is None:
            continue
        rendered = toml_array(value) if isinstance(value, list) else toml_string(value)
        lines.append(f"{key} = {rendered}")
    return "\n".join(lines) + "\n"


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if ord(ch) < 0x20 or ord(ch) == 0x7F:
        return f"\\u{ord(ch):04x}"
    return ch


def _literal_ok(value: str) -> bool:
    # Literal strings cannot hold ''' or control characters other than tab and newline; a
    # trailing quote would merge with the closing delimiter.
    if "'''" in value or value.endswith("'"):
        return False
    return not any((ord(ch) < 0x20 and ch not in "\t\n") or ord(ch) == 0x7F for ch in value)


def write_atomically(target: Path, text: str) -> None:
    """Replace `target` with `text` in one step: a crash leaves the old file or the new one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
