"""Embeddings of the decks' texts kept on disk between runs (the grading child reads it).

A grade compares the answer with its reference, the reference's statements, the key concepts,
the known mistake and the other questions' references: a few hundred texts that change only
when a deck does. Embedding them is most of a first grade's work, so they are stored in the
user's cache directory ($STUDYTOOL_HOME/cache, else the platform's cache directory), one file
per model (`model_files.model_key()`, with this encoder's version), one row per text, keyed by
the text's SHA-256. Learners' answers are never stored.

File: MAGIC, dim and count (two little-endian uint32), count 32-byte keys, count float32 rows,
then the SHA-256 of everything before it. A file that is short, foreign or fails its checksum
is ignored (and replaced on the next save): a cache never stops a grade. Saves write a new file
and rename it over the old one, merging what another process saved meanwhile.
"""

from __future__ import annotations

import hashlib
import os
import struct
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

MAGIC = b"studytool embeddings 1\n"
# Bump when the encoder's numbers change (its code, not the model: the model key covers that).
ENCODER_VERSION = "minilm-numpy-1"
MAX_ENTRIES = 20_000  # about 30 MB: every deck a learner is likely to have, many times over
_HEADER = struct.Struct("<II")


def cache_dir() -> Path:
    from studytool.config import ENV_HOME

    home = os.environ.get(ENV_HOME)
    if home:
        return Path(home).expanduser() / "cache"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("studytool", appauthor=False))


def cache_path(model_key: str) -> Path:
    name = hashlib.sha256(f"{ENCODER_VERSION}\n{model_key}".encode()).hexdigest()[:16]
    return cache_dir() / f"embeddings-{name}.bin"


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).digest()


class EmbeddingCache:
    """Text -> embedding row, loaded from `path` (if it is sound) and saved back by `save()`."""

    def __init__(self, path: Path, dim: int) -> None:
        self.path = path
        self.dim = dim
        self.rows: dict[bytes, np.ndarray] = read(path, dim)
        self._unsaved = 0

    def get(self, text: str) -> np.ndarray | None:
        return self.rows.get(text_key(text))

    def put(self, text: str, row: np.ndarray) -> None:
        key = text_key(text)
        if key not in self.rows:
            self.rows[key] = np.asarray(row, dtype=np.float32)
            self._unsaved += 1

    @property
    def unsaved(self) -> int:
        return self._unsaved

    def save(self) -> None:
        """Write the rows (with any another process saved since) if there are new ones. A
        cache that cannot be written is reported on stderr and grading goes on."""
        if not self._unsaved:
            return
        merged = read(self.path, self.dim)
        merged.update(self.rows)  # ours last: insertion order is age, the oldest go first
        if len(merged) > MAX_ENTRIES:
            merged = dict(list(merged.items())[-MAX_ENTRIES:])
        try:
            _remove_leftovers(self.path)
            write(self.path, self.dim, merged.items())
        except OSError as exc:
            print(f"embedding cache not saved: {exc}", file=sys.stderr)
        self.rows = merged
        self._unsaved = 0


def read(path: Path, dim: int) -> dict[bytes, np.ndarray]:
    """The rows of a sound cache file; {} for a missing, foreign, short or damaged one."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    head = len(MAGIC) + _HEADER.size
    if len(data) < head + 32 or not data.startswith(MAGIC):
        return _damaged(path, data)
    file_dim, count = _HEADER.unpack_from(data, len(MAGIC))
    keys_end = head + 32 * count
    if file_dim != dim or len(data) != keys_end + 4 * dim * count + 32 or \
            hashlib.sha256(data[:-32]).digest() != data[-32:]:
        return _damaged(path, data)
    vectors = np.frombuffer(data, dtype="<f4", count=dim * count, offset=keys_end)
    vectors = vectors.reshape(count, dim).astype(np.float32)
    return {data[head + 32 * i: head + 32 * (i + 1)]: vectors[i] for i in range(count)}


def write(path: Path, dim: int, rows: Iterable[tuple[bytes, np.ndarray]]) -> None:
    items = list(rows)
    body = bytearray(MAGIC + _HEADER.pack(dim, len(items)))
    for key, _row in items:
        body += key
    if items:
        body += np.vstack([row for _key, row in items]).astype("<f4").tobytes()
    body += hashlib.sha256(body).digest()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_leftovers(path: Path) -> None:
    """Temporary files of a process killed while saving (a minute old: not being written)."""
    for leftover in path.parent.glob(f"{path.name}*.tmp"):
        try:
            if time.time() - leftover.stat().st_mtime > 60:
                leftover.unlink()
        except OSError:
            pass


def _damaged(path: Path, data: bytes) -> dict[bytes, np.ndarray]:
    if data:
        print(f"embedding cache {path} is damaged: ignored, it will be rebuilt",
              file=sys.stderr)
    return {}
