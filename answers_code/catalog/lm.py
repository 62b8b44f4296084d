"""Catalogue entries of the chapter's language models: the baseline, LMModel1-7, the third word.

Torch-free data: the code lives in `answers_code.lm_answers`. Defaults are the book's settings
(fastbook ch12; `answers_code/book_tables.json`, which a test compares them with). The accuracy
floors, at the book's epochs and at `quick`'s one epoch, derive from the runs measured in
`answers_code/calibration.json` (`benchmarks/calibrate.py`); each message also shows what fastai
itself reaches on this data (the book tables' `fastai_reruns_final_accuracy`).
"""

from __future__ import annotations

from typing import Any

from answers_code import book
from answers_code.catalog import floors
from answers_code.registry import Answer, Check

_ENTRY = "answers_code.lm_answers:run_lmmodel"
BASELINE_ACCURACY = 0.15165200855716662  # 'thousand', 638 of 4,207 validation targets

_COMMON: dict[str, Any] = {
    "wd": 0.01, "moms": [0.95, 0.85, 0.95], "seed": 0, "bs": 64, "n_hidden": 64, "threads": 1,
}  # fmt: skip
_SEQ: dict[str, Any] = {"sl": 16}
_STACKED: dict[str, Any] = {"sl": 16, "n_layers": 2}
_QUICK: dict[str, Any] = {"epochs": 1}
# Where a run below every correct one usually went wrong, per model.
HINTS = {
    "lmmodel1": "the one h_h layer called at all three steps and each word's embedding added",
    "lmmodel2": "the loop adding i_h(x[:, i]) to h before h_h at every step",
    "lmmodel3": "the state kept across batches (detach, not drop), reset() before each epoch "
                "and validation, and group_chunks order",
    "lmmodel4": "an output at every position, the flattened loss and the detached state",
    "lmmodel5": "nn.RNN's (n_layers, bs, n_hidden) state, carried and detached",
    "lmmodel6": "the (h, c) pair carried and detached, reset(), and lr 1e-2",
    "lmmodel7": "dropout only in training, the tied weight, AR on the dropped and TAR on the "
                "raw outputs",
}

_BEATS_THIRD = Check("beats_baseline", "==", True, "beats always guessing the commonest third word")
_THIRD_HINT = "both words' embeddings reaching the output through h_h"


def fastai_band(name: str) -> str:
    """What fastai itself reaches on this data at the book's settings: 'fastai ... 0.66-0.74'."""
    if name not in book.BOOK_MODELS:
        return ""
    reruns = book.fastai_reruns(name)
    return f"fastai on this data: {min(reruns):.2f}-{max(reruns):.2f} (seeds 0-2)"


def _lm(
    name: str,
    title: str,
    questions: tuple[str, ...],
    settings: dict[str, Any],
    summary: str,
    extra: tuple[Check, ...] = (),
) -> Answer:
    hint = HINTS[name]
    return Answer(
        name=name,
        title=title,
        entry=_ENTRY,
        questions=questions,
        defaults={"model": name, **_COMMON, **settings},
        quick=dict(_QUICK),
        checks=(floors.floor(name, "accuracy", "full", "accuracy", fastai_band(name), hint),
                *extra),
        quick_checks=(floors.floor(name, "accuracy", "quick", "1-epoch accuracy", hint=hint),),
        trains=True,
        book_model=name,
        summary=summary,
        calibrated=("accuracy",),
        **floors.medians(name, ("accuracy",), hint, fastai_band(name)),
    )


ANSWERS: tuple[Answer, ...] = (
    Answer(
        name="baseline",
        title="The baseline: always predict the most common next word",
        entry="answers_code.lm_answers:run_baseline",
        questions=(),  # the chapter's first yardstick; no question asks for it
        checks=(
            Check("accuracy", "==", BASELINE_ACCURACY, "638/4207 of targets are 'thousand'"),
            Check("token", "==", "thousand", "the most common target is 'thousand'"),
        ),
        summary="Count the validation targets: 'thousand' wins with 15.2%.",
    ),
    _lm(
        "lmmodel1",
        "LMModel1: three words in, one shared hidden layer",
        ("ch12-q03", "ch12-q04", "ch12-q08", "ch12-q10"),
        {"epochs": 4, "lr": 1e-3},
        "A fully connected net whose hidden layer is reused for each of the three words.",
    ),
    _lm(
        "lmmodel2",
        "LMModel2: the same network as a loop (an RNN)",
        ("ch12-q06", "ch12-q07"),
        {"epochs": 4, "lr": 1e-3},
        "LMModel1 refactored into a for loop: a recurrent neural network.",
    ),
    _lm(
        "lmmodel3",
        "LMModel3: keep the hidden state across batches (truncated BPTT)",
        ("ch12-q09", "ch12-q11", "ch12-q12", "ch12-q14"),
        {"epochs": 10, "lr": 3e-3},
        "Stateful RNN over group_chunks batches, detached each batch, reset each epoch.",
    ),
    _lm(
        "lmmodel4",
        "LMModel4: predict after every word",
        ("ch12-q15", "ch12-q16"),
        {"epochs": 15, "lr": 3e-3, **_SEQ},
        "Sequences of 16 with a target per word and a flattened cross-entropy.",
    ),
    _lm(
        "lmmodel5",
        "LMModel5: a 2-layer nn.RNN (worse, as the chapter shows)",
        ("ch12-q18", "ch12-q19"),
        {"epochs": 15, "lr": 3e-3, **_STACKED},
        "Stacking RNN layers: deeper, and harder to train than LMModel4.",
        # The chapter's lesson, per run: no better than LMModel5's own measured band allows
        # (medians: LMModel5 0.53 against LMModel4 0.63 over seeds 0-9).
        extra=(floors.ceiling("lmmodel5", "accuracy", "full", "accuracy (stacking did not help)",
                              hint="nn.RNN, not an LSTM or GRU, in LMModel5"),),
    ),
    _lm(
        "lmmodel6",
        "LMModel6: a 2-layer LSTM",
        ("ch12-q30",),
        {"epochs": 15, "lr": 1e-2, **_STACKED},
        "nn.LSTM trains stably enough for a learning rate of 1e-2.",
    ),
    _lm(
        "lmmodel7",
        "LMModel7: LSTM with dropout, AR/TAR and weight tying (AWD-LSTM)",
        ("ch12-q31", "ch12-fr4"),
        {
            "epochs": 15,
            "lr": 1e-2,
            **_STACKED,
            "wd": 0.1,
            "moms": [0.8, 0.7, 0.8],
            "p": 0.4,
            "alpha": 2.0,
            "beta": 1.0,
        },  # fmt: skip
        "Regularized LSTM: dropout 0.4, AR alpha 2, TAR beta 1, wd 0.1, tied weights.",
    ),
    Answer(
        name="third-word",
        title="Predict the third word from the two before it, without peeking",
        entry="answers_code.lm_answers:run_third_word",
        questions=("ch12-q05",),
        defaults={"epochs": 4, "lr": 1e-3, **_COMMON},
        quick=dict(_QUICK),
        checks=(_BEATS_THIRD, floors.floor("third-word", "accuracy", "full", "accuracy",
                                           hint=_THIRD_HINT)),
        quick_checks=(_BEATS_THIRD, floors.floor("third-word", "accuracy", "quick",
                                                 "1-epoch accuracy", hint=_THIRD_HINT)),
        trains=True,
        summary="Two-word windows and a two-step RNN; the target is never among the inputs.",
        calibrated=("accuracy",),
        **floors.medians("third-word", ("accuracy",), _THIRD_HINT),
    ),
)
