"""Every response of a 100k-response survey as a list of dicts: hotjar_client against the code
a user would otherwise write (requests + json, httpx + orjson), in one run, on one fake.

    make bench                       # or: python benches/bench_dicts.py --responses 100000

The fake Hotjar API runs in a process of its own; each contender runs in a fresh child
process, so its wall time, CPU time and peak RSS are its own. The fake's rate limit is off and
so is hotjar_client's limiter: the peers do not pace themselves either, and this measures the
client, not the 3000/minute ceiling. Each contender runs --repeat times; the median counts.
"""

from __future__ import annotations

import argparse
import sys

from _harness import Summary, fake_server, machine, median, require, require_same_results, run

# Each contender ends with report(): its figures, then (off the clock) a digest of every field of
# every row it returned.
CONTENDERS = {
    "hotjar_client": """
import hotjar_client as hj
started = time.perf_counter()
with hj.Client.from_env(requests_per_minute=None) as client:
    rows = client.responses(SURVEY)
report(measure(started), **result_digest(rows))
""",
    "requests + json": """
import requests
started = time.perf_counter()
with requests.Session() as session:
    token = session.post(f"{URL}/v1/oauth/token", data=TOKEN).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    rows, params = [], {"limit": 100}
    while True:
        page = session.get(PAGES, params=params)
        page.raise_for_status()
        body = page.json()
        rows.extend(body["results"])
        if not body.get("next_cursor"):
            break
        params["cursor"] = body["next_cursor"]
report(measure(started), **result_digest(rows))
""",
    "httpx + orjson": """
import httpx, orjson
started = time.perf_counter()
with httpx.Client() as http:
    token = orjson.loads(http.post(f"{URL}/v1/oauth/token", data=TOKEN).content)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    rows, params = [], {"limit": 100}
    while True:
        page = http.get(PAGES, params=params, headers=headers)
        page.raise_for_status()
        body = orjson.loads(page.content)
        rows.extend(body["results"])
        if not body.get("next_cursor"):
            break
        params["cursor"] = body["next_cursor"]
report(measure(started), **result_digest(rows))
""",
}

OURS = "hotjar_client"
# Target: how many times hotjar_client's wall time each peer takes, at least.
TARGETS = {"requests + json": 2.0, "httpx + orjson": 1.3}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", metavar="PATH", help="also write the summary here (run_all)")
    args = parser.parse_args(argv)
    require("requests", "httpx", "orjson")

    with fake_server([args.responses]) as fake:
        survey_id = fake.survey_ids[0]
        results: dict[str, list[dict]] = {name: [] for name in CONTENDERS}
        # Interleave the contenders so that a slow moment of the machine hits all of them.
        for _ in range(args.repeat):
            for name, code in CONTENDERS.items():
                results[name].append(run(name, code, fake, survey_id))

    require_same_results(results, ["rows", "digest", "fields"], "the rows")
    if results[OURS][0]["rows"] != args.responses:
        raise SystemExit(f"{results[OURS][0]['rows']} rows, not {args.responses}")

    title = f"1. {args.responses:,} responses as a list of dicts, median of {args.repeat} runs"
    summary = Summary("dicts", title)
    print(f"{title} ({machine()})")
    print(
        f"{'contender':<16} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} "
        f"{'wall vs us':>11} {'RSS vs us':>10}"
    )
    ours_wall, ours_rss = median(results[OURS], "wall"), median(results[OURS], "rss_mb")
    for name, runs in results.items():
        wall, cpu, rss = median(runs, "wall"), median(runs, "cpu"), median(runs, "rss_mb")
        print(
            f"{name:<16} {wall:7.2f} {cpu:7.2f} {rss:8.0f} "
            f"{wall / ours_wall:10.2f}x {rss / ours_rss:9.2f}x"
        )
        summary.row(name, wall, cpu, rss, wall_ratio=wall / ours_wall, rss_ratio=rss / ours_rss)
    for name, goal in TARGETS.items():
        speedup = median(results[name], "wall") / ours_wall
        summary.target(f"faster than {name}", speedup, ">=", goal)
    summary.print_targets()
    summary.save(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
