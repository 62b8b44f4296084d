"""The parameters of the chapter's small experiments (`answers_code.demos.*`), at the book's
settings; each field's type says what it may be (`answers_code.config`). Torch-free."""

from __future__ import annotations

from dataclasses import dataclass

from answers_code.catalog.lm import Recipe
from answers_code.config import (
    BatchSize,
    Count,
    Epochs,
    Extent,
    Fraction,
    Layers,
    LearningRate,
    Penalty,
    Probability,
    Seed,
    Seeds,
    SeqLen,
    Size,
    VocabSize,
    Width,
)


@dataclass(frozen=True, kw_only=True)
class Prototype:
    epochs: Epochs = 10
    lr: LearningRate = 3e-3
    n_hidden: Width = 64
    fraction: Fraction = 0.2
    seed: Seed = 0


@dataclass(frozen=True, kw_only=True)
class Stream:
    sl: SeqLen = 16


@dataclass(frozen=True, kw_only=True)
class Batched(Stream):
    bs: BatchSize = 64


@dataclass(frozen=True, kw_only=True)
class ValidBatches(Batched):
    batches: Count = 3
    rows: Count = 3


@dataclass(frozen=True, kw_only=True)
class Unrolled:
    n_hidden: Width = 64
    bs: BatchSize = 64
    seed: Seed = 0


@dataclass(frozen=True, kw_only=True)
class Detach:
    batches: Count = 60
    seed: Seed = 0


@dataclass(frozen=True, kw_only=True)
class Draws:
    size: Size = 1_000_000
    seed: Seed = 0


@dataclass(frozen=True, kw_only=True)
class TrainEval:
    p: Probability = 0.5
    seed: Seed = 0


@dataclass(frozen=True, kw_only=True)
class HZero:
    epochs: Epochs = 4
    lr: LearningRate = 1e-3
    n_hidden: Width = 64
    seed: Seed = 0
    seeds: Seeds = None


@dataclass(frozen=True, kw_only=True)
class Stack:
    depth: Extent = 50
    width: Extent = 100


@dataclass(frozen=True, kw_only=True)
class ArTar:
    epochs: Epochs = 2
    alpha: Penalty = 2.0
    beta: Penalty = 1.0
    seed: Seed = 0


@dataclass(frozen=True, kw_only=True)
class WeightTying:
    vocab_sz: VocabSize = 30
    n_hidden: Width = 64
    seed: Seed = 0


@dataclass(frozen=True, kw_only=True)
class LM4Setup(Recipe):
    """LMModel4's book settings without the model's name (the demo picks the model)."""

    epochs: Epochs = 15
    lr: LearningRate = 3e-3
    sl: SeqLen = 16


@dataclass(frozen=True, kw_only=True)
class LM4Seeds(LM4Setup):
    seeds: Seeds = (0, 1, 2)


@dataclass(frozen=True, kw_only=True)
class LM4Seeded(LM4Setup):
    seed: Seed = 0


@dataclass(frozen=True, kw_only=True)
class LM6Setup(LM4Seeded):
    """LMModel6's: two layers at lr 1e-2."""

    lr: LearningRate = 1e-2
    n_layers: Layers = 2
