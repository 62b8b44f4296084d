"""Checks for exercise `third-word` (ch12-q05): samples that never show the target among the
inputs, a model whose prediction uses both previous words and, when it predicts after every
word, never peeks at a later one; and a short training run that beats the baseline."""

from __future__ import annotations

import types

import torch
from torch import Tensor, nn

from answers_code.exercises.common import expect_tensor, random_tokens
from answers_code.exercises.harness import CheckList, Mistake

CHECKS = CheckList(names=("ThirdWordModel", "third_word_samples"))
VOCAB, HIDDEN = 30, 64
SHAPE = "the model's output shape"
NO_PEEK_DATA = "no peeking in the samples"
NO_PEEK_MODEL = "no peeking in the model"
EPOCHS, LR = 3, 3e-3


@CHECKS.check(NO_PEEK_DATA)
def samples(mod: types.ModuleType) -> str:
    nums = torch.arange(100)  # every token distinct: a sample shows exactly where it came from
    result = mod.third_word_samples(nums)
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise Mistake("third_word_samples must return (x, y)")
    x, y = expect_tensor(result[0], "x"), expect_tensor(result[1], "y")
    if x.dim() != 2 or x.shape[1] != 2 or y.shape != (x.shape[0],):
        raise Mistake(f"expected x (n, 2) and y (n,); got x {tuple(x.shape)}, y {tuple(y.shape)}")
    for row, target in zip(x.tolist(), y.tolist(), strict=True):
        if target in row:
            raise Mistake(f"peeking: the sample {row} -> {target} has its target among its "
                          "inputs")
        if row[1] != row[0] + 1 or target != row[1] + 1:
            raise Mistake(f"the sample {row} -> {target} is not two consecutive words and the "
                          "word right after them")
    if len(x) < (len(nums) - 2) // 3:
        raise Mistake(f"only {len(x)} samples from 100 tokens; cut the stream into windows")
    return f"{len(x)} samples from 100 tokens, each target after its two inputs"


def _final(out: Tensor) -> Tensor:
    return out[:, -1] if out.dim() == 3 else out  # (bs, vocab): the third word's scores


@CHECKS.check(SHAPE)
def shape(mod: types.ModuleType) -> str:
    model = mod.ThirdWordModel(VOCAB, HIDDEN)
    out = expect_tensor(model(random_tokens((5, 2), VOCAB)), "the model's output")
    if tuple(out.shape) not in ((5, VOCAB), (5, 2, VOCAB)):
        raise Mistake(f"for x of shape (5, 2) the output is {tuple(out.shape)}; expected "
                      f"(5, {VOCAB}) or one prediction per word, (5, 2, {VOCAB})")
    return f"(5, 2) -> {tuple(out.shape)}"


@CHECKS.check(NO_PEEK_MODEL, needs=(SHAPE,))
def model_no_peeking(mod: types.ModuleType) -> str:
    model = mod.ThirdWordModel(VOCAB, HIDDEN).eval()
    x = random_tokens((16, 2), VOCAB)
    later = x.clone()
    later[:, 1] = (later[:, 1] + 1) % VOCAB
    with torch.no_grad():
        out, out_later = model(x), model(later)
    if out.dim() == 2:
        return "one prediction per sample, after both words: nothing later to peek at"
    if not torch.allclose(out[:, 0], out_later[:, 0], atol=1e-6):
        raise Mistake("peeking: the prediction after word 1 changed when word 2 changed; "
                      "position i may only use words 0..i")
    return "changing word 2 leaves the prediction after word 1 unchanged"


@CHECKS.check("the third word's prediction uses both previous words", needs=(SHAPE,))
def uses_both(mod: types.ModuleType) -> str:
    model = mod.ThirdWordModel(VOCAB, HIDDEN).eval()
    x = random_tokens((16, 2), VOCAB)
    with torch.no_grad():
        base = _final(model(x))
        for i, word in ((0, "first"), (1, "second")):
            changed = x.clone()
            changed[:, i] = (changed[:, i] + 1) % VOCAB
            if torch.allclose(_final(model(changed)), base, atol=1e-6):
                raise Mistake(f"the prediction of the third word ignores the {word} word")
    return "changing either previous word changes the prediction"


class _LastWord(nn.Module):
    """The learner's model seen by the trainer: the scores for the third word only."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: Tensor) -> Tensor:
        return _final(self.model(x))


@CHECKS.check("a short training run beats the baseline",
              needs=(NO_PEEK_DATA, SHAPE, NO_PEEK_MODEL), budget=4.0)
def training(mod: types.ModuleType) -> str:
    from answers_code.data import baseline, baseline_accuracy, window_dls
    from answers_code.train import fit_one_cycle, set_seed

    set_seed(0)
    dls = window_dls(2, bs=64)  # trusted samples: words i, i+1 -> word i+2
    history = fit_one_cycle(_LastWord(mod.ThirdWordModel(len(dls.vocab), HIDDEN)), dls,
                            epochs=EPOCHS, lr=LR)
    accuracy = float(history[-1]["accuracy"])
    bar = max(baseline_accuracy(), baseline(2).accuracy)
    if not accuracy > bar:
        raise Mistake(f"validation accuracy {accuracy:.3f} after {EPOCHS} epochs does not beat "
                      f"the baseline {bar:.4f} (always predicting the most common word)")
    return (f"validation accuracy {accuracy:.3f} after {EPOCHS} epochs (lr {LR:g}); baseline "
            f"{bar:.4f}")
