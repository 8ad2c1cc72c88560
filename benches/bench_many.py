"""Many surveys under Hotjar's rate limit: responses_many against a sequential requests loop and
an httpx.AsyncClient + asyncio.gather peer, each against its own fake with 100 ms of added
latency and the 3000 requests/minute limit enforced.

    make bench        # or: python benches/bench_many.py --surveys 40 --responses 2000

One survey's pages come one after another (each cursor comes from the previous page), so with a
100 ms round trip a sequential export is latency-bound; fetching surveys side by side is what
reaches the rate limit. Each contender runs in a fresh child process against a fresh fake (same
seed, same data), so no contender inherits another's rate-limit window. The peers handle a 429
the way their users would: sleep the server's Retry-After, then send again.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import textwrap

from _harness import CHILD_HELPERS, Summary, require_same_results
from hotjar_client.testing import FakeHotjar

# Each contender prints one JSON line: wall seconds, CPU seconds and its own peak RSS (VmHWM, as
# in the other benchmarks: ru_maxrss would be inherited from this process, which runs the fake),
# the 429s it received and surfaced to its caller, and (off the clock) a digest of every field
# of every row, in survey order.
PRELUDE = CHILD_HELPERS + """
import os, time
URL, SITE = os.environ["HOTJAR_BASE_URL"], os.environ["HOTJAR_SITE_ID"]
CID, SECRET = os.environ["HOTJAR_CLIENT_ID"], os.environ["HOTJAR_CLIENT_SECRET"]
CONCURRENCY = int(sys.argv[1])
SURVEYS = f"{URL}/v1/sites/{SITE}/surveys"
TOKEN = {"grant_type": "client_credentials", "client_id": CID, "client_secret": SECRET}

def report(by_survey, started, received_429=0, surfaced_429=0):
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": peak_rss_mb()}
    rows = [r for survey in by_survey for r in survey]
    print(json.dumps({**figures, **result_digest(rows),
                      "received_429": received_429, "surfaced_429": surfaced_429}))
"""

CONTENDERS = {
    "hotjar_client responses_many": """
import hotjar_client as hj
started = time.perf_counter()
with hj.Client.from_env() as client:
    results = client.responses_many(concurrency=CONCURRENCY)
surfaced = sum(isinstance(e, hj.RateLimitError) for e in results.errors.values())
if results.errors:
    print(results, file=sys.stderr)
report(list(results.values()), started, surfaced_429=surfaced)
""",
    "hotjar_client AsyncClient.responses_many": """
import asyncio
import hotjar_client as hj
started = time.perf_counter()
async def main():
    async with hj.AsyncClient.from_env() as client:
        return await client.responses_many(concurrency=CONCURRENCY)
results = asyncio.run(main())
surfaced = sum(isinstance(e, hj.RateLimitError) for e in results.errors.values())
report(list(results.values()), started, surfaced_429=surfaced)
""",
    "requests, sequential loop": """
import requests
started = time.perf_counter()
received = 0
def get(session, url, params):
    global received
    while True:
        page = session.get(url, params=params)
        if page.status_code == 429:
            received += 1
            time.sleep(float(page.headers.get("Retry-After", "1")))
            continue
        page.raise_for_status()
        return page.json()
def every(session, url):
    rows, params = [], {"limit": 100}
    while True:
        body = get(session, url, params)
        rows.extend(body["results"])
        if not body.get("next_cursor"):
            return rows
        params = {"limit": 100, "cursor": body["next_cursor"]}
with requests.Session() as session:
    token = session.post(f"{URL}/v1/oauth/token", data=TOKEN).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    ids = [s["id"] for s in every(session, SURVEYS)]
    by_survey = [every(session, f"{SURVEYS}/{sid}/responses") for sid in ids]
report(by_survey, started, received_429=received)
""",
    "httpx.AsyncClient + asyncio.gather": """
import asyncio
import httpx
started = time.perf_counter()
received = 0
async def get(http, url, params):
    global received
    while True:
        page = await http.get(url, params=params)
        if page.status_code == 429:
            received += 1
            await asyncio.sleep(float(page.headers.get("Retry-After", "1")))
            continue
        page.raise_for_status()
        return page.json()
async def every(http, url):
    rows, params = [], {"limit": 100}
    while True:
        body = await get(http, url, params)
        rows.extend(body["results"])
        if not body.get("next_cursor"):
            return rows
        params = {"limit": 100, "cursor": body["next_cursor"]}
