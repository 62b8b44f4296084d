"""The learner's settings (studytool.config.Settings) kept as key/value rows."""

from __future__ import annotations

from dataclasses import asdict, fields, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from studytool.config import Settings
from studytool.errors import StudytoolError
from studytool.store.models import SettingRow
from studytool.store.scoping import learner_of

_FIELDS = {f.name for f in fields(Settings)}
LEECH_ACTIONS = ("tag", "suspend")  # suspend: tag it and suspend it


def load_settings(session: Session) -> Settings:
    stored = {row.key: row.value for row in session.scalars(select(SettingRow))
              if row.key in _FIELDS}
    if "fsrs_parameters" in stored:
        stored["fsrs_parameters"] = _parameters(stored["fsrs_parameters"])
    return replace(Settings(), **stored)


def _parameters(value: object) -> tuple[float, ...] | None:
    """Stored personal FSRS weights, or None (fsrs's defaults) when absent or malformed."""
    from fsrs.scheduler import DEFAULT_PARAMETERS

    if isinstance(value, list) and len(value) == len(DEFAULT_PARAMETERS):
        try:
            return tuple(float(v) for v in value)
        except (TypeError, ValueError):
            return None
    return None


def save_settings(session: Session, settings: Settings) -> None:
    validate(settings)
    for key, value in asdict(settings).items():
        if key == "fsrs_parameters":
            if value is None:
                continue  # only `optimize --save` (or an import) sets personal parameters
            value = [float(v) for v in value]
        put_setting(session, key, value)


def put_setting(session: Session, key: str, value: object) -> None:
    """Set one of this session's learner's settings (a row keyed by learner and key)."""
    session.merge(SettingRow(learner=learner_of(session), key=key, value=value))


def validate(settings: Settings) -> None:
    if not isinstance(settings.new_per_day, int) or settings.new_per_day < 0:
        raise StudytoolError(f"new cards per day must be 0 or more, not {settings.new_per_day}")
    if not isinstance(settings.max_reviews_per_day, int) or settings.max_reviews_per_day < 0:
        raise StudytoolError("maximum reviews per day must be 0 or more, "
                             f"not {settings.max_reviews_per_day}")
    if not 0.7 <= float(settings.desired_retention) <= 0.99:
        raise StudytoolError("desired retention must be between 0.70 and 0.99, "
                             f"not {settings.desired_retention}")
    if not isinstance(settings.leech_threshold, int) or settings.leech_threshold < 1:
        raise StudytoolError("the leech threshold must be 1 or more, "
                             f"not {settings.leech_threshold}")
    if settings.leech_action not in LEECH_ACTIONS:
        raise StudytoolError(f"the leech action must be one of {', '.join(LEECH_ACTIONS)}, "
                             f"not {settings.leech_action!r}")
    hour = settings.day_starts_at_hour
    if not isinstance(hour, int) or not 0 <= hour < 24:
        raise StudytoolError("the day must start at an hour from 0 to 23, "
                             f"not {settings.day_starts_at_hour}")
