"""Editing a shipped deck edits the learner's own copy (an upgrade replaces the installed file),
and from then on the copy is the deck every command and the app read."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from test_deck_validation import GOOD

from studytool import config
from studytool.deck import deck_files, load_installed
from studytool.deck.installed import drop_unchanged_copy, editable_file, user_decks_dir

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


def test_a_copy_left_as_shipped_is_dropped_and_an_edited_one_kept(shipped: Path) -> None:
    """An editor quit without a change leaves no copy: a copy would hide every later
    upgrade of the shipped deck."""
    copy = editable_file(shipped)
    drop_unchanged_copy(shipped, copy)
    assert not copy.exists()
    assert load_installed()[0][0].path == shipped
    copy = editable_file(shipped)
    copy.write_text(SHIPPED.replace("What is an RNN?", "What is a recurrent net?"),
                    encoding="utf-8")
    drop_unchanged_copy(shipped, copy)
    assert copy.is_file()


def test_a_refused_answer_makes_no_copy_of_the_shipped_deck(studytool_cmd, child_env) -> None:
    """`write-answer` with an empty answer is refused (exit 2) and writes nothing at all:
    not the shipped deck, not a copy of it."""
    shipped = config.questions_dir() / "ch12.toml"
    before = _digest(shipped)
    refused = subprocess.run([*studytool_cmd, "write-answer", "ch12-q01", "-"], input="",
                             capture_output=True, text=True, env=child_env, timeout=60)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.startswith("error: ") and len(refused.stderr.splitlines()) == 1
    edited = Path(child_env["STUDYTOOL_HOME"]).rglob("edited")
    assert [p for folder in edited for p in folder.iterdir()] == []
    assert _digest(shipped) == before


def test_validate_says_it_read_the_learners_copy(studytool_cmd, child_env) -> None:
    """Once a copy exists `validate` checks it instead of the shipped file, and says so."""
    home = Path(child_env["STUDYTOOL_HOME"])
    edit = subprocess.run([*studytool_cmd, "write-answer", "ch12-q01", "An answer of mine."],
                          capture_output=True, text=True, env=child_env, timeout=60)
    assert edit.returncode == 0, edit.stderr
    [copy] = home.rglob("edited/ch12.toml")
    done = subprocess.run([*studytool_cmd, "validate"], capture_output=True, text=True,
                          env=child_env, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert any(line.startswith(f"{copy}: ") and line.endswith(
        "(your copy, studied in place of the shipped deck)") for line in done.stdout.splitlines())
