"""Responses as Arrow tables: every cell of the wide and long tables must match an independent
reference built from the list-of-dicts output (tables_helpers), and pandas, polars, pyarrow and
DuckDB must read the table through the Arrow PyCapsule interface."""

from __future__ import annotations

import builtins
import importlib
import json
from datetime import datetime, timedelta, timezone

import hotjar_client as hj
import pytest
from helpers import FAST_BACKOFF, api_requests, page_requests
from hotjar_client.testing import FakeHotjar
from tables_helpers import (
    CRAFTED_RESPONSES,
    CRAFTED_SURVEY,
    LONG_COLUMNS,
    OTHER_ANSWERS,
    RESPONSE_COLUMNS,
    assert_rows_equal,
    canonical,
    long_rows,
    page,
    wide_columns,
    wide_rows,
)

ORPHAN_QUESTION_ID = "5559999"
# Small surveys keep the suite fast; the first has every question type, the second repeats a
# question text, the third is empty (and has sentiment analysis off).
COUNTS = [260, 150, 0, 120, 37]
FAKES = {
    "default": {},
    "numeric_ids": {"numeric_ids": True, "seed": 3},
    "extra_fields": {"extra_fields": True, "seed": 5},
    # Contentsquare-style ids (survey_<uuid>, question_<uuid>_<n>, uuid responses).
    "opaque_ids": {"id_style": "opaque", "extra_fields": True, "seed": 7},
}


class World:
    """A fake, a client, and per survey: the survey, the dicts, and both tables (fetched once)."""

    def __init__(self, fake, client, extra_fields=False):
        self.extra_fields = extra_fields
        self.fake = fake
        self.client = client
        self.surveys = {}
        self.dicts = {}
        self.tables = {}
        for sid in fake.survey_ids:
            self.surveys[sid] = client.get_survey(sid)
            self.dicts[sid] = client.responses(sid)
            for shape in ("wide", "long"):
                self.tables[sid, shape] = client.responses_table(sid, shape=shape)


@pytest.fixture(scope="module", params=list(FAKES))
def world(request):
    settings = FAKES[request.param]
    with (
        FakeHotjar(responses_per_survey=COUNTS, **settings) as fake,
        fake.client(requests_per_minute=None) as client,
    ):
        yield World(fake, client, extra_fields=settings.get("extra_fields", False))


@pytest.fixture(scope="module")
def plain():
    """A default-settings fake with small surveys, shared by the read-only tests."""
    with (
        FakeHotjar(responses_per_survey=COUNTS) as fake,
        fake.client(requests_per_minute=None) as client,
    ):
        yield World(fake, client)


@pytest.fixture
def fresh():
    """A fake of its own for tests that inject pages or failures."""
    with FakeHotjar(responses_per_survey=[250, 3]) as fake:
        yield fake


# --- the tables match the list-of-dicts output, cell for cell ---------------------------------


@pytest.mark.parametrize("index", range(len(COUNTS)))
def test_the_wide_table_matches_the_dicts_cell_for_cell(world, index):
    sid = world.fake.survey_ids[index]
    table = world.tables[sid, "wide"]
    survey, dicts = world.surveys[sid], world.dicts[sid]

    assert table.column_names == wide_columns(survey)
    assert_rows_equal(table.to_pylist(), wide_rows(survey, dicts), f"survey {index}")
    assert table.num_rows == len(dicts) == COUNTS[index]


@pytest.mark.parametrize("index", range(len(COUNTS)))
def test_the_long_table_matches_the_dicts_cell_for_cell(world, index):
    sid = world.fake.survey_ids[index]
    table = world.tables[sid, "long"]
    survey, dicts = world.surveys[sid], world.dicts[sid]

    assert table.column_names == RESPONSE_COLUMNS + LONG_COLUMNS
    assert_rows_equal(table.to_pylist(), long_rows(survey, dicts), f"survey {index}")


def test_the_dicts_are_the_fakes_truth(world):
    for sid in world.fake.survey_ids:
        assert world.dicts[sid] == world.fake.responses(sid)


def test_the_data_exercises_every_kind_of_cell(world):
    """Guards the comparisons above against passing on data that lacks the hard cases."""
    sid = world.fake.survey_ids[0]
    survey = world.surveys[sid]
    types = {q["type"] for q in survey["questions"]}
    assert {"nps", "single-option", "multiple-option", "long-text", "short-text", "email"} <= types
    assert {"reaction", "rating-1-5", "statement", "thank-you"} <= types
    rows = world.tables[sid, "wide"].to_pylist()
    column = {
        "nps": "How likely are you to recommend us to a friend?",
        "comment": "What did you come here to do? [comment]",
        "sentiment": "What is the main reason for your score? [sentiment]",
        "tags": "Which features do you use? [tags]",
    }
    nps = [r[column["nps"]] for r in rows]
    assert all(type(v) is int and 0 <= v <= 10 for v in nps if v is not None)
    assert any(r[column["comment"]] for r in rows)
    assert {r[column["sentiment"]] for r in rows} >= {"positive", "negative", "neutral", None}
    tags = [r[column["tags"]] for r in rows]
    assert [] in tags and None in tags and any(len(t or []) >= 1 for t in tags)
    assert any(r["is_complete"] is False for r in rows)
    assert any(r["user_attributes"] == {} for r in rows)
    assert any(r["user_attributes"] for r in rows)
    assert any(r["window_width"] is None for r in rows)
    assert any(r["recording_url"] is None for r in rows)
    assert any("\n" in (r["What is the main reason for your score?"] or "") for r in rows)
    # Answers with no text but present (null answer) keep their tags list.
    long = world.tables[sid, "long"].to_pylist()
    assert any(r["answer"] is None and r["question_id"] for r in long)
    # With extra_fields the fake answers a question no survey lists: other_answers fills up.
    others = [r[OTHER_ANSWERS] for r in rows if r[OTHER_ANSWERS] is not None]
    assert bool(others) == world.extra_fields


