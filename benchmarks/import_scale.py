"""Import at scale: a JSON export of 100,000 and of 1,000,000 reviews restored into an empty
database, each measured against the export of the same data in the same run.

For each size: builds the SQLite file with the store's bulk builder (benchmarks/store_scale.py),
then in fresh child processes (so each peak RSS is that step's own) (1) exports it to JSON (the
default layout: version 3, JSON lines of rows) and (2) imports that file into an empty SQLite
database, `--repeat` times (`--repeat-largest` at the largest size), alternating. Prints the
medians, the import as a ratio to the export (time and peak RSS), and the targets:

- import time within 3x the export's;
- peak RSS of the import at the largest size under 300 MB and within 1.5x of the smallest.

    python benchmarks/import_scale.py [--cards 100000] [--reviews 100000 1000000] [--repeat 3]
                                      [--repeat-largest N] [--keep DIR]
                                      [--before CHECKOUT [--before-repeat 1]]

The studytool on sys.path is measured; with --before, the same steps also run on an older
checkout (PYTHONPATH=CHECKOUT, its import's size cap lifted), just before this one at each
size, and both are printed side by side. Wall time is the target; the CPU time ratio is
printed beside it, as it moves less when other work shares the machine (the import also
writes the whole database through SQLite's WAL, which a busy disk slows down).

Measured 2026-12-04 (2 shared cores, load average 0.9-1.0; medians of 3, each beside the
checkout before this change, b98f20e, in the same run):

    100,000 reviews:   export 0.99 s | import 2.93 s, 192 MB: 2.96x (before 3.07 s, 3.12x)
    1,000,000 reviews: export 3.55 s | import 13.73 s, 192 MB: 3.87x (before 15.97 s, 4.05x)
    peak RSS at 1M / at 100k: 1.00x, 192 MB (before 1.35x, 256 MB)

Across four such runs the 1M import took 13.7-14.8 s (before 16.0-18.1 s) and its export
3.6-5.1 s. At 1M the import's time went (py-spy, wall): checking the rows with pydantic
3.3 s, building the stored rows 2 s, SQLite's inserts 3.1-3.6 s, building the two review
indexes 3 s, the commit (the WAL's checkpoint) 1 s, the cards 1.5 s. The 100k ratio moves
around 3x from run to run (the cards, not the reviews, are most of it there); 1M misses the
target. A rollback journal instead of the WAL for the load (the rows written once, not
again at the checkpoint) measured 2.3 s less at 1M, but while it lasts a process opening
the database fails at once ("database is locked") and a crash leaves a hot journal that a
read-only open cannot roll back, so it is not used.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIME_RATIO = 3.0
RSS_MB = 300.0
RSS_GROWTH = 1.5


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export_step(db_path: Path, out: Path) -> dict[str, float]:
    from studytool.exchange.json_export import export_json
    from studytool.store import open_db

    db = open_db(f"sqlite:///{db_path}")
    started, cpu = time.perf_counter(), time.process_time()
    count = export_json(db, out)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    db.close()
    return {"seconds": seconds, "cpu_s": cpu, "rss_mb": peak_rss_mb(), "reviews": count,
            "file_mb": out.stat().st_size / 1e6}


def import_step(source: Path, target: Path) -> dict[str, float]:
    from studytool.exchange.json_import import import_json
    from studytool.store import open_db

    target.unlink(missing_ok=True)
    db = open_db(f"sqlite:///{target}")
    before = peak_rss_mb()  # the migrated, empty database: the floor of every command
    # Today's reader has no default cap; an older one refused files over 64 MiB.
    limit = inspect.signature(import_json).parameters["max_bytes"].default
    kwargs = {} if limit is None else {"max_bytes": source.stat().st_size}
    started, cpu = time.perf_counter(), time.process_time()
    summary = import_json(db, source, **kwargs)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    db.close()
    return {"seconds": seconds, "cpu_s": cpu, "rss_mb": peak_rss_mb(), "rss_before_mb": before,
            "reviews": summary.reviews_added}


def child(*args: str, code: Path | None = None) -> dict[str, float]:
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                          text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(db_path: Path, base: Path, reviews: int, repeat: int,
            code: Path | None = None) -> dict[str, float]:
    out = base / f"import-{reviews}.json"
    target = base / f"import-{reviews}-target.sqlite3"
    exports, imports = [], []
    for _ in range(repeat):  # alternating, so load on the machine hits both alike
        exports.append(child("export", str(db_path), str(out), code=code))
        imports.append(child("import", str(out), str(target), code=code))
        assert imports[-1]["reviews"] == exports[-1]["reviews"] == reviews, (imports, exports)
    target.unlink(missing_ok=True)
    file_mb = exports[-1]["file_mb"]
    out.unlink()

    def median(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    return {"export_s": median(exports, "seconds"), "export_mb": median(exports, "rss_mb"),
            "export_cpu": median(exports, "cpu_s"), "import_cpu": median(imports, "cpu_s"),
            "import_s": median(imports, "seconds"), "import_mb": median(imports, "rss_mb"),
            "floor_mb": median(imports, "rss_before_mb"), "file_mb": file_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--repeat-largest", type=int,
                        help="runs at the largest size (default: --repeat; 1M is heavy)")
    parser.add_argument("--keep", type=Path, help="build (and keep) the databases here")
    parser.add_argument("--before", type=Path, help="an older checkout to measure beside")
    parser.add_argument("--before-repeat", type=int, default=1,
                        help="runs of the older code (its 1M import takes minutes and GBs)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, first, second = args.child
        result = (export_step if step == "export" else import_step)(Path(first), Path(second))
        print(json.dumps(result))
        return
    import studytool

    print(f"studytool from {Path(studytool.__file__).parent}")
    folder = tempfile.TemporaryDirectory()
    base = args.keep or Path(folder.name)
    sys.path.insert(0, str(HERE))
    from export_scale import build_db

    results: dict[str, dict[int, dict[str, float]]] = {"now": {}}
    if args.before:
        results["before"] = {}
    for reviews in args.reviews:
        db_path = base / f"export-{reviews}.sqlite3"
        if not db_path.exists():
            seconds = build_db(db_path, args.cards, reviews)
            print(f"built {args.cards:,} cards and {reviews:,} review rows in {seconds:.1f} s")
        if args.before:
            results["before"][reviews] = measure(db_path, base, reviews, args.before_repeat,
                                                 args.before)
        repeat = (args.repeat_largest or args.repeat) if reviews == max(args.reviews) \
            else args.repeat
        results["now"][reviews] = measure(db_path, base, reviews, repeat)
        for label, table in results.items():
            m = table[reviews]
            runs = args.before_repeat if label == "before" else repeat
            ratio = m["import_s"] / m["export_s"]
            print(f"{label:>6} {reviews:>9,} reviews ({m['file_mb']:.0f} MB file), median of "
                  f"{runs}: export {m['export_s']:6.2f} s {m['export_mb']:5.0f} MB | import "
                  f"{m['import_s']:6.2f} s {m['import_mb']:5.0f} MB (empty database "
                  f"{m['floor_mb']:.0f} MB) | import/export: time {ratio:4.2f}x (target <= "
                  f"{TIME_RATIO:.0f}x: {'ok' if ratio <= TIME_RATIO else 'MISSED'}; CPU time "
                  f"{m['import_cpu'] / m['export_cpu']:4.2f}x), "
                  f"peak RSS {m['import_mb'] / m['export_mb']:4.2f}x", flush=True)
    for label, table in results.items():
        if len(table) > 1:
            small, large = min(table), max(table)
            growth = table[large]["import_mb"] / table[small]["import_mb"]
            verdict = ("ok" if growth <= RSS_GROWTH and table[large]["import_mb"] < RSS_MB
                       else "MISSED")
            print(f"{label:>6} import peak RSS at {large:,} / at {small:,} reviews: "
                  f"{growth:.2f}x, {table[large]['import_mb']:.0f} MB (target <= "
                  f"{RSS_GROWTH}x and under {RSS_MB:.0f} MB: {verdict})")
    folder.cleanup()


if __name__ == "__main__":
    main()
