"""Retries: what is sent again (429, 5xx, broken bodies, the network), what is not (other 4xx,
refused keys), and how a failed export keeps what it fetched and resumes.

The clients here start their backoff at 10 ms so that the tests stay fast.
"""

from __future__ import annotations

import json
import threading

import hotjar_client as hj
import pytest
from helpers import (
    FAST_BACKOFF,
    api_requests,
    closed_port,
    page_requests,
    statuses,
    token_requests,
)
from hotjar_client.testing import FakeHotjar

# --- server errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_until_success(fake, fast_client, status):
    fake.fail_next(2, status=status)

    assert fast_client.list_surveys() == fake.surveys(with_questions=False)
    assert statuses(api_requests(fake)) == [status, status, 200]
    assert fast_client.stats() == {"requests": 4, "retries": 2, "token_requests": 1}


def test_server_errors_beyond_max_retries_raise_server_error(fake, fast_client):
    fake.fail_next(4, status=503)

    with pytest.raises(hj.ServerError) as caught:
        fast_client.list_surveys()

    assert caught.value.status == 503
    assert "gave up after 4 attempts" in str(caught.value)
    assert statuses(api_requests(fake)) == [503] * 4
    assert fast_client.stats()["retries"] == 3


def test_retry_backoff_zero_retries_at_once(fake):
    fake.fail_next(2, status=503)
    with fake.client(retry_backoff=0) as client:
        assert client.list_surveys() == fake.surveys(with_questions=False)

    assert statuses(api_requests(fake)) == [503, 503, 200]


def test_max_retries_zero_sends_once(fake, survey_id):
    fake.fail_next(status=503)
    with fake.client(max_retries=0) as client, pytest.raises(hj.ServerError) as caught:
        client.get_survey(survey_id)

    assert caught.value.status == 503
    assert statuses(api_requests(fake)) == [503]


def test_a_server_error_on_the_token_endpoint_is_retried(fake, fast_client):
    fake.fail_next(2, status=503, endpoint="token")

    assert fast_client.test_connection() == {"expires_in": 3600.0}
    assert statuses(token_requests(fake)) == [503, 503, 200]


def test_a_token_endpoint_that_keeps_failing_is_tried_max_retries_plus_one_times(fake):
    fake.fail_next(20, status=503, endpoint="token")

    with (
        fake.client(max_retries=2, retry_backoff=FAST_BACKOFF) as client,
        pytest.raises(hj.ServerError) as caught,
    ):
        client.list_surveys()

    assert caught.value.status == 503
    assert statuses(token_requests(fake)) == [503, 503, 503]
    assert str(caught.value).count("gave up after 3 attempts") == 1


def test_any_endpoint_failures_hit_the_token_request_first(fake, fast_client):
    fake.fail_next(2, status=502, endpoint="any")

    assert fast_client.list_surveys() == fake.surveys(with_questions=False)
    assert statuses(fake.request_log()) == [502, 502, 200, 200]


# --- failed exports keep what they fetched ----------------------------------------------------


def test_an_export_failing_on_its_first_page_has_nothing_partial(fake, fast_client, survey_id):
    fake.fail_next(4, status=503)

    with pytest.raises(hj.ServerError) as caught:
        fast_client.responses(survey_id)

    assert caught.value.status == 503
    assert caught.value.partial == []
    assert caught.value.resume_cursor is None
    # Nothing is lost: starting again gives everything.
    assert fast_client.responses(survey_id) == fake.responses(survey_id)


def test_an_export_failing_mid_way_keeps_what_it_fetched_and_resumes(survey_id):
    with (
        FakeHotjar() as fake,
        fake.client(max_retries=1, retry_backoff=FAST_BACKOFF) as client,
    ):
        truth = fake.responses(survey_id)
        injected = threading.Event()
        # The fourth page waits until released: the failure is injected while the export is
        # surely under way, whatever the machine's speed.
        fake.inject_fault("hold", after=3)

        def fail_while_the_fourth_page_waits():
            try:
                fake.wait_held()
                fake.fail_next(2, status=503)  # the fifth page's first try and its one retry
                injected.set()
            finally:
                fake.release_held()

        thread = threading.Thread(target=fail_while_the_fourth_page_waits)
        thread.start()
        try:
            with pytest.raises(hj.ServerError) as caught:
                client.responses(survey_id)
        finally:
            thread.join(timeout=60)
        assert injected.is_set()

        partial, cursor = caught.value.partial, caught.value.resume_cursor
        assert caught.value.status == 503
        assert partial == truth[:400]
        assert isinstance(cursor, str)

        rest = client.responses(survey_id, resume_cursor=cursor)
        assert partial + rest == truth
        assert statuses(page_requests(fake, survey_id)).count(503) == 2


