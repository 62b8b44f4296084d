"""The project's reference third-word model, with the chapter's windows as samples."""

from answers_code.data import windows
from answers_code.models.third_word import ThirdWordModel  # noqa: F401


def third_word_samples(nums):
    return windows(nums, 2)
