"""A new leech is announced where the lapse is rated (the CLI's review prints a line, the app
notifies), and leeches travel to Anki as Anki's `leech` tag and come back as leeches: checked
with Anki's own backend (the `anki` package)."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from anki.collection import Collection
from test_cards_cli import DECK, Clock
from test_exchange_anki import through_anki
from test_tui_support import NOW, make_app, open_screen, press
from textual.widgets import Input

from studytool.exchange.anki import export_apkg
from studytool.exchange.anki_import import import_apkg
from studytool.srs import StudyService
from studytool.store import open_db
from studytool.tui.screens.review import ReviewScreen
from studytool.tui.screens.settings import SettingsScreen


def due_for_review(url: str, now: datetime, question: str, deck=DECK) -> StudyService:
    """Leech threshold 1; `question` rated Easy a month before `now`: due, in review."""
    clock = Clock(now - timedelta(days=30))
    service = StudyService(open_db(url), clock=clock, tz=UTC, fuzz=False)
    if deck is not None:
        service.sync_decks([deck])
    service.save_settings(replace(service.get_settings(), leech_threshold=1))
    (card,) = service.card_ids_for([question])
    service.rate(card, 4)
    clock.moment = now
    return service


def test_the_review_command_announces_a_new_leech(tmp_path, studytool_cmd, child_env):
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    due_for_review(url, datetime.now(UTC), "d1-q1").db.close()
    done = subprocess.run([*studytool_cmd, "--db", url, "review"], input="1\n3\n",
                          capture_output=True, text=True, env=child_env, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    first = lines.index("rated Again: next due in 10m")
    assert lines[first + 1] == ("leech: d1-q1 has lapsed too often (tagged leech); rewrite "
                                "or split the card")
    assert sum(line.startswith("leech:") for line in lines) == 1  # only the lapse that made it


async def test_the_app_notifies_a_new_leech(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        settings = await open_screen(pilot, app, "o", SettingsScreen)
        settings.query_one("#set-leech_threshold", Input).value = "1"
        await press(pilot, app, "ctrl+s", "escape")
        due_for_review(app.db_url, NOW, "demo-q02", deck=None)
        screen = await open_screen(pilot, app, "r", ReviewScreen)
        assert screen.card is not None and screen.card.question_id == "demo-q02"
        await press(pilot, app, "space", "1")
        shown = [n.message for n in app._notifications]
        assert "Leech: demo-q02 has lapsed too often (tagged leech); rewrite or split the " \
               "card." in shown


def test_leeches_travel_to_anki_as_its_leech_tag_and_come_back(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    source = due_for_review(f"sqlite:///{tmp_path / 'a.sqlite3'}", now, "d1-q1")
    (card,) = source.card_ids_for(["d1-q1"])
    source.rate(card, 1)
    assert source.card(card).leech
    export_apkg(source.db, tmp_path / "ours.apkg", now=now, tz=UTC)
    source.db.close()

    def look(col: Collection) -> None:
        tagged = {col.get_note(nid)["QuestionId"] for nid in col.find_notes("tag:leech")}
        assert tagged == {"d1-q1"}  # Anki's own search finds it as a leech

    back_apkg = through_anki(tmp_path, look)
    back = StudyService(open_db(f"sqlite:///{tmp_path / 'b.sqlite3'}"), tz=UTC)
    import_apkg(back.db, back_apkg, now=now, tz=UTC)
    leeches = [v for v in back.browse() if v.leech]
    assert len(leeches) == 1 and "leech" not in leeches[0].tags
    assert len(back.stats().leeches) == 1
