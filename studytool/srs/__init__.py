"""Spaced repetition on the store: FSRS-6 scheduling (the `fsrs` package), today's queue,
daily limits, undo, bury, suspend, statistics. No UI imports."""

from studytool.srs.intervals import format_interval
from studytool.srs.service import StudyService
from studytool.srs.views import CardView, DeckSummary, ReviewRow, Stats, TypedGrade

__all__ = ["CardView", "DeckSummary", "ReviewRow", "Stats", "StudyService",
           "TypedGrade", "format_interval"]
