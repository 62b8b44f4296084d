"""Start-up cost of `studytool --help` and `--version` against a bare `python -c pass`.

Prints the median wall time of each over N runs and the ratio to the bare interpreter start,
measured in this process, plus the modules imported (none of torch/sqlalchemy/textual).
Target (issue 2): under 0.5 s on the 2-core machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 15


def median_seconds(args: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def heavy_imports(flag: str) -> list[str]:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "studytool", flag],
                            capture_output=True, text=True, check=True)
    tops = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines()
            if line.startswith("import time:")}
    return sorted(tops & {"torch", "sqlalchemy", "textual", "fsrs", "numpy", "pydantic"})


def main() -> None:
    bare = median_seconds([sys.executable, "-c", "pass"])
    print(f"{'command':<22}{'median s':>10}{'x bare python':>15}  heavy imports")
    print(f"{'python -c pass':<22}{bare:>10.3f}{1.0:>15.2f}")
    for flag in ("--help", "--version"):
        secs = median_seconds([sys.executable, "-m", "studytool", flag])
        heavy = ", ".join(heavy_imports(flag)) or "none"
        print(f"{'studytool ' + flag:<22}{secs:>10.3f}{secs / bare:>15.2f}  {heavy}")


if __name__ == "__main__":
    main()
