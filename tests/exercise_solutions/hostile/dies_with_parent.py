"""Hostile: ignores the check's alarm, starts a process in a session of its own, writes both
pids beside this file, then sleeps: only killing it from outside ends it."""

import os
import signal
import time
from pathlib import Path

signal.signal(signal.SIGALRM, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = os.fork()
if child == 0:
    os.setsid()
    time.sleep(600)
    os._exit(0)
Path(__file__).with_name("pids.txt").write_text(f"{os.getpid()}\n{child}\n")
while True:
    time.sleep(1)
