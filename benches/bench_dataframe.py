"""A wide pandas DataFrame (one row per response, one column per question) of a 100k-response
survey: hotjar_client against requests + json + pandas.json_normalize + pivot, the way users
write it today; polars from the same table, for information.

    make bench                       # or: python benches/bench_dataframe.py --responses 100000

The fake runs in a process of its own; each contender runs in a fresh child process, so its
wall time, CPU time and peak RSS are its own. pandas (and polars) are imported before the clock
starts in every contender: the import costs the same whatever builds the frame. pyarrow, which
hotjar_client's to_pandas() uses, is imported inside the clock. Each contender runs --repeat
times, interleaved; the median counts.

Every contender must produce the same frame, cell for cell: the same responses in the same
order and, in every column that holds a value, the same values (compared canonically: a
whole float equals the int, NaN/NA/None are empty, times in UTC); no figure is printed
otherwise.
"""

from __future__ import annotations

import argparse
import sys

from _harness import Summary, fake_server, machine, median, require, require_same_results, run

# Off the clock, each contender reports its frame's cells: per column, a digest of the
# canonical value of every cell in row order (only columns with a value somewhere: an
# all-empty column is the same as no column). The peer's three differently named response
# columns are compared under our names.
CHECKS = """
import datetime, math

RENAME = {"id": "response_id", "window_size.width": "window_width",
          "window_size.height": "window_height"}

def cell(value):
    \"\"\"A cell as a plain value, whichever library built it: NaN, NA and NaT are None, a
    whole float is an int (a null forces floats on some int columns), a time is its UTC text,
    an array is a list.\"\"\"
    import pandas as pd
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_convert("UTC").isoformat()
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).isoformat()
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        value = value.tolist()
    if isinstance(value, float):
        return None if math.isnan(value) else int(value) if value.is_integer() else value
    if isinstance(value, (list, tuple)):
        return [cell(v) for v in value]
    if isinstance(value, dict):
        return {k: cell(v) for k, v in value.items()}
    return value

def attributes(value):
    \"\"\"user_attributes as [name, text] pairs, from a {name: text} dict (pyarrow's map in
    pandas), (key, value) tuples (polars) or the API's {name, value} objects (a value that is
    not a str as its JSON text, as hotjar_client keeps it).\"\"\"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    pairs = []
    for item in value.items() if isinstance(value, dict) else list(value):
        if isinstance(item, dict):
            name, text = item.get("name", item.get("key")), item.get("value")
        else:
            name, text = item
        pairs.append([name, text if isinstance(text, str) or text is None else canonical(text)])
    return pairs

def frame_checks(df):
    import pandas as pd
    if not isinstance(df, pd.DataFrame):
        df = df.to_pandas()
    df = df.rename(columns=RENAME)
    fields = {}
    for name in df.columns:
        convert = attributes if name == "user_attributes" else cell
        values = [convert(v) for v in df[name].tolist()]
        if any(v is not None for v in values):
            fields[name] = hashlib.sha256(canonical(values).encode()).hexdigest()[:16]
    whole = hashlib.sha256(canonical(sorted(fields.items())).encode()).hexdigest()
    return dict(rows=len(df), cols=df.shape[1], digest=whole, fields=fields)
"""

