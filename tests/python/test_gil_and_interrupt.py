"""A call that waits on the network releases the interpreter, and Ctrl-C still stops it."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import hotjar_client as hj
import pytest
from helpers import page_requests
from hotjar_client.testing import FakeHotjar


def watch_export(fake, survey_id, stop: threading.Event, seen: list[int]) -> None:
    """Runs in a Python thread: counts the fake's finished pages as often as it can."""
    while not stop.is_set():
        seen.append(len(page_requests(fake, survey_id)))
        time.sleep(0.001)


def test_python_threads_run_while_responses_waits_on_the_network():
    with FakeHotjar(latency=0.3) as fake, fake.client() as client:
        survey_id = fake.survey_ids[1]  # 250 responses: 3 pages, about 1.2 s with the token
        stop, seen = threading.Event(), []
        watcher = threading.Thread(target=watch_export, args=(fake, survey_id, stop, seen))
        watcher.start()
        try:
            rows = client.responses(survey_id)
        finally:
            stop.set()
            watcher.join(timeout=10)

        assert rows == fake.responses(survey_id)
        # The watcher saw the export half done: Python code ran while responses() was
        # inside Rust, which only happens if the call released the GIL.
        assert {1, 2} <= set(seen)


def test_python_threads_run_while_the_iterator_fetches_a_page():
    with FakeHotjar(latency=0.5) as fake, fake.client() as client:
        client.test_connection()
        survey_id = fake.survey_ids[0]
        iterator = client.iter_responses(survey_id)
        counter = 0
        stop = threading.Event()

        def count():
            nonlocal counter
            while not stop.is_set():
                counter += 1
                time.sleep(0.001)

        counting = threading.Thread(target=count)
        counting.start()
        before = counter
        try:
            first = next(iterator)
            during = counter - before
        finally:
            stop.set()
            counting.join(timeout=10)

        assert first == fake.responses(survey_id)[0]
        # Holding the GIL for the 0.5 s page would allow a handful of ticks at most.
        assert during > 20


def test_threads_can_share_one_client_and_one_token():
    with FakeHotjar(latency=0.05) as fake, fake.client() as client:
        survey_ids = fake.survey_ids
        with ThreadPoolExecutor(max_workers=len(survey_ids)) as pool:
            exports = list(pool.map(client.responses, survey_ids))

        assert exports == [fake.responses(s) for s in survey_ids]
        assert fake.stats()["tokens_issued"] == 1
        assert client.stats()["token_requests"] == 1


INTERRUPTED_EXPORT = textwrap.dedent(
    """
    import sys
    from hotjar_client.testing import FakeHotjar

    fake = FakeHotjar(latency=0.5, responses_per_survey=[5000])
    client = fake.client()
    print("ready", flush=True)
    try:
        rows = client.responses(fake.survey_ids[0])
    except KeyboardInterrupt:
        print("interrupted during the export", flush=True)
        raise
    print("finished", len(rows), flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_interrupts_a_long_export():
    child = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED_EXPORT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.5)  # let the export get going: 50 pages at 0.5 s each
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=15)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()

    assert "KeyboardInterrupt" in stderr
    assert stdout == "interrupted during the export\n"
    assert child.returncode != 0


class Interrupted(Exception):
    pass


def test_an_interrupted_call_leaves_the_client_usable():
    """SIGINT during an export raises from the call; the same client then works normally."""

    def on_sigint(signum, frame):
        raise Interrupted

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        with FakeHotjar(latency=0.3) as fake, fake.client() as client:
            survey_id = fake.survey_ids[0]

            def interrupt_after_first_page():
                deadline = time.monotonic() + 10
                while not page_requests(fake, survey_id) and time.monotonic() < deadline:
                    time.sleep(0.005)
                signal.raise_signal(signal.SIGINT)

            sender = threading.Thread(target=interrupt_after_first_page)
            sender.start()
            try:
                with pytest.raises(Interrupted):
                    client.responses(survey_id)
            finally:
                sender.join(timeout=10)

            pages_when_interrupted = len(page_requests(fake, survey_id))
            assert pages_when_interrupted < 13

            fake.latency = 0
            assert client.responses(fake.survey_ids[4]) == fake.responses(fake.survey_ids[4])
            assert not client.closed
    finally:
        signal.signal(signal.SIGINT, previous)


def test_the_client_is_not_closed_by_an_error(fake, client, survey_id):
    fake.fail_next(status=400)
    with pytest.raises(hj.BadRequestError):
        client.responses(survey_id)

    assert client.responses(survey_id) == fake.responses(survey_id)


INTERRUPTED_MID_EXPORT = textwrap.dedent(
    """
    import os, sys, time
    import hotjar_client as hj

    big, small, folder = sys.argv[1], sys.argv[2], sys.argv[3]
    client = hj.Client.from_env()
    client.test_connection()
    print("ready", flush=True)
    try:
        client.export_responses(big, os.path.join(folder, "big.parquet"))
    except KeyboardInterrupt:
        print("interrupted", client.stats()["requests"], flush=True)
    else:
        print("finished", flush=True)
        sys.exit(1)
    # A fetcher that outlived the call would go on sending requests meanwhile.
    time.sleep(1.5)
    print("after", client.stats()["requests"], flush=True)
    print("files", *sorted(os.listdir(folder)), flush=True)
    done = client.export_responses(small, os.path.join(folder, "small.csv"))
    print("usable", done["responses"], flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_mid_export_stops_within_a_second_or_so_and_sends_nothing_more(tmp_path):
    """What "Interrupt kernel" does in Jupyter: a SIGINT while a long file export is half done
    against a slow server. The call raises KeyboardInterrupt promptly, the page in flight is
    dropped, the temporary file is removed, nothing more is sent, and the same client keeps
    working."""
    with FakeHotjar(latency=0.4, responses_per_survey=[5000, 37]) as fake:
        big, small = fake.survey_ids
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "HOTJAR_CLIENT_ID": fake.client_id,
            "HOTJAR_CLIENT_SECRET": fake.client_secret,
            "HOTJAR_SITE_ID": fake.site_id,
            "HOTJAR_BASE_URL": fake.url,
        }
        child = subprocess.Popen(
            [sys.executable, "-c", INTERRUPTED_MID_EXPORT, big, small, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            # A shell may start background jobs with SIGINT ignored; the child must see it.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            assert child.stdout.readline().strip() == "ready"
            deadline = time.monotonic() + 30
            while len(page_requests(fake, big)) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            pages_before = len(page_requests(fake, big))
            assert 3 <= pages_before < 50  # mid-export: 50 pages in all

            sent = time.monotonic()
            child.send_signal(signal.SIGINT)
            interrupted = child.stdout.readline().split()
            waited = time.monotonic() - sent
            after = child.stdout.readline().split()
            files = child.stdout.readline().split()
            usable = child.stdout.readline().split()
            _, stderr = child.communicate(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()

        assert child.returncode == 0, stderr
        assert interrupted[0] == "interrupted"
        # Generous: the check runs every 50 ms and the in-flight page is dropped, not awaited.
        assert waited < 5
        # No request after the interrupt: the client's count stood still for 1.5 s, and the
        # fake saw at most the page that was in flight.
        assert after == ["after", interrupted[1]]
        assert len(page_requests(fake, big)) <= pages_before + 1
        # The half-written file was removed, not left looking complete.
        assert files == ["files"]
        assert usable == ["usable", "37"]
        with (tmp_path / "small.csv").open(newline="", encoding="utf-8") as written:
            assert len(list(csv.DictReader(written))) == 37
