"""Markdown progress report: per deck the cards by state, 30-day retention and the hardest
cards; then the latest stored run of each answer, beside the book's table where it has one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from studytool.exchange import queries
from studytool.store import queries as store_queries
from studytool.store.database import Database
from studytool.store.models import RunRow

RETENTION_DAYS = 30


def export_markdown(db: Database, path: Path, now: datetime | None = None) -> None:
    text = render(db, now)
    tmp = path.with_name(path.name + ".partial")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def render(db: Database, now: datetime | None = None) -> str:
    moment = now or datetime.now(UTC)
    lines = [f"# Study progress ({moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC)", ""]
    with db.session(write=False) as session:
        retention = queries.retention_by_deck(session, moment - timedelta(days=RETENTION_DAYS))
        for deck in queries.decks(session):
            lines += _deck_section(session, deck.id, deck.title, retention.get(deck.id))
        lines += _runs_section(queries.latest_runs(session))
    return "\n".join(lines).rstrip() + "\n"


def _deck_section(session: Session, deck_id: str, title: str,
                  retention: tuple[int, int] | None) -> list[str]:
    states = store_queries.cards_by_state(session, deck_id)
    lines = [f"## {_cell(title)} (`{deck_id}`)", "", "| State | Cards |", "|---|---:|"]
    lines += [f"| {name} | {count} |" for name, count in states.items()]
    recalled, total = retention or (0, 0)
    shown = (f"{recalled / total:.1%} ({recalled} of {total} reviews of mature cards)"
             if total else "no reviews of cards in the review state yet")
    lines += ["", f"Retention over the last {RETENTION_DAYS} days: {shown}", ""]
    hardest = queries.hardest_cards(session, deck_id)
    if hardest:
        lines += ["Hardest cards:", "", "| Question | Lapses | Again | Text |",
                  "|---|---:|---:|---|"]
        lines += [f"| {q} | {lapses} | {again} | {_cell(_short(text))} |"
                  for q, text, lapses, again in hardest]
    else:
        lines.append("Hardest cards: none rated Again yet.")
    return [*lines, ""]


def _runs_section(runs: list[RunRow]) -> list[str]:
    lines = ["## Latest run of each answer", ""]
    if not runs:
        return [*lines, "No runs stored yet (`studytool run NAME`).", ""]
    for run in runs:
        when = f"{run.finished_at:%Y-%m-%d %H:%M} UTC" if run.finished_at else "unfinished"
        lines += [f"### `{run.answer}`: {run.status} on {run.device}, {run.seconds:.1f} s "
                  f"({when})", ""]
        if run.message:
            lines += [_cell(run.message), ""]
        lines += _epoch_table(run)
        if run.final:
            finals = ", ".join(f"{k} = {_num(v)}" for k, v in sorted(run.final.items())
                               if isinstance(v, int | float | str) and not isinstance(v, bool))
            if finals:
                lines += [f"Final: {_cell(finals)}", ""]
    return lines


def _epoch_table(run: RunRow) -> list[str]:
    rows = [{"epoch": e.epoch, "train_loss": e.train_loss, "valid_loss": e.valid_loss,
             "accuracy": e.accuracy} for e in run.epochs]
    book = _beside_book(run.answer, rows)
    if book is not None:
        head = ["| Epoch | Train loss | Book | Valid loss | Book | Accuracy | Book |",
                "|---:|---:|---:|---:|---:|---:|---:|"]
        return [*head, *(f"| {r['epoch']} | {_num(r['train_loss'])} | "
                         f"{_num(r['book_train_loss'])} | {_num(r['valid_loss'])} | "
                         f"{_num(r['book_valid_loss'])} | {_num(r['accuracy'])} | "
                         f"{_num(r['book_accuracy'])} |" for r in book), ""]
    if not rows:
        return []
    head = ["| Epoch | Train loss | Valid loss | Accuracy |", "|---:|---:|---:|---:|"]
    return [*head, *(f"| {r['epoch']} | {_num(r['train_loss'])} | {_num(r['valid_loss'])} | "
                     f"{_num(r['accuracy'])} |" for r in rows), ""]


def _beside_book(answer: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The run beside the book's table for the answer's model, or None if the book has none."""
    from answers_code.book import side_by_side
    from answers_code.registry import get

    try:
        model = get(answer).book_model
    except (KeyError, LookupError):
        model = None
    if not model:
        return None
    try:
        return side_by_side(model, rows)
    except KeyError:
        return None


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4f}"
    return _cell(str(value))


def _short(text: str, width: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table row: no pipes or newlines breaking the row."""
    return " ".join(str(text).split()).replace("|", "\\|")
