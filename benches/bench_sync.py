"""Benchmark 5: the dlt source's incremental run against its first run.

A survey of 100,000 responses loaded by ``hotjar_client.dlt`` into DuckDB (first run); then
100 new responses come in and one of the last hour is completed, and the same pipeline runs
again (incremental run). Figures: requests sent and wall time of each run, as ratios.

    .venv/bin/python benches/bench_sync.py [--responses 100000] [--new 100] [--repeat 1]
                                           [--latency 0.0]

Each run is a fresh interpreter (imports of dlt and hotjar_client inside the clock: a nightly
job pays them too); "floor" is a run that only imports and opens the pipeline. The fake
serves from a process of its own, which takes commands on stdin (add responses, change one,
count requests), so its CPU time counts against neither run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

from _harness import CHILD_HELPERS, SEED, Fake, Summary, machine, median, require, run, serve

# A fake that, after printing its address, answers one JSON command a line on stdin.
_CONTROLLED_FAKE = CHILD_HELPERS + """
from hotjar_client.testing import FakeHotjar
with FakeHotjar(int(sys.argv[1]), responses_per_survey=[int(sys.argv[2])], rate_limit=None,
                latency=float(sys.argv[3])) as fake:
    print(json.dumps({"url": fake.url, "site_id": fake.site_id, "client_id": fake.client_id,
                      "client_secret": fake.client_secret, "survey_ids": fake.survey_ids}),
          flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        survey = fake.survey_ids[0]
        if command["do"] == "grow":
            new = fake.add_responses(survey, command["new"])
            # A partial response of the last hour is completed.
            old = fake.responses(survey)[command["new"] + 5]
            fake.change_response(survey, old["id"])
            answer = {"new": len(new), "changed": old["id"]}
        else:
            truth = fake.responses(survey)
            answer = {"requests": fake.stats()["requests"], "responses": len(truth),
                      "truth": result_digest([{"id": r["id"], "is_complete": r["is_complete"]}
                                              for r in truth])}
        print(json.dumps(answer), flush=True)
"""

# One pipeline run: argv[2] is the folder of the DuckDB file and dlt's working state.
SYNC = """
started = time.perf_counter()
from pathlib import Path
import dlt
import hotjar_client as hj
from hotjar_client.dlt import hotjar_source, sync
folder = Path(sys.argv[2])
with hj.Client(CID, SECRET, site_id=SITE, base_url=URL, requests_per_minute=None) as client:
    pipeline = dlt.pipeline("bench", destination=dlt.destinations.duckdb(str(folder / "h.duckdb")),
                            dataset_name="hotjar", pipelines_dir=str(folder / "pipelines"))
    result = sync(pipeline, hotjar_source(client, [SURVEY]))
    figures = measure(started)
    requests = client.stats()["requests"]
counts = {c.table: [c.added, c.updated, c.rows] for c in result.tables}
assert result.ok, result.failed
with pipeline.sql_client() as sql:
    stored = sql.execute_sql("SELECT response_id, is_complete FROM hotjar.survey_responses "
                             "ORDER BY created_time DESC")
loaded = result_digest([{"id": r[0], "is_complete": r[1]} for r in stored])
report(figures, requests=requests, counts=counts, loaded=loaded)
"""


# The floor of any run: the interpreter, the imports, a pipeline and its (empty) state.
FLOOR = """
started = time.perf_counter()
from pathlib import Path
import dlt
import hotjar_client as hj
from hotjar_client.dlt import hotjar_source, sync
folder = Path(sys.argv[2])
pipeline = dlt.pipeline("floor", destination=dlt.destinations.duckdb(str(folder / "f.duckdb")),
                        dataset_name="hotjar", pipelines_dir=str(folder / "pipelines"))
report(measure(started), requests=0)
"""


class ControlledFake:
    def __init__(self, process: subprocess.Popen[str], fake: Fake) -> None:
        self.process, self.fake = process, fake

    def ask(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())


@contextlib.contextmanager
def controlled_fake(responses: int, latency: float) -> Iterator[ControlledFake]:
    arguments = (str(SEED), str(responses), str(latency))
    with serve(_CONTROLLED_FAKE, *arguments) as (process, fake):
        yield ControlledFake(process, fake)


def one_round(responses: int, new: int, latency: float) -> tuple[dict, dict, dict]:
    with controlled_fake(responses, latency) as control, tempfile.TemporaryDirectory() as tmp:
        survey = control.fake.survey_ids[0]
        floor = run("floor", FLOOR, control.fake, survey, tmp)
        floor["served"] = 0
        first = run("first run", SYNC, control.fake, survey, tmp)
        first["served"] = control.ask(do="count")["requests"]
        grown = control.ask(do="grow", new=new)
        assert grown["new"] == new
        before = control.ask(do="count")["requests"]
        second = run("incremental run", SYNC, control.fake, survey, tmp)
        after = control.ask(do="count")
        second["served"] = after["requests"] - before
        # The incremental run found exactly the new responses, doubled nothing, and left the
        # table as the fake holds it (every id, in order, and the completed response).
        assert second["counts"]["survey_responses"][0] == new, second["counts"]
        assert second["counts"]["survey_responses"][2] == after["responses"], second["counts"]
        assert first["counts"]["survey_responses"][2] == responses, first["counts"]
        if second["loaded"] != after["truth"]:
            raise SystemExit(f"the loaded table differs from the fake: {second['loaded']}")
        return floor, first, second


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds the fake adds to every answer"
    )
    parser.add_argument("--json", help="write the summary here (for run_all.py)")
    args = parser.parse_args(argv)
    require("dlt", "duckdb", "pyarrow")

    rounds = [one_round(args.responses, args.new, args.latency) for _ in range(args.repeat)]
    floors = [f for f, _, _ in rounds]
    firsts = [f for _, f, _ in rounds]
    seconds = [s for _, _, s in rounds]
    title = (
        f"5. dlt source: incremental vs first run, {args.responses:,} responses + "
        f"{args.new} new, latency {args.latency * 1000:.0f} ms ({machine()}, "
        f"median of {args.repeat})"
    )
    print(title)
    print(f"  {'run':<18} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'requests':>9}")
    rows = []
    runs_by_name = [("first run", firsts), ("incremental run", seconds), ("floor", floors)]
    for name, runs in runs_by_name:
        wall, cpu, rss = median(runs, "wall"), median(runs, "cpu"), median(runs, "rss_mb")
        sent = median(runs, "served")
        rows.append((name, wall, cpu, rss, sent))
        print(f"  {name:<18} {wall:7.2f} {cpu:7.2f} {rss:8.0f} {sent:9.0f}")
    (_, wall1, _, _, sent1), (_, wall2, _, _, sent2), (_, wall0, _, _, _) = rows
    print(f"  requests: incremental / first = {sent2 / sent1:.4f} ({sent2:.0f} / {sent1:.0f})")
    print(f"  wall time: incremental / first = {wall2 / wall1:.3f}")
    print(
        "  wall time above the floor (imports, pipeline): incremental / first = "
        f"{(wall2 - wall0) / (wall1 - wall0):.3f}"
    )
    print(f"  incremental counts (added, updated, rows): {seconds[-1]['counts']}")

    summary = Summary("sync", title)
    for name, wall, cpu, rss, sent in rows:
        summary.row(name, wall, cpu, rss, requests=sent, wall_ratio=wall / wall1)
    summary.target("incremental requests / first run's", sent2 / sent1, "<=", 0.01)
    summary.print_targets()
    summary.save(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
