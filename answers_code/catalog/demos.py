"""Catalogue entries of the chapter's small experiments (`answers_code.demos.*`).

Torch-free data. Each demo returns its key figures and the checks below test them, so a demo
that prints plausible numbers for the wrong reason fails.
"""

from typing import Any

from answers_code.answer import Answer
from answers_code.catalog import demo_configs as c
from answers_code.catalog import floors
from answers_code.check import Check


def _demo(name: str, title: str, questions: tuple[str, ...], module: str = "",
          **declared: Any) -> Answer:
    """The demo `name`, run by `answers_code.demos.<module>:run` (module: the name with
    underscores, unless given)."""
    entry = f"answers_code.demos.{module or name.replace('-', '_')}:run"
    return Answer(name=name, title=title, entry=entry, questions=questions, **declared)


def _true(key: str, label: str) -> Check:
    return Check(key, "==", True, label)


_PROTO_HINT = "the subset's batches (the first fifth of each stream) and reset()"
_FASTER = Check("time_ratio", "<", 0.5, "a fifth of the data takes well under half the CPU time")
_H_HINT = "the first step's h + i_h(x[:, 0])"
_SAME_H = (
    _true("broadcast_equal", "0 + tensor is the tensor (broadcasting)"),
    Check("max_abs_diff", "==", 0.0, "same weights: identical outputs"),
    Check("grad_max_abs_diff", "==", 0.0, "same weights: identical gradients"),
    _true("tables_identical", "same seeds: identical training tables"),
)
_REACH = (
    Check("reach_sl16", "==", 16, "sl=16: the gradient reaches back 16 words, no more"),
    Check("reach_sl32", "==", 32, "sl=32: detaching half as often, 32 words"),
)


def _lead(mode: str) -> Check:
    return floors.floor("longer-bptt", "sl16_lead", mode,
                        "sl=16's lead over sl=32 (sl=32 no better)",
                        hint="the detach once per batch, and sl read from the params")


