"""A wide pandas DataFrame (one row per response, one column per question) of a 100k-response
survey: hotjar_client against requests + json + pandas.json_normalize + pivot, the way users
write it today; polars from the same table, for information.

    make bench                       # or: python benches/bench_dataframe.py --responses 100000

The fake runs in a process of its own; each contender runs in a fresh child process, so its
wall time, CPU time and peak RSS are its own. pandas (and polars) are imported before the clock
starts in every contender: the import costs the same whatever builds the frame. pyarrow, which
hotjar_client's to_pandas() uses, is imported inside the clock. Each contender runs --repeat
times, interleaved; the median counts.

Every contender must produce the same frame: the same responses in the same order (checksum of
the ids) and, for every question, the same number of answered cells under the question's text.
"""

from __future__ import annotations

import argparse
import json
import sys

from _harness import Summary, fake_server, machine, median, require, run

# argv[2]: the survey's question texts; report() counts the non-empty cells under each.
CHECKS = """
def pandas_checks(df, ids):
    texts = [t for t in json.loads(sys.argv[2]) if t in df.columns]
    answered = {t: int(df[t].notna().sum()) for t in texts}
    return dict(rows=len(df), cols=df.shape[1], digest=digest(ids), answered=answered)
"""

CONTENDERS = {
    "hotjar_client to_pandas()": """
import pandas as pd
import hotjar_client as hj
started = time.perf_counter()
with hj.Client.from_env(requests_per_minute=None) as client:
    df = client.responses_table(SURVEY).to_pandas()
figures = measure(started)
report(figures, **pandas_checks(df, df["response_id"]))
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
report(figures, **pandas_checks(df, df["id"]))
""",
    "hotjar_client pl.DataFrame(table)": """
import polars as pl
import hotjar_client as hj
started = time.perf_counter()
with hj.Client.from_env(requests_per_minute=None) as client:
    df = pl.DataFrame(client.responses_table(SURVEY))
figures = measure(started)
texts = [t for t in json.loads(sys.argv[2]) if t in df.columns]
answered = {t: len(df) - df[t].null_count() for t in texts}
report(figures, rows=len(df), cols=df.width, digest=digest(df["response_id"]), answered=answered)
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
        with fake.client() as client:
            texts = json.dumps([q["text"] for q in client.get_survey(survey_id)["questions"]])
        results: dict[str, list[dict]] = {name: [] for name in contenders}
        # Interleave the contenders so that a slow moment of the machine hits all of them.
        for _ in range(args.repeat):
            for name, code in contenders.items():
                results[name].append(run(name, code, fake, survey_id, texts))

    seen = {
        json.dumps([r["rows"], r["digest"], r["answered"]]) for rs in results.values() for r in rs
    }
    if len(seen) != 1 or results[OURS][0]["rows"] != args.responses:
        details = {
            name: {k: rs[0][k] for k in ("rows", "cols", "answered")}
            for name, rs in results.items()
        }
        raise SystemExit(f"contenders disagree on the frame: {json.dumps(details, indent=1)}")

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
