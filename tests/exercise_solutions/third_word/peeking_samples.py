"""Wrong: the target is the second input word (the samples peek)."""

from answers_code.models.third_word import ThirdWordModel  # noqa: F401


def third_word_samples(nums):
    x = nums[: len(nums) - 2].unfold(0, 2, 2)
    return x, x[:, 1]
