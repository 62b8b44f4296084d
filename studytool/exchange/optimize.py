"""Personal FSRS parameters fitted to the learner's review log by fsrs-rs, the Rust optimizer
Anki itself runs (`fsrs-rs-python`, the `studytool[optimizer]` extra: one 1.5 MB wheel).

py-fsrs's own Optimizer needs torch, numpy, pandas and tqdm (`fsrs[optimizer]`, 156 MB
besides torch) and took minutes where fsrs-rs takes a second, for the same log loss
(`benchmarks/optimize_scale.py`). fsrs-rs fits the same FSRS-6 model (21 parameters,
the same defaults), so its parameters go straight into py-fsrs's Scheduler, which checks
them. Like py-fsrs, it learns from the reviews a day or more after the card's previous
one, within each card's first 64 reviews; under 512 of those we fit nothing and say so.
The log loss is computed here (mean binary cross-entropy of py-fsrs's predicted recall on
those reviews), for the old and the new parameters alike.
"""

from __future__ import annotations

import importlib.util
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from studytool.errors import StudytoolError
from studytool.exchange.document import PARAMETERS_KEY
from studytool.srs.reschedule import Rescheduled, reschedule
from studytool.store.database import Database
from studytool.store.models import ReviewLogRow

MIN_REVIEWS = 512  # py-fsrs's mini-batch, under which it fitted nothing: our floor
MAX_SEQ_LEN = 64  # fsrs uses each card's first 64 reviews
SIMULATED_CARDS = 1000  # optimal retention's simulated deck (py-fsrs's size)

Review = tuple[datetime, int, int | None]  # when, rating, milliseconds
History = dict[int, list[Review]]


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


def _gaps(history: History) -> Iterator[tuple[list[Review], list[int]]]:
    """Each card's first MAX_SEQ_LEN reviews and the whole days before each after the first:
    the one rule for which reviews the fit learns from (a gap of a day or more)."""
    for reviews in history.values():
        first = reviews[:MAX_SEQ_LEN]
        yield first, [(at - prev).days for (prev, _r, _d), (at, _r2, _d2)
                      in zip(first, first[1:], strict=False)]


def usable_reviews(history: History) -> int:
    return sum(1 for _first, gaps in _gaps(history) for days in gaps if days > 0)


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
    _require_optimizer()  # before any work: without it `optimize` does nothing
    history = load_history(db)
    old = stored_parameters(db)
    total = sum(len(v) for v in history.values())
    usable = usable_reviews(history)
    old_loss = log_loss(history, old)
    if usable < MIN_REVIEWS:
        return Fit(total, usable, old, None, old_loss, None, retention=_retention(db))
    new = fit_with_fsrs_rs(history)
    return Fit(total, usable, old, new, old_loss, log_loss(history, new),
               optimal_retention(history, new), _retention(db))


def _retention(db: Database) -> float:
    from studytool.srs.settings_store import load_settings

    with db.session(write=False) as session:
        return float(load_settings(session).desired_retention)


def _require_optimizer() -> None:
    if importlib.util.find_spec("fsrs_rs_python") is None:
        raise StudytoolError("fitting needs the optimizer extra: pip install "
                             "'studytool[optimizer]' (fsrs-rs-python)")


def fsrs_items(history: History) -> list[Any]:
    """The history as fsrs-rs's training items: one per review a day or more after the
    card's previous one (within its first MAX_SEQ_LEN), holding the card's reviews up to it,
    each with the whole days since the one before (what py-fsrs's scheduler counts too)."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    dated = []
    for first, gaps in _gaps(history):
        steps = [FSRSReview(first[0][1], 0)]
        for (at, rating, _d), days in zip(first[1:], gaps, strict=True):
            steps.append(FSRSReview(rating, days))
            if days > 0:
                dated.append((at, FSRSItem(list(steps))))
    dated.sort(key=lambda pair: pair[0])  # oldest first, as Anki hands them over
    return [item for _at, item in dated]


def fit_with_fsrs_rs(history: History) -> list[float]:
    """fsrs-rs's fit, checked by py-fsrs's Scheduler (count and bounds) before it is used."""
    from fsrs import Scheduler
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    items = fsrs_items(history)
    fitted = [float(v) for v in FSRS(DEFAULT_PARAMETERS).compute_parameters(items)]
    try:
        Scheduler(parameters=fitted)
    except ValueError as exc:  # a future fsrs-rs with another model, say
        raise StudytoolError("the optimizer's parameters do not fit fsrs's scheduler: "
                             f"{exc}") from exc
    return fitted


def optimal_retention(history: History, parameters: Sequence[float]) -> float | None:
    """fsrs-rs's optimal retention: it simulates a year of SIMULATED_CARDS cards at desired
    retentions from 0.70 to 0.95 with the learner's own rating odds and seconds per rating,
    and keeps the one with the least time per card remembered. None: fewer than MIN_REVIEWS
    reviews with their durations."""
    import fsrs_rs_python as fsrs_rs

    timed = [(k, rating, duration) for reviews in history.values()
             for k, (_at, rating, duration) in enumerate(reviews) if duration is not None]
    if len(timed) < MIN_REVIEWS:
        return None
    first = [rating for k, rating, _d in timed if k == 0]
    later = [(rating, duration) for k, rating, duration in timed if k > 0]
    config = fsrs_rs.default_simulator_config()
    config.deck_size = SIMULATED_CARDS
    if first:
        config.first_rating_prob = _shares(first, (1, 2, 3, 4))
    recalled = [rating for rating, _d in later if rating != 1]
    if recalled:
        config.review_rating_prob = _shares(recalled, (2, 3, 4))
    # seconds per rating: learning from the first reviews, review and relearning from the rest
    learning, reviewing, relearning = config.state_rating_costs
    config.state_rating_costs = [
        _seconds([(r, d) for k, r, d in timed if k == 0], learning),
        _seconds(later, reviewing), _seconds(later, relearning)]
    return round(float(fsrs_rs.optimal_retention(config, list(parameters))), 2)


def _shares(ratings: list[int], kinds: tuple[int, ...]) -> list[float]:
    return [ratings.count(kind) / len(ratings) for kind in kinds]


def _seconds(pairs: list[tuple[int, int]], default: list[float]) -> list[float]:
    """Mean seconds per rating (Again..Easy); fsrs-rs's default where a rating never came."""
    out = []
    for rating, fallback in zip((1, 2, 3, 4), default, strict=True):
        times = [ms for r, ms in pairs if r == rating]
        out.append(sum(times) / len(times) / 1000 if times else fallback)
    return out


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

