"""Helpers shared by the tests: reading the fake's request log, raw HTTP to the fake, truth."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime

TOKEN_PATH = "/v1/oauth/token"
# The first backoff delay for retry tests, in seconds: fast, and still a real wait.
FAST_BACKOFF = 0.01


# --- the fake's request log ------------------------------------------------------------------


def token_requests(fake) -> list[dict]:
    return [r for r in fake.request_log() if r["path"] == TOKEN_PATH]


def api_requests(fake) -> list[dict]:
    return [r for r in fake.request_log() if r["path"] != TOKEN_PATH]


def page_requests(fake, survey_id) -> list[dict]:
    """The requests for pages of one survey's responses."""
    path = f"/v1/sites/{fake.site_id}/surveys/{survey_id}/responses"
    return [r for r in fake.request_log() if r["path"] == path]


def statuses(records: list[dict]) -> list[int]:
    return [r["status"] for r in records]


# --- the data ---------------------------------------------------------------------------------


def created(response: dict) -> datetime:
    """A response's created_time as an aware datetime."""
    return datetime.fromisoformat(response["created_time"].replace("Z", "+00:00"))


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- raw HTTP to the fake ---------------------------------------------------------------------


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: object  # the parsed JSON, or the text when it is not JSON


def raw_request(
    url: str,
    *,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> RawResponse:
    """One HTTP request with urllib; returns the status and body whatever the status."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status, header_map, payload = answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        status, header_map, payload = error.code, dict(error.headers), error.read()
    text = payload.decode("utf-8")
    try:
        body: object = json.loads(text)
    except ValueError:
        body = text
    return RawResponse(status, header_map, body)


def form_token(fake, **fields: str) -> RawResponse:
    """POSTs the fake's credentials, form-encoded, to the token endpoint; ``fields`` override."""
    form = {
        "grant_type": "client_credentials",
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        **fields,
    }
    return raw_request(
        fake.url + TOKEN_PATH,
        method="POST",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def bearer(fake) -> dict[str, str]:
    """An Authorization header carrying a new token from the fake."""
    answer = form_token(fake)
    assert answer.status == 200, answer.body
    return {"Authorization": f"Bearer {answer.body['access_token']}"}
