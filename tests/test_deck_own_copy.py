"""Editing a shipped deck edits the learner's own copy (an upgrade replaces the installed file),
and from then on the copy is the deck every command and the app read."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from test_deck_validation import GOOD

from studytool import config
from studytool.deck import deck_files, load_installed
from studytool.deck.installed import editable_file, user_decks_dir

SHIPPED = GOOD  # a valid deck whose first question is "What is an RNN?"


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A shipped questions folder holding one deck (the real one sits in the checkout)."""
    folder = tmp_path / "site-packages" / "questions"
    folder.mkdir(parents=True)
    (folder / "demo.toml").write_text(SHIPPED, encoding="utf-8")
    monkeypatch.setattr(config, "questions_dir", lambda: folder)
    return folder / "demo.toml"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_first_edit_copies_the_shipped_deck_into_the_learners_folder(shipped: Path) -> None:
    before = _digest(shipped)
    copy = editable_file(shipped)
    assert copy != shipped and copy.is_relative_to(user_decks_dir())
    assert copy.read_bytes() == shipped.read_bytes()
    copy.write_text(SHIPPED.replace("What is an RNN?", "What is a recurrent net?"),
                    encoding="utf-8")
    assert editable_file(shipped) == copy  # later edits: the same copy, not copied over
    assert "recurrent net" in copy.read_text(encoding="utf-8")
    assert _digest(shipped) == before  # the installed file is never written

    # Every reader now takes the copy in place of the shipped file, with no duplicate warning
    # even though the database remembers the copy's path (it hands it back as `added`).
    decks, problems = load_installed([copy, shipped])
    assert problems == []
    [deck] = decks
    assert deck.path == copy and deck.questions[0].text == "What is a recurrent net?"
    assert copy in deck_files() and shipped not in deck_files()


def test_a_file_of_the_learners_own_is_edited_where_it_is(shipped: Path, tmp_path: Path) -> None:
    own = tmp_path / "mine.toml"
    own.write_text(SHIPPED, encoding="utf-8")
    assert editable_file(own) == own
    assert not (user_decks_dir() / "edited").exists()


def test_a_broken_copy_is_reported_and_the_shipped_deck_serves(shipped: Path) -> None:
    copy = editable_file(shipped)
    copy.write_text("[deck]\nid = ", encoding="utf-8")
    decks, problems = load_installed()
    assert [d.path for d in decks] == [shipped]
    assert any(p.startswith(f"{copy}: your copy does not load") for p in problems)
