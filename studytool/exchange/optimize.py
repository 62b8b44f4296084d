"""Personal FSRS parameters fitted to the learner's review log with fsrs's Optimizer.

fsrs's optimizer uses torch (and numpy, pandas, tqdm: the `fsrs[optimizer]` extra), so this
runs in the CLI's process only, never in the TUI's. Like fsrs, it counts only reviews a day or
more after the card's previous one, within each card's first 64 reviews; under 512 of those
fsrs returns its defaults, so we say so and fit nothing. The log loss is computed here the way
fsrs scores a fit (mean binary cross-entropy of predicted recall on those reviews), without
torch, for the old and the new parameters alike.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from studytool.errors import StudytoolError
from studytool.exchange.document import PARAMETERS_KEY
from studytool.srs.reschedule import Rescheduled, reschedule
from studytool.store.database import Database
from studytool.store.models import ReviewLogRow

MIN_REVIEWS = 512  # fsrs.optimizer's mini-batch size: below it, it returns the defaults
MAX_SEQ_LEN = 64  # fsrs uses each card's first 64 reviews

History = dict[int, list[tuple[datetime, int, int | None]]]


@dataclass
class Fit:
    reviews: int  # all reviews in the log
    usable: int  # the ones fsrs learns from
    old: list[float]
    new: list[float] | None  # None: too few reviews, nothing fitted
    old_loss: float | None
    new_loss: float | None
    # the desired retention whose simulated workload (minutes per card remembered) is least,
    # by fsrs's compute_optimal_retention; None when nothing was fitted
    optimal_retention: float | None = None
    retention: float = 0.9  # the learner's desired retention now


def optimize_report(db: Database, save: bool) -> str:
    fit = fit_parameters(db)
    lines = [format_fit(fit, save)]
    if save and fit.new is not None:
        lines.append(save_parameters(db, fit.new).text())
    return "\n".join(lines)


def load_history(db: Database) -> History:
    history: History = defaultdict(list)
    query = (select(ReviewLogRow.card_id, ReviewLogRow.reviewed_at, ReviewLogRow.rating,
                    ReviewLogRow.duration_ms)
             .where(ReviewLogRow.cram.is_(False))  # cram reviews scheduled nothing
             .order_by(ReviewLogRow.card_id, ReviewLogRow.reviewed_at, ReviewLogRow.id))
    with db.session(write=False) as session:
        for card_id, at, rating, duration in session.execute(query):
            history[card_id].append((at, rating, duration))
    return dict(history)


def usable_reviews(history: History) -> int:
    count = 0
    for reviews in history.values():
        first = reviews[:MAX_SEQ_LEN]
        count += sum(1 for (prev, _r, _d), (at, _r2, _d2) in zip(first, first[1:], strict=False)
                     if (at - prev).days > 0)
    return count


def stored_parameters(db: Database) -> list[float]:
    from fsrs.scheduler import DEFAULT_PARAMETERS

    from studytool.srs.settings_store import load_settings

    with db.session(write=False) as session:
        personal = load_settings(session).fsrs_parameters
    return [float(v) for v in (personal or DEFAULT_PARAMETERS)]


def save_parameters(db: Database, parameters: Sequence[float],
                    now: datetime | None = None) -> Rescheduled:
    """Keep the parameters and reschedule the studied cards with them, in one transaction."""
    from studytool.srs.settings_store import load_settings, put_setting

    with db.session() as session:
        old = load_settings(session)
        put_setting(session, PARAMETERS_KEY, [float(v) for v in parameters])
        new = replace(old, fsrs_parameters=tuple(float(v) for v in parameters))
        return reschedule(session, old, new, now or datetime.now(UTC))


def fit_parameters(db: Database) -> Fit:
    history = load_history(db)
    old = stored_parameters(db)
    total = sum(len(v) for v in history.values())
    usable = usable_reviews(history)
    old_loss = log_loss(history, old)
    if usable < MIN_REVIEWS:
        return Fit(total, usable, old, None, old_loss, None, retention=_retention(db))
    new = _run_optimizer(history)
    return Fit(total, usable, old, new, old_loss, log_loss(history, new),
               optimal_retention(history, new), _retention(db))


def _retention(db: Database) -> float:
    from studytool.srs.settings_store import load_settings

    with db.session(write=False) as session:
        return float(load_settings(session).desired_retention)


def _optimizer(history: History, timed: bool = False) -> Any:
    """fsrs's Optimizer on the history (`timed`: only the reviews with a duration)."""
    from fsrs import Rating, ReviewLog
    from fsrs.optimizer import Optimizer

    if not hasattr(Optimizer, "compute_optimal_parameters"):  # fsrs's stand-in without torch
        raise StudytoolError("fitting needs fsrs's optimizer extra: pip install "
                             "'fsrs[optimizer]' (torch, numpy, pandas, tqdm)")
    logs = [ReviewLog(card_id=card_id, rating=Rating(rating), review_datetime=at,
                      review_duration=duration)
            for card_id, reviews in history.items() for at, rating, duration in reviews
            if duration is not None or not timed]
    return Optimizer(logs) if len(logs) >= MIN_REVIEWS else None