ANSWERS: tuple[Answer, ...] = (
    _demo("prototype", "Prototype on a small set: the same experiment on a fifth of the data",
          ("ch12-q01",),
        config=c.Prototype(),
        quick={"epochs": 2},
        # The fifth's accuracy is shown, not checked: correct runs there (0.38-0.50 over seeds
        # 0-9) overlap one whose recurrent layer never trains (about 0.38), so no floor would
        # tell them apart; the full run's floor does.
        checks=(_FASTER, floors.floor("prototype", "accuracy", "full", "LMModel3 on all of it",
                                      hint=_PROTO_HINT)),
        quick_checks=(_FASTER, floors.floor("prototype", "accuracy", "quick",
                                            "2 epochs on all of it", hint=_PROTO_HINT)),
        trains=True,
        summary="LMModel3 at the book's settings on 20% of the batches and on all of them: "
                "CPU time and accuracy side by side.",
        calibrated=("small_accuracy", "accuracy"),
        **floors.medians("prototype", ("accuracy",), _PROTO_HINT),
    ),
    _demo("one-stream", "Why the documents are joined into one stream", ("ch12-q02",),
        config=c.Stream(),
        checks=(
            Check("sequences_within_lines", "==", 0, "no single line holds a 16-token sequence"),
            Check("sequences_joined", "==", 3943, "the joined stream gives 3,943 sequences of 16"),
            Check("windows_joined", "==", 21031, "and 21,031 windows of 3"),
            Check("separators", "==", 9997, "one '.' between each pair of the 9,998 lines"),
            _true("rows_continue", "each batch row continues the same row of the batch before"),
        ),
        summary="Documents one by one against one stream: what fits, what is lost, and the "
                "continuity the stateful models rely on.",
    ),
    _demo("unrolled", "LMModel1 is LMModel2's loop unrolled: same weights, same outputs",
          ("ch12-q10",),
        config=c.Unrolled(),
        checks=(
            Check("max_abs_diff", "==", 0.0, "identical outputs"),
            Check("grad_max_abs_diff", "==", 0.0, "identical gradients"),
            _true("same_parameters", "the same parameters"),
        ),
        summary="LMModel2's weights loaded into LMModel1: the loop and its unrolled form agree "
                "to the last bit.",
    ),
    _demo("detach", "A state kept across batches without detach: memory and time grow",
          ("ch12-q11",),
        config=c.Detach(),
        checks=(
            Check("memory_growth", ">", 30, "without detach, the saved graph grows with every "
                  "batch (60 batches: over 30x the first)"),
            Check("memory_growth_detached", "<", 1.01, "with detach it stays one batch's worth"),
            Check("nodes_growth_detached", "==", 1.0, "with detach the graph stays one batch"),
            Check("backward_time_growth", ">", 3, "without detach each backward pass takes "
                  "longer (CPU time, last against first)"),
            _true("second_backward_error", "without detach or retain_graph, PyTorch refuses "
                  "the second backward"),
        ),
        summary="LMModel3 backpropagated batch after batch with and without detach: bytes "
                "autograd holds, graph size and backward time.",
    ),
    _demo("more-signal", "How many targets: one per 3-token window, or one per token",
          ("ch12-q15",),
        config=c.Batched(),
        checks=(
            Check("window_targets", "==", 21031, "3-token windows: 21,031 targets"),
            Check("sequence_targets", "==", 63088, "sl=16 sequences: 3,943 x 16 = 63,088"),
            Check("ratio", "<", 3.01, "about 3x as many, not 16x"),
            Check("ratio", ">", 2.99, "about 3x as many"),
        ),
        summary="The targets each way of cutting the stream gives, in all and per epoch.",
    ),
    _demo("bernoulli", "Experiment with bernoulli_", ("ch12-q35",),
        config=c.Draws(),
        checks=(
            Check("max_fraction_error", "<", 0.005, "fraction of ones within 0.005 of p"),
            _true("in_place", "bernoulli_ fills the tensor in place"),
            _true("only_zeros_and_ones", "draws are 0 or 1"),
            _true("per_element_ok", "a tensor of probabilities works per element"),
            _true("seeded_repeatable", "same seed, same draws"),
        ),
        summary="bernoulli_ with p = 0.1, 0.5, 0.9 and with per-element probabilities.",
    ),
    _demo("train-eval", "model.train() and model.eval(), and what they do to dropout",
          ("ch12-q34", "ch12-q36"),
        config=c.TrainEval(),
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
    _demo("h-zero", "LMModel2 with h = 0 against h = torch.zeros(bs, n_hidden)", ("ch12-fr1",),
        config=c.HZero(),
        quick={"epochs": 1},
        checks=(*_SAME_H, floors.floor("h-zero", "accuracy", "full", "LMModel2 with h = 0",
                                       hint=_H_HINT)),
        quick_checks=(*_SAME_H, floors.floor("h-zero", "accuracy", "quick",
                                             "1-epoch LMModel2 with h = 0", hint=_H_HINT)),
        calibrated=("accuracy",),
        **floors.medians("h-zero", ("accuracy",), hint=_H_HINT),
        trains=True,
        book_model="lmmodel2",
        summary="Why forward can start with h=0: broadcasting; both versions trained with the "
                "same seeds (seeds=0,1,2 for more).",
    ),
    _demo("valid-batches", "The first validation batches decoded back to words", ("ch12-q13",),
        config=c.ValidBatches(),
        checks=(
            _true("first_row_matches_corpus", "decoded row 0 is the text after the 80% cut"),
            _true("rows_continue", "row j of batch k+1 continues row j of batch k"),
            _true("targets_shifted", "targets are the inputs shifted by one token"),
        ),
        summary="seq_dls validation batches as English, showing group_chunks' continuity.",
    ),
    _demo("float-precision", "Which floating-point numbers are the most precise?", ("ch12-q22",),
        checks=(
            _true("spacing_increases", "the gap between floats grows with magnitude"),
            Check("spacing_near_1", "==", 2.0**-23, "gap after 1.0 is 2^-23"),
            Check("spacing_near_1e8", "==", 8.0, "gap near 1e8 is 8"),
            _true("one_lost_at_1e8", "1e8 + 1 == 1e8 in float32"),
        ),
        summary="Spacing of adjacent float32 values near 0, 1e-3, 1, 1e4 and 1e8.",
    ),
    _demo("exploding-activations", "Exploding and vanishing activations in a deep stack of layers",
          ("ch12-q21", "ch12-q23"),
          module="exploding",
        config=c.Stack(),
        checks=(
            Check("two_pow_32", "==", 4294967296.0, "2^32 after 32 doublings"),
            _true("naive_exploded", "std-1 weights overflow"),
            _true("small_vanished", "std-0.01 weights vanish"),
            Check("small_first_grad", "<", 1e-20, "vanished activations: no gradient at layer 1"),
            _true("good_stable", "1/sqrt(n) init keeps activations near 1"),
        ),
        summary="x*2 and x*0.5 thirty-two times; 50 random linear layers with three inits.",
    ),
    _demo("chunk", "What chunk does in PyTorch", ("ch12-q28",),
        checks=(
            Check("chunk_sizes", "==", [3, 3, 3, 1], "arange(10).chunk(4) sizes 3,3,3,1"),
            _true("cat_roundtrip", "cat of the chunks gives the tensor back"),
            _true("chunks_are_views", "chunks are views, not copies"),
        ),
        summary="chunk on a vector and on a (bs, 4*nh) gate tensor.",
    ),
    _demo("tanh-sigmoid", "tanh and sigmoid: tanh(x) = 2*sigmoid(2x) - 1", ("ch12-q26",),
        checks=(
            _true("identity_holds", "tanh(x) = 2 sigmoid(2x) - 1 to 1e-12 (float64)"),
            Check("max_abs_diff_float32", "<", 1e-6, "the identity holds in float32 too"),
            _true("tanh_symmetric", "tanh is odd"),
        ),
        summary="The identity checked numerically on [-10, 10], with a small table.",
    ),
    _demo("ar-tar", "AR and TAR on a real batch of LMModel7 activations",
          ("ch12-q37", "ch12-q38", "ch12-fr4"),
        config=c.ArTar(),
        quick={"epochs": 1},
        checks=(
            Check("ar", ">", 0.0, "AR is positive on real activations"),
            Check("tar", ">", 0.0, "TAR is positive on real activations"),
            Check("ar_loop_diff", "<", 1e-6, "AR equals its written-out loop"),
            Check("tar_loop_diff", "<", 1e-6, "TAR equals its written-out loop"),
            Check("trainer_diff", "<", 1e-6, "the trainer's ar_tar adds the same penalties"),
            _true("tar_smaller_in_order", "TAR is smaller in time order than shuffled"),
            Check("decay_factor_diff", "<", 1e-6, "weight decay acts in the optimizer, not the "
                  "loss: the schedule's product matches it"),
        ),
        trains=True,
        summary="Both penalties on LMModel7's raw and dropped outputs, against explicit loops.",
    ),
    _demo("weight-tying", "Weight tying: parameter counts and the shared tensor", ("ch12-q39",),
        config=c.WeightTying(),
        checks=(
            _true("saved_is_vocab_x_hidden", "tying saves vocab x n_hidden parameters"),
            _true("same_tensor", "h_o.weight is i_h.weight"),
            _true("same_storage", "one storage"),
            _true("edit_seen_by_both", "an edit through one is seen by the other"),
        ),
        summary="LMModel7 tied and untied: parameter counts, storage, gradients.",
    ),
    _demo("lmmodel4-seeds", "LMModel4 with several seeds: how unstable its training is",
          ("ch12-q17",),
          module="seeds",
        config=c.LM4Seeds(),
        quick={"epochs": 1},
        checks=(
            floors.floor("lmmodel4", "accuracy", "full", "every seed's LMModel4",
                         final_key="lowest_accuracy", hint="the lmmodel4 answer itself"),
            Check("spread", ">", 0.0, "the seeds end in different places"),
            Check("runs_that_fell", ">=", 1, "the accuracy fell between epochs in some run"),
        ),
        quick_checks=(
            floors.floor("lmmodel4", "accuracy", "quick", "every seed's 1-epoch LMModel4",
                         final_key="lowest_accuracy", hint="the lmmodel4 answer itself"),
            Check("spread", ">", 0.0, "the seeds end in different places"),
        ),
        trains=True,
        book_model="lmmodel4",
        summary="`lmmodel4` at the book's settings for seeds 0, 1, 2: final accuracies, the "
                "epochs where accuracy fell, the spread.",
    ),
    _demo("longer-bptt", "Detach less often: LMModel4 with sequences of 16 and of 32 tokens",
          ("ch12-q20",),
        config=c.LM4Seeded(),
        quick={"epochs": 1},
        checks=(*_REACH, _lead("full")),
        quick_checks=(*_REACH, _lead("quick")),
        trains=True,
        book_model="lmmodel4",
        calibrated=("sl16_lead", "accuracy", "accuracy_sl32", "far_gradient_sl32"),
        **floors.medians("longer-bptt", ("sl16_lead",), "the detach once per batch"),
        summary="Trains LMModel4 at sl 16 and 32; measures how far back the gradient reaches "
                "and how much of it is left 15 and 31 words back.",
    ),
    _demo("higher-lr", "LMModel5 (RNN) and LMModel6 (LSTM) at the same learning rate, 1e-2",
          ("ch12-q30",),
        config=c.LM6Setup(),
        quick={"epochs": 1},
        checks=(
            floors.floor("higher-lr", "accuracy", "full", "LMModel6 at 1e-2",
                         hint="the LSTM's state carried and detached"),
        ),
        quick_checks=(
            floors.floor("higher-lr", "accuracy", "quick", "1-epoch LMModel6 at 1e-2",
                         hint="the LSTM's state carried and detached"),
        ),
        trains=True,
        book_model="lmmodel6",
        summary="Both 2-layer models trained at lr 1e-2 from the same seed: the LSTM is what "
                "makes the higher rate usable.",
        calibrated=("accuracy", "lstm_lead", "rnn_accuracy"),
        # One seed can tie (seed 0: +0.001); over three the LSTM's lead is clear.
        **floors.medians("higher-lr", ("accuracy", "lstm_lead"),
                         "both models' settings: only the recurrent layer differs"),
    ),
)
