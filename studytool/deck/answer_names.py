"""Which runnable-answer names a deck may link to (torch-free: the registry is plain data)."""

from __future__ import annotations

# Answers the deck links to beyond the names DESIGN.md promises.
EXTRA_NAMES = frozenset({"third-word"})


def known_answer_names() -> frozenset[str]:
    """The promised names, the extras, and whatever the catalogue registers today."""
    from answers_code import registry

    names = set(registry.REQUIRED_NAMES) | EXTRA_NAMES
    try:
        names |= set(registry.all_answers())
    except (ImportError, ValueError):
        # A catalogue being edited must not stop the decks from loading; the promised names
        # still validate, and `studytool check` reports the catalogue's own problem.
        pass
    return frozenset(names)
