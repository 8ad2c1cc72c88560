"""Rate limits: the client paces itself under Hotjar's 3000 requests a minute (or its own
requests_per_minute), so a long export never meets a 429; without the limiter, the fake's
sliding window refuses the excess.

Waiting out a real Retry-After from the fake's 60 s window would take up to a minute, so that
path is covered with injected 429s in test_retries.py instead.
"""

from __future__ import annotations

import hotjar_client as hj
import pytest
from helpers import page_requests, statuses
from hotjar_client.testing import FakeHotjar


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The most requests the log holds in any window of ``seconds``."""
    times = sorted(times)
    best = start = 0
    for end in range(len(times)):
        while times[end] - times[start] > seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_a_12345_response_export_with_the_defaults_meets_no_429(big_export):
    # 125 requests against the fixture's 100 in any second: more than the window holds, so
    # only pacing keeps the fake from refusing some (see the fixture).
    assert big_export.fake_stats["rate_limited"] == 0
    assert big_export.fake_stats["busiest_minute"] <= 100  # the busiest window of 1 s
    assert big_export.fake_stats["requests"] == 125
    assert big_export.fake_stats["tokens_issued"] == 1
    assert big_export.rows == big_export.truth


def test_a_client_limited_to_600_a_minute_paces_itself_under_a_600_limit():
    with (
        FakeHotjar(responses_per_survey=[3000], rate_limit=600) as fake,
        fake.client(requests_per_minute=600) as client,
    ):
        survey_id = fake.survey_ids[0]

        rows = client.responses(survey_id)

        assert rows == fake.responses(survey_id)
        stats = fake.stats()
        assert stats["rate_limited"] == 0
        assert stats["requests"] == 31  # one token, 30 pages
        assert stats["busiest_minute"] == 31
        # 600 a minute is 10 a second, after a burst of about a second's worth: no second of
        # the log may hold the 31 requests that an unpaced client sends at once.
        at = [r["at"] for r in fake.request_log()]
        assert most_in_any_window(at, 1.0) <= 22


def test_without_the_limiter_the_fakes_window_refuses_the_excess():
    with (
        FakeHotjar(responses_per_survey=[3000], rate_limit=20) as fake,
        fake.client(requests_per_minute=None, max_retries=0) as client,
    ):
        survey_id = fake.survey_ids[0]
        truth = fake.responses(survey_id)

        with pytest.raises(hj.RateLimitError) as caught:
            client.responses(survey_id)

        error = caught.value
        # The token and 19 pages fit in the window of 20; the 20th page is refused.
        assert error.status == 429
        assert error.partial == truth[:1900]
        assert 0 < error.retry_after <= 60
        assert statuses(page_requests(fake, survey_id)) == [200] * 19 + [429]
        assert fake.stats()["rate_limited"] == 1


def test_a_refused_export_resumes_once_the_window_has_room():
    with (
        FakeHotjar(responses_per_survey=[300], rate_limit=2) as fake,
        fake.client(requests_per_minute=None, max_retries=0) as client,
    ):
        survey_id = fake.survey_ids[0]
        truth = fake.responses(survey_id)
        with pytest.raises(hj.RateLimitError) as caught:
            client.responses(survey_id)
        assert caught.value.partial == truth[:100]

        fake.set_rate_limit(None)
        rest = client.responses(survey_id, resume_cursor=caught.value.resume_cursor)

        assert caught.value.partial + rest == truth


def test_without_retry_after_the_client_backs_off_on_its_own_then_gives_up():
    with (
        FakeHotjar(responses_per_survey=[300], rate_limit=2, retry_after=False) as fake,
        fake.client(requests_per_minute=None, max_retries=2, retry_backoff=0.01) as client,
    ):
        survey_id = fake.survey_ids[0]
        with pytest.raises(hj.RateLimitError) as caught:
            client.responses(survey_id)

        assert caught.value.retry_after is None
        assert caught.value.partial == fake.responses(survey_id)[:100]
        assert statuses(page_requests(fake, survey_id)) == [200, 429, 429, 429]


def test_the_fake_sends_retry_after_with_its_429s_by_default():
    with (
        FakeHotjar(rate_limit=1) as fake,
        fake.client(requests_per_minute=None, max_retries=0) as client,
    ):
        with pytest.raises(hj.RateLimitError) as caught:
            client.list_surveys()

        assert caught.value.retry_after == 60.0
