"""The JSON export's identity and limits, shared by the writer and the reader.

Layout (version 1), keys in this order:
  format, version, exported_at, settings {key: value}, decks [...], cards [...],
  reviews [...] (grouped by card, oldest first; each with its card's deck_id + question_id and
  the card's scheduling state before the review, `card_before`), exercises [...],
  runs [... each with its epochs].
Cards are identified by (deck_id, question_id); a review by (deck_id, question_id,
reviewed_at, rating); a run by (answer, started_at, finished_at, status); an exercise by name.
"""

from __future__ import annotations

FORMAT = "studytool-export"
VERSION = 1
# An import never reads a bigger file: about 200,000 reviews (roughly 250 bytes each), years
# of daily study. Raise it with `studytool import --max-mb`.
MAX_BYTES = 64 * 1024 * 1024
# Settings keys an export carries: the learner's Settings plus fitted FSRS parameters.
PARAMETERS_KEY = "fsrs_parameters"
