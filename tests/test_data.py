"""Human Numbers rebuilt offline: the book's facts, exactly, and its batch orders."""

from __future__ import annotations

import pytest
import torch

from answers_code import book
from answers_code.data import (
    baseline,
    baseline_accuracy,
    chunk_order,
    group_chunks,
    human_numbers,
    number_words,
    seq_dls,
    sequences,
    three_token_dls,
    windows,
)


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (1, "one"),
        (13, "thirteen"),
        (20, "twenty"),
        (21, "twenty one"),
        (100, "one hundred"),
        (101, "one hundred one"),
        (1010, "one thousand ten"),
        (7999, "seven thousand nine hundred ninety nine"),
        (8000, "eight thousand"),
        (9999, "nine thousand nine hundred ninety nine"),
    ],
)
def test_number_words_spell_like_the_dataset(n: int, words: str) -> None:
    assert number_words(n) == words


@pytest.mark.parametrize("n", [0, 10_000, -3])
def test_number_words_outside_the_dataset_is_an_error(n: int) -> None:
    with pytest.raises(ValueError, match="1..9999"):
        number_words(n)


def test_corpus_facts_match_the_book() -> None:
    corpus = human_numbers()
    facts = book.dataset_facts()
    assert len(corpus.lines) == facts["lines"] == 9998
    assert len(corpus.tokens) == facts["tokens"] == 63095
    assert len(corpus.vocab) == facts["vocab_size"] == 30
    assert " ".join(corpus.vocab) == facts["vocab_order"].removeprefix("first appearance: ")
    assert corpus.lines[0] == "one" and corpus.lines[7998] == number_words(7999)
    assert corpus.lines[7999] == "eight thousand one"  # 8000 is not in the dataset
    assert corpus.tokens[:5] == ("one", ".", "two", ".", "three")
    assert corpus.nums.dtype == torch.long and corpus.nums.shape == (63095,)
    assert corpus.decode(corpus.nums[:5]) == "one . two . three"
    assert not any("and" in line.split() or "-" in line for line in corpus.lines)


def test_window_and_sequence_counts_and_targets() -> None:
    nums = human_numbers().nums
    x, y = windows(nums, 3)
    assert x.shape == (21031, 3) and y.shape == (21031,)
    assert x[1].tolist() == nums[3:6].tolist() and int(y[1]) == int(nums[6])
    xs, ys = sequences(nums, 16)
    assert xs.shape == ys.shape == (3943, 16)
    assert torch.equal(xs[:, 1:], ys[:, :-1])  # targets are the inputs moved by one token


def test_baseline_is_thousand_638_of_4207() -> None:
    base = baseline()
    assert (base.token, base.index, base.count, base.total) == ("thousand", 29, 638, 4207)
    assert (
        baseline_accuracy() == 0.15165200855716662 == book.dataset_facts()["baseline"]["accuracy"]
    )


def test_plain_cut_keeps_the_short_validation_batch() -> None:
    dls = three_token_dls(bs=64, chunks=False)
    # 16,824 training windows: 262 full batches (drop_last); 4,207 validation windows kept.
    assert len(dls.train) == 262 and all(x.shape == (64, 3) for x, _ in dls.train)
    assert len(dls.valid) == 66 and dls.valid.n_items == 4207
    assert dls.valid.xs[-1].shape == (4207 - 65 * 64, 3)
    x, y = windows(human_numbers().nums, 3)
    assert torch.equal(dls.valid.xs[0], x[16824 : 16824 + 64])
    assert torch.equal(dls.train.ys[0], y[:64])


def test_group_chunks_order_on_lists_and_tensors() -> None:
    items = list(range(10))
    # m = 10 // 3 = 3: batch i, row j holds item i + 3j; the 10th item is dropped.
    assert group_chunks(items, 3) == [0, 3, 6, 1, 4, 7, 2, 5, 8]
    assert group_chunks(torch.arange(10), 3).tolist() == [0, 3, 6, 1, 4, 7, 2, 5, 8]
    assert chunk_order(10, 3).tolist() == [0, 3, 6, 1, 4, 7, 2, 5, 8]


@pytest.mark.parametrize("which", ["three", "seq"])
def test_each_batch_row_reads_one_contiguous_stream(which: str) -> None:
    dls = three_token_dls(bs=64, chunks=True) if which == "three" else seq_dls(sl=16, bs=64)
    for part in (dls.train, dls.valid):
        pairs = list(part)
        assert all(len(x) == 64 for x, _ in pairs)  # drop_last on both halves
        for (_, y_prev), (x_next, _) in zip(pairs, pairs[1:], strict=False):
            # Row j of the next batch starts with the token row j of this batch predicted last.
            last_target = y_prev if y_prev.dim() == 1 else y_prev[:, -1]
            assert torch.equal(x_next[:, 0], last_target)


def test_chunked_sizes_match_the_book() -> None:
    three = three_token_dls(chunks=True)
    assert (len(three.train), len(three.valid)) == (262, 65)  # 16824 // 64, 4207 // 64
    seqs = seq_dls()
    assert (len(seqs.train), len(seqs.valid)) == (49, 12)  # 3154 // 64, 789 // 64
    assert seqs.valid.xs[0].shape == (64, 16)


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="batch size"):
        three_token_dls(bs=0)
