"""The catalogue of runnable answers, looked up by name.

The catalogue modules (`answers_code.catalog.*`) declare the answers with the types of
`answers_code.answer` and `answers_code.check`; this module only gathers and finds them (the
imports run one way: registry -> catalog -> types). Torch-free.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from answers_code.answer import Answer
from answers_code.catalog import demos, lm, modules
from answers_code.check import Check

__all__ = ["REQUIRED_NAMES", "Answer", "Check", "all_answers", "get", "lookup", "suggestion"]


def _catalogue() -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    for group in (lm.ANSWERS, modules.ANSWERS, demos.ANSWERS):
        for answer in group:
            if answer.name in answers:
                raise ValueError(f"duplicate answer name {answer.name!r}")
            answers[answer.name] = answer
    return answers


_ANSWERS = _catalogue()


def all_answers() -> dict[str, Answer]:
    """Every registered answer by name, in catalogue order."""
    return _ANSWERS


def get(name: str) -> Answer:
    """The answer called `name`; KeyError with close names suggested otherwise."""
    return lookup(name, _ANSWERS)


def lookup(name: str, answers: Mapping[str, Answer]) -> Answer:
    """`answers[name]`, else KeyError("unknown answer 'x' (did you mean ...)")."""
    if name in answers:
        return answers[name]
    raise KeyError(f"unknown answer '{name}'{suggestion(name, answers)}")


def suggestion(name: str, names: Iterable[str]) -> str:
    """' (did you mean a, b?)' for names close to `name`, else a pointer to the list."""
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.5)
    return f" (did you mean {', '.join(close)}?)" if close else " (see `studytool answers`)"


# The names DESIGN.md promises; tests check every one is registered.
REQUIRED_NAMES = (
    "baseline", "lmmodel1", "lmmodel2", "lmmodel3", "lmmodel4", "lmmodel5", "lmmodel6",
    "lmmodel7", "lstm-scratch", "gru-scratch", "gru-torch", "dropout", "h-zero",
    "lstmcell-refactor", "valid-batches", "float-precision", "exploding-activations",
    "bernoulli", "chunk", "tanh-sigmoid", "ar-tar", "weight-tying", "train-eval",
)
