"""Streaming export of 100k, 300k and 1M responses to Parquet (and CSV): the exporting
process's peak RSS must stay flat, at most 300 MB, whatever the survey's size.

    make bench                       # or: python benches/bench_export.py

The fake runs in a process of its own and generates each page when asked, so serving 1M
responses costs it little memory and none of it counts here. Each size gets its own fake with
one survey, the seed's first, which has every question type: only the row count changes.
Each export runs in a fresh child process that only imports hotjar_client and calls
``client.export_responses``; its peak RSS is its own. A first child that opens a client and
makes one request, without exporting, gives the floor. Files go to a temporary directory, are
checked (row count; the Parquet footer when pyarrow is installed) and deleted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _harness import Summary, fake_server, machine, median, run

FLOOR = """
import hotjar_client as hj
started = time.perf_counter()
with hj.Client.from_env(requests_per_minute=None) as client:
    client.test_connection()
report(measure(started))
"""

EXPORT = """
import hotjar_client as hj
path = sys.argv[2]
started = time.perf_counter()
with hj.Client.from_env(requests_per_minute=None) as client:
    done = client.export_responses(SURVEY, path)
figures = measure(started)
report(figures, rows=done["rows"], pages=done["pages"], file_bytes=os.path.getsize(path))
"""

SUFFIX = {"parquet": ".parquet", "csv": ".csv", "jsonl": ".jsonl"}
RSS_LIMIT_MB = 300.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="100000,300000,1000000",
        help="survey sizes to export, comma-separated (default: 100000,300000,1000000)",
    )
    parser.add_argument(
        "--formats", default="parquet,csv", help="any of parquet,csv,jsonl (default: parquet,csv)"
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", metavar="PATH", help="also write the summary here (run_all)")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",")]
    formats = [f.strip() for f in args.formats.split(",")]
    unknown = [f for f in formats if f not in SUFFIX]
    if unknown or not sizes:
        parser.error(f"unknown format(s) {unknown}" if unknown else "no sizes")

    results: dict[tuple[str, int], list[dict]] = {}
    floor: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="hj-bench-") as tmp:
        # One fake per size, each with a single survey: the first survey of a seed has every
        # question type, so every size has the same columns and only the row count changes.
        for size in sizes:
            with fake_server([size]) as fake:
                survey_id = fake.survey_ids[0]
                if not floor:
                    floor = [run("floor", FLOOR, fake, survey_id) for _ in range(args.repeat)]
                for _ in range(args.repeat):
                    for fmt in formats:
                        path = Path(tmp) / f"{size}{SUFFIX[fmt]}"
                        name = f"export {size:,} to {fmt}"
                        result = run(name, EXPORT, fake, survey_id, str(path))
                        if result["rows"] != size:
                            raise SystemExit(f"{name}: wrote {result['rows']} rows, not {size}")
                        if fmt == "parquet":
                            _check_parquet(path, size)
                        path.unlink()
                        results.setdefault((fmt, size), []).append(result)

    title = f"3. streaming export to {'/'.join(formats)}, peak RSS of the exporting process" + (
        f", median of {args.repeat} runs" if args.repeat > 1 else ""
    )
    summary = Summary("export", title)
    floor_rss = median(floor, "rss_mb")
    print(f"{title} ({machine()})")
    print(f"floor (import + client + one request): peak {floor_rss:.0f} MB")
    print(
        f"{'format':<8} {'responses':>10} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} "
        f"{'file MB':>8} {'resp/s':>8} {'RSS vs smallest':>16}"
    )
    summary.row("floor: import + client", median(floor, "wall"), median(floor, "cpu"), floor_rss)
    for fmt in formats:
        smallest = median(results[(fmt, sizes[0])], "rss_mb")
        for size in sizes:
            runs = results[(fmt, size)]
            wall, cpu, rss = median(runs, "wall"), median(runs, "cpu"), median(runs, "rss_mb")
            file_mb = runs[0]["file_bytes"] / 1e6
            print(
                f"{fmt:<8} {size:>10,} {wall:7.2f} {cpu:7.2f} {rss:8.0f} {file_mb:8.1f} "
                f"{size / wall:8,.0f} {rss / smallest:15.2f}x"
            )
            summary.row(
                f"{fmt} {size:,}", wall, cpu, rss, file_mb=file_mb, rss_ratio=rss / smallest
            )
        peaks = {size: median(results[(fmt, size)], "rss_mb") for size in sizes}
        big, small = max(sizes), min(sizes)
        if fmt == "parquet":
            highest = max(peaks.values())
            summary.target(f"parquet peak RSS up to {big:,}", highest, "<=", RSS_LIMIT_MB, "MB")
        # Flat: constant memory means the biggest export peaks within 25% of the smallest.
        summary.target(
            f"{fmt} peak RSS, {big:,} vs {small:,} (flat)", peaks[big] / peaks[small], "<=", 1.25
        )
    summary.print_targets()
    summary.save(args.json)
    return 0


def _check_parquet(path: Path, rows: int) -> None:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return
    found = pq.ParquetFile(path).metadata.num_rows
    if found != rows:
        raise SystemExit(f"{path.name}: the Parquet footer says {found} rows, not {rows}")


if __name__ == "__main__":
    sys.exit(main())
