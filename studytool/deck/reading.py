"""Reading a text file safely: size capped before reading, binary and non-UTF-8 rejected."""

from __future__ import annotations

import stat
from pathlib import Path

from studytool.deck.problems import FileProblem

MAX_BYTES = 5 * 1024 * 1024  # a chapter's deck is ~60 kB; anything near this is a wrong file
_SNIFF = 8192  # NUL bytes near the start mark binary data (images, archives, databases)


def read_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """The file's text; raises FileProblem with a one-line reason otherwise."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise FileProblem("is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            # A pipe or device could block or never end: only regular files are read.
            raise FileProblem("not a regular file")
        size = info.st_size
        if size > max_bytes:
            raise FileProblem(f"file is too large ({_mb(size)}; the limit is {_mb(max_bytes)})")
        with path.open("rb") as handle:
            # Read one byte past the cap: a file that grew (or a pipe) is still caught.
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise FileProblem("no such file") from None
    except PermissionError:
        raise FileProblem("permission denied") from None
    except OSError as exc:
        raise FileProblem(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise FileProblem(f"file is too large (over {_mb(max_bytes)})")
    return decode(data)


def decode(data: bytes) -> str:
    if b"\x00" in data[:_SNIFF]:
        raise FileProblem("not a text file (binary data)")
    try:
        text = data.decode("utf-8-sig")  # a BOM from a Windows editor is harmless
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileProblem(f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x})", line) from None
    if not text.strip():
        raise FileProblem("file is empty")
    # Normalise Windows and old-Mac line ends so line numbers and multi-line strings agree.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
