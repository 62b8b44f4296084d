"""The project's reference LMModel7."""

from answers_code.models.lm7 import LMModel7  # noqa: F401
