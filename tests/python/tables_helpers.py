"""An independent reference for the response tables: what every cell of the wide and long
tables must be, worked out in plain Python from the survey (``get_survey``) and the responses
as dicts (``client.responses``). The tests compare the library's tables with it cell by cell."""

from __future__ import annotations

import json
import re
from datetime import datetime

RESPONSE_COLUMNS = [
    "response_id",
    "created_time",
    "is_complete",
    "country",
    "device",
    "browser",
    "os",
    "hotjar_user_id",
    "recording_url",
    "response_origin_url",
    "window_width",
    "window_height",
    "user_attributes",
]
LONG_COLUMNS = [
    "question_id",
    "question_text",
    "question_type",
    "answer",
    "comment",
    "sentiment",
    "tags",
]
OTHER_ANSWERS = "other_answers"
NO_ANSWER_TYPES = {"statement", "thank-you", "thank_you"}
INT16 = (-32768, 32767)


def text_of(value) -> str | None:
    """A text field as the table holds it: strings as is, numbers as their digits."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def whole(value) -> int | None:
    """A window size: a whole number that fits an int32, else nothing."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    value = int(value)
    return value if -(2**31) <= value < 2**31 else None


def json_text(value) -> str | None:
    """A user attribute's value: a string as is, anything else as its JSON text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def timestamp(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))


def tag_names(tags) -> list:
    return [text_of(t.get("name") if isinstance(t, dict) else t) for t in (tags or [])]


# --- the survey's columns ----------------------------------------------------------------------


class Question:
    """One question of the survey and the names of its columns in the wide table."""

    def __init__(self, raw: dict, sentiment_enabled: bool, taken: set[str]):
        self.id = text_of(raw["id"])
        self.type = raw.get("type") or ""
        self.text = (raw.get("text") or "").strip()
        kind = self.type.lower()
        self.takes_answers = kind not in NO_ANSWER_TYPES
        self.is_number = kind in ("nps", "reaction") or "rating" in kind
        self.sentiment = None
        self.comment = None
        self.tags = None
        self.name = None
        if not self.takes_answers:
            return
        self.name = claim(taken, self.text or f"question {self.id}")
        if sentiment_enabled and (kind.endswith("-text") or kind == "text"):
            self.sentiment = claim(taken, f"{self.name} [sentiment]")
        choices = raw.get("choices") or []
        if choices:
            takes_comment = any(
                not isinstance(c, dict) or c.get("allow_comment") is True for c in choices
            )
        else:
            takes_comment = "option" in kind or "choice" in kind
        if takes_comment:
            self.comment = claim(taken, f"{self.name} [comment]")
        self.tags = claim(taken, f"{self.name} [tags]")

    def columns(self) -> list[str]:
        return [c for c in (self.name, self.sentiment, self.comment, self.tags) if c]

    def number(self, answer) -> int | None:
        """The answer as a number, or None when it is not one that fits an int16."""
        text = text_of(answer)
        if text is None or not re.fullmatch(r"[+-]?[0-9]+", text.strip()):
            return None
        value = int(text.strip())
        return value if INT16[0] <= value <= INT16[1] else None

    def fits(self, answer: dict) -> bool:
        """Whether every part of the answer has a place in this question's columns."""
        answer_text = answer.get("answer")
        if self.is_number and answer_text is not None and self.number(answer_text) is None:
            return False
        if text_of(answer.get("sentiment")) is not None and self.sentiment is None:
            return False
        return not (text_of(answer.get("comment")) is not None and self.comment is None)


def claim(taken: set[str], base: str) -> str:
    name, n = base, 2
    while name in taken:
        name = f"{base} ({n})"
        n += 1
    taken.add(name)
    return name


def plan(survey: dict) -> list[Question]:
    taken = set(RESPONSE_COLUMNS) | {OTHER_ANSWERS}
    sentiment = survey.get("sentiment_analysis_enabled")
    sentiment = True if sentiment is None else bool(sentiment)
    return [Question(q, sentiment, taken) for q in survey.get("questions") or []]


def wide_columns(survey: dict) -> list[str]:
    names = list(RESPONSE_COLUMNS)
    for question in plan(survey):
        names.extend(question.columns())
    return [*names, OTHER_ANSWERS]


# --- rows --------------------------------------------------------------------------------------


