"""Why the documents are joined into one stream before training a language model (ch12-q02).

Each Human Numbers document is one line, one number, 1 to 6 words long. Cut one by one, no
line holds even one sequence of 16 tokens, and 3-token windows that stay inside lines leave
almost a third of the words out: batches of fixed length would need padding, or text would be
lost. Joined with
'.' between them, the lines make one stream of 63,095 tokens cut into pieces of any length with
nothing left over but the ragged end, and consecutive pieces continue each other, which is what
lets the stateful models carry their state from one batch to the next.
"""

from __future__ import annotations

from typing import Any

import torch

from answers_code.context import RunContext
from answers_code.data import human_numbers, seq_dls
from answers_code.demos.table import format_table
from answers_code.demos.valid_batches import continues


def pieces_within_lines(lines: tuple[str, ...], size: int) -> tuple[int, int]:
    """(pieces of `size` tokens plus a target that fit inside single lines, tokens they use)."""
    n = used = 0
    for line in lines:
        count = len(line.split(" ")) // (size + 1)
        n += count
        used += count * (size + 1)
    return n, used


def run(ctx: RunContext) -> dict[str, Any]:
    torch.set_num_threads(1)
    sl = ctx.params["sl"]
    corpus = human_numbers()
    lengths = [len(line.split(" ")) for line in corpus.lines]
    total = sum(lengths)
    ctx.log(f"{len(corpus.lines):,} documents (lines), {total:,} word tokens, "
            f"{min(lengths)} to {max(lengths)} tokens each")
    rows = []
    found = {}
    for size in (3, sl):
        n, used = pieces_within_lines(corpus.lines, size)
        joined = (len(corpus.nums) - size - 1 + size - 1) // size
        found[size] = (n, joined)
        rows.append((f"{size} tokens + target", f"{n:,}", f"{total - used:,}", f"{joined:,}"))
    ctx.log(format_table(("piece", "inside single lines", "tokens left out", "from the joined "
                          "stream"), rows))
    ctx.log(f"joined: ' . '.join(lines) -> {len(corpus.nums):,} tokens (one '.' between each "
            "pair of lines); first tokens: " + " ".join(corpus.tokens[:12]))
    dls = seq_dls(sl=sl)
    linked = continues(dls.train.xs, dls.train.ys, len(dls.train.xs))
    x0, x1 = dls.train.xs[0][0], dls.train.xs[1][0]
    ctx.log(f"batch 0, row 0: {corpus.decode(x0)}")
    ctx.log(f"batch 1, row 0: {corpus.decode(x1)}   (continues it)")
    ctx.log(f"every row of every training batch continues the same row of the batch before: "
            f"{linked}")
    return {"documents": len(corpus.lines), "longest_document": max(lengths),
            "windows_within_lines": found[3][0], "sequences_within_lines": found[sl][0],
            "windows_joined": found[3][1], "sequences_joined": found[sl][1],
            "stream_tokens": len(corpus.nums), "separators": corpus.tokens.count("."),
            "rows_continue": linked}
