"""``check_api()``: where the real API differs from what the library expects.

One page of each endpoint the key may use is fetched (the survey list with questions, one
survey, the first page of responses of a few surveys) and compared with the shapes of the API
reference the library is built on: every field, question type, id style, survey type or value
type it does not know, or that differs, becomes one row of a short table, with a line to paste
into a bug report. Only names, types and counts are shown: never a value that could be
personal (no email, user id, free-text answer, URL) and never a secret or a token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hotjar_client._native import __version__ as _version
from hotjar_client._native import _question_column_kind

# The fields of each object, with the JSON types the library expects (API reference §2).
_STR, _BOOL, _LIST, _OBJ, _NULL, _NUM = "string", "boolean", "array", "object", "null", "number"
EXPECTED: dict[str, dict[str, set[str]]] = {
    "survey": {
        "id": {_STR},
        "name": {_STR},
        "type": {_STR},
        "is_enabled": {_BOOL},
        "created_time": {_STR},
        "updated_time": {_STR, _NULL},
        "url": {_STR},
        "responses_url": {_STR},
        "sentiment_analysis_enabled": {_BOOL},
        "questions": {_LIST},
    },
    "question": {
        "id": {_STR},
        "text": {_STR},
        "type": {_STR},
        "is_required": {_BOOL},
        "choices": {_LIST, _NULL},
        "labels": {_OBJ, _NULL},
        "image_url": {_STR, _NULL},
    },
    "response": {
        "id": {_STR},
        "created_time": {_STR},
        "answers": {_LIST},
        "browser": {_STR, _NULL},
        "country": {_STR, _NULL},
        "device": {_STR, _NULL},
        "os": {_STR, _NULL},
        "hotjar_user_id": {_STR, _NULL},
        "is_complete": {_BOOL},
        "recording_url": {_STR, _NULL},
        "response_origin_url": {_STR, _NULL},
        "user_attributes": {_LIST, _NULL},
        "window_size": {_OBJ, _NULL},
    },
    "answer": {
        "question_id": {_STR},
        "answer": {_STR, _NULL},
        "comment": {_STR, _NULL},
        "tags": {_LIST, _NULL},
        "sentiment": {_STR, _NULL},
    },
}
# Fields whose absence is worth a row (the others are optional in the reference).
REQUIRED = {
    "survey": {"id", "name", "type", "created_time"},
    "question": {"id", "type", "text"},
    "response": {"id", "created_time", "answers"},
    "answer": {"question_id", "answer"},
}
SURVEY_TYPES = {
    "popover", "full_screen", "link", "button", "inline", "bubble", "mobile_popover",
}  # fmt: skip
DEVICES = {"desktop", "mobile", "tablet"}
SENTIMENTS = {"positive", "negative", "neutral"}
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def id_style(value: str) -> str:
    """The shape of an id, never the id: ``digits``, ``uuid``, ``<prefix>_uuid`` or ``other``."""
    if value.isdigit():
        return "digits"
    if re.fullmatch(_UUID, value, re.IGNORECASE):
        return "uuid"
    prefixed = re.fullmatch(r"([a-z]+)_" + _UUID + r"(_\d+)?", value, re.IGNORECASE)
    if prefixed:
        return f"{prefixed.group(1)}_uuid" + ("_n" if prefixed.group(2) else "")
    return "other"


def json_type(value: object) -> str:
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return _BOOL
    if isinstance(value, (int, float)):
        return _NUM
    if isinstance(value, str):
        return _STR
    if isinstance(value, list):
        return _LIST
    return _OBJ


@dataclass(frozen=True)
class Difference:
    """One thing the API sent that the library does not know or expects otherwise."""

    where: str  # "survey", "question", "response", "answer"
    what: str  # "unknown field", "missing field", "value type", "question type", ...
    name: str  # the field, or the type / style seen
    seen: str  # what was seen (a type or a shape, never a value that could be personal)
    expected: str
    count: int = 1

    def line(self) -> str:
        return f"{self.where} {self.what} {self.name}: {self.seen} (expected {self.expected})"


@dataclass
class ApiCheck:
    """What ``check_api()`` found: the differences, and what was looked at.

    ``str()`` gives a short table; :meth:`bug_report_line` one line to paste into a bug report.
    An empty ``differences`` means everything matched."""

    differences: list[Difference] = field(default_factory=list)
    surveys: int = 0
    questions: int = 0
    responses: int = 0
    question_types: dict[str, int] = field(default_factory=dict)
    id_styles: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing differs from what the library expects."""
        return not self.differences

    def bug_report_line(self) -> str:
        """One line with every difference (names and types only), for a bug report."""
        # Id styles are summed up once, in "ids ...".
        found = "; ".join(
            d.line() + (f" x{d.count}" if d.count > 1 else "")
            for d in self.differences
            if d.what != "id style"
        )
        ids = ",".join(f"{k}={v}" for k, v in sorted(self.id_styles.items()))
        return (
            f"hotjar-client {_version} check_api: {self.surveys} surveys, {self.questions} "
            f"questions, {self.responses} responses; ids {ids or 'none seen'}; "
            f"{len(self.differences)} differences" + (f": {found}" if found else "")
        )

    def __str__(self) -> str:
        head = (
            f"Checked {self.surveys} surveys, {self.questions} questions and "
            f"{self.responses} responses."
        )
        if self.ok:
            return head + " Everything matches what hotjar-client expects."
        rows = [("where", "what", "name", "seen", "expected", "count")]
        rows += [
            (d.where, d.what, d.name, d.seen, d.expected, str(d.count)) for d in self.differences
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        table = "\n".join(
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
        )
        return f"{head} {len(self.differences)} differences:\n{table}"

    def __repr__(self) -> str:
        return (
            f"<ApiCheck {self.surveys} surveys, {self.responses} responses, "
            f"{len(self.differences)} differences>"
        )


class _Collector:
    def __init__(self) -> None:
        self.found: dict[tuple[str, str, str, str, str], int] = {}
        self.check = ApiCheck()

    def add(self, where: str, what: str, name: str, seen: str, expected: str) -> None:
        key = (where, what, name, seen, expected)
        self.found[key] = self.found.get(key, 0) + 1

    def fields(self, where: str, obj: object) -> Mapping[str, Any]:
        if not isinstance(obj, Mapping):
            self.add(where, "value type", "(the object)", json_type(obj), _OBJ)
            return {}
        expected = EXPECTED[where]
        for name, value in obj.items():
            if name not in expected:
                self.add(where, "unknown field", name, json_type(value), "not in the reference")
            elif json_type(value) not in expected[name]:
                self.add(
                    where, "value type", name, json_type(value), " or ".join(sorted(expected[name]))
                )
        for name in sorted(REQUIRED[where] - set(obj)):
            self.add(where, "missing field", name, "absent", "present")
        return obj

    def ids(self, kind: str, value: object) -> None:
        if isinstance(value, str) and value:
            style = id_style(value)
            previous = self.check.id_styles.get(kind)
            self.check.id_styles[kind] = style if previous in (None, style) else "mixed"
            if style != "digits":
                self.add(kind, "id style", "id", style, "digits (supported: ids are opaque)")

    def value(self, where: str, what: str, value: object, known: set[str]) -> None:
        """A value of an open set (survey type, device, sentiment) outside the known ones."""
        if isinstance(value, str) and value not in known:
            self.add(where, what, repr(value), "new", " / ".join(sorted(known)))

    def survey(self, survey: object) -> None:
        obj = self.fields("survey", survey)
        self.ids("survey", obj.get("id"))
        # Survey types are an open set; a new one is worth knowing about.
        self.value("survey", "survey type", obj.get("type"), SURVEY_TYPES)
        for question in obj.get("questions") or []:
            self.question(question)

    def question(self, question: object) -> None:
        self.check.questions += 1
        obj = self.fields("question", question)
        self.ids("question", obj.get("id"))
        kind = obj.get("type")
        if isinstance(kind, str):
            self.check.question_types[kind] = self.check.question_types.get(kind, 0) + 1
            column, known = _question_column_kind(kind)
            if not known:
                self.add("question", "question type", repr(kind), "unknown, kept as text", column)
        choices = obj.get("choices")
        if isinstance(choices, list):
            for choice in choices:
                if isinstance(choice, str):
                    self.add(
                        "question",
                        "choice shape",
                        "choices[]",
                        _STR,
                        "object {text, allow_comment}",
                    )
                elif isinstance(choice, Mapping):
                    for name in set(choice) - {"text", "allow_comment"}:
                        self.add(
                            "question",
                            "unknown field",
                            f"choices[].{name}",
                            json_type(choice[name]),
                            "not in the reference",
                        )

    def response(self, response: object) -> None:
        self.check.responses += 1
        obj = self.fields("response", response)
        self.ids("response", obj.get("id"))
        self.value("response", "device value", obj.get("device"), DEVICES)
        for answer in obj.get("answers") or []:
            a = self.fields("answer", answer)
            self.value("answer", "sentiment value", a.get("sentiment"), SENTIMENTS)

    def finish(self) -> ApiCheck:
        self.check.differences = [
            Difference(*key, count=count) for key, count in sorted(self.found.items())
        ]
        return self.check


def analyse(
    surveys: Iterable[object],
    pages: Iterable[Iterable[object]],
    single: Iterable[object] = (),
) -> ApiCheck:
    """Compares surveys (with their questions), pages of responses, and surveys fetched one by
    one (their own fields only: their questions are the listed ones) with the reference."""
    collector = _Collector()
    for survey in surveys:
        collector.check.surveys += 1
        collector.survey(survey)
    for survey in single:
        collector.fields("survey", survey)
    for page in pages:
        for response in page:
            collector.response(response)
    return collector.finish()
