"""Any chapter in: fastbook notebooks and their Markdown, learners' numbered lists, answers
written later without losing a card's history."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from studytool.deck import PLACEHOLDER_ANSWER, load_deck
from studytool.deck.answer_edit import replace_answer, write_answer
from studytool.deck.loader import check_file
from studytool.deck.markdown_import import import_markdown
from studytool.deck.questionnaire import parse_questionnaire
from studytool.errors import StudytoolError

NOTEBOOK = Path(__file__).parent / "fixtures" / "notebooks" / "13_convolutions.ipynb"
QUESTIONS_13 = [
    "What does a convolution compute at one position of an image, given a 3×3 kernel?",
    "Write the 3×3 kernel that responds most strongly to a horizontal edge with dark pixels "
    "above and light pixels below.",
    "Why does a kernel whose weights add up to zero give zero on a region of constant colour?",
    "What is *padding*, and how much of it keeps the output of a 5×5 kernel the same size as "
    "its input?",
    "With a *stride* of 2, how does the size of the output grid compare with the input's?",
    "What are the shapes of the `input` and `weight` arguments of `F.conv2d`?",
    "What is a *channel* in the activations of a CNN?",
    "How can a convolution be written as a matrix multiplication, and what is special about "
    "that matrix?",
    "Why do we usually double the number of filters each time a layer has stride 2?",
    "What does `Flatten` do at the end of the simple MNIST CNN, and why is it needed there?",
    "What is the *receptive field* of an activation, and how does it grow with depth?",
    "Which of these does a convolutional layer share across positions?\n\n- its weights\n"
    "- its inputs\n- its bias",
    "What does `ActivationStats` record, and how can its plots show that training is in "
    "trouble?",
    "What problem does batch normalization address, and which two learnable parameters does "
    "it add?",
    "Why can a model with batch normalization use a higher learning rate?",
    "How does `fit_one_cycle` change the learning rate and the momentum during training?",
]
FURTHER_13 = [
    "Implement a 2D convolution with plain Python loops and check it against `F.conv2d` on a "
    "random image.",
    "Train the simple CNN with and without `BatchNorm2d` and compare what `ActivationStats` "
    "shows for each.",
    "Find out what *dilated* convolutions are, and when they help.",
]
IDS_13 = [f"ch13-q{n:02d}" for n in range(1, 17)] + ["ch13-fr1", "ch13-fr2", "ch13-fr3"]


def notebook_as_markdown(path: Path) -> str:
    """What "save as Markdown" gives for a notebook: Markdown cells as they are, code cells
    fenced (their `#` comments must not turn into headings)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    parts = []
    for cell in cells:
        source = "".join(cell["source"])
        parts.append(source if cell["cell_type"] == "markdown" else f"```python\n{source}\n```")
    return "\n\n".join(parts) + "\n"


def test_a_fastbook_notebook_imports_its_questionnaire_and_further_research(tmp_path):
    result = import_markdown(NOTEBOOK, "ch13", tmp_path / "ch13.toml")
    deck = load_deck(result.path, use_cache=False)
    assert deck.title == "Convolutional Neural Networks"
    assert deck.source == "13_convolutions.ipynb"
    assert list(deck.ids) == IDS_13
    # In order; code spans, emphasis and the true/false sub-items kept as written.
    assert [q.text for q in deck.questions] == QUESTIONS_13 + FURTHER_13
    # Chapter headings, "Conclusions", "Questionnaire", "Further Research": never cards.
    everything = " ".join(q.text for q in deck.questions)
    for heading in ("Conclusions", "Questionnaire", "Further Research", "Magic of",
                    "Batch Normalization", "not a heading"):
        assert heading not in everything
    assert all(q.answer == PLACEHOLDER_ANSWER for q in deck.questions)
    assert result.missing_answers == 19
    assert [q.kind for q in deck.questions][-3:] == ["code", "experiment", "recall"]
    assert deck.questions[1].kind == "code"  # "Write the 3×3 kernel..."
    # Marked: `validate` warns about every card still without an answer.
    warnings = [str(p) for p in check_file(result.path)[1]]
    assert len(warnings) == 19 and all("no answer yet" in w for w in warnings)


def test_the_notebook_saved_as_markdown_gives_the_same_deck(tmp_path):
    markdown = tmp_path / "13_convolutions.md"
    markdown.write_text(notebook_as_markdown(NOTEBOOK), encoding="utf-8")
    from_md = load_deck(import_markdown(markdown, "ch13", tmp_path / "a.toml").path,
                        use_cache=False)
    from_nb = load_deck(import_markdown(NOTEBOOK, "ch13", tmp_path / "b.toml").path,
                        use_cache=False)
    assert from_md.questions == from_nb.questions
    assert from_md.title == from_nb.title


