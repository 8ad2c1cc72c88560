"""The fault matrix: every way the network and the API can fail, aimed at a chosen page of an
export, through both ways of exporting (``responses()`` and ``iter_responses()``).

Each case ends with exactly the fake's truth: no response lost, none doubled. Either the export
recovers by itself (retries, a new token), or it raises with what it fetched and where to resume,
and the fetched rows plus the resumed rest are the whole survey.

The survey has 550 responses: six pages, the last one short. ``after=N`` lets N page requests
through and hits page N + 1. Retries start at 10 ms; nothing here times anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import hotjar_client as hj
import pytest
from helpers import FAST_BACKOFF, page_requests, statuses
from hotjar_client.testing import FakeHotjar

SURVEY_SIZE = 550
PAGES = 6
MAX_RETRIES = 3
# Injected failures beyond the retries: the export gives up on that page.
EVERY_TRY = MAX_RETRIES + 1
INVALID_CURSOR = json.dumps({"error": "invalid_cursor", "message": "Invalid cursor"})

Inject = Callable[[FakeHotjar, int], None]


@dataclass
class Case:
    id: str
    inject: Inject
    # None: the export must recover on its own. Otherwise the class it must raise.
    error: type[hj.HotjarError] | None = None
    # Undoes what the fault left behind before resuming (a revoked key).
    heal: Callable[[FakeHotjar], None] = lambda fake: None
    client: dict = field(default_factory=dict)
    fake: dict = field(default_factory=dict)
    # Pages the fault is aimed at (``after=``): the first, a middle one, the last.
    positions: tuple[int, ...] = (0, 2, PAGES - 1)


def burst(*statuses_in_order: int, retry_after: int | None = None) -> Inject:
    """Answers the page at ``after`` and the retries after it with these statuses in turn."""

    def inject(fake: FakeHotjar, after: int) -> None:
        for i, status in enumerate(statuses_in_order):
            fake.fail_next(status=status, retry_after=retry_after, after=after if i == 0 else 0)

    return inject


def fault(kind: str, count: int = 1, **options) -> Inject:
    return lambda fake, after: fake.inject_fault(kind, count=count, after=after, **options)


def faults(*kinds: str) -> Inject:
    """One fault of each kind, in turn, on the same page (each retry meets the next one)."""

    def inject(fake: FakeHotjar, after: int) -> None:
        for i, kind in enumerate(kinds):
            if kind.isdigit():
                fake.fail_next(status=int(kind), after=after if i == 0 else 0)
            else:
                fake.inject_fault(kind, after=after if i == 0 else 0)

    return inject


# A timeout well above what a loaded machine needs for a fake page, a delay well above it.
SLOW = {"client": {"timeout": 0.5}}

RECOVERS = [
    Case("token-expires-mid-export", fault("expire_tokens")),
    Case("short-token-ttl", lambda fake, after: None, fake={"token_ttl": 0.3, "latency": 0.06}),
    Case("429-burst-with-retry-after", burst(429, 429, 429, retry_after=0)),
    Case("429-burst-without-retry-after", burst(429, 429, 429)),
    Case("5xx-burst", burst(500, 502, 503)),
    Case("504-then-503", burst(504, 503)),
    Case("reset-mid-body", fault("reset")),
    Case("truncated-page", fault("truncate")),
    Case("malformed-page", fault("garble")),
    Case("slower-than-timeout", fault("slow", delay=1.5), **SLOW),
    Case("every-transient-fault-on-one-page", faults("reset", "503", "truncate")),
    Case("a-401-on-a-page", burst(401)),
]

GIVES_UP = [
    Case(
        "key-revoked-mid-export",
        fault("revoke"),
        hj.AuthenticationError,
        heal=lambda fake: fake.restore_credentials(),
    ),
    Case("429-beyond-retries", burst(*[429] * EVERY_TRY, retry_after=0), hj.RateLimitError),
    Case("5xx-beyond-retries", burst(500, 502, 503, 504), hj.ServerError),
    Case("reset-on-every-try", fault("reset", EVERY_TRY), hj.TransportError),
    Case("truncated-on-every-try", fault("truncate", EVERY_TRY), hj.InvalidResponseError),
    Case("malformed-on-every-try", fault("garble", EVERY_TRY), hj.InvalidResponseError),
    Case(
        "slower-than-timeout-every-try",
        fault("slow", EVERY_TRY, delay=1.5),
        hj.TransportError,
        **SLOW,
    ),
    Case(
        "invalid-cursor",
        lambda fake, after: fake.fail_next(status=400, body=INVALID_CURSOR, after=after),
        hj.BadRequestError,
        positions=(1, 2, PAGES - 1),  # the first page has no cursor
    ),
    Case(
        "repeated-cursor",
        fault("repeat_cursor"),
        hj.InvalidResponseError,
        positions=(1, 2, PAGES - 1),
    ),
]


def export(
    client: hj.Client, survey_id: str, mode: str
) -> tuple[list[dict], hj.HotjarError | None]:
    """The rows an export produced before it ended, and the error that ended it, if any."""
    if mode == "responses":
        try:
            return client.responses(survey_id), None
        except hj.HotjarError as error:
            assert isinstance(error.partial, list)
            return error.partial, error
    rows: list[dict] = []
    iterator = client.iter_responses(survey_id)
    try:
        for row in iterator:
            rows.append(row)
    except hj.HotjarError as error:
        assert error.resume_cursor == iterator.resume_cursor
        return rows, error
    return rows, None


@dataclass
class Outcome:
    fake: FakeHotjar
    client: hj.Client
    survey_id: str
    truth: list[dict]
    rows: list[dict]
    error: hj.HotjarError | None

    def page_statuses(self) -> list[int]:
        return statuses(page_requests(self.fake, self.survey_id))


@contextmanager
def run(case: Case, mode: str, after: int) -> Iterator[Outcome]:
    """Injects the case's fault at page ``after + 1`` and exports once."""
    with (
        FakeHotjar(responses_per_survey=[SURVEY_SIZE], **case.fake) as fake,
        fake.client(retry_backoff=FAST_BACKOFF, max_retries=MAX_RETRIES, **case.client) as client,
    ):
        survey_id = fake.survey_ids[0]
        truth = fake.responses(survey_id)
        assert len(truth) == SURVEY_SIZE
        case.inject(fake, after)
        rows, error = export(client, survey_id, mode)
        yield Outcome(fake, client, survey_id, truth, rows, error)