def test_a_resumed_export_that_fails_at_once_hands_back_the_same_cursor(
    fake, fast_client, survey_id
):
    iterator = fast_client.iter_responses(survey_id)
    next(iterator)
    cursor = iterator.resume_cursor
    fake.fail_next(4, status=500)

    with pytest.raises(hj.ServerError) as caught:
        fast_client.responses(survey_id, resume_cursor=cursor)

    assert caught.value.partial == []
    assert caught.value.resume_cursor == cursor


def test_an_iterator_failing_mid_way_tells_where_to_resume(fake, fast_client, survey_id):
    truth = fake.responses(survey_id)
    iterator = fast_client.iter_responses(survey_id)
    seen = [next(iterator) for _ in range(200)]
    fake.fail_next(4, status=503)

    with pytest.raises(hj.ServerError) as caught:
        next(iterator)

    assert caught.value.resume_cursor is not None
    assert caught.value.resume_cursor == iterator.resume_cursor
    rest = fast_client.responses(survey_id, resume_cursor=caught.value.resume_cursor)
    assert seen + rest == truth


# --- rate limiting ----------------------------------------------------------------------------


def test_a_429_with_retry_after_is_waited_out(fake, fast_client):
    fake.fail_next(status=429, retry_after=1)

    assert fast_client.list_surveys() == fake.surveys(with_questions=False)

    refused, accepted = api_requests(fake)
    assert (refused["status"], accepted["status"]) == (429, 200)
    # The client waited the server's second, not its own 10 ms backoff.
    assert accepted["at"] - refused["at"] >= 0.99
    assert fast_client.stats()["retries"] == 1


def test_429s_without_retry_after_beyond_max_retries_raise_rate_limit_error(fake, fast_client):
    fake.fail_next(4, status=429)

    with pytest.raises(hj.RateLimitError) as caught:
        fast_client.list_surveys()

    assert caught.value.status == 429
    assert caught.value.retry_after is None
    assert "rate limit" in str(caught.value)
    assert statuses(api_requests(fake)) == [429] * 4


def test_a_retry_after_longer_than_the_client_waits_is_handed_to_the_caller(fake, fast_client):
    fake.fail_next(status=429, retry_after=500)

    with pytest.raises(hj.RateLimitError) as caught:
        fast_client.list_surveys()

    assert caught.value.retry_after == 500.0
    assert "500 s" in str(caught.value)
    assert statuses(api_requests(fake)) == [429]


# --- broken bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["{", '{"results": [', "<html>oops</html>", ""])
def test_a_broken_json_body_is_fetched_again(fake, fast_client, body):
    fake.fail_next(status=200, body=body)

    assert fast_client.list_surveys() == fake.surveys(with_questions=False)
    assert statuses(api_requests(fake)) == [200, 200]
    assert fast_client.stats()["retries"] == 1


def test_a_body_that_stays_broken_is_an_invalid_response_error(fake, fast_client, survey_id):
    fake.fail_next(4, status=200, body="{")

    with pytest.raises(hj.InvalidResponseError) as caught:
        fast_client.responses(survey_id)

    assert "not valid JSON" in str(caught.value)
    assert caught.value.partial == []
    assert len(api_requests(fake)) == 4


@pytest.mark.parametrize(
    "body",
    ['{"items": []}', '{"results": {"id": "1"}}', '{"results": [1, 2]}', "[]"],
    ids=["no-results", "results-not-a-list", "items-not-objects", "a-list"],
)
def test_a_page_of_the_wrong_shape_is_an_invalid_response_error(fake, fast_client, body):
    fake.fail_next(status=200, body=body)

    with pytest.raises(hj.InvalidResponseError, match="not what the Hotjar API promises"):
        fast_client.list_surveys()

    assert len(api_requests(fake)) == 1


