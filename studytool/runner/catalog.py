"""The answers the engine can run: the registry's catalogue plus optional extra modules.

$STUDYTOOL_EXTRA_ANSWERS names modules (comma-separated) that define `ANSWERS`, a tuple of
`answers_code.answer.Answer`. Tests use it to add hanging, crashing and NaN-producing answers
without touching the real catalogue. Like the registry, this stays torch-free: an extra module's
entry functions import torch inside themselves.
"""

from __future__ import annotations

import importlib
import os

from answers_code import registry
from answers_code.answer import Answer
from studytool.errors import StudytoolError

ENV_EXTRA = "STUDYTOOL_EXTRA_ANSWERS"


def _extra_modules() -> list[str]:
    return [name.strip() for name in os.environ.get(ENV_EXTRA, "").split(",") if name.strip()]


def all_answers() -> dict[str, Answer]:
    """Every runnable answer by name: the registry's first, then the extra modules'."""
    answers = dict(registry.all_answers())
    for module_name in _extra_modules():
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise StudytoolError(f"{ENV_EXTRA}: cannot import '{module_name}': {exc}") from exc
        for answer in getattr(module, "ANSWERS", ()):
            if answer.name in answers:
                raise StudytoolError(f"{ENV_EXTRA}: '{module_name}' redefines '{answer.name}'")
            answers[answer.name] = answer
    return answers


def get(name: str) -> Answer:
    """The answer called `name`; a StudytoolError suggesting close names otherwise."""
    try:
        return registry.lookup(name, all_answers())
    except KeyError as exc:
        raise StudytoolError(exc.args[0]) from None