def test_a_repeated_question_text_gets_a_numbered_column(plain):
    sid = plain.fake.survey_ids[1]
    table = plain.tables[sid, "wide"]
    text = "What is the main reason for your score?"
    assert [q["text"] for q in plain.surveys[sid]["questions"]].count(text) == 2
    assert text in table.column_names
    assert f"{text} (2)" in table.column_names
    assert f"{text} (2) [sentiment]" in table.column_names
    assert f"{text} (2) [tags]" in table.column_names
    info = table.columns_info
    ids = [q["id"] for q in plain.surveys[sid]["questions"] if q["text"] == text]
    assert info[text]["question_id"] == ids[0]
    assert info[f"{text} (2)"]["question_id"] == ids[1]
    assert len(set(table.column_names)) == len(table.column_names)


def test_answers_to_a_question_the_survey_no_longer_lists_are_kept():
    with (
        FakeHotjar(responses_per_survey=[300], extra_fields=True, seed=5) as fake,
        fake.client(requests_per_minute=None) as client,
    ):
        sid = fake.survey_ids[0]
        dicts = client.responses(sid)
        orphans = [
            (r["id"], a)
            for r in dicts
            for a in r["answers"]
            if a["question_id"] == ORPHAN_QUESTION_ID
        ]
        assert orphans, "the fake sends no orphan answers; the test would prove nothing"
        assert ORPHAN_QUESTION_ID not in {q["id"] for q in client.get_survey(sid)["questions"]}

        wide = client.responses_table(sid).to_pylist()
        kept = [
            (row["response_id"], other)
            for row in wide
            for other in json.loads(row[OTHER_ANSWERS] or "[]")
            if other["question_id"] == ORPHAN_QUESTION_ID
        ]
        assert len(kept) == len(orphans)
        for (rid, answer), (kept_rid, other) in zip(orphans, kept, strict=True):
            assert kept_rid == rid
            assert other["answer"] == answer["answer"]
            assert other["tags"] == [t["name"] for t in answer["tags"]]

        long = client.responses_table(sid, shape="long").to_pylist()
        rows = [r for r in long if r["question_id"] == ORPHAN_QUESTION_ID]
        assert len(rows) == len(orphans)
        for row, (rid, answer) in zip(rows, orphans, strict=True):
            assert row["response_id"] == rid
            assert row["question_text"] is None and row["question_type"] is None
            assert row["answer"] == answer["answer"]


# --- crafted pages: the cases the fake's data never has ---------------------------------------


def crafted(fake, client, *, shape="wide", survey=None, responses=None):
    """The table of a survey and page served by the fake in place of its own data."""
    fake.fail_next(status=200, body=json.dumps(survey or CRAFTED_SURVEY))
    fake.fail_next(status=200, body=page(CRAFTED_RESPONSES if responses is None else responses))
    return client.responses_table(fake.survey_ids[0], shape=shape)


def crafted_dicts(fake, client, responses=None):
    fake.fail_next(status=200, body=page(CRAFTED_RESPONSES if responses is None else responses))
    return client.responses(fake.survey_ids[0])


def test_crafted_pages_match_the_reference_in_both_shapes(fresh):
    with fresh.client(requests_per_minute=None, retry_backoff=FAST_BACKOFF) as client:
        dicts = crafted_dicts(fresh, client)
        wide = crafted(fresh, client)
        long = crafted(fresh, client, shape="long")

    assert wide.column_names == wide_columns(CRAFTED_SURVEY)
    assert_rows_equal(wide.to_pylist(), wide_rows(CRAFTED_SURVEY, dicts), "crafted wide")
    assert_rows_equal(long.to_pylist(), long_rows(CRAFTED_SURVEY, dicts), "crafted long")


