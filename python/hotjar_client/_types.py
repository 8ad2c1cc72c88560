"""The shapes of what the clients take and return: aliases for arguments, ``TypedDict`` s for
the results that are dicts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal, TypeAlias, TypedDict

Id: TypeAlias = int | str
"""A numeric id, as an int or a string of digits."""

Since: TypeAlias = datetime | date | str
"""An aware datetime, a date (midnight UTC), or an ISO 8601 string with an offset."""

Survey: TypeAlias = dict[str, Any]
"""A survey in the API's shape (ids as strings)."""

Response: TypeAlias = dict[str, Any]
"""A survey response in the API's shape (ids as strings)."""

UserIds: TypeAlias = Mapping[Id, str | int]
"""Site id -> the user id that site sent through Hotjar's Identify API."""

Shape: TypeAlias = Literal["wide", "long"]
"""``wide``: one row per response; ``long``: one row per answer."""

FileFormat: TypeAlias = Literal["parquet", "csv", "jsonl"]


class TokenInfo(TypedDict):
    """What ``test_connection`` returns."""

    expires_in: float
    """The new access token's lifetime, in seconds."""


class ClientStats(TypedDict):
    """What ``stats`` returns: counts of what the client has sent."""

    requests: int
    """Every HTTP request, token requests and retries included."""
    retries: int
    token_requests: int


class ExportSummary(TypedDict):
    """What ``export_responses`` returns."""

    path: str
    format: FileFormat
    shape: Shape
    responses: int
    rows: int
    pages: int
    bytes: int


class LookupResult(TypedDict):
    """What ``user_lookup`` and ``delete_user_data`` return, the subject masked."""

    action: Literal["lookup", "delete"]
    email: str | None
    user_ids: dict[str, str] | None
    organization_id: str
    http_status: int
    at: str
    """When the answer arrived: UTC, ISO 8601, milliseconds."""


__all__ = [
    "ClientStats",
    "ExportSummary",
    "FileFormat",
    "Id",
    "LookupResult",
    "Response",
    "Shape",
    "Since",
    "Survey",
    "TokenInfo",
    "UserIds",
]
