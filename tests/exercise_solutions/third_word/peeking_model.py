"""Wrong: position i sees every word (the mean of all embeddings), so it peeks."""

import torch
import torch.nn.functional as F
from torch import nn


def third_word_samples(nums):
    starts = torch.arange(0, len(nums) - 2)
    return torch.stack([nums[starts], nums[starts + 1]], dim=1), nums[starts + 2]


class ThirdWordModel(nn.Module):
    def __init__(self, vocab_sz, n_hidden):
        super().__init__()
        self.i_h = nn.Embedding(vocab_sz, n_hidden)
        self.h_h = nn.Linear(n_hidden, n_hidden)
        self.h_o = nn.Linear(n_hidden, vocab_sz)

    def forward(self, x):
        h, outs = 0, []
        for i in range(x.shape[1]):
            h = F.relu(self.h_h(h + self.i_h(x[:, i]) + self.i_h(x).mean(1)))
            outs.append(self.h_o(h))
        return torch.stack(outs, dim=1)