def no_duplicates(rows: list[dict]) -> bool:
    return len({r["id"] for r in rows}) == len(rows)


@pytest.mark.parametrize("mode", ["responses", "iter_responses"])
@pytest.mark.parametrize("case", RECOVERS, ids=lambda c: c.id)
def test_the_export_recovers_with_exactly_the_truth(case, mode):
    with run(case, mode, after=2) as out:
        assert out.error is None, out.error
        assert out.rows == out.truth
        assert no_duplicates(out.rows)
        if case.id == "short-token-ttl":
            assert out.fake.stats()["tokens_issued"] >= 2
        else:
            assert out.fake.stats()["faults_injected"] >= 1
            # The failing page was sent again (one token request, one request per page, more).
            assert out.client.stats()["requests"] > 1 + PAGES


@pytest.mark.parametrize("mode", ["responses", "iter_responses"])
@pytest.mark.parametrize(
    ("case", "after"),
    [pytest.param(c, a, id=f"{c.id}-page{a + 1}") for c in GIVES_UP for a in c.positions],
)
def test_a_failed_export_keeps_its_rows_and_resumes_to_exactly_the_truth(case, after, mode):
    with run(case, mode, after) as out:
        assert type(out.error) is case.error, out.error
        # Every page before the failing one, and nothing of it.
        assert out.rows == out.truth[: after * 100]
        assert len(out.page_statuses()) <= after + EVERY_TRY  # never loops
        if after == 0:
            assert out.error.resume_cursor is None
        else:
            assert isinstance(out.error.resume_cursor, str)

        case.heal(out.fake)
        rest = out.client.responses(out.survey_id, resume_cursor=out.error.resume_cursor)

        assert out.rows + rest == out.truth
        assert no_duplicates(out.rows + rest)


def test_an_iterator_stopped_by_a_repeated_cursor_stays_stopped_without_sending():
    with (
        FakeHotjar(responses_per_survey=[SURVEY_SIZE]) as fake,
        fake.client(retry_backoff=FAST_BACKOFF) as client,
    ):
        survey_id = fake.survey_ids[0]
        fake.inject_fault("repeat_cursor", after=3)
        iterator = client.iter_responses(survey_id)
        rows = []
        with pytest.raises(hj.InvalidResponseError, match="already sent"):
            rows.extend(iterator)
        sent = len(fake.request_log())

        with pytest.raises(hj.InvalidResponseError, match="already sent"):
            next(iterator)

        assert len(fake.request_log()) == sent
        assert statuses(page_requests(fake, survey_id)) == [200] * 4  # no retry, no loop
        assert rows == fake.responses(survey_id)[:300]


