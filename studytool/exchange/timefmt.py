"""Times in exports: ISO 8601 UTC with microseconds, and milliseconds since the epoch.

One canonical text form (`2026-03-02T12:00:00.000000+00:00`) so an export, imported and
exported again, is the same text. On SQLite the store keeps naive UTC text
(`2026-03-02 12:00:00.000000`), which converts with string slicing: parsing a million
datetimes would take most of the export's time budget.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def iso_from_sqlite(text: str | None) -> str | None:
    """The store's SQLite text for a UTC time -> the export's ISO form."""
    if text is None:
        return None
    if len(text) == 19:  # written without microseconds by something else
        text += ".000000"
    return f"{text[:10]}T{text[11:26]}+00:00"


def sqlite_from_iso(text: str) -> str:
    """An export's (checked) time -> the text the store keeps on SQLite (naive UTC with
    microseconds, as SQLAlchemy's SQLite DateTime writes it). The export's own form converts
    by slicing; any other zone or precision goes through a datetime."""
    if len(text) == 32 and text[10] == "T" and text[19] == "." and text.endswith("+00:00"):
        return f"{text[:10]} {text[11:26]}"
    return parse(text).isoformat(" ", "microseconds")[:26]


def ms(moment: datetime) -> int:
    return (moment.astimezone(UTC) - _EPOCH) // _MS


def ms_from_sqlite(text: str) -> int:
    return (datetime.fromisoformat(text).replace(tzinfo=UTC) - _EPOCH) // _MS


def parse(text: str) -> datetime:
    """An export's time back to an aware UTC datetime; ValueError when naive or malformed."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"time without a zone: {text!r}")
    return moment.astimezone(UTC)
