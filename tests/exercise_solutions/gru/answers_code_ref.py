"""The project's reference GRU."""

from answers_code.gru import GRU  # noqa: F401
