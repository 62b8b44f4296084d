"""The JSON export's identity and limits, shared by the writer and the reader.

Version 3 (written by default) is version 2's JSON lines with the two big sections as rows:
the section line of cards and of reviews names its columns,
  {"section": "cards", "columns": [CARD_COLUMNS...]}
  {"section": "reviews", "columns": [REVIEW_COLUMNS...]}
and each item after it is a JSON array of the values in that order (no key repeated on every
line: a third of the bytes, and the reader checks a row without building a dict). A reader
takes the columns in any order; the optional ones (`leech`, a review's grade) may be left
out; a review's `card_before` stays an object. Times are the export's one form,
`2026-03-02T12:00:00.000000+00:00` (card_before's as the store wrote them).

Version 2 (`--json-version 2`) is JSON lines: one JSON object per line, each read and checked
on its own, so the import reads a line at a time at the speed of the validator's own parser.
  line 1: {"format": "studytool-export", "version": 2, "exported_at": ..., "settings": {...}}
  then, for each section in the order decks, cards, reviews, exercises, runs:
    {"section": NAME}, then one item per line (as in version 1)
  last line: {"end": {"decks": N, "cards": N, "reviews": N, "exercises": N, "runs": N}}
The last line holds the counts the writer wrote (known only at the end): a file cut short
anywhere, even between two lines, lacks it or disagrees with it, and is refused.

Version 1 (still read; `export --json-version 1` writes it) is one JSON document, keys in
this order: format, version, exported_at, settings {key: value}, decks [...], cards [...],
reviews [...], exercises [...], runs [...]; an import streams it in that order.

In both: reviews are grouped by card, oldest first, each with its card's deck_id +
question_id and the card's scheduling state before the review (`card_before`); runs carry
their epochs. Cards are identified by (deck_id, question_id); a review by (deck_id,
question_id, reviewed_at, rating); a run by (answer, started_at, finished_at, status); an
exercise by name. Memory on import does not grow with the reviews; it takes any size.
"""

from __future__ import annotations

FORMAT = "studytool-export"
VERSION = 3  # what an export writes unless told otherwise
VERSIONS = (1, 2, 3)  # what an import reads
LINES = (2, 3)  # the versions in JSON lines
SECTION = "section"  # versions 2 and 3: the key of a line that starts a section
COLUMNS = "columns"  # version 3: the key of a section line's column names
END = "end"  # versions 2 and 3: the key of the last line (the counts)
# Version 3's rows: the columns an export writes, in its order. `card_before` comes last, so a
# reader finds its text at the end of the line.
CARD_COLUMNS = ("deck_id", "question_id", "position", "text", "answer", "mistake", "answers",
                "tags", "section", "kind", "fingerprint", "state", "step", "stability",
                "difficulty", "due", "last_review", "suspended", "buried_until", "archived",
                "leech")
REVIEW_COLUMNS = ("deck_id", "question_id", "reviewed_at", "rating", "duration_ms",
                  "state_before", "state_after", "due_after", "grade_score",
                  "suggested_rating", "typed_answer", "cram", "card_before")
OPTIONAL_COLUMNS = {"cards": ("leech",),
                    "reviews": ("grade_score", "suggested_rating", "typed_answer", "cram")}
# What an import reads, for the messages that refuse anything else.
ACCEPTS = ('import reads the JSON file that "studytool export --format json" writes, or an '
           'Anki package (.apkg)')
# Settings keys an export carries: the learner's Settings plus fitted FSRS parameters.
PARAMETERS_KEY = "fsrs_parameters"
# The tag Anki gives a leech: our leeches carry it in an .apkg, and it marks one on import.
LEECH_TAG = "leech"
