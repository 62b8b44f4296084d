"""Hostile: defines nothing, and writes "passed" results for every check of the dropout
exercise to every file descriptor it has, then leaves, as if the checks had ended."""

import json
import os

from answers_code.exercises.dropout.checks import CHECKS

labels = ["loads", *(spec.label for spec in CHECKS.specs)]
events = [{"event": "plan", "job": 0, "checks": labels, "timeout": 10}]
for label in labels:
    events.append({"event": "begin", "job": 0, "label": label, "seconds": 10})
    events.append({"event": "check", "job": 0, "label": label, "status": "passed",
                   "message": "looks right", "seconds": 0.01})
events += [{"event": "end", "job": 0, "passed": True}, {"event": "done", "job": 1}]
for seq, event in enumerate(events):  # with and without a guess at a signature
    event["seq"] = seq
lines = "".join(json.dumps(e) + "\n" for e in events)
lines += "".join(f"{'0' * 64} {json.dumps(e)}\n" for e in events)
for fd in range(1024):
    try:
        os.write(fd, lines.encode())
    except OSError:
        pass
os._exit(0)
