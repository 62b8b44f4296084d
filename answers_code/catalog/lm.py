"""Catalogue entries (filled in by the part of the chapter this module covers)."""

from answers_code.registry import Answer

ANSWERS: tuple[Answer, ...] = ()
