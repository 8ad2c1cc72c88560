"""Every response of a 100k-response survey as a list of dicts: hotjar_client against the code
a user would otherwise write (requests + json, httpx + orjson), in one run, on one fake.

    make bench                       # or: python benches/bench_dicts.py --responses 100000

The fake Hotjar API runs in this process; each contender runs in a fresh child process, so its
wall time, CPU time and peak RSS are its own. The fake's rate limit is off and so is
hotjar_client's limiter: the peers do not pace themselves either, and this measures the
client, not the 3000/minute ceiling. Each contender runs --repeat times; the median counts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import textwrap

from hotjar_client.testing import FakeHotjar

# Each contender prints one JSON line: rows fetched, a checksum of their ids, wall seconds.
PRELUDE = """
import hashlib, json, os, resource, sys, time
URL, SITE, SURVEY = os.environ["HOTJAR_BASE_URL"], os.environ["HOTJAR_SITE_ID"], sys.argv[1]
CID, SECRET = os.environ["HOTJAR_CLIENT_ID"], os.environ["HOTJAR_CLIENT_SECRET"]
PAGES = f"{URL}/v1/sites/{SITE}/surveys/{SURVEY}/responses"
TOKEN = {"grant_type": "client_credentials", "client_id": CID, "client_secret": SECRET}

def report(rows, started):
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    digest = hashlib.sha1("".join(r["id"] for r in rows).encode()).hexdigest()
    print(json.dumps({"rows": len(rows), "digest": digest, "wall": wall,
                      "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}))
"""

CONTENDERS = {
    "hotjar_client": """
import hotjar_client as hj
started = time.perf_counter()
with hj.Client.from_env(requests_per_minute=None) as client:
    rows = client.responses(SURVEY)
report(rows, started)
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
report(rows, started)
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
report(rows, started)
""",
}


def run(name: str, code: str, fake: FakeHotjar, survey_id: str) -> dict:
    env = dict(
        os.environ,
        HOTJAR_BASE_URL=fake.url,
        HOTJAR_SITE_ID=fake.site_id,
        HOTJAR_CLIENT_ID=fake.client_id,
        HOTJAR_CLIENT_SECRET=fake.client_secret,
    )
    script = textwrap.dedent(PRELUDE) + textwrap.dedent(code)
    done = subprocess.run(
        [sys.executable, "-c", script, survey_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    missing = [m for m in ("requests", "httpx", "orjson") if not _importable(m)]
    if missing:
        raise SystemExit(f"missing peers: {', '.join(missing)} (make bench installs them)")

    with FakeHotjar(seed=7, responses_per_survey=[args.responses], rate_limit=None) as fake:
        survey_id = fake.survey_ids[0]
        results: dict[str, list[dict]] = {name: [] for name in CONTENDERS}
        # Interleave the contenders so that a slow moment of the machine hits all of them.
        for _ in range(args.repeat):
            for name, code in CONTENDERS.items():
                results[name].append(run(name, code, fake, survey_id))

    digests = {r["digest"] for runs in results.values() for r in runs}
    counts = {r["rows"] for runs in results.values() for r in runs}
    if len(digests) != 1 or counts != {args.responses}:
        raise SystemExit(f"contenders disagree on the data: rows {counts}, digests {digests}")

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    ours = "hotjar_client"
    print(
        f"{args.responses:,} responses as a list of dicts, median of {args.repeat} runs "
        f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()})"
    )
    print(
        f"{'contender':<16} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} "
        f"{'wall vs us':>11} {'RSS vs us':>10}"
    )
    for name in CONTENDERS:
        wall, cpu, rss = median(name, "wall"), median(name, "cpu"), median(name, "rss_mb")
        print(
            f"{name:<16} {wall:7.2f} {cpu:7.2f} {rss:8.0f} "
            f"{wall / median(ours, 'wall'):10.2f}x {rss / median(ours, 'rss_mb'):9.2f}x"
        )
    return 0


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
