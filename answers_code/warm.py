"""What a warm spare worker does before its run (studytool.runner.warm): pay now what a cold
run pays before its first epoch.

It imports torch and the answers' code, builds the corpus (cached for the process) and the
chapter's batches once, and runs one tiny training step, since the first autograd pass and
optimizer step load kernels of their own. torch's global random state is restored afterwards,
so a run in a spare draws exactly what it would draw in a fresh process.
"""

from __future__ import annotations

import importlib

import torch


def warm_up() -> None:
    for module in ("answers_code.lm_answers", "answers_code.module_answers",
                   "answers_code.train"):
        importlib.import_module(module)
    from answers_code.data import human_numbers, seq_dls, three_token_dls

    human_numbers()
    seq_dls()
    three_token_dls()
    with torch.random.fork_rng(devices=[]):  # the global generator is left as it was
        lstm = torch.nn.LSTM(4, 4, batch_first=True)
        opt = torch.optim.AdamW(lstm.parameters())
        out, _ = lstm(torch.rand(2, 3, 4))
        out.sum().backward()
        opt.step()
