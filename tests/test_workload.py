"""The workload forecast: reviews a day over the next 30 days that the studied cards will ask
for at the desired retention (fsrs simulated), in `stats` (service, CLI, JSON)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fsrs import Card, Scheduler, State
from test_reschedule import studied

from studytool.srs import StudyService
from studytool.srs.workload import SAMPLE, WINDOW_DAYS, forecast, sample
from studytool.store import open_db

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def review_card(card_id: int, stability: float, due_in_days: float) -> Card:
    return Card(card_id=card_id, state=State.Review, stability=stability, difficulty=5.0,
                due=NOW + timedelta(days=due_in_days), last_review=NOW - timedelta(days=1))


def test_a_card_is_counted_once_per_review_inside_the_window() -> None:
    scheduler = Scheduler(enable_fuzzing=False)
    # stable enough that its next interval leaves the window: exactly one review
    assert forecast([review_card(1, 5000.0, 0)], scheduler, NOW).per_day == 1 / WINDOW_DAYS
    assert forecast([review_card(1, 5000.0, 40)], scheduler, NOW).per_day == 0.0  # not yet due
    assert forecast([], scheduler, NOW).per_day == 0.0
    # a weak card comes back several times within the month
    assert forecast([review_card(1, 0.5, 0)], scheduler, NOW).per_day >= 3 / WINDOW_DAYS


def test_a_higher_retention_asks_for_more_reviews_and_samples_scale() -> None:
    cards = [review_card(i, 1.0 + i % 20, i % 7) for i in range(300)]
    low = forecast(cards, Scheduler(desired_retention=0.75, enable_fuzzing=False), NOW)
    high = forecast(cards, Scheduler(desired_retention=0.97, enable_fuzzing=False), NOW)
    assert high.per_day > low.per_day > 0
    # a sample of the cards, scaled to their number, lands near the whole count
    chosen = [cards[i] for i in range(0, 300, 3)]
    scaled = forecast(chosen, Scheduler(desired_retention=0.97, enable_fuzzing=False), NOW, 300)
    assert abs(scaled.per_day - high.per_day) < 0.25 * high.per_day
    assert sample(10) == list(range(10)) and len(set(sample(5 * SAMPLE))) == SAMPLE


def test_stats_show_the_workload_at_the_chosen_retention(tmp_path, studytool_cmd,
                                                         child_env) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    service, _ids = studied(open_db(url))
    at_90 = service.stats().workload
    assert at_90 is not None and at_90.cards == 3 and at_90.retention == 0.9
    service.save_settings(replace(service.get_settings(), desired_retention=0.97))
    again = StudyService(service.db, clock=service._clock, tz=UTC)
    at_97 = again.stats().workload
    assert at_97 is not None and at_97.per_day >= at_90.per_day  # 3 cards: maybe alike
    service.db.close()
    done = subprocess.run([*studytool_cmd, "--db", url, "stats", "--json"], capture_output=True,
                          text=True, env=child_env, timeout=60)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)["workload"]
    assert (shown["retention"], shown["cards"], shown["days"]) == (0.97, 3, 30)
    done = subprocess.run([*studytool_cmd, "--db", url, "stats"], capture_output=True,
                          text=True, env=child_env, timeout=60)
    assert "workload           " in done.stdout and "at retention 0.97" in done.stdout
