"""hotjar-client: get survey responses and GDPR lookups out of the Hotjar REST API, fast.

>>> import hotjar_client as hj
>>> with hj.Client.from_env() as client:
...     for survey in client.list_surveys():
...         rows = client.responses(survey["id"])              # list of dicts
...         df = client.responses_table(survey["id"]).to_pandas()  # one row per response

``client.responses_many()`` fetches many surveys at once under the rate limit, and
:class:`AsyncClient` is the asyncio twin of :class:`Client`.

Every failure is a :class:`HotjarError` subclass with a message that says what to do;
``hotjar_client.testing.FakeHotjar`` serves an offline fake of the API for tests and demos.
"""

from typing import TYPE_CHECKING, Any

from hotjar_client._client import AsyncClient, Client
from hotjar_client._display import SurveyList
from hotjar_client._iterators import AsyncResponseIterator, ResponseIterator
from hotjar_client._many import SurveyResults
from hotjar_client._native import ResponseTable, __version__, refresh_logging
from hotjar_client._types import ClientStats, ExportSummary, LookupResult, TokenInfo
from hotjar_client.exceptions import (
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ConfirmationRequiredError,
    ExportFileError,
    HotjarError,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
)
from hotjar_client.gdpr import LookupReport, LookupRow

from . import testing

if TYPE_CHECKING:
    from hotjar_client._check import ApiCheck, Difference
else:

    def __getattr__(name: str) -> Any:
        # check_api()'s result types are loaded when first used: their module brings `re` and
        # `dataclasses`, a third of what `import hotjar_client` would otherwise cost.
        if name in ("ApiCheck", "Difference"):
            from hotjar_client import _check

            return getattr(_check, name)
        raise AttributeError(f"module 'hotjar_client' has no attribute {name!r}")


__all__ = [
    "ApiCheck",
    "AsyncClient",
    "AsyncResponseIterator",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ClientClosedError",
    "ClientStats",
    "ConfigurationError",
    "ConfirmationRequiredError",
    "Difference",
    "ExportFileError",
    "ExportSummary",
    "HotjarError",
    "InvalidResponseError",
    "LookupReport",
    "LookupResult",
    "LookupRow",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseIterator",
    "ResponseTable",
    "ServerError",
    "SurveyList",
    "SurveyResults",
    "TokenInfo",
    "TransportError",
    "__version__",
    "refresh_logging",
    "testing",
]
