"""The JSON export's identity and limits, shared by the writer and the reader.

Layout (version 1), keys in this order:
  format, version, exported_at, settings {key: value}, decks [...], cards [...],
  reviews [...] (grouped by card, oldest first; each with its card's deck_id + question_id and
  the card's scheduling state before the review, `card_before`), exercises [...],
  runs [... each with its epochs].
An import streams the file in this order (format and version before any data; decks before
cards before reviews), so its memory does not grow with the reviews; it takes any size.
Cards are identified by (deck_id, question_id); a review by (deck_id, question_id,
reviewed_at, rating); a run by (answer, started_at, finished_at, status); an exercise by name.
"""

from __future__ import annotations

FORMAT = "studytool-export"
VERSION = 1
# What an import reads, for the messages that refuse anything else.
ACCEPTS = ('import reads the JSON file that "studytool export --format json" writes, or an '
           'Anki package (.apkg)')
# Settings keys an export carries: the learner's Settings plus fitted FSRS parameters.
PARAMETERS_KEY = "fsrs_parameters"
