"""`python -m answers_code.exercises [--timeout S] MODULE FILE [MODULE FILE ...]`.

Verifies each learner FILE with the checks of MODULE, one after the other in this process (torch
is imported once), writing JSON lines on stdout: plan, begin, check, end for each pair (each
event carries the pair's index as "job"), then done. Exit 0 when every check passed, 1 when one
failed, 2 for a bad request. With `--secret-fd N` the per-run key is read from fd N (then
closed, before any learner code is imported) and every line is signed with it.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from pathlib import Path

PREFIX, SUFFIX = "answers_code.exercises.", ".checks"  # an exercise folder's checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m answers_code.exercises")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per check")
    parser.add_argument("--secret-fd", type=int, default=None, help="fd holding the run's key")
    parser.add_argument("pairs", nargs="+", metavar="MODULE FILE",
                        help=f"checks module (e.g. {PREFIX}gru{SUFFIX}) and the learner's file")
    args = parser.parse_args(argv)
    if len(args.pairs) % 2:
        parser.error("give MODULE FILE pairs")
    pairs = list(zip(args.pairs[::2], args.pairs[1::2], strict=True))
    for module, _ in pairs:
        if not (module.startswith(PREFIX) and module.endswith(SUFFIX)):
            parser.error(f"checks modules are {PREFIX}<exercise>{SUFFIX}")
    # A torch built without numpy warns at import; that is noise for a learner.
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
    sys.dont_write_bytecode = True  # keep the learner's folder free of __pycache__

    from answers_code.exercises.harness import Protocol, run_checks

    protocol = Protocol(_read_secret(args.secret_fd))
    all_passed = True
    for job, (module, file) in enumerate(pairs):
        protocol.job = job
        checks = importlib.import_module(module).CHECKS
        all_passed &= run_checks(checks, Path(file).resolve(), args.timeout, protocol)
    protocol.job = len(pairs)
    protocol.emit("done")
    return 0 if all_passed else 1


def _read_secret(fd: int | None) -> bytes | None:
    """The key on `fd`, read to its end and the fd closed: the learner's code, imported later,
    finds neither the pipe nor anything left in it."""
    if fd is None:
        return None
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    os.close(fd)
    return bytes.fromhex(b"".join(chunks).decode("ascii").strip())


if __name__ == "__main__":
    sys.exit(main())
