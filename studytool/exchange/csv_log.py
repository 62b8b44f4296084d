"""The review log as CSV in the layout the FSRS optimizer tools read (fsrs-optimizer's
revlog.csv): card_id, review_time (ms since the epoch, UTC), review_rating (1-4),
review_state (the card's state before the review: 0 new, 1 learning, 2 review,
3 relearning), review_duration (ms).

card_id names the card as `deck_id/question_id` (the optimizers take a string id): the
store's own card id is a database number that changes across an import, so it would not
match the same card's reviews in another export. Ids match studytool's ID pattern
(lowercase letters, digits, `_` and `-`), so `/` cannot occur in either and nothing needs
quoting.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from studytool.exchange import queries
from studytool.exchange.output import atomic_text
from studytool.exchange.progress import ProgressCallback, Reporter
from studytool.store.database import Database

HEADER = "card_id,review_time,review_rating,review_state,review_duration\n"


def card_label(deck_id: str, question_id: str) -> str:
    return f"{deck_id}/{question_id}"


def export_csv(db: Database, path: Path, progress: ProgressCallback | None = None) -> int:
    """Write the log to `path` (whole or not at all); returns the number of rows."""
    with atomic_text(path, encoding="ascii", newline="") as out:
        return write_csv(db, out, progress)


def write_csv(db: Database, out: IO[str], progress: ProgressCallback | None = None) -> int:
    # Every value is an id of safe characters or an integer: formatting them directly is
    # several times faster than the csv module, and there is nothing to quote. A review
    # without a duration writes 0.
    out.write(HEADER)
    count = 0
    lines: list[str] = []
    with db.session(write=False) as session:
        labels = {card: card_label(deck, question)
                  for card, (deck, question) in queries.card_keys(session).items()}
        report = Reporter(progress, "export", "reviews", queries.review_count(session))
        for card_id, at_ms, rating, state, duration in queries.optimizer_rows(session):
            lines.append(f"{labels[card_id]},{at_ms},{rating},{state},{duration or 0}\n")
            if len(lines) == 10_000:
                out.write("".join(lines))
                count += len(lines)
                lines.clear()
                report.counts["reviews"] = count
                report(count)
    out.write("".join(lines))
    count += len(lines)
    report.counts["reviews"] = count
    report(count, final=True)
    return count
