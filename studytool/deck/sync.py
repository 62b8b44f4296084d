"""Planning how a deck file's questions map onto stored cards, by stable question id.

Pure logic: the store reads what it has, calls `plan_sync`, and applies the plan in one
transaction. Nothing is ever planned for deletion: a question removed from the file is
archived, so its card and review history survive (and come back if the question does).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from studytool.deck.models import Deck, Question


@dataclass(frozen=True, slots=True)
class SyncPlan:
    """What to do with each question of one deck.

    new: no card yet -> create one. changed: text or answer edited -> update the card's content,
    keep its schedule and history. unchanged: same content -> refresh metadata only (tags,
    links, mistake, section and order are outside the fingerprint). archived: ids of active
    cards whose question left the file -> archive them. restored: questions back in the file
    whose card was archived -> un-archive and update content.
    """

    deck_id: str
    new: tuple[Question, ...] = ()
    changed: tuple[Question, ...] = ()
    archived: tuple[str, ...] = ()
    unchanged: tuple[Question, ...] = ()
    restored: tuple[Question, ...] = ()

    @property
    def is_noop(self) -> bool:
        """True when the store's content already matches the file (metadata aside)."""
        return not (self.new or self.changed or self.archived or self.restored)

    def summary(self) -> str:
        parts = [f"{len(self.new)} new", f"{len(self.changed)} changed",
                 f"{len(self.archived)} archived", f"{len(self.unchanged)} unchanged"]
        if self.restored:
            parts.append(f"{len(self.restored)} restored")
        return ", ".join(parts)


def plan_sync(
    deck: Deck, existing: Mapping[str, str], archived: Collection[str] = ()
) -> SyncPlan:
    """Compare the deck with the store's cards of this deck.

    existing: question id -> fingerprint stored with the card, for every card of the deck
    (archived ones included). archived: the ids among them that are archived now.
    Questions keep the deck's order inside each group.
    """
    archived_now = set(archived)
    new: list[Question] = []
    changed: list[Question] = []
    unchanged: list[Question] = []
    restored: list[Question] = []
    for question in deck.questions:
        stored = existing.get(question.id)
        if stored is None:
            new.append(question)
        elif question.id in archived_now:
            restored.append(question)
        elif stored != question.fingerprint():
            changed.append(question)
        else:
            unchanged.append(question)
    in_deck = set(deck.ids)
    gone = tuple(qid for qid in existing if qid not in in_deck and qid not in archived_now)
    return SyncPlan(deck.id, tuple(new), tuple(changed), gone, tuple(unchanged), tuple(restored))
