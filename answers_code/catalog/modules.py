"""Catalogue entries of the from-scratch modules: LSTM, the refactored LSTM cell, GRU, Dropout.

Torch-free data: the code lives in `answers_code.module_answers`. The checks make a broken
module fail loudly: equivalence with PyTorch to 1e-5 after loading its state_dict, then a
trained accuracy the chapter's LMModel6 setup reaches on it: floors derived from the runs measured
in `answers_code/calibration.json` (`benchmarks/calibrate.py`).
"""

from typing import Any

from answers_code.answer import Answer
from answers_code.catalog import floors
from answers_code.check import Check
from answers_code.config import (
    BatchSize,
    Epochs,
    Layers,
    LearningRate,
    Probability,
    Seed,
    Seeds,
    Size,
    Steps,
    Width,
    config,
)

_M = "answers_code.module_answers"


# LMModel6's book settings (reference json): 2 layers, n_hidden 64, 15 epochs, lr 1e-2.
# `seeds` (e.g. [0, 1, 2]) trains once per seed; None: just `seed`.
LM6Setup = config("LM6Setup", epochs=(Epochs, 15), lr=(LearningRate, 1e-2), n_hidden=(Width, 64),
                  n_layers=(Layers, 2), seed=(Seed, 0), seeds=(Seeds, None))
# The two LSTM cells compared: ni inputs, nh hidden, bs rows, over `steps` steps.
Cells = config("Cells", ni=(Width, 10), nh=(Width, 20), bs=(BatchSize, 8), steps=(Steps, 16),
               seed=(Seed, 0))
DropoutConfig = config("Dropout", p=(Probability, 0.5), size=(Size, 1_000_000), seed=(Seed, 0))
_QUICK = {"epochs": 3}


def _equivalence(name: str) -> tuple[Check, ...]:
    return (
        Check("max_abs_diff", "<", 1e-5, f"outputs and states match nn.{name} to 1e-5"),
        Check("grad_max_rel_diff", "<", 1e-4, f"gradients match nn.{name}'s"),
        Check("state_dict_keys_match", "==", True, f"state_dict keys are nn.{name}'s"),
    )


_LSTM_HINT = "the gate order (i, f, g, o), c = f * c + i * g and the states carried per layer"
_GRU_HINT = "the gates r, z, n: r multiplies (W_hn h + b_hn), h' = (1 - z) * n + z * h"


def _trained(answer: str, key: str, mode: str, what: str, hint: str) -> Check:
    return floors.floor(answer, key, mode, what, hint=hint)


def _medians(answer: str, keys: tuple[str, ...], hint: str) -> dict[str, Any]:
    return {"calibrated": keys, **floors.medians(answer, keys, hint)}


