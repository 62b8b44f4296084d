"""Remembering which deck contents passed full validation, so the app's start skips pydantic.

Importing pydantic and building the schema costs a few hundred milliseconds on a slow machine,
more than everything else in loading a deck. A file whose exact bytes already passed, under
the same schema code and the same set of answer names, cannot fail again: its key (a hash of
all three) is kept in a small JSON file in the data directory. `studytool validate` never uses
this; the app's loading does. A missing, corrupt or unwritable cache only costs time.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection
from pathlib import Path

_MAX_KEYS = 64
_CODE = ("schema.py", "validation.py", "models.py")  # a change to any of them invalidates all keys
_code_hash: str | None = None
_loaded: tuple[Path, list[str]] | None = None  # (cache file, keys): tests switch data dirs


def content_key(text: str, known: Collection[str]) -> str:
    digest = hashlib.sha256()
    digest.update(_code_digest().encode())
    digest.update("\x00".join(sorted(known)).encode())
    digest.update(b"\x01")
    digest.update(text.encode())
    return digest.hexdigest()


def is_trusted(key: str) -> bool:
    return key in _load()


def remember(key: str) -> None:
    keys = _load()
    if key in keys:
        return
    keys.append(key)
    del keys[:-_MAX_KEYS]
    import tempfile  # only on a write: loading an unchanged deck never needs it

    try:
        path = _cache_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".valid-decks.", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(keys, out)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only data directory just means validating every time


def _load() -> list[str]:
    global _loaded
    path = _cache_file()
    if _loaded is None or _loaded[0] != path:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            keys = [k for k in data if isinstance(k, str)] if isinstance(data, list) else []
        except (OSError, ValueError):
            keys = []
        _loaded = (path, keys)
    return _loaded[1]


def _cache_file() -> Path:
    from studytool.config import data_dir

    return data_dir() / "cache" / "valid-decks.json"


def _code_digest() -> str:
    global _code_hash
    if _code_hash is None:
        digest = hashlib.sha256()
        for name in _CODE:
            digest.update((Path(__file__).parent / name).read_bytes())
        _code_hash = digest.hexdigest()
    return _code_hash
