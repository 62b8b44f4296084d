"""Our own .apkg coming back (as exported, or after reviews in Anki) updates the same deck
and cards, matched by the note's QuestionId and GUID, instead of making an `anki-...` deck.
Anki's side is Anki's own backend (the `anki` package)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from anki.collection import Collection
from sqlalchemy import func, select
from test_exchange_anki import studied, through_anki

from studytool.exchange.anki import export_apkg
from studytool.exchange.anki_import import import_apkg
from studytool.store.models import CardRow, DeckRow, ReviewLogRow


def contents(db) -> tuple[list[str], list[tuple[str, str]], int]:
    with db.session(write=False) as s:
        return (list(s.scalars(select(DeckRow.id).order_by(DeckRow.id))),
                s.execute(select(CardRow.deck_id, CardRow.question_id)
                          .order_by(CardRow.id)).all(),
                s.scalar(select(func.count()).select_from(ReviewLogRow)))


def test_our_package_reimported_adds_nothing(db_url, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    service = studied(db_url, now, UTC)
    export_apkg(service.db, tmp_path / "ours.apkg", now=now, tz=UTC)
    before = contents(service.db)
    summary = import_apkg(service.db, tmp_path / "ours.apkg", now=now, tz=UTC)
    assert (summary.decks_added, summary.cards_added, summary.reviews_added) == (0, 0, 0)
    assert contents(service.db) == before and before[0] == ["d1"]
    service.db.close()


def test_reviews_made_in_anki_come_back_to_the_same_card(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    service = studied(f"sqlite:///{tmp_path / 's.sqlite3'}", now, UTC)
    export_apkg(service.db, tmp_path / "ours.apkg", now=now, tz=UTC)
    decks, cards, reviews = contents(service.db)
    tags: list[str] = []

    def study(col: Collection) -> None:
        (nid,) = col.find_notes('"QuestionId:d1-q2"')  # the new card, studied in Anki now
        card = col.get_card(col.card_ids_of_note(nid)[0])
        card.start_timer()
        col.sched.answerCard(card, 3)
        tags.extend(col.get_note(nid).tags)

    through_anki(tmp_path, study)
    assert "d1" in tags  # our deck id travels as a tag (and is not kept as one on return)
    summary = import_apkg(service.db, tmp_path / "back.apkg", now=now, tz=UTC)
    assert (summary.decks_added, summary.cards_added) == (0, 0)
    assert (summary.reviews_added, summary.cards_updated) == (1, 1)
    assert contents(service.db) == (decks, cards, reviews + 1)
    (view,) = [v for v in service.browse() if v.question_id == "d1-q2"]
    assert view.state != "new" and view.last_review is not None and "d1" not in view.tags
    assert [r.rating for r in service.history(view.card_id)] == [3]
    service.db.close()
