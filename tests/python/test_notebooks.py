"""notebooks/quickstart.ipynb runs top to bottom in a real kernel, and what it shows is right:
each tagged cell's output is checked against the fake's ground truth.

The notebook is committed with its outputs, so that a reader browsing it sees the tables and
the plots. They must be the outputs of the code as it is: the committed outputs must equal a
fresh run's, apart from what changes from run to run (the time of a request, the fake's port,
object addresses). Images are compared by their size in pixels, not byte for byte: the same
plot renders to different PNG bytes with another matplotlib or FreeType, and what a plot shows
is checked through the numbers it is drawn from. `make notebook` (HOTJAR_REGENERATE_NOTEBOOKS=1)
writes a fresh run's outputs into the file.
"""

from __future__ import annotations

import ast
import base64
import copy
import json
import os
import re
import struct
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
import pytest
from hotjar_client.testing import FakeHotjar
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "quickstart.ipynb"
# The fake the notebook's first cell starts (checked against its source below).
FAKE = {"seed": 7, "responses_per_survey": [20_000, 250, 0, 100, 37]}
REGENERATE = os.environ.get("HOTJAR_REGENERATE_NOTEBOOKS") == "1"
# What the notebook's cells leave behind, read by one more cell after the last.
PROBE = """
import json
print(json.dumps({
    "rows": len(df),
    "breakdown": breakdown.to_dict(orient="index"),
    "sentiment_order": list(breakdown.columns),
    "nps": nps,
    "answers": int(len(scores)),
    "weekly": {str(week): [int(row.answers), row.nps] for week, row in weekly.iterrows()},
    "options": {o: int(n) for o, n in chosen.sum().items()},
    "tags": {t: int(n) for t, n in tags.value_counts().items()},
    "exported": summary["responses"],
    "export_removed": not folder.exists(),
    "closed": client.closed,
}))
"""


