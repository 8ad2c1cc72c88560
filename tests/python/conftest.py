"""Fixtures: a fake Hotjar API on loopback and clients for it. Nothing leaves the machine."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from helpers import FAST_BACKOFF, page_requests, statuses
from hotjar_client.testing import FakeHotjar

ID_STYLES = ("digits", "opaque")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "id_styles: run the test (or module) against a fake in each id style: digit strings "
        "and opaque Contentsquare-style ids (survey_<uuid>, question_<uuid>_<n>)",
    )


def pytest_generate_tests(metafunc):
    """Tests marked ``id_styles`` that use the ``fake`` fixture run once per id style."""
    if metafunc.definition.get_closest_marker("id_styles") and "id_style" in metafunc.fixturenames:
        metafunc.parametrize("id_style", ID_STYLES, indirect=True)


@pytest.fixture
def id_style(request):
    """How the fake writes ids: ``digits`` unless the test is marked ``id_styles``."""
    return getattr(request, "param", "digits")


@pytest.fixture
def fake(id_style):
    """The default fake: five surveys with 1234, 250, 0, 100 and 37 responses."""
    with FakeHotjar(id_style=id_style) as server:
        yield server


@pytest.fixture
def client(fake):
    """A client for ``fake`` with the default settings."""
    with fake.client() as c:
        yield c


@pytest.fixture
def fast_client(fake):
    """A client for ``fake`` whose retries start at 10 ms instead of 1 s (3 retries)."""
    with fake.client(retry_backoff=FAST_BACKOFF, max_retries=3) as c:
        yield c


@pytest.fixture
def survey_id(fake):
    """The first survey of the default fake: 1234 responses, every question type."""
    return fake.survey_ids[0]


@dataclass
class Export:
    survey_id: str
    rows: list[dict]
    truth: list[dict]
    fake_stats: dict
    client_stats: dict
    page_statuses: list[int]


@pytest.fixture(scope="session")
def big_export() -> Export:
    """A default client exports a 12,345-response survey (125 requests) from a fake stricter
    than Hotjar: 100 requests in any 1 s window, not 3000 in 60 s. The default limiter (a burst
    of 50, then 48.7 a second) sends at most 98 in any second; a client that does not pace
    sends its 125 requests in a fraction of a second and draws 429s."""
    with (
        FakeHotjar(responses_per_survey=[12345], rate_limit=100, rate_window=1.0) as server,
        server.client() as c,
    ):
        sid = server.survey_ids[0]
        rows = c.responses(sid)
        return Export(
            survey_id=sid,
            rows=rows,
            truth=server.responses(sid),
            fake_stats=server.stats(),
            client_stats=c.stats(),
            page_statuses=statuses(page_requests(server, sid)),
        )
