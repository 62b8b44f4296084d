"""The exercises, in the order a learner meets them: the single source of truth.

Torch-free data. Each exercise names the file the learner edits, the questions it answers, the
scaffold written by `exercise start`, its hints (shown one at a time) and the module in
`answers_code.exercise_checks` whose checks `exercise verify` runs in a child process.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from studytool.errors import StudytoolError
from studytool.exercises import scaffolds


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    questions: tuple[str, ...]  # deck question ids, e.g. ("ch12-q05",)
    filename: str  # the learner's file in the workspace
    scaffold: str  # text written by `start`
    hints: tuple[str, ...]
    checks_module: str  # imported only in the verify child process (it imports torch)


EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        name="third-word",
        title="Predict the third word from the previous two, without peeking",
        questions=("ch12-q05",),
        filename="third_word.py",
        scaffold=scaffolds.THIRD_WORD,
        hints=(
            "Samples: take windows of the stream, inputs nums[i], nums[i+1] and target "
            "nums[i+2]; step i by 2 (or by 1) and stop before the target runs off the end.",
            "Model: embed word 1, pass it through a Linear + ReLU, add the embedding of word 2, "
            "pass it through the same layer again, then a Linear to vocab_sz (LMModel2 with two "
            "steps).",
            "Peeking happens when a target is among its inputs (a window of 2 with target "
            "nums[i+1]) or when a prediction reads a later word (e.g. the mean of all the "
            "embeddings).",
        ),
        checks_module="answers_code.exercise_checks.third_word",
    ),
    Exercise(
        name="lstm-cell",
        title="An LSTM cell with four gates on cat([h, input])",
        questions=("ch12-q24", "ch12-q27", "ch12-q29"),
        filename="lstm_cell.py",
        scaffold=scaffolds.LSTM_CELL,
        hints=(
            "Each gate is nn.Linear(ni + nh, nh) applied to torch.cat([h, input], dim=1): the "
            "hidden state first, then the input.",
            "forget, input and output gates go through sigmoid; the cell gate goes through tanh.",
            "c = c * forget + input_gate * cell_gate, then h = output_gate * tanh(c); return "
            "h, (h, c).",
        ),
        checks_module="answers_code.exercise_checks.lstm_cell",
    ),
    Exercise(
        name="dropout",
        title="Dropout from scratch",
        questions=("ch12-q32", "ch12-q33", "ch12-q34"),
        filename="dropout.py",
        scaffold=scaffolds.DROPOUT,
        hints=(
            "In eval mode (not self.training) return x unchanged.",
            "In training, draw a mask: x.new_empty(x.shape).bernoulli_(1 - p) keeps each "
            "activation with probability 1 - p.",
            "Multiply by the mask and divide by 1 - p, so the expected activation is the same in "
            "training and in eval. Check p in __init__ and raise ValueError outside [0, 1).",
        ),
        checks_module="answers_code.exercise_checks.dropout",
    ),
    Exercise(
        name="ar-tar",
        title="Activation regularization (AR) and temporal AR (TAR)",
        questions=("ch12-q37", "ch12-q38"),
        filename="ar_tar.py",
        scaffold=scaffolds.AR_TAR,
        hints=(
            "AR is alpha times the mean of the squared activations: alpha * acts.pow(2).mean().",
            "TAR compares each time step with the previous one: the time axis is dim 1 of "
            "(bs, sl, n_hidden), so take acts[:, 1:] - acts[:, :-1].",
            "Square the differences and take the mean, then multiply by beta.",
        ),
        checks_module="answers_code.exercise_checks.ar_tar",
    ),
    Exercise(
        name="weight-tying",
        title="LMModel7's weight tying: the output layer shares the embedding's weights",
        questions=("ch12-q39", "ch12-q04"),
        filename="weight_tying.py",
        scaffold=scaffolds.WEIGHT_TYING,
        hints=(
            "The embedding's weight is (vocab_sz, n_hidden), and so is the weight of "
            "nn.Linear(n_hidden, vocab_sz): the same shape, so one tensor can serve both.",
            "Assign the Parameter itself: self.h_o.weight = self.i_h.weight. Copying the values "
            "(.data.copy_, clone) gives two tensors that drift apart in training.",
            "Keep the hidden state between batches and detach it after each forward, as in "
            "LMModel6, so backward only goes through the current batch.",
        ),
        checks_module="answers_code.exercise_checks.weight_tying",
    ),
    Exercise(
        name="lstm",
        title="A multi-layer LSTM that loads nn.LSTM's weights",
        questions=("ch12-fr2",),
        filename="lstm.py",
        scaffold=scaffolds.LSTM,
        hints=(
            "Register the parameters with nn.LSTM's names: weight_ih_l{k} (4*hidden, in), "
            "weight_hh_l{k} (4*hidden, hidden), bias_ih_l{k}, bias_hh_l{k}; layer k > 0 takes "
            "hidden_size inputs.",
            "nn.LSTM stacks the four gates in the order input, forget, cell (g), output: "
            "gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, then gates.chunk(4, dim=1).",
            "Run layer 0 over all time steps, then feed its outputs to layer 1; h_n and c_n are "
            "(num_layers, bs, hidden) with each layer's last step.",
        ),
        checks_module="answers_code.exercise_checks.lstm",
    ),
    Exercise(
        name="gru",
        title="A GRU from scratch that matches torch.nn.GRU",
        questions=("ch12-fr3",),
        filename="gru.py",
        scaffold=scaffolds.GRU,
        hints=(
            "Use nn.GRU's parameter names: weight_ih_l{k} (3*hidden, in), weight_hh_l{k} "
            "(3*hidden, hidden), bias_ih_l{k}, bias_hh_l{k}.",
            "nn.GRU stacks the gates in the order r (reset), z (update), n (new): chunk the input "
            "part and the hidden part separately, each into 3.",
            "n = tanh(i_n + r * h_n) where h_n already includes b_hn; then "
            "h = (1 - z) * n + z * h.",
        ),
        checks_module="answers_code.exercise_checks.gru",
    ),
)

_BY_NAME = {exercise.name: exercise for exercise in EXERCISES}


def get_exercise(name: str) -> Exercise:
    """The exercise called `name`; a StudytoolError naming close matches otherwise."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    close = difflib.get_close_matches(name, list(_BY_NAME), n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise StudytoolError(f"unknown exercise '{name}'{hint}; see `studytool exercise list`")


