"""Real-API fidelity (issue 12): opaque ids, open enums, error bodies of any shape, the page
size always sent, ``check_api`` / ``check --deep``, and ``record`` / ``from_recording``."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import hotjar_client as hj
import pytest
from helpers import FAST_BACKOFF, api_requests
from hotjar_client import cli
from hotjar_client.recording import record, same_shape
from hotjar_client.testing import FakeHotjar

# --- opaque ids --------------------------------------------------------------------------------


def test_opaque_ids_look_like_contentsquare_ids():
    with FakeHotjar(id_style="opaque", responses_per_survey=[3]) as fake, fake.client() as c:
        (sid,) = fake.survey_ids
        assert re.fullmatch(
            r"survey_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", sid
        )
        question = c.get_survey(sid)["questions"][1]
        assert re.fullmatch(r"question_[0-9a-f-]{36}_1", question["id"])
        rows = c.responses(sid)
        assert rows == fake.responses(sid)
        assert all(re.fullmatch(r"[0-9a-f-]{36}", r["id"]) for r in rows)


def test_a_survey_id_with_reserved_characters_stays_one_path_segment(fake, client):
    # "a?b#c%d" is a possible opaque id: it must not become a query, a fragment or a new path.
    with pytest.raises(hj.NotFoundError):
        client.get_survey("a?b#c%d")
    (request,) = api_requests(fake)
    assert request["path"] == f"/v1/sites/{fake.site_id}/surveys/a%3Fb%23c%25d"
    assert request["query"] == ""


def test_a_survey_id_given_as_int_or_str_is_the_same_survey(fake, client, survey_id):
    assert client.get_survey(int(survey_id)) == client.get_survey(f" {survey_id}\n")


@pytest.mark.parametrize(
    ("survey_id", "fragment"),
    [
        ("", "empty"),
        ("a/b", "'/'"),
        ("a b", "whitespace"),
        ("a\x01", "control"),
        ("x" * 300, "256"),
    ],
)
def test_impossible_survey_ids_are_refused_before_any_request(fake, client, survey_id, fragment):
    for call in (
        client.get_survey,
        client.responses,
        client.responses_table,
        client.iter_responses,
    ):
        with pytest.raises(hj.ConfigurationError, match=fragment):
            call(survey_id)
    assert fake.request_log() == []


def test_cli_file_names_from_ids_are_safe_and_distinct(tmp_path):
    paths = cli.export_paths(["survey_3f2b-1", "a:b*c", ".hidden"], str(tmp_path) + "/", "csv")
    assert [p.name for p in paths.values()] == ["survey_3f2b-1.csv", "a_b_c.csv", "_.hidden.csv"]
    with pytest.raises(hj.ConfigurationError, match="both be written"):
        cli.export_paths(["a:b", "a*b"], str(tmp_path / "{survey}.csv"), None)


def test_the_cli_exports_opaque_surveys_to_files_named_by_id(tmp_path, monkeypatch, capsys):
    with FakeHotjar(id_style="opaque", responses_per_survey=[5, 0]) as fake:
        cli_env(monkeypatch, fake)
        code = cli.main(
            ["export", *fake.survey_ids, "-o", str(tmp_path) + "/", "--format", "jsonl"]
        )
        assert code == 0, capsys.readouterr().err
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            f"{s}.jsonl" for s in fake.survey_ids
        )


def test_resume_notes_work_with_opaque_ids(tmp_path):
    with (
        FakeHotjar(id_style="opaque", responses_per_survey=[250], rate_limit=2) as fake,
        fake.client(requests_per_minute=None, max_retries=0) as client,
    ):
        sid = fake.survey_ids[0]
        path = tmp_path / "r.jsonl"
        with pytest.raises(hj.RateLimitError):
            client.export_responses(sid, path)
        fake.set_rate_limit(None)
        summary = client.export_responses(sid, path, resume=True)
        assert summary["responses"] == 250
        ids = [json.loads(line)["response_id"] for line in path.read_text().splitlines()]
        assert ids == [r["id"] for r in fake.responses(sid)]


# --- question types, survey types ---------------------------------------------------------------

TYPES = {
    # type: (column type in the table, the answer sent, the cell expected)
    "reaction": ("int16", "4", 4),
    "reaction-binary": ("string", "1", "1"),
    "long-text": ("string", "Long answer", "Long answer"),
    "short-text": ("string", "Short", "Short"),
    "single-option": ("string", "Yes", "Yes"),
    "multiple-option": ("string", "A, B", "A, B"),
    "email": ("string", "x@example.org", "x@example.org"),
    "rating-1-5": ("int16", "5", 5),
    "rating-1-7": ("int16", "7", 7),
    "rating-1-10": ("int16", "9", 9),
    "1-5-rating": ("int16", "2", 2),
    "nps": ("int16", "10", 10),
    "matrix-grid": ("string", "row1=3", "row1=3"),  # unknown: kept as text
}


def write_recording(path: Path, survey: dict, pages: list[list[dict]], site_id="987654") -> Path:
    lines = [{"hotjar_recording": 1, "site_id": site_id}, {"survey": survey}]
    lines += [
        {"survey_id": survey["id"], "page": n, "results": page} for n, page in enumerate(pages)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def crafted_survey(types: list[str], survey_type="bubble") -> dict:
    questions = [
        {"id": f"question_q_{n}", "type": kind, "text": f"Q {kind}", "is_required": False}
        for n, kind in enumerate(types)
    ]
    questions.append({"id": "question_q_s", "type": "statement", "text": "Thanks!"})
    return {
        "id": "survey_crafted",
        "name": "Crafted",
        "type": survey_type,
        "is_enabled": True,
        "created_time": "2026-01-01T00:00:00Z",
        "sentiment_analysis_enabled": False,
        "questions": questions,
    }


def crafted_response(n: int, answers: list[tuple[str, str]]) -> dict:
    return {
        "id": f"resp_{n}",
        "created_time": f"2026-06-0{9 - n}T10:00:00Z",
        "is_complete": True,
        "answers": [
            {"question_id": q, "answer": a, "comment": None, "tags": [], "sentiment": None}
            for q, a in answers
        ],
    }


@pytest.fixture
def typed_fake(tmp_path):
    kinds = list(TYPES)
    survey = crafted_survey(kinds)
    answers = [(f"question_q_{n}", TYPES[k][1]) for n, k in enumerate(kinds)]
    path = write_recording(tmp_path / "typed.jsonl", survey, [[crafted_response(1, answers)]])
    with FakeHotjar.from_recording(path) as fake:
        yield fake


@pytest.mark.parametrize("kind", list(TYPES))
def test_each_question_type_gets_its_column_type(typed_fake, kind):
    pa = pytest.importorskip("pyarrow")
    with typed_fake.client() as client:
        table = pa.table(client.responses_table("survey_crafted"))
    column = table.column(f"Q {kind}")
    assert str(column.type) == TYPES[kind][0]
    assert column.to_pylist() == [TYPES[kind][2]]
    assert "Thanks!" not in table.column_names  # a statement takes no answer: no column
    assert table.column("other_answers").to_pylist() == [None]  # nothing fell aside


def test_an_unknown_question_type_is_logged_once_at_info(tmp_path, caplog):
    survey = crafted_survey(["brand-new-type-xyz"])
    answers = [("question_q_0", "kept")]
    path = write_recording(tmp_path / "u.jsonl", survey, [[crafted_response(1, answers)]])
    with (
        FakeHotjar.from_recording(path) as fake,
        fake.client() as client,
        caplog.at_level(logging.INFO, logger="hotjar_client"),
    ):
        for _ in range(3):
            assert (
                client.responses_table("survey_crafted").to_pylist()[0]["Q brand-new-type-xyz"]
                == "kept"
            )
    notes = [r for r in caplog.records if "brand-new-type-xyz" in r.getMessage()]
    assert len(notes) == 1 and notes[0].levelno == logging.INFO
    assert "kept as text" in notes[0].getMessage()


@pytest.mark.parametrize("survey_type", ["bubble", "mobile_popover", "something_next"])
def test_any_survey_type_is_kept_as_sent(tmp_path, survey_type):
    path = write_recording(tmp_path / "t.jsonl", crafted_survey(["nps"], survey_type), [[]])
    with FakeHotjar.from_recording(path) as fake, fake.client() as client:
        assert client.list_surveys()[0]["type"] == survey_type
        assert client.responses_many() == {"survey_crafted": []}


# --- error bodies --------------------------------------------------------------------------------

BODIES = {
    "msg": ('{"msg": "Scope surveys missing"}', "Scope surveys missing"),
    "oauth": ('{"error": "forbidden", "error_description": "No Ask plan"}', "No Ask plan"),
    "message": ('{"error": "forbidden", "message": "Plan too small"}', "Plan too small"),
    "detail": ('{"detail": "Not allowed here"}', "Not allowed here"),
    "html": (
        "<html><head><title>403 Forbidden</title></head><body>nginx</body></html>",
        "403 Forbidden",
    ),
    "text": ("access denied by gateway", "access denied by gateway"),
    "empty": ("", None),
}


@pytest.mark.parametrize("shape", list(BODIES))
@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, hj.BadRequestError),
        (403, hj.PermissionDeniedError),
        (404, hj.NotFoundError),
        (500, hj.ServerError),
    ],
)
def test_every_error_body_shape_gives_the_typed_error_with_its_message(fake, shape, status, error):
    body, message = BODIES[shape]
    fake.fail_next(status=status, body=body)
    with (
        fake.client(max_retries=0, retry_backoff=FAST_BACKOFF) as client,
        pytest.raises(error) as caught,
    ):
        client.list_surveys()
    assert caught.value.status == status
    text = str(caught.value)
    if message is None:
        assert "Hotjar said" not in text
    else:
        assert f"Hotjar said: {message}" in text
    assert "<html" not in text and "nginx" not in text


@pytest.mark.parametrize("shape", ["msg", "oauth", "html", "empty"])
def test_token_error_bodies_give_an_authentication_error(fake, shape):
    body, message = BODIES[shape]
    fake.fail_next(status=401, body=body, endpoint="token")
    with fake.client(max_retries=0) as client, pytest.raises(hj.AuthenticationError) as caught:
        client.test_connection()
    if message is not None:
        assert message in str(caught.value)


def test_every_list_request_asks_for_100_items(fake, client):
    client.list_surveys()
    client.responses_many()
    for sid in fake.survey_ids[:2]:
        list(client.iter_responses(sid))
    queries = [r["query"] for r in api_requests(fake)]
    assert queries and all("limit=100" in q.split("&") for q in queries)


# --- check_api / check --deep --------------------------------------------------------------------


def test_check_api_finds_nothing_on_the_default_fake(fake, client):
    report = client.check_api()
    assert report.ok, str(report)
    assert (report.surveys, report.responses) == (5, 200)
    assert report.id_styles == {"survey": "digits", "question": "digits", "response": "digits"}
    assert "Everything matches" in str(report)
    assert "0 differences" in report.bug_report_line()


def test_check_api_reports_unknown_fields_and_opaque_ids_without_values():
    with FakeHotjar(id_style="opaque", extra_fields=True, seed=4) as fake, fake.client() as client:
        report = client.check_api(surveys=2)
        emails = {s["email"] for s in fake.subjects()}
        truth = [fake.responses(s) for s in fake.survey_ids[:2]]
    rows = {(d.where, d.what, d.name): d for d in report.differences}
    assert ("response", "unknown field", "experimental_score") in rows
    assert rows["survey", "id style", "id"].seen == "survey_uuid"
    assert rows["question", "id style", "id"].seen == "question_uuid_n"
    assert rows["response", "id style", "id"].seen == "uuid"
    line = report.bug_report_line()
    assert "\n" not in line and "experimental_score" in line
    shown = str(report) + line + repr(report)
    free_text = {a["answer"] for rows_ in truth for r in rows_ for a in r["answers"] if a["answer"]}
    assert not any(e in shown for e in emails)
    assert not any(len(t) > 4 and t in shown for t in free_text)
    assert fake.client_secret not in shown


def test_check_api_reports_unknown_question_and_survey_types(tmp_path):
    survey = crafted_survey(["nps", "matrix-grid"], survey_type="hologram")
    survey["questions"][0]["choices"] = ["plain", "strings"]
    path = write_recording(tmp_path / "r.jsonl", survey, [[crafted_response(1, [])]])
    with FakeHotjar.from_recording(path) as fake, fake.client() as client:
        report = client.check_api()
    names = {(d.what, d.name) for d in report.differences}
    assert ("question type", "'matrix-grid'") in names
    assert ("survey type", "'hologram'") in names
    assert ("choice shape", "choices[]") in names
    assert ("missing field", "answers") not in names


def test_the_async_check_is_the_sync_check(fake, client):
    import asyncio

    async def run():
        async with fake.async_client() as c:
            return await c.check_api()

    assert asyncio.run(run()) == client.check_api()


@pytest.mark.parametrize("surveys", [0, 101])
def test_check_api_refuses_a_bad_count_before_any_request(fake, client, surveys):
    with pytest.raises(hj.ConfigurationError):
        client.check_api(surveys=surveys)
    with pytest.raises(TypeError):
        client.check_api(surveys=True)
    assert fake.request_log() == []


def cli_env(monkeypatch, fake):
    for name, value in {
        "HOTJAR_CLIENT_ID": fake.client_id,
        "HOTJAR_CLIENT_SECRET": fake.client_secret,
        "HOTJAR_BASE_URL": fake.url,
        "HOTJAR_SITE_ID": fake.site_id,
    }.items():
        monkeypatch.setenv(name, value)


def test_check_deep_prints_the_table_and_a_bug_report_line(monkeypatch, capsys):
    with FakeHotjar(id_style="opaque", extra_fields=True) as fake:
        cli_env(monkeypatch, fake)
        assert cli.main(["check", "--deep"]) == 0
        out = capsys.readouterr().out
    assert "experimental_score" in out and "For a bug report" in out
    assert out.strip().splitlines()[-1].startswith("hotjar-client ")
    assert fake.client_secret not in out and "@" not in out


def test_check_deep_without_a_site_says_so(monkeypatch, capsys):
    with FakeHotjar() as fake:
        cli_env(monkeypatch, fake)
        monkeypatch.delenv("HOTJAR_SITE_ID")
        assert cli.main(["check", "--deep"]) == cli.EXIT_CODES[hj.ConfigurationError]
    assert "--site-id" in capsys.readouterr().err


# --- record / from_recording ---------------------------------------------------------------------


@pytest.mark.id_styles
def test_an_unredacted_recording_serves_exactly_what_was_recorded(fake, client, tmp_path):
    path = tmp_path / "account.jsonl"
    summary = record(client, path, redact=False)
    assert summary == {
        "path": str(path),
        "surveys": 5,
        "pages": 13 + 3 + 1 + 1 + 1,
        "responses": 1621,
        "redacted": False,
    }
    with FakeHotjar.from_recording(path) as served, served.client() as replay:
        assert served.site_id == fake.site_id
        assert served.survey_ids == fake.survey_ids
        assert replay.list_surveys() == client.list_surveys()
        for sid in fake.survey_ids:
            assert replay.get_survey(sid) == client.get_survey(sid)
            assert replay.responses(sid) == fake.responses(sid)
        # The same pagination: one request per recorded page.
        assert len([r for r in served.request_log() if r["path"].endswith("/responses")]) == 19
        for sid in fake.survey_ids:
            want = client.responses_table(sid).to_pylist()
            assert replay.responses_table(sid).to_pylist() == want


def test_a_recording_keeps_the_pages_it_was_recorded_in(tmp_path):
    survey = crafted_survey(["nps"])
    pages = [[crafted_response(1, [])], [crafted_response(2, []), crafted_response(3, [])]]
    path = write_recording(tmp_path / "p.jsonl", survey, pages)
    with FakeHotjar.from_recording(path) as fake, fake.client() as client:
        iterator = client.iter_responses("survey_crafted")
        assert [r["id"] for r in iterator] == ["resp_1", "resp_2", "resp_3"]
        assert iterator.pages_fetched == 2


def strings(value) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return set().union(*(strings(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(strings(v) for v in value.values())) if value else set()
    return set()


def test_a_redacted_recording_keeps_shapes_and_loses_every_personal_value(fake, client, tmp_path):
    path = tmp_path / "redacted.jsonl"
    record(client, path, fake.survey_ids[:2])
    text = path.read_text()
    originals = [r for sid in fake.survey_ids[:2] for r in fake.responses(sid)]
    personal = set()
    for r in originals:
        personal.add(r["hotjar_user_id"])
        if r["response_origin_url"].rstrip("/").count("/") > 2:  # a path beyond the host
            personal.add(r["response_origin_url"])
        personal |= {str(a["value"]) for a in r["user_attributes"] if isinstance(a["value"], str)}
        for a in r["answers"]:
            if a["comment"]:
                personal.add(a["comment"])
    questions = {
        q["id"]: q["type"]
        for sid in fake.survey_ids[:2]
        for q in fake.surveys()[fake.survey_ids.index(sid)]["questions"]
    }
    free = {
        a["answer"]
        for r in originals
        for a in r["answers"]
        if a["answer"] and questions.get(a["question_id"]) in ("long-text", "short-text", "email")
    }
    personal |= free
    personal = {p for p in personal if not re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", p)}
    assert free and personal
    recorded = set()
    for line in text.splitlines():
        recorded |= strings(json.loads(line))
    assert not (personal & recorded), sorted(personal & recorded)[:5]
    # No email address survives: every one left is a placeholder of x's and 0's.
    for email in re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", text):
        assert set(email) <= set("x0X@._-+"), email
    # Ids, types, timestamps and structure are kept.
    with FakeHotjar.from_recording(path) as served, served.client() as replay:
        for sid in fake.survey_ids[:2]:
            got, want = replay.responses(sid), fake.responses(sid)
            assert [r["id"] for r in got] == [r["id"] for r in want]
            assert [r["created_time"] for r in got] == [r["created_time"] for r in want]
            assert [[a["question_id"] for a in r["answers"]] for r in got] == [
                [a["question_id"] for a in r["answers"]] for r in want
            ]
            for g, w in zip(got, want, strict=True):
                assert g.keys() == w.keys()
                for ga, wa in zip(g["answers"], w["answers"], strict=True):
                    kind = questions[wa["question_id"]]
                    if kind in (
                        "nps",
                        "single-option",
                        "multiple-option",
                        "rating-1-5",
                        "reaction",
                    ):
                        assert ga["answer"] == wa["answer"]
                    elif wa["answer"] is not None:
                        assert ga["answer"] == same_shape(wa["answer"])
            # A visitor keeps one placeholder across responses.
            pairs = {
                (w["hotjar_user_id"], g["hotjar_user_id"]) for g, w in zip(got, want, strict=True)
            }
            assert len({p[0] for p in pairs}) == len({p[1] for p in pairs})
            assert replay.responses_table(sid).num_rows == len(want)


def test_the_record_command_writes_a_redacted_recording(monkeypatch, capsys, tmp_path):
    with FakeHotjar(responses_per_survey=[150, 5]) as fake:
        cli_env(monkeypatch, fake)
        out = tmp_path / "rec.jsonl"
        assert cli.main(["record", str(out), fake.survey_ids[0], "--max-pages", "1"]) == 0
        assert "1 surveys, 1 pages, 100 responses (redacted)" in capsys.readouterr().out
        header = json.loads(out.read_text().splitlines()[0])
        assert header["hotjar_recording"] == 1 and header["redacted"] is True
        assert fake.client_secret not in out.read_text()
    with FakeHotjar.from_recording(out) as served, served.client() as c:
        assert len(c.responses(served.survey_ids[0])) == 100


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ('{"x": 1}\n', "header"),
        ('{"hotjar_recording": 9, "site_id": "1"}\n', "version 9"),
        ('{"hotjar_recording": 1, "site_id": "1"}\n{"survey_id": "s", "results": []}\n', "line 2"),
    ],
)
def test_a_broken_recording_is_a_configuration_error(tmp_path, text, fragment):
    path = tmp_path / "bad.jsonl"
    path.write_text(text)
    with pytest.raises(hj.ConfigurationError, match=fragment):
        FakeHotjar.from_recording(path)
    with pytest.raises(hj.ConfigurationError, match="could not be read"):
        FakeHotjar.from_recording(tmp_path / "missing.jsonl")


def test_redaction_of_one_response_field_by_field():
    from hotjar_client.recording import Redactor

    redactor = Redactor()
    response = {
        "id": "8812345678",
        "created_time": "2024-06-20T17:42:05Z",
        "hotjar_user_id": "3f9c2a4e-7b1d-4c8e-9a55-0d2e6b7f1a90",
        "country": "DE",
        "response_origin_url": "https://shop.example.com/orders/4411?email=jane@example.com",
        "user_attributes": [
            {"name": "customer", "value": 4411},
            {"name": "score", "value": 1.5},
            {"name": "beta", "value": True},
            {"name": "signed_up", "value": "2023-01-02T03:04:05Z"},
            {"name": "email", "value": "jane@example.com"},
        ],
        "answers": [
            {"question_id": "1", "answer": "9", "comment": "Call me on 555-1234", "tags": []},
            {"question_id": "2", "answer": "Buy a product", "comment": None, "tags": []},
            {"question_id": "3", "answer": "Jane Doe, 42!", "comment": None, "tags": []},
            {"question_id": "2", "answer": "jane@example.com", "comment": None, "tags": []},
        ],
        "surprise": {"note": "Hi Jane", "n": 3},
    }
    types = {"1": "nps", "2": "single-option", "3": "long-text"}
    out = redactor.response(response, types)
    assert {k: out[k] for k in ("id", "created_time", "country")} == {
        "id": "8812345678",
        "created_time": "2024-06-20T17:42:05Z",
        "country": "DE",
    }
    assert re.fullmatch(r"[0-9a-f-]{36}", out["hotjar_user_id"])
    assert out["hotjar_user_id"] != response["hotjar_user_id"]
    assert redactor.response(response, types)["hotjar_user_id"] == out["hotjar_user_id"]
    assert (
        out["response_origin_url"] == "https://shop.example.com/xxxxxx/0000?xxxxx=xxxx@xxxxxxx.xxx"
    )
    assert [a["value"] for a in out["user_attributes"]] == [
        0,
        0.0,
        True,
        "2023-01-02T03:04:05Z",
        "xxxx@xxxxxxx.xxx",
    ]
    assert [a["answer"] for a in out["answers"]] == [
        "9",
        "Buy a product",
        "Xxxx Xxx, 00!",
        "xxxx@xxxxxxx.xxx",
    ]
    assert out["answers"][0]["comment"] == "Xxxx xx xx 000-0000"
    assert out["surprise"] == {"note": "Xx Xxxx", "n": 3}
    assert "jane" not in json.dumps(out).lower()
