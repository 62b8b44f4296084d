"""Bad deck files: one clear `file:line: message` per problem, and the other decks still load."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studytool.config import questions_dir
from studytool.deck import DeckError, deck_files, load_deck, load_installed, validate_files
from studytool.deck.installed import user_decks_dir
from studytool.deck.loader import check_file, check_text
from studytool.deck.reading import MAX_BYTES

GOOD = '''\
[deck]
id = "demo"
title = "Demo deck"

[[question]]
id = "demo-q01"
text = "What is an RNN?"
answer = "A network with a loop over the sequence."
tags = ["rnn"]
answers = ["lmmodel2"]

[[question]]
id = "demo-q02"
kind = "code"
text = "Write it."
answer = \'\'\'
```python
h = 0
```
\'\'\'
'''


def write(tmp_path: Path, text: str | bytes, name: str = "deck.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    return [str(p) for p in check_file(path)[1]]


def only_problem(path: Path) -> str:
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


def test_a_good_deck_loads(tmp_path):
    deck = load_deck(write(tmp_path, GOOD))
    assert deck.id == "demo" and deck.title == "Demo deck"
    assert [q.id for q in deck.questions] == ["demo-q01", "demo-q02"]
    first, second = deck.questions
    assert first.kind == "recall" and first.tags == ("rnn",) and first.answers == ("lmmodel2",)
    assert second.kind == "code" and second.answer == "```python\nh = 0\n```"
    assert problems(tmp_path / "deck.toml") == []


def test_empty_file(tmp_path):
    path = write(tmp_path, "")
    assert only_problem(path) == f"{path}: file is empty"
    assert only_problem(write(tmp_path, "\n  \n", "blank.toml")).endswith("file is empty")


def test_binary_file(tmp_path):
    path = write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert only_problem(path) == f"{path}: not a text file (binary data)"


def test_not_utf8_names_the_line(tmp_path):
    path = write(tmp_path, '[deck]\nid = "d"\ntitle = "caf\xe9"\n'.encode("latin-1"))
    assert only_problem(path) == f"{path}:3: not UTF-8 text (invalid byte 0xe9)"


def test_a_10_mb_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.toml"
    with path.open("wb") as handle:  # sparse: 10 MB that were never written
        handle.truncate(10 * 1024 * 1024)

    def no_read(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_read)
    assert only_problem(path) == f"{path}: file is too large (10.0 MB; the limit is 5.0 MB)"


def test_just_under_the_size_limit_is_read(tmp_path):
    filler = "#" * (MAX_BYTES - len(GOOD) - 2) + "\n"
    assert load_deck(write(tmp_path, GOOD + filler)).id == "demo"


def test_zero_questions(tmp_path):
    path = write(tmp_path, '# comment\n[deck]\nid = "demo"\ntitle = "Demo"\n')
    assert only_problem(path) == (f"{path}:2: the deck has no questions (add [[question]] "
                                  "tables with id, text and answer)")


def test_invalid_toml_names_the_line(tmp_path):
    path = write(tmp_path, GOOD.replace('text = "Write it."', 'text = "Write it.'))
    message = only_problem(path)
    assert message.startswith(f"{path}:15: not valid TOML: ")


def test_deeply_nested_toml_is_an_error_not_a_crash(tmp_path):
    path = write(tmp_path, "x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert only_problem(path) == f"{path}: not valid TOML: values nested too deeply"


def test_unknown_field_names_its_line_and_the_question(tmp_path):
    path = write(tmp_path, GOOD.replace('tags = ["rnn"]', 'tag = ["rnn"]'))
    assert only_problem(path) == f"{path}:9: demo-q01: unknown field 'tag' (did you mean 'tags'?)"


def test_missing_answer_points_at_the_question(tmp_path):
    answer_line = 'answer = "A network with a loop over the sequence."\n'
    path = write(tmp_path, GOOD.replace(answer_line, ""))
    assert only_problem(path) == f"{path}:5: demo-q01: missing field 'answer'"


def test_empty_answer_and_empty_text(tmp_path):
    text = GOOD.replace('"A network with a loop over the sequence."', '"   "')
    text = text.replace('text = "Write it."', 'text = ""')
    path = write(tmp_path, text)
    assert problems(path) == [f"{path}:8: demo-q01: 'answer' is empty",
                              f"{path}:15: demo-q02: 'text' is empty"]


def test_duplicate_ids_name_both_lines(tmp_path):
    path = write(tmp_path, GOOD.replace('id = "demo-q02"', 'id = "demo-q01"'))
    assert only_problem(path) == f"{path}:12: demo-q01: duplicate id (first at line 5)"


def test_unknown_answer_link(tmp_path):
    path = write(tmp_path, GOOD.replace('["lmmodel2"]', '["lmmodel2", "lmodel3"]'))
    assert only_problem(path) == (f"{path}:10: demo-q01: unknown answer 'lmodel3' "
                                  "(did you mean 'lmmodel3'?)")


def test_links_accept_the_promised_names_and_third_word(tmp_path):
    path = write(tmp_path, GOOD.replace('["lmmodel2"]', '["third-word", "gru-torch", "ar-tar"]'))
    assert problems(path) == []


def test_wrong_types_and_values(tmp_path):
    text = GOOD.replace('tags = ["rnn"]', 'tags = "rnn"').replace('kind = "code"', "kind = 3")
    text = text.replace('id = "demo-q02"', 'id = "Demo Q2"')
    path = write(tmp_path, text)
    assert problems(path) == [
        f"{path}:9: demo-q01: 'tags' must be a list (got str 'rnn')",
        f"{path}:13: question 2 (id 'Demo Q2'): 'id' value 'Demo Q2' may only use lowercase "
        "letters, digits, '-' and '_' (first: letter or digit)",
        f"{path}:14: question 2 (id 'Demo Q2'): 'kind' is 3; expected 'recall', 'code', "
        "'experiment', 'draw' or 'study'",
    ]


def test_ids_carry_the_deck_prefix(tmp_path):
    path = write(tmp_path, GOOD.replace('id = "demo-q02"', 'id = "other-q02"'))
    assert only_problem(path) == f"{path}:13: other-q02: id must start with the deck id ('demo-')"


def test_missing_deck_table_and_unknown_top_level_key(tmp_path):
    text = GOOD.replace('[deck]\nid = "demo"\ntitle = "Demo deck"\n', 'version = 2\n')
    path = write(tmp_path, text)
    found = problems(path)
    assert f"{path}:1: missing [deck] table (with id and title)" in found
    assert any(p.startswith(f"{path}:1: unknown top-level key 'version'") for p in found)


def test_a_question_id_is_named_even_when_its_header_is_far_away(tmp_path):
    # A multi-line answer that quotes TOML must not shift the line numbers.
    quoted = "answer = '''\n[[question]]\nid = \"fake\"\n'''"
    text = GOOD.replace('answer = "A network with a loop over the sequence."', quoted)
    path = write(tmp_path, text.replace('text = "Write it."', 'text = ""'))
    assert only_problem(path) == f"{path}:18: demo-q02: 'text' is empty"


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    text = GOOD.replace('tags = ["rnn"]', 'tagz = ["rnn"]').replace('"lmmodel2"', '"nope"')
    text = text.replace('text = "Write it."', 'text = " "')
    path = write(tmp_path, text)
    assert [p.split(": ", 1)[0] for p in problems(path)] == [f"{path}:9", f"{path}:10",
                                                            f"{path}:15"]


def test_deck_error_is_one_line(tmp_path):
    path = write(tmp_path, GOOD.replace('tags = ["rnn"]', 'tagz = 1').replace('"lmmodel2"', '"x"'))
    with pytest.raises(DeckError) as info:
        load_deck(path)
    assert "\n" not in str(info.value)
    assert str(info.value).endswith("(and 1 more problem)")
    assert len(info.value.lines) == 2


def test_validate_files_lists_problems_in_order(tmp_path):
    good, empty = write(tmp_path, GOOD, "a.toml"), write(tmp_path, "", "b.toml")
    assert validate_files([good, empty]) == [f"{empty}: file is empty"]


def test_placeholder_answer_is_a_warning_not_an_error(tmp_path):
    path = write(tmp_path, GOOD.replace("A network with a loop over the sequence.",
                                        "(no answer yet)"))
    deck, found = check_file(path)
    assert deck is not None
    assert [str(p) for p in found] == [f"{path}:8: warning: demo-q01: no answer yet "
                                       "(write one in 'answer')"]
    # The cached path (the app's start) reports the same warning.
    load_deck(path)
    assert [str(p) for p in check_file(path, use_cache=True)[1]] == [str(p) for p in found]


def test_the_cached_load_builds_the_same_deck(tmp_path):
    shipped = questions_dir() / "ch12.toml"
    full = load_deck(shipped, use_cache=False)
    assert load_deck(shipped, use_cache=True) == full  # first: validates, remembers
    assert load_deck(shipped, use_cache=True) == full  # second: from the trusted content


def test_an_edited_file_is_validated_again(tmp_path):
    path = write(tmp_path, GOOD)
    load_deck(path)
    path.write_text(GOOD.replace('"lmmodel2"', '"nope"'), encoding="utf-8")
    with pytest.raises(DeckError, match="unknown answer 'nope'"):
        load_deck(path)


def test_broken_user_decks_never_stop_the_others(tmp_path):
    decks_dir = user_decks_dir()
    write(decks_dir, "", "empty.toml")
    write(decks_dir, b"\x00\x01binary", "binary.toml")
    write(decks_dir, GOOD, "demo.toml")
    write(decks_dir, GOOD.replace("Demo deck", "Copy"), "zz-copy.toml")
    (decks_dir / "notes.txt").write_text("not a deck", encoding="utf-8")
    decks, found = load_installed(deck_files())  # as if a database had taken each one in
    assert [d.id for d in decks] == ["ch12", "demo"]
    assert f"{decks_dir / 'empty.toml'}: file is empty" in found
    assert f"{decks_dir / 'binary.toml'}: not a text file (binary data)" in found
    assert any(p.startswith(f"{decks_dir / 'zz-copy.toml'}: deck id 'demo' is already used")
               for p in found)
    assert len(found) == 3


def test_devices_and_folders_are_not_read():
    assert only_problem(Path("/dev/null")) == "/dev/null: not a regular file"


def test_a_folder_is_not_a_deck(tmp_path):
    assert only_problem(tmp_path) == f"{tmp_path}: is a directory, not a file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, GOOD)
    path.chmod(0)
    assert only_problem(path) == f"{path}: permission denied"


def _mutate(text: str, edits: list[tuple[int, str, int]]) -> str:
    for position, inserted, deleted in edits:
        at = position % (len(text) + 1)
        text = text[:at] + inserted + text[at + deleted:]
    return text


PIECES = ["", "[", "]", '"', "'''", "\n", "=", "[[question]]\n", 'id = "demo-q01"\n', "x", "\\",
          "\x00", "tags = 3\n", "é", 'answers = ["nope"]\n', "[deck]\n", 'id = "a\\nb"\n']


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(PIECES), st.integers(0, 3)),
                max_size=6))
def test_any_edit_of_a_deck_gives_a_deck_or_problem_lines_never_a_crash(edits):
    deck, found = check_text(_mutate(GOOD, edits), Path("fuzz.toml"))
    assert (deck is None) == any(not p.warning for p in found)
    for problem in found:
        assert str(problem).startswith("fuzz.toml") and "\n" not in str(problem)


def test_a_malformed_id_is_quoted_and_stays_on_one_line(tmp_path):
    text = GOOD.replace('"demo-q01"', '"a\\nb"').replace('"demo-q02"', '"a\\nb"')
    path = write(tmp_path, text)
    found = problems(path)
    assert found[0] == (f"{path}:6: question 1 (id 'a\\nb'): 'id' value 'a\\nb' may only use "
                        "lowercase letters, digits, '-' and '_' (first: letter or digit)")
    assert f"{path}:12: question 2 (id 'a\\nb'): duplicate id (first at line 5)" in found
    assert all("\n" not in line for line in found)