def solution_file(exercise: Exercise) -> Path:
    """The exercise's reference solution (a file in answers_code, read as text, never run
    here: the app shows it once the learner's own file passes)."""
    import answers_code  # torch-free package root

    return Path(answers_code.__file__).parent / "exercise_solutions" / exercise.filename


def solution_text(exercise: Exercise) -> str:
    """The reference solution to show: its file, and the source of each answers_code module
    whose class it re-exports as the answer (`from answers_code.X import Y  # noqa: F401`:
    most references reuse the chapter's own answer code). Read as text, never imported."""
    path = solution_file(exercise)
    text = path.read_text(encoding="utf-8")
    root = path.parent.parent
    parts = [text]
    for line in text.splitlines():
        words = line.split()
        if (len(words) >= 4 and words[0] == "from" and words[1].startswith("answers_code.")
                and line.rstrip().endswith("noqa: F401")):
            module = root.joinpath(*words[1].split(".")[1:]).with_suffix(".py")
            if module.is_file():
                parts.append(f"# ---- {words[1]} ({module.name}) ----\n"
                             + module.read_text(encoding="utf-8"))
    return "\n".join(parts)


def exercises_for_question(question_id: str) -> list[Exercise]:
    """The exercises that answer a deck question (the TUI shows them beside the card)."""
    return [exercise for exercise in EXERCISES if question_id in exercise.questions]
