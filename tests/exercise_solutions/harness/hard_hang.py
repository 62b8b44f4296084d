"""Wrong: ignores the check's alarm, then hangs and leaves a grandchild behind."""

import signal
import subprocess
import sys
import time

from torch import nn

signal.signal(signal.SIGALRM, signal.SIG_IGN)
CHILD = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
print(f"grandchild {CHILD.pid}", file=sys.stderr, flush=True)


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        while True:
            time.sleep(1)
