"""The JSON export's identity and limits, shared by the writer and the reader.

Version 2 (written by default) is JSON lines: one JSON object per line, each read and checked
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
VERSION = 2  # what an export writes unless told otherwise
VERSIONS = (1, 2)  # what an import reads
SECTION = "section"  # version 2: the key of a line that starts a section
END = "end"  # version 2: the key of the last line (the counts)
# What an import reads, for the messages that refuse anything else.
ACCEPTS = ('import reads the JSON file that "studytool export --format json" writes, or an '
           'Anki package (.apkg)')
# Settings keys an export carries: the learner's Settings plus fitted FSRS parameters.
PARAMETERS_KEY = "fsrs_parameters"
# The tag Anki gives a leech: our leeches carry it in an .apkg, and it marks one on import.
LEECH_TAG = "leech"