def _run_optimizer(history: History) -> list[float]:
    import torch

    optimizer = _optimizer(history)
    torch.set_num_threads(1)  # tiny tensors: more threads only add overhead here
    return [float(v) for v in optimizer.compute_optimal_parameters()]


def optimal_retention(history: History, parameters: Sequence[float]) -> float | None:
    """fsrs's compute_optimal_retention: it simulates a year of 1,000 cards at each desired
    retention from 0.70 to 0.95 with the learner's own rating odds and review times, and
    keeps the one with the least time per card remembered. None: too few timed reviews."""
    optimizer = _optimizer(history, timed=True)
    if optimizer is None:
        return None
    return float(optimizer.compute_optimal_retention(list(parameters)))


def log_loss(history: History, parameters: Sequence[float]) -> float | None:
    """Mean binary cross-entropy of the predicted recall over the reviews fsrs learns from."""
    from fsrs import Card, Rating, Scheduler

    scheduler = Scheduler(parameters=tuple(parameters), enable_fuzzing=False)
    total, count = 0.0, 0
    for card_id, reviews in history.items():
        card = None
        for at, rating, _duration in reviews[:MAX_SEQ_LEN]:
            if card is None:
                card = Card(card_id=card_id, due=at)
            if card.last_review is not None and (at - card.last_review).days > 0:
                p = scheduler.get_card_retrievability(card, at)
                p = min(max(p, 1e-7), 1 - 1e-7)
                recalled = rating != int(Rating.Again)
                total -= math.log(p) if recalled else math.log(1 - p)
                count += 1
            card, _log = scheduler.review_card(card, Rating(rating), at)
    return total / count if count else None


def format_fit(fit: Fit, save: bool) -> str:
    loss = f"{fit.old_loss:.4f}" if fit.old_loss is not None else "n/a"
    head = (f"{fit.reviews:,} reviews, {fit.usable:,} a day or more after the card's previous "
            f"review (fsrs learns from these)")
    if fit.new is None:
        return (f"{head}.\nToo few to fit: fsrs needs at least {MIN_REVIEWS}; keeping the "
                f"current parameters (log loss {loss}).")
    lines = [head + ".", "", f"{'':>4} {'old':>10} {'new':>10}"]
    lines += [f"w{i:<3} {o:10.4f} {n:10.4f}" for i, (o, n) in enumerate(zip(fit.old, fit.new,
                                                                          strict=True))]
    new_loss = f"{fit.new_loss:.4f}" if fit.new_loss is not None else "n/a"
    lines += ["", f"log loss on your history: old {loss}, new {new_loss}"]
    lines.append(f"saved (setting {PARAMETERS_KEY!r})" if save
                 else "not saved (run `studytool optimize --save` to keep them)")
    if fit.optimal_retention is None:
        lines.append(f"retention that minimises your workload: n/a (needs {MIN_REVIEWS} "
                     "reviews with their durations)")
    else:
        best = fit.optimal_retention
        lines.append(f"retention that minimises your workload: {best:.2f} (yours: "
                     f"{fit.retention:.2f}" + (")" if abs(best - fit.retention) < 1e-9 else
                                               f"; `studytool reschedule --retention {best:.2f}`"
                                               " to use it)"))
    return "\n".join(lines)
