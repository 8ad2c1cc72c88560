"""Type stubs of the native module ``hotjar_client._native``: the raw client under
``hotjar_client.Client`` / ``AsyncClient`` (``src/python/``). The public classes are Python
classes with real signatures; this stub covers only what the native module itself holds."""

from collections.abc import Callable, Coroutine, Generator, Iterable, Mapping, Sequence
from os import PathLike
from types import TracebackType
from typing import Any, Generic, Literal, TypeAlias, TypeVar

from typing_extensions import Self, disjoint_base, final

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

__version__: str

def refresh_logging() -> None:
    """Re-reads the Python loggers' levels (every client call also does)."""

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
class ExportPermissionError(ExportFileError, PermissionError): ...
class ExportFileNotFoundError(ExportFileError, FileNotFoundError): ...
class ExportFileExistsError(ExportFileError, FileExistsError): ...
class ExportIsADirectoryError(ExportFileError, IsADirectoryError): ...
class ExportNotADirectoryError(ExportFileError, NotADirectoryError): ...
class ExportBlockingIOError(ExportFileError, BlockingIOError): ...

def _csv_guard(text: str) -> str: ...
def _csv_unguard(text: str) -> str: ...

_Plan: TypeAlias = Literal["ask_scale", "observe_scale", "none"]

_T = TypeVar("_T")
_U = TypeVar("_U")

@final
class AsyncCall(Coroutine[Any, Any, _T], Generic[_T]):
    """What an awaitable entry returns: a coroutine that starts its Rust future when first
    awaited; cancelling the awaiting task cancels the future."""

    def then(self, wrap: Callable[[_T], _U]) -> AsyncCall[_U]: ...
    def send(self, value: Any) -> Any: ...
    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any: ...
    def close(self) -> None: ...
    def __await__(self) -> Generator[Any, None, _T]: ...

_Bar: TypeAlias = Callable[[], Any] | None
"""``progress``: what makes a bar (with ``update``, ``set_postfix_str``, ``close``), or None."""

_Outcomes: TypeAlias = tuple[dict[str, Any], dict[str, HotjarError]]
"""Completed surveys (id -> rows or table) and failed ones (id -> the exception)."""

_Row: TypeAlias = tuple[dict[str, Any], dict[str, Any]]
"""A bulk run's row: its masked fields and the subject as sent."""