def test_ids_are_stable_across_imports_of_a_revised_notebook(tmp_path):
    first = load_deck(import_markdown(NOTEBOOK, "ch13", tmp_path / "a.toml").path,
                      use_cache=False)
    data = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    # A revised chapter: new prose cells and a reworded question; the lists keep their order.
    data["cells"].insert(3, {"cell_type": "markdown", "metadata": {},
                             "source": ["## A new section\n", "\n", "1. not a question"]})
    for cell in data["cells"]:
        if cell["cell_type"] == "markdown" and "What is a *channel*" in "".join(cell["source"]):
            cell["source"] = "".join(cell["source"]).replace("What is a *channel*",
                                                             "What is a *channel* exactly")
    revised = tmp_path / "13_convolutions.ipynb"
    revised.write_text(json.dumps(data), encoding="utf-8")
    second = load_deck(import_markdown(revised, "ch13", tmp_path / "b.toml").path,
                       use_cache=False)
    assert second.ids == first.ids
    assert second.get("ch13-q07").text.startswith("What is a *channel* exactly")
    assert second.get("ch13-q06").text == first.get("ch13-q06").text


def test_fastbook_markdown_with_the_learners_answers_under_the_items():
    parsed = parse_questionnaire("""\
# Chapter 13

## Conclusions

Convolutions share weights.

## Questionnaire

1. What is *padding*?

   Extra pixels (usually zeros) added around the image, so the kernel can be applied at
   the border too.

1. What does `F.conv2d` return?
   A tensor of shape `(bs, out_channels, h, w)`.

1. Write a top-edge kernel.

   ```python
   k = tensor([[-1, -1, -1],
               [ 0,  0,  0],
               [ 1,  1,  1]])
   ```

### Further Research

Try these when you have finished the chapter.

1. Find out what *dilated* convolutions are.
""")
    assert parsed.shape == "fastbook" and parsed.title == "Chapter 13"
    assert [(q.part, q.text) for q in parsed.questions] == [
        ("questionnaire", "What is *padding*?"),
        ("questionnaire", "What does `F.conv2d` return?"),
        ("questionnaire", "Write a top-edge kernel."),
        ("further", "Find out what *dilated* convolutions are."),
    ]
    answers = [q.answer for q in parsed.questions]
    assert answers[0] == ("Extra pixels (usually zeros) added around the image, so the kernel "
                          "can be applied at\nthe border too.")
    assert answers[1] == "A tensor of shape `(bs, out_channels, h, w)`."
    assert answers[2] == ("```python\nk = tensor([[-1, -1, -1],\n            [ 0,  0,  0],\n"
                          "            [ 1,  1,  1]])\n```")
    assert answers[3] == PLACEHOLDER_ANSWER


def test_a_numbered_list_with_answers_indented_under_each_item():
    parsed = parse_questionnaire("""\
# My answers, chapter 13

1. What is a *channel*?

   One feature computed at every position: a conv layer with 8 filters outputs 8 channels.

   - RGB images have 3 input channels
   - each filter has one kernel per input channel

2. What does a stride of 2 do?
   It applies the kernel at every other position, so the output grid is about half as
   high and half as wide.

3. Why is a 3×3 kernel
   a common choice for the first layer?

4. What is `nn.BatchNorm2d`?
""")
    assert parsed.shape == "list" and parsed.title == "My answers, chapter 13"
    texts = [q.text for q in parsed.questions]
    assert texts == ["What is a *channel*?", "What does a stride of 2 do?",
                     "Why is a 3×3 kernel a common choice for the first layer?",
                     "What is `nn.BatchNorm2d`?"]
    answers = [q.answer for q in parsed.questions]
    assert answers[0] == ("One feature computed at every position: a conv layer with 8 filters "
                          "outputs 8 channels.\n\n- RGB images have 3 input channels\n"
                          "- each filter has one kernel per input channel")
    assert answers[1] == ("It applies the kernel at every other position, so the output grid "
                          "is about half as\nhigh and half as wide.")
    assert answers[2] == answers[3] == PLACEHOLDER_ANSWER
    assert [q.line for q in parsed.questions] == [3, 10, 14, 17]
    assert [line for line, _ in parsed.warnings] == [14, 17]


def test_section_headings_of_an_answers_document_never_become_cards():
    parsed = parse_questionnaire("# Notes\n\n## What is a kernel?\n\nA small matrix.\n\n"
                                 "## Conclusions\n\nI liked it.\n\n## Further Research\n\n"
                                 "Later.\n")
    assert parsed.shape == "headings"
    assert [q.text for q in parsed.questions] == ["What is a kernel?"]
    assert [m for _line, m in parsed.warnings] == [
        "'Conclusions' names a section, not a question: skipped",
        "'Further Research' names a section, not a question: skipped"]


