"""Exercise third-word (fastbook chapter 12, question 5).

Write a module that predicts the third word given the previous two words of a sentence,
without peeking. Two parts:

third_word_samples(nums): from a stream of word ids nums (n,), the training samples
x (n_samples, 2), two consecutive words, and y (n_samples,), the word right after them.
No peeking: a sample's target is never one of its own inputs.

ThirdWordModel(vocab_sz, n_hidden): forward(x) reads x (bs, 2) and returns the scores for the
third word, (bs, vocab_sz). (A model that predicts after every word may return
(bs, 2, vocab_sz) instead, the last position being the third word; then the prediction after
word 1 must not depend on word 2.)

Checks (studytool exercise verify third-word):
- the samples: consecutive pairs, each with the word that follows, never its own input;
- the output shape, and no peeking in a model that predicts after every word;
- the prediction of the third word uses both previous words;
- a short training run on Human Numbers beats the baseline (always "thousand": 0.1517).
"""

import torch
from torch import nn


def third_word_samples(nums: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # nums: (n,) word ids -> x (n_samples, 2), y (n_samples,)
    raise NotImplementedError


class ThirdWordModel(nn.Module):
    def __init__(self, vocab_sz: int, n_hidden: int) -> None:
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (bs, 2) word ids -> (bs, vocab_sz) scores for the third word
        raise NotImplementedError
