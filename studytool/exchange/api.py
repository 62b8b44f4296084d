"""One call per user action, for the CLI and the TUI: each works on the caller's one open
Database (the command's, or the app's) and returns the line to show. Raises StudytoolError
(one line) on bad input. `progress`, where given, hears how a long export or import is going
(see `progress`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from studytool.errors import StudytoolError
from studytool.exchange.output import check_target
from studytool.exchange.progress import ProgressCallback

if TYPE_CHECKING:
    from studytool.store import Database

FORMATS = ("json", "csv", "apkg", "md")


def export_to(db: Database, fmt: str, path: Path,
              progress: ProgressCallback | None = None, json_version: int | None = None) -> str:
    if fmt not in FORMATS:
        raise StudytoolError(f"unknown export format {fmt!r} ({', '.join(FORMATS)})")
    check_target(path)  # before any work: a link, pipe or device is never written
    try:
        if fmt == "json":
            from studytool.exchange.document import VERSION
            from studytool.exchange.json_export import export_json

            count = export_json(db, path, progress=progress, version=json_version or VERSION)
            return f"wrote {path}: {count:,} reviews (JSON export)"
        if fmt == "csv":
            from studytool.exchange.csv_log import export_csv

            return f"wrote {path}: {export_csv(db, path, progress):,} reviews (CSV review log)"
        if fmt == "apkg":
            from studytool.exchange.anki import export_apkg

            return f"wrote {path}: {export_apkg(db, path):,} notes (Anki package)"
        from studytool.exchange.output import atomic_text
        from studytool.exchange.report import render

        text = render(db)
        with atomic_text(path) as out:
            out.write(text)
        return f"wrote {path} (Markdown report)"
    except OSError as exc:
        raise StudytoolError(f"cannot write {path}: {exc.strerror or exc}") from exc


def import_from(db: Database, path: Path, max_mb: int | None = None,
                progress: ProgressCallback | None = None) -> str:
    """A JSON export, or an Anki package (told apart by its content: a ZIP archive holding
    an Anki collection, whatever the file is called)."""
    from studytool.exchange.anki_import import is_anki_package

    limit = max_mb * 1024 * 1024 if max_mb else None
    anki = is_anki_package(path)
    if anki and limit is not None and path.stat().st_size > limit:
        raise StudytoolError(f"{path}: over the import limit of {limit:,} bytes "
                             "(raise it with --max-mb)")
    if anki:
        from studytool.exchange.anki_import import import_apkg

        summary = import_apkg(db, path, progress)
    else:
        from studytool.exchange.json_import import import_json

        summary = import_json(db, path, limit, progress)
    return f"imported {path}: {summary.line()}"
