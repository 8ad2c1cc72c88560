"""The Rust side logs to Python's ``logging`` under ``hotjar_client``: requests at DEBUG,
retries at WARNING, token renewals at INFO, and never a secret, a token or a body."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import textwrap

import hotjar_client as hj
import pytest
from helpers import FAST_BACKOFF
from hotjar_client.testing import FakeHotjar

# Every access token the fake issues starts with this.
TOKEN_PREFIX = "fake_at_"
EMAIL = "jane.doe@example.com"


def messages(caplog, level=None) -> list[str]:
    return [r.getMessage() for r in caplog.records if level is None or r.levelno == level]


def test_a_failing_run_logs_requests_retries_and_renewals_without_any_secret(caplog):
    caplog.set_level(logging.DEBUG, logger="hotjar_client")
    with (
        FakeHotjar(responses_per_survey=[250]) as fake,
        fake.client(retry_backoff=FAST_BACKOFF, max_retries=2) as client,
    ):
        survey_id = fake.survey_ids[0]
        secret = fake.client_secret
        # The server echoes the secret in an error body: the log must not repeat it.
        fake.fail_next(1, status=503, body=f'{{"message": "bad key {secret}"}}')
        fake.fail_next(1, status=500, endpoint="token")
        rows = client.responses(survey_id)
        fake.expire_tokens()  # the next call gets a 401 and renews the token
        client.list_surveys()
        fake.fail_next(3, status=503)  # the first try and both retries
        with pytest.raises(hj.ServerError) as failure:
            client.responses(survey_id)
        # GDPR: a retried lookup, then one the server refuses, echoing the address.
        fake.fail_next(1, status=429, retry_after=0)
        client.user_lookup(email=EMAIL)
        fake.fail_next(1, status=400, body=f'{{"message": "bad subject {EMAIL}"}}')
        with pytest.raises(hj.BadRequestError) as refused:
            client.user_lookup(email=EMAIL)

    assert len(rows) == 250
    everything = "\n".join(messages(caplog)) + str(failure.value) + str(refused.value)
    assert "jane.doe" not in everything
    assert any(
        m.startswith(f"POST /v1/organizations/{fake.organization_id}/user-lookup -> 429")
        for m in messages(caplog, logging.DEBUG)
    )
    assert secret not in everything
    assert TOKEN_PREFIX not in everything
    assert fake.client_id not in everything
    assert "Bearer" not in everything
    # Only this library's loggers speak (reqwest, hyper and rustls stay quiet).
    assert {r.name for r in caplog.records} <= {
        "hotjar_client.transport",
        "hotjar_client.retry",
        "hotjar_client.auth",
        "hotjar_client.rate_limit",
        "hotjar_client.gdpr",
    }

    debug = messages(caplog, logging.DEBUG)
    path = f"/v1/sites/{fake.site_id}/surveys/{survey_id}/responses"
    assert "POST /v1/oauth/token -> 500 in" in debug[0]
    assert debug[0].endswith("(attempt 1)")
    assert any(m.startswith("POST /v1/oauth/token -> 200") and "(attempt 2)" in m for m in debug)
    assert any(m.startswith(f"GET {path}?limit=100 -> 503") for m in debug)
    assert any(m.startswith(f"GET {path}?limit=100&cursor=") and "-> 200" in m for m in debug)
    assert any(m.startswith("got an access token, valid for 3600 s") for m in debug)

    warnings = messages(caplog, logging.WARNING)
    assert warnings[0] == (
        "Exchanging the API key for an access token failed (HTTP 500). Retry 1 of 2 in "
        f"{warnings[0].split(' in ')[1]}"
    )
    assert any(
        m.startswith(
            f"Fetching the responses of survey {survey_id} of site {fake.site_id} "
            "failed (HTTP 503). Retry 1 of 2 in "
        )
        for m in warnings
    )
    # 1 token retry, 1 page retry, 2 retries before giving up, 1 lookup retry.
    assert len(warnings) == 5

    info = messages(caplog, logging.INFO)
    assert info == [
        "the API refused the access token (HTTP 401 on GET "
        f"/v1/sites/{fake.site_id}/surveys); fetching a new one",
        "renewed the access token, valid for 3600 s",
        f"lookup for j***@example.com in organization {fake.organization_id}: HTTP 200",
    ]


def test_debug_enabled_after_the_first_call_takes_effect_on_the_next(caplog):
    with FakeHotjar() as fake, fake.client() as client:
        caplog.set_level(logging.WARNING, logger="hotjar_client")
        client.list_surveys()  # the bridge caches WARNING for these loggers
        assert messages(caplog) == []

        caplog.set_level(logging.DEBUG, logger="hotjar_client")
        client.list_surveys()
        assert any(m.startswith("GET /v1/sites/") for m in messages(caplog, logging.DEBUG))


def test_the_child_loggers_can_be_tuned_one_by_one(caplog):
    caplog.set_level(logging.DEBUG, logger="hotjar_client")
    logging.getLogger("hotjar_client.transport").setLevel(logging.WARNING)
    try:
        with FakeHotjar() as fake, fake.client() as client:
            client.list_surveys()
    finally:
        logging.getLogger("hotjar_client.transport").setLevel(logging.NOTSET)
    names = {r.name for r in caplog.records}
    assert "hotjar_client.transport" not in names
    assert "hotjar_client.auth" in names


def run_python(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_debug_logging_from_many_threads_does_not_deadlock():
    """Tokio threads need the GIL to log; threads that hold it must never wait on them."""
    result = run_python(
        """
        import logging, threading
        from concurrent.futures import ThreadPoolExecutor
        from hotjar_client.testing import FakeHotjar

        records = []
        class Keep(logging.Handler):
            def emit(self, record):
                records.append(record.getMessage())
        logging.getLogger("hotjar_client").addHandler(Keep())
        logging.getLogger("hotjar_client").setLevel(logging.DEBUG)

        with FakeHotjar(responses_per_survey=[3000, 2000, 1000]) as fake, fake.client() as c:
            with ThreadPoolExecutor(4) as pool:
                exports = list(pool.map(c.responses, fake.survey_ids * 2))
            lazy = sum(1 for _ in c.iter_responses(fake.survey_ids[0]))
            ok = exports == [fake.responses(s) for s in fake.survey_ids * 2]
        print(ok, lazy, sum(m.startswith("GET ") for m in records))
        """
    )
    assert result.returncode == 0, result.stderr
    # 6 exports of 30 + 20 + 10 pages, then 30 pages lazily: one DEBUG line per request.
    assert result.stdout.split() == ["True", "3000", str(2 * 60 + 30)]


def test_the_interpreter_exits_cleanly_while_a_background_export_logs():
    """At exit, tokio threads stop logging instead of attaching to a finalizing interpreter."""
    result = run_python(
        """
        import logging, sys, threading, time
        from hotjar_client.testing import FakeHotjar

        logging.basicConfig(level=logging.DEBUG, stream=sys.stdout)
        fake = FakeHotjar(latency=0.05, responses_per_survey=[20000])
        client = fake.client()
        worker = threading.Thread(
            target=client.responses, args=(fake.survey_ids[0],), daemon=True
        )
        worker.start()
        time.sleep(0.5)
        print("leaving", flush=True)
        """,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "leaving" in result.stdout
    assert "GET /v1/sites/" in result.stdout
    assert "panicked" not in result.stderr


def test_long_waits_for_the_rate_limiter_are_logged(caplog):
    caplog.set_level(logging.DEBUG, logger="hotjar_client")
    # 300 a minute: a burst of 5, then one request every ~0.2 s.
    with FakeHotjar() as fake, fake.client(requests_per_minute=300) as client:
        for _ in range(7):
            client.list_surveys()
    waits = [r.getMessage() for r in caplog.records if r.name == "hotjar_client.rate_limit"]
    # 8 requests with the token: the last 3 wait about 0.2 s each.
    assert len(waits) == 3
    assert all(
        m.startswith("waiting 0.") and m.endswith(" s for a request slot (requests_per_minute)")
        for m in waits
    )


def test_async_calls_log_their_requests_too(caplog):
    caplog.set_level(logging.DEBUG, logger="hotjar_client")

    async def main(fake):
        async with hj.AsyncClient(
            fake.client_id, fake.client_secret, site_id=fake.site_id, base_url=fake.url
        ) as client:
            return await client.responses(fake.survey_ids[0])

    with FakeHotjar(responses_per_survey=[250]) as fake:
        rows = asyncio.run(main(fake))
        secret = fake.client_secret
    assert len(rows) == 250
    requests = [m for m in messages(caplog, logging.DEBUG) if m.startswith("GET /v1/sites/")]
    assert len(requests) == 3
    assert not any(secret in m or TOKEN_PREFIX in m for m in messages(caplog))
