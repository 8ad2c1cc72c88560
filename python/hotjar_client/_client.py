"""``Client`` and ``AsyncClient``: the Python front of the native client.

Both are thin classes over one ``_BaseClient`` (the options and their defaults, ``from_env``,
the shared properties, the repr and the refusal to be pickled, in one place) and over one
native ``_native.RawClient``, which checks every value (ids, dates, cursors, ranges) by the
core's rules and runs each operation's one async body, blocking for ``Client`` and awaitable
for ``AsyncClient``. Each method here is a few lines: it passes the arguments on and wraps the
plain result (``SurveyList``, ``SurveyResults``, ``LookupReport``...). Every operation exists on
both clients with the same parameters; ``tests/python/test_parity.py`` fails on any drift.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine, Iterable
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar

from hotjar_client import gdpr
from hotjar_client._display import SurveyList
from hotjar_client._iterators import AsyncResponseIterator, ResponseIterator
from hotjar_client._many import SurveyResults
from hotjar_client._native import ConfigurationError, RawClient, ResponseTable
from hotjar_client._progress import new_bar
from hotjar_client._types import (
    ClientStats,
    ExportSummary,
    FileFormat,
    Id,
    LookupResult,
    Response,
    Shape,
    Since,
    Survey,
    TokenInfo,
    UserIds,
)

if TYPE_CHECKING:
    from hotjar_client._check import ApiCheck

DEFAULT_BASE_URL = "https://api.hotjar.io"

_T = TypeVar("_T")
_Self = TypeVar("_Self", bound="_BaseClient")
Call = Coroutine[Any, Any, _T]
"""What ``AsyncClient``'s methods return: a coroutine, run when awaited (or made a task).
Bad arguments raise when the method is called, before there is anything to await."""

_ENV_HELP = {
    "HOTJAR_CLIENT_ID": "client ID",
    "HOTJAR_CLIENT_SECRET": "client secret",
}


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value is not None and value.strip() else None


def _required_env(name: str) -> str:
    value = _env(name)
    if value is None:
        raise ConfigurationError(
            f"The environment variable {name} is not set. It holds the API key's "
            f"{_ENV_HELP[name]}; create a key in Hotjar under Settings > API, then export "
            f"{name}=..."
        )
    return value


def _bar(progress: bool, description: str) -> Callable[[], Any] | None:
    """``progress=``: what makes the bar, once the call's arguments are checked."""
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be a bool, not {type(progress).__name__}")
    return partial(new_bar, description) if progress else None


