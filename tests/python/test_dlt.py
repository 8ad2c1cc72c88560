"""The dlt source (``hotjar_client.dlt``) with dlt's DuckDB destination, against the fake:
first run, incremental runs with new and changed responses, new surveys, failures."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta

import hotjar_client as hj
import pytest
from hotjar_client.testing import FakeHotjar

dlt = pytest.importorskip("dlt")
duckdb = pytest.importorskip("duckdb")
hjdlt = pytest.importorskip("hotjar_client.dlt")

# A big survey (100 pages), a middling one, an empty one and a small one.
SURVEYS = [10_000, 250, 0, 40]
_names = itertools.count()


@pytest.fixture
def fake(id_style):
    with FakeHotjar(seed=3, responses_per_survey=SURVEYS, id_style=id_style) as server:
        yield server


@pytest.fixture
def client(fake):
    with fake.client(max_retries=0) as c:
        yield c


@pytest.fixture
def pipeline(tmp_path):
    return dlt.pipeline(
        f"hotjar_test_{next(_names)}",
        destination=dlt.destinations.duckdb(str(tmp_path / "warehouse.duckdb")),
        dataset_name="hotjar",
        pipelines_dir=str(tmp_path / "pipelines"),
    )


def query(pipeline, sql: str) -> list[tuple]:
    with pipeline.sql_client() as c:
        return [tuple(row) for row in c.execute_sql(sql)]


def count(pipeline, table: str) -> int:
    return query(pipeline, f"SELECT count(*) FROM hotjar.{table}")[0][0]


def requests(fake) -> list[dict]:
    return [r for r in fake.request_log() if "/oauth/" not in r["path"]]


def answers_of(response: dict) -> list[tuple]:
    return [
        (
            a["question_id"],
            a.get("answer"),
            a.get("comment"),
            a.get("sentiment"),
            [t["name"] for t in a.get("tags") or []],
        )
        for a in response["answers"]
    ]


def stored_answers(pipeline, response_id: str) -> list[tuple]:
    rows = query(
        pipeline,
        "SELECT question_id, answer, comment, sentiment, tags FROM hotjar.survey_answers "
        f"WHERE response_id = '{response_id}' ORDER BY question_id",
    )
    return [(q, a, c, s, json.loads(t) if t is not None else []) for q, a, c, s, t in rows]


def created(response: dict) -> datetime:
    return datetime.fromisoformat(response["created_time"].replace("Z", "+00:00"))


def truth_counts(fake) -> dict[str, int]:
    surveys = fake.surveys()
    responses = [r for s in surveys for r in fake.responses(s["id"])]
    return {
        "surveys": len(surveys),
        "survey_questions": sum(len(s["questions"]) for s in surveys),
        "survey_responses": len(responses),
        "survey_answers": sum(len(r["answers"]) for r in responses),
    }


def table_counts(pipeline) -> dict[str, int]:
    return {t: count(pipeline, t) for t in ["surveys", "survey_questions", *hjdlt.MERGED_TABLES]}


@pytest.mark.id_styles
def test_the_first_run_loads_every_table_as_the_fake_holds_it(fake, client, pipeline):
    pipeline.run(hjdlt.hotjar_source(client))

    assert table_counts(pipeline) == truth_counts(fake)
    assert query(pipeline, "SELECT count(DISTINCT response_id) FROM hotjar.survey_responses") == [
        (sum(SURVEYS),)
    ]
    # Cell by cell on a sample of responses of every non-empty survey.
    for survey_id in fake.survey_ids:
        truth = fake.responses(survey_id)
        for response in truth[:: max(len(truth) // 7, 1)]:
            (row,) = query(
                pipeline,
                "SELECT survey_id, created_time, is_complete, country, device, browser, os, "
                "hotjar_user_id, recording_url, response_origin_url, window_width, "
                "window_height, user_attributes FROM hotjar.survey_responses "
                f"WHERE response_id = '{response['id']}'",
            )
            window = response.get("window_size") or {}
            assert row[0] == survey_id
            assert row[1] == created(response)
            assert row[2:10] == (
                response["is_complete"],
                response["country"],
                response["device"],
                response["browser"],
                response["os"],
                response["hotjar_user_id"],
                response["recording_url"],
                response["response_origin_url"],
            )
            assert row[10:12] == (window.get("width"), window.get("height"))
            attributes = json.loads(row[12]) if row[12] is not None else {}
            assert set(attributes) == {a["name"] for a in response["user_attributes"]}
            for attribute in response["user_attributes"]:
                if isinstance(attribute["value"], str):
                    assert attributes[attribute["name"]] == attribute["value"]
            assert stored_answers(pipeline, response["id"]) == sorted(answers_of(response))
    # Surveys and questions.
    for survey in fake.surveys():
        (row,) = query(
            pipeline,
            f"SELECT name, type, is_enabled FROM hotjar.surveys WHERE id = '{survey['id']}'",
        )
        assert row == (survey["name"], survey["type"], survey["is_enabled"])
        questions = query(
            pipeline,
            "SELECT question_id, type, text, position FROM hotjar.survey_questions "
            f"WHERE survey_id = '{survey['id']}' ORDER BY position",
        )
        assert questions == [
            (q["id"], q["type"], q["text"], i) for i, q in enumerate(survey["questions"])
        ]
    # The created_time column is a timestamp, user_attributes JSON (as dlt stores nested data).
    types = dict(
        query(
            pipeline,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'hotjar' AND table_name = 'survey_responses'",
        )
    )
    assert types["created_time"] == "TIMESTAMP WITH TIME ZONE"
    assert types["user_attributes"] == "JSON"
    # Answers are numbered in their response: 0, 1, ... with no gap and no repeat.
    assert query(
        pipeline,
        "SELECT count(*) FROM (SELECT response_id FROM hotjar.survey_answers GROUP BY "
        "response_id HAVING max(position) + 1 <> count(*) OR count(DISTINCT position) <> "
        "count(*))",
    ) == [(0,)]
    assert hjdlt.failed_surveys(pipeline) == {}


@pytest.mark.id_styles
def test_the_next_run_adds_new_responses_updates_changed_ones_and_sends_few_requests(
    fake, client, pipeline
):
    big = fake.survey_ids[0]
    fake.clear_request_log()
    pipeline.run(hjdlt.hotjar_source(client, lookback=timedelta(hours=1)))
    first_requests = len(requests(fake))
    before = table_counts(pipeline)
    # What the next run reads again: each survey's responses of the hour before its newest.
    rereads = 0
    for survey_id in fake.survey_ids:
        times = [created(r) for r in fake.responses(survey_id)]
        rereads += sum(t >= times[0] - timedelta(hours=1) for t in times)

    # 100 new responses come in, and a partial response of the last hour is completed.
    new_ids = fake.add_responses(big, 100)
    truth = fake.responses(big)
    newest_old = created(truth[100])
    window = [r for r in truth[100:] if created(r) > newest_old - timedelta(minutes=50)]
    changed = next((r for r in window if not r["is_complete"]), window[-1])
    fake.change_response(big, changed["id"])
    after_change = next(r for r in fake.responses(big) if r["id"] == changed["id"])
    assert answers_of(after_change) != answers_of(changed)

    fake.clear_request_log()
    report = hjdlt.sync(pipeline, hjdlt.hotjar_source(client, lookback=timedelta(hours=1)))
    second = requests(fake)

    # Exactly the new ones were added, nothing doubled, the changed one replaced.
    assert count(pipeline, "survey_responses") == before["survey_responses"] + 100
    assert table_counts(pipeline) == truth_counts(fake)
    assert query(pipeline, "SELECT count(DISTINCT response_id) FROM hotjar.survey_responses") == [
        (sum(SURVEYS) + 100,)
    ]
    assert query(
        pipeline,
        f"SELECT is_complete FROM hotjar.survey_responses WHERE response_id = '{changed['id']}'",
    ) == [(True,)]
    assert stored_answers(pipeline, changed["id"]) == sorted(answers_of(after_change))
    for new_id in new_ids[::17]:
        response = next(r for r in fake.responses(big) if r["id"] == new_id)
        assert stored_answers(pipeline, new_id) == sorted(answers_of(response))
    counts = {c.table: c for c in report.tables}
    assert counts["survey_responses"].added == 100
    assert counts["survey_responses"].updated == rereads
    assert report.ok

    # One page of responses per survey (it reaches past the lookback), two for the big one
    # (100 new + its last hour's), and a small fraction of the first run's requests.
    pages = [r for r in second if r["path"].endswith("/responses")]
    assert len(pages) == len(SURVEYS) + 1
    assert len([p for p in pages if f"/{big}/" in p["path"]]) == 2
    assert len(second) <= first_requests / 8, (len(second), first_requests)

    # A third run with nothing new adds nothing.
    again = hjdlt.sync(pipeline, hjdlt.hotjar_source(client))
    assert {c.table: c.added for c in again.tables if c.table in hjdlt.MERGED_TABLES} == {
        "survey_responses": 0,
        "survey_answers": 0,
    }
    assert table_counts(pipeline) == truth_counts(fake)


def test_a_new_survey_is_loaded_whole(fake, client, pipeline):
    pipeline.run(hjdlt.hotjar_source(client))
    new_survey = fake.add_survey(responses=130)
    fake.clear_request_log()
    pipeline.run(hjdlt.hotjar_source(client))
    assert table_counts(pipeline) == truth_counts(fake)
    assert query(
        pipeline,
        f"SELECT count(*) FROM hotjar.survey_responses WHERE survey_id = '{new_survey}'",
    ) == [(130,)]
    pages = [r for r in requests(fake) if r["path"].endswith(f"/{new_survey}/responses")]
    assert len(pages) == 2


def test_a_survey_that_fails_midway_keeps_its_rows_and_the_next_run_completes_it(
    fake, client, pipeline
):
    big, middle = fake.survey_ids[0], fake.survey_ids[1]
    # The get_survey call and 4 pages go through, then the survey's requests fail.
    fake.fail_survey(big, status=500, after=5)
    pipeline.run(hjdlt.hotjar_source(client))

    failed = hjdlt.failed_surveys(pipeline)
    assert list(failed) == [big]
    assert failed[big]["error_type"] == "ServerError"
    # The others are complete; what the failed survey had fetched is kept.
    assert query(
        pipeline,
        f"SELECT count(*) FROM hotjar.survey_responses WHERE survey_id = '{middle}'",
    ) == [(250,)]
    assert query(
        pipeline, f"SELECT count(*) FROM hotjar.survey_responses WHERE survey_id = '{big}'"
    ) == [(400,)]
    state = pipeline.state["sources"]["hotjar"]["surveys"]
    assert big not in state and middle in state

    fake.clear_survey_failures()
    pipeline.run(hjdlt.hotjar_source(client))
    assert hjdlt.failed_surveys(pipeline) == {}
    assert table_counts(pipeline) == truth_counts(fake)


def test_a_refused_key_fails_the_run_with_the_typed_error(fake, client, pipeline):
    fake.revoke_credentials()
    with pytest.raises(Exception) as failure:
        pipeline.run(hjdlt.hotjar_source(client))
    chain, seen = [], failure.value
    while seen is not None:
        chain.append(seen)
        seen = getattr(seen, "exception", None) or seen.__cause__ or seen.__context__
        if len(chain) > 10:
            break
    assert any(isinstance(e, hj.AuthenticationError) for e in chain)


@pytest.mark.id_styles
def test_only_the_surveys_asked_for(fake, client, pipeline):
    first = fake.survey_ids[1]
    wanted = [int(first) if first.isdigit() else first, fake.survey_ids[3]]
    pipeline.run(hjdlt.hotjar_source(client, survey_ids=wanted))
    assert count(pipeline, "survey_responses") == 250 + 40
    assert sorted(r[0] for r in query(pipeline, "SELECT id FROM hotjar.surveys")) == sorted(
        str(s) for s in wanted
    )


def test_initial_since_limits_the_first_run(fake, client, pipeline):
    small = fake.survey_ids[3]
    truth = fake.responses(small)
    since = truth[9]["created_time"]
    pipeline.run(hjdlt.hotjar_source(client, survey_ids=[small], initial_since=since))
    assert count(pipeline, "survey_responses") == 10


def test_credentials_come_from_dlt_config_or_the_hotjar_variables(fake, pipeline, monkeypatch):
    for name in ["CLIENT_ID", "CLIENT_SECRET", "SITE_ID", "BASE_URL", "ORGANIZATION_ID"]:
        monkeypatch.delenv(f"HOTJAR_{name}", raising=False)
    monkeypatch.setenv("SOURCES__HOTJAR__CLIENT_ID", fake.client_id)
    monkeypatch.setenv("SOURCES__HOTJAR__CLIENT_SECRET", fake.client_secret)
    monkeypatch.setenv("SOURCES__HOTJAR__SITE_ID", fake.site_id)
    monkeypatch.setenv("HOTJAR_BASE_URL", fake.url)  # the fallback, for one of them
    pipeline.run(hjdlt.hotjar_source(survey_ids=[fake.survey_ids[3]]))
    assert count(pipeline, "survey_responses") == 40

    monkeypatch.delenv("SOURCES__HOTJAR__CLIENT_SECRET")
    with pytest.raises(hj.ConfigurationError, match="client_secret"):
        hjdlt.hotjar_source()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"survey_ids": "123"}, TypeError),
        ({"survey_ids": [True]}, TypeError),
        ({"survey_ids": ["12/a"]}, hj.ConfigurationError),
        ({"survey_ids": [""]}, hj.ConfigurationError),
        ({"survey_ids": [-5]}, hj.ConfigurationError),
        ({"lookback": timedelta(hours=-1)}, hj.ConfigurationError),
        ({"lookback": 3600}, hj.ConfigurationError),
        ({"initial_since": "2024-06-01T10:00:00"}, hj.ConfigurationError),
        ({"initial_since": "yesterday"}, hj.ConfigurationError),
        ({"concurrency": 0}, hj.ConfigurationError),
    ],
)
def test_bad_arguments_are_refused_before_any_request(fake, client, kwargs, error):
    with pytest.raises(error):
        hjdlt.hotjar_source(client, **kwargs)
    assert fake.stats()["requests"] == 0


def test_a_client_without_a_site_is_refused(fake):
    with fake.client(site_id=None) as c, pytest.raises(hj.ConfigurationError, match="site"):
        hjdlt.hotjar_source(c)


def test_delta_tables_on_the_filesystem_destination(fake, client, tmp_path):
    """docs/pipelines.md's Delta example: answers upsert (Delta only upserts), polars reads."""
    pytest.importorskip("deltalake")
    pl = pytest.importorskip("polars")
    lake = tmp_path / "lake"
    pipeline = dlt.pipeline(
        f"hotjar_delta_{next(_names)}",
        destination=dlt.destinations.filesystem(str(lake)),
        dataset_name="hotjar",
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    small = fake.survey_ids[3]
    pipeline.run(hjdlt.hotjar_source(client, [small], answers_merge="upsert"), table_format="delta")
    fake.add_responses(small, 5)
    fake.change_response(small, fake.responses(small)[6]["id"])
    pipeline.run(hjdlt.hotjar_source(client, [small], answers_merge="upsert"), table_format="delta")

    responses = pl.read_delta(str(lake / "hotjar" / "survey_responses"))
    truth = fake.responses(small)
    assert responses.height == responses["response_id"].n_unique() == len(truth) == 45
    answers = pl.read_delta(str(lake / "hotjar" / "survey_answers"))
    changed = truth[6]
    stored = answers.filter(pl.col("response_id") == changed["id"]).sort("position")
    assert stored["question_id"].to_list()[: len(changed["answers"])] == [
        a["question_id"] for a in changed["answers"]
    ]
    assert answers.height >= sum(len(r["answers"]) for r in truth)


def test_answers_merge_takes_two_strategies(client):
    with pytest.raises(hj.ConfigurationError, match="answers_merge"):
        hjdlt.hotjar_source(client, answers_merge="replace")


def test_table_counts_say_what_they_know():
    assert str(hjdlt.TableCounts("survey_responses", 3, 2, 10)) == (
        "survey_responses: 3 added, 2 updated (10 rows in all)"
    )
    assert str(hjdlt.TableCounts("surveys", 5, 0, 5, replaced=True)) == "surveys: 5 rows (replaced)"
    uncounted = hjdlt.TableCounts("survey_answers", None, None, None, loaded=7)
    assert str(uncounted) == "survey_answers: 7 rows loaded (the destination could not be counted)"
