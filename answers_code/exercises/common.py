"""Small helpers the exercise checks share: shapes, differences, parameter names."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from answers_code.exercises.harness import CheckList, Mistake


def max_diff(a: Tensor, b: Tensor) -> float:
    return float((a.detach().float() - b.detach().float()).abs().max())


def expect_tensor(value: Any, what: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise Mistake(f"{what} should be a tensor, got {type(value).__name__}")
    return value


def expect_tuple(value: Any, size: int, what: str) -> tuple[Any, ...]:
    if not isinstance(value, tuple | list) or len(value) != size:
        got = f"{type(value).__name__} of {len(value)}" if isinstance(value, tuple | list) \
            else type(value).__name__
        raise Mistake(f"{what} should return a tuple of {size}, got {got}")
    return tuple(value)


def expect_shape(value: Any, shape: tuple[int, ...], what: str) -> Tensor:
    tensor = expect_tensor(value, what)
    if tuple(tensor.shape) != shape:
        raise Mistake(f"{what} has shape {tuple(tensor.shape)}, expected {shape}")
    return tensor


def state_dict_problems(mine: nn.Module, ref: nn.Module) -> list[str]:
    """What differs between two modules' parameter names and shapes (empty: the same)."""
    got = {k: tuple(v.shape) for k, v in mine.state_dict().items()}
    want = {k: tuple(v.shape) for k, v in ref.state_dict().items()}
    problems = [f"missing {k} {want[k]}" for k in want if k not in got]
    problems += [f"unexpected {k}" for k in got if k not in want]
    problems += [f"{k} is {got[k]}, expected {want[k]}"
                 for k in want if k in got and got[k] != want[k]]
    return problems


def random_tokens(shape: tuple[int, ...], vocab_sz: int) -> Tensor:
    return torch.randint(0, vocab_sz, shape)


# -- the nn.LSTM / nn.GRU contract, shared by the lstm and gru exercises --------------------------
def torch_pair(mod: Any, cls: str, ni: int, nh: int, layers: int) -> tuple[nn.Module, nn.Module]:
    """(torch's module, the learner's `mod.<cls>`) with the learner's loaded from torch's."""
    ref = getattr(nn, cls)(ni, nh, layers, batch_first=True)
    mine = getattr(mod, cls)(ni, nh, layers, batch_first=True)
    mine.load_state_dict(ref.state_dict())
    wrapped = (getattr(nn, cls), getattr(nn, f"{cls}Cell"))
    if any(isinstance(m, wrapped) for m in mine.modules()):
        raise Mistake(f"your {cls} wraps nn.{cls} / nn.{cls}Cell; write the time loop yourself")
    return ref, mine


def torch_rnn_checks(cls: str) -> tuple[CheckList, str]:
    """The checks the lstm and gru exercises open with (nn.<cls>'s parameter names and shapes,
    then loading its state_dict), and the label the output checks need."""
    checks = CheckList(names=(cls,))
    names, loads = f"parameters named and shaped as nn.{cls}'s", f"loads nn.{cls}'s state_dict"

    @checks.check(names)
    def parameter_names(mod: Any) -> str:
        problems = state_dict_problems(getattr(mod, cls)(5, 7, 2, batch_first=True),
                                       getattr(nn, cls)(5, 7, 2, batch_first=True))
        if problems:
            raise Mistake(f"{cls}(5, 7, num_layers=2): " + "; ".join(problems))
        return f"{cls}(5, 7, num_layers=2) has nn.{cls}'s 8 parameters"

    @checks.check(loads, needs=(names,))
    def loads_state_dict(mod: Any) -> str:
        ref, mine = torch_pair(mod, cls, 5, 7, 2)
        for name, value in mine.state_dict().items():
            if not torch.equal(value, ref.state_dict()[name]):
                raise Mistake(f"after load_state_dict, {name} differs from nn.{cls}'s")
        return f"load_state_dict(nn.{cls}(...).state_dict()) works"

    return checks, loads


def add_gradient_check(checks: CheckList, cls: str, needs: str) -> None:
    """The last check of the lstm and gru exercises: every parameter's gradient is nn.<cls>'s."""

    @checks.check(f"gradients match nn.{cls}'s", needs=(needs,))
    def gradients(mod: Any) -> str:
        ref, mine = torch_pair(mod, cls, 4, 5, 1)
        x = torch.randn(2, 4, 4)
        mine(x)[0].pow(2).sum().backward()
        ref(x)[0].pow(2).sum().backward()
        for name, param in mine.named_parameters():
            if param.grad is None:
                raise Mistake(f"{name} gets no gradient — is it used through .data or detached?")
            ref_grad = dict(ref.named_parameters())[name].grad
            assert ref_grad is not None
            diff = max_diff(param.grad, ref_grad)
            if diff > 1e-4:
                raise Mistake(f"the gradient of {name} differs from nn.{cls}'s by {diff:.2g}")
        return f"every parameter's gradient matches nn.{cls}'s"
