"""responses_many: many surveys at once under one rate limit, on both clients, losing nothing
when one survey fails."""

from __future__ import annotations

import asyncio
import io
import sys
import threading
from typing import ClassVar

import hotjar_client as hj
import pytest
from helpers import api_requests, page_requests, token_requests
from hotjar_client.testing import FakeHotjar


@pytest.mark.id_styles
def test_none_exports_every_survey_of_the_site_in_the_apis_order(fake, client):
    results = client.responses_many()

    assert isinstance(results, dict) and isinstance(results, hj.SurveyResults)
    assert list(results) == fake.survey_ids
    assert results == {s: fake.responses(s) for s in fake.survey_ids}
    assert results.errors == {} and results.ok
    results.raise_for_errors()  # nothing failed: no exception
    first = fake.survey_ids[0]
    assert repr(results).startswith(f"<SurveyResults 5 surveys, 1621 responses {{'{first}': 1234")


@pytest.mark.id_styles
def test_the_async_client_returns_the_same(fake, client):
    async def main():
        async with fake.async_client() as aclient:
            return await aclient.responses_many([fake.survey_ids[3], fake.survey_ids[1]])

    results = asyncio.run(main())
    assert list(results) == [fake.survey_ids[3], fake.survey_ids[1]]
    assert results == client.responses_many([fake.survey_ids[3], fake.survey_ids[1]])


def test_ids_are_normalised_and_repeats_fetched_once(fake, client):
    first, second = fake.survey_ids[4], fake.survey_ids[3]
    results = client.responses_many([int(first), second, first, str(second)])

    assert list(results) == [first, second]
    assert len(page_requests(fake, first)) == 1
    assert len(page_requests(fake, second)) == 1


def test_since_applies_to_every_survey(fake, client):
    since = "2025-01-01T00:00:00Z"
    results = client.responses_many(since=since)

    for survey_id, rows in results.items():
        assert rows == [r for r in fake.responses(survey_id) if r["created_time"] >= since]


def test_an_empty_list_sends_nothing(fake, client):
    assert client.responses_many([]) == {}
    assert fake.request_log() == []


@pytest.mark.parametrize("concurrency", [0, -1, 65, 1000])
def test_concurrency_out_of_range_is_refused_before_any_request(fake, client, concurrency):
    with pytest.raises(hj.ConfigurationError, match="concurrency must be between 1 and 64"):
        client.responses_many(concurrency=concurrency)
    assert fake.request_log() == []


@pytest.mark.parametrize(
    ("survey_ids", "error"),
    [
        ("1234560", TypeError),
        (1234560, TypeError),
        (b"1", TypeError),
        ([True], TypeError),
        ([1.5], TypeError),
        (["12/x"], hj.ConfigurationError),
        ([""], hj.ConfigurationError),
        (object(), TypeError),
    ],
)
def test_bad_survey_ids_are_refused_before_any_request(fake, client, survey_ids, error):
    with pytest.raises(error):
        client.responses_many(survey_ids)
    with pytest.raises(TypeError):
        client.responses_many(concurrency=True)
    assert fake.request_log() == []


@pytest.mark.id_styles
def test_one_failed_survey_keeps_what_it_fetched_and_stops_no_other(fake):
    big, small = fake.survey_ids[0], fake.survey_ids[1]
    # Pages 1-3 of the big survey arrive, then it fails for good (400 is not retried).
    fake.fail_survey(big, status=400, after=3)
    with fake.client(max_retries=0) as client:
        results = client.responses_many(concurrency=2)

        assert list(results) == [s for s in fake.survey_ids if s != big]
        assert results[small] == fake.responses(small)
        assert not results.ok
        error = results.errors[big]
        assert isinstance(error, hj.BadRequestError) and error.status == 400
        assert error.partial == fake.responses(big)[:300]
        assert "BadRequestError after 300 responses" in repr(results)
        with pytest.raises(hj.BadRequestError) as raised:
            results.raise_for_errors()
        assert raised.value is error

        fake.clear_survey_failures()
        rest = client.responses(big, resume_cursor=error.resume_cursor)
        assert error.partial + rest == fake.responses(big)


def test_failures_on_the_async_client_are_kept_the_same_way(fake):
    big = fake.survey_ids[0]
    fake.fail_survey(big, status=500, after=1)
    fake.fail_survey(fake.survey_ids[4], status=404)

    async def main():
        async with fake.async_client(max_retries=0) as aclient:
            return await aclient.responses_many()

    results = asyncio.run(main())
    assert set(results.errors) == {big, fake.survey_ids[4]}
    assert isinstance(results.errors[big], hj.ServerError)
    assert results.errors[big].partial == fake.responses(big)[:100]
    assert results.errors[big].resume_cursor is not None
    not_found = results.errors[fake.survey_ids[4]]
    assert isinstance(not_found, hj.NotFoundError)
    assert not_found.partial == [] and not_found.resume_cursor is None
    assert results[fake.survey_ids[1]] == fake.responses(fake.survey_ids[1])


def test_a_failed_survey_list_raises_and_fetches_nothing_else(fake):
    fake.plan = "observe_scale"
    with fake.client() as client, pytest.raises(hj.PermissionDeniedError):
        client.responses_many()
    assert len(api_requests(fake)) == 1


