"""What the benchmarks share: the fake in a process of its own, contenders in fresh child
processes that report their own wall time, CPU time and peak RSS, medians, and a JSON summary
that ``run_all.py`` gathers into one table.

Before any figure is printed, every contender's whole result must agree with the others'
(``require_same_results``): a digest of every field of every row, canonicalised.

Peak RSS is the child's ``VmHWM`` (Linux), the high-water mark of its own address space. Not
``ru_maxrss``: a child started by ``subprocess`` (vfork + exec) inherits its parent's peak RSS
there, so a big parent would hide a small contender. Elsewhere ``ru_maxrss`` is the fallback.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEED = 7  # every benchmark serves the same generated data

# Starts a FakeHotjar, prints what a client needs as one JSON line, serves until stdin closes.
_FAKE_SERVER = """
import json, sys
from hotjar_client.testing import FakeHotjar
counts = [int(n) for n in sys.argv[2].split(",")]
with FakeHotjar(int(sys.argv[1]), responses_per_survey=counts, rate_limit=None) as fake:
    print(json.dumps({"url": fake.url, "site_id": fake.site_id, "client_id": fake.client_id,
                      "client_secret": fake.client_secret, "survey_ids": fake.survey_ids}),
          flush=True)
    sys.stdin.read()
"""

# What every contender's child process can use, whatever benchmark runs it: its own peak RSS,
# and a digest of a whole result, so that contenders are compared on every field they return.
CHILD_HELPERS = """
import hashlib, json, resource, sys

def peak_rss_mb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024

def canonical(value):
    \"\"\"One text for a value, whatever built it: keys sorted, no spacing, unicode kept.\"\"\"
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

def result_digest(rows):
    \"\"\"The rows in order, every field: a digest of the whole, and one per field (a field
    missing from a row counts as absent there), to say where contenders differ.\"\"\"
    whole, fields = hashlib.sha256(), {}
    for index, row in enumerate(rows):
        whole.update(canonical(row).encode() + b"\\n")
        for key, value in row.items():
            field = fields.setdefault(key, hashlib.sha256())
            field.update(f"{index}:{canonical(value)}\\n".encode())
    return {"rows": len(rows), "digest": whole.hexdigest(),
            "fields": {key: h.hexdigest()[:16] for key, h in sorted(fields.items())}}
"""

# Put before every contender's code: the fake's address and credentials, and `report`, which
# prints the one JSON line the harness reads (the contender's own figures plus `extra`).
PRELUDE = CHILD_HELPERS + """
import os, time
URL, SITE, SURVEY = os.environ["HOTJAR_BASE_URL"], os.environ["HOTJAR_SITE_ID"], sys.argv[1]
CID, SECRET = os.environ["HOTJAR_CLIENT_ID"], os.environ["HOTJAR_CLIENT_SECRET"]
SURVEY_URL = f"{URL}/v1/sites/{SITE}/surveys/{SURVEY}"
PAGES = f"{SURVEY_URL}/responses"
TOKEN = {"grant_type": "client_credentials", "client_id": CID, "client_secret": SECRET}

def measure(started):
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": peak_rss_mb()}

def report(figures, **extra):
    print(json.dumps({**figures, **extra}))