def _flag(value: object, name: str) -> bool:
    """A bool argument, refusing what only looks like one (``"no"``, ``0``)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


def _check_count(surveys: object) -> int:
    if isinstance(surveys, bool) or not isinstance(surveys, int):
        raise TypeError(f"surveys must be an int, not {type(surveys).__name__}")
    if not 1 <= surveys <= 100:
        raise ConfigurationError(f"surveys must be between 1 and 100, got {surveys}.")
    return surveys


def _analyse(
    listed: Iterable[object], pages: Iterable[Iterable[object]], detail: Iterable[object]
) -> ApiCheck:
    # check_api()'s module is loaded when it runs: it brings `re` and `dataclasses` (with
    # `inspect`), a third of what `import hotjar_client` would otherwise cost.
    from hotjar_client._check import analyse

    return analyse(listed, pages, detail)


def _survey(survey_id: object) -> str:
    return f"Survey {str(survey_id).strip()}"


class _BaseClient:
    """What ``Client`` and ``AsyncClient`` share: options, defaults and state."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        site_id: Id | None = None,
        organization_id: Id | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        max_retries: int = 5,
        requests_per_minute: int | None = 3000,
        retry_backoff: float = 1.0,
    ) -> None:
        self._raw = RawClient(
            client_id,
            client_secret,
            site_id,
            organization_id,
            base_url,
            timeout,
            max_retries,
            requests_per_minute,
            retry_backoff,
            "AsyncClient" if isinstance(self, AsyncClient) else "Client",
        )

    @classmethod
    def from_env(
        cls: type[_Self],
        *,
        site_id: Id | None = None,
        organization_id: Id | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        requests_per_minute: int | None = 3000,
        retry_backoff: float = 1.0,
    ) -> _Self:
        """Builds a client from the environment: ``HOTJAR_CLIENT_ID``, ``HOTJAR_CLIENT_SECRET``,
        and optionally ``HOTJAR_SITE_ID``, ``HOTJAR_ORGANIZATION_ID`` and ``HOTJAR_BASE_URL``.
        Keyword arguments win over the environment.

        >>> client = hj.Client.from_env(timeout=60)
        """
        client_id = _required_env("HOTJAR_CLIENT_ID")
        client_secret = _required_env("HOTJAR_CLIENT_SECRET")
        return cls(
            client_id,
            client_secret,
            site_id=_env("HOTJAR_SITE_ID") if site_id is None else site_id,
            organization_id=(
                _env("HOTJAR_ORGANIZATION_ID") if organization_id is None else organization_id
            ),
            base_url=base_url or _env("HOTJAR_BASE_URL") or DEFAULT_BASE_URL,
            timeout=timeout,
            max_retries=max_retries,
            requests_per_minute=requests_per_minute,
            retry_backoff=retry_backoff,
        )

    def stats(self) -> ClientStats:
        """Counts of what this client has sent: ``requests`` (all HTTP requests, token and
        retries included), ``retries`` and ``token_requests``."""
        return self._raw.stats()

    def close(self) -> None:
        """Closes the connection pool. Later calls raise ``ClientClosedError``. Calling it
        twice is fine."""
        self._raw.close()

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
        return self._raw.closed

    @property
    def site_id(self) -> str | None:
        """The default site, or None."""
        return self._raw.site_id

    @property
    def organization_id(self) -> str | None:
        """The default organization, or None."""
        return self._raw.organization_id

    @property
    def base_url(self) -> str:
        """The API's address, without a trailing slash."""
        return self._raw.base_url

    def __repr__(self) -> str:
        return repr(self._raw)

    def __reduce__(self) -> NoReturn:
        # A client holds the API secret, its token and live connections, none of which may
        # travel in a pickle.
        name = type(self).__name__
        raise TypeError(
            f"A {name} cannot be pickled or copied: it holds the API secret and live "
            f"connections. Create one in each process instead, e.g. with {name}.from_env()."
        )


