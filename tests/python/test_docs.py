"""Every code block of the README and of docs/ runs, against the fake: a snippet that rots
fails here.

How the pages are run, as a reader pasting their blocks one after another would:

- A page's ``python`` blocks share one namespace, and all its blocks one working folder (a
  fresh temporary one), in the order they appear. ``sh`` blocks run in bash (``-e``: every
  command must succeed) with this interpreter's scripts on the PATH.
- Each page gets its own ``FakeHotjar``, and the ``HOTJAR_*`` variables point at it (dlt's
  state goes to the page's folder too). What a
  reader would replace is replaced (``PLACEHOLDERS``): the key ``your-client-id`` /
  ``your-client-secret`` (in Python a literal secret also gets ``base_url=`` the fake's), and
  the survey ids 1234567 and 7654321. The site id 987654 and organization id 445566 of the
  examples are the fake's own.
- A ``text`` block right after a ``python`` block is that block's printed output, compared
  exactly (trailing spaces aside).
- ``<!-- docs: skip (reason) -->`` just before a block skips it, for what truly cannot run
  here: installs from the network, servers that run until stopped, the contributor commands.
- Other languages (``toml``, ``cron``, ...) are not run; a language this file does not know
  is an error, so a block cannot escape the tests by a typo.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hotjar_client.testing import FakeHotjar

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
RUN = {"python", "sh"}
NOT_RUN = {"text", "toml", "json", "yaml", "csv", "cron"}
FENCE = re.compile(r"^```(\S*)\s*$")
SKIP = re.compile(r"^<!-- docs: skip \((?P<reason>[^)]+)\) -->$")


@dataclass
class Block:
    language: str
    source: str
    line: int  # of the first line of code, 1-based
    skip: str | None  # the reason, when marked to skip
    output: str | None = None  # the text block that follows a python block


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a page, each python block with the text block that follows it."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    index, previous = 0, ""
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            if lines[index].strip():
                previous = lines[index].strip()
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        assert end < len(lines), f"{page.name}:{index + 1}: the block is never closed"
        skip = SKIP.match(previous)
        block = Block(
            opening[1], "\n".join(lines[index + 1 : end]) + "\n", index + 2, skip and skip[1]
        )
        follows = found and found[-1].language == "python" and previous == "```"
        if block.language == "text" and follows and found[-1].output is None:
            found[-1].output = block.source
        else:
            found.append(block)
        index, previous = end + 1, "```"
    return found


def substitute(source: str, language: str, fake: FakeHotjar) -> str:
    ids = fake.survey_ids
    if language == "python":
        source = source.replace(
            '"your-client-secret"', f"{fake.client_secret!r}, base_url={fake.url!r}"
        )
    for placeholder, value in {
        "your-client-id": fake.client_id,
        "your-client-secret": fake.client_secret,
        "1234567": ids[0],
        "7654321": ids[1],
    }.items():
        source = source.replace(placeholder, value)
    return source


def run_python(block: Block, source: str, namespace: dict, page: Path) -> str:
    # Blank lines first, so a traceback points at the line of the page.
    code = compile(
        "\n" * (block.line - 1) + source,
        str(page),
        "exec",
        flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
    )
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = eval(code, namespace)
        if asyncio.iscoroutine(result):  # a block with a top-level await, as in Jupyter
            asyncio.run(result)
    return printed.getvalue()


def run_sh(block: Block, source: str, cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", source],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (
        f"line {block.line}: exit {done.returncode}\n{source}\n{done.stdout}\n{done.stderr}"
    )


def same_text(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


RUNNABLE = [page for page in PAGES if any(b.language in RUN for b in blocks(page))]


@pytest.mark.parametrize("page", RUNNABLE, ids=[str(p.relative_to(ROOT)) for p in RUNNABLE])
def test_every_block_of_the_page_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with FakeHotjar(seed=7) as fake:
        variables = {
            "HOTJAR_CLIENT_ID": fake.client_id,
            "HOTJAR_CLIENT_SECRET": fake.client_secret,
            "HOTJAR_SITE_ID": fake.site_id,
            "HOTJAR_ORGANIZATION_ID": fake.organization_id,
            "HOTJAR_BASE_URL": fake.url,
        }
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        # dlt keeps pipelines' state under ~/.dlt: here, under the page's folder.
        monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / ".dlt"))
        scripts = str(Path(sys.executable).parent)
        env = {**os.environ, "PATH": scripts + os.pathsep + os.environ.get("PATH", "")}
        namespace: dict = {"__name__": "__main__"}
        for block in blocks(page):
            if block.skip or block.language not in RUN:
                continue
            source = substitute(block.source, block.language, fake)
            if block.language == "sh":
                run_sh(block, source, tmp_path, env)
                continue
            printed = run_python(block, source, namespace, page)
            if block.output is not None:
                assert same_text(printed) == same_text(block.output), (
                    f"{page.name}:{block.line}: the block printed something else than the "
                    "text block after it says"
                )


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_block_is_run_or_knowingly_not(page):
    for block in blocks(page):
        known = RUN | NOT_RUN
        assert block.language in known, (
            f"{page.name}:{block.line}: a ```{block.language} block: use one of {sorted(known)}"
        )
        if block.language == "text":
            assert not block.skip, f"{page.name}:{block.line}: a text block is never run"


def test_the_rules_above_hold(tmp_path):
    # The reader of a failure trusts this file's parsing: a tiny page with each case.
    page = tmp_path / "page.md"
    page.write_text(
        "Intro\n\n```python\nprint(1)\n```\n\n```text\n1\n```\n\n"
        "<!-- docs: skip (installs from the network) -->\n```sh\npip install x\n```\n"
        "Then\n```sh\ntrue\n```\n"
    )
    found = blocks(page)
    assert [(b.language, b.line, b.skip, b.output) for b in found] == [
        ("python", 4, None, "1\n"),
        ("sh", 13, "installs from the network", None),
        ("sh", 17, None, None),
    ]
