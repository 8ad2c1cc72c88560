"""Type stubs of the native module ``hotjar_client._native`` (kept by hand, see src/python/)."""

from collections.abc import (
    AsyncIterator,
    Awaitable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from datetime import date, datetime
from os import PathLike
from types import TracebackType
from typing import Any, Literal, TypeAlias, TypeVar

from hotjar_client._display import SurveyList
from hotjar_client._many import SurveyResults
from hotjar_client.gdpr import LookupReport, LookupRow

__version__: str

def refresh_logging() -> None:
    """Re-reads the Python loggers' levels (every client call also does)."""

Id: TypeAlias = int | str
"""A numeric id, as an int or a string of digits."""

Since: TypeAlias = datetime | date | str
"""An aware datetime, a date (midnight UTC), or an ISO 8601 string with an offset."""

Survey: TypeAlias = dict[str, Any]
Response: TypeAlias = dict[str, Any]

UserIds: TypeAlias = Mapping[Id, str | int]
"""Site id -> the user id that site sent through Hotjar's Identify API."""

Subject: TypeAlias = str | Mapping[str, Any] | LookupRow
"""An email, a dict with ``email`` and/or ``user_ids``, or a row of an earlier report."""

LookupResult: TypeAlias = dict[str, Any]
"""``action``, ``email`` and ``user_ids`` (masked), ``organization_id``, ``http_status``, ``at``."""

_T = TypeVar("_T")
Call: TypeAlias = Coroutine[Any, Any, _T]
"""What AsyncClient's methods return: a coroutine, run when awaited (or made a task)."""

class HotjarError(Exception):
    status: int | None
    retry_after: float | None
    partial: list[Response] | None
    resume_cursor: str | None

class ConfigurationError(HotjarError, ValueError): ...
class ConfirmationRequiredError(ConfigurationError): ...
class AuthenticationError(HotjarError): ...
class PermissionDeniedError(HotjarError): ...
class NotFoundError(HotjarError): ...
class RateLimitError(HotjarError): ...
class ServerError(HotjarError): ...
class BadRequestError(HotjarError): ...
class TransportError(HotjarError): ...
class InvalidResponseError(HotjarError): ...
class ClientClosedError(HotjarError, RuntimeError): ...
class ExportFileError(HotjarError, OSError): ...

Shape: TypeAlias = Literal["wide", "long"]
FileFormat: TypeAlias = Literal["parquet", "csv", "jsonl"]

class ResponseTable:
    """A survey's responses as Arrow columns (the Arrow PyCapsule interface)."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    def __arrow_c_schema__(self) -> object: ...
    @property
    def num_rows(self) -> int: ...
    @property
    def num_columns(self) -> int: ...
    @property
    def shape(self) -> tuple[int, int]: ...
    @property
    def layout(self) -> Shape: ...
    @property
    def survey_id(self) -> str: ...
    @property
    def column_names(self) -> list[str]: ...
    @property
    def columns_info(self) -> dict[str, dict[str, str]]: ...
    def __len__(self) -> int: ...
    def head(self, n: int = 5) -> ResponseTable: ...
    def to_pydict(self) -> dict[str, list[Any]]: ...
    def to_pylist(self) -> list[dict[str, Any]]: ...
    def to_pandas(self) -> Any: ...
    def to_polars(self) -> Any: ...
    def to_pyarrow(self) -> Any: ...
    def _repr_html_(self) -> str: ...

class ResponseIterator(Iterator[Response]):
    """A lazy iterator over a survey's responses; fetches a page when its buffer runs dry."""

    @property
    def resume_cursor(self) -> str | None: ...
    @property
    def pages_fetched(self) -> int: ...
    def __iter__(self) -> ResponseIterator: ...
    def __next__(self) -> Response: ...

class Client:
    """A client for the Hotjar API: one per API key, reused across calls."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        site_id: Id | None = None,
        organization_id: Id | None = None,
        base_url: str = "https://api.hotjar.io",
        timeout: float = 30.0,
        max_retries: int = 5,
        requests_per_minute: int | None = 3000,
        retry_backoff: float = 1.0,
    ) -> None: ...
    @classmethod
    def from_env(
        cls,
        *,
        site_id: Id | None = None,
        organization_id: Id | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        requests_per_minute: int | None = 3000,
        retry_backoff: float = 1.0,
    ) -> Client: ...
    def test_connection(self) -> dict[str, float]: ...
    def list_surveys(
        self, site_id: Id | None = None, *, with_questions: bool = False
    ) -> SurveyList: ...
    def get_survey(self, survey_id: Id, *, site_id: Id | None = None) -> Survey: ...
    def iter_responses(
        self,
        survey_id: Id,
        *,
        site_id: Id | None = None,
        since: Since | None = None,
        resume_cursor: str | None = None,
    ) -> ResponseIterator: ...
    def responses(
        self,
        survey_id: Id,
        *,
        site_id: Id | None = None,
        since: Since | None = None,
        resume_cursor: str | None = None,
        progress: bool = False,
    ) -> list[Response]: ...
    def responses_many(
        self,
        survey_ids: Iterable[Id] | None = None,
        *,
        site_id: Id | None = None,
        since: Since | None = None,
        concurrency: int = 8,
        progress: bool = False,
    ) -> SurveyResults: ...
    def responses_table(
        self,
        survey_id: Id,
        *,
        site_id: Id | None = None,
        shape: Shape = "wide",
        since: Since | None = None,
        resume_cursor: str | None = None,
        progress: bool = False,
    ) -> ResponseTable: ...
    def export_responses(
        self,
        survey_id: Id,
        path: str | PathLike[str],
        *,
        site_id: Id | None = None,
        format: FileFormat | None = None,
        shape: Shape = "wide",
        since: Since | None = None,
        resume_cursor: str | None = None,
        resume: bool = False,
        progress: bool = False,
    ) -> dict[str, Any]: ...
    def user_lookup(
        self,
        *,
        email: str | None = None,
        user_ids: UserIds | None = None,
        organization_id: Id | None = None,
    ) -> LookupResult: ...
    def delete_user_data(
        self,
        *,
        email: str | None = None,
        user_ids: UserIds | None = None,
        organization_id: Id | None = None,
        confirm: bool = False,
    ) -> LookupResult: ...
    def lookup_many(
        self,
        subjects: Iterable[Subject],
        *,
        delete: bool = False,
        confirm: bool = False,
        organization_id: Id | None = None,
        concurrency: int = 4,
    ) -> LookupReport: ...
    def responses_table_many(
        self,
        survey_ids: Iterable[Id] | None = None,
        *,
        site_id: Id | None = None,
        shape: Shape = "wide",
        since: Since | None = None,
        concurrency: int = 8,
    ) -> SurveyResults: ...
    def stats(self) -> dict[str, int]: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def site_id(self) -> str | None: ...
    @property
    def organization_id(self) -> str | None: ...
    @property
    def base_url(self) -> str: ...
    def __enter__(self) -> Client: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool: ...

class AsyncResponseIterator(AsyncIterator[Response]):
    """An async iterator over a survey's responses; fetches a page when its buffer runs dry."""

    @property
    def resume_cursor(self) -> str | None: ...
    @property
    def pages_fetched(self) -> int: ...
    def __aiter__(self) -> AsyncResponseIterator: ...
    def __anext__(self) -> Awaitable[Response]: ...

class AsyncClient:
    """An asyncio client for the Hotjar API: ``Client``'s twin, every method awaited."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        site_id: Id | None = None,
        organization_id: Id | None = None,
        base_url: str = "https://api.hotjar.io",
        timeout: float = 30.0,
        max_retries: int = 5,
        requests_per_minute: int | None = 3000,
        retry_backoff: float = 1.0,
    ) -> None: ...
    @classmethod
    def from_env(
        cls,
        *,
        site_id: Id | None = None,
        organization_id: Id | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        requests_per_minute: int | None = 3000,
        retry_backoff: float = 1.0,
    ) -> AsyncClient: ...
    def test_connection(self) -> Call[dict[str, float]]: ...
    def list_surveys(
        self, site_id: Id | None = None, *, with_questions: bool = False
    ) -> Call[SurveyList]: ...
    def get_survey(self, survey_id: Id, *, site_id: Id | None = None) -> Call[Survey]: ...
    def aiter_responses(
        self,
        survey_id: Id,
        *,
        site_id: Id | None = None,
        since: Since | None = None,
        resume_cursor: str | None = None,
    ) -> AsyncResponseIterator: ...
    def responses(
        self,
        survey_id: Id,
        *,
        site_id: Id | None = None,
        since: Since | None = None,
        resume_cursor: str | None = None,
        progress: bool = False,
    ) -> Call[list[Response]]: ...
    def responses_many(
        self,
        survey_ids: Iterable[Id] | None = None,
        *,
        site_id: Id | None = None,
        since: Since | None = None,
        concurrency: int = 8,
        progress: bool = False,
    ) -> Call[SurveyResults]: ...
    def responses_table(
        self,
        survey_id: Id,
        *,
        site_id: Id | None = None,
        shape: Shape = "wide",
        since: Since | None = None,
        resume_cursor: str | None = None,
    ) -> Call[ResponseTable]: ...
    def responses_table_many(
        self,
        survey_ids: Iterable[Id] | None = None,
        *,
        site_id: Id | None = None,
        shape: Shape = "wide",
        since: Since | None = None,
        concurrency: int = 8,
    ) -> Call[SurveyResults]: ...
    def user_lookup(
        self,
        *,
        email: str | None = None,
        user_ids: UserIds | None = None,
        organization_id: Id | None = None,
    ) -> Call[LookupResult]: ...
    def delete_user_data(
        self,
        *,
        email: str | None = None,
        user_ids: UserIds | None = None,
        organization_id: Id | None = None,
        confirm: bool = False,
    ) -> Call[LookupResult]: ...
    def lookup_many(
        self,
        subjects: Iterable[Subject],
        *,
        delete: bool = False,
        confirm: bool = False,
        organization_id: Id | None = None,
        concurrency: int = 4,
    ) -> Call[LookupReport]: ...
    def stats(self) -> dict[str, int]: ...
    def close(self) -> None: ...
    def aclose(self) -> Call[None]: ...
    @property
    def closed(self) -> bool: ...
    @property
    def site_id(self) -> str | None: ...
    @property
    def organization_id(self) -> str | None: ...
    @property
    def base_url(self) -> str: ...
    def __aenter__(self) -> Call[AsyncClient]: ...
    def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Call[bool]: ...

Plan: TypeAlias = Literal["ask_scale", "observe_scale", "none"]

class FakeHotjar:
    """An offline fake of the Hotjar API on loopback, with deterministic data from ``seed``."""

    def __init__(
        self,
        seed: int = 0,
        *,
        responses_per_survey: Sequence[int] = (1234, 250, 0, 100, 37),
        token_ttl: float = 3600.0,
        latency: float = 0.0,
        rate_limit: int | None = 3000,
        rate_window: float = 60.0,
        rate_limit_scope: Literal["ip", "key"] = "ip",
        retry_after: bool = True,
        plan: Plan = "ask_scale",
        clamp_limit: bool = False,
        numeric_ids: bool = False,
        extra_fields: bool = False,
        site_id: Id | None = None,
        organization_id: Id | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None: ...
    @property
    def url(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def client_secret(self) -> str: ...
    @property
    def site_id(self) -> str: ...
    @property
    def organization_id(self) -> str: ...
    @property
    def survey_ids(self) -> list[str]: ...
    def client(self, **kwargs: Any) -> Client: ...
    def async_client(self, **kwargs: Any) -> AsyncClient: ...
    def surveys(self, *, with_questions: bool = True) -> list[Survey]: ...
    def responses(self, survey_id: Id) -> list[Response]: ...
    def add_survey(self, *, responses: int = 0) -> str: ...
    def add_responses(self, survey_id: Id, count: int) -> list[str]: ...
    def change_response(self, survey_id: Id, response_id: Id) -> None: ...
    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 503,
        body: str | bytes | None = None,
        retry_after: int | None = None,
        endpoint: Literal["api", "token", "any"] = "api",
        after: int = 0,
        location: str | None = None,
    ) -> None: ...
    def inject_fault(
        self,
        fault: Literal[
            "reset",
            "truncate",
            "garble",
            "repeat_cursor",
            "slow",
            "revoke",
            "expire_tokens",
            "echo_token",
            "hold",
        ],
        *,
        count: int = 1,
        after: int = 0,
        endpoint: Literal["api", "token", "any"] = "api",
        delay: float | None = None,
    ) -> None: ...
    def fail_survey(
        self, survey_id: Id, *, status: int = 500, after: int = 0, count: int | None = None
    ) -> None: ...
    def wait_held(self, count: int = 1, *, timeout: float = 30.0) -> None: ...
    def release_held(self) -> None: ...
    def clear_survey_failures(self) -> None: ...
    def revoke_credentials(self) -> None: ...
    def restore_credentials(self) -> None: ...
    def expire_tokens(self) -> None: ...
    latency: float
    plan: Plan
    token_ttl: float
    def set_rate_limit(self, per_minute: int | None, *, retry_after: bool = True) -> None: ...
    lookup_status: int
    def lookups(
        self, *, action: Literal["lookup", "delete"] | None = None, reveal: bool = False
    ) -> list[dict[str, Any]]: ...
    def subjects(self, *, limit: int | None = None) -> list[dict[str, Any]]: ...
    def request_log(self) -> list[dict[str, Any]]: ...
    def clear_request_log(self) -> None: ...
    def stats(self) -> dict[str, int]: ...
    def close(self) -> None: ...
    def __enter__(self) -> FakeHotjar: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool: ...


def _mask_subject(
    email: str | None = None, user_ids: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The masked forms reports show: ``{"email": "j***@example.com", "user_ids": {...}}``."""
