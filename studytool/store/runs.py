"""Past runs of the runnable answers: save one, list recent ones, fetch one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from studytool.run_record import STATUSES, EpochRow, RunRecord
from studytool.store.database import Database
from studytool.store.models import RunEpochRow, RunRow


def save_run(db: Database, record: RunRecord) -> int:
    """Store `record` (one transaction) and return its id; `record.id` is set too."""
    if record.status not in STATUSES:
        raise ValueError(f"unknown run status {record.status!r}")
    row = RunRow(
        answer=record.answer, status=record.status, device=record.device,
        params=dict(record.params), final=dict(record.final), checks=list(record.checks),
        seconds=float(record.seconds), message=record.message, started_at=record.started_at,
        finished_at=record.finished_at, torch_version=record.torch_version,
        output=record.output, stderr_tail=record.stderr_tail,
        epochs=[RunEpochRow(epoch=e.epoch, train_loss=e.train_loss, valid_loss=e.valid_loss,
                            accuracy=e.accuracy, seconds=e.seconds) for e in record.epochs],
    )
    with db.session() as session:
        session.add(row)
        session.flush()
        record.id = row.id
    return row.id


def recent_runs(db: Database, answer: str | None = None, limit: int = 20) -> list[RunRecord]:
    """The newest runs first, optionally of one answer only."""
    query = select(RunRow).options(selectinload(RunRow.epochs)).order_by(RunRow.id.desc())
    if answer is not None:
        query = query.where(RunRow.answer == answer)
    with db.session(write=False) as session:
        return [_to_record(row) for row in session.scalars(query.limit(limit))]


def get_run(db: Database, run_id: int) -> RunRecord | None:
    query = select(RunRow).options(selectinload(RunRow.epochs)).where(RunRow.id == run_id)
    with db.session(write=False) as session:
        row = session.scalars(query).one_or_none()
        return _to_record(row) if row is not None else None


def _to_record(row: RunRow) -> RunRecord:
    return RunRecord(
        answer=row.answer, status=row.status, device=row.device, params=dict(row.params),
        epochs=[EpochRow(epoch=e.epoch, train_loss=e.train_loss, valid_loss=e.valid_loss,
                         accuracy=e.accuracy, seconds=e.seconds) for e in row.epochs],
        final=dict(row.final), seconds=row.seconds, message=row.message,
        started_at=row.started_at, finished_at=row.finished_at,
        torch_version=row.torch_version, output=row.output, stderr_tail=row.stderr_tail,
        checks=list(row.checks), id=row.id,
    )
