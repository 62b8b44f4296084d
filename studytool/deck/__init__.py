"""Question decks: files -> validated `Deck` objects, Markdown import, and sync planning.

No store and no UI here. The loaders (and with them pydantic) are imported on first use, so
code that only needs the dataclasses or `plan_sync` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from studytool.deck.models import KINDS, PLACEHOLDER_ANSWER, RUNNABLE_KINDS, Deck, Question
from studytool.deck.problems import DeckError, Problem
from studytool.deck.sync import SyncPlan, plan_sync

if TYPE_CHECKING:
    from studytool.deck.installed import (
        deck_files,
        installed_decks,
        load_installed,
        user_decks_dir,
    )
    from studytool.deck.loader import check_file, load_deck, validate_files
    from studytool.deck.markdown_import import import_markdown

_LAZY = {
    "load_deck": "loader", "validate_files": "loader", "check_file": "loader",
    "installed_decks": "installed", "load_installed": "installed", "deck_files": "installed",
    "user_decks_dir": "installed", "import_markdown": "markdown_import",
}

__all__ = [
    "KINDS", "PLACEHOLDER_ANSWER", "RUNNABLE_KINDS", "Deck", "DeckError", "Problem", "Question",
    "SyncPlan", "plan_sync", "check_file", "deck_files", "import_markdown", "installed_decks",
    "load_deck", "load_installed", "user_decks_dir", "validate_files",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'studytool.deck' has no attribute {name!r}")
    return getattr(importlib.import_module(f"studytool.deck.{module}"), name)
