"""AsyncClient: Client's twin for asyncio, method for method, against the fake.

Each test drives its coroutine with ``asyncio.run``: a fresh loop per test, as in a script.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
import sys
import textwrap

import hotjar_client as hj
import pytest
from helpers import FAST_BACKOFF, page_requests, token_requests
from hotjar_client.testing import FakeHotjar


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.mark.id_styles
def test_every_method_returns_what_the_sync_client_returns(fake, client, survey_id):
    async def main():
        async with fake.async_client() as aclient:
            return {
                "connection": await aclient.test_connection(),
                "surveys": await aclient.list_surveys(),
                "with_questions": await aclient.list_surveys(with_questions=True),
                "survey": await aclient.get_survey(survey_id),
                "responses": await aclient.responses(survey_id),
                "iterated": [row async for row in aclient.aiter_responses(survey_id)],
                "stats": aclient.stats(),
            }

    got = run(main())
    assert got["connection"] == {"expires_in": 3600.0}
    assert got["surveys"] == client.list_surveys() == fake.surveys(with_questions=False)
    assert got["with_questions"] == fake.surveys(with_questions=True)
    assert got["survey"] == client.get_survey(survey_id)
    assert got["responses"] == got["iterated"] == fake.responses(survey_id)
    assert got["responses"] == client.responses(survey_id)
    # One token exchange (test_connection), 1+1 survey lists, one survey, 13+13 pages.
    assert got["stats"] == {"requests": 30, "retries": 0, "token_requests": 1}


def params(function):
    """A signature's parameters: what the native signatures were compared on before the
    clients became Python classes, whose return annotations differ (``Call[...]`` for async)."""
    return inspect.signature(function).parameters


def test_the_constructor_takes_the_same_options_as_client():
    assert params(hj.AsyncClient) == params(hj.Client)
    assert params(hj.AsyncClient.from_env) == params(hj.Client.from_env)
    for name in ["list_surveys", "get_survey", "responses", "responses_many", "stats"]:
        sync = params(getattr(hj.Client, name))
        assert params(getattr(hj.AsyncClient, name)) == sync, name
    assert params(hj.AsyncClient.aiter_responses) == params(hj.Client.iter_responses)


def test_bad_options_fail_before_any_request(fake):
    with pytest.raises(hj.ConfigurationError, match="max_retries"):
        fake.async_client(max_retries=99)
    with pytest.raises(TypeError):
        fake.async_client(requests_per_minute=True)
    assert fake.request_log() == []


def test_bad_arguments_raise_when_called_not_when_awaited(fake):
    async def main():
        async with fake.async_client() as aclient:
            with pytest.raises(hj.ConfigurationError, match="naive datetime"):
                from datetime import datetime

                aclient.responses(fake.survey_ids[0], since=datetime(2024, 1, 1))
            with pytest.raises(TypeError):
                aclient.get_survey(1.5)
            with pytest.raises(hj.ConfigurationError, match="concurrency"):
                aclient.responses_many(concurrency=0)

    run(main())
    assert fake.request_log() == []


def test_from_env_and_the_masked_repr(fake, monkeypatch):
    monkeypatch.setenv("HOTJAR_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("HOTJAR_CLIENT_SECRET", fake.client_secret)
    monkeypatch.setenv("HOTJAR_SITE_ID", fake.site_id)
    monkeypatch.setenv("HOTJAR_BASE_URL", fake.url)
    aclient = hj.AsyncClient.from_env()
    text = repr(aclient)
    assert text.startswith("<hotjar_client.AsyncClient site_id='987654'")
    assert fake.client_secret not in text and fake.client_id not in text
    assert run(aclient.get_survey(fake.survey_ids[3]))["id"] == fake.survey_ids[3]
    run(aclient.aclose())
    assert aclient.closed and repr(aclient).endswith(" closed>")


def test_the_context_manager_closes_and_later_calls_raise(fake, survey_id):
    async def main():
        async with fake.async_client() as aclient:
            pass
        assert aclient.closed
        with pytest.raises(hj.ClientClosedError):
            await aclient.responses(survey_id)
        with pytest.raises(hj.ClientClosedError):
            aclient.aiter_responses(survey_id)
        with pytest.raises(hj.ClientClosedError):
            await aclient.responses_many()

    run(main())


@pytest.mark.id_styles
def test_since_and_resume_cursor_work_as_in_the_sync_client(fake, survey_id):
    truth = fake.responses(survey_id)
    since = truth[149]["created_time"]

    async def main():
        async with fake.async_client(retry_backoff=FAST_BACKOFF, max_retries=0) as aclient:
            recent = await aclient.responses(survey_id, since=since)
            fake.fail_survey(survey_id, status=400, after=3, count=1)
            with pytest.raises(hj.BadRequestError) as caught:
                await aclient.responses(survey_id)
            rest = await aclient.responses(survey_id, resume_cursor=caught.value.resume_cursor)
            return recent, caught.value, rest

    recent, error, rest = run(main())
    assert recent == [r for r in truth if r["created_time"] >= since]
    assert error.partial == truth[:300]
    assert error.partial + rest == truth


def test_the_async_iterator_stops_with_a_resumable_error(fake, survey_id):
    truth = fake.responses(survey_id)

    async def main():
        async with fake.async_client(max_retries=0) as aclient:
            fake.fail_survey(survey_id, status=500, after=2, count=1)
            rows = []
            iterator = aclient.aiter_responses(survey_id)
            with pytest.raises(hj.ServerError) as caught:
                async for row in iterator:
                    rows.append(row)
            assert caught.value.resume_cursor == iterator.resume_cursor
            assert iterator.pages_fetched == 2
            assert "AsyncResponseIterator survey_id=" in repr(iterator)
            resumed = aclient.aiter_responses(survey_id, resume_cursor=iterator.resume_cursor)
            return rows, [row async for row in resumed]

    rows, rest = run(main())
    assert rows == truth[:200]
    assert rows + rest == truth


def test_errors_are_the_same_classes(fake):
    async def main():
        async with fake.async_client() as aclient:
            with pytest.raises(hj.NotFoundError, match="survey"):
                await aclient.get_survey(42)
            fake.plan = "observe_scale"
            with pytest.raises(hj.PermissionDeniedError):
                await aclient.list_surveys()
        async with hj.AsyncClient("wrong", "secret-value", base_url=fake.url) as bad:
            with pytest.raises(hj.AuthenticationError) as caught:
                await bad.test_connection()
        assert "secret-value" not in str(caught.value)

    run(main())


def test_a_client_works_across_event_loops_and_concurrent_tasks(fake):
    aclient = fake.async_client()
    first = run(aclient.get_survey(fake.survey_ids[0]))

    async def gather():
        return await asyncio.gather(*(aclient.responses(s) for s in fake.survey_ids))

    exports = run(gather())
    assert first["id"] == fake.survey_ids[0]
    assert exports == [fake.responses(s) for s in fake.survey_ids]
    # The tasks shared one token.
    assert len(token_requests(fake)) == 1
    aclient.close()


def test_a_sync_and_an_async_client_of_one_key_share_the_token(fake, client, survey_id):
    client.responses(survey_id)
    aclient = fake.async_client()
    assert run(aclient.responses(survey_id)) == fake.responses(survey_id)
    assert len(token_requests(fake)) == 1
    assert aclient.stats()["token_requests"] == 0


def test_calls_are_coroutines_that_send_nothing_until_awaited():
    with FakeHotjar(responses_per_survey=[1]) as fake:
        aclient = fake.async_client()
        call = aclient.list_surveys()
        assert asyncio.iscoroutine(call)
        assert "AsyncClient.list_surveys not started" in repr(call)
        call.close()  # never awaited: nothing was sent
        assert fake.request_log() == []
        # A coroutine, so asyncio.run and create_task take it like any async def call.
        assert run(aclient.list_surveys()) == fake.surveys(with_questions=False)
        run(aclient.aclose())


def wait_for(condition, what: str):
    """Polls ``condition`` (an async caller's view of the fake) for up to 10 s."""

    async def poll():
        for _ in range(1000):
            if condition():
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"timed out waiting for {what}")

    return poll()


