"""The project's reference Dropout."""

from answers_code.dropout import Dropout  # noqa: F401