def test_the_readme_loop_rides_out_several_outages_with_exactly_the_truth():
    with (
        FakeHotjar(responses_per_survey=[SURVEY_SIZE]) as fake,
        fake.client(retry_backoff=FAST_BACKOFF, max_retries=MAX_RETRIES) as client,
    ):
        survey_id = fake.survey_ids[0]
        # Three outages longer than the retries: on page 2, on page 4, and on page 6.
        fake.fail_next(EVERY_TRY, status=503, after=1)
        fake.inject_fault("reset", count=EVERY_TRY, after=2)
        fake.fail_next(EVERY_TRY, status=429, after=2)
        stops = []

        rows, cursor = [], None
        for _attempt in range(10):
            try:
                rows += client.responses(survey_id, resume_cursor=cursor)
                break
            except (hj.TransportError, hj.ServerError, hj.RateLimitError) as error:
                stops.append(type(error).__name__)
                rows += error.partial
                cursor = error.resume_cursor

        assert stops == ["ServerError", "TransportError", "RateLimitError"]
        assert rows == fake.responses(survey_id)


# --- file exports -----------------------------------------------------------------------------
# export_responses() fetches the survey first (one API request), then the pages: ``after=N + 1``
# hits page N + 1. On failure it keeps what it wrote as ``<path>.partial``; resuming writes the
# rest to ``path``. The two files hold exactly the survey.


def ids_in(path, fmt: str) -> list[str]:
    if fmt == "jsonl":
        return [json.loads(line)["response_id"] for line in path.read_text().splitlines()]
    if fmt == "csv":
        import csv

        with path.open(newline="", encoding="utf-8") as f:
            return [row["response_id"] for row in csv.DictReader(f)]
    import pyarrow.parquet as pq

    return [str(v) for v in pq.read_table(path).column("response_id").to_pylist()]


FILE_CASES = [
    c
    for c in GIVES_UP
    if c.id
    in {"key-revoked-mid-export", "5xx-beyond-retries", "reset-on-every-try", "repeated-cursor"}
]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
@pytest.mark.parametrize(
    ("case", "after"),
    [pytest.param(c, a, id=f"{c.id}-page{a + 1}") for c in FILE_CASES for a in c.positions],
)
def test_a_failed_file_export_keeps_a_partial_file_and_resumes_to_exactly_the_truth(
    case, after, fmt, tmp_path
):
    path = tmp_path / f"responses.{fmt}"
    with (
        FakeHotjar(responses_per_survey=[SURVEY_SIZE], **case.fake) as fake,
        fake.client(retry_backoff=FAST_BACKOFF, max_retries=MAX_RETRIES, **case.client) as client,
    ):
        survey_id = fake.survey_ids[0]
        truth = [r["id"] for r in fake.responses(survey_id)]
        case.inject(fake, after + 1)

        with pytest.raises(case.error) as caught:
            client.export_responses(survey_id, path)

        error = caught.value
        assert not path.exists()  # never a file that looks complete
        if after == 0:
            assert error.partial is None and error.resume_cursor is None
            assert list(tmp_path.iterdir()) == []
            written: list[str] = []
        else:
            assert str(error.partial) == f"{path}.partial"
            assert sorted(p.name for p in tmp_path.iterdir()) == [
                f"responses.{fmt}.partial",
                f"responses.{fmt}.partial.json",  # the note that resume=True reads
            ]
            written = ids_in(tmp_path / f"responses.{fmt}.partial", fmt)
            assert written == truth[: after * 100]

        case.heal(fake)
        summary = client.export_responses(survey_id, path, resume_cursor=error.resume_cursor)

        assert written + ids_in(path, fmt) == truth
        assert summary["responses"] == SURVEY_SIZE - len(written)


