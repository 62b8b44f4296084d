"""How many targets each way of cutting the stream gives (ch12-q15).

LMModel1-3 read windows of three tokens with one target each; LMModel4 reads sequences of
`sl` tokens with a target at every position. Counted on the real data, the second gives about
three times the targets from the same tokens, not `sl` times: the three-token windows already
made every third token a target.
"""

from __future__ import annotations

from typing import Any

import torch

from answers_code.context import RunContext
from answers_code.data import human_numbers, seq_dls, sequences, three_token_dls, windows
from answers_code.demos.table import format_table


def run(ctx: RunContext) -> dict[str, Any]:
    torch.set_num_threads(1)
    sl, bs = ctx.params["sl"], ctx.params["bs"]
    nums = human_numbers().nums
    x3, y3 = windows(nums, 3)  # (21031, 3), (21031,)
    xs, ys = sequences(nums, sl)  # (3943, 16), (3943, 16)
    window_targets, seq_targets = y3.numel(), ys.numel()
    # What one training epoch actually sees, after the 80% cut, group_chunks and drop_last.
    per_epoch_3 = sum(y.numel() for y in three_token_dls(bs=bs, chunks=True).train.ys)
    per_epoch_sl = sum(y.numel() for y in seq_dls(sl=sl, bs=bs).train.ys)
    ctx.log(f"{len(nums):,} tokens in the stream")
    ctx.log(format_table(("cut", "samples", "targets each", "targets", "per training epoch"), [
        ("3-token windows (LMModel1-3)", f"{len(x3):,}", 1, f"{window_targets:,}",
         f"{per_epoch_3:,}"),
        (f"sl={sl} sequences (LMModel4-7)", f"{len(xs):,}", sl, f"{seq_targets:,}",
         f"{per_epoch_sl:,}")]))
    ratio = seq_targets / window_targets
    ctx.log(f"targets gained: {seq_targets:,} / {window_targets:,} = {ratio:.2f}x, not {sl}x: a "
            f"window of 3 already made one token in 3 a target; now nearly every token is one")
    every = torch.zeros(len(nums), dtype=torch.bool)
    every[torch.arange(0, len(nums) - sl - 1, sl).unsqueeze(1) + torch.arange(1, sl + 1)] = True
    covered = int(every.sum())
    ctx.log(f"tokens that are some sequence's target: {covered:,} of {len(nums):,}")
    return {"tokens": len(nums), "window_targets": window_targets, "sequence_targets": seq_targets,
            "ratio": ratio, "train_targets_windows": per_epoch_3,
            "train_targets_sequences": per_epoch_sl, "tokens_that_are_targets": covered}
