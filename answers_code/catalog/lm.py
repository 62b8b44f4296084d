"""Catalogue entries of the chapter's language models: the baseline, LMModel1-7, the third word.

Torch-free data: the code lives in `answers_code.lm_answers`. Defaults are the book's settings
(fastbook ch12; `answers_code/book_tables.json`, which a test compares them with). The accuracy
floors, at the book's epochs and at `quick`'s one epoch, derive from the runs measured in
`answers_code/calibration.json` (`benchmarks/calibrate.py`); each message also shows what fastai
itself reaches on this data (the book tables' `fastai_reruns_final_accuracy`).
"""

from __future__ import annotations

from typing import Annotated, Any

from answers_code import book
from answers_code.answer import Answer
from answers_code.catalog import floors
from answers_code.check import Check
from answers_code.config import (
    REQUIRED,
    BatchSize,
    Epochs,
    Layers,
    LearningRate,
    Moms,
    Penalty,
    Probability,
    Seed,
    SeqLen,
    Threads,
    WeightDecay,
    Width,
    choice,
    config,
)

_ENTRY = "answers_code.lm_answers:run_lmmodel"
BASELINE_ACCURACY = 0.15165200855716662  # 'thousand', 638 of 4,207 validation targets
LM_MODELS = tuple(f"lmmodel{n}" for n in range(1, 8))


# The book's training settings shared by the chapter's language models: fit_one_cycle with
# wd 0.01 and moms (0.95, 0.85, 0.95), batches of 64, 64 hidden units, one CPU thread (these
# models are too small for a second). Spelled in pieces so that each config lists its
# parameters in the order the catalogue always has.
OPTIMIZER = {"wd": (WeightDecay, 0.01), "moms": (Moms, (0.95, 0.85, 0.95))}
SHAPE = {"bs": (BatchSize, 64), "n_hidden": (Width, 64)}
THREADS = {"threads": (Threads, 1)}
SEED = (Seed, 0)
# LMModel1-3; each answer gives its model, epochs and lr.
LM = config("LM", model=(Annotated[str, choice(*LM_MODELS)], REQUIRED), **OPTIMIZER, seed=SEED,
            **SHAPE, **THREADS, epochs=(Epochs, REQUIRED), lr=(LearningRate, REQUIRED))
SeqLM = config("SeqLM", LM, sl=(SeqLen, 16))  # LMModel4: a prediction after each of sl words
StackedLM = config("StackedLM", SeqLM, n_layers=(Layers, 2))  # LMModel5-6
# LMModel7 (AWD-LSTM): dropout p, AR alpha, TAR beta.
RegularizedLM = config("RegularizedLM", StackedLM, p=(Probability, 0.4), alpha=(Penalty, 2.0),
                       beta=(Penalty, 1.0))
ThirdWord = config("ThirdWord", epochs=(Epochs, 4), lr=(LearningRate, 1e-3), **OPTIMIZER,
                   seed=SEED, **SHAPE, **THREADS)
_QUICK = {"epochs": 1}
_BEATS_THIRD = Check("beats_baseline", "==", True, "beats always guessing the commonest third word")
_THIRD_HINT = "both words' embeddings reaching the output through h_h"


def fastai_band(name: str) -> str:
    """What fastai itself reaches on this data at the book's settings: 'fastai ... 0.66-0.74'."""
    if name not in book.BOOK_MODELS:
        return ""
    reruns = book.fastai_reruns(name)
    return f"fastai on this data: {min(reruns):.2f}-{max(reruns):.2f} (seeds 0-2)"


def _lm(settings: Any, title: str, questions: tuple[str, ...], summary: str, hint: str,
        extra: tuple[Check, ...] = ()) -> Answer:
    """A book model's answer; `hint` says where a run below every correct one went wrong."""
    name = settings.model
    return Answer(
        name=name,
        title=title,
        entry=_ENTRY,
        questions=questions,
        config=settings,
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
    _lm(LM(model="lmmodel1", epochs=4, lr=1e-3),
        "LMModel1: three words in, one shared hidden layer",
        ("ch12-q03", "ch12-q04", "ch12-q08", "ch12-q10"),
        "A fully connected net whose hidden layer is reused for each of the three words.",
        "the one h_h layer called at all three steps and each word's embedding added"),
    _lm(LM(model="lmmodel2", epochs=4, lr=1e-3),
        "LMModel2: the same network as a loop (an RNN)", ("ch12-q06", "ch12-q07"),
        "LMModel1 refactored into a for loop: a recurrent neural network.",
        "the loop adding i_h(x[:, i]) to h before h_h at every step"),
    _lm(LM(model="lmmodel3", epochs=10, lr=3e-3),
        "LMModel3: keep the hidden state across batches (truncated BPTT)",
        ("ch12-q09", "ch12-q11", "ch12-q12", "ch12-q14"),
        "Stateful RNN over group_chunks batches, detached each batch, reset each epoch.",
        "the state kept across batches (detach, not drop), reset() before each epoch and "
        "validation, and group_chunks order"),
    _lm(SeqLM(model="lmmodel4", epochs=15, lr=3e-3),
        "LMModel4: predict after every word", ("ch12-q15", "ch12-q16"),
        "Sequences of 16 with a target per word and a flattened cross-entropy.",
        "an output at every position, the flattened loss and the detached state"),
    _lm(StackedLM(model="lmmodel5", epochs=15, lr=3e-3),
        "LMModel5: a 2-layer nn.RNN (worse, as the chapter shows)", ("ch12-q18", "ch12-q19"),
        "Stacking RNN layers: deeper, and harder to train than LMModel4.",
        "nn.RNN's (n_layers, bs, n_hidden) state, carried and detached",
        # The chapter's lesson, per run: no better than LMModel5's own measured band allows
        # (medians: LMModel5 0.53 against LMModel4 0.63 over seeds 0-9).
        extra=(floors.ceiling("lmmodel5", "accuracy", "full", "accuracy (stacking did not help)",
                              hint="nn.RNN, not an LSTM or GRU, in LMModel5"),)),
    _lm(StackedLM(model="lmmodel6", epochs=15, lr=1e-2),
        "LMModel6: a 2-layer LSTM", ("ch12-q30",),
        "nn.LSTM trains stably enough for a learning rate of 1e-2.",
        "the (h, c) pair carried and detached, reset(), and lr 1e-2"),
    _lm(RegularizedLM(model="lmmodel7", epochs=15, lr=1e-2, wd=0.1, moms=(0.8, 0.7, 0.8)),
        "LMModel7: LSTM with dropout, AR/TAR and weight tying (AWD-LSTM)",
        ("ch12-q31", "ch12-fr4"),
        "Regularized LSTM: dropout 0.4, AR alpha 2, TAR beta 1, wd 0.1, tied weights.",
        "dropout only in training, the tied weight, AR on the dropped and TAR on the raw "
        "outputs"),
    Answer(
        name="third-word",
        title="Predict the third word from the two before it, without peeking",
        entry="answers_code.lm_answers:run_third_word",
        questions=("ch12-q05",),
        config=ThirdWord(),
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
