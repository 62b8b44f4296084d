"""Where things live: the user's data directory, the database URL, the shipped data files.

Nothing here imports heavy libraries: every command, `--help` included, imports this module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "studytool"
ENV_DB = "STUDYTOOL_DB"
# Overrides the platform data directory (tests and portable installs use it).
ENV_HOME = "STUDYTOOL_HOME"

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The user's data directory (created on first use)."""
    home = os.environ.get(ENV_HOME)
    if home:
        path = Path(home).expanduser()
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'studytool.sqlite3'}"


def resolve_db_url(cli_value: str | None = None) -> str:
    """`--db URL` wins, then $STUDYTOOL_DB, then the SQLite file in the data directory."""
    return cli_value or os.environ.get(ENV_DB) or default_db_url()


def _shipped(name: str) -> Path:
    # A wheel carries the top-level folders under studytool/_data; a source checkout
    # (editable install, tests) has them beside the package.
    installed = _PACKAGE_DIR / "_data" / name
    return installed if installed.is_dir() else _PACKAGE_DIR.parent / name


def questions_dir() -> Path:
    """The shipped deck files (the top-level `questions/` folder)."""
    return _shipped("questions")


def migrations_dir() -> Path:
    """The Alembic migrations (the top-level `db/` folder)."""
    return _shipped("db")


def exercises_dir() -> Path:
    """Default workspace for learner exercises."""
    path = data_dir() / "exercises"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Settings:
    """Defaults a learner can change (stored in the database by the store)."""

    new_per_day: int = 20
    max_reviews_per_day: int = 200
    desired_retention: float = 0.9
    day_starts_at_hour: int = 4
    default_device: str = "auto"
    theme: str = "textual-dark"
    # Personal FSRS weights from `studytool optimize --save`; None: fsrs's defaults.
    fsrs_parameters: tuple[float, ...] | None = None
    # A card that lapses this often is a leech (as in Anki); "tag" marks it, "suspend" also
    # suspends it.
    leech_threshold: int = 8
    leech_action: str = "tag"
