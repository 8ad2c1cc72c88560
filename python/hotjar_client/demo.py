"""The demo export that ``make demo`` runs: start the bundled fake Hotjar API, export every
survey's responses to JSON Lines files (the API's own shape) and to Parquet (one row per
response, one column per question), and print a summary. No network, no Hotjar account.

    python -m hotjar_client.demo [--out DIR] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hotjar_client import Client, HotjarError
from hotjar_client.testing import FakeHotjar


def write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Writes rows to ``path`` through a temporary file, so a half-written file never looks
    complete. Returns the number of rows."""
    tmp = path.with_name(path.name + ".partial")
    count = 0
    with tmp.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False))
            out.write("\n")
            count += 1
    os.replace(tmp, path)
    return count


def export_all(client: Client, out_dir: Path) -> list[dict[str, Any]]:
    """Exports every survey of the client's site to ``out_dir/<survey id>.jsonl`` (as the API
    sends it) and ``out_dir/<survey id>.parquet`` (the wide table, ready for pandas)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = []
    for survey in client.list_surveys():
        started = time.perf_counter()
        responses = client.responses(survey["id"])
        path = out_dir / f"{survey['id']}.jsonl"
        write_jsonl(responses, path)
        client.export_responses(survey["id"], out_dir / f"{survey['id']}.parquet")
        complete = sum(1 for r in responses if r.get("is_complete"))
        summary.append(
            {
                "id": survey["id"],
                "name": survey["name"],
                "responses": len(responses),
                "complete": complete,
                "newest": responses[0]["created_time"] if responses else "-",
                "seconds": time.perf_counter() - started,
                "path": path,
            }
        )
    return summary


def main(argv: list[str] | None = None, *, prog: str = "python -m hotjar_client.demo") -> int:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Export every survey of the bundled fake Hotjar API to JSON Lines and Parquet.",
    )
    parser.add_argument("--out", type=Path, default=Path("demo-export"), help="output folder")
    parser.add_argument("--seed", type=int, default=42, help="seed of the fake's data")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    with FakeHotjar(args.seed) as fake, fake.client() as client:
        print(f"Fake Hotjar API running at {fake.url} (site {fake.site_id})")
        try:
            client.test_connection()
            summary = export_all(client, args.out)
        except HotjarError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        stats = client.stats()

    name_width = max(len(row["name"]) for row in summary)
    print()
    print(f"{'survey':>9}  {'name':<{name_width}}  {'responses':>9}  {'complete':>8}  newest")
    for row in summary:
        print(
            f"{row['id']:>9}  {row['name']:<{name_width}}  {row['responses']:>9}  "
            f"{row['complete']:>8}  {row['newest']}"
        )
    total = sum(row["responses"] for row in summary)
    elapsed = time.perf_counter() - started
    print()
    print(
        f"Exported {total} responses from {len(summary)} surveys to {args.out}/ "
        f"(<survey>.jsonl as the API sends them, <survey>.parquet one row per response) "
        f"in {elapsed:.2f} s ({stats['requests']} HTTP requests, {stats['retries']} retries)."
    )
    first = next((row for row in summary if row["responses"]), None)
    if first is not None:
        print(f"Try: pandas.read_parquet('{args.out / (first['id'] + '.parquet')}')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