def response_cells(response: dict) -> dict:
    window = response.get("window_size")
    window = window if isinstance(window, dict) else {}
    width = whole(window.get("width"))
    width = whole(response.get("window_width")) if width is None else width
    height = whole(window.get("height"))
    height = whole(response.get("window_height")) if height is None else height
    attributes = {}
    for attribute in response.get("user_attributes") or []:
        attributes[text_of(attribute.get("name")) or ""] = json_text(attribute.get("value"))
    flag = response.get("is_complete")
    cells = {
        "response_id": text_of(response.get("id")),
        "created_time": timestamp(response.get("created_time")),
        "is_complete": flag if isinstance(flag, bool) else None,
    }
    for name in ("country", "device", "browser", "os", "hotjar_user_id", "recording_url"):
        cells[name] = text_of(response.get(name))
    cells["response_origin_url"] = text_of(response.get("response_origin_url"))
    return {
        **cells,
        "window_width": width,
        "window_height": height,
        "user_attributes": attributes,
    }


def as_other(answer: dict) -> dict:
    return {
        "question_id": text_of(answer.get("question_id")),
        "answer": text_of(answer.get("answer")),
        "comment": text_of(answer.get("comment")),
        "tags": tag_names(answer.get("tags")),
        "sentiment": text_of(answer.get("sentiment")),
    }


def wide_rows(survey: dict, responses: list[dict]) -> list[dict]:
    """One row per response, with the cells the wide table must hold (other_answers parsed)."""
    questions = [q for q in plan(survey) if q.takes_answers]
    by_id = {q.id: q for q in questions}
    rows = []
    for response in responses:
        row = response_cells(response)
        filled: dict[str, dict] = {}
        others = []
        for answer in response.get("answers") or []:
            question = by_id.get(text_of(answer.get("question_id")))
            if question is not None and question.id not in filled and question.fits(answer):
                filled[question.id] = answer
            else:
                others.append(as_other(answer))
        for question in questions:
            answer = filled.get(question.id)
            if answer is None:
                for column in question.columns():
                    row[column] = None
                continue
            value = answer.get("answer")
            row[question.name] = question.number(value) if question.is_number else text_of(value)
            if question.sentiment:
                row[question.sentiment] = text_of(answer.get("sentiment"))
            if question.comment:
                row[question.comment] = text_of(answer.get("comment"))
            row[question.tags] = tag_names(answer.get("tags"))
        row[OTHER_ANSWERS] = others or None
        rows.append(row)
    return rows


def long_rows(survey: dict, responses: list[dict]) -> list[dict]:
    """One row per answer (one row with no question for a response without answers)."""
    questions = {q.id: q for q in plan(survey)}
    rows = []
    for response in responses:
        cells = response_cells(response)
        answers = response.get("answers") or []
        if not answers:
            rows.append({**cells, **dict.fromkeys(LONG_COLUMNS)})
        for answer in answers:
            question_id = text_of(answer.get("question_id"))
            question = questions.get(question_id)
            rows.append(
                {
                    **cells,
                    "question_id": question_id,
                    "question_text": question.text if question else None,
                    "question_type": question.type if question else None,
                    "answer": text_of(answer.get("answer")),
                    "comment": text_of(answer.get("comment")),
                    "sentiment": text_of(answer.get("sentiment")),
                    "tags": tag_names(answer.get("tags")),
                }
            )
    return rows


# --- crafted data: the cases the fake's own data never has -------------------------------------

CRAFTED_SURVEY = {
    "id": "77",
    "name": "Crafted <survey>",
    "sentiment_analysis_enabled": True,
    "questions": [
        {"id": "1", "type": "nps", "text": "Score?"},
        {"id": "2", "type": "1-5-rating", "text": "   "},
        {
            "id": "3",
            "type": "single-option",
            "text": "Why?",
            "choices": [
                {"text": "Buy", "allow_comment": False},
                {"text": "Other", "allow_comment": True},
            ],
        },
        {"id": "4", "type": "long-text", "text": "Why?"},
        {"id": "5", "type": "short-text", "text": "country"},
        {"id": "6", "type": "statement", "text": "Note"},
        {"id": "7", "type": "matrix-of-things", "text": "Something new"},
        {
            "id": "8",
            "type": "multiple-option",
            "text": "Which?",
            "choices": [{"text": "A", "allow_comment": False}],
        },
        {"id": 9, "type": "email", "text": "Email"},
        {"id": "10", "type": "reaction", "text": "Feel?"},
    ],
}