class Client(_BaseClient):
    """A client for the Hotjar API.

    Create one per API key and reuse it: it keeps the access token, the connection pool and
    the rate limiter (3000 requests a minute by default, Hotjar's limit) across calls. Every
    call runs with the interpreter released and stops on Ctrl-C.

    >>> import hotjar_client as hj
    >>> with hj.Client("client-id", "client-secret", site_id=987654) as client:
    ...     surveys = client.list_surveys()
    ...     rows = client.responses(surveys[0]["id"])
    """

    def test_connection(self) -> TokenInfo:
        """Exchanges the credentials for a new access token, and raises if Hotjar refuses them.

        Returns ``{"expires_in": seconds}``, the new token's lifetime.

        >>> client.test_connection()
        {'expires_in': 3600.0}
        """
        return self._raw.test_connection()

    def list_surveys(
        self, site_id: Id | None = None, *, with_questions: bool = False
    ) -> SurveyList:
        """Every survey of a site (all pages), as dicts in the API's shape, in a list that
        shows as a table in notebooks.

        ``with_questions=True`` includes each survey's ``questions``.

        >>> [s["name"] for s in client.list_surveys()]
        """
        return SurveyList(self._raw.list_surveys(site_id, with_questions))

    def get_survey(self, survey_id: Id, *, site_id: Id | None = None) -> Survey:
        """One survey, with its questions.

        >>> client.get_survey(1234567)["questions"][0]["text"]
        """
        return self._raw.get_survey(survey_id, site_id)

    def check_api(self, *, site_id: Id | None = None, surveys: int = 3) -> ApiCheck:
        """Shows where the API differs from what this library expects: fetches the survey
        list (with questions), one survey, and the first page of responses of up to
        ``surveys`` surveys, and compares every field, question type, id style, survey type
        and value type with the API reference the library is built on.

        Returns an ``ApiCheck``: ``str()`` is a short table, ``.bug_report_line()`` one line
        to paste into a bug report. Only names, types and counts are reported, never a value
        that could be personal or secret. User lookup is not called (it would email a report).

        >>> print(client.check_api())
        """
        count = _check_count(surveys)
        listed = self.list_surveys(site_id, with_questions=True)
        chosen = [s["id"] for s in listed[:count]]
        detail = [self.get_survey(chosen[0], site_id=site_id)] if chosen else []
        pages = [self._raw.response_pages(s, site_id, None, None).next_page() or [] for s in chosen]
        return _analyse(listed, pages, detail)

    def iter_responses(
        self,
        survey_id: Id,
        *,
        site_id: Id | None = None,
        since: Since | None = None,
        resume_cursor: str | None = None,
    ) -> ResponseIterator:
        """Iterates over a survey's responses, newest first, fetching one page (100 responses)
        at a time as you go.

        ``since`` (an aware datetime, a date, or an ISO 8601 string) stops at the first
        response older than it. If a page fails, the exception's ``resume_cursor`` tells where
        to pick up.

        >>> for response in client.iter_responses(1234567, since="2024-06-01"):
        ...     print(response["created_time"])
        """
        return ResponseIterator(self._raw.response_pages(survey_id, site_id, since, resume_cursor))

    def responses(
        self,
        survey_id: Id,
        *,
        site_id: Id | None = None,
        since: Since | None = None,
        resume_cursor: str | None = None,
        progress: bool = False,
    ) -> list[Response]:
        """Every response of a survey (all pages), newest first, as a list of dicts.

        ``since`` keeps only responses at or after it. If the export fails part way, the
        exception carries ``partial`` (what was fetched) and ``resume_cursor``; pass that back
        as ``resume_cursor=`` and add the two lists to get the whole survey.
        ``progress=True`` shows a tqdm bar when tqdm is installed.

        >>> rows = client.responses(1234567)
        """
        bar = _bar(progress, _survey(survey_id))
        return self._raw.responses(survey_id, site_id, since, resume_cursor, bar)

    def responses_many(
        self,
        survey_ids: Iterable[Id] | None = None,
        *,
        site_id: Id | None = None,
        since: Since | None = None,
        concurrency: int = 8,
        progress: bool = False,
    ) -> SurveyResults:
        """The responses of many surveys, fetched ``concurrency`` surveys at a time (one
        survey's pages come one after another, so this is what makes a multi-survey export
        fast). Every request goes through the client's one rate limiter, shared by all of them.

        ``survey_ids=None`` exports every survey of the site. Returns a ``SurveyResults``: a
        dict survey id -> list of responses for the surveys that completed, and ``.errors``,
        survey id -> the exception of a survey that failed (with ``partial`` and
        ``resume_cursor``), so a failed survey loses nothing and stops no other.
        ``progress=True`` shows a tqdm bar when tqdm is installed.

        >>> results = client.responses_many(since="2024-06-01")
        >>> results.raise_for_errors()
        >>> frames = {sid: pd.DataFrame(rows) for sid, rows in results.items()}
        """
        bar = _bar(progress, "Hotjar responses")
        done = self._raw.responses_many(survey_ids, site_id, since, concurrency, bar)
        return SurveyResults(*done)

    def responses_table(
        self,
        survey_id: Id,
        *,
        site_id: Id | None = None,
        shape: Shape = "wide",
        since: Since | None = None,
        resume_cursor: str | None = None,
        progress: bool = False,
    ) -> ResponseTable:
        """Every response of a survey as Arrow columns: a :class:`ResponseTable` that pandas,
        polars, pyarrow and DuckDB read directly.

        ``shape="wide"`` gives one row per response: the response's fields, then per question
        its answer (numbers for NPS and ratings), ``[sentiment]``, ``[comment]`` and ``[tags]``
        columns, then ``other_answers`` (JSON of answers with no column of their own, e.g. to
        a question the survey no longer lists). ``shape="long"`` gives one row per answer.
        On failure the exception's ``partial`` is a table of what was fetched.

        >>> df = client.responses_table(1234567).to_pandas()
        """
        bar = _bar(progress, _survey(survey_id))
        return self._raw.responses_table(survey_id, site_id, shape, since, resume_cursor, bar)

    def responses_table_many(
        self,
        survey_ids: Iterable[Id] | None = None,
        *,
        site_id: Id | None = None,
        shape: Shape = "wide",
        since: Since | None = None,
        concurrency: int = 8,
        progress: bool = False,
    ) -> SurveyResults:
        """Each survey's responses as a ``ResponseTable`` (as ``responses_table``), fetched
        ``concurrency`` surveys at a time under the client's one rate limit; as
        ``responses_many``, a ``SurveyResults`` whose ``.errors`` keep a failed survey's table
        so far (``partial``) and ``resume_cursor``.

        >>> tables = client.responses_table_many()
        >>> frames = {sid: t.to_pandas() for sid, t in tables.items()}
        """
        bar = _bar(progress, "Hotjar responses")
        done = self._raw.responses_table_many(survey_ids, site_id, shape, since, concurrency, bar)
        return SurveyResults(*done)

    def export_responses(
        self,
        survey_id: Id,
        path: str | os.PathLike[str],
        *,
        site_id: Id | None = None,
        format: FileFormat | None = None,
        shape: Shape = "wide",
        since: Since | None = None,
        resume_cursor: str | None = None,
        resume: bool = False,
        csv_formula_guard: bool = False,
        progress: bool = False,
    ) -> ExportSummary:
        """Streams a survey's responses to a file, page by page, in constant memory: Parquet,
        CSV or JSON Lines, chosen by ``format`` or the file's suffix (``.parquet``, ``.csv``,
        ``.jsonl``). Columns are those of :meth:`responses_table` with the same ``shape``; in
        CSV, lists and maps are written as JSON text.

        The file is written under a temporary name and renamed when complete. If fetching
        fails part way, what was written is kept as ``<path>.partial`` (the exception's
        ``partial``) with a note beside it (``<path>.partial.json``): ``resume=True``
        continues that file from where it stopped (in this process or another, later), and
        starts from the beginning when there is nothing to continue. ``resume_cursor`` instead
        exports only the rest, to ``path``. One export at a time per path: while one runs
        (in any process), another fails at once with ``ExportFileError`` (also a
        ``BlockingIOError``), so two runs never write one partial file.

        ``csv_formula_guard=True`` writes a CSV cell that a spreadsheet would run as a formula
        (free text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return:
        anyone on the internet can type one into a survey) with a ``'`` in front, so Excel,
        LibreOffice and Google Sheets show it as text. It is off by default here, so that the
        file holds the answers exactly as given for pandas, DuckDB and other programs; turn it
        on for a file people will open in a spreadsheet (the CLI's ``export`` does, for
        ``.csv``). Plain numbers such as ``-5`` are never changed; Parquet and JSON Lines
        need no guard and ignore it. A resumed export keeps the partial file's setting.

        Returns ``{"path", "format", "shape", "responses", "rows", "pages", "bytes"}``.

        >>> client.export_responses(1234567, "responses.parquet", resume=True)
        """
        bar = _bar(progress, _survey(survey_id))
        guard = _flag(csv_formula_guard, "csv_formula_guard")
        return self._raw.export_responses(
            survey_id, path, site_id, format, shape, since, resume_cursor, resume, guard, bar
        )

    def user_lookup(
        self,
        *,
        email: str | None = None,
        user_ids: UserIds | None = None,
        organization_id: Id | None = None,
    ) -> LookupResult:
        """Asks Hotjar for a data report on one data subject: Hotjar emails a link to it to the
        subject and to the organization's default recipient (``delete_all_hits=false``).

        The subject is ``email=`` and/or ``user_ids=`` (a dict site id -> the user id your
        site sent through Hotjar's Identify API). ``organization_id`` defaults to the
        client's. Returns what was done, with the subject masked: ``action``, ``email``,
        ``user_ids``, ``organization_id``, ``http_status`` and ``at`` (UTC, ISO 8601). It is
        not retried when Hotjar may already have acted on it, so the subject never gets two
        reports.

        >>> client.user_lookup(email="jane@example.com")["email"]
        'j***@example.com'
        """
        return self._raw.user_lookup(email, user_ids, organization_id)

    def delete_user_data(
        self,
        *,
        email: str | None = None,
        user_ids: UserIds | None = None,
        organization_id: Id | None = None,
        confirm: bool = False,
    ) -> LookupResult:
        """Deletes everything Hotjar holds on one data subject, at once and permanently
        (``delete_all_hits=true``).

        Nothing is sent unless ``confirm=True``: without it this raises
        ``ConfirmationRequiredError`` saying what would be deleted. Same arguments and result
        as ``user_lookup`` (``action`` is ``"delete"``). Safe to retry: deleting twice deletes
        nothing more.

        >>> client.delete_user_data(email="jane@example.com", confirm=True)["http_status"]
        200
        """
        return self._raw.delete_user_data(email, user_ids, organization_id, confirm)

    def lookup_many(
        self,
        subjects: Iterable[gdpr.Subject],
        *,
        delete: bool = False,
        confirm: bool = False,
        organization_id: Id | None = None,
        concurrency: int = 4,
    ) -> gdpr.LookupReport:
        """Looks up (or, with ``delete=True, confirm=True``, deletes) many data subjects and
        returns a ``LookupReport``: one row per subject, in input order, with ``status``
        ``"ok"`` or ``"failed"`` and the error.

        ``subjects`` holds emails, dicts with ``email`` and/or ``user_ids``, or rows of an
        earlier report (``report``, ``report.failed``, ``LookupReport.from_csv(path)``): rows
        that already succeeded with the same action and organization are kept, not sent
        again, so re-running a report retries only its failed rows. Invalid subjects become
        failed rows without a request; a wrong type raises before anything is sent. Requests
        share the client's rate limiter, ``concurrency`` at a time; one failure never stops
        the others, except that a refused key, a missing plan or an unknown organization
        (which every request would hit) leaves the rest unsent and failed. Ctrl-C stops the
        run; the ``KeyboardInterrupt`` carries the report so far as ``.report``.

        >>> report = client.lookup_many(["jane@example.com", {"user_ids": {987654: "u-1"}}])
        >>> report.to_csv("lookups.csv"); retried = client.lookup_many(report)
        """
        run = gdpr.BulkRun(self._raw, subjects, delete, confirm, organization_id, concurrency)
        return run.waited()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        self.close()
        return False


