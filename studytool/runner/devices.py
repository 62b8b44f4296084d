"""Device names and the choice `auto` makes: cuda, then mps, then cpu.

Only `resolve` touches torch, and only the worker calls it: the parent never imports torch,
so it cannot know which devices exist and leaves that answer to the child.
"""

from __future__ import annotations

DEVICES = ("auto", "cpu", "cuda", "mps")


class DeviceUnavailableError(Exception):
    """The requested device does not exist on this machine."""


def _cuda_ok(torch: object) -> bool:
    return bool(torch.cuda.is_available())  # type: ignore[attr-defined]


def _mps_ok(torch: object) -> bool:
    backend = getattr(getattr(torch, "backends", None), "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve(requested: str) -> str:
    """The concrete device for `requested`; DeviceUnavailableError if it is absent."""
    if requested not in DEVICES:
        raise DeviceUnavailableError(f"unknown device '{requested}' (use {', '.join(DEVICES)})")
    if requested == "cpu":
        return "cpu"  # no torch import needed: answers that never touch torch start faster
    import torch

    if requested == "auto":
        if _cuda_ok(torch):
            return "cuda"
        return "mps" if _mps_ok(torch) else "cpu"
    available = _cuda_ok(torch) if requested == "cuda" else _mps_ok(torch)
    if not available:
        raise DeviceUnavailableError(f"device '{requested}' is not available on this machine")
    return requested
