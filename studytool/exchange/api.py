"""One call per user action, for the CLI and the TUI: each opens the database, does the work
and returns the line to show. Raises StudytoolError (one line) on bad input."""

from __future__ import annotations

from pathlib import Path

from studytool.errors import StudytoolError
from studytool.exchange.document import MAX_BYTES
from studytool.store import open_db


def export_to(db_url: str, fmt: str, path: Path) -> str:
    db = open_db(db_url)
    try:
        if fmt == "json":
            from studytool.exchange.json_export import export_json

            return f"wrote {path}: {export_json(db, path):,} reviews (JSON export)"
        if fmt == "csv":
            from studytool.exchange.csv_log import export_csv

            return f"wrote {path}: {export_csv(db, path):,} reviews (CSV review log)"
        if fmt == "apkg":
            from studytool.exchange.anki import export_apkg

            return f"wrote {path}: {export_apkg(db, path):,} notes (Anki package)"
        if fmt == "md":
            from studytool.exchange.report import export_markdown

            export_markdown(db, path)
            return f"wrote {path} (Markdown report)"
        raise StudytoolError(f"unknown export format {fmt!r} (json, csv, apkg, md)")
    except OSError as exc:
        raise StudytoolError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        db.close()


def import_from(db_url: str, path: Path, max_mb: int | None = None) -> str:
    from studytool.exchange.json_import import import_json

    limit = max_mb * 1024 * 1024 if max_mb else MAX_BYTES
    db = open_db(db_url)
    try:
        summary = import_json(db, path, limit)
    finally:
        db.close()
    return f"imported {path}: {summary.line()}"