CRAFTED_RESPONSES = [
    {
        "id": 101,
        "created_time": "2026-01-02T03:04:05.123456+02:00",
        "is_complete": True,
        "country": "DE",
        "device": "desktop",
        "browser": "Firefox",
        "os": "Linux",
        "hotjar_user_id": "u1",
        "window_width": 1024,
        "window_height": 768,
        "response_origin_url": "https://example.com/a,b",
        "recording_url": None,
        "user_attributes": [
            {"name": "none", "value": None},
            {"name": "obj", "value": {"a": [1, 2]}},
            {"name": "price", "value": 111.45},
            {"name": "count", "value": 3},
            {"name": "beta", "value": False},
            {"name": "plan", "value": "pro"},
        ],
        "answers": [
            {"question_id": "1", "answer": " 7 ", "comment": None, "tags": [], "sentiment": None},
            {"question_id": "2", "answer": "abc", "comment": None, "tags": [], "sentiment": None},
            {"question_id": "3", "answer": "Other", "comment": "mine", "tags": []},
            {
                "question_id": "4",
                "answer": 'Multi\nline, "quoted"',
                "sentiment": "negative",
                "tags": ["bare", {"name": "named"}, None],
            },
            {"question_id": 1, "answer": "8", "tags": []},
            {"question_id": "8", "answer": "A", "comment": "not asked for", "tags": []},
            {"question_id": "7", "answer": 5, "tags": [{"name": "x"}]},
            {"question_id": "999", "answer": "orphan", "tags": [{"name": "t"}]},
            {"question_id": "9", "answer": "e@example.com", "tags": None},
            {"question_id": "6", "answer": "to a statement"},
            {"question_id": "5", "answer": "Fine", "sentiment": "positive"},
            {"question_id": "10", "answer": "3", "sentiment": "neutral"},
        ],
    },
    {
        "id": "102",
        "created_time": "2026-01-01T00:00:00Z",
        "country": None,
        "window_size": None,
        "user_attributes": None,
        "answers": [],
    },
    {
        "id": "103",
        "created_time": "2025-12-31T23:59:59.5Z",
        "is_complete": "yes",
        "window_size": {"width": 390, "height": 844},
        "country": "FR",
        "answers": [
            {"question_id": "1", "answer": None, "tags": [{"name": "only-tags"}]},
            {"question_id": "2", "answer": "40000", "tags": []},
            {"question_id": "10", "answer": "-1", "tags": []},
            {"question_id": "3", "answer": "Buy", "comment": None, "tags": []},
            {"question_id": "8", "answer": None, "comment": None, "tags": []},
            {"question_id": "4", "answer": "no sentiment yet", "sentiment": None},
        ],
    },
    {
        "id": "104",
        "created_time": "2025-12-31T00:00:00Z",
        "answers": [
            {"question_id": "2", "answer": "+4", "tags": []},
            {"question_id": "1", "answer": 9, "tags": []},
            {"question_id": "10", "answer": "3.5", "tags": []},
            {"question_id": "8", "answer": ["A", "Ü"], "tags": []},
        ],
    },
]


# --- comparing ---------------------------------------------------------------------------------


def canonical(row: dict) -> dict:
    """A row with other_answers parsed, user attribute values read back as JSON where they are
    JSON (the table keeps non-string values as their JSON text), and map cells as dicts."""
    out = dict(row)
    if isinstance(out.get(OTHER_ANSWERS), str):
        out[OTHER_ANSWERS] = json.loads(out[OTHER_ANSWERS])
    attributes = out.get("user_attributes")
    if isinstance(attributes, list):  # pyarrow and pandas give maps as (key, value) pairs
        attributes = dict(attributes)
    if isinstance(attributes, dict):
        out["user_attributes"] = {k: loose_json(v) for k, v in attributes.items()}
    return out


def loose_json(value):
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def assert_rows_equal(actual: list[dict], expected: list[dict], context: str = "") -> None:
    """Every cell equal, with the first difference named precisely."""
    assert len(actual) == len(expected), f"{context}: {len(actual)} rows, want {len(expected)}"
    for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
        got, want = canonical(got), canonical(want)
        assert list(got) == list(want), f"{context} row {index}: columns differ"
        for column in want:
            assert got[column] == want[column], (
                f"{context} row {index} ({want.get('response_id')}) column {column!r}: "
                f"{got[column]!r} != {want[column]!r}"
            )
            if isinstance(want[column], bool) or isinstance(got[column], bool):
                assert type(got[column]) is type(want[column]), (context, index, column)


def page(results: list[dict], next_cursor: str | None = None) -> str:
    """A page of responses as the API sends it."""
    return json.dumps({"results": results, "next_cursor": next_cursor})