def test_a_repeated_next_cursor_stops_the_export(fake, fast_client, survey_id):
    item = {"id": "1", "created_time": "2026-06-30T00:00:00Z", "answers": []}
    loop_page = json.dumps({"results": [item], "next_cursor": "same"})
    fake.fail_next(3, status=200, body=loop_page)

    with pytest.raises(hj.InvalidResponseError, match="already sent") as caught:
        fast_client.responses(survey_id)

    # The first two pages were read (the second repeats the cursor); the same item was dropped
    # as a duplicate rather than returned twice.
    assert caught.value.partial == [item]
    assert [r["query"] for r in api_requests(fake)] == ["limit=100", "limit=100&cursor=same"]


# --- not retried ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, hj.BadRequestError),
        (403, hj.PermissionDeniedError),
        (404, hj.NotFoundError),
        (409, hj.BadRequestError),
        (422, hj.BadRequestError),
    ],
)
def test_client_errors_are_not_retried(fake, fast_client, status, error_class):
    fake.fail_next(2, status=status)

    with pytest.raises(error_class) as caught:
        fast_client.list_surveys()

    assert caught.value.status == status
    assert statuses(api_requests(fake)) == [status]
    assert fast_client.stats()["retries"] == 0


def test_a_bad_request_carries_the_servers_message(fake, fast_client):
    fake.fail_next(status=400, body='{"error": "invalid_limit", "message": "limit is odd"}')

    with pytest.raises(hj.BadRequestError, match="limit is odd"):
        fast_client.list_surveys()


@pytest.mark.parametrize("status", [400, 401, 403])
def test_a_refusal_from_the_token_endpoint_is_never_retried(fake, fast_client, status):
    fake.fail_next(3, status=status, endpoint="token")

    with pytest.raises(hj.AuthenticationError) as caught:
        fast_client.list_surveys()

    assert caught.value.status == status
    assert statuses(token_requests(fake)) == [status]
    assert api_requests(fake) == []


# --- the network ------------------------------------------------------------------------------


def test_connection_refused_is_a_transport_error():
    port = closed_port()
    with hj.Client(
        "id",
        "secret",
        base_url=f"http://127.0.0.1:{port}",
        site_id=1,
        max_retries=2,
        retry_backoff=FAST_BACKOFF,
    ) as client:
        with pytest.raises(hj.TransportError) as caught:
            client.list_surveys()

        assert caught.value.status is None
        assert "could not connect" in str(caught.value)


def test_connection_refused_is_tried_max_retries_plus_one_times():
    with hj.Client(
        "id",
        "secret",
        base_url=f"http://127.0.0.1:{closed_port()}",
        site_id=1,
        max_retries=2,
        retry_backoff=FAST_BACKOFF,
    ) as client:
        with pytest.raises(hj.TransportError) as caught:
            client.list_surveys()

        assert client.stats() == {"requests": 3, "retries": 2, "token_requests": 3}
        assert str(caught.value).count("gave up after") == 1


def test_a_request_that_times_out_is_a_transport_error(fake, survey_id):
    with fake.client(timeout=0.5, max_retries=0) as client:
        client.test_connection()
        fake.latency = 1.5

        with pytest.raises(hj.TransportError) as caught:
            client.get_survey(survey_id)

        assert caught.value.status is None
        assert "no answer" in str(caught.value)
        assert "0.5 s" in str(caught.value)
        fake.latency = 0


def test_timeouts_are_retried(fake, survey_id):
    with fake.client(timeout=0.5, max_retries=1, retry_backoff=FAST_BACKOFF) as client:
        client.test_connection()
        fake.latency = 1.0

        with pytest.raises(hj.TransportError, match="gave up after 2 attempts"):
            client.get_survey(survey_id)

        assert client.stats() == {"requests": 3, "retries": 1, "token_requests": 1}
        fake.latency = 0
