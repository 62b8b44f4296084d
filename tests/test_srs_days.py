"""The learner's day boundary and Anki-style interval labels (pure functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from studytool.srs import format_interval
from studytool.srs.days import day_start, day_starts, learner_date, next_day_start


@pytest.mark.parametrize(("seconds", "label"), [
    (0, "0s"), (30, "30s"), (59.4, "59s"), (59.6, "1m"), (60, "1m"), (3599, "1h"),
    (600, "10m"), (3600, "1h"), (5400, "1.5h"),
    (86400, "1d"), (4 * 86400, "4d"), (29 * 86400, "29d"), (86399, "1d"), (36 * 86400, "1.2mo"),
    (90 * 86400, "3mo"), (400 * 86400, "1.1y"), (730 * 86400, "2y"),
])
def test_intervals_read_like_ankis_buttons(seconds, label):
    assert format_interval(timedelta(seconds=seconds)) == label


def test_the_day_starts_at_the_configured_local_hour():
    at = datetime(2026, 3, 2, 3, 59, tzinfo=UTC)
    assert day_start(at, 4, UTC) == datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    assert learner_date(at, 4, UTC) == date(2026, 3, 1)  # 3:59 am still belongs to yesterday
    assert day_start(at + timedelta(minutes=1), 4, UTC) == datetime(2026, 3, 2, 4, tzinfo=UTC)
    assert next_day_start(at, 4, UTC) == datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def test_local_time_zones_and_daylight_saving_are_respected():
    tokyo = ZoneInfo("Asia/Tokyo")  # UTC+9: 4 am local is 19:00 UTC the day before
    assert day_start(datetime(2026, 3, 2, 12, tzinfo=UTC), 4, tokyo) == datetime(
        2026, 3, 1, 19, tzinfo=UTC)
    new_york = ZoneInfo("America/New_York")  # DST begins 2026-03-08 at 2 am
    before, after = day_starts(datetime(2026, 3, 7, 12, tzinfo=UTC), 4, range(0, 2), new_york)
    assert before == datetime(2026, 3, 7, 9, tzinfo=UTC)  # 4 am EST
    assert after == datetime(2026, 3, 8, 8, tzinfo=UTC)  # 4 am EDT: a 23-hour day
    assert learner_date(after, 4, new_york) == date(2026, 3, 8)


def test_results_are_utc_aware():
    start = day_start(datetime(2026, 6, 1, tzinfo=UTC), 4, ZoneInfo("Europe/Berlin"))
    assert start.tzinfo is UTC and start == datetime(2026, 5, 31, 2, tzinfo=UTC)
