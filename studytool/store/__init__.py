"""The progress store: SQLAlchemy models, engine/session, queries; migrations live in db/."""

from studytool.store.database import Database
from studytool.store.opening import open_db

__all__ = ["Database", "open_db"]