def test_cancelling_the_task_stops_the_export_and_its_requests():
    # 13 pages at 0.2 s each: the export would run for about 2.8 s if nothing stopped it.
    with FakeHotjar(latency=0.2, responses_per_survey=[1234]) as fake:
        survey_id = fake.survey_ids[0]
        pages = lambda: len(page_requests(fake, survey_id))  # noqa: E731

        async def main():
            async with fake.async_client() as aclient:
                task = asyncio.create_task(aclient.responses(survey_id))
                await wait_for(lambda: pages() >= 2, "two pages")
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                at_cancel = pages()
                # Four round trips' time: a request that went on would show up in the log.
                await asyncio.sleep(0.8)
                return at_cancel, pages()

        at_cancel, later = run(main())
        # The page on the wire at the moment of cancelling may still be logged; no other.
        assert later <= at_cancel + 1
        assert later < 13


def test_cancelling_responses_many_stops_every_survey():
    with FakeHotjar(latency=0.2, responses_per_survey=[500] * 4) as fake:

        async def main():
            async with fake.async_client() as aclient:
                task = asyncio.create_task(aclient.responses_many(concurrency=4))
                await wait_for(lambda: len(fake.request_log()) >= 6, "a few pages")
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                at_cancel = len(fake.request_log())
                await asyncio.sleep(0.8)
                return at_cancel, len(fake.request_log())

        at_cancel, later = run(main())
        # Up to one page per survey was on the wire when the task was cancelled.
        assert later <= at_cancel + 4
        assert later < 22  # token, list, 20 pages


