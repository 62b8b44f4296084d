"""Catalogue entries of the chapter's small experiments (`answers_code.demos.*`).

Torch-free data. Each demo returns its key figures and the checks below test them, so a demo
that prints plausible numbers for the wrong reason fails.
"""

from answers_code.registry import Answer, Check


def _entry(module: str) -> str:
    return f"answers_code.demos.{module}:run"


def _true(key: str, label: str) -> Check:
    return Check(key, "==", True, label)


ANSWERS: tuple[Answer, ...] = (
    Answer(
        name="bernoulli",
        title="Experiment with bernoulli_",
        entry=_entry("bernoulli"),
        questions=("ch12-q35",),
        defaults={"size": 1_000_000, "seed": 0},
        checks=(
            Check("max_fraction_error", "<", 0.005, "fraction of ones within 0.005 of p"),
            _true("in_place", "bernoulli_ fills the tensor in place"),
            _true("only_zeros_and_ones", "draws are 0 or 1"),
            _true("per_element_ok", "a tensor of probabilities works per element"),
            _true("seeded_repeatable", "same seed, same draws"),
        ),
        summary="bernoulli_ with p = 0.1, 0.5, 0.9 and with per-element probabilities.",
    ),
    Answer(
        name="train-eval",
        title="model.train() and model.eval(), and what they do to dropout",
        entry=_entry("train_eval"),
        questions=("ch12-q34", "ch12-q36"),
        defaults={"p": 0.5, "seed": 0},
        checks=(
            _true("all_training_after_train", "train() sets every module's flag"),
            _true("none_training_after_eval", "eval() clears every module's flag"),
            _true("eval_identity", "dropout is the identity in eval"),
            _true("train_changes", "dropout changes the input in training"),
            _true("train_values_ok", "training output is 0 or x/(1-p)"),
            _true("eval_deterministic", "eval predictions are repeatable"),
        ),
        summary="The training flag through a small model, and Dropout's output in each mode.",
    ),
    Answer(
        name="h-zero",
        title="LMModel2 with h = 0 against h = torch.zeros(bs, n_hidden)",
        entry=_entry("h_zero"),
        questions=("ch12-fr1",),
        defaults={"epochs": 4, "lr": 1e-3, "n_hidden": 64, "seed": 0, "seeds": None},
        quick={"epochs": 1},
        checks=(
            _true("broadcast_equal", "0 + tensor is the tensor (broadcasting)"),
            Check("max_abs_diff", "==", 0.0, "same weights: identical outputs"),
            Check("grad_max_abs_diff", "==", 0.0, "same weights: identical gradients"),
            _true("tables_identical", "same seeds: identical training tables"),
            Check("accuracy", ">=", 0.4, "LMModel2 beats the baseline"),
        ),
        trains=True,
        book_model="lmmodel2",
        summary="Why forward can start with h=0: broadcasting; both versions trained with the "
                "same seeds (seeds=0,1,2 for more).",
    ),
    Answer(
        name="valid-batches",
        title="The first validation batches decoded back to words",
        entry=_entry("valid_batches"),
        questions=("ch12-q02", "ch12-q13"),
        defaults={"sl": 16, "bs": 64, "batches": 3, "rows": 3},
        checks=(
            _true("first_row_matches_corpus", "decoded row 0 is the text after the 80% cut"),
            _true("rows_continue", "row j of batch k+1 continues row j of batch k"),
            _true("targets_shifted", "targets are the inputs shifted by one token"),
        ),
        summary="seq_dls validation batches as English, showing group_chunks' continuity.",
    ),
    Answer(
        name="float-precision",
        title="Which floating-point numbers are the most precise?",
        entry=_entry("float_precision"),
        questions=("ch12-q22",),
        checks=(
            _true("spacing_increases", "the gap between floats grows with magnitude"),
            Check("spacing_near_1", "==", 2.0**-23, "gap after 1.0 is 2^-23"),
            Check("spacing_near_1e8", "==", 8.0, "gap near 1e8 is 8"),
            _true("one_lost_at_1e8", "1e8 + 1 == 1e8 in float32"),
        ),
        summary="Spacing of adjacent float32 values near 0, 1e-3, 1, 1e4 and 1e8.",
    ),
    Answer(
        name="exploding-activations",
        title="Exploding and vanishing activations in a deep stack of layers",
        entry=_entry("exploding"),
        questions=("ch12-q21", "ch12-q23"),
        defaults={"depth": 50, "width": 100},
        checks=(
            Check("two_pow_32", "==", 4294967296.0, "2^32 after 32 doublings"),
            _true("naive_exploded", "std-1 weights overflow"),
            _true("small_vanished", "std-0.01 weights vanish"),
            Check("small_first_grad", "<", 1e-20, "vanished activations: no gradient at layer 1"),
            _true("good_stable", "1/sqrt(n) init keeps activations near 1"),
        ),
        summary="x*2 and x*0.5 thirty-two times; 50 random linear layers with three inits.",
    ),
    Answer(
        name="chunk",
        title="What chunk does in PyTorch",
        entry=_entry("chunk"),
        questions=("ch12-q28",),
        checks=(
            Check("chunk_sizes", "==", [3, 3, 3, 1], "arange(10).chunk(4) sizes 3,3,3,1"),
            _true("cat_roundtrip", "cat of the chunks gives the tensor back"),
            _true("chunks_are_views", "chunks are views, not copies"),
        ),
        summary="chunk on a vector and on a (bs, 4*nh) gate tensor.",
    ),
    Answer(
        name="tanh-sigmoid",
        title="tanh and sigmoid: tanh(x) = 2*sigmoid(2x) - 1",
        entry=_entry("tanh_sigmoid"),
        questions=("ch12-q26",),
        checks=(
            _true("identity_holds", "tanh(x) = 2 sigmoid(2x) - 1 to 1e-12 (float64)"),
            Check("max_abs_diff_float32", "<", 1e-6, "the identity holds in float32 too"),
            _true("tanh_symmetric", "tanh is odd"),
        ),
        summary="The identity checked numerically on [-10, 10], with a small table.",
    ),
    Answer(
        name="ar-tar",
        title="AR and TAR on a real batch of LMModel7 activations",
        entry=_entry("ar_tar"),
        questions=("ch12-q37", "ch12-q38", "ch12-fr4"),
        defaults={"epochs": 2, "alpha": 2.0, "beta": 1.0, "seed": 0},
        quick={"epochs": 1},
        checks=(
            Check("ar", ">", 0.0, "AR is positive on real activations"),
            Check("tar", ">", 0.0, "TAR is positive on real activations"),
            Check("ar_loop_diff", "<", 1e-6, "AR equals its written-out loop"),
            Check("tar_loop_diff", "<", 1e-6, "TAR equals its written-out loop"),
            Check("trainer_diff", "<", 1e-6, "the trainer's ar_tar adds the same penalties"),
            _true("tar_smaller_in_order", "TAR is smaller in time order than shuffled"),
        ),
        trains=True,
        summary="Both penalties on LMModel7's raw and dropped outputs, against explicit loops.",
    ),
    Answer(
        name="weight-tying",
        title="Weight tying: parameter counts and the shared tensor",
        entry=_entry("weight_tying"),
        questions=("ch12-q39",),
        defaults={"vocab_sz": 30, "n_hidden": 64, "seed": 0},
        checks=(
            _true("saved_is_vocab_x_hidden", "tying saves vocab x n_hidden parameters"),
            _true("same_tensor", "h_o.weight is i_h.weight"),
            _true("same_storage", "one storage"),
            _true("edit_seen_by_both", "an edit through one is seen by the other"),
        ),
        summary="LMModel7 tied and untied: parameter counts, storage, gradients.",
    ),
)
