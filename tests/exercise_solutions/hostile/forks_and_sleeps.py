"""Hostile: leaves 50 sleeping processes behind, some in a session of their own, some orphaned
by a double fork; writes their pids beside this file. Defines no Dropout."""

import os
import time
from pathlib import Path

PIDS = Path(__file__).with_name("pids.txt")


def _sleep_forever() -> None:
    time.sleep(600)
    os._exit(0)


def _leave(kind: int) -> None:
    """kind 0: a plain fork; 1: a fork that calls setsid(); 2: a double fork (orphaned)."""
    pid = os.fork()
    if pid:
        if kind == 2:
            os.waitpid(pid, 0)  # the middle process exits at once: the grandchild is orphaned
        return
    if kind == 1:
        os.setsid()
    if kind == 2:
        if os.fork():
            os._exit(0)
        os.setsid()
    with PIDS.open("a") as pids:
        pids.write(f"{os.getpid()}\n")
    _sleep_forever()


def _written() -> int:
    return len(PIDS.read_text().split()) if PIDS.exists() else 0


for number in range(50):
    _leave(number % 3)
while _written() < 50:
    time.sleep(0.01)