def test_crafted_pages_give_the_documented_cells(fresh):
    """The same cases, spelled out, so a reference bug cannot hide a table bug."""
    with fresh.client(requests_per_minute=None) as client:
        table = crafted(fresh, client)
    names = table.column_names
    assert names[len(RESPONSE_COLUMNS) :] == [
        "Score?",
        "Score? [tags]",
        "question 2",
        "question 2 [tags]",
        "Why?",
        "Why? [comment]",
        "Why? [tags]",
        "Why? (2)",
        "Why? (2) [sentiment]",
        "Why? (2) [tags]",
        "country (2)",
        "country (2) [sentiment]",
        "country (2) [tags]",
        "Something new",
        "Something new [tags]",
        "Which?",
        "Which? [tags]",
        "Email",
        "Email [tags]",
        "Feel?",
        "Feel? [tags]",
        "other_answers",
    ]
    first, empty, third, fourth = table.to_pylist()
    assert first["response_id"] == "101"
    assert first["created_time"] == datetime(2026, 1, 2, 1, 4, 5, 123456, tzinfo=timezone.utc)
    assert first["window_width"] == 1024 and first["window_height"] == 768
    assert first["user_attributes"] == {
        "none": None,
        "obj": '{"a":[1,2]}',
        "price": "111.45",
        "count": "3",
        "beta": "false",
        "plan": "pro",
    }
    assert first["Score?"] == 7
    assert first["question 2"] is None
    assert first["Why?"] == "Other" and first["Why? [comment]"] == "mine"
    assert first["Why? (2)"] == 'Multi\nline, "quoted"'
    assert first["Why? (2) [sentiment]"] == "negative"
    assert first["Why? (2) [tags]"] == ["bare", "named", None]
    assert first["Something new"] == "5"
    assert first["Which?"] is None and first["Which? [tags]"] is None
    assert first["Email"] == "e@example.com" and first["Email [tags]"] == []
    assert first["country (2)"] == "Fine" and first["country (2) [sentiment]"] == "positive"
    assert first["country"] == "DE"
    # A sentiment on a number question has no column: the whole answer goes to other_answers.
    assert first["Feel?"] is None
    others = json.loads(first[OTHER_ANSWERS])
    assert [(o["question_id"], o["answer"]) for o in others] == [
        ("2", "abc"),
        ("1", "8"),
        ("8", "A"),
        ("999", "orphan"),
        ("6", "to a statement"),
        ("10", "3"),
    ]
    assert others[2]["comment"] == "not asked for"
    assert others[3]["tags"] == ["t"]
    assert others[5]["sentiment"] == "neutral"

    assert empty["is_complete"] is None and empty["country"] is None
    assert empty["window_width"] is None and empty["user_attributes"] == {}
    question_cells = [empty[n] for n in names[len(RESPONSE_COLUMNS) :]]
    assert question_cells == [None] * len(question_cells)

    assert third["created_time"] == datetime(2025, 12, 31, 23, 59, 59, 500000, tzinfo=timezone.utc)
    assert third["is_complete"] is None  # "yes" is not a boolean
    assert (third["window_width"], third["window_height"]) == (390, 844)
    assert third["Score?"] is None and third["Score? [tags]"] == ["only-tags"]
    assert third["Feel?"] == -1
    assert third["Why?"] == "Buy" and third["Why? [comment]"] is None
    assert third["Which?"] is None and third["Which? [tags]"] == []
    assert third["Why? (2) [sentiment]"] is None
    assert [o["answer"] for o in json.loads(third[OTHER_ANSWERS])] == ["40000"]

    assert fourth["question 2"] == 4 and fourth["Score?"] == 9
    assert fourth["Which?"] == '["A","Ü"]'
    assert [o["answer"] for o in json.loads(fourth[OTHER_ANSWERS])] == ["3.5"]


def test_crafted_long_rows_keep_every_answer(fresh):
    with fresh.client(requests_per_minute=None) as client:
        rows = crafted(fresh, client, shape="long").to_pylist()
    answers = sum(max(1, len(r["answers"])) for r in CRAFTED_RESPONSES)
    assert len(rows) == answers
    by_question = {(r["response_id"], r["question_id"]): r for r in rows}
    assert by_question["101", "6"]["question_type"] == "statement"
    assert by_question["101", "6"]["question_text"] == "Note"
    assert by_question["101", "999"]["question_text"] is None
    assert by_question["101", "999"]["question_type"] is None
    assert by_question["101", "9"]["question_text"] == "Email"
    assert by_question["101", "7"]["answer"] == "5"
    assert by_question["101", "4"]["tags"] == ["bare", "named", None]
    assert by_question["104", "1"]["answer"] == "9"
    empty = [r for r in rows if r["response_id"] == "102"]
    assert len(empty) == 1
    assert all(empty[0][c] is None for c in LONG_COLUMNS)


def test_a_survey_without_sentiment_analysis_has_no_sentiment_columns(fresh):
    survey = {**CRAFTED_SURVEY, "sentiment_analysis_enabled": False}
    responses = [
        {
            "id": "1",
            "created_time": "2026-01-01T00:00:00Z",
            "answers": [{"question_id": "4", "answer": "hi", "sentiment": "positive"}],
        }
    ]
    with fresh.client(requests_per_minute=None) as client:
        table = crafted(fresh, client, survey=survey, responses=responses)
    assert not [n for n in table.column_names if n.endswith("[sentiment]")]
    (row,) = table.to_pylist()
    # The sentiment has no column, so the answer is kept whole in other_answers.
    assert row["Why? (2)"] is None
    assert json.loads(row[OTHER_ANSWERS])[0]["sentiment"] == "positive"


def without_null_tags(responses):
    out = json.loads(json.dumps(responses))
    for response in out:
        for answer in response.get("answers") or []:
            if isinstance(answer.get("tags"), list):
                answer["tags"] = [t for t in answer["tags"] if t is not None]
    return out


def test_a_survey_without_questions_keeps_every_answer_in_other_answers(fresh):
    survey = {"id": "77", "name": "No questions"}
    responses = without_null_tags(CRAFTED_RESPONSES)
    with fresh.client(requests_per_minute=None) as client:
        dicts = crafted_dicts(fresh, client, responses)
        table = crafted(fresh, client, survey=survey, responses=responses)
    assert table.column_names == [*RESPONSE_COLUMNS, OTHER_ANSWERS]
    assert_rows_equal(table.to_pylist(), wide_rows(survey, dicts), "no questions")
    kept = sum(len(json.loads(r[OTHER_ANSWERS] or "[]")) for r in table.to_pylist())
    assert kept == sum(len(r["answers"]) for r in CRAFTED_RESPONSES)


def test_a_null_tag_stays_null_in_other_answers(fresh):
    responses = [
        {
            "id": "1",
            "created_time": "2026-01-01T00:00:00Z",
            "answers": [{"question_id": "999", "answer": "x", "tags": ["a", None]}],
        }
    ]
    with fresh.client(requests_per_minute=None) as client:
        (row,) = crafted(fresh, client, responses=responses).to_pylist()
    assert json.loads(row[OTHER_ANSWERS])[0]["tags"] == ["a", None]