@pytest.mark.parametrize("case", GIVES_UP, ids=lambda c: c.id)
def test_a_failed_table_export_keeps_a_partial_table_and_resumes_to_exactly_the_truth(case):
    # responses_table() also fetches the survey first: ``after=3`` hits page 3.
    with (
        FakeHotjar(responses_per_survey=[SURVEY_SIZE], **case.fake) as fake,
        fake.client(retry_backoff=FAST_BACKOFF, max_retries=MAX_RETRIES, **case.client) as client,
    ):
        survey_id = fake.survey_ids[0]
        truth = [r["id"] for r in fake.responses(survey_id)]
        case.inject(fake, 3)

        with pytest.raises(case.error) as caught:
            client.responses_table(survey_id)

        partial = caught.value.partial.to_pydict()["response_id"]
        assert partial == truth[:200]
        case.heal(fake)
        rest = client.responses_table(survey_id, resume_cursor=caught.value.resume_cursor)
        assert partial + rest.to_pydict()["response_id"] == truth


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
@pytest.mark.parametrize("case", FILE_CASES, ids=lambda c: c.id)
def test_resume_true_continues_the_partial_file_into_one_file_with_exactly_the_truth(
    case, fmt, tmp_path
):
    path = tmp_path / f"responses.{fmt}"
    with (
        FakeHotjar(responses_per_survey=[SURVEY_SIZE], **case.fake) as fake,
        fake.client(retry_backoff=FAST_BACKOFF, max_retries=MAX_RETRIES, **case.client) as client,
    ):
        survey_id = fake.survey_ids[0]
        truth = [r["id"] for r in fake.responses(survey_id)]
        # Fails on page 3, then (resumed) on page 5: the partial file grows, then completes.
        case.inject(fake, 3)
        with pytest.raises(case.error) as first:
            client.export_responses(survey_id, path, resume=True)  # nothing to resume yet
        assert "resume=True" in str(first.value)
        note = json.loads((tmp_path / f"responses.{fmt}.partial.json").read_text())
        assert note["responses"] == 200
        assert note["resume_cursor"] == first.value.resume_cursor
        case.heal(fake)

        case.inject(fake, 1 + 2)  # the survey, pages 3 and 4 pass, page 5 fails
        with pytest.raises(case.error) as second:
            client.export_responses(survey_id, path, resume=True)
        assert ids_in(tmp_path / f"responses.{fmt}.partial", fmt) == truth[:400]
        case.heal(fake)

        summary = client.export_responses(survey_id, path, resume=True)

        assert ids_in(path, fmt) == truth
        assert summary["responses"] == SURVEY_SIZE
        assert sorted(p.name for p in tmp_path.iterdir()) == [f"responses.{fmt}"]
        assert second.value.resume_cursor != first.value.resume_cursor


def test_resume_true_refuses_a_partial_file_made_with_other_settings(fake, fast_client, tmp_path):
    survey_id = fake.survey_ids[1]
    path = tmp_path / "responses.jsonl"
    fake.fail_next(EVERY_TRY, status=503, after=2)
    with pytest.raises(hj.ServerError):
        fast_client.export_responses(survey_id, path)
    fake.clear_request_log()

    for call, says in [
        (lambda: fast_client.export_responses(survey_id, path, resume=True, shape="long"), "shape"),
        (lambda: fast_client.export_responses(fake.survey_ids[3], path, resume=True), "survey"),
        (
            lambda: fast_client.export_responses(survey_id, path, resume=True, since="2026-01-01"),
            "since",
        ),
        (
            lambda: fast_client.export_responses(survey_id, path, resume=True, resume_cursor="abc"),
            "not both",
        ),
    ]:
        with pytest.raises(hj.ConfigurationError, match=says):
            call()
    assert fake.request_log() == []
    (tmp_path / "responses.jsonl.partial.json").unlink()
    with pytest.raises(hj.ConfigurationError, match="where it stopped is unknown"):
        fast_client.export_responses(survey_id, path, resume=True)
    assert fake.request_log() == []


def test_resume_true_without_a_partial_file_exports_everything(fake, client, tmp_path):
    survey_id = fake.survey_ids[4]
    path = tmp_path / "responses.csv"

    summary = client.export_responses(survey_id, path, resume=True)

    assert ids_in(path, "csv") == [r["id"] for r in fake.responses(survey_id)]
    assert summary["responses"] == 37


def test_resume_true_refuses_to_mix_columns_when_the_survey_changed(fake, fast_client, tmp_path):
    survey_id = fake.survey_ids[0]
    path = tmp_path / "responses.parquet"
    fake.fail_next(EVERY_TRY, status=503, after=3)
    with pytest.raises(hj.ServerError):
        fast_client.export_responses(survey_id, path)
    before = ids_in(tmp_path / "responses.parquet.partial", "parquet")
    # The survey lost a question since: its columns are no longer those of the partial file.
    survey = fast_client.get_survey(survey_id)
    survey["questions"] = survey["questions"][1:]
    fake.fail_next(status=200, body=json.dumps(survey))

    with pytest.raises(hj.ConfigurationError, match="columns changed"):
        fast_client.export_responses(survey_id, path, resume=True)

    assert ids_in(tmp_path / "responses.parquet.partial", "parquet") == before
    assert not path.exists()