def test_clients_of_one_key_share_one_limiter_and_the_fake_never_sends_429():
    # 8 surveys x 10 pages, fetched by a sync and an async client at once, both allowed 1200
    # requests a minute: a burst of 20, then 20 a second. With a limiter each, the first
    # second alone would carry about 80 requests.
    with FakeHotjar(responses_per_survey=[1000] * 8, rate_limit=1200) as fake:
        ids = fake.survey_ids
        sync_client = fake.client(requests_per_minute=1200)
        async_client = fake.async_client(requests_per_minute=1200)
        outcome = {}

        def sync_half():
            outcome["sync"] = sync_client.responses_many(ids[:4], concurrency=4)

        thread = threading.Thread(target=sync_half)
        thread.start()
        outcome["async"] = asyncio.run(async_client.responses_many(ids[4:], concurrency=4))
        thread.join(timeout=60)

        assert outcome["sync"] | outcome["async"] == {s: fake.responses(s) for s in ids}
        stats = fake.stats()
        assert stats["rate_limited"] == 0
        assert stats["requests"] == 81  # one shared token, 80 pages
        assert len(token_requests(fake)) == 1
        assert stats["busiest_second"] <= 41


class RecordingBar:
    """Stands in for tqdm.auto.tqdm and records what it is told."""

    made: ClassVar[list[RecordingBar]] = []

    def __init__(self, **kwargs):
        self.kwargs, self.updates, self.postfix, self.closed = kwargs, [], [], False
        RecordingBar.made.append(self)

    def update(self, n):
        self.updates.append(n)

    def set_postfix_str(self, text, refresh=True):
        self.postfix.append(text)

    def close(self):
        self.closed = True


@pytest.fixture
def recording_bar(monkeypatch):
    tqdm_auto = pytest.importorskip("tqdm.auto")
    RecordingBar.made = []
    monkeypatch.setattr(tqdm_auto, "tqdm", RecordingBar)
    return RecordingBar.made


def test_progress_counts_every_response_and_survey(fake, client, recording_bar):
    results = client.responses_many(progress=True)
    rows = client.responses(fake.survey_ids[1], progress=True)

    many, single = recording_bar
    assert sum(many.updates) == sum(len(r) for r in results.values()) == 1621
    assert many.postfix[0] == "0/5 surveys" and many.postfix[-1] == "5/5 surveys"
    assert many.closed
    assert single.updates == [100, 100, 50] and len(rows) == 250 and single.closed


def test_async_progress_counts_every_response(fake, recording_bar):
    async def main():
        async with fake.async_client() as aclient:
            await aclient.responses_many(progress=True)
            await aclient.responses(fake.survey_ids[0], progress=True)

    asyncio.run(main())
    many, single = recording_bar
    assert sum(many.updates) == 1621 and many.postfix[-1] == "5/5 surveys" and many.closed
    assert sum(single.updates) == 1234 and single.closed


def test_progress_with_the_real_tqdm_writes_a_bar(fake, client, monkeypatch):
    tqdm_auto = pytest.importorskip("tqdm.auto")
    out = io.StringIO()
    real = tqdm_auto.tqdm
    monkeypatch.setattr(tqdm_auto, "tqdm", lambda **kw: real(file=out, **kw))
    client.responses_many(progress=True)
    assert "1621 responses" in out.getvalue()
    assert "5/5 surveys" in out.getvalue()


def test_progress_without_tqdm_shows_nothing_and_changes_nothing(fake, client, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import tqdm.auto now fails
    monkeypatch.setitem(sys.modules, "tqdm", None)
    results = client.responses_many(progress=True)
    rows = client.responses(fake.survey_ids[4], progress=True)
    assert results == {s: fake.responses(s) for s in fake.survey_ids}
    assert rows == fake.responses(fake.survey_ids[4])
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""


def test_survey_results_pickle_with_their_errors(fake):
    import pickle

    fake.fail_survey(fake.survey_ids[4], status=404)
    with fake.client() as client:
        results = client.responses_many(fake.survey_ids[3:])
    copy = pickle.loads(pickle.dumps(results))
    assert copy == results and list(copy.errors) == [fake.survey_ids[4]]


def test_async_progress_never_interrupts_a_request_in_flight(recording_bar):
    # Round trips longer than the bar's 200 ms refresh: a refresh must not drop the request
    # it interrupts (which would fetch the same page again, forever).
    with FakeHotjar(latency=0.25, responses_per_survey=[250, 150]) as fake:
        first, second = fake.survey_ids

        async def main():
            async with fake.async_client() as aclient:
                rows = await aclient.responses(first, progress=True)
                many = await aclient.responses_many(progress=True)
                return rows, many

        rows, many = asyncio.run(main())
        assert rows == fake.responses(first)
        assert many == {first: fake.responses(first), second: fake.responses(second)}
        assert len(page_requests(fake, first)) == 3 + 3
        assert len(page_requests(fake, second)) == 2
        assert sum(recording_bar[0].updates) == 250 and sum(recording_bar[1].updates) == 400


def test_tables_and_file_exports_count_their_responses_on_a_bar(
    fake, client, recording_bar, tmp_path
):
    survey_id = fake.survey_ids[0]
    table = client.responses_table(survey_id, progress=True)
    summary = client.export_responses(survey_id, tmp_path / "r.csv", progress=True)
    client.export_responses(survey_id, tmp_path / "l.jsonl", shape="long", progress=True)

    on_table, on_export, on_long = recording_bar
    assert sum(on_table.updates) == table.num_rows == 1234 and on_table.closed
    assert sum(on_export.updates) == summary["responses"] == 1234 and on_export.closed
    assert sum(on_long.updates) == 1234, "a long export counts responses, not rows"
    assert on_table.kwargs["desc"] == f"Survey {survey_id}"


def test_without_progress_a_table_makes_no_bar(fake, client, recording_bar, tmp_path):
    client.responses_table(fake.survey_ids[1])
    client.export_responses(fake.survey_ids[1], tmp_path / "r.parquet")
    assert recording_bar == []
