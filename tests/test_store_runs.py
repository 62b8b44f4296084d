"""Past runs: save, list and fetch RunRecords with their epochs (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from studytool.run_record import EpochRow, RunRecord
from studytool.store.models import RunEpochRow
from studytool.store.runs import get_run, recent_runs, save_run


def make_record(answer: str = "lmmodel3", status: str = "ok", epochs: int = 3) -> RunRecord:
    started = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    return RunRecord(
        answer=answer, status=status, device="cpu",
        params={"epochs": epochs, "lr": 1e-3, "seed": 42, "nested": {"bs": 64}},
        epochs=[EpochRow(epoch=i, train_loss=1.5 - 0.1 * i, valid_loss=None if i == 0 else 1.6,
                         accuracy=0.4 + 0.01 * i, seconds=0.25) for i in range(epochs)],
        final={"accuracy": 0.42, "valid_loss": 1.6},
        seconds=0.9, message="done", started_at=started,
        finished_at=started + timedelta(seconds=0.9), torch_version="2.13.0",
        output="epoch 0 ...\nepoch 1 ...", stderr_tail="",
        checks=[{"label": "accuracy >= 0.4", "passed": True, "message": ""}],
    )


def test_a_saved_run_comes_back_whole(db):
    record = make_record()
    run_id = save_run(db, record)
    assert record.id == run_id
    loaded = get_run(db, run_id)
    assert loaded == record
    assert loaded.to_json() == record.to_json()
    assert get_run(db, run_id + 100) is None


def test_recent_runs_are_newest_first_and_filter_by_answer(db):
    ids = [save_run(db, make_record(answer)) for answer in ("baseline", "lmmodel3", "baseline")]
    assert [r.id for r in recent_runs(db)] == ids[::-1]
    assert [r.id for r in recent_runs(db, answer="baseline")] == [ids[2], ids[0]]
    assert [r.id for r in recent_runs(db, limit=1)] == [ids[2]]
    assert recent_runs(db, answer="gru-scratch") == []


def test_epochs_live_in_their_own_table(db):
    run_id = save_run(db, make_record(epochs=5))
    with db.session() as session:
        count = session.scalar(select(func.count()).where(RunEpochRow.run_id == run_id))
    assert count == 5
    assert [e.epoch for e in get_run(db, run_id).epochs] == [0, 1, 2, 3, 4]


def test_failed_runs_without_epochs_or_times_are_kept(db):
    record = RunRecord(answer="lmmodel7", status="timeout", device="cuda",
                       message="timed out after 5 s", stderr_tail="Traceback ...")
    loaded = get_run(db, save_run(db, record))
    assert loaded.status == "timeout" and loaded.epochs == [] and loaded.started_at is None
    assert loaded.stderr_tail == "Traceback ..."


def test_an_unknown_status_is_refused(db):
    with pytest.raises(ValueError, match="unknown run status"):
        save_run(db, make_record(status="great"))
    assert recent_runs(db) == []
