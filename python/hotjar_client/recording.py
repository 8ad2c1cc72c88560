"""Recordings of a real account's pages, with personal data redacted, that the offline fake
serves (``FakeHotjar.from_recording(path)``): a user's own tests, and a bug report, then run
against the real shapes of their account.

>>> import hotjar_client as hj
>>> from hotjar_client.recording import record
>>> with hj.Client.from_env() as client:
...     summary = record(client, "account.jsonl", [1234567], max_pages=2)

The file is JSON Lines: a header ``{"hotjar_recording": 1, "site_id": ...}``, one line
``{"survey": {...}}`` per survey (with its questions), then one line
``{"survey_id": ..., "page": n, "results": [...]}`` per page of responses, as the API sent
them (ids, types, timestamps and structure kept).

Redaction (on unless ``redact=False``) replaces, with placeholders of the same shape (each
letter becomes ``x``, each digit ``0``, punctuation and spacing kept): free-text answers
(``short-text``, ``long-text``, ``email`` and unknown question types), every comment, every
answer that holds an email address, the values of user attributes (text same-shaped,
numbers zeroed; timestamps and booleans kept),
and the path and query of ``response_origin_url``. ``hotjar_user_id`` becomes a stable
UUID-shaped placeholder (the same visitor keeps one placeholder within a recording). Choice
answers, scores, tags, sentiment, country, device, browser, os, ``recording_url`` and the
survey's own texts (names, questions, choices) are kept: they are the account's, not a
visitor's.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from hotjar_client._client import Client
from hotjar_client._native import ConfigurationError
from hotjar_client._native import __version__ as _version

RECORDING_VERSION = 1
# Question types whose answers a visitor typed (and types not known: redacted to be safe).
_KEPT_TYPES = re.compile(
    r"^(nps|reaction|reaction-binary|single-option|multiple-option|statement|thank-you|"
    r"rating(-\d+-\d+)?|\d+-\d+-rating)$"
)
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$")


def same_shape(text: str) -> str:
    """``"Jane Doe, 42!"`` -> ``"Xxxx Xxx, 00!"``: letters and digits replaced, the rest kept."""
    return "".join(
        ("X" if c.isupper() else "x") if c.isalpha() else "0" if c.isdigit() else c for c in text
    )


class Redactor:
    """Redacts responses; ``hotjar_user_id`` placeholders are stable within one redactor."""

    def __init__(self) -> None:
        self._salt = secrets.token_bytes(16)

    def user_id(self, value: str) -> str:
        h = hashlib.sha256(self._salt + value.encode()).hexdigest()
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"

    def value(self, value: Any) -> Any:
        """Any JSON value: strings same-shaped (timestamps kept), numbers and bools kept."""
        if isinstance(value, str):
            return value if _TIMESTAMP.match(value) else same_shape(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, Mapping):
            return {k: self.value(v) for k, v in value.items()}
        return value

    def attribute(self, value: Any) -> Any:
        """A user attribute's value (Identify API): a number may be a customer id, so it
        becomes 0 (0.0 for a float); booleans, timestamps and the type are kept."""
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            return 0
        if isinstance(value, float):
            return 0.0
        return self.value(value)

    def url(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        parts = urlsplit(value)
        if not parts.scheme or not parts.netloc:
            return same_shape(value)
        return urlunsplit(
            (
                parts.scheme,
                parts.netloc,
                same_shape(parts.path),
                same_shape(parts.query),
                same_shape(parts.fragment),
            )
        )

    def answer(self, answer: Any, question_type: str | None) -> Any:
        if not isinstance(answer, Mapping):
            return self.value(answer)
        out = dict(answer)
        text = out.get("answer")
        keep = question_type is not None and _KEPT_TYPES.match(question_type.lower())
        if isinstance(text, str) and (not keep or _EMAIL.search(text)):
            out["answer"] = same_shape(text)
        elif not isinstance(text, (str, int, float, bool, type(None))):
            out["answer"] = self.value(text)
        if out.get("comment") is not None:
            out["comment"] = self.value(out["comment"])
        return out

    def response(self, response: Any, question_types: Mapping[str, str]) -> Any:
        if not isinstance(response, Mapping):
            return self.value(response)
        known = {
            "id", "created_time", "is_complete", "country", "device", "browser", "os",
            "recording_url", "window_size",
        }  # fmt: skip
        out: dict[str, Any] = {}
        for name, value in response.items():
            if name in known:
                out[name] = value
            elif name == "hotjar_user_id":
                out[name] = self.user_id(value) if isinstance(value, str) else value
            elif name == "response_origin_url":
                out[name] = self.url(value)
            elif name == "user_attributes" and isinstance(value, list):
                out[name] = [
                    {**a, "value": self.attribute(a.get("value"))}
                    if isinstance(a, Mapping)
                    else self.value(a)
                    for a in value
                ]
            elif name == "answers" and isinstance(value, list):
                out[name] = [
                    self.answer(
                        a,
                        question_types.get(str(a.get("question_id")))
                        if isinstance(a, Mapping)
                        else None,
                    )
                    for a in value
                ]
            else:
                # A field the reference does not know: its strings may be personal.
                out[name] = self.value(value)
        return out


def _question_types(survey: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(q.get("id")): str(q.get("type"))
        for q in survey.get("questions") or []
        if isinstance(q, Mapping)
    }


def record(
    client: Client,
    path: str | os.PathLike[str],
    survey_ids: Iterable[Any] | None = None,
    *,
    site_id: Any = None,
    max_pages: int | None = None,
    redact: bool = True,
) -> dict[str, Any]:
    """Records the pages of ``survey_ids`` (default: every survey of the site) to ``path``
    (JSON Lines), redacted unless ``redact=False``; at most ``max_pages`` pages per survey.

    The file is written under a temporary name and renamed when complete, so a failed
    recording leaves no half file. Returns ``{"path", "surveys", "pages", "responses",
    "redacted"}``. Serve it with ``FakeHotjar.from_recording(path)``."""
    if max_pages is not None and (
        isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1
    ):
        raise ConfigurationError(
            f"max_pages must be a whole number of at least 1, got {max_pages!r}."
        )
    target = Path(path)
    if target.is_dir():
        raise ConfigurationError(
            f"{str(target)!r} is a folder: give a file name such as account.jsonl."
        )
    listed = client.list_surveys(site_id)
    chosen = (
        [s["id"] for s in listed] if survey_ids is None else [str(s).strip() for s in survey_ids]
    )
    site = str(site_id) if site_id is not None else client.site_id
    redactor = Redactor() if redact else None
    counts = {"surveys": 0, "pages": 0, "responses": 0}
    partial = target.with_name(target.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as out:

            def line(obj: object) -> None:
                out.write(json.dumps(obj, ensure_ascii=False) + "\n")

            line(
                {
                    "hotjar_recording": RECORDING_VERSION,
                    "site_id": site,
                    "recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "library": f"hotjar-client {_version}",
                    "redacted": redact,
                }
            )
            for survey_id in dict.fromkeys(chosen):
                survey = client.get_survey(survey_id, site_id=site_id)
                line({"survey": survey})
                counts["surveys"] += 1
                types = _question_types(survey)
                pages = client._raw.response_pages(survey_id, site_id, None, None)
                number = 0
                while max_pages is None or number < max_pages:
                    page = pages.next_page()
                    if page is None:
                        break
                    if redactor is not None:
                        page = [redactor.response(r, types) for r in page]
                    line({"survey_id": str(survey["id"]), "page": number, "results": page})
                    number += 1
                    counts["pages"] += 1
                    counts["responses"] += len(page)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return {"path": str(target), **counts, "redacted": redact}


__all__ = ["RECORDING_VERSION", "Redactor", "record", "same_shape"]