def test_a_whole_float_user_attribute_keeps_its_json_text(fresh):
    responses = [
        {
            "id": "1",
            "created_time": "2026-01-01T00:00:00Z",
            "user_attributes": [{"name": "ltv", "value": 759.0}, {"name": "e", "value": 1e3}],
            "answers": [],
        }
    ]
    with fresh.client(requests_per_minute=None) as client:
        (dicts,) = crafted_dicts(fresh, client, responses)
        (row,) = crafted(fresh, client, responses=responses).to_pylist()
    assert dicts["user_attributes"][0]["value"] == 759.0
    assert row["user_attributes"] == {"ltv": "759.0", "e": "1000.0"}


def test_an_unreadable_page_keeps_the_pages_before_it(fresh):
    good = CRAFTED_RESPONSES[:2]
    bad = [{"id": "9", "created_time": "2026-01-01T00:00:00Z", "answers": {"not": "a list"}}]
    sid = fresh.survey_ids[0]
    with fresh.client(requests_per_minute=None, max_retries=0) as client:
        fresh.fail_next(status=200, body=json.dumps(CRAFTED_SURVEY))
        fresh.fail_next(status=200, body=page(good, "c2"))
        fresh.fail_next(status=200, body=page(bad))
        with pytest.raises(hj.InvalidResponseError) as caught:
            client.responses_table(sid)
        dicts = crafted_dicts(fresh, client, good)
    assert caught.value.resume_cursor == "c2"
    partial = caught.value.partial
    assert_rows_equal(partial.to_pylist(), wide_rows(CRAFTED_SURVEY, dicts), "partial")


def test_user_attributes_as_an_object_do_not_fail_the_table(fresh):
    responses = [
        {"id": "1", "created_time": "2026-01-01T00:00:00Z", "user_attributes": {"plan": "pro"}}
    ]
    with fresh.client(requests_per_minute=None, max_retries=0) as client:
        assert crafted_dicts(fresh, client, responses)[0]["user_attributes"] == {"plan": "pro"}
        table = crafted(fresh, client, responses=responses)
    assert table.num_rows == 1


def test_a_statement_does_not_take_a_questions_column_name(fresh):
    survey = {
        "id": "77",
        "questions": [
            {"id": "1", "type": "statement", "text": "Anything else?"},
            {"id": "2", "type": "long-text", "text": "Anything else?"},
        ],
    }
    responses = [
        {
            "id": "1",
            "created_time": "2026-01-01T00:00:00Z",
            "answers": [{"question_id": "2", "answer": "no"}],
        }
    ]
    with fresh.client(requests_per_minute=None) as client:
        table = crafted(fresh, client, survey=survey, responses=responses)
    assert table.to_pylist()[0]["Anything else?"] == "no"


def test_a_response_repeated_across_pages_appears_once_as_in_the_dicts(fresh):
    first = [dict(CRAFTED_RESPONSES[0]), dict(CRAFTED_RESPONSES[1])]
    second = [dict(CRAFTED_RESPONSES[1]), dict(CRAFTED_RESPONSES[2])]
    sid = fresh.survey_ids[0]
    with fresh.client(requests_per_minute=None) as client:
        fresh.fail_next(status=200, body=page(first, "c2"))
        fresh.fail_next(status=200, body=page(second))
        dicts = client.responses(sid)
        fresh.fail_next(status=200, body=json.dumps(CRAFTED_SURVEY))
        fresh.fail_next(status=200, body=page(first, "c2"))
        fresh.fail_next(status=200, body=page(second))
        table = client.responses_table(sid)
    assert [d["id"] for d in dicts] == ["101", "102", "103"]
    assert_rows_equal(table.to_pylist(), wide_rows(CRAFTED_SURVEY, dicts), "deduped")


# --- schema and metadata -----------------------------------------------------------------------


def test_the_wide_schema_has_the_documented_types(plain):
    pa = pytest.importorskip("pyarrow")
    sid = plain.fake.survey_ids[0]
    schema = pa.table(plain.tables[sid, "wide"]).schema
    dictionary = pa.dictionary(pa.int32(), pa.string())
    expected = {
        "response_id": pa.string(),
        "created_time": pa.timestamp("us", tz="UTC"),
        "is_complete": pa.bool_(),
        "country": dictionary,
        "device": dictionary,
        "browser": dictionary,
        "os": dictionary,
        "hotjar_user_id": pa.string(),
        "recording_url": pa.string(),
        "response_origin_url": pa.string(),
        "window_width": pa.int32(),
        "window_height": pa.int32(),
        "user_attributes": pa.map_(pa.string(), pa.string()),
        "How likely are you to recommend us to a friend?": pa.int16(),
        "How do you feel about our new design?": pa.int16(),
        "How easy was it to find what you needed?": pa.int16(),
        "What did you come here to do?": pa.string(),
        "What did you come here to do? [comment]": pa.string(),
        "What is the main reason for your score? [sentiment]": dictionary,
        "Which features do you use? [tags]": pa.list_(pa.string()),
        OTHER_ANSWERS: pa.string(),
    }
    for name, type_ in expected.items():
        assert schema.field(name).type == type_, name
    assert schema.metadata[b"hotjar.survey_id"] == sid.encode()
    assert schema.metadata[b"hotjar.shape"] == b"wide"
    assert schema.metadata[b"hotjar.survey_name"] == plain.surveys[sid]["name"].encode()


