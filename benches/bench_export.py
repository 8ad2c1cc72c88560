"""Streaming export of 100k, 300k and 1M responses to Parquet (and CSV): the exporting
process's peak RSS must stay flat, at most 300 MB, whatever the survey's size.

    make bench                       # or: python benches/bench_export.py

The fake runs in a process of its own and generates each page when asked, so serving 1M
responses costs it little memory and none of it counts here. Each size gets its own fake with
one survey, the seed's first, which has every question type: only the row count changes.
Each export runs in a fresh child process that only imports hotjar_client and calls
``client.export_responses``; its peak RSS is its own. A first child that opens a client and
makes one request, without exporting, gives the floor. Files go to a temporary directory and
are deleted once checked.

No figure is printed unless every file, read back without hotjar_client (pyarrow for Parquet,
the csv and json modules for CSV and JSONL), holds every cell of the survey's table: the
same columns, rows and values as ``responses_table()`` of the same survey, itself checked
against the raw pages (the response ids, in the API's order, fetched with urllib).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from _harness import Fake, Summary, fake_server, machine, median, require, run

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

    require("pyarrow")
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
                reference = _reference_table(fake, survey_id, size)
                for _ in range(args.repeat):
                    for fmt in formats:
                        path = Path(tmp) / f"{size}{SUFFIX[fmt]}"
                        name = f"export {size:,} to {fmt}"
                        result = run(name, EXPORT, fake, survey_id, str(path))
                        problem = CHECKS[fmt](path, reference)
                        if problem:
                            raise SystemExit(f"{name}: {problem}; no figures printed")
                        path.unlink()
                        results.setdefault((fmt, size), []).append(result)
                del reference

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


# --- the files, read back without hotjar_client ------------------------------------------------


def _reference_table(fake: Fake, survey_id: str, size: int) -> Any:
    """The survey's table as pyarrow reads it from ``responses_table()``, after checking its
    response ids, in order, against the raw pages (urllib and json, no hotjar_client)."""
    import pyarrow as pa

    with fake.client() as client:
        table = pa.table(client.responses_table(survey_id))
    ids = _raw_response_ids(fake, survey_id)
    if len(ids) != size or table.column("response_id").to_pylist() != ids:
        raise SystemExit(
            f"the reference table of survey {survey_id} is not its {size} responses in the "
            "API's order; no figures printed"
        )
    return table


def _raw_response_ids(fake: Fake, survey_id: str) -> list[str]:
    def call(url: str, data: bytes | None = None, token: str = "") -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with urllib.request.urlopen(urllib.request.Request(url, data, headers)) as answer:
            return json.loads(answer.read())

    form = {"grant_type": "client_credentials", "client_id": fake.client_id}
    form["client_secret"] = fake.client_secret
    token = call(f"{fake.url}/v1/oauth/token", urllib.parse.urlencode(form).encode())
    pages = f"{fake.url}/v1/sites/{fake.site_id}/surveys/{survey_id}/responses"
    ids, query = [], {"limit": 100}
    while True:
        body = call(f"{pages}?{urllib.parse.urlencode(query)}", token=token["access_token"])
        ids += [str(r["id"]) for r in body["results"]]
        if not body.get("next_cursor"):
            return ids
        query["cursor"] = body["next_cursor"]


def _reference_rows(reference: Any) -> Iterator[dict[str, Any]]:
    for batch in reference.to_batches(max_chunksize=20_000):
        yield from batch.to_pylist()


def _check_parquet(path: Path, reference: Any) -> str | None:
    import pyarrow.parquet as pq

    back = pq.read_table(path)
    if not back.schema.equals(reference.schema):
        return f"the Parquet schema differs from the table's:\n{back.schema}"
    if back.equals(reference):
        return None
    rows = zip(_reference_rows(back), _reference_rows(reference), strict=False)
    for index, (got, want) in enumerate(rows):
        if got != want:
            differ = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
            return f"row {index} differs (file, table): {differ}"
    if back.num_rows != reference.num_rows:
        return f"{back.num_rows} rows, not {reference.num_rows}"
    # Every row equal, same schema and count: Table.equals saw only how the dictionary columns
    # are encoded (a Parquet file read back has one dictionary per row group).
    return None


def _kinds(reference: Any) -> dict[str, str]:
    """What each column holds, for reading it back from text: time, bool, int, map, list,
    other (other_answers: JSON text in the table, JSON in the files) or text."""
    import pyarrow as pa

    kinds = {}
    for field in reference.schema:
        kind = field.type
        if field.name == "other_answers":
            kinds[field.name] = "other"
        elif pa.types.is_timestamp(kind):
            kinds[field.name] = "time"
        elif pa.types.is_boolean(kind):
            kinds[field.name] = "bool"
        elif pa.types.is_integer(kind):
            kinds[field.name] = "int"
        elif pa.types.is_map(kind):
            kinds[field.name] = "map"
        elif pa.types.is_list(kind):
            kinds[field.name] = "list"
        else:
            kinds[field.name] = "text"
    return kinds


def _plain(value: Any, kind: str) -> Any:
    """A reference cell as the files carry it: a map as an object, other_answers parsed."""
    if value is None:
        return None
    if kind == "map":
        return dict(value)
    if kind == "other":
        return json.loads(value)
    return value


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _first_difference(
    rows: Iterator[tuple[list[str], list[Any]]], reference: Any, kinds: dict[str, str]
) -> str | None:
    """Compares (header, cells) rows, read back as plain values, with the reference's."""
    names = reference.column_names
    wanted = _reference_rows(reference)
    count = 0
    for index, (header, cells) in enumerate(rows):
        if header != names:
            return f"row {index}: columns {header} instead of {names}"
        want = next(wanted, None)
        if want is None:
            return f"more rows than the table's {reference.num_rows}"
        for name, got in zip(names, cells, strict=True):
            expected = _plain(want[name], kinds[name])
            if got != expected or type(got) is not type(expected):
                return f"row {index} column {name!r}: {got!r} vs {expected!r}"
        count += 1
    if count != reference.num_rows:
        return f"{count} rows, not {reference.num_rows}"
    return None


