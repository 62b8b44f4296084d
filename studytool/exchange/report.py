"""Markdown progress report: per deck the cards by state, 30-day retention and the hardest
cards; then each answer's latest full run (its book settings, any seed; its latest run of any
kind, marked so, when it has no full one), beside the book's table where it has one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
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
        lines += _runs_section(session)
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


def is_full(answer: str, params: dict[str, Any]) -> bool:
    """Whether a run used the answer's own settings (the ones its checks decide), any seed:
    a `check --quick` or `--epochs 1` run is not the answer's result."""
    from answers_code.registry import all_answers
    from studytool.runner.checks import decides

    known = all_answers().get(answer)
    return known is not None and decides(known, dict(params or {}), quick=False)


def chosen_runs(session: Session) -> list[tuple[RunRow, bool]]:
    """(run, whether it is full) per answer: its newest full run, else its newest run."""
    picked: dict[str, tuple[int, bool]] = {}
    newest_first = select(RunRow.id, RunRow.answer, RunRow.params).order_by(RunRow.id.desc())
    for run_id, answer, params in session.execute(newest_first):
        seen = picked.get(answer)
        if seen is not None and seen[1]:
            continue
        full = is_full(answer, params)
        if seen is None or full:
            picked[answer] = (run_id, full)
    rows = {run.id: run for run in session.scalars(
        select(RunRow).where(RunRow.id.in_([i for i, _ in picked.values()])))}
    return [(rows[i], full) for _, (i, full) in sorted(picked.items())]


def _runs_section(session: Session) -> list[str]:
    lines = ["## Latest full run of each answer", ""]
    runs = chosen_runs(session)
    if not runs:
        return [*lines, "No runs stored yet (`studytool run NAME`).", ""]
    for run, full in runs:
        when = f"{run.finished_at:%Y-%m-%d %H:%M} UTC" if run.finished_at else "unfinished"
        lines += [f"### `{run.answer}`: {run.status} on {run.device}, {run.seconds:.1f} s "
                  f"({when})", ""]
        if not full:
            lines += [f"No full run stored: this is its latest run, with other settings "
                      f"({_settings(run)}). `studytool run {run.answer}` gives the full one.", ""]
        if run.message:
            lines += [_cell(run.message), ""]
        lines += _epoch_table(run)
        if run.final:
            finals = ", ".join(f"{k} = {_num(v)}" for k, v in sorted(run.final.items())
                               if isinstance(v, int | float | str) and not isinstance(v, bool))
            if finals:
                lines += [f"Final: {_cell(finals)}", ""]
    return lines


def _settings(run: RunRow) -> str:
    from answers_code.registry import all_answers

    answer = all_answers().get(run.answer)
    ran = (run.params or {}).get("epochs")
    full = answer.defaults.get("epochs") if answer is not None else None
    if isinstance(ran, int) and isinstance(full, int) and ran != full:
        return f"{ran} of {full} epochs"
    changed = sorted(k for k, v in (run.params or {}).items()
                     if answer is None or answer.defaults.get(k) != v)
    return ", ".join(changed) or "unknown settings"


def _epoch_table(run: RunRow) -> list[str]:
    rows = [{"epoch": e.epoch, "train_loss": e.train_loss, "valid_loss": e.valid_loss,
             "accuracy": e.accuracy} for e in run.epochs]
    book = _beside_book(run.answer, rows)
    if book is not None:
        notes = _book_notes(run.answer)
        marks = {m: "*" if m in notes else "" for m in ("train_loss", "valid_loss", "accuracy")}
        head = [f"| Epoch | Train loss | Book{marks['train_loss']} | Valid loss | "
                f"Book{marks['valid_loss']} | Accuracy | Book{marks['accuracy']} |",
                "|---:|---:|---:|---:|---:|---:|---:|"]
        footnotes = [f"\\* Book {metric.replace('_', ' ')}: {_cell(note)}"
                     for metric, note in notes.items()]
        return [*head, *(f"| {r['epoch']} | {_num(r['train_loss'])} | "
                         f"{_num(r['book_train_loss'])} | {_num(r['valid_loss'])} | "
                         f"{_num(r['book_valid_loss'])} | {_num(r['accuracy'])} | "
                         f"{_num(r['book_accuracy'])} |" for r in book), "",
                *([*footnotes, ""] if footnotes else [])]
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


def _book_notes(answer: str) -> dict[str, str]:
    from answers_code.book import column_notes
    from answers_code.registry import all_answers

    known = all_answers().get(answer)
    return column_notes(known.book_model) if known is not None and known.book_model else {}


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