"""


@dataclass(frozen=True)
class Fake:
    """A fake Hotjar API serving from another process."""

    url: str
    site_id: str
    client_id: str
    client_secret: str
    survey_ids: list[str]

    def client(self) -> Any:
        """A hotjar_client Client on this fake, limiter off (for the harness's own look-ups)."""
        import hotjar_client as hj

        return hj.Client(
            self.client_id,
            self.client_secret,
            site_id=self.site_id,
            base_url=self.url,
            requests_per_minute=None,
        )

    def env(self) -> dict[str, str]:
        return dict(
            os.environ,
            HOTJAR_BASE_URL=self.url,
            HOTJAR_SITE_ID=self.site_id,
            HOTJAR_CLIENT_ID=self.client_id,
            HOTJAR_CLIENT_SECRET=self.client_secret,
        )


@contextlib.contextmanager
def fake_server(responses_per_survey: Sequence[int], seed: int = SEED) -> Iterator[Fake]:
    """Serves a fake with one survey per count (rate limit off) from a child process, so that
    neither its memory nor its CPU time counts against the process that measures."""
    counts = ",".join(str(n) for n in responses_per_survey)
    with serve(_FAKE_SERVER, str(seed), counts) as (_, fake):
        yield fake


@contextlib.contextmanager
def serve(script: str, *args: str) -> Iterator[tuple[subprocess.Popen[str], Fake]]:
    """Runs ``script`` (which prints the fake's address and credentials as its first line,
    then serves until stdin closes) in a child process; yields the process and the fake."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"the fake did not start (exit code {process.wait()})")
        yield process, Fake(**json.loads(line))
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(name: str, code: str, fake: Fake, *args: str, timeout: float = 900) -> dict[str, Any]:
    """Runs PRELUDE + code in a fresh interpreter with ``args`` as argv[1:]; returns its report."""
    script = textwrap.dedent(PRELUDE) + textwrap.dedent(code)
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=fake.env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def require_same_results(
    results: dict[str, list[dict[str, Any]]], keys: Sequence[str], what: str
) -> None:
    """Refuses to go on (no figure is printed) unless every run of every contender reported the
    same ``keys`` (a digest of its whole result, counts...). On a difference, says which
    contender and run differs from the first, in which key, and for ``fields`` in which fields.
    """
    runs = [(name, i, run) for name, rs in results.items() for i, run in enumerate(rs)]
    if not runs:
        raise SystemExit(f"no result to compare for {what}")
    first_name, _, first = runs[0]
    problems = []
    for name, index, run in runs[1:]:
        for key in keys:
            if run.get(key) == first.get(key):
                continue
            if isinstance(first.get(key), dict) and isinstance(run.get(key), dict):
                mine, theirs = run[key], first[key]
                differ = sorted(
                    k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k)
                )
                problems.append(
                    f"{name} (run {index + 1}) vs {first_name}: {key} differ in {differ}"
                )
            else:
                problems.append(
                    f"{name} (run {index + 1}) vs {first_name}: {key} {run.get(key)!r} "
                    f"vs {first.get(key)!r}"
                )
    if problems:
        raise SystemExit(
            f"contenders disagree on {what}; no figures printed:\n  " + "\n  ".join(problems)
        )


def median(runs: Sequence[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def require(*modules: str) -> None:
    missing = []
    for module in modules:
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise SystemExit(f"missing packages: {', '.join(missing)} (make bench installs them)")


@dataclass
class Summary:
    """One benchmark's result, as run_all.py prints it: a row per contender, then targets."""

    bench: str
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)

    def row(self, contender: str, wall: float, cpu: float, rss_mb: float, **more: Any) -> None:
        self.rows.append(
            {"contender": contender, "wall": wall, "cpu": cpu, "rss_mb": rss_mb, **more}
        )

    def target(self, what: str, measured: float, op: str, goal: float, unit: str = "x") -> None:
        met = measured >= goal if op == ">=" else measured <= goal
        self.targets.append(
            {"what": what, "measured": measured, "op": op, "goal": goal, "unit": unit, "met": met}
        )

    def print_targets(self) -> None:
        for t in self.targets:
            print(f"  target {format_target(t)}")

    def save(self, path: str | None) -> None:
        if path:
            payload = {"bench": self.bench, "title": self.title, "rows": self.rows}
            payload["targets"] = self.targets
            Path(path).write_text(json.dumps(payload, indent=1))


def format_target(t: dict[str, Any]) -> str:
    unit = t["unit"]
    measured = f"{t['measured']:.2f}{unit}" if unit == "x" else f"{t['measured']:.0f} {unit}"
    goal = f"{t['goal']:g}{unit}" if unit == "x" else f"{t['goal']:g} {unit}"
    return f"{t['what']}: {measured} (goal {t['op']} {goal}) {'met' if t['met'] else 'MISSED'}"
