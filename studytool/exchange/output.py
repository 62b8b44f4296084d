"""Where an export lands: a new file or a regular one replaced whole, never anything else, and
nothing at all if the export dies midway.

The file is written unnamed (Linux `O_TMPFILE`: an inode in the target's folder with no
name), so even `kill -9` or a power cut mid-write leaves no partial file behind: the kernel
frees an unnamed inode when its last descriptor closes. Only when the content is complete
does it get a name: linked straight to the target when that is a new path (atomic, and it
fails rather than replace something created meanwhile), else linked to a hidden temporary
name and renamed over the target (atomic). Where `O_TMPFILE` is not available (another OS,
or a file system without it) the same hidden name is written directly. That hidden name
carries the writer's process id, so a later export to the same target removes one left by a
dead writer (the only leftover possible: killed between link and rename, or on the fallback).
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from studytool.errors import StudytoolError

_SUFFIX = ".partial"
_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
          (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def check_target(path: Path) -> None:
    """Refuse a path that exists and is not a regular file, or whose folder is missing."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise StudytoolError(f"no such folder: {path.parent}") from None
        return
    except OSError as exc:
        raise StudytoolError(f"cannot write {path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
        raise StudytoolError(f"{path} is {kind}, not a regular file: an export writes only a "
                             "new file or replaces a regular one")


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """A binary file that becomes `path` when the block ends without an exception; an
    exception (or the process dying) leaves `path` as it was and no other file behind."""
    check_target(path)
    _remove_stale(path)
    temp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}{_SUFFIX}")
    try:
        fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o666)
        unnamed = True
    except (AttributeError, OSError):  # no O_TMPFILE here: a named temporary instead
        fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, 0o666)
        unnamed = False
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            check_target(path)  # still a regular file or nothing (not swapped for a link)
            if unnamed and _link(fd, path, exist_ok=True):
                return
            if unnamed:
                _link(fd, temp)
            os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def _link(fd: int, path: Path, exist_ok: bool = False) -> bool:
    """Give the unnamed file `path` as its name; False (with exist_ok) if that is taken."""
    # linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/N, as open(2) describes for O_TMPFILE;
    # Python uses linkat (rather than link, which would link the /proc entry itself) only
    # when given a folder descriptor.
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.link(f"/proc/self/fd/{fd}", path.name, dst_dir_fd=folder, follow_symlinks=True)
    except FileExistsError:
        if not exist_ok:
            raise
        return False
    finally:
        os.close(folder)
    return True


@contextlib.contextmanager
def atomic_text(path: Path, encoding: str = "utf-8", newline: str = "\n") -> Iterator[IO[str]]:
    """`atomic_output` for text."""
    with atomic_output(path) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline=newline)
        yield text
        text.flush()
        text.detach()  # the binary file is closed (or named) by atomic_output


def _remove_stale(path: Path) -> None:
    prefix, suffix = f".{path.name}.", _SUFFIX
    try:
        names = [n for n in os.listdir(path.parent) if n.startswith(prefix)
                 and n.endswith(suffix)]
    except OSError:
        return
    for name in names:
        pid = name[len(prefix):-len(suffix)].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