def test_the_long_schema_has_the_documented_types(plain):
    pa = pytest.importorskip("pyarrow")
    schema = pa.table(plain.tables[plain.fake.survey_ids[0], "long"]).schema
    assert schema.field("question_id").type == pa.string()
    assert schema.field("answer").type == pa.string()
    assert schema.field("comment").type == pa.string()
    assert schema.field("tags").type == pa.list_(pa.string())
    for name in ("question_text", "question_type", "sentiment"):
        assert pa.types.is_dictionary(schema.field(name).type)
    assert schema.metadata[b"hotjar.shape"] == b"long"


def test_columns_info_names_each_columns_question_and_part(plain):
    sid = plain.fake.survey_ids[0]
    table = plain.tables[sid, "wide"]
    info = table.columns_info
    assert list(info) == table.column_names
    for name in [*RESPONSE_COLUMNS, OTHER_ANSWERS]:
        assert set(info[name]) == {"type"}, name
    assert info["created_time"]["type"].startswith("Timestamp")
    questions = {q["id"]: q for q in plain.surveys[sid]["questions"]}
    parts = {}
    for name in table.column_names[len(RESPONSE_COLUMNS) : -1]:
        entry = info[name]
        question = questions[entry["question_id"]]
        assert entry["question_type"] == question["type"]
        assert entry["question_text"] == question["text"]
        suffix = {"answer": "", "sentiment": " [sentiment]", "comment": " [comment]"}
        suffix["tags"] = " [tags]"
        assert name == question["text"] + suffix[entry["part"]]
        parts.setdefault(entry["question_id"], []).append(entry["part"])
    answered = [q for q in questions.values() if q["type"] not in ("statement", "thank-you")]
    assert list(parts) == [q["id"] for q in answered]
    assert parts["5550001"] == ["answer", "comment", "tags"]
    assert parts["5550003"] == ["answer", "sentiment", "tags"]
    assert parts["5550000"] == ["answer", "tags"]
    assert info["How likely are you to recommend us to a friend?"]["type"] == "Int16"


def test_columns_info_of_the_long_table_has_only_types(plain):
    table = plain.tables[plain.fake.survey_ids[0], "long"]
    info = table.columns_info
    assert list(info) == RESPONSE_COLUMNS + LONG_COLUMNS
    assert all(set(entry) == {"type"} for entry in info.values())
    assert info["tags"]["type"].startswith("List")


def test_field_metadata_reaches_pyarrow(plain):
    pa = pytest.importorskip("pyarrow")
    sid = plain.fake.survey_ids[0]
    field = pa.table(plain.tables[sid, "wide"]).schema.field("What did you come here to do?")
    assert field.metadata == {
        b"hotjar.question_id": b"5550001",
        b"hotjar.question_type": b"single-option",
        b"hotjar.question_text": b"What did you come here to do?",
        b"hotjar.part": b"answer",
    }


def test_the_arrow_c_schema_matches_the_stream(plain):
    pa = pytest.importorskip("pyarrow")
    table = plain.tables[plain.fake.survey_ids[1], "wide"]
    assert pa.schema(table) == pa.table(table).schema


# --- the empty survey --------------------------------------------------------------------------


def test_an_empty_survey_gives_zero_rows_with_the_full_schema(plain):
    sid = plain.fake.survey_ids[2]
    survey = plain.surveys[sid]
    wide = plain.tables[sid, "wide"]
    long = plain.tables[sid, "long"]
    assert wide.shape == (0, len(wide_columns(survey)))
    assert wide.column_names == wide_columns(survey)
    assert len(wide) == 0 and wide.to_pylist() == []
    assert "0 rows" in wide._repr_html_() and "more rows" not in wide._repr_html_()
    assert wide.to_pydict() == {name: [] for name in wide_columns(survey)}
    assert long.shape == (0, len(RESPONSE_COLUMNS) + len(LONG_COLUMNS))
    # Sentiment analysis is off on this survey: its short-text question has no such column.
    assert survey["sentiment_analysis_enabled"] is False
    assert not [n for n in wide.column_names if n.endswith("[sentiment]")]
    assert "In one word, how was checkout?" in wide.column_names


def test_an_empty_survey_reads_into_every_library(plain):
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    pd = pytest.importorskip("pandas")
    duckdb = pytest.importorskip("duckdb")
    t = plain.tables[plain.fake.survey_ids[2], "wide"]
    assert pa.table(t).num_rows == 0
    assert pa.table(t).column_names == t.column_names
    assert pl.DataFrame(t).columns == t.column_names
    assert list(t.to_pandas().columns) == t.column_names
    assert len(pd.DataFrame.from_arrow(t)) == 0
    assert duckdb.sql("select count(*) from t").fetchall() == [(0,)]
    assert duckdb.sql("select * from t").columns == t.column_names


# --- other libraries read the table through the capsule ----------------------------------------