@pytest.mark.parametrize("content, message", [
    ("{not json", "not a Jupyter notebook: invalid JSON"),
    ('{"nbformat": 4}', "not a Jupyter notebook: no 'cells' list"),
    ('{"worksheets": [], "nbformat": 3}', "a version 3 notebook"),
    ('{"cells": [{"cell_type": "markdown", "source": 7}]}', "cell 1 has a malformed 'source'"),
    ('{"cells": [{"cell_type": "code", "source": "## Questionnaire\\n1. x?"}]}',
     "no questions found (expected a '## Questionnaire' Markdown cell"),
])
def test_a_bad_notebook_is_one_line_and_writes_nothing(tmp_path, content, message):
    source = tmp_path / "bad.ipynb"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(StudytoolError) as info:
        import_markdown(source, "bad", tmp_path / "bad.toml")
    assert message in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "bad.toml").exists()


def test_import_questions_cli_on_a_notebook(tmp_path, studytool_cmd, child_env):
    out = tmp_path / "ch13.toml"
    done = subprocess.run([*studytool_cmd, "import-questions", str(NOTEBOOK), "--deck", "ch13",
                           "-o", str(out)], capture_output=True, text=True, env=child_env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"wrote 19 questions (deck 'ch13') to {out}" in done.stdout
    assert "19 questions without an answer yet" in done.stdout
    assert done.stderr == ""  # one summary line, not 19 warnings


# -- writing the answer later -------------------------------------------------------------------

def test_replace_answer_changes_only_that_answer():
    text = ('# my deck\n[deck]\nid = "d"\ntitle = "D"\n\n[[question]]\nid = "d-q01"\n'
            'text = "A?"\nanswer = "(no answer yet)"  # fill me\ntags = ["x"]\n\n'
            "[[question]]\nid = \"d-q02\"\ntext = \"B?\"\nanswer = '''\nold\nlines\n'''\n"
            'mistake = "m"\n')
    one = replace_answer(text, "d-q01", "It is `a`.")
    assert one == text.replace('answer = "(no answer yet)"  # fill me',
                               'answer = "It is `a`."')
    two = replace_answer(text, "d-q02", "new\nblock")
    assert two == text.replace("answer = '''\nold\nlines\n'''", "answer = '''\nnew\nblock\n'''")
    with pytest.raises(StudytoolError, match="no question 'd-q09'"):
        replace_answer(text, "d-q09", "x")


def test_an_answer_written_later_keeps_the_card_and_its_reviews(tmp_path):
    from studytool.srs import StudyService
    from studytool.store import open_db

    path = import_markdown(NOTEBOOK, "ch13", tmp_path / "ch13.toml").path
    db = open_db(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    service = StudyService(db, clock=lambda: datetime(2026, 12, 1, 9, tzinfo=UTC), fuzz=False)
    service.sync_decks([load_deck(path, use_cache=False)])
    card = next(c for c in service.browse(deck="ch13") if c.question_id == "ch13-q05")
    service.rate(card.card_id, 3)
    service.rate(card.card_id, 3)
    before = service.card(card.card_id)

    deck = write_answer(path, "ch13-q05", "The output grid is about half as high and half as "
                                          "wide: the kernel is applied at every other position.")
    plan = service.sync_decks([deck])["ch13"]
    assert [q.id for q in plan.changed] == ["ch13-q05"] and not plan.new and not plan.archived
    after = service.card(card.card_id)
    assert after.answer.startswith("The output grid is about half")
    assert (after.state, after.due, after.stability) == (before.state, before.due,
                                                          before.stability)
    assert [r.rating for r in service.history(card.card_id)] == [3, 3]
    # The mark is gone for that card only.
    warnings = [str(p) for p in check_file(path)[1]]
    assert len(warnings) == 18 and not any("ch13-q05" in w for w in warnings)
    db.close()


def test_write_answer_cli_reads_stdin_and_refuses_bad_input(tmp_path, studytool_cmd,
                                                           child_env):
    decks = Path(child_env["STUDYTOOL_HOME"]) / "decks"
    decks.mkdir(parents=True)
    path = import_markdown(NOTEBOOK, "ch13", decks / "ch13.toml").path
    before = path.read_bytes()
    run = lambda *args, stdin="": subprocess.run(  # noqa: E731
        [*studytool_cmd, "write-answer", *args], input=stdin, capture_output=True, text=True,
        env=child_env, timeout=120)
    bad = run("ch13-q99", "x")
    assert bad.returncode == 2 and bad.stderr.startswith("error: unknown question 'ch13-q99'")
    empty = run("ch13-q01", stdin="  \n")
    assert empty.returncode == 2 and "the answer is empty" in empty.stderr
    assert path.read_bytes() == before
    done = run("ch13-q01", "-", stdin="The sum of the kernel's weights times the 3×3 pixels "
                                      "under it.\n")
    assert done.returncode == 0, done.stderr
    assert load_deck(path, use_cache=False).get("ch13-q01").answer.startswith("The sum of")
