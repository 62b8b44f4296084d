"""What an answer's parameters may be, declared once as types.

Each answer's parameters are one frozen dataclass (its config): a field per parameter, the
book's setting as its value, and a type below that says what it may be (`epochs: Epochs`). The
run engine checks a run's overrides against these types in the parent, before any child starts
(`studytool.runner.params`); the answers read `ctx.params` as given. Torch-free.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, make_dataclass
from typing import Annotated, Any, get_type_hints


@dataclass(frozen=True)
class Spec:
    """One parameter: `kind` int | float | choice | floats | ints | bool | text | any."""

    kind: str
    low: float | None = None
    high: float | None = None
    above_low: bool = False  # the low bound itself is not allowed (lr > 0)
    below_high: bool = False  # the high bound itself is not allowed (p < 1)
    choices: tuple[str, ...] = ()
    length: int | None = None  # a list of exactly this many (moms: 3)
    most: int | None = None  # a list of at most this many (seeds)
    optional: bool = False  # None (the default) may be given back


def _whole(low: int, high: int) -> Spec:
    return Spec("int", low, high)


_SEED = (0, 2**32 - 1)

Epochs = Annotated[int, _whole(1, 1000)]
LearningRate = Annotated[float, Spec("float", 0.0, 10.0, above_low=True)]
Seed = Annotated[int, _whole(*_SEED)]
Seeds = Annotated[tuple[int, ...] | None, Spec("ints", *_SEED, most=100, optional=True)]
WeightDecay = Annotated[float, Spec("float", 0.0, 10.0)]
Moms = Annotated[tuple[float, float, float],
                 Spec("floats", 0.0, 1.0, below_high=True, length=3)]
BatchSize = Annotated[int, _whole(1, 4096)]
SeqLen = Annotated[int, _whole(1, 1024)]
Width = Annotated[int, _whole(1, 4096)]  # n_hidden, and a cell's ni and nh
Layers = Annotated[int, _whole(1, 16)]
Probability = Annotated[float, Spec("float", 0.0, 1.0, below_high=True)]  # dropout's p
Fraction = Annotated[float, Spec("float", 0.0, 1.0, above_low=True)]  # of the data
Penalty = Annotated[float, Spec("float", 0.0, 100.0)]  # AR's alpha, TAR's beta
Threads = Annotated[int, _whole(1, 256)]
Steps = Annotated[int, _whole(1, 100_000)]
Size = Annotated[int, _whole(1, 100_000_000)]
Count = Annotated[int, _whole(1, 1000)]  # batches or rows shown
Extent = Annotated[int, _whole(1, 10_000)]  # a deep stack's depth and width
VocabSize = Annotated[int, _whole(2, 100_000)]


def choice(*names: str) -> Spec:
    return Spec("choice", choices=names)


REQUIRED: Any = MISSING  # a field each instance gives (the model's name)


def config(name: str, base: type | None = None, /, **settings: tuple[Any, Any]) -> type:
    """A frozen, keyword-only config dataclass called `name` with a field per setting,
    `key=(kind, the book's value)`; `base`'s fields come first (a family adds to its parent's,
    and a field given again takes the new value in its old place)."""
    declared = [(key, kind, field(default=value)) for key, (kind, value) in settings.items()]
    return make_dataclass(name, declared, bases=(base,) if base else (), frozen=True,
                          kw_only=True)


NoParams = config("NoParams")  # an answer that takes no parameters


# A field typed without a Spec (a test fixture's own) takes its Python type's kind.
_PLAIN = {bool: Spec("bool"), int: Spec("int"), float: Spec("float"), str: Spec("text")}


def specs(config: Any) -> dict[str, Spec]:
    """Each field of `config` (a config dataclass or instance) with what it may be."""
    hints = get_type_hints(config if isinstance(config, type) else type(config),
                           include_extras=True)
    found = {}
    for f in fields(config):
        hint = hints[f.name]
        declared = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, Spec)]
        found[f.name] = declared[0] if declared else _PLAIN.get(hint, Spec("any"))
    return found


def values(config: Any) -> dict[str, Any]:
    """`config`'s fields as run parameters, tuples as lists (as JSON gives them back)."""
    return {f.name: _plain(getattr(config, f.name)) for f in fields(config)}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
