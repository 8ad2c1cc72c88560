"""Two builds of hotjar_client side by side, in one run: every benchmark of ``run_all.py`` under
each build's interpreter, interleaved, and every figure of every contender, after over before.

    python benches/compare_builds.py --before /path/to/old/checkout/.venv/bin/python

The "before" build is another checkout (a git worktree of an older commit, say) with its own
virtualenv where ``make bench`` or ``maturin develop --release`` was run; the "after" build is
this interpreter's (or ``--after``). Both run this checkout's benchmark scripts, so they are
measured by the same code; a script needs only the public API both builds have.

Rounds alternate the order (before, after; then after, before; ...), so a slow moment of the
machine hits both builds. Each script checks every contender's whole result against the
others' before it prints a figure, as in ``make bench``, so both builds are also checked to
return the same data. The peers' code is the same in both builds: their ratios show how much
the machine itself drifted between the two runs, which is the noise to read the others by.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import machine
from run_all import BENCHES

HERE = Path(__file__).resolve().parent
# hotjar_client's rows: the builds under comparison. Every other row is a peer (a control).
OURS = ("hotjar_client", "floor", "first run", "incremental run", "parquet", "csv", "jsonl")
# The slowest peer of the many-surveys benchmark says nothing about either build: 85 s a run.
EXTRA = {"many": ["--skip", "requests"]}
WORSE = 1.05  # the tolerance: a figure may not get worse by more than 5%


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the older build's python")
    parser.add_argument("--after", default=sys.executable, help="the newer build's python")
    parser.add_argument("--rounds", type=int, default=2, help="runs of every script per build")
    parser.add_argument("--only", default=",".join(BENCHES), help=f"of {','.join(BENCHES)}")
    parser.add_argument("--quick", action="store_true", help="run_all's small sizes")
    parser.add_argument("--json", metavar="PATH", help="also write every figure here")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in BENCHES]
    if unknown or not chosen or args.rounds < 1:
        parser.error(f"unknown benchmark(s): {unknown}" if unknown else "nothing to run")
    builds = {"before": args.before, "after": args.after}
    for label, python in builds.items():
        print(f"{label}: {python} -> {_describe(python)}")

    # figures[bench][contender][build] = the rows of every round
    figures: dict[str, dict[str, dict[str, list[dict[str, Any]]]]] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hj-ab-") as tmp:
        for round_ in range(args.rounds):
            order = list(builds) if round_ % 2 == 0 else list(reversed(builds))
            for name in chosen:
                script, full, quick = BENCHES[name]
                for label in order:
                    out = Path(tmp) / f"{name}-{label}-{round_}.json"
                    command = [builds[label], str(HERE / script), *(quick if args.quick else full)]
                    command += [*EXTRA.get(name, []), "--json", str(out)]
                    print(f"round {round_ + 1}/{args.rounds}: {name} under {label}", flush=True)
                    done = subprocess.run(command, capture_output=True, text=True, check=False)
                    if done.returncode != 0 or not out.exists():
                        raise SystemExit(
                            f"{name} failed under {label}; no figures printed:\n"
                            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
                        )
                    for row in json.loads(out.read_text())["rows"]:
                        contender = str(row["contender"])
                        by_build = figures.setdefault(name, {}).setdefault(contender, {})
                        by_build.setdefault(label, []).append(row)
    elapsed = time.perf_counter() - started

    print()
    print(
        f"after / before, median of {args.rounds} round(s) ({machine()}; {elapsed:.0f} s in all"
        f"{'; --quick' if args.quick else ''})"
    )
    header = f"  {'contender':<40} {'':>6} {'before':>8} {'after':>8} {'after/before':>13}"
    worse = []
    for name, contenders in figures.items():
        print(f"{name}:")
        print(header)
        for contender, by_build in contenders.items():
            ours = contender.startswith(OURS)
            for key, unit in (("wall", "s"), ("cpu", "s"), ("rss_mb", "MB")):
                before = statistics.median(row[key] for row in by_build["before"])
                after = statistics.median(row[key] for row in by_build["after"])
                ratio = after / before if before else float("nan")
                mark = ""
                if ours and ratio > WORSE:
                    mark = "  worse"
                    worse.append(f"{name}: {contender} {key} {ratio:.3f}")
                label = contender if key == "wall" else ""
                note = "" if ours or key != "wall" else "  (peer: machine drift)"
                print(
                    f"  {label:<40} {key + ' ' + unit:>6} {before:8.2f} {after:8.2f} "
                    f"{ratio:12.3f}x{mark}{note}"
                )
    print(
        f"hotjar_client figures more than {WORSE - 1:.0%} worse after than before: "
        + (", ".join(worse) if worse else "none")
    )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0


def _describe(python: str) -> str:
    """Which hotjar_client the interpreter imports, and from which commit."""
    code = (
        "import hotjar_client, pathlib, subprocess; p = pathlib.Path(hotjar_client.__file__); "
        "r = subprocess.run(['git', '-C', str(p.parent), 'log', '-1', '--format=%h %s'], "
        "capture_output=True, text=True); print(p.parent, '@', r.stdout.strip()[:60])"
    )
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    return done.stdout.strip() or done.stderr.strip().splitlines()[-1]


if __name__ == "__main__":
    sys.exit(main())