@pytest.fixture(scope="module")
def committed():
    return nbformat.read(NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def run(committed):
    """The notebook executed in a fresh kernel: its cells by tag, the probe's findings, and
    the executed notebook."""
    notebook = copy.deepcopy(committed)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    runner = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    with runner.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            runner.execute_cell(cell, index)
        probe = nbformat.v4.new_code_cell(PROBE)
        notebook.cells.append(probe)
        runner.execute_cell(probe, len(notebook.cells) - 1)
        notebook.cells.pop()
    if REGENERATE:
        nbformat.write(notebook, NOTEBOOK)
    cells = {tag: cell for cell in notebook.cells for tag in cell.metadata.get("tags", [])}
    state = json.loads(stdout(probe))
    return cells, state, notebook


def stdout(cell) -> str:
    return "".join(o["text"] for o in cell.outputs if o.get("name") == "stdout")


def data(cell, mime: str) -> str:
    found = [o["data"][mime] for o in cell.outputs if mime in o.get("data", {})]
    assert found, f"no {mime} output in {cell.source[:60]!r}"
    return found[-1]


@pytest.fixture(scope="module")
def truth():
    """What the notebook should find, computed from the fake's data without the client."""
    with FakeHotjar(**FAKE) as fake, fake.client() as client:
        survey_id = fake.survey_ids[0]
        questions = client.get_survey(survey_id)["questions"]
        responses = fake.responses(survey_id)
        surveys = fake.surveys(with_questions=False)
    text = {q["id"]: q["text"] for q in questions}
    nps_id = next(q["id"] for q in questions if q["type"] == "nps")
    scores = [
        int(a["answer"])
        for r in responses
        for a in r["answers"]
        if a["question_id"] == nps_id and a["answer"] not in (None, "")
    ]
    sentiments: dict[str, Counter] = {}
    for r in responses:
        for a in r["answers"]:
            if a["sentiment"]:
                sentiments.setdefault(text[a["question_id"]], Counter())[a["sentiment"]] += 1
    breakdown = {
        question: {s: round(100 * n / sum(c.values()), 1) for s, n in c.items()}
        for question, c in sentiments.items()
    }
    promoters = 100 * sum(s >= 9 for s in scores) / len(scores)
    detractors = 100 * sum(s <= 6 for s in scores) / len(scores)
    # Weeks end on Sunday (pandas' "W"), in UTC.
    by_week: dict[str, list[int]] = {}
    for r in responses:
        for a in r["answers"]:
            if a["question_id"] == nps_id and a["answer"] not in (None, ""):
                day = datetime.fromisoformat(r["created_time"]).date()
                week = day + timedelta(days=6 - day.weekday())
                by_week.setdefault(str(week), []).append(int(a["answer"]))
    weekly = {
        week: [len(s), 100 * (sum(x >= 9 for x in s) - sum(x <= 6 for x in s)) / len(s)]
        for week, s in sorted(by_week.items())
    }
    multiple = next(q for q in questions if q["type"] == "multiple-option")
    picked = [
        a["answer"]
        for r in responses
        for a in r["answers"]
        if a["question_id"] == multiple["id"] and a["answer"] is not None
    ]
    options = {c["text"]: sum(c["text"] in a for a in picked) for c in multiple["choices"]}
    tags = Counter(t["name"] for r in responses for a in r["answers"] for t in a["tags"])
    devices = Counter(r["device"] for r in responses)
    return {
        "surveys": surveys,
        "rows": len(responses),
        "scores": scores,
        "nps": promoters - detractors,
        "promoters": promoters,
        "detractors": detractors,
        "breakdown": breakdown,
        "weekly": weekly,
        "options": options,
        "tags": dict(tags),
        "devices": devices,
    }


def test_every_cell_ran_without_an_error(run):
    cells, _, _ = run
    for cell in cells.values():
        assert not [o for o in cell.outputs if o["output_type"] == "error"], cell.source


def test_the_client_shows_without_its_secret(run):
    cells, _, _ = run
    text = data(cells["client"], "text/plain")
    assert text.startswith("<hotjar_client.Client site_id='987654' organization_id='445566'")
    assert "fake-secret" not in text
    assert data(cells["connection"], "text/plain") == "{'expires_in': 3600.0}"


def test_the_surveys_show_as_an_html_table(run, truth):
    cells, _, _ = run
    page = data(cells["surveys"], "text/html")
    assert page.count("<tr>") == 1 + len(truth["surveys"])
    for survey in truth["surveys"]:
        assert f"<td>{survey['id']}</td>" in page


def test_the_wide_dataframe_has_one_row_per_response(run, truth):
    cells, state, _ = run
    assert stdout(cells["wide"]).startswith(f"{truth['rows']} responses, ")
    assert state["rows"] == truth["rows"]
    assert "<table" in data(cells["wide"], "text/html")


def test_the_sentiment_breakdown_matches_the_answers(run, truth):
    cells, state, _ = run
    found = {
        question: {s: v for s, v in shares.items() if v}
        for question, shares in state["breakdown"].items()
    }
    assert found == truth["breakdown"]
    assert len(found) >= 2  # more than one question carries sentiment
    shown = data(cells["sentiment"], "text/plain")
    for question in truth["breakdown"]:
        assert question[:20] in shown


def test_the_nps_score_and_its_plot(run, truth):
    cells, state, _ = run
    assert state["answers"] == len(truth["scores"])
    assert state["nps"] == pytest.approx(truth["nps"])
    assert stdout(cells["nps"]) == (
        f"NPS: {truth['nps']:+.1f} ({len(truth['scores'])} answers, "
        f"{truth['promoters']:.1f}% promoters, {truth['detractors']:.1f}% detractors)\n"
    )
    assert data(cells["nps-plot"], "image/png")


def test_the_user_lookup_is_sent_and_shows_the_email_masked(run):
    cells, _, _ = run
    shown = data(cells["lookup"], "text/plain")
    assert "'action': 'lookup'" in shown
    assert "'email': 'j***@example.com'" in shown
    assert "'http_status': 200" in shown
    assert "jane.doe@example.com" not in shown
    received = data(cells["received"], "text/plain")
    assert received.count("'action': 'lookup'") == 1
    assert "'email': 'j***@example.com'" in received


def test_the_notebook_closes_what_it_opened(run):
    _, state, _ = run
    assert state["closed"] is True


def test_the_notebook_starts_the_fake_these_tests_check(committed):
    call = next(
        node
        for node in ast.walk(ast.parse(committed.cells[1].source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "FakeHotjar"
    )
    assert {k.arg: ast.literal_eval(k.value) for k in call.keywords} == FAKE


def test_sentiment_columns_come_in_a_fixed_order(run):
    cells, state, _ = run
    assert state["sentiment_order"] == ["negative", "neutral", "positive"]
    shown = data(cells["sentiment"], "text/plain").splitlines()
    assert shown[0].split()[-3:] == ["negative", "neutral", "positive"]


def test_polars_and_duckdb_read_the_same_table(run, truth):
    cells, _, _ = run
    page = data(cells["polars"], "text/html")
    for device, count in truth["devices"].items():
        assert f"&quot;{device}&quot;" in page or f">{device}<" in page
        assert f"<td>{count}</td>" in page
    shown = data(cells["duckdb"], "text/plain")
    assert "country" in shown and "mean_score" in shown
    assert len(shown.splitlines()) == 1 + 5


def test_the_weekly_nps_trend_matches_the_answers(run, truth):
    cells, state, _ = run
    assert len(truth["weekly"]) >= 5, "the fake's data should span several weeks"
    assert list(state["weekly"]) == list(truth["weekly"])
    for week, (answers, nps) in truth["weekly"].items():
        assert state["weekly"][week][0] == answers
        assert state["weekly"][week][1] == pytest.approx(nps, abs=0.051)
    assert data(cells["weekly-plot"], "image/png")


def test_multiple_choice_answers_are_split_into_the_questions_options(run, truth):
    _, state, _ = run
    assert state["options"] == truth["options"]
    assert all(truth["options"].values())


def test_tags_are_counted(run, truth):
    cells, state, _ = run
    assert state["tags"] == truth["tags"]
    assert len(truth["tags"]) >= 3
    assert "answers" in data(cells["tags"], "text/plain")


def test_the_export_holds_every_response_and_is_cleaned_up(run, truth):
    cells, state, _ = run
    assert state["exported"] == truth["rows"]
    assert state["export_removed"]
    assert "Int16" in data(cells["export"], "text/plain")


def test_an_error_shows_its_class_status_and_advice(run):
    cells, _, _ = run
    assert stdout(cells["error"]).startswith("NotFoundError (HTTP 404): ")


# --- the committed outputs ------------------------------------------------------------------

VOLATILE = [
    # The time a request was answered (data times are whole seconds and do not change).
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"), "<time>"),
    (re.compile(r"(127\.0\.0\.1|localhost):\d+"), r"\1:<port>"),
    (re.compile(r"0x[0-9a-f]{6,}"), "0x<address>"),
]


def png_size(encoded: str) -> tuple[int, int]:
    header = base64.b64decode(encoded)[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def comparable(cell) -> list:
    """A cell's outputs with what changes between runs replaced, images by their size."""

    def text(value):
        value = "".join(value) if isinstance(value, list) else value
        for pattern, replacement in VOLATILE:
            value = pattern.sub(replacement, value)
        return value

    found = []
    for output in cell.get("outputs", []):
        kept = {"type": output["output_type"]}
        if "text" in output:
            kept["text"] = text(output["text"])
        for mime, value in output.get("data", {}).items():
            kept[mime] = f"png {png_size(value)}" if mime == "image/png" else text(value)
        found.append(kept)
    return [cell.get("execution_count"), found]


def test_the_committed_outputs_are_those_of_a_fresh_run(run, committed):
    _, _, fresh = run
    if REGENERATE:  # the file was just written: check what it now holds
        committed = nbformat.read(NOTEBOOK, as_version=4)
    assert [c.source for c in committed.cells] == [c.source for c in fresh.cells]
    stale = [
        index
        for index, (old, new) in enumerate(zip(committed.cells, fresh.cells, strict=True))
        if comparable(old) != comparable(new)
    ]
    assert not stale, (
        f"cells {stale} of {NOTEBOOK.name} show outputs the code no longer gives: run "
        "`make notebook` and commit the notebook"
    )
    silent = {"close"}  # the cells that show nothing
    shown = [c for c in committed.cells if c.cell_type == "code"]
    assert all(c.outputs for c in shown if not silent & set(c.metadata.get("tags", []))), (
        "the notebook is committed without its outputs: run `make notebook`"
    )
