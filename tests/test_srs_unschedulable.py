"""A card whose stored scheduling state fsrs cannot use (issue 14, item 4: a Review card with
no stability and difficulty, as an older import let in) never stops the queue: it is served
as a card learnt anew, reported on its view, and its next rating stores a whole state; the
other cards keep coming. On a real database, through the service and through the app."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from test_tui_support import (
    NOW,
    demo_deck,
    make_app,
    open_screen,
    settle,
)

from studytool.srs import StudyService
from studytool.store import open_db
from studytool.store.models import CardRow
from studytool.tui.screens.review import ReviewScreen


def break_first_card(url: str, deck_file: Path) -> int:
    """The demo deck, its first card turned into the impossible one: due, in Review, with
    neither stability nor difficulty."""
    service = StudyService(open_db(url), clock=lambda: NOW, tz=UTC, fuzz=False)
    service.sync_decks([demo_deck(deck_file)])
    card_id = next(v.card_id for v in service.browse() if v.question_id == "demo-q01")
    with service.db.session() as session:
        session.execute(update(CardRow).where(CardRow.id == card_id).values(
            state=2, step=None, stability=None, difficulty=None,
            due=NOW - timedelta(hours=1), last_review=NOW - timedelta(days=3)))
    service.db.close()
    return card_id


def test_the_queue_serves_every_card_past_an_impossible_one(tmp_path):
    url = f"sqlite:///{tmp_path / 'study.sqlite3'}"
    broken = break_first_card(url, tmp_path / "demo.toml")
    service = StudyService(open_db(url), clock=lambda: NOW, tz=UTC, fuzz=False)
    reported = service.card(broken)
    served = []
    while (card := service.next_card()) is not None:
        intervals = service.preview_intervals(card.card_id)
        assert sorted(intervals) == [1, 2, 3, 4]
        service.rate(card.card_id, 3)
        served.append(card.question_id)
        assert len(served) < 20
    assert served[0] == "demo-q01"  # the review due first, served, not skipped
    assert sorted(set(served)) == [f"demo-q0{i}" for i in range(1, 6)]
    from studytool.srs.fsrs_bridge import scheduling_problem

    assert reported.problem == "a review card needs stability and difficulty"
    repaired = service.card(broken)
    assert repaired.problem is None and repaired.stability is not None
    assert scheduling_problem(2, None, repaired.stability, repaired.difficulty) is None
    service.db.close()


@pytest.mark.slow
async def test_the_app_shows_the_due_cards_instead_of_no_more_cards(tmp_path):
    broken = break_first_card(f"sqlite:///{tmp_path / 'study.sqlite3'}", tmp_path / "demo.toml")
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, app, "enter", ReviewScreen)
        assert screen.card is not None and screen.card.card_id == broken
        assert "No more cards due" not in str(screen.query_one("#card-info").render())
        await pilot.press("space")
        await pilot.pause()
        await pilot.press("3")
        await settle(pilot, app)
        assert screen.card is not None and screen.card.card_id != broken
