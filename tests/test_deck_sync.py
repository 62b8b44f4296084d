"""Sync planning by stable id: new, changed, archived, unchanged, restored; never a deletion."""

from __future__ import annotations

from pathlib import Path

from studytool.deck import Deck, Question, plan_sync


def q(qid: str, text: str = "Q?", answer: str = "A.", **meta) -> Question:
    return Question(id=f"d-{qid}", text=text, answer=answer, **meta)


def deck(*questions: Question) -> Deck:
    return Deck("d", "Deck", Path("d.toml"), tuple(questions))


def stored(*questions: Question) -> dict[str, str]:
    return {question.id: question.fingerprint() for question in questions}


def test_first_sync_makes_every_question_new_in_deck_order():
    plan = plan_sync(deck(q("q2"), q("q1"), q("q3")), {})
    assert [x.id for x in plan.new] == ["d-q2", "d-q1", "d-q3"]
    assert not plan.changed and not plan.archived and not plan.unchanged
    assert plan.summary() == "3 new, 0 changed, 0 archived, 0 unchanged"


def test_same_content_is_unchanged_and_a_noop():
    questions = (q("q1"), q("q2"))
    plan = plan_sync(deck(*questions), stored(*questions))
    assert plan.is_noop and [x.id for x in plan.unchanged] == ["d-q1", "d-q2"]


def test_edited_text_or_answer_is_changed_and_keeps_the_id():
    old = (q("q1"), q("q2"), q("q3"))
    new = deck(q("q1", text="Q, reworded?"), q("q2", answer="A better answer."), q("q3"))
    plan = plan_sync(new, stored(*old))
    assert [x.id for x in plan.changed] == ["d-q1", "d-q2"]
    assert [x.id for x in plan.unchanged] == ["d-q3"]
    assert plan.changed[0].text == "Q, reworded?"  # the store copies the new content


def test_metadata_edits_are_not_content_changes():
    old = q("q1")
    new = q("q1", tags=("rnn",), answers=("lmmodel2",), mistake="m", section="s", kind="code")
    assert new.fingerprint() == old.fingerprint()
    plan = plan_sync(deck(new), stored(old))
    assert plan.is_noop and plan.unchanged == (new,)  # carries the new metadata to refresh


def test_a_removed_question_is_archived_never_deleted():
    plan = plan_sync(deck(q("q1")), stored(q("q1"), q("q2"), q("q3")))
    assert plan.archived == ("d-q2", "d-q3")
    assert not plan.is_noop
    assert not hasattr(plan, "deleted")


def test_already_archived_cards_are_not_archived_again():
    plan = plan_sync(deck(q("q1")), stored(q("q1"), q("q2")), archived={"d-q2"})
    assert plan.is_noop and plan.archived == ()


def test_a_question_that_comes_back_is_restored_with_its_content():
    back = q("q2", answer="Rewritten while it was away.")
    plan = plan_sync(deck(q("q1"), back), stored(q("q1"), q("q2")), archived={"d-q2"})
    assert plan.restored == (back,)
    assert not plan.new and not plan.changed
    assert plan.summary().endswith("1 restored")


def test_reordering_changes_nothing_but_order():
    a, b = q("q1"), q("q2")
    plan = plan_sync(deck(b, a), stored(a, b))
    assert plan.is_noop and [x.id for x in plan.unchanged] == ["d-q2", "d-q1"]


def test_fingerprint_is_stable_and_separates_text_from_answer():
    assert q("q1").fingerprint() == q("q1").fingerprint()
    assert len(q("q1").fingerprint()) == 64
    # "ab" + "c" and "a" + "bc" must not collide.
    split_one, split_two = q("q1", text="ab", answer="c"), q("q1", text="a", answer="bc")
    assert split_one.fingerprint() != split_two.fingerprint()