async def main():
    async with httpx.AsyncClient(timeout=120) as http:
        token = (await http.post(f"{URL}/v1/oauth/token", data=TOKEN)).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        ids = [s["id"] for s in await every(http, SURVEYS)]
        return await asyncio.gather(*(every(http, f"{SURVEYS}/{sid}/responses") for sid in ids))
report(asyncio.run(main()), started, received_429=received)
""",
}


def run(name: str, code: str, fake: FakeHotjar, concurrency: int) -> dict:
    env = dict(
        os.environ,
        HOTJAR_BASE_URL=fake.url,
        HOTJAR_SITE_ID=fake.site_id,
        HOTJAR_CLIENT_ID=fake.client_id,
        HOTJAR_CLIENT_SECRET=fake.client_secret,
    )
    script = textwrap.dedent(PRELUDE) + textwrap.dedent(code)
    done = subprocess.run(
        [sys.executable, "-c", script, str(concurrency)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(fake.stats())
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--surveys", type=int, default=40)
    parser.add_argument("--responses", type=int, default=2000, help="per survey")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added per request")
    parser.add_argument("--rate-limit", type=int, default=3000, help="the fake's, per minute")
    parser.add_argument("--concurrency", type=int, default=8, help="for responses_many")
    parser.add_argument("--skip", action="append", default=[], help="a contender to leave out")
    parser.add_argument("--json", help="also write run_all.py's summary to this file")
    args = parser.parse_args()

    missing = [m for m in ("requests", "httpx") if not _importable(m)]
    if missing:
        raise SystemExit(f"missing peers: {', '.join(missing)} (make bench installs them)")

    contenders = {n: c for n, c in CONTENDERS.items() if not any(s in n for s in args.skip)}
    results = {}
    for name, code in contenders.items():
        # A fresh fake each: a contender must not start in another's rate-limit window.
        with FakeHotjar(
            seed=7,
            responses_per_survey=[args.responses] * args.surveys,
            latency=args.latency,
            rate_limit=args.rate_limit,
        ) as fake:
            results[name] = run(name, code, fake, args.concurrency)
        # Progress only: no figure is shown before every result is checked.
        print(f"  {name}: done", file=sys.stderr, flush=True)

    expected = args.surveys * args.responses
    runs = {name: [r] for name, r in results.items()}
    require_same_results(runs, ["rows", "digest", "fields"], "the rows")
    if next(iter(results.values()))["rows"] != expected:
        raise SystemExit(f"{next(iter(results.values()))['rows']} rows, not {expected}")

    ceiling = args.rate_limit / 60
    print(
        f"{args.surveys} surveys x {args.responses:,} responses, {args.latency * 1000:.0f} ms "
        f"added latency, fake limit {args.rate_limit}/min ({ceiling:.0f}/s), responses_many "
        f"concurrency={args.concurrency} ({platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()})"
    )
    print(
        f"{'contender':<42} {'wall s':>7} {'peak MB':>8} {'requests':>8} {'req/s':>6} "
        f"{'of ceiling':>10} "
        f"{'429 sent':>8} {'429 surfaced':>12} {'busiest 1 s':>11} {'wall vs ours':>12}"
    )
    ours_name = "hotjar_client responses_many"
    ours = results.get(ours_name, next(iter(results.values())))["wall"]
    summary = Summary(
        "many",
        f"4. Many surveys ({args.surveys} x {args.responses:,}, "
        f"{args.latency * 1000:.0f} ms, {args.rate_limit}/min)",
    )
    for name, r in results.items():
        rate = r["requests"] / r["wall"]
        print(
            f"{name:<42} {r['wall']:7.2f} {r['rss_mb']:8.0f} {r['requests']:8d} {rate:6.1f} "
            f"{rate / ceiling:9.0%} {r['rate_limited']:8d} {r['surfaced_429']:12d} "
            f"{r['busiest_second']:11d} {r['wall'] / ours:11.2f}x"
        )
        summary.row(name, r["wall"], r["cpu"], r["rss_mb"], wall_ratio=r["wall"] / ours)
    if ours_name in results:
        r = results[ours_name]
        summary.target(
            "share of the 50 requests/s ceiling sustained",
            100 * r["requests"] / r["wall"] / ceiling,
            ">=",
            95,
            "%",
        )
        summary.target("429s surfaced to the caller", r["surfaced_429"], "<=", 0, "429s")
        summary.target("429s the server had to send", r["rate_limited"], "<=", 0, "429s")
        summary.print_targets()
    summary.save(args.json)
    return 0


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