ANSWERS: tuple[Answer, ...] = (
    Answer(
        name="lstm-scratch",
        title="An LSTM from scratch, checked against nn.LSTM and trained as LMModel6",
        entry=f"{_M}:lstm_scratch",
        questions=("ch12-q25", "ch12-fr2"),
        config=LM6Setup(),
        quick=dict(_QUICK),
        checks=(*_equivalence("LSTM"),
                Check("first_epoch_loss_gap", "<", 1e-3,
                      "same start, same batches: epoch 0 matches nn.LSTM's"),
                _trained("lstm-scratch", "accuracy", "full", "LMModel6 on our LSTM",
                         _LSTM_HINT)),
        quick_checks=(*_equivalence("LSTM"),
                      Check("first_epoch_loss_gap", "<", 1e-3,
                            "same start, same batches: epoch 0 matches nn.LSTM's"),
                      _trained("lstm-scratch", "accuracy", "quick", "3 epochs on our LSTM",
                               _LSTM_HINT)),
        trains=True,
        book_model="lmmodel6",
        summary="Multi-layer batch-first LSTM with nn.LSTM's state_dict; prints the max "
                "difference to nn.LSTM, then trains LMModel6 on it beside nn.LSTM.",
        **_medians("lstm-scratch", ("accuracy",), _LSTM_HINT),
    ),
    Answer(
        name="lstmcell-refactor",
        title="The book's LSTMCell and its refactored version compute the same thing",
        entry=f"{_M}:lstmcell_refactor",
        questions=("ch12-q27", "ch12-q29"),
        config=Cells(),
        checks=(
            Check("max_abs_diff", "<", 1e-5, "refactored cell equals the four-gate cell"),
            Check("torch_cell_max_abs_diff", "<", 1e-5, "refactored cell equals nn.LSTMCell"),
        ),
        summary="Copies the four gate layers' weights into one ih and one hh layer and runs "
                "both cells over 16 steps.",
    ),
    Answer(
        name="gru-scratch",
        title="A GRU from scratch, checked against nn.GRU and trained in the LMModel6 setup",
        entry=f"{_M}:gru_scratch",
        questions=("ch12-fr3",),
        config=LM6Setup(),
        quick=dict(_QUICK),
        checks=(*_equivalence("GRU"),
                _trained("gru-scratch", "accuracy", "full", "LMModel6 setup on our GRU",
                         _GRU_HINT)),
        quick_checks=(*_equivalence("GRU"),
                      _trained("gru-scratch", "accuracy", "quick", "3 epochs on our GRU",
                               _GRU_HINT)),
        trains=True,
        book_model="lmmodel6",
        summary="GRU with nn.GRU's contract (gates r, z, n; r * (W_hn h + b_hn)); prints the max "
                "difference to nn.GRU and trains the LMModel6 setup on it. seeds=0,1,2 for "
                "several runs.",
        **_medians("gru-scratch", ("accuracy",), _GRU_HINT),
    ),
    Answer(
        name="gru-torch",
        title="nn.GRU, the GRU from scratch and LMModel6's LSTM trained side by side",
        entry=f"{_M}:gru_torch",
        questions=("ch12-fr3",),
        config=LM6Setup(),
        quick=dict(_QUICK),
        checks=(*_equivalence("GRU"),
                Check("first_epoch_loss_gap", "<", 1e-3,
                      "same start, same batches: epoch 0 of ours matches nn.GRU's"),
                _trained("gru-torch", "accuracy", "full", "LMModel6 setup on nn.GRU", _GRU_HINT),
                _trained("gru-torch", "scratch_accuracy", "full", "LMModel6 setup on our GRU",
                         _GRU_HINT)),
        quick_checks=(*_equivalence("GRU"),
                      Check("first_epoch_loss_gap", "<", 1e-3,
                            "same start, same batches: epoch 0 of ours matches nn.GRU's"),
                      _trained("gru-torch", "accuracy", "quick", "3 epochs on nn.GRU",
                               _GRU_HINT),
                      _trained("gru-torch", "scratch_accuracy", "quick", "3 epochs on our GRU",
                               _GRU_HINT)),
        trains=True,
        book_model="lmmodel6",
        summary="Further Research 3: accuracy tables and seconds per epoch of nn.GRU and our "
                "GRU from the same weights, and LMModel6 (nn.LSTM) trained with the same seed "
                "beside them (--param seeds=0,1,2 to compare spreads).",
        **_medians("gru-torch", ("accuracy", "scratch_accuracy"), _GRU_HINT),
    ),
    Answer(
        name="dropout",
        title="Dropout from scratch: the mask, the fraction zeroed, the mean kept, eval identity",
        entry=f"{_M}:dropout",
        questions=("ch12-q32", "ch12-q33"),
        config=DropoutConfig(),
        checks=(
            Check("fraction_error", "<", 0.005, "fraction zeroed within 0.005 of p"),
            Check("scale_error", "<", 1e-4, "survivors divided by 1-p"),
            Check("mean_rel_error", "<", 0.01, "mean preserved in training"),
            Check("eval_identity", "==", True, "identity in eval mode"),
            Check("invalid_p_rejected", "==", True, "p outside [0, 1) is a ValueError"),
            Check("p0_identity", "==", True, "p=0 changes nothing"),
        ),
        summary="Dropout(p) on a million activations in training and eval mode.",
    ),
)