def run_script(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,  # a hang fails the test instead of the suite
    )


def test_a_script_that_exits_right_after_awaiting_exits_cleanly():
    # A result handed to asyncio from a runtime thread while Python shuts down used to kill
    # the process (SIGABRT or SIGSEGV, about one run in two).
    code = """
        import asyncio
        from hotjar_client.testing import FakeHotjar
        fake = FakeHotjar(responses_per_survey=[10])
        client = fake.async_client()
        async def main():
            for _ in range(3):
                await client.get_survey(fake.survey_ids[0])
        asyncio.run(main())
    """
    for _ in range(8):
        done = run_script(code)
        assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_after_fork_old_clients_refuse_clearly_and_new_ones_work():
    code = """
        import asyncio, os, sys
        import hotjar_client as hj
        from hotjar_client.testing import FakeHotjar

        fake = FakeHotjar(responses_per_survey=[30, 20])
        sync_client, async_client = fake.client(), fake.async_client()
        assert len(sync_client.responses_many()) == 2          # the runtime's threads run
        asyncio.run(async_client.responses(fake.survey_ids[0]))

        pid = os.fork()
        if pid == 0:
            messages = []
            for call in (
                lambda: sync_client.responses_many(),
                lambda: asyncio.run(async_client.responses(1)),
                lambda: async_client.responses_many(),
                lambda: async_client.aiter_responses(1),
            ):
                try:
                    call()
                    messages.append("no error")
                except hj.HotjarError as error:
                    messages.append(str(error))
            ok = all("before the process forked" in m and "'spawn'" in m for m in messages)
            with FakeHotjar(responses_per_survey=[7]) as child_fake:
                fresh = child_fake.async_client()
                rows = asyncio.run(fresh.responses_many())
                ok = ok and len(rows[child_fake.survey_ids[0]]) == 7
            print("child ok" if ok else f"child failed: {messages}", flush=True)
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        # The parent is unaffected.
        assert len(asyncio.run(async_client.responses(fake.survey_ids[1]))) == 20
        print("parent ok")
    """
    done = run_script(code)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "child ok" in done.stdout and "parent ok" in done.stdout


def test_an_undecodable_page_ends_an_async_export_with_what_came_before(fake, survey_id):
    # A lone surrogate escape: only the decoder sees it (see test_decode.py).
    undecodable = '{"results": [{"id": "a", "answer": "\\ud800"}], "next_cursor": "c2"}'
    truth = fake.responses(survey_id)

    async def main():
        async with fake.async_client() as aclient:
            iterator = aclient.aiter_responses(survey_id)
            first = [await iterator.__anext__() for _ in range(100)]
            cursor = iterator.resume_cursor
            fake.fail_next(status=200, body=undecodable)
            with pytest.raises(hj.InvalidResponseError) as caught:
                await iterator.__anext__()
            assert caught.value.resume_cursor == cursor
            with pytest.raises(hj.InvalidResponseError):  # it does not skip the page
                await iterator.__anext__()
            fake.fail_next(status=200, body=undecodable)
            with pytest.raises(hj.InvalidResponseError) as whole:
                await aclient.responses(survey_id)
            return first, whole.value

    first, error = run(main())
    assert first == truth[:100]
    assert "could not be decoded" in str(error)
    assert error.partial == [] and error.resume_cursor is None
