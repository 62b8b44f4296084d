"""The learner's day: "today" starts at a local hour (default 4 am), like Anki's next-day-at.

Times are UTC everywhere else; only here are they turned into local wall-clock times. `tz`
None means the system's local zone (DST handled by converting naive local times through it).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo


def _local_naive(moment: datetime, tz: tzinfo | None) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def _utc_from_local_naive(local: datetime, tz: tzinfo | None) -> datetime:
    aware = local.replace(tzinfo=tz) if tz is not None else local.astimezone()
    return aware.astimezone(UTC)


def _local_day_start(moment: datetime, hour: int, tz: tzinfo | None) -> datetime:
    local = _local_naive(moment, tz)
    start = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    return start if local >= start else start - timedelta(days=1)


def day_start(moment: datetime, hour: int, tz: tzinfo | None = None) -> datetime:
    """UTC instant when the learner's day containing `moment` began."""
    return _utc_from_local_naive(_local_day_start(moment, hour, tz), tz)


def day_starts(moment: datetime, hour: int, offsets: range,
               tz: tzinfo | None = None) -> list[datetime]:
    """UTC starts of the days `offsets` away from the day of `moment` (0 = today)."""
    start = _local_day_start(moment, hour, tz)
    return [_utc_from_local_naive(start + timedelta(days=k), tz) for k in offsets]


def next_day_start(moment: datetime, hour: int, tz: tzinfo | None = None) -> datetime:
    """UTC instant when the learner's next day begins (end of "today")."""
    return day_starts(moment, hour, range(1, 2), tz)[0]


def learner_date(moment: datetime, hour: int, tz: tzinfo | None = None) -> date:
    """The calendar date the learner calls "today" at `moment`."""
    return _local_day_start(moment, hour, tz).date()
