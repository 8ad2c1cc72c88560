"""notebooks/quickstart.ipynb runs top to bottom in a real kernel, and what it shows is right:
each tagged cell's output is checked against the fake's ground truth."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from hotjar_client.testing import FakeHotjar
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "quickstart.ipynb"
# What the notebook's cells leave behind, read by one more cell after the last.
PROBE = """
import json
print(json.dumps({
    "rows": len(df),
    "breakdown": breakdown.to_dict(orient="index"),
    "nps": nps,
    "answers": int(len(scores)),
    "closed": client.closed,
}))
"""


@pytest.fixture(scope="module")
def run():
    """The notebook executed in a fresh kernel: its cells by tag, and the probe's findings."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    runner = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    with runner.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            runner.execute_cell(cell, index)
        probe = nbformat.v4.new_code_cell(PROBE)
        notebook.cells.append(probe)
        runner.execute_cell(probe, len(notebook.cells) - 1)
        notebook.cells.pop()
    cells = {tag: cell for cell in notebook.cells for tag in cell.metadata.get("tags", [])}
    state = json.loads(stdout(probe))
    return cells, state


def stdout(cell) -> str:
    return "".join(o["text"] for o in cell.outputs if o.get("name") == "stdout")


def data(cell, mime: str) -> str:
    found = [o["data"][mime] for o in cell.outputs if mime in o.get("data", {})]
    assert found, f"no {mime} output in {cell.source[:60]!r}"
    return found[-1]


@pytest.fixture(scope="module")
def truth():
    """What the notebook should find, computed from the fake's data without the client."""
    with FakeHotjar(seed=7) as fake, fake.client() as client:
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
    return {
        "surveys": surveys,
        "rows": len(responses),
        "scores": scores,
        "nps": promoters - detractors,
        "promoters": promoters,
        "detractors": detractors,
        "breakdown": breakdown,
    }


def test_every_cell_ran_without_an_error(run):
    cells, _ = run
    for cell in cells.values():
        assert not [o for o in cell.outputs if o["output_type"] == "error"], cell.source


def test_the_client_shows_without_its_secret(run):
    cells, _ = run
    text = data(cells["client"], "text/plain")
    assert text.startswith("<hotjar_client.Client site_id='987654' organization_id='445566'")
    assert "fake-secret" not in text
    assert data(cells["connection"], "text/plain") == "{'expires_in': 3600.0}"


def test_the_surveys_show_as_an_html_table(run, truth):
    cells, _ = run
    page = data(cells["surveys"], "text/html")
    assert page.count("<tr>") == 1 + len(truth["surveys"])
    for survey in truth["surveys"]:
        assert f"<td>{survey['id']}</td>" in page


def test_the_wide_dataframe_has_one_row_per_response(run, truth):
    cells, state = run
    assert stdout(cells["wide"]).startswith(f"{truth['rows']} responses, ")
    assert state["rows"] == truth["rows"]
    assert "<table" in data(cells["wide"], "text/html")


def test_the_sentiment_breakdown_matches_the_answers(run, truth):
    cells, state = run
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
    cells, state = run
    assert state["answers"] == len(truth["scores"])
    assert state["nps"] == pytest.approx(truth["nps"])
    assert stdout(cells["nps"]) == (
        f"NPS: {truth['nps']:+.1f} ({len(truth['scores'])} answers, "
        f"{truth['promoters']:.1f}% promoters, {truth['detractors']:.1f}% detractors)\n"
    )
    assert data(cells["nps-plot"], "image/png")


def test_the_user_lookup_is_sent_and_shows_the_email_masked(run):
    cells, _ = run
    shown = data(cells["lookup"], "text/plain")
    assert "'action': 'lookup'" in shown
    assert "'email': 'j***@example.com'" in shown
    assert "'http_status': 200" in shown
    assert "jane.doe@example.com" not in shown
    received = data(cells["received"], "text/plain")
    assert received.count("'action': 'lookup'") == 1
    assert "'email': 'j***@example.com'" in received


def test_the_notebook_closes_what_it_opened(run):
    _, state = run
    assert state["closed"] is True