def _check_csv(path: Path, reference: Any) -> str | None:
    kinds = _kinds(reference)

    def cell(text: str, kind: str) -> Any:
        if text == "":
            return None  # CSV writes null and an empty string alike
        if kind == "time":
            return _time(text)
        if kind == "bool":
            return {"true": True, "false": False}.get(text, text)
        if kind == "int":
            return int(text)
        if kind in ("map", "list", "other"):
            return json.loads(text)
        return text

    def rows() -> Iterator[tuple[list[str], list[Any]]]:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            for line in reader:
                yield header, [cell(t, kinds[n]) for n, t in zip(header, line, strict=True)]

    return _first_difference(rows(), _empty_text_as_null(reference), kinds)


def _empty_text_as_null(reference: Any) -> Any:
    """The reference with "" as null in its text columns: CSV cannot tell them apart."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for field, column in zip(reference.schema, reference.columns, strict=True):
        if pa.types.is_string(field.type) and field.name != "other_answers":
            column = pc.if_else(pc.equal(column, ""), pa.scalar(None, field.type), column)
        columns.append(column)
    return pa.table(columns, schema=reference.schema)


def _check_jsonl(path: Path, reference: Any) -> str | None:
    kinds = _kinds(reference)

    def rows() -> Iterator[tuple[list[str], list[Any]]]:
        with open(path, encoding="utf-8") as f:
            for line in f:
                obj = json.loads(line)
                yield list(obj), [
                    _time(v) if kinds[n] == "time" and v is not None else v for n, v in obj.items()
                ]

    return _first_difference(rows(), reference, kinds)


CHECKS = {"parquet": _check_parquet, "csv": _check_csv, "jsonl": _check_jsonl}


if __name__ == "__main__":
    sys.exit(main())
