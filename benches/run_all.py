"""Runs every benchmark (list of dicts, wide DataFrame, streaming export, many surveys, dlt
sync) in one go and prints one summary table with the ratios and the issue's targets.

    make bench                       # or: python benches/run_all.py [--quick] [--only export]

Each benchmark runs as its own process (with its own fake), one after the other, and prints
its full table as it finishes; the summary comes last. --quick runs small sizes once: a smoke
test of the harness, not figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import format_target, machine

HERE = Path(__file__).resolve().parent

# name -> (script, arguments of a full run, arguments of a --quick run)
BENCHES = {
    "dicts": ("bench_dicts.py", [], ["--responses", "5000", "--repeat", "1"]),
    "dataframe": ("bench_dataframe.py", [], ["--responses", "10000", "--repeat", "1"]),
    "export": ("bench_export.py", [], ["--sizes", "10000,30000,100000", "--repeat", "1"]),
    "many": ("bench_many.py", [], ["--surveys", "4", "--responses", "500", "--skip", "requests"]),
    "sync": ("bench_sync.py", [], ["--responses", "5000", "--new", "100"]),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each")
    parser.add_argument(
        "--only", default=",".join(BENCHES), help=f"comma-separated, of {','.join(BENCHES)}"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a target is missed"
    )
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in BENCHES]
    if unknown or not chosen:
        parser.error(f"unknown benchmark(s): {unknown}" if unknown else "nothing to run")

    summaries, failed = [], []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hj-bench-") as tmp:
        for name in chosen:
            script, full, quick = BENCHES[name]
            out = Path(tmp) / f"{name}.json"
            command = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
            print(f"$ {' '.join(Path(c).name if c == command[1] else c for c in command[1:])}")
            sys.stdout.flush()
            done = subprocess.run([*command, "--json", str(out)], check=False)
            print()
            if done.returncode != 0 or not out.exists():
                failed.append(name)
                continue
            summaries.append(json.loads(out.read_text()))
    elapsed = time.perf_counter() - started

    print(f"Summary ({machine()}; {elapsed:.0f} s in all{'; --quick' if args.quick else ''})")
    print(
        f"  {'contender':<36} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} "
        f"{'wall ratio':>11} {'RSS ratio':>10}"
    )
    targets = []
    for summary in summaries:
        print(summary["title"])
        for row in summary["rows"]:
            wall_ratio = _ratio(row.get("wall_ratio"))
            rss_ratio = _ratio(row.get("rss_ratio"))
            print(
                f"  {row['contender']:<36} {row['wall']:7.2f} {row['cpu']:7.2f} "
                f"{row['rss_mb']:8.0f} {wall_ratio:>11} {rss_ratio:>10}"
            )
        targets += [(summary["title"].split(".")[0], t) for t in summary["targets"]]
    print("(ratios: a peer's figure over hotjar_client's; for the export, over the smallest size)")
    print("Targets:")
    for number, target in targets:
        print(f"  {number}. {format_target(target)}")
    missed = sum(not t["met"] for _, t in targets)
    print(f"{len(targets) - missed} of {len(targets)} targets met", end="")
    print(f"; failed to run: {', '.join(failed)}" if failed else "")
    if failed:
        return 2
    return 1 if args.strict and missed else 0


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


if __name__ == "__main__":
    sys.exit(main())
