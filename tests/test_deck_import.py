"""Markdown questionnaire -> deck file: exported Markdown's quirks, and the learner's seed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studytool.deck import PLACEHOLDER_ANSWER, load_deck, load_installed, validate_files
from studytool.deck.loader import check_file
from studytool.deck.markdown_import import import_markdown, parse_questionnaire
from studytool.deck.toml_writer import toml_string
from studytool.errors import StudytoolError
from tests.test_deck_validation import write as write_file

SEEDS = sorted((Path(__file__).resolve().parents[2] / "shared" / "seed").glob("*.txt"))

QUESTIONNAIRE = '''\
# My Chapter

## What is <span class="underline">dropout</span>?

Dropout zeroes **random** activations &amp; rescales.<br>It is `x * mask`.

![diagram](img/drop.png)

## Write a function that adds one to \\_x\\_

def add\\_one(x):

**return** x + 1

## What does this code do:

## h = torch.cat(\\[h, x\\], dim=1)

It joins h and x.

## Draw a diagram

![](only.png)

## What is still unanswered?

## What about fenced code?

```python
## not a heading
print("hi")
```

Done.

## Why does a heading end here?

Some text.

What does the ModelResetter callback do? Why do we need it?

More text.
'''


def write(tmp_path: Path, text: str | bytes, name: str = "chapter.md") -> Path:
    return write_file(tmp_path, text, name)


def test_parse_handles_exported_markdown():
    parsed = parse_questionnaire(QUESTIONNAIRE)
    assert parsed.title == "My Chapter"
    texts = [q.text for q in parsed.questions]
    assert texts == [
        "What is dropout?",
        "Write a function that adds one to _x_",
        "What does this code do: `h = torch.cat([h, x], dim=1)`",
        "Draw a diagram",
        "What is still unanswered?",
        "What about fenced code?",
        "Why does a heading end here?",
    ]
    answers = [q.answer for q in parsed.questions]
    assert answers[0] == ("Dropout zeroes **random** activations & rescales.\nIt is `x * mask`."
                          "\n\n[image: img/drop.png]")
    assert answers[1] == "```python\ndef add_one(x):\nreturn x + 1\n```"
    assert answers[2] == "It joins h and x."
    assert answers[3] == "[image: only.png]"
    assert answers[4] == PLACEHOLDER_ANSWER
    assert answers[5] == '```python\n## not a heading\nprint("hi")\n```\n\nDone.'
    assert [q.kind for q in parsed.questions] == ["recall", "code", "recall", "draw", "recall",
                                                  "recall", "recall"]
    assert [q.line for q in parsed.questions] == [3, 9, 15, 21, 25, 27, 36]
    warnings = dict(parsed.warnings)
    assert sorted(warnings) == [21, 25, 40]
    assert "the answer is only an image ([image: only.png])" in warnings[21]
    assert "has no answer" in warnings[25]
    assert "looks like a question" in warnings[40]


def test_headings_follow_commonmark():
    parsed = parse_questionnaire("## What is C#\n\nA language.\n\n## Closed ##\n\nx\n\n"
                                 "##\n\nlost\n\n#not-a-heading\n")
    assert [(q.text, q.answer) for q in parsed.questions] == [("What is C#", "A language."),
                                                              ("Closed", "x")]
    assert parsed.warnings == [(9, "empty '## ' heading skipped")]


def test_import_writes_a_deck_that_validates_and_loads(tmp_path):
    source = write(tmp_path, QUESTIONNAIRE)
    result = import_markdown(source, "ch13", tmp_path / "out" / "ch13.toml")
    assert result.path == tmp_path / "out" / "ch13.toml"
    deck = load_deck(result.path, use_cache=False)
    assert deck.title == "My Chapter" and deck.source == "chapter.md"
    assert list(deck.ids) == [f"ch13-q{n:02d}" for n in range(1, 8)]
    assert deck.questions == result.deck.questions
    problems = [str(p) for p in check_file(result.path)[1]]
    assert len(problems) == 1 and "warning: ch13-q05: no answer yet" in problems[0]
    assert any(w.startswith(f"{source}:25: warning: ") for w in result.warnings)
    # The file is for people: readable multi-line blocks, not escaped one-liners.
    assert "answer = '''\n```python\ndef add_one(x):" in result.path.read_text(encoding="utf-8")


def test_import_goes_to_the_user_decks_folder_and_is_studied_once_added(tmp_path,
                                                                       _isolated_home):
    result = import_markdown(write(tmp_path, QUESTIONNAIRE), "mine")
    assert result.path == _isolated_home / "decks" / "mine.toml"
    assert [d.id for d in load_installed()[0]] == ["ch12"]  # the folder alone adds nothing
    decks, problems = load_installed([result.path])  # a database took it in
    assert [d.id for d in decks] == ["ch12", "mine"]
    # The missing answer is a warning for `validate`, not a nag on every other command.
    assert problems == []
    assert any("no answer yet" in line for line in validate_files([result.path]))


def test_import_refuses_to_overwrite_without_force(tmp_path):
    source, out = write(tmp_path, QUESTIONNAIRE), tmp_path / "x.toml"
    out.write_text("keep me", encoding="utf-8")
    with pytest.raises(StudytoolError, match="already exists .*--force"):
        import_markdown(source, "x", out)
    assert out.read_text(encoding="utf-8") == "keep me"
    assert import_markdown(source, "x", out, force=True).deck.id == "x"


def test_import_refuses_a_deck_name_in_use(tmp_path):
    with pytest.raises(StudytoolError, match="deck 'ch12' already exists"):
        import_markdown(write(tmp_path, QUESTIONNAIRE), "ch12", tmp_path / "ch12.toml")


@pytest.mark.parametrize("name", ["", "Ch 13", "../x", "-x", "a" * 41])
def test_import_refuses_bad_deck_names(tmp_path, name):
    with pytest.raises(StudytoolError, match="bad deck name"):
        import_markdown(write(tmp_path, QUESTIONNAIRE), name, tmp_path / "o.toml")


@pytest.mark.parametrize("content, message", [
    ("", "file is empty"),
    (b"\x00\x01\x02", "not a text file (binary data)"),
    ("# Title\n\nJust prose, no questions.\n", "no questions found"),
    ("caf\xe9".encode("latin-1"), "not UTF-8 text"),
])
def test_import_rejects_bad_input_with_one_line(tmp_path, content, message):
    source = write(tmp_path, content)
    with pytest.raises(StudytoolError) as info:
        import_markdown(source, "bad", tmp_path / "bad.toml")
    assert message in str(info.value) and str(source) in str(info.value)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "bad.toml").exists()


@given(st.text())
def test_any_text_survives_the_toml_writer(value):
    assert tomllib.loads(f"v = {toml_string(value)}\n")["v"] == value


@pytest.mark.skipif(not SEEDS, reason="the learner's seed document is not in ../shared/seed")
def test_the_learners_seed_document_imports(tmp_path):
    result = import_markdown(SEEDS[0], "seed", tmp_path / "seed.toml")
    deck = load_deck(result.path, use_cache=False)
    assert deck.title == "Lesson 12 - nlp_dive.ipynb"
    # 39 questions, less ModelResetter's (buried in an answer), plus 3 Further Research items.
    assert len(deck) == 41
    assert list(deck.ids) == [f"seed-q{n:02d}" for n in range(1, 42)]
    texts = [q.text for q in deck.questions]
    assert texts[0].startswith("If the dataset for your project is so big")
    assert "What is the purpose of this code in LSTMCell: `h = torch.stack([h, input], dim=1)`" \
        in texts
    assert texts[-1].startswith("Take a look at the source code for AWD-LSTM")
    everything = "\n".join(q.text + "\n" + q.answer for q in deck.questions)
    for leftover in ("<span", "\\_", "\\[", "**for**", "**return**", "**True**"):
        assert leftover not in everything
    third_word = next(q for q in deck.questions if q.text.startswith("Write a module"))
    assert third_word.kind == "code"
    assert third_word.answer.startswith("```python\nclass LMModel(Module):\n"
                                        "def __init__(self, vocab_sz_, n_hidden):")
    unrolled = next(q for q in deck.questions if '"unrolled"' in q.text)
    assert unrolled.answer == "[image: name//media/image2.png]"
    assert any(":91: warning: 'What does the ModelResetter callback do?" in w
               for w in result.warnings)
    assert check_file(result.path)[1] == []


MD_PIECES = ["## ", "# ", "\n", "\n\n", "What is x?", "text", "```", "![](a.png)", "<span>",
             "</span>", "\\_", "**for**", "'''", '"""', "\\", "\t", ":", "def f():", "é", "\x7f",
             "&amp;", "<br>"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(MD_PIECES), max_size=40))
def test_any_questionnaire_imports_to_a_deck_that_validates(pieces):
    from studytool.deck.loader import check_text
    from studytool.deck.markdown_import import render_deck

    parsed = parse_questionnaire("".join(pieces))
    if not parsed.questions:
        return
    text = render_deck("fz", parsed.title or "fz", "fuzz.md", parsed.questions)
    deck, found = check_text(text, Path("fz.toml"))
    assert deck is not None, found
    assert len(deck) == len(parsed.questions)
    assert [q.text for q in deck.questions] == [q.text.strip() for q in parsed.questions]


@pytest.mark.parametrize("line, is_code", [
    ("for i in range(2):", True), ("for example:", False), ("with open(f) as g:", True),
    ("with this:", False), ("return x * mask.div_(1-p)", True), ("h=torch.zeros(64)", True),
    ("self.h_o.weight = self.i_h.weight", True), ("The weights are tied.", False),
    ("Chunk will split the tensor, t.chunk(n)", False),
    ("[L(vocab[o] for o in s) for s in x]", True),
])
def test_code_lines_are_told_from_prose(line, is_code):
    from studytool.deck.markdown_clean import looks_like_code

    assert looks_like_code(line) is is_code
