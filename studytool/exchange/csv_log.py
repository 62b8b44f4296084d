"""The review log as CSV in the layout the FSRS optimizer tools read:
card_id, review_time (ms since the epoch, UTC), review_rating (1-4), review_state (the card's
state before the review: 0 new, 1 learning, 2 review, 3 relearning), review_duration (ms).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from studytool.exchange import queries
from studytool.store.database import Database

HEADER = "card_id,review_time,review_rating,review_state,review_duration\n"


def export_csv(db: Database, path: Path) -> int:
    """Write the log to `path` (through a temporary file); returns the number of rows."""
    tmp = path.with_name(path.name + ".partial")
    try:
        with tmp.open("w", encoding="ascii", newline="") as out:
            count = write_csv(db, out)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def write_csv(db: Database, out: IO[str]) -> int:
    # Every value is an integer: formatting them directly is several times faster than the
    # csv module, and there is nothing to quote. A review without a duration writes 0.
    out.write(HEADER)
    count = 0
    lines: list[str] = []
    with db.session(write=False) as session:
        for card_id, at_ms, rating, state, duration in queries.optimizer_rows(session):
            lines.append(f"{card_id},{at_ms},{rating},{state},{duration or 0}\n")
            if len(lines) == 10_000:
                out.write("".join(lines))
                count += len(lines)
                lines.clear()
    out.write("".join(lines))
    return count + len(lines)
