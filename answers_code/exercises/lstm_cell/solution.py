"""The project's reference LSTMCell (the chapter's)."""

from answers_code.lstm import LSTMCell  # noqa: F401
