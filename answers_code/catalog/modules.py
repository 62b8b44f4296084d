"""Catalogue entries of the from-scratch modules: LSTM, the refactored LSTM cell, GRU, Dropout.

Torch-free data: the code lives in `answers_code.module_answers`. The checks make a broken
module fail loudly: equivalence with PyTorch to 1e-5 after loading its state_dict, then a
trained accuracy the chapter's LMModel6 setup reaches on it: floors derived from the runs measured
in `answers_code/calibration.json` (`benchmarks/calibrate.py`).
"""


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


def _recurrent(name: str, title: str, questions: tuple[str, ...], module: str, hint: str,
               trained: dict[str, tuple[str, str]], summary: str,
               same_start: str = "") -> Answer:
    """A recurrent module from scratch: equal to nn.<module>, then the LMModel6 setup trained on
    it. `trained` names each accuracy checked: (what it is at full, at quick settings);
    `same_start` labels the check that epoch 0 matches torch's from the same weights."""
    head = _equivalence(module)
    if same_start:
        head += (Check("first_epoch_loss_gap", "<", 1e-3, same_start),)

    def floors_at(mode: str, which: int) -> tuple[Check, ...]:
        return tuple(floors.floor(name, key, mode, what[which], hint=hint)
                     for key, what in trained.items())

    return Answer(
        name=name, title=title, entry=f"{_M}:{name.replace('-', '_')}", questions=questions,
        config=LM6Setup(), quick=dict(_QUICK), checks=(*head, *floors_at("full", 0)),
        quick_checks=(*head, *floors_at("quick", 1)), trains=True, book_model="lmmodel6",
        summary=summary, calibrated=tuple(trained),
        **floors.medians(name, tuple(trained), hint),
    )


ANSWERS: tuple[Answer, ...] = (
    _recurrent(
        "lstm-scratch", "An LSTM from scratch, checked against nn.LSTM and trained as LMModel6",
        ("ch12-q25", "ch12-fr2"), "LSTM", _LSTM_HINT,
        {"accuracy": ("LMModel6 on our LSTM", "3 epochs on our LSTM")},
        "Multi-layer batch-first LSTM with nn.LSTM's state_dict; prints the max difference to "
        "nn.LSTM, then trains LMModel6 on it beside nn.LSTM.",
        same_start="same start, same batches: epoch 0 matches nn.LSTM's",
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
    _recurrent(
        "gru-scratch",
        "A GRU from scratch, checked against nn.GRU and trained in the LMModel6 setup",
        ("ch12-fr3",), "GRU", _GRU_HINT,
        {"accuracy": ("LMModel6 setup on our GRU", "3 epochs on our GRU")},
        "GRU with nn.GRU's contract (gates r, z, n; r * (W_hn h + b_hn)); prints the max "
        "difference to nn.GRU and trains the LMModel6 setup on it. seeds=0,1,2 for several runs.",
    ),
    _recurrent(
        "gru-torch", "nn.GRU, the GRU from scratch and LMModel6's LSTM trained side by side",
        ("ch12-fr3",), "GRU", _GRU_HINT,
        {"accuracy": ("LMModel6 setup on nn.GRU", "3 epochs on nn.GRU"),
         "scratch_accuracy": ("LMModel6 setup on our GRU", "3 epochs on our GRU")},
        "Further Research 3: accuracy tables and seconds per epoch of nn.GRU and our GRU from "
        "the same weights, and LMModel6 (nn.LSTM) trained with the same seed beside them "
        "(--param seeds=0,1,2 to compare spreads).",
        same_start="same start, same batches: epoch 0 of ours matches nn.GRU's",
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
