"""Secret hygiene: the client secret and the access tokens never show up in a repr, a str, a
log line, an exception, a traceback, a pickle or a file, even in a run where everything goes
wrong; and a redirect never carries them to another host.

Every token the fake issues starts with ``fake_at_``, so a scan for that prefix finds any token
without the test having to know it.
"""

from __future__ import annotations

import http.server
import json
import logging
import pickle
import threading
import traceback
import urllib.request
from typing import ClassVar

import hotjar_client as hj
import pytest
from helpers import FAST_BACKOFF, api_requests, token_requests
from hotjar_client import demo
from hotjar_client.testing import FakeHotjar

TOKEN_PREFIX = "fake_at_"


def leaks(secret: str, produced: list[str | bytes]) -> list[str]:
    """The pieces of output that contain the secret or a token."""
    found = []
    for piece in produced:
        text = piece.decode("utf-8", "replace") if isinstance(piece, bytes) else piece
        if secret in text or TOKEN_PREFIX in text:
            found.append(text[:300])
    return found


def everything_about(error: BaseException) -> list[str | bytes]:
    return [
        str(error),
        repr(error),
        "".join(traceback.format_exception(error)),
        repr(vars(error)),
        json.dumps(getattr(error, "partial", None)),
        pickle.dumps(error),
    ]


def test_a_run_where_everything_fails_leaks_no_secret_anywhere(tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)  # every logger, the library's included
    produced: list[str | bytes] = []
    with (
        FakeHotjar(responses_per_survey=[250, 30]) as fake,
        fake.client(retry_backoff=FAST_BACKOFF, max_retries=1) as client,
    ):
        secret = fake.client_secret
        survey_id = fake.survey_ids[0]
        produced += [repr(client), str(client)]
        client.test_connection()

        # A refused token, renewed silently.
        fake.fail_next(status=401)
        client.list_surveys()

        # A server that quotes the bearer token back in its error.
        fake.inject_fault("echo_token")
        with pytest.raises(hj.BadRequestError) as echoed:
            client.get_survey(survey_id)
        assert "Bearer ***" in str(echoed.value)  # the scan below would see the token

        # A server error quoting the secret, on every try.
        fake.fail_next(2, status=500, body=json.dumps({"message": f"config: {secret}"}))
        with pytest.raises(hj.ServerError) as quoted:
            client.list_surveys()

        # The key revoked in the middle of the demo's export, after one survey was written.
        fake.inject_fault("revoke", after=4)
        with pytest.raises(hj.AuthenticationError) as revoked:
            demo.export_all(client, tmp_path / "export")
        assert not revoked.value.partial  # it stopped at the start of a survey: [] or None
        fake.restore_credentials()

        # A file export that fails part way: its partial file and the note beside it.
        fake.fail_next(2, status=503, after=2)
        with pytest.raises(hj.ServerError) as exported:
            client.export_responses(survey_id, tmp_path / "export" / "r.parquet")
        assert (tmp_path / "export" / "r.parquet.partial.json").is_file()

        # An iterator stopped by an expired, then refused, token.
        iterator = client.iter_responses(survey_id)
        next(iterator)
        fake.revoke_credentials()
        with pytest.raises(hj.AuthenticationError) as stopped:
            list(iterator)
        fake.restore_credentials()

        for error in (echoed.value, quoted.value, revoked.value, exported.value, stopped.value):
            produced += everything_about(error)
        for obj in (client, fake, iterator):
            with pytest.raises(TypeError, match="cannot be pickled") as refused:
                pickle.dumps(obj)
            produced.append(str(refused.value))
        produced += [
            repr(iterator),
            repr(fake),
            repr(client.stats()),
            repr(fake.request_log()),
            repr(fake.stats()),
        ]
        assert len(token_requests(fake)) >= 3 and len(api_requests(fake)) >= 8
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written  # the first survey was exported before the key was revoked
    produced += [p.read_bytes() for p in written]
    out, err = capsys.readouterr()
    produced += [caplog.text, out, err]

    assert leaks(secret, produced) == []


def test_the_secret_is_never_in_a_clients_repr_even_when_short():
    with hj.Client("id", "s3cr3t-value", base_url="http://127.0.0.1:9") as client:
        assert "s3cr3t" not in repr(client)
        assert "s3cr3t" not in str(client)


@pytest.mark.parametrize("obj", ["client", "iterator"])
def test_clients_and_iterators_refuse_pickling_and_copying_with_a_clear_message(
    fake, client, survey_id, obj
):
    import copy

    target = client if obj == "client" else client.iter_responses(survey_id)
    for attempt in (pickle.dumps, copy.copy, copy.deepcopy):
        with pytest.raises(TypeError, match="cannot be pickled or copied"):
            attempt(target)


def test_an_export_error_pickles_with_its_partial_and_cursor_and_no_secret(fake, fast_client):
    survey_id = fake.survey_ids[1]
    fake.fail_next(4, status=503, after=1)
    with pytest.raises(hj.ServerError) as caught:
        fast_client.responses(survey_id)

    copy_ = pickle.loads(pickle.dumps(caught.value))

    assert type(copy_) is hj.ServerError
    assert copy_.partial == caught.value.partial == fake.responses(survey_id)[:100]
    assert copy_.resume_cursor == caught.value.resume_cursor
    assert fake.client_secret.encode() not in pickle.dumps(caught.value)


# --- redirects --------------------------------------------------------------------------------


class Recorder(http.server.BaseHTTPRequestHandler):
    """Another loopback server that records whatever reaches it."""

    seen: ClassVar[list[dict]] = []

    def record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        type(self).seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"results": [], "next_cursor": null, "access_token": "x"}')

    do_GET = do_POST = record

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def recorder():
    Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", Recorder.seen
    finally:
        server.shutdown()
        server.server_close()


def test_the_recorder_records_what_reaches_it(recorder):
    url, seen = recorder
    urllib.request.urlopen(url + "/probe", timeout=10).read()
    assert [r["path"] for r in seen] == ["/probe"]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("endpoint", ["api", "token"])
def test_a_redirect_is_never_followed_so_nothing_reaches_the_other_host(
    fake, recorder, status, endpoint
):
    url, seen = recorder
    target = f"{url}/v1/sites/{fake.site_id}/surveys"
    fake.fail_next(status=status, location=target, endpoint=endpoint)

    with (
        fake.client(retry_backoff=FAST_BACKOFF) as client,
        pytest.raises(hj.InvalidResponseError, match="redirected") as caught,
    ):
        client.list_surveys()

    assert seen == []
    assert caught.value.status == status
    assert target in str(caught.value)
    assert fake.client_secret not in str(caught.value)