CONTENDERS = {
    "hotjar_client to_pandas()": """
import pandas as pd
import hotjar_client as hj
started = time.perf_counter()
with hj.Client.from_env(requests_per_minute=None) as client:
    df = client.responses_table(SURVEY).to_pandas()
figures = measure(started)
report(figures, **frame_checks(df))
""",
    "requests + json_normalize + pivot": """
import pandas as pd
import requests
started = time.perf_counter()
with requests.Session() as session:
    token = session.post(f"{URL}/v1/oauth/token", data=TOKEN).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    survey = session.get(SURVEY_URL).json()
    rows, params = [], {"limit": 100}
    while True:
        page = session.get(PAGES, params=params)
        page.raise_for_status()
        body = page.json()
        rows.extend(body["results"])
        if not body.get("next_cursor"):
            break
        params["cursor"] = body["next_cursor"]

questions = {q["id"]: q for q in survey["questions"]}

# One row per answer, with its response's id; then one column per question and answer field.
answers = pd.json_normalize(rows, record_path="answers", meta="id")
answers["tags"] = answers["tags"].map(lambda tags: [tag["name"] for tag in tags])
wide = answers.pivot(
    index="id", columns="question_id", values=["answer", "sentiment", "comment", "tags"]
)
wide = wide.dropna(axis="columns", how="all")  # sentiment/comment only where they occur


def column_name(field, question_id):
    text = questions[question_id]["text"] if question_id in questions else question_id
    return text if field == "answer" else f"{text} [{field}]"


wide.columns = [column_name(field, qid) for field, qid in wide.columns]

# The response fields (window_size flattened), then the answers, in the API's order.
df = pd.json_normalize(rows).drop(columns="answers")
df = df.merge(wide, left_on="id", right_index=True, how="left")
df["created_time"] = pd.to_datetime(df["created_time"], utc=True)
for q in survey["questions"]:
    numeric = q["type"] in ("nps", "reaction") or q["type"].startswith("rating")
    if numeric and q["text"] in df:
        df[q["text"]] = pd.to_numeric(df[q["text"]]).astype("Int16")
figures = measure(started)
report(figures, **frame_checks(df))
""",
    "hotjar_client pl.DataFrame(table)": """
import polars as pl
import hotjar_client as hj
started = time.perf_counter()
with hj.Client.from_env(requests_per_minute=None) as client:
    df = pl.DataFrame(client.responses_table(SURVEY))
figures = measure(started)
report(figures, **frame_checks(df))
""",
}

OURS = "hotjar_client to_pandas()"
PEER = "requests + json_normalize + pivot"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-polars", action="store_true", help="skip the polars variant")
    parser.add_argument("--json", metavar="PATH", help="also write the summary here (run_all)")
    args = parser.parse_args(argv)
    require("requests", "pandas", "pyarrow", *(() if args.no_polars else ("polars",)))
    contenders = {
        name: CHECKS + code
        for name, code in CONTENDERS.items()
        if not (args.no_polars and "polars" in code)
    }

    with fake_server([args.responses]) as fake:
        survey_id = fake.survey_ids[0]
        results: dict[str, list[dict]] = {name: [] for name in contenders}
        # Interleave the contenders so that a slow moment of the machine hits all of them.
        for _ in range(args.repeat):
            for name, code in contenders.items():
                results[name].append(run(name, code, fake, survey_id))

    require_same_results(results, ["rows", "digest", "fields"], "the frame's cells")
    if results[OURS][0]["rows"] != args.responses:
        raise SystemExit(f"{results[OURS][0]['rows']} rows, not {args.responses}")

    title = (
        f"2. {args.responses:,} responses as a wide pandas DataFrame, median of {args.repeat} runs"
    )
    summary = Summary("dataframe", title)
    print(f"{title} ({machine()})")
    print(
        f"{'contender':<34} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'cols':>5} "
        f"{'wall vs us':>11} {'RSS vs us':>10}"
    )
    ours_wall, ours_rss = median(results[OURS], "wall"), median(results[OURS], "rss_mb")
    for name, runs in results.items():
        wall, cpu, rss = median(runs, "wall"), median(runs, "cpu"), median(runs, "rss_mb")
        print(
            f"{name:<34} {wall:7.2f} {cpu:7.2f} {rss:8.0f} {runs[0]['cols']:5} "
            f"{wall / ours_wall:10.2f}x {rss / ours_rss:9.2f}x"
        )
        summary.row(name, wall, cpu, rss, wall_ratio=wall / ours_wall, rss_ratio=rss / ours_rss)
    peer_wall, peer_rss = median(results[PEER], "wall"), median(results[PEER], "rss_mb")
    summary.target(f"faster than {PEER}", peer_wall / ours_wall, ">=", 10.0)
    summary.target(f"peak RSS vs {PEER}", ours_rss / peer_rss, "<=", 0.5)
    summary.print_targets()
    summary.save(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
