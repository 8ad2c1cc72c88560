"""Streaming export to Parquet, CSV and JSON Lines: the files read back equal the in-memory
table cell for cell; a failed export never leaves a file under the final name; bad input is
refused before any request."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import datetime
from pathlib import Path

import hotjar_client as hj
import pytest
from helpers import FAST_BACKOFF, page_requests, statuses
from hotjar_client.testing import FakeHotjar
from tables_helpers import (
    CRAFTED_RESPONSES,
    CRAFTED_SURVEY,
    OTHER_ANSWERS,
    assert_rows_equal,
    long_rows,
    page,
    wide_rows,
)

COUNTS = [260, 150, 0, 120, 37]
FORMATS = {"parquet": ".parquet", "csv": ".csv", "jsonl": ".jsonl"}
SHAPES = ["wide", "long"]


def fake_style(fake) -> str:
    return "numeric" if fake.survey_ids[0].isdigit() else "opaque"


@pytest.fixture(scope="module", params=["numeric", "opaque"])
def shared(request):
    """A fake with small surveys and a client, shared by the tests that only read. Ids come as
    numbers or as opaque strings (survey_<uuid>), and some answers are to a question no survey
    lists (they go to other_answers)."""
    with (
        FakeHotjar(
            responses_per_survey=COUNTS, id_style=request.param, extra_fields=True, seed=11
        ) as fake,
        fake.client(requests_per_minute=None) as client,
    ):
        yield fake, client


@pytest.fixture
def fake():
    with FakeHotjar(responses_per_survey=[250, 3, 0]) as server:
        yield server


@pytest.fixture
def client(fake):
    with fake.client(requests_per_minute=None, retry_backoff=FAST_BACKOFF, max_retries=0) as c:
        yield c


# --- reading the files back --------------------------------------------------------------------


def read_parquet(path) -> list[dict]:
    pq = pytest.importorskip("pyarrow.parquet")
    return pq.read_table(path).to_pylist()


def read_csv(path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        lines = list(csv.reader(f))
    return lines[0], lines[1:]


def read_jsonl(path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def rfc3339(text: str) -> datetime:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", text), text
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_csv_equals(path, table, rows=None) -> None:
    header, lines = read_csv(path)
    assert header == table.column_names
    rows = table.to_pylist() if rows is None else rows
    assert len(lines) == len(rows)
    for index, (line, row) in enumerate(zip(lines, rows, strict=True)):
        assert len(line) == len(header), index
        for name, cell in zip(header, line, strict=True):
            want = row[name]
            where = f"row {index} column {name!r}: {cell!r} vs {want!r}"
            if want is None:
                assert cell == "", where
            elif name == OTHER_ANSWERS:
                assert json.loads(cell) == json.loads(want), where
            elif isinstance(want, bool):
                assert cell == ("true" if want else "false"), where
            elif isinstance(want, int):
                assert cell == str(want), where
            elif isinstance(want, datetime):
                assert rfc3339(cell) == want, where
            elif isinstance(want, (list, dict)):
                assert json.loads(cell) == want, where
            else:
                assert cell == want, where


def assert_jsonl_equals(path, table, rows=None) -> None:
    objects = read_jsonl(path)
    rows = table.to_pylist() if rows is None else rows
    assert len(objects) == len(rows)
    for index, (obj, row) in enumerate(zip(objects, rows, strict=True)):
        assert list(obj) == table.column_names, index
        for name, want in row.items():
            got = obj[name]
            where = f"row {index} column {name!r}: {got!r} vs {want!r}"
            if name == OTHER_ANSWERS and want is not None:
                # Embedded as JSON, not as a string holding JSON.
                assert isinstance(got, list), where
                assert got == json.loads(want), where
            elif isinstance(want, datetime):
                assert rfc3339(got) == want, where
            else:
                assert got == want, where
                assert type(got) is type(want), where


def assert_parquet_equals(path, table, rows=None) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    back = pq.read_table(path)
    expected = pa.table(table).schema
    assert back.schema.equals(expected)
    assert dict(back.schema.metadata) == dict(expected.metadata)
    for field in expected:
        assert back.schema.field(field.name).metadata == field.metadata, field.name
    rows = table.to_pylist() if rows is None else rows
    assert_rows_equal(back.to_pylist(), rows, f"parquet {path}")


CHECKS = {"parquet": assert_parquet_equals, "csv": assert_csv_equals, "jsonl": assert_jsonl_equals}


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(set(os.listdir(folder)) - keep)


# --- every format, read back ---------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("index", [0, 1, 4])
def test_an_export_reads_back_as_the_table(shared, tmp_path, index, fmt, shape):
    fake, client = shared
    sid = fake.survey_ids[index]
    table = client.responses_table(sid, shape=shape)
    path = tmp_path / f"responses{FORMATS[fmt]}"

    summary = client.export_responses(sid, path, shape=shape)

    CHECKS[fmt](path, table)
    assert summary == {
        "path": str(path),
        "format": fmt,
        "shape": shape,
        "responses": COUNTS[index],
        "rows": table.num_rows,
        "pages": summary["pages"],
        "bytes": path.stat().st_size,
    }
    assert summary["pages"] == max(1, -(-COUNTS[index] // 100))
    assert os.listdir(tmp_path) == [path.name]


@pytest.mark.parametrize("shape", SHAPES)
def test_the_exported_rows_match_the_dicts(shared, tmp_path, shape):
    """Not just the table: the files equal the independent reference too."""
    fake, client = shared
    sid = fake.survey_ids[0]
    survey, dicts = client.get_survey(sid), client.responses(sid)
    reference = wide_rows if shape == "wide" else long_rows
    client.export_responses(sid, tmp_path / "r.parquet", shape=shape)
    assert_rows_equal(read_parquet(tmp_path / "r.parquet"), reference(survey, dicts), "parquet")


def test_the_jsonl_cells_have_json_types(shared, tmp_path):
    fake, client = shared
    sid = fake.survey_ids[0]
    client.export_responses(sid, tmp_path / "r.jsonl")
    objects = read_jsonl(tmp_path / "r.jsonl")
    assert all(o["created_time"].endswith("Z") for o in objects)
    assert all(isinstance(o["user_attributes"], dict) for o in objects)
    assert all(isinstance(o["is_complete"], bool) for o in objects)
    tags = [o["Which features do you use? [tags]"] for o in objects]
    assert [] in tags and None in tags and any(t for t in tags)
    nps = [o["How likely are you to recommend us to a friend?"] for o in objects]
    assert {type(v) for v in nps} <= {int, type(None)}
    others = [o[OTHER_ANSWERS] for o in objects if o[OTHER_ANSWERS] is not None]
    assert others and all(isinstance(o, list) and o for o in others)
    orphan = {"numeric": "5559999", "opaque": "question_"}[fake_style(fake)]
    assert all(a["question_id"].startswith(orphan) for o in others for a in o)
    assert len({a["question_id"] for o in others for a in o}) == 1


def test_the_csv_quotes_commas_quotes_and_newlines(shared, tmp_path):
    fake, client = shared
    sid = fake.survey_ids[0]
    client.export_responses(sid, tmp_path / "r.csv")
    header, lines = read_csv(tmp_path / "r.csv")
    column = header.index("What is the main reason for your score?")
    texts = {line[column] for line in lines}
    assert any("\n" in t and '"' in t and "," in t for t in texts)
    assert "In one word, how was checkout?" in header  # a comma in a header


def test_an_export_with_since_has_the_newer_rows(shared, tmp_path):
    fake, client = shared
    sid = fake.survey_ids[0]
    since = client.responses(sid)[50]["created_time"]
    table = client.responses_table(sid, since=since)
    assert table.num_rows == 51
    summary = client.export_responses(sid, tmp_path / "r.jsonl", since=since)
    assert summary["responses"] == 51
    assert_jsonl_equals(tmp_path / "r.jsonl", table)


@pytest.mark.parametrize("shape", SHAPES)
def test_an_empty_survey_gives_valid_empty_files(shared, tmp_path, shape):
    pq = pytest.importorskip("pyarrow.parquet")
    fake, client = shared
    sid = fake.survey_ids[2]
    table = client.responses_table(sid, shape=shape)
    for fmt, suffix in FORMATS.items():
        path = tmp_path / f"empty{suffix}"
        summary = client.export_responses(sid, path, shape=shape)
        assert summary["responses"] == summary["rows"] == 0, fmt
        assert summary["bytes"] == path.stat().st_size
    back = pq.read_table(tmp_path / "empty.parquet")
    assert back.num_rows == 0 and back.column_names == table.column_names
    assert read_csv(tmp_path / "empty.csv") == (table.column_names, [])
    assert (tmp_path / "empty.jsonl").read_bytes() == b""
    assert sorted(os.listdir(tmp_path)) == ["empty.csv", "empty.jsonl", "empty.parquet"]


def serve_crafted(fake):
    fake.fail_next(status=200, body=json.dumps(CRAFTED_SURVEY))
    fake.fail_next(status=200, body=page(CRAFTED_RESPONSES))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_crafted_pages_read_back_as_the_table(fake, client, tmp_path, fmt, shape):
    """Orphan and misfit answers in other_answers, null and nested user attributes, fractional
    and offset timestamps, bare and null tags, multi-line text: each format keeps them."""
    sid = fake.survey_ids[0]
    serve_crafted(fake)
    table = client.responses_table(sid, shape=shape)
    assert table.num_rows >= len(CRAFTED_RESPONSES)
    serve_crafted(fake)
    path = tmp_path / f"crafted{FORMATS[fmt]}"
    summary = client.export_responses(sid, path, shape=shape)
    assert summary["responses"] == len(CRAFTED_RESPONSES)
    assert summary["rows"] == table.num_rows
    CHECKS[fmt](path, table)


def test_crafted_jsonl_embeds_other_answers_and_attributes_as_json(fake, client, tmp_path):
    serve_crafted(fake)
    client.export_responses(fake.survey_ids[0], tmp_path / "c.jsonl")
    first, empty, *_ = read_jsonl(tmp_path / "c.jsonl")
    assert first["created_time"] == "2026-01-02T01:04:05.123456Z"
    assert first["user_attributes"]["none"] is None
    assert first["user_attributes"]["obj"] == '{"a":[1,2]}'
    assert first["user_attributes"]["price"] == "111.45"
    assert [o["question_id"] for o in first[OTHER_ANSWERS]] == ["2", "1", "8", "999", "6", "10"]
    assert first["Why? (2) [tags]"] == ["bare", "named", None]
    assert empty[OTHER_ANSWERS] is None and empty["user_attributes"] == {}


def test_crafted_csv_writes_nested_cells_as_json_and_nulls_as_empty(fake, client, tmp_path):
    serve_crafted(fake)
    client.export_responses(fake.survey_ids[0], tmp_path / "c.csv")
    header, lines = read_csv(tmp_path / "c.csv")
    first = dict(zip(header, lines[0], strict=True))
    empty = dict(zip(header, lines[1], strict=True))
    assert first["created_time"] == "2026-01-02T01:04:05.123456Z"
    assert first["Score?"] == "7"
    assert first["is_complete"] == "true"
    assert first["recording_url"] == ""
    assert json.loads(first["Why? (2) [tags]"]) == ["bare", "named", None]
    assert json.loads(first["user_attributes"])["count"] == "3"
    assert isinstance(json.loads(first[OTHER_ANSWERS]), list)
    assert first["Why? (2)"] == 'Multi\nline, "quoted"'
    assert empty["is_complete"] == "" and empty[OTHER_ANSWERS] == ""
    assert empty["user_attributes"] == "{}"


def test_an_export_with_a_date_as_since(shared, tmp_path):
    from datetime import date, timedelta

    fake, client = shared
    sid = fake.survey_ids[0]
    dicts = client.responses(sid)
    day = date.fromisoformat(dicts[0]["created_time"][:10])
    for since, expected in ((day, len(dicts)), (day + timedelta(days=1), 0)):
        assert sum(d["created_time"] >= since.isoformat() for d in dicts) == expected
        table = client.responses_table(sid, since=since)
        assert table.num_rows == expected
        path = tmp_path / f"{since}.csv"
        client.export_responses(sid, path, since=since)
        assert_csv_equals(path, table)


def test_an_export_with_an_explicit_site_id(shared, tmp_path):
    fake, client = shared
    sid = fake.survey_ids[4]
    summary = client.export_responses(sid, tmp_path / "s.csv", site_id=fake.site_id)
    assert summary["responses"] == COUNTS[4]
    with pytest.raises(hj.NotFoundError):
        client.export_responses(sid, tmp_path / "t.csv", site_id=int(fake.site_id) + 1)
    assert os.listdir(tmp_path) == ["s.csv"]


def test_a_survey_id_as_int_is_exported(shared, tmp_path):
    fake, client = shared
    sid = fake.survey_ids[4]
    if not sid.isdigit():
        pytest.skip("opaque survey ids have no int form")
    client.export_responses(int(sid), tmp_path / "r.jsonl")
    assert_jsonl_equals(tmp_path / "r.jsonl", client.responses_table(sid))


# --- choosing the format -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        ("r.pq", None, "parquet"),
        ("r.PARQUET", None, "parquet"),
        ("r.ndjson", None, "jsonl"),
        ("r.CSV", None, "csv"),
        ("r.data", "csv", "csv"),
        ("r", "jsonl", "jsonl"),
        ("r.csv", "parquet", "parquet"),
        ("r.txt", "ndjson", "jsonl"),
        ("r.out", "PQ", "parquet"),
    ],
)
def test_the_format_comes_from_format_or_the_suffix(shared, tmp_path, name, fmt, expected):
    fake, client = shared
    sid = fake.survey_ids[4]
    path = tmp_path / name
    summary = client.export_responses(sid, str(path), format=fmt)
    assert summary["format"] == expected
    CHECKS[expected](path, client.responses_table(sid))


# --- bad input is refused before anything is sent ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs", "match"),
    [
        ("r.txt", {}, "format"),
        ("r", {}, "format"),
        ("r.csv", {"format": "xml"}, "format"),
        ("r.csv", {"shape": "tall"}, "shape"),
        ("missing/r.csv", {}, "does not exist"),
        ("r.csv", {"since": "2024-01-01T00:00:00"}, "time zone"),
        ("r.csv", {"resume_cursor": " "}, "resume_cursor"),
    ],
)
def test_bad_input_is_refused_before_any_request(fake, client, tmp_path, name, kwargs, match):
    with pytest.raises(hj.ConfigurationError, match=match):
        client.export_responses(fake.survey_ids[0], tmp_path / name, **kwargs)
    assert fake.request_log() == []
    assert os.listdir(tmp_path) == []


def test_a_folder_as_the_path_is_refused(fake, client, tmp_path):
    (tmp_path / "out.csv").mkdir()
    for path in (tmp_path, tmp_path / "out.csv"):
        with pytest.raises(hj.ConfigurationError, match="folder"):
            client.export_responses(fake.survey_ids[0], path, format="csv")
    assert fake.request_log() == []
    assert os.listdir(tmp_path) == ["out.csv"]


def test_an_empty_path_is_refused(fake, client):
    with pytest.raises(hj.ConfigurationError):
        client.export_responses(fake.survey_ids[0], "", format="csv")
    assert fake.request_log() == []


def test_a_bad_survey_id_is_refused_before_any_request(fake, client, tmp_path):
    with pytest.raises((hj.ConfigurationError, TypeError)):
        client.export_responses("not/an/id", tmp_path / "r.csv")
    assert fake.request_log() == []


def test_a_closed_client_refuses_to_export(fake, tmp_path):
    client = fake.client(requests_per_minute=None)
    client.close()
    with pytest.raises(hj.ClientClosedError):
        client.export_responses(fake.survey_ids[0], tmp_path / "r.csv")
    assert os.listdir(tmp_path) == []


# --- the file on disk: temp name, rename, overwrite ----------------------------------------------


def test_no_temp_file_is_left_after_success(fake, client, tmp_path):
    for fmt, suffix in FORMATS.items():
        client.export_responses(fake.survey_ids[0], tmp_path / f"r{suffix}")
        assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")], fmt
    assert sorted(os.listdir(tmp_path)) == ["r.csv", "r.jsonl", "r.parquet"]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_an_existing_file_is_overwritten(fake, client, tmp_path, fmt):
    path = tmp_path / f"r{FORMATS[fmt]}"
    path.write_bytes(b"old junk that is longer than nothing\n" * 10_000)
    sid = fake.survey_ids[1]
    client.export_responses(sid, path)
    CHECKS[fmt](path, client.responses_table(sid))
    assert os.listdir(tmp_path) == [path.name]


def test_a_relative_path_is_written_in_the_current_folder(fake, client, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    summary = client.export_responses(fake.survey_ids[1], "r.csv")
    assert summary["path"] == "r.csv"
    assert os.listdir(tmp_path) == ["r.csv"]
    assert_csv_equals(tmp_path / "r.csv", client.responses_table(fake.survey_ids[1]))


def test_the_file_appears_under_its_name_only_when_complete(fake, client, tmp_path):
    """While the export runs, the data is in `.<name>.<pid>-<hex>.tmp` (and `<name>.lock` holds
    the export's lock); the final name appears by rename, never next to the temp file."""
    fake.latency = 0.05
    path = tmp_path / "r.csv"
    seen: list[list[str]] = []
    done = threading.Event()

    def watch():
        while not done.is_set():
            seen.append(os.listdir(tmp_path))
            done.wait(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        client.export_responses(fake.survey_ids[0], path)
    finally:
        done.set()
        watcher.join()
    temp = re.compile(rf"\.r\.csv\.{os.getpid()}-[0-9a-f]{{8}}\.tmp")
    temps = {name for names in seen for name in names if temp.fullmatch(name)}
    assert len(temps) == 1, seen[-5:]
    for names in seen:
        assert set(names) <= {"r.csv", "r.csv.lock"} | temps, names
        assert not ({"r.csv"} <= set(names) and temps & set(names)), names
    assert os.listdir(tmp_path) == ["r.csv"]


# --- failures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("shape", SHAPES)
def test_a_failure_part_way_keeps_a_valid_partial_file_and_resumes(tmp_path, fmt, shape):
    with (
        FakeHotjar(responses_per_survey=[250], rate_limit=4) as fake,
        fake.client(requests_per_minute=None, max_retries=0) as client,
    ):
        sid = fake.survey_ids[0]
        truth = fake.responses(sid)
        survey = fake.surveys()[0]
        path = tmp_path / f"r{FORMATS[fmt]}"
        with pytest.raises(hj.RateLimitError) as caught:
            # token, survey and two pages fit in the window of 4; the third page is refused
            client.export_responses(sid, path, shape=shape)
        error = caught.value
        partial = Path(error.partial)
        assert partial == tmp_path / f"r{FORMATS[fmt]}.partial"
        assert error.resume_cursor
        assert str(partial) in str(error) or partial.name in str(error)
        assert "200 responses" in str(error)
        # Never under the final name, no temp file left: only the partial file and its note
        # (what resume=True reads).
        assert sorted(os.listdir(tmp_path)) == [partial.name, partial.name + ".json"]

        fake.set_rate_limit(None)
        full = client.responses_table(sid, shape=shape)
        rest_path = tmp_path / f"rest{FORMATS[fmt]}"
        summary = client.export_responses(
            sid, rest_path, shape=shape, resume_cursor=error.resume_cursor
        )
        assert summary["responses"] == 50
        assert sorted(os.listdir(tmp_path)) == sorted(
            [partial.name, partial.name + ".json", rest_path.name]
        )

    # The partial file holds the first 200 responses, the resumed file the rest: together
    # every row of the table, once, in order.
    rows = full.to_pylist()
    first = [r for r in rows if r["response_id"] in {str(t["id"]) for t in truth[:200]}]
    CHECKS[fmt](partial, full, rows[: len(first)])
    CHECKS[fmt](rest_path, full, rows[len(first) :])
    reference = wide_rows if shape == "wide" else long_rows
    assert_rows_equal(rows, reference(survey, truth), "the whole table")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_an_unreadable_page_keeps_a_partial_file_of_the_pages_before(fake, client, tmp_path, fmt):
    sid = fake.survey_ids[0]
    good = CRAFTED_RESPONSES[:2]
    bad = [{"id": "9", "created_time": "2026-01-01T00:00:00Z", "answers": {"not": "a list"}}]
    fake.fail_next(status=200, body=json.dumps(CRAFTED_SURVEY))
    fake.fail_next(status=200, body=page(good))
    expected = client.responses_table(sid)
    fake.fail_next(status=200, body=json.dumps(CRAFTED_SURVEY))
    fake.fail_next(status=200, body=page(good, "c2"))
    fake.fail_next(status=200, body=page(bad))
    path = tmp_path / f"r{FORMATS[fmt]}"
    with pytest.raises(hj.InvalidResponseError) as caught:
        client.export_responses(sid, path)
    assert caught.value.resume_cursor == "c2"
    assert Path(caught.value.partial) == Path(f"{path}.partial")
    assert sorted(os.listdir(tmp_path)) == [path.name + ".partial", path.name + ".partial.json"]
    CHECKS[fmt](caught.value.partial, expected)


def test_a_failure_on_the_first_page_leaves_no_file(fake, client, tmp_path):
    sid = fake.survey_ids[0]
    fake.fail_next(status=200, body=json.dumps(fake.surveys()[0]))
    fake.fail_next(status=503)
    with pytest.raises(hj.ServerError) as caught:
        client.export_responses(sid, tmp_path / "r.parquet")
    assert caught.value.partial is None
    assert caught.value.resume_cursor is None
    assert os.listdir(tmp_path) == []
    assert statuses(page_requests(fake, sid)) == [503]


def test_a_failure_on_the_survey_leaves_no_file(fake, client, tmp_path):
    fake.fail_next(status=500)
    with pytest.raises(hj.ServerError) as caught:
        client.export_responses(fake.survey_ids[0], tmp_path / "r.csv")
    assert caught.value.partial is None
    assert os.listdir(tmp_path) == []


def test_an_unknown_survey_leaves_no_file(fake, client, tmp_path):
    with pytest.raises(hj.NotFoundError):
        client.export_responses("999999999", tmp_path / "r.csv")
    assert os.listdir(tmp_path) == []


def test_a_failed_export_keeps_the_previous_complete_file(tmp_path):
    with (
        FakeHotjar(responses_per_survey=[250], rate_limit=4) as fake,
        fake.client(requests_per_minute=None, max_retries=0) as client,
    ):
        path = tmp_path / "r.jsonl"
        path.write_text("the previous export\n")
        with pytest.raises(hj.RateLimitError) as caught:
            client.export_responses(fake.survey_ids[0], path)
    assert path.read_text() == "the previous export\n"
    assert len(read_jsonl(caught.value.partial)) == 200


def test_an_old_partial_file_is_replaced(tmp_path):
    with (
        FakeHotjar(responses_per_survey=[250], rate_limit=4) as fake,
        fake.client(requests_per_minute=None, max_retries=0) as client,
    ):
        (tmp_path / "r.csv.partial").write_text("stale")
        with pytest.raises(hj.RateLimitError) as caught:
            client.export_responses(fake.survey_ids[0], tmp_path / "r.csv")
    header, lines = read_csv(caught.value.partial)
    assert len(lines) == 200 and header[0] == "response_id"


def test_a_file_name_too_long_for_the_file_system_is_refused_before_any_request(
    fake, client, tmp_path
):
    path = tmp_path / ("x" * 300 + ".csv")
    fake.clear_request_log()
    with pytest.raises(hj.ConfigurationError, match="255 bytes"):
        client.export_responses(fake.survey_ids[0], path)
    assert fake.request_log() == []
    assert os.listdir(tmp_path) == []


def test_a_long_but_legal_file_name_can_be_exported(fake, client, tmp_path):
    path = tmp_path / ("z" * 240 + ".csv")
    client.export_responses(fake.survey_ids[1], path)
    assert_csv_equals(path, client.responses_table(fake.survey_ids[1]))


WRITE_FAILS = textwrap.dedent(
    """
    import json, os, resource, sys
    import hotjar_client as hj
    from hotjar_client.testing import FakeHotjar

    folder, name = sys.argv[1], sys.argv[2]
    with FakeHotjar(responses_per_survey=[600]) as fake, fake.client(
        requests_per_minute=None
    ) as client:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
        try:
            client.export_responses(fake.survey_ids[0], os.path.join(folder, name))
        except hj.ExportFileError as error:
            print(json.dumps({
                "oserror": isinstance(error, OSError),
                "partial": error.partial,
                "message": str(error),
            }))
        else:
            print(json.dumps(None))
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="needs RLIMIT_FSIZE")
@pytest.mark.parametrize("name", ["r.csv", "r.jsonl", "r.parquet"])
def test_a_write_that_fails_is_an_export_file_error_and_leaves_no_file(tmp_path, name):
    """A file size limit makes the disk refuse the writes, as a full disk would."""
    done = subprocess.run(
        [sys.executable, "-c", WRITE_FAILS, str(tmp_path), name],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome is not None, "the export succeeded beyond the file size limit"
    assert outcome["oserror"] is True
    assert outcome["partial"] is None
    assert "Could not" in outcome["message"]
    assert os.listdir(tmp_path) == []


class Interrupted(Exception):
    pass


def test_an_interrupted_export_leaves_no_file(tmp_path):
    """Ctrl-C while the export runs: the call raises, the temp file is removed, nothing is left
    under the final name, and the client still works."""

    def on_sigint(signum, frame):
        raise Interrupted

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        with (
            FakeHotjar(responses_per_survey=[2000, 3]) as fake,
            fake.client(requests_per_minute=None) as client,
        ):
            sid = fake.survey_ids[0]
            # The survey and two pages go through; the third page waits until released, so
            # Ctrl-C surely comes while the export runs, its temp file written.
            fake.inject_fault("hold", after=3)
            seen_while_held: list[list[str]] = []

            def interrupt_while_held():
                try:
                    fake.wait_held()
                    seen_while_held.append(os.listdir(tmp_path))
                    signal.raise_signal(signal.SIGINT)
                except BaseException:
                    fake.release_held()
                    raise

            sender = threading.Thread(target=interrupt_while_held)
            sender.start()
            try:
                with pytest.raises(Interrupted):
                    client.export_responses(sid, tmp_path / "r.parquet")
            finally:
                sender.join(timeout=60)
                fake.release_held()
            # The temp file, and the export's lock.
            assert len(seen_while_held) == 1 and len(seen_while_held[0]) == 2
            assert "r.parquet.lock" in seen_while_held[0]
            assert len(page_requests(fake, sid)) <= 3  # stopped at the held page
            assert os.listdir(tmp_path) == []  # both removed

            client.export_responses(fake.survey_ids[1], tmp_path / "ok.csv")
            assert os.listdir(tmp_path) == ["ok.csv"]
    finally:
        signal.signal(signal.SIGINT, previous)