def normalize(value):
    """A cell from pandas, polars, pyarrow or DuckDB in the shape to_pylist gives."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        np = None
    if np is not None and isinstance(value, np.ndarray):
        return [normalize(v) for v in value.tolist()]
    if np is not None and isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value != value:
        return None
    if value is not None and type(value).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc)
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value


def same_cells(actual_rows, table):
    expected = table.to_pylist()
    actual = [{k: normalize(v) for k, v in row.items()} for row in actual_rows]
    assert_rows_equal(actual, expected, "reader")


SHAPES = ["wide", "long"]


@pytest.mark.parametrize("shape", SHAPES)
def test_pyarrow_reads_the_table(plain, shape):
    pa = pytest.importorskip("pyarrow")
    table = plain.tables[plain.fake.survey_ids[0], shape]
    arrow = pa.table(table)
    assert arrow.column_names == table.column_names
    same_cells(arrow.to_pylist(), table)
    same_cells(table.to_pyarrow().to_pylist(), table)
    assert pa.RecordBatchReader.from_stream(table).read_all().equals(arrow)


def test_pyarrow_can_ask_for_another_schema(plain):
    pa = pytest.importorskip("pyarrow")
    table = plain.tables[plain.fake.survey_ids[0], "wide"]
    schema = pa.schema(table)
    plain_strings = pa.schema(
        [f.with_type(pa.string()) if pa.types.is_dictionary(f.type) else f for f in schema]
    )
    reader = pa.RecordBatchReader.from_stream(table, schema=plain_strings)
    assert reader.schema.field("country").type == pa.string()
    assert reader.read_all().column("country").to_pylist() == table.to_pydict()["country"]


def test_a_head_is_read_through_the_capsule_too(plain):
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    head = plain.tables[plain.fake.survey_ids[0], "wide"].head(3)
    assert pa.table(head).num_rows == 3
    assert pl.DataFrame(head).height == 3
    assert duckdb.sql("select count(*) from head").fetchall() == [(3,)]
    same_cells(pa.table(head).to_pylist(), head)


@pytest.mark.parametrize("shape", SHAPES)
def test_polars_reads_the_table(plain, shape):
    pl = pytest.importorskip("polars")
    table = plain.tables[plain.fake.survey_ids[0], shape]
    frame = pl.DataFrame(table)
    assert frame.columns == table.column_names
    assert frame.height == table.num_rows
    same_cells(frame.to_dicts(), table)
    assert table.to_polars().equals(frame)
    assert frame.schema["created_time"] == pl.Datetime("us", "UTC")


@pytest.mark.parametrize("shape", SHAPES)
def test_duckdb_reads_the_table(plain, shape):
    duckdb = pytest.importorskip("duckdb")
    t = plain.tables[plain.fake.survey_ids[0], shape]
    result = duckdb.sql("select * from t")
    assert result.columns == t.column_names
    rows = [dict(zip(result.columns, row, strict=True)) for row in result.fetchall()]
    same_cells(rows, t)


def test_duckdb_aggregates_the_table(plain):
    duckdb = pytest.importorskip("duckdb")
    sid = plain.fake.survey_ids[0]
    t = plain.tables[sid, "wide"]
    nps = '"How likely are you to recommend us to a friend?"'
    got = duckdb.sql(
        f"select country, count(*), avg({nps}) from t group by country order by country"
    ).fetchall()
    rows = t.to_pylist()
    want = []
    for country in sorted({r["country"] for r in rows}):
        scores = [r[nps.strip('"')] for r in rows if r["country"] == country]
        known = [s for s in scores if s is not None]
        want.append((country, len(scores), sum(known) / len(known)))
    assert [(c, n) for c, n, _ in got] == [(c, n) for c, n, _ in want]
    for (_, _, a), (_, _, b) in zip(got, want, strict=True):
        assert a == pytest.approx(b)


@pytest.mark.parametrize("shape", SHAPES)
def test_pandas_reads_the_table_through_from_arrow(plain, shape):
    pd = pytest.importorskip("pandas")
    if not hasattr(pd.DataFrame, "from_arrow"):
        pytest.skip("this pandas has no DataFrame.from_arrow")
    table = plain.tables[plain.fake.survey_ids[0], shape]
    frame = pd.DataFrame.from_arrow(table)
    assert list(frame.columns) == table.column_names
    same_cells(frame.to_dict("records"), table)


@pytest.mark.parametrize("shape", SHAPES)
def test_to_pandas_keeps_types_and_cells(plain, shape):
    pytest.importorskip("pandas")
    table = plain.tables[plain.fake.survey_ids[0], shape]
    frame = table.to_pandas()
    assert list(frame.columns) == table.column_names
    same_cells(frame.to_dict("records"), table)
    dtypes = frame.dtypes.astype(str).to_dict()
    assert dtypes["is_complete"] == "boolean"
    assert dtypes["window_width"] == "Int32"
    assert dtypes["country"] == "category"
    assert dtypes["created_time"] == "datetime64[us, UTC]"
    assert all(isinstance(v, dict) for v in frame["user_attributes"])
    if shape == "wide":
        assert dtypes["How likely are you to recommend us to a friend?"] == "Int16"
        assert dtypes["How easy was it to find what you needed?"] == "Int16"


def test_pandas_shows_missing_numbers_as_missing_not_floats(plain):
    pytest.importorskip("pandas")
    frame = plain.tables[plain.fake.survey_ids[0], "wide"].to_pandas()
    column = frame["How easy was it to find what you needed?"]
    assert str(column.dtype) == "Int16"
    assert column.isna().any() and column.notna().any()
    assert int(column.sum()) == sum(v for v in column.dropna())


# --- optional packages missing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "missing", "extra"),
    [
        ("to_pandas", "pandas", "hotjar-client[pandas]"),
        ("to_pandas", "pyarrow", "hotjar-client[arrow]"),
        ("to_polars", "polars", "hotjar-client[polars]"),
        ("to_pyarrow", "pyarrow", "hotjar-client[arrow]"),
    ],
)
def test_a_missing_optional_package_names_the_extra(plain, monkeypatch, method, missing, extra):
    real_import_module = importlib.import_module
    real_import = builtins.__import__

    def import_module(name, *args, **kwargs):
        if name == missing or name.startswith(missing + "."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import_module(name, *args, **kwargs)

    def import_(name, *args, **kwargs):
        if name == missing or name.startswith(missing + "."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(importlib, "import_module", import_module)
    monkeypatch.setattr(builtins, "__import__", import_)
    table = plain.tables[plain.fake.survey_ids[0], "wide"]
    with pytest.raises(ImportError) as caught:
        getattr(table, method)()
    assert extra in str(caught.value)
    assert missing in str(caught.value)
    assert f"{method}()" in str(caught.value)


def test_to_pydict_and_to_pylist_need_no_optional_package(plain, monkeypatch):
    table = plain.tables[plain.fake.survey_ids[0], "wide"]
    real_import = builtins.__import__
    real_import_module = importlib.import_module
    blocked = ("pandas", "polars", "pyarrow", "numpy", "duckdb")

    def import_(name, *args, **kwargs):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(name, name=name)
        return real_import(name, *args, **kwargs)

    def import_module(name, *args, **kwargs):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(name, name=name)
        return real_import_module(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", import_)
    monkeypatch.setattr(importlib, "import_module", import_module)
    rows = table.to_pylist()
    columns = table.to_pydict()
    html = table._repr_html_()
    monkeypatch.undo()
    assert len(rows) == table.num_rows
    assert list(columns) == table.column_names
    assert "<table>" in html


# --- to_pydict / to_pylist ---------------------------------------------------------------------


def test_to_pydict_holds_the_same_cells_as_to_pylist(plain):
    table = plain.tables[plain.fake.survey_ids[0], "wide"]
    columns = table.to_pydict()
    rows = table.to_pylist()
    assert list(columns) == table.column_names
    for name, values in columns.items():
        assert values == [row[name] for row in rows], name


def test_python_values_have_native_types(plain):
    table = plain.tables[plain.fake.survey_ids[0], "wide"]
    columns = table.to_pydict()
    times = columns["created_time"]
    assert all(isinstance(t, datetime) for t in times)
    assert all(t.utcoffset() == timedelta(0) for t in times)
    assert times == sorted(times, reverse=True)
    assert {type(v) for v in columns["is_complete"]} == {bool}
    assert {type(v) for v in columns["response_id"]} == {str}
    assert {type(v) for v in columns["country"]} == {str}
    assert {type(v) for v in columns["window_width"]} <= {int, type(None)}
    assert {type(v) for v in columns["user_attributes"]} == {dict}
    nps = columns["How likely are you to recommend us to a friend?"]
    assert {type(v) for v in nps} <= {int, type(None)}
    tags = columns["Which features do you use? [tags]"]
    assert {type(v) for v in tags} <= {list, type(None)}
    assert {type(v) for v in columns[OTHER_ANSWERS]} <= {str, type(None)}


def test_created_time_is_the_instant_the_api_sent(plain):
    sid = plain.fake.survey_ids[0]
    times = plain.tables[sid, "wide"].to_pydict()["created_time"]
    sent = [r["created_time"] for r in plain.dicts[sid]]
    assert [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in times] == sent


# --- the table object --------------------------------------------------------------------------


def test_the_table_describes_itself(plain):
    sid = plain.fake.survey_ids[0]
    table = plain.tables[sid, "wide"]
    assert isinstance(table, hj.ResponseTable)
    assert table.survey_id == sid
    assert table.layout == "wide"
    assert plain.tables[sid, "long"].layout == "long"
    assert table.num_rows == len(table) == COUNTS[0]
    assert table.num_columns == len(table.column_names)
    assert table.shape == (table.num_rows, table.num_columns)
    text = repr(table)
    assert text.startswith("<hotjar_client.ResponseTable")
    assert f"survey_id='{sid}'" in text
    assert f"rows={COUNTS[0]}" in text and f"columns={table.num_columns}" in text
    assert "layout='wide'" in text


def test_head_gives_the_first_rows_as_a_table(plain):
    table = plain.tables[plain.fake.survey_ids[0], "wide"]
    head = table.head(3)
    assert isinstance(head, hj.ResponseTable)
    assert head.num_rows == 3
    assert head.column_names == table.column_names
    assert head.to_pylist() == table.to_pylist()[:3]
    assert table.head().num_rows == 5
    assert table.head(10**6).num_rows == table.num_rows
    assert table.head(0).num_rows == 0
    assert head.survey_id == table.survey_id and head.layout == table.layout


def test_head_refuses_a_negative_count(plain):
    table = plain.tables[plain.fake.survey_ids[0], "wide"]
    with pytest.raises((OverflowError, ValueError, TypeError)):
        table.head(-1)


def test_the_html_repr_shows_the_first_rows_escaped(fresh):
    with fresh.client(requests_per_minute=None) as client:
        table = crafted(fresh, client)
        many = client.responses_table(fresh.survey_ids[0])
    html = table._repr_html_()
    assert "<table>" in html and "</table>" in html
    assert "https://example.com/a,b" in html
    assert "Why? (2) [sentiment]" in html
    assert html.count("<tr>") == 1 + table.num_rows
    assert "more rows" not in html
    many_html = many._repr_html_()
    assert many_html.count("<tr>") == 1 + 10
    assert f"{many.num_rows - 10:,} more rows" in many_html


def test_the_html_repr_escapes_markup_in_cells(fresh):
    responses = [
        {
            "id": "1",
            "created_time": "2026-01-01T00:00:00Z",
            "answers": [{"question_id": "4", "answer": "<script>alert(1)</script>"}],
        }
    ]
    survey = {**CRAFTED_SURVEY, "questions": [{"id": "4", "type": "long-text", "text": "<b>?"}]}
    with fresh.client(requests_per_minute=None) as client:
        html = crafted(fresh, client, survey=survey, responses=responses)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>?" not in html and "&lt;b&gt;?" in html


# --- since, resume and failures ------------------------------------------------------------------


def test_since_gives_the_same_rows_as_the_dicts(plain):
    sid = plain.fake.survey_ids[0]
    dicts = plain.dicts[sid]
    since = dicts[100]["created_time"]
    newer = plain.client.responses(sid, since=since)
    assert 0 < len(newer) < len(dicts)
    for value in (since, datetime.fromisoformat(since.replace("Z", "+00:00"))):
        wide = plain.client.responses_table(sid, since=value)
        assert_rows_equal(wide.to_pylist(), wide_rows(plain.surveys[sid], newer), "since")
        long = plain.client.responses_table(sid, since=value, shape="long")
        assert_rows_equal(long.to_pylist(), long_rows(plain.surveys[sid], newer), "since long")
    cut = datetime.fromisoformat(since.replace("Z", "+00:00"))
    assert all(t >= cut for t in wide.to_pydict()["created_time"])


def test_since_in_the_future_gives_an_empty_table_with_the_full_schema(plain):
    sid = plain.fake.survey_ids[0]
    table = plain.client.responses_table(sid, since="2100-01-01")
    assert table.num_rows == 0
    assert table.column_names == plain.tables[sid, "wide"].column_names


def test_a_survey_id_as_int_works(plain):
    sid = plain.fake.survey_ids[4]
    table = plain.client.responses_table(int(sid))
    assert table.survey_id == sid
    assert table.to_pylist() == plain.tables[sid, "wide"].to_pylist()


@pytest.mark.parametrize("shape", SHAPES)
def test_a_failure_part_way_keeps_what_was_read_and_resumes(shape):
    with (
        FakeHotjar(responses_per_survey=[250], rate_limit=4) as fake,
        fake.client(requests_per_minute=None, max_retries=0) as client,
    ):
        sid = fake.survey_ids[0]
        truth = fake.responses(sid)
        survey = fake.surveys()[0]
        with pytest.raises(hj.RateLimitError) as caught:
            # token, survey, two pages fit in the window of 4; the third page is refused
            client.responses_table(sid, shape=shape)
        error = caught.value
        partial = error.partial
        assert isinstance(partial, hj.ResponseTable)
        assert partial.layout == shape and partial.survey_id == sid
        assert error.resume_cursor
        read = {r["response_id"] for r in partial.to_pylist()}
        assert len(read) == 200
        reference = wide_rows if shape == "wide" else long_rows
        assert_rows_equal(partial.to_pylist(), reference(survey, truth[:200]), "partial")

        fake.set_rate_limit(None)
        rest = client.responses_table(sid, shape=shape, resume_cursor=error.resume_cursor)
        assert rest.column_names == partial.column_names
        combined = partial.to_pylist() + rest.to_pylist()
        assert_rows_equal(combined, reference(survey, truth), "partial + rest")


def test_a_failure_on_the_survey_has_nothing_partial(fresh):
    with fresh.client(requests_per_minute=None, max_retries=0) as client:
        fresh.fail_next(status=500)
        with pytest.raises(hj.ServerError) as caught:
            client.responses_table(fresh.survey_ids[0])
    assert caught.value.partial is None
    assert caught.value.resume_cursor is None


def test_a_failure_on_the_first_page_resumes_from_the_start(fresh):
    with fresh.client(requests_per_minute=None, max_retries=1, retry_backoff=0.001) as client:
        sid = fresh.survey_ids[0]
        client.get_survey(sid)  # warms the token
        fresh.clear_request_log()
        fresh.fail_next(status=200, body=json.dumps(fresh.surveys()[0]))
        fresh.fail_next(2, status=503)
        with pytest.raises(hj.ServerError) as caught:
            client.responses_table(sid)
    partial = caught.value.partial
    assert partial is None or partial.num_rows == 0
    assert caught.value.resume_cursor is None


def test_an_unknown_survey_is_not_found(fresh):
    with fresh.client(requests_per_minute=None) as client, pytest.raises(hj.NotFoundError):
        client.responses_table("999999999")


# --- bad input is refused before anything is sent ------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"shape": "tall"},
        {"shape": "Wide"},
        {"since": "2024-01-01T00:00:00"},
        {"since": "yesterday"},
        {"resume_cursor": "  "},
        {"site_id": "abc"},
    ],
)
def test_bad_arguments_are_refused_before_any_request(fresh, kwargs):
    with fresh.client(requests_per_minute=None) as client, pytest.raises(hj.ConfigurationError):
        client.responses_table(fresh.survey_ids[0], **kwargs)
    assert fresh.request_log() == []


@pytest.mark.parametrize("survey_id", ["", "a/b", -1, 1.5, None])
def test_a_bad_survey_id_is_refused_before_any_request(fresh, survey_id):
    client = fresh.client(requests_per_minute=None)
    with client, pytest.raises((hj.ConfigurationError, TypeError)):
        client.responses_table(survey_id)
    assert fresh.request_log() == []


def test_a_closed_client_refuses(fresh):
    client = fresh.client(requests_per_minute=None)
    client.close()
    with pytest.raises(hj.ClientClosedError):
        client.responses_table(fresh.survey_ids[0])
    assert api_requests(fresh) == []


def test_the_table_stays_usable_after_the_client_closes(fresh):
    with fresh.client(requests_per_minute=None) as client:
        table = client.responses_table(fresh.survey_ids[1])
    assert table.num_rows == 3
    assert len(table.to_pylist()) == 3
    assert page_requests(fresh, fresh.survey_ids[1])


def test_canonical_rows_parse_other_answers():
    # The comparison helper itself: a string other_answers is read as JSON.
    row = canonical({OTHER_ANSWERS: '[{"a": 1}]', "user_attributes": [("k", "1.5")]})
    assert row == {OTHER_ANSWERS: [{"a": 1}], "user_attributes": {"k": 1.5}}
