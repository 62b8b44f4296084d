"""The teacher's view of a class: per learner, per question, per answer.

Read through a class-wide `Database` (learner=None): on a class server only the teacher's
role may read every learner's rows (store.classroom); on SQLite anyone with the file can.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from studytool.store.database import Database
from studytool.store.models import (
    NEW,
    REVIEW,
    CardRow,
    ExerciseProgressRow,
    LearnerRow,
    ReviewLogRow,
    RunRow,
)
from studytool.store.queries import LAPSE, available

HARDEST = 10  # questions listed as the class's hardest


@dataclass(frozen=True)
class LearnerLine:
    learner: str
    reviews_7d: int
    retention_30d: float | None  # share of review-state reviews recalled (None: none yet)
    due_now: int
    exercises_passed: int


@dataclass(frozen=True)
class QuestionLine:
    question_id: str
    learners: int  # learners who reviewed it in the Review state
    reviews: int  # reviews in the Review state
    lapses: int

    @property
    def lapse_rate(self) -> float:
        return self.lapses / self.reviews if self.reviews else 0.0


@dataclass(frozen=True)
class AnswerLine:
    answer: str
    learner: str
    runs: int
    ok: int
    last_accuracy: float | None
    best_accuracy: float | None


@dataclass(frozen=True)
class ClassView:
    learners: list[LearnerLine] = field(default_factory=list)
    hardest: list[QuestionLine] = field(default_factory=list)
    answers: list[AnswerLine] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"learners": [asdict(line) for line in self.learners],
                "hardest": [{**asdict(line), "lapse_rate": round(line.lapse_rate, 4)}
                            for line in self.hardest],
                "answers": [asdict(line) for line in self.answers]}


def class_view(db: Database, now: datetime) -> ClassView:
    """Everyone's figures, one read transaction."""
    everyone = db.as_learner(None)
    with everyone.session(write=False) as session:
        names = list(session.scalars(select(LearnerRow.name).order_by(LearnerRow.name)))
        week = _per_learner(session, select(ReviewLogRow.learner, func.count()).where(
            ReviewLogRow.reviewed_at >= now - timedelta(days=7)))
        recalled = func.sum(case((ReviewLogRow.rating > 1, 1), else_=0))
        month = {learner: (int(good or 0), int(total)) for learner, total, good in
                 session.execute(select(ReviewLogRow.learner, func.count(), recalled).where(
                     ReviewLogRow.reviewed_at >= now - timedelta(days=30),
                     ReviewLogRow.state_before == REVIEW).group_by(ReviewLogRow.learner))}
        due = _per_learner(session, select(CardRow.learner, func.count()).where(
            CardRow.state != NEW, CardRow.due <= now, *available(now)))
        passed = _per_learner(session, select(ExerciseProgressRow.learner, func.count()).where(
            ExerciseProgressRow.done.is_(True), ExerciseProgressRow.last_passed.isnot(False)))
        learners = [LearnerLine(name, week.get(name, 0), _share(month.get(name)),
                                due.get(name, 0), passed.get(name, 0)) for name in names]
        lapses = func.sum(case((LAPSE, 1), else_=0))
        rows = session.execute(
            select(CardRow.question_id, func.count(func.distinct(ReviewLogRow.learner)),
                   func.count(), lapses)
            .join(CardRow, CardRow.id == ReviewLogRow.card_id)
            .where(ReviewLogRow.state_before == REVIEW).group_by(CardRow.question_id))
        questions = [QuestionLine(qid, int(n), int(total), int(lapsed or 0))
                     for qid, n, total, lapsed in rows]
        questions.sort(key=lambda line: (-line.lapse_rate, -line.reviews, line.question_id))
        runs = session.execute(select(RunRow.answer, RunRow.learner, RunRow.status,
                                      RunRow.final).order_by(RunRow.id))
        answers = _answer_lines(runs)
    return ClassView(learners, [q for q in questions if q.lapses][:HARDEST], answers)


def _per_learner(session: Any, query: Any) -> dict[str, int]:
    first = query.selected_columns[0]
    return {learner: int(count) for learner, count in session.execute(query.group_by(first))}


def _share(counts: tuple[int, int] | None) -> float | None:
    return counts[0] / counts[1] if counts and counts[1] else None


def _answer_lines(runs: Any) -> list[AnswerLine]:
    seen: dict[tuple[str, str], list[tuple[str, float | None]]] = {}
    for answer, learner, status, final in runs:
        accuracy = (final or {}).get("accuracy")
        value = float(accuracy) if isinstance(accuracy, int | float) else None
        seen.setdefault((answer, learner), []).append((status, value))
    lines = []
    for (answer, learner), made in sorted(seen.items()):
        accuracies = [acc for status, acc in made if status == "ok" and acc is not None]
        lines.append(AnswerLine(answer, learner, len(made), sum(s == "ok" for s, _ in made),
                                accuracies[-1] if accuracies else None,
                                max(accuracies) if accuracies else None))
    return lines
