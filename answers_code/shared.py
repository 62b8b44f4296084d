"""Trainings shared by the answers of one `studytool check`: the same model is trained once.

Several answers train the very same thing: LMModel6 on nn.LSTM is `lmmodel6` itself, the
reference beside `lstm-scratch`, the LSTM beside `gru-torch` and half of `higher-lr`; LMModel4
is `lmmodel4` and each seed of `lmmodel4-seeds`; our GRU is `gru-scratch` and half of
`gru-torch`. Same code, seed, settings, device and thread count give the same numbers to the
last bit on one machine (the chapter's trainings draw nothing random once seeded), so the
check's workers, given a folder in $STUDYTOOL_SHARED_TRAININGS, keep each training's epoch rows
there under a key naming all of that, and an answer that needs a training already done reads
its rows (its epoch events replayed) instead of training again. A file lock per key makes a
second worker wait for the first rather than train the same thing beside it.

Without the variable (a plain `studytool run`, the app) every training runs as before.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

ENV = "STUDYTOOL_SHARED_TRAININGS"
Rows = list[dict[str, Any]]
# The book's optimizer settings for LMModel6, which `module_answers.train_lm` trains with.
LM6_WD = 0.01
LM6_MOMS = (0.95, 0.85, 0.95)


def lm6_setup_key(model: str, hp: dict[str, Any], seed: int, device: str) -> dict[str, Any]:
    """The key of `module_answers.train_lm`'s training of `model`: spelled as
    `lm_answers.train_answer` spells lmmodel6's parameters, so LMModel6 trained by either
    meets the other."""
    return {"model": model, "epochs": hp["epochs"], "lr": hp["lr"], "wd": LM6_WD,
            "moms": list(LM6_MOMS), "seed": seed, "bs": hp["bs"], "n_hidden": hp["n_hidden"],
            "n_layers": hp["n_layers"], "sl": hp["sl"], "device": device}


def trained(key: dict[str, Any], train: Callable[[], Rows],
            emit: Callable[[dict[str, Any]], None] | None) -> Rows:
    """`train()`'s epoch rows, or, inside a check, those of the same training done before
    (each replayed to `emit` as its epoch event)."""
    folder = os.environ.get(ENV)
    if not folder:
        return train()
    # What else decides the numbers: the threads doing the arithmetic and torch's version.
    full = {**key, "threads": torch.get_num_threads(), "torch": torch.__version__}
    name = hashlib.sha256(json.dumps(full, sort_keys=True).encode()).hexdigest()[:32]
    path = Path(folder) / f"{name}.json"
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released by the kernel if this worker is killed
        if path.exists():
            rows: Rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
            for row in rows:
                if emit is not None:
                    emit({"event": "epoch", **row})
            return rows
        rows = train()
        part = path.with_suffix(".part")
        part.write_text(json.dumps({"key": full, "rows": rows}), encoding="utf-8")
        os.replace(part, path)  # whole or absent for the next reader
        return rows