@final
class RawClient:
    """The native client: one per Python client, checking every value by the core's rules."""

    def __new__(
        cls,
        client_id: str,
        client_secret: str,
        site_id: Id | None,
        organization_id: Id | None,
        base_url: str,
        timeout: float,
        max_retries: int,
        requests_per_minute: int | None,
        retry_backoff: float,
        what: Literal["Client", "AsyncClient"],
    ) -> Self: ...
    def organization(self, organization_id: Id | None) -> str: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def site_id(self) -> str | None: ...
    @property
    def organization_id(self) -> str | None: ...
    @property
    def base_url(self) -> str: ...
    def stats(self) -> ClientStats: ...
    def test_connection(self) -> TokenInfo: ...
    def test_connection_async(self) -> AsyncCall[TokenInfo]: ...
    def list_surveys(self, site_id: Id | None, with_questions: bool) -> list[Survey]: ...
    def list_surveys_async(
        self, site_id: Id | None, with_questions: bool
    ) -> AsyncCall[list[Survey]]: ...
    def get_survey(self, survey_id: Id, site_id: Id | None) -> Survey: ...
    def get_survey_async(self, survey_id: Id, site_id: Id | None) -> AsyncCall[Survey]: ...
    def response_pages(
        self,
        survey_id: Id,
        site_id: Id | None,
        since: Since | None,
        resume_cursor: str | None,
    ) -> RawResponsePages: ...
    def responses(
        self,
        survey_id: Id,
        site_id: Id | None,
        since: Since | None,
        resume_cursor: str | None,
        progress: _Bar,
    ) -> list[Response]: ...
    def responses_async(
        self,
        survey_id: Id,
        site_id: Id | None,
        since: Since | None,
        resume_cursor: str | None,
        progress: _Bar,
    ) -> AsyncCall[list[Response]]: ...
    def responses_many(
        self,
        survey_ids: Iterable[Id] | None,
        site_id: Id | None,
        since: Since | None,
        concurrency: int,
        progress: _Bar,
    ) -> _Outcomes: ...
    def responses_many_async(
        self,
        survey_ids: Iterable[Id] | None,
        site_id: Id | None,
        since: Since | None,
        concurrency: int,
        progress: _Bar,
    ) -> AsyncCall[_Outcomes]: ...
    def responses_table(
        self,
        survey_id: Id,
        site_id: Id | None,
        shape: Shape,
        since: Since | None,
        resume_cursor: str | None,
        progress: _Bar,
    ) -> ResponseTable: ...
    def responses_table_async(
        self,
        survey_id: Id,
        site_id: Id | None,
        shape: Shape,
        since: Since | None,
        resume_cursor: str | None,
        progress: _Bar,
    ) -> AsyncCall[ResponseTable]: ...
    def responses_table_many(
        self,
        survey_ids: Iterable[Id] | None,
        site_id: Id | None,
        shape: Shape,
        since: Since | None,
        concurrency: int,
        progress: _Bar,
    ) -> _Outcomes: ...
    def responses_table_many_async(
        self,
        survey_ids: Iterable[Id] | None,
        site_id: Id | None,
        shape: Shape,
        since: Since | None,
        concurrency: int,
        progress: _Bar,
    ) -> AsyncCall[_Outcomes]: ...
    def export_responses(
        self,
        survey_id: Id,
        path: str | PathLike[str],
        site_id: Id | None,
        format: FileFormat | None,
        shape: Shape,
        since: Since | None,
        resume_cursor: str | None,
        resume: bool,
        csv_formula_guard: bool,
        progress: _Bar,
    ) -> ExportSummary: ...
    def export_responses_async(
        self,
        survey_id: Id,
        path: str | PathLike[str],
        site_id: Id | None,
        format: FileFormat | None,
        shape: Shape,
        since: Since | None,
        resume_cursor: str | None,
        resume: bool,
        csv_formula_guard: bool,
        progress: _Bar,
    ) -> AsyncCall[ExportSummary]: ...
    def user_lookup(
        self, email: str | None, user_ids: UserIds | None, organization_id: Id | None
    ) -> LookupResult: ...
    def user_lookup_async(
        self, email: str | None, user_ids: UserIds | None, organization_id: Id | None
    ) -> AsyncCall[LookupResult]: ...
    def delete_user_data(
        self,
        email: str | None,
        user_ids: UserIds | None,
        organization_id: Id | None,
        confirm: bool,
    ) -> LookupResult: ...
    def delete_user_data_async(
        self,
        email: str | None,
        user_ids: UserIds | None,
        organization_id: Id | None,
        confirm: bool,
    ) -> AsyncCall[LookupResult]: ...
    def lookup_many(
        self,
        subjects: Sequence[tuple[Any, Any, Any, Any]],
        delete: bool,
        confirm: bool,
        organization_id: Id | None,
        concurrency: int,
    ) -> LookupRun: ...

@final
class PathLock:
    """The OS lock of a file path, on ``<path>.lock``; raises ``ExportBlockingIOError`` if
    another process or run holds it."""

    def __new__(cls, path: str | PathLike[str], holder: str) -> Self: ...
    def release(self) -> None: ...

@final
class LookupRun:
    """A checked ``lookup_many`` run, run once by ``wait`` (blocking) or ``wait_async``."""

    def wait(self) -> list[Any]: ...
    def wait_async(self) -> AsyncCall[list[Any]]: ...
    def rows(self) -> list[Any]: ...

@final
class RawResponsePages:
    """One survey's pages of responses, fetched one at a time as they are asked for."""

    def next_page(self) -> list[Response] | None: ...
    def next_page_async(self) -> AsyncCall[list[Response] | None]: ...
    @property
    def resume_cursor(self) -> str | None: ...
    @property
    def pages_fetched(self) -> int: ...
    @property
    def survey_id(self) -> str: ...

@final
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

@disjoint_base
class RawFakeHotjar:
    """The offline fake of the API (``hotjar_fake``); ``hotjar_client.testing.FakeHotjar``
    adds its clients."""

    def __new__(
        cls,
        seed: int = 0,
        *,
        responses_per_survey: Sequence[int] = (1234, 250, 0, 100, 37),
        token_ttl: float = 3600.0,
        latency: float = 0.0,
        rate_limit: int | None = 3000,
        rate_window: float = 60.0,
        rate_limit_scope: Literal["ip", "key"] = "ip",
        retry_after: bool = True,
        plan: _Plan = "ask_scale",
        clamp_limit: bool = False,
        numeric_ids: bool = False,
        id_style: Literal["digits", "numeric", "opaque"] = "digits",
        extra_fields: bool = False,
        recording: str | PathLike[str] | None = None,
        site_id: Id | None = None,
        organization_id: Id | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> Self: ...
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
    plan: _Plan
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
    def __enter__(self) -> Self: ...
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

def _question_column_kind(kind: str) -> tuple[Literal["number", "text", "none"], bool]:
    """How a question type's answers are stored in a table, and whether the type is known."""
