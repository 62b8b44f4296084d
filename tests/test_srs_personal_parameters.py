"""Parameters saved by `studytool optimize --save` drive the scheduler; settings saves keep them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from fsrs.scheduler import DEFAULT_PARAMETERS

from studytool.exchange.optimize import save_parameters
from studytool.srs import StudyService
from studytool.store import open_db
from tests.test_srs_service import make_deck

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def one_card(path):
    """A fresh database with one deck of one card, its service and the card."""
    db = open_db(f"sqlite:///{path}")
    service = StudyService(db, clock=lambda: NOW, tz=UTC, fuzz=False)
    service.sync_decks([make_deck(1)])
    card = service.next_card()
    assert card is not None
    return db, service, card


def test_saved_parameters_change_the_intervals_and_survive_a_settings_save(tmp_path):
    db, service, card = one_card(tmp_path / 'p.sqlite3')
    default_easy = service.preview_intervals(card.card_id)[4]

    personal = list(DEFAULT_PARAMETERS)
    personal[3] = personal[3] * 4  # initial stability after Easy: four times longer
    save_parameters(db, personal)
    fresh = StudyService(db, clock=lambda: NOW, tz=UTC, fuzz=False)
    assert fresh.get_settings().fsrs_parameters == tuple(personal)
    assert fresh.preview_intervals(card.card_id)[4] != default_easy

    # The settings screen saves the other fields; the personal parameters stay.
    fresh.save_settings(replace(fresh.get_settings(), new_per_day=5, fsrs_parameters=None))
    again = StudyService(db, clock=lambda: NOW, tz=UTC, fuzz=False)
    assert again.get_settings().new_per_day == 5
    assert again.get_settings().fsrs_parameters == tuple(personal)
    db.close()


def test_a_malformed_stored_parameter_list_falls_back_to_the_defaults(tmp_path):
    db, service, card = one_card(tmp_path / 'm.sqlite3')
    expected = service.preview_intervals(card.card_id)
    # Wrong length, stored by hand (save_parameters reschedules, so fsrs refuses it there).
    from studytool.exchange.document import PARAMETERS_KEY
    from studytool.srs.settings_store import put_setting

    with db.session() as session:
        put_setting(session, PARAMETERS_KEY, [1.0, 2.0, 3.0])
    fresh = StudyService(db, clock=lambda: NOW, tz=UTC, fuzz=False)
    assert fresh.get_settings().fsrs_parameters is None
    assert fresh.preview_intervals(card.card_id) == expected
    db.close()
