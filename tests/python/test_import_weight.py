"""What `import hotjar_client` costs a synchronous user: the heavy standard modules that only
some calls need (asyncio pulls in ssl, about 9 MB of memory; check_api's module pulls in
dataclasses and inspect, about 15 ms) are imported by those calls."""

from __future__ import annotations

import json
import subprocess
import sys

LAZY = [
    "asyncio",
    "ssl",
    "pandas",
    "polars",
    "pyarrow",
    "dlt",
    "tqdm",
    "hotjar_client._check",
    "dataclasses",
]


def _modules_after(code: str) -> set[str]:
    run = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return set(json.loads(run.stdout.splitlines()[-1]))


def test_import_and_a_sync_client_leave_the_heavy_modules_unloaded():
    loaded = _modules_after(
        "import hotjar_client as hj\n"
        "with hj.testing.FakeHotjar(seed=1) as fake:\n"
        "    with fake.client() as client:\n"
        "        client.list_surveys()\n"
    )
    assert "hotjar_client" in loaded
    assert not loaded & set(LAZY), sorted(loaded & set(LAZY))


def test_the_async_client_still_finds_asyncio():
    loaded = _modules_after(
        "import asyncio, hotjar_client as hj\n"
        "async def main():\n"
        "    with hj.testing.FakeHotjar(seed=1) as fake:\n"
        "        async with fake.async_client() as client:\n"
        "            await client.list_surveys()\n"
        "asyncio.run(main())\n"
    )
    assert "asyncio" in loaded


def test_check_api_types_load_when_first_used():
    loaded = _modules_after(
        "import hotjar_client as hj\n"
        "from hotjar_client import ApiCheck\n"
        "assert hj.Difference.__name__ == 'Difference' and ApiCheck.__name__ == 'ApiCheck'\n"
        "try:\n"
        "    hj.NoSuchName\n"
        "except AttributeError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('an unknown name must raise AttributeError')\n"
    )
    assert "hotjar_client._check" in loaded
