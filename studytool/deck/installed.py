"""The decks the app studies: the shipped ones, then the files this database has taken in.

A deck file in the user's decks folder is not studied because it sits there: `decks add FILE`
or `import-questions` brings it into one database, which remembers its path (and its content,
srs.sync), so another database never sees it and every export holds only its own decks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from studytool import config
from studytool.deck.loader import check_file
from studytool.deck.models import Deck
from studytool.deck.problems import Problem

DECK_SUFFIX = ".toml"


def user_decks_dir() -> Path:
    """Where `import-questions` writes decks by default (created on first use)."""
    path = config.data_dir() / "decks"
    path.mkdir(parents=True, exist_ok=True)
    return path


def deck_dirs() -> list[Path]:
    return [config.questions_dir(), user_decks_dir()]


def deck_files() -> list[Path]:
    """Every deck file, shipped first, each folder in name order (what `validate` checks)."""
    return [path for folder in deck_dirs() for path in _deck_files_in(folder)]


def _deck_files_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"*{DECK_SUFFIX}") if p.is_file())


def load_installed(added: Sequence[Path] = ()) -> tuple[list[Deck], list[str]]:
    """(decks that loaded, problem lines): the shipped decks, then `added` (the files a
    database took in; one gone missing is skipped: its stored content still serves).
    A broken file is reported and skipped, never fatal.

    Warnings (an imported question still without an answer, say) are for `studytool validate`;
    they would only nag on every other command, so they are not returned here.
    """
    decks: list[Deck] = []
    problems: list[Problem] = []
    owners: dict[str, Path] = {}
    shipped = _deck_files_in(config.questions_dir())
    for path in [*shipped, *(p for p in added if p not in shipped and p.is_file())]:
        deck, found = check_file(path, use_cache=True)
        problems.extend(p for p in found if not p.warning)
        if deck is None:
            continue
        if deck.id in owners:
            # Two files claiming one deck id would mix their cards: keep the first one.
            problems.append(Problem(str(path), None, f"deck id '{deck.id}' is already used by "
                                    f"{owners[deck.id]}; this file is skipped"))
            continue
        owners[deck.id] = path
        decks.append(deck)
    return decks, [str(p) for p in problems]


def installed_decks() -> list[Deck]:
    return load_installed()[0]
