"""The project's reference LSTM."""

from answers_code.lstm import LSTM  # noqa: F401
