"""The first batches of the validation set, decoded back to English (ch12-q13).

The documents (one number per line) are concatenated into one stream, with '.' between them,
so the model can learn to carry context across them (the `one-stream` answer, q02). For the
stateful models the stream is cut into sequences of 16 tokens and reordered by `group_chunks`:
row j of batch k+1 starts where row j of batch k stopped, which the decoded rows show.
"""

from __future__ import annotations

from typing import Any

import torch

from answers_code.context import RunContext
from answers_code.data import human_numbers, seq_dls, three_token_dls


def continues(xs: tuple[torch.Tensor, ...], ys: tuple[torch.Tensor, ...], n: int) -> bool:
    """Row j of batch k+1 starts with the token that followed row j of batch k."""
    return all(bool(torch.equal(xs[k + 1][:, 0], ys[k][:, -1])) for k in range(n - 1))


def run(ctx: RunContext) -> dict[str, Any]:
    torch.set_num_threads(1)
    sl, bs = ctx.params["sl"], ctx.params["bs"]
    n_batches, n_rows = ctx.params["batches"], ctx.params["rows"]
    corpus = human_numbers()
    dls = seq_dls(sl=sl, bs=bs)
    xs, ys = dls.valid.xs, dls.valid.ys
    if not xs:
        raise ValueError(f"bs={bs} leaves no full validation batch (sl={sl}): use a smaller bs")
    n_batches = max(1, min(n_batches, len(xs)))
    ctx.log(f"validation set: {len(xs)} batches of {tuple(xs[0].shape)} token ids (sl={sl})")
    for k in range(n_batches):
        ctx.log(f"-- batch {k}")
        for j in range(min(n_rows, xs[k].shape[0])):
            ctx.log(f"  row {j}: x = {corpus.decode(xs[k][j])}")
        ctx.log(f"  row 0: y = {corpus.decode(ys[k][0])}   (x shifted by one token)")
    linked = continues(xs, ys, n_batches)
    ctx.log(f"row j of each batch continues row j of the batch before: {linked}")

    # The first validation sequence is the one right after the 80% cut of all sequences.
    n_seqs = (len(corpus.nums) - sl - 1 + sl - 1) // sl
    cut = int(n_seqs * 0.8)
    expected = " ".join(corpus.tokens[cut * sl : cut * sl + sl])
    first = corpus.decode(xs[0][0])
    three = three_token_dls(bs=bs)
    x3, y3 = three.valid.xs[0], three.valid.ys[0]
    ctx.log("-- three-token validation set (LMModel1-3), first rows: inputs -> target")
    for j in range(min(n_rows, len(x3))):
        ctx.log(f"  {corpus.decode(x3[j])} -> {corpus.vocab[int(y3[j])]}")
    return {
        "n_valid_batches": len(xs), "batch_shape": list(xs[0].shape), "first_row": first,
        "first_row_matches_corpus": first == expected, "rows_continue": linked,
        "targets_shifted": bool(torch.equal(xs[0][:, 1:], ys[0][:, :-1])),
        "first_three_token_row": corpus.decode(x3[0]),
    }
