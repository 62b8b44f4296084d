"""Human Numbers, rebuilt offline, and the chapter's three ways of batching it (ch12-q02, q09).

The fastai download holds the numbers 1..7999 (train.txt) and 8001..9999 (valid.txt) written in
English; here they are written by code, so nothing is fetched at run time. Every split, window
and batch follows the chapter (`DataLoaders.from_dsets(..., bs=64, shuffle=False)`), but the
batches are built once as tensors: for models this small, a per-step collate would cost as much
as the model.

Facts it reproduces (tests assert them): 9,998 lines, 63,095 tokens, a vocabulary of 30 in order
of first appearance, 21,031 three-token windows, 3,943 sequences of 16, and a baseline of
638/4207 for always predicting 'thousand'.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import torch
from torch import Tensor

_ONES = "zero one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """`n` (1..9999) in words as the dataset spells it: 7999 -> 'seven thousand nine hundred
    ninety nine' (no 'and', no hyphens)."""
    if not 0 < n < 10_000:
        raise ValueError(f"number_words covers 1..9999, got {n}")
    words: list[str] = []
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    if thousands:
        words += [_ONES[thousands], "thousand"]
    if hundreds:
        words += [_ONES[hundreds], "hundred"]
    if rest >= 20:
        words.append(_TENS[rest // 10])
        if rest % 10:
            words.append(_ONES[rest % 10])
    elif rest >= 10:
        words.append(_TEENS[rest - 10])
    elif rest:
        words.append(_ONES[rest])
    return " ".join(words)


@dataclass(frozen=True)
class HumanNumbers:
    """The whole corpus: `lines` (train then valid), `tokens` ("one . two . three ..."),
    `vocab` (first-appearance order) and `nums` (token ids, int64, shape (n_tokens,))."""

    lines: tuple[str, ...]
    tokens: tuple[str, ...]
    vocab: tuple[str, ...]
    nums: Tensor

    def decode(self, ids: Sequence[int] | Tensor) -> str:
        """Token ids back to words (ch12-q13: reading batches as English)."""
        values = ids.tolist() if isinstance(ids, Tensor) else list(ids)
        return " ".join(self.vocab[i] for i in values)


@lru_cache(maxsize=1)
def human_numbers() -> HumanNumbers:
    """Build the corpus exactly as the chapter reads it: lines joined with ' . ', split on ' '."""
    train = [number_words(n) for n in range(1, 8000)]
    valid = [number_words(n) for n in range(8001, 10_000)]
    lines = tuple(train + valid)
    tokens = tuple(" . ".join(lines).split(" "))
    vocab = tuple(dict.fromkeys(tokens))  # dict keeps first-appearance order
    word2idx = {w: i for i, w in enumerate(vocab)}
    nums = torch.tensor([word2idx[t] for t in tokens], dtype=torch.long)
    return HumanNumbers(lines, tokens, vocab, nums)


T = TypeVar("T")


def chunk_order(n: int, bs: int) -> Tensor:
    """The permutation `group_chunks` applies to `n` items: batch i, row j takes item i + m*j
    (m = n // bs), so row j of consecutive batches reads one contiguous stream. The n - m*bs
    items left over are dropped, as in the book."""
    m = n // bs
    return (torch.arange(m).unsqueeze(1) + m * torch.arange(bs).unsqueeze(0)).reshape(-1)


def group_chunks(ds: Any, bs: int) -> Any:
    """The book's `group_chunks` (ch12-q09): reorder `ds` so that, cut into batches of `bs`,
    each batch row continues where the same row of the previous batch stopped.

    A tensor comes back as a tensor (indexed along dim 0); any other sequence as a list."""
    order = chunk_order(len(ds), bs)
    if isinstance(ds, Tensor):
        return ds[order]
    return [ds[i] for i in order.tolist()]


@dataclass(frozen=True)
class Batches:
    """Pre-built mini-batches: iterating yields (x, y) pairs in order, as a DataLoader with
    shuffle=False would. `n_items` counts samples (not tokens)."""

    xs: tuple[Tensor, ...]
    ys: tuple[Tensor, ...]

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        return zip(self.xs, self.ys, strict=True)

    def __len__(self) -> int:
        return len(self.xs)

    @property
    def n_items(self) -> int:
        return sum(len(x) for x in self.xs)

    def to(self, device: str | torch.device) -> Batches:
        return Batches(tuple(x.to(device) for x in self.xs), tuple(y.to(device) for y in self.ys))


@dataclass(frozen=True)
class DataLoaders:
    """The train and valid batches of one of the chapter's datasets, plus the vocabulary."""

    train: Batches
    valid: Batches
    vocab: tuple[str, ...]
    bs: int

    def to(self, device: str | torch.device) -> DataLoaders:
        return DataLoaders(self.train.to(device), self.valid.to(device), self.vocab, self.bs)


def batches(x: Tensor, y: Tensor, bs: int, drop_last: bool) -> Batches:
    """Cut (x, y) along dim 0 into batches of `bs`; the last short one is kept unless
    `drop_last`. Each batch is a contiguous copy, so a training step reads memory in order."""
    n = (len(x) // bs) * bs if drop_last else len(x)
    starts = range(0, n, bs)
    xs = tuple(x[s : min(s + bs, n)].contiguous() for s in starts)
    ys = tuple(y[s : min(s + bs, n)].contiguous() for s in starts)
    return Batches(xs, ys)


def windows(nums: Tensor, n_in: int) -> tuple[Tensor, Tensor]:
    """The book's `(nums[i:i+n], nums[i+n]) for i in range(0, len(nums)-n-1, n)`: non-overlapping
    windows of `n_in` tokens, each with the token that follows as its target.
    Shapes: x (n_windows, n_in), y (n_windows,)."""
    starts = torch.arange(0, len(nums) - n_in - 1, n_in)
    x = nums[starts.unsqueeze(1) + torch.arange(n_in)]  # (n_windows, n_in)
    return x, nums[starts + n_in]


def sequences(nums: Tensor, sl: int) -> tuple[Tensor, Tensor]:
    """The book's `(nums[i:i+sl], nums[i+1:i+sl+1]) for i in range(0, len(nums)-sl-1, sl)`:
    targets are the inputs shifted by one token. Shapes: x, y (n_seqs, sl)."""
    starts = torch.arange(0, len(nums) - sl - 1, sl).unsqueeze(1) + torch.arange(sl)
    return nums[starts], nums[starts + 1]


def _cut(n: int) -> int:
    # The chapter's split: the first 80% of the windows train, the rest validate (no shuffle).
    return int(n * 0.8)


def window_dls(n_in: int = 3, bs: int = 64, chunks: bool = False) -> DataLoaders:
    """Windows of `n_in` tokens -> the next token. `chunks=False`: the plain cut (LMModel1-2:
    train drops its last short batch, valid keeps it); `chunks=True`: both halves put through
    `group_chunks` and every short batch dropped (LMModel3)."""
    corpus = human_numbers()
    x, y = windows(corpus.nums, n_in)
    return _split_dls(x, y, bs, chunks, corpus.vocab)


def three_token_dls(bs: int = 64, chunks: bool = False) -> DataLoaders:
    """Three tokens in, the fourth out (LMModel1-3). x: (bs, 3), y: (bs,)."""
    return window_dls(3, bs, chunks)


def seq_dls(sl: int = 16, bs: int = 64) -> DataLoaders:
    """Sequences of `sl` tokens, a target after every token (LMModel4-7), in `group_chunks`
    order with drop_last. x, y: (bs, sl)."""
    corpus = human_numbers()
    x, y = sequences(corpus.nums, sl)
    return _split_dls(x, y, bs, True, corpus.vocab)


def _split_dls(x: Tensor, y: Tensor, bs: int, chunks: bool, vocab: tuple[str, ...]) -> DataLoaders:
    if bs < 1:
        raise ValueError(f"batch size must be at least 1, got {bs}")
    cut = _cut(len(x))
    parts = [(x[:cut], y[:cut]), (x[cut:], y[cut:])]
    if chunks:
        parts = [(group_chunks(px, bs), group_chunks(py, bs)) for px, py in parts]
        train, valid = (batches(px, py, bs, drop_last=True) for px, py in parts)
    else:
        # fastai's from_dsets default: drop_last for the training set only.
        train = batches(*parts[0], bs, drop_last=True)
        valid = batches(*parts[1], bs, drop_last=False)
    return DataLoaders(train, valid, vocab, bs)


@dataclass(frozen=True)
class Baseline:
    """Always predicting the most common target of the validation windows (ch12-q01)."""

    token: str
    index: int
    count: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.count / self.total


def baseline(n_in: int = 3) -> Baseline:
    """The most common target of the plain-cut validation windows and how often it is right."""
    corpus = human_numbers()
    _, y = windows(corpus.nums, n_in)
    valid = y[_cut(len(y)) :]
    counts = torch.bincount(valid, minlength=len(corpus.vocab))
    index = int(counts.argmax())
    return Baseline(corpus.vocab[index], index, int(counts[index]), len(valid))


def baseline_accuracy() -> float:
    """0.15165200855716662: 'thousand' is the target of 638 of the 4,207 validation windows."""
    return baseline().accuracy
