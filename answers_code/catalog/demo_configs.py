"""The parameters of the chapter's small experiments (`answers_code.demos.*`): a config per
answer, each setting `name=(kind, the book's value)` (`answers_code.config`). Torch-free."""

from __future__ import annotations

from answers_code.catalog.lm import OPTIMIZER, SEED, SHAPE, THREADS
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
    Seeds,
    SeqLen,
    Size,
    VocabSize,
    Width,
    config,
)

Prototype = config("Prototype", epochs=(Epochs, 10), lr=(LearningRate, 3e-3),
                   n_hidden=(Width, 64), fraction=(Fraction, 0.2), seed=SEED)
Stream = config("Stream", sl=(SeqLen, 16))
Batched = config("Batched", Stream, bs=(BatchSize, 64))
ValidBatches = config("ValidBatches", Batched, batches=(Count, 3), rows=(Count, 3))
Unrolled = config("Unrolled", n_hidden=(Width, 64), bs=(BatchSize, 64), seed=SEED)
Detach = config("Detach", batches=(Count, 60), seed=SEED)
Draws = config("Draws", size=(Size, 1_000_000), seed=SEED)
TrainEval = config("TrainEval", p=(Probability, 0.5), seed=SEED)
HZero = config("HZero", epochs=(Epochs, 4), lr=(LearningRate, 1e-3), n_hidden=(Width, 64),
               seed=SEED, seeds=(Seeds, None))
Stack = config("Stack", depth=(Extent, 50), width=(Extent, 100))
ArTar = config("ArTar", epochs=(Epochs, 2), alpha=(Penalty, 2.0), beta=(Penalty, 1.0),
               seed=SEED)
WeightTying = config("WeightTying", vocab_sz=(VocabSize, 30), n_hidden=(Width, 64), seed=SEED)
# LMModel4's book settings without the model's name (the demo picks the model), and LMModel6's.
LM4Setup = config("LM4Setup", epochs=(Epochs, 15), lr=(LearningRate, 3e-3), **OPTIMIZER, **SHAPE,
                  sl=(SeqLen, 16), **THREADS)
LM4Seeds = config("LM4Seeds", LM4Setup, seeds=(Seeds, (0, 1, 2)))
LM4Seeded = config("LM4Seeded", LM4Setup, seed=SEED)
LM6Setup = config("LM6Setup", epochs=(Epochs, 15), lr=(LearningRate, 1e-2), **OPTIMIZER, **SHAPE,
                  sl=(SeqLen, 16), n_layers=(Layers, 2), **THREADS, seed=SEED)
