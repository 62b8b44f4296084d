"""The decks the app studies: the shipped ones, then the files this database has taken in.

A deck file in the user's decks folder is not studied because it sits there: `decks add FILE`
or `import-questions` brings it into one database, which remembers its path (and its content,
srs.sync), so another database never sees it and every export holds only its own decks.

A shipped deck is edited in the learner's own copy (`editable_file`): the installed file sits
under site-packages, where an upgrade replaces it. Once the copy exists it is the deck that is
read, in place of the shipped file, by every database (as the shipped deck was).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


def deck_files() -> list[Path]:
    """Every deck file, shipped first (the learner's copy in place of a shipped file), each
    folder in name order (what `validate` checks)."""
    return [*(copy if copy.is_file() else path for path, copy in _shipped()),
            *_deck_files_in(user_decks_dir())]


def edited_dir() -> Path:
    """Where the learner's copies of shipped decks live (not a deck folder of its own)."""
    return user_decks_dir() / "edited"


def editable_file(path: Path) -> Path:
    """The deck file to edit for `path`: for a shipped deck, the learner's copy (made now if
    there is none yet), else `path` itself."""
    import shutil

    shipped = config.questions_dir()
    if path.parent.resolve() != shipped.resolve():
        return path
    copy = edited_dir() / path.name
    if not copy.is_file():
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    return copy


@contextmanager
def own_copy(path: Path) -> Iterator[Path]:
    """The file to edit for `path` (`editable_file`) while the block runs; afterwards, a copy
    still as shipped (an edit quit unchanged, a refused write) is removed again."""
    copy = editable_file(path)
    try:
        yield copy
    finally:
        drop_unchanged_copy(path, copy)


def drop_unchanged_copy(path: Path, copy: Path) -> None:
    """After an edit of `copy` (from `editable_file(path)`): a copy still the same bytes as
    the shipped file is removed, so an edit quit unchanged or a refused write leaves nothing
    that would hide the next upgrade's deck."""
    if copy != path and copy.is_file() and copy.read_bytes() == path.read_bytes():
        copy.unlink()


def _shipped() -> list[tuple[Path, Path]]:
    """(shipped file, the learner's copy of it, which may not exist)."""
    return [(path, edited_dir() / path.name) for path in _deck_files_in(config.questions_dir())]


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
    pairs = _shipped()
    shipped = [path for path, _copy in pairs]
    copies = {path: copy for path, copy in pairs if copy.is_file()}
    # The database remembers each deck's file: a copy's own path comes back among `added`.
    known = {*shipped, *(copy for _path, copy in pairs)}
    for path in [*shipped, *(p for p in added if p not in known and p.is_file())]:
        deck, found = check_file(copies.get(path, path), use_cache=True)
        problems.extend(p for p in found if not p.warning)
        if deck is None and path in copies:  # a broken edit: the shipped deck serves meanwhile
            problems.append(Problem(str(copies[path]), None,
                                    f"your copy does not load; using {path} until it does"))
            deck, _found = check_file(path, use_cache=True)
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