class AsyncClient(_BaseClient):
    """An asyncio client for the Hotjar API, with the same options and methods as ``Client``
    (each documented there); every method returns a coroutine to await.

    Use it in ``async with``. It shares its rate limiter and access token with every other
    client (sync or async) of the same key in the process. Cancelling the awaiting task
    cancels the requests in flight.

    >>> async with hj.AsyncClient("client-id", "client-secret", site_id=987654) as client:
    ...     surveys = await client.list_surveys()
    ...     rows = await client.responses(surveys[0]["id"])
    ...     async for row in client.aiter_responses(surveys[0]["id"]):
    ...         ...
    """

    def test_connection(self) -> Call[TokenInfo]:
        """As :meth:`Client.test_connection`."""
        return self._raw.test_connection_async()

    def list_surveys(
        self, site_id: Id | None = None, *, with_questions: bool = False
    ) -> Call[SurveyList]:
        """As :meth:`Client.list_surveys`."""
        return self._raw.list_surveys_async(site_id, with_questions).then(SurveyList)

    def get_survey(self, survey_id: Id, *, site_id: Id | None = None) -> Call[Survey]:
        """As :meth:`Client.get_survey`."""
        return self._raw.get_survey_async(survey_id, site_id)

    async def check_api(self, *, site_id: Id | None = None, surveys: int = 3) -> ApiCheck:
        """As :meth:`Client.check_api`."""
        count = _check_count(surveys)
        listed = await self.list_surveys(site_id, with_questions=True)
        chosen = [s["id"] for s in listed[:count]]
        detail = [await self.get_survey(chosen[0], site_id=site_id)] if chosen else []
        pages = []
        for survey_id in chosen:
            pages.append(
                await self._raw.response_pages(survey_id, site_id, None, None).next_page_async()
                or []
            )
        return _analyse(listed, pages, detail)

    def aiter_responses(
        self,
        survey_id: Id,
        *,
        site_id: Id | None = None,
        since: Since | None = None,
        resume_cursor: str | None = None,
    ) -> AsyncResponseIterator:
        """As :meth:`Client.iter_responses`, for ``async for``."""
        pages = self._raw.response_pages(survey_id, site_id, since, resume_cursor)
        return AsyncResponseIterator(pages)

    def responses(
        self,
        survey_id: Id,
        *,
        site_id: Id | None = None,
        since: Since | None = None,
        resume_cursor: str | None = None,
        progress: bool = False,
    ) -> Call[list[Response]]:
        """As :meth:`Client.responses`."""
        bar = _bar(progress, _survey(survey_id))
        return self._raw.responses_async(survey_id, site_id, since, resume_cursor, bar)

    def responses_many(
        self,
        survey_ids: Iterable[Id] | None = None,
        *,
        site_id: Id | None = None,
        since: Since | None = None,
        concurrency: int = 8,
        progress: bool = False,
    ) -> Call[SurveyResults]:
        """As :meth:`Client.responses_many`."""
        bar = _bar(progress, "Hotjar responses")
        call = self._raw.responses_many_async(survey_ids, site_id, since, concurrency, bar)
        return call.then(lambda done: SurveyResults(*done))

    def responses_table(
        self,
        survey_id: Id,
        *,
        site_id: Id | None = None,
        shape: Shape = "wide",
        since: Since | None = None,
        resume_cursor: str | None = None,
        progress: bool = False,
    ) -> Call[ResponseTable]:
        """As :meth:`Client.responses_table`."""
        bar = _bar(progress, _survey(survey_id))
        return self._raw.responses_table_async(
            survey_id, site_id, shape, since, resume_cursor, bar
        )

    def responses_table_many(
        self,
        survey_ids: Iterable[Id] | None = None,
        *,
        site_id: Id | None = None,
        shape: Shape = "wide",
        since: Since | None = None,
        concurrency: int = 8,
        progress: bool = False,
    ) -> Call[SurveyResults]:
        """As :meth:`Client.responses_table_many`."""
        bar = _bar(progress, "Hotjar responses")
        call = self._raw.responses_table_many_async(
            survey_ids, site_id, shape, since, concurrency, bar
        )
        return call.then(lambda done: SurveyResults(*done))

    def export_responses(
        self,
        survey_id: Id,
        path: str | os.PathLike[str],
        *,
        site_id: Id | None = None,
        format: FileFormat | None = None,
        shape: Shape = "wide",
        since: Since | None = None,
        resume_cursor: str | None = None,
        resume: bool = False,
        csv_formula_guard: bool = False,
        progress: bool = False,
    ) -> Call[ExportSummary]:
        """As :meth:`Client.export_responses`."""
        bar = _bar(progress, _survey(survey_id))
        guard = _flag(csv_formula_guard, "csv_formula_guard")
        return self._raw.export_responses_async(
            survey_id, path, site_id, format, shape, since, resume_cursor, resume, guard, bar
        )

    def user_lookup(
        self,
        *,
        email: str | None = None,
        user_ids: UserIds | None = None,
        organization_id: Id | None = None,
    ) -> Call[LookupResult]:
        """As :meth:`Client.user_lookup`."""
        return self._raw.user_lookup_async(email, user_ids, organization_id)

    def delete_user_data(
        self,
        *,
        email: str | None = None,
        user_ids: UserIds | None = None,
        organization_id: Id | None = None,
        confirm: bool = False,
    ) -> Call[LookupResult]:
        """As :meth:`Client.delete_user_data`. Without ``confirm=True`` it raises
        ``ConfirmationRequiredError`` at once, before there is anything to await."""
        return self._raw.delete_user_data_async(email, user_ids, organization_id, confirm)

    def lookup_many(
        self,
        subjects: Iterable[gdpr.Subject],
        *,
        delete: bool = False,
        confirm: bool = False,
        organization_id: Id | None = None,
        concurrency: int = 4,
    ) -> Call[gdpr.LookupReport]:
        """As :meth:`Client.lookup_many`. Bad input and a deletion without ``confirm=True``
        raise at once, before anything is sent. Cancelling the task (``task.cancel()``,
        ``asyncio.wait_for`` timing out) cancels the requests in flight and starts no other;
        the ``CancelledError`` carries the report so far as ``.report``: the rows done, and
        for the others whether their request was under way (Hotjar may have received it) or
        never sent."""
        run = gdpr.BulkRun(self._raw, subjects, delete, confirm, organization_id, concurrency)
        return run.awaited()

    async def aclose(self) -> None:
        """``close()``, as an awaitable (for ``contextlib.aclosing`` and friends)."""
        self.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        self.close()
        return False


__all__ = ["AsyncClient", "Client"]
