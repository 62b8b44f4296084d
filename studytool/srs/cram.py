"""Cram (exam) mode: go through the studied cards most likely forgotten first, reviewing each
once, without changing any schedule (the CLI's `review --cram` and the app's cram review).

The order is fixed when the session starts: a cram review changes no card, so it changes no
card's retrievability either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studytool.srs.service import StudyService
    from studytool.srs.views import CardView


class CramSession:
    def __init__(self, service: StudyService, deck_id: str | None = None,
                 tag: str | None = None, limit: int | None = None) -> None:
        self.service = service
        self.ids = service.cram_queue(deck_id, tag, limit)
        self.position = 0  # the card shown now
        # Positions of the cards rated, buried or suspended, oldest first: each is one entry
        # of the service's undo stack, so an undo takes back both together.
        self.done: list[int] = []

    def next_card(self) -> CardView | None:
        if self.position >= len(self.ids):
            return None
        return self.service.card(self.ids[self.position])

    def left(self) -> int:
        return len(self.ids) - self.position

    def rate(self, rating: int, duration_ms: int | None = None) -> CardView:
        view = self.service.cram_rate(self.ids[self.position], rating, duration_ms)
        self.done.append(self.position)
        self.position += 1
        return view

    def skip(self) -> None:
        """Past the card shown, once the service has buried or suspended it."""
        self.done.append(self.position)
        self.position += 1

    def undo(self) -> bool:
        """Take back the last cram review, bury or suspend; that card is shown again."""
        if not self.done or not self.service.undo():
            return False
        self.position = self.done.pop()
        return True
