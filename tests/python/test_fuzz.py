"""Fuzzing the decoder through the whole stack with hypothesis: arbitrary bytes, real pages of the
fake mutated byte by byte, and arbitrary JSON pages are served by the fake as a survey's first
page, and ``responses()`` / ``iter_responses()`` must either raise a ``HotjarError`` that says
the answer is broken, or return exactly what a reference decoder (Python's ``json``) reads,
with ids as strings and repeated ids dropped. Never a crash, never a wrong row.

CI runs a fixed, bounded set of examples (``derandomize``). A longer, random local run:
``HYPOTHESIS_PROFILE=long pytest tests/python/test_fuzz.py``.
"""

from __future__ import annotations

import json
import math
import os

import hotjar_client as hj
import pytest
from helpers import bearer, raw_request
from hotjar_client.testing import FakeHotjar
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")


@pytest.fixture(scope="module")
def served():
    """A fake, a client that never retries, and real pages of the fake to mutate."""
    with (
        FakeHotjar(responses_per_survey=[7, 3], numeric_ids=False, rate_limit=None) as fake,
        fake.client(max_retries=0, requests_per_minute=None) as client,
    ):
        auth = bearer(fake)
        pages = []
        for survey_id in fake.survey_ids:
            url = f"{fake.url}/v1/sites/{fake.site_id}/surveys/{survey_id}/responses?limit=100"
            pages.append(json.dumps(raw_request(url, headers=auth).body).encode())
        yield fake, client, pages


# --- the reference decoder --------------------------------------------------------------------


class Refused(Exception):
    """The reference says the client must refuse this body."""


def reject_constant(name: str):
    raise Refused(f"{name} is not JSON")


def no_duplicate_results(pairs):
    keys = [k for k, _ in pairs]
    if keys.count("results") > 1:
        raise Refused("two results keys")
    return dict(pairs)


def has_surrogate(value) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, list):
        return any(has_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(has_surrogate(k) or has_surrogate(v) for k, v in value.items())
    return False


def has_infinity(value) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list):
        return any(has_infinity(v) for v in value)
    if isinstance(value, dict):
        return any(has_infinity(v) for v in value.values())
    return False


def as_decoded(value):
    """What the client's decoder makes of a number: an int beyond 64 bits becomes a float."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**64 else float(value)
    if isinstance(value, list):
        return [as_decoded(v) for v in value]
    if isinstance(value, dict):
        return {k: as_decoded(v) for k, v in value.items()}
    return value


def normalize_ids(value):
    """`id` and `*_id` whole numbers become strings (floats only below 1e38, as in Rust)."""
    if isinstance(value, list):
        return [normalize_ids(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        is_id = key == "id" or key.endswith("_id")
        whole = (isinstance(item, int) and not isinstance(item, bool)) or (
            isinstance(item, float) and item.is_integer() and abs(item) < 1e38
        )
        out[key] = str(int(item)) if is_id and whole else normalize_ids(item)
    return out


def dedupe_key(item: dict):
    value = item.get("id")
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(value)
    return None  # no id, or one the client cannot compare: always kept


def expected_rows(body: bytes):
    """``(rows, follows_cursor)`` as the client must return them, or raises ``Refused``."""
    try:
        text = body.decode("utf-8")
        page = json.loads(
            text, parse_constant=reject_constant, object_pairs_hook=no_duplicate_results
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise Refused(str(error)) from None
    if not isinstance(page, dict) or "results" not in page:
        raise Refused("not a page")
    results, cursor = page["results"], page.get("next_cursor")
    if results is None:
        results = []
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise Refused("results is not a list of objects")
    if isinstance(cursor, bool) or not isinstance(cursor, (str, int, float, type(None))):
        raise Refused("next_cursor of the wrong type")
    if has_surrogate(results) or has_surrogate(cursor) or has_infinity(results):
        raise Refused("not representable")
    rows, seen = [], set()
    for item in normalize_ids(as_decoded(results)):
        key = dedupe_key(item)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        rows.append(item)
    follows = cursor not in (None, "")
    return rows, follows


def same(a, b) -> bool:
    """Equal, and of the same types all the way down (``1 == 1.0 == True`` in Python)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


# --- the property -----------------------------------------------------------------------------


def check(fake, client, body: bytes, mode: str) -> None:
    survey_id = fake.survey_ids[0]
    fake.fail_next(status=200, body=body)
    try:
        expected, follows = expected_rows(body)
    except Refused:
        expected, follows = None, False

    try:
        if mode == "responses":
            rows = client.responses(survey_id)
        else:
            rows = list(client.iter_responses(survey_id))
    except hj.InvalidResponseError as error:
        # Refused: the reference refuses too, or reads what the client may not guess at.
        assert expected is None, (error, body)
        assert error.resume_cursor is None
        if mode == "responses":
            assert error.partial == []
        return
    except hj.BadRequestError as error:
        # The page named a next page; the fake does not know that made-up cursor.
        assert follows, (error, body)
        if mode == "responses":
            assert same(error.partial, expected), body
        return
    assert expected is not None, ("accepted a body the reference refuses", body, rows)
    assert not follows, body
    assert same(rows, expected), body


MUTATION = st.tuples(
    st.sampled_from(["truncate", "replace", "insert", "remove", "duplicate"]),
    st.floats(0, 1),
    st.one_of(st.sampled_from(list(b'{}[],:"\\0123456789-+.eE \n')), st.integers(0, 255)),
    st.integers(1, 40),
)


def mutate(body: bytes, mutations) -> bytes:
    data = bytearray(body)
    for kind, where, byte, length in mutations:
        at = min(int(where * len(data)), len(data))
        if kind == "truncate":
            del data[at:]
        elif kind == "replace" and at < len(data):
            data[at] = byte
        elif kind == "insert":
            data.insert(at, byte)
        elif kind == "remove":
            del data[at : at + length]
        elif kind == "duplicate":
            data[at:at] = data[at : at + length]
    return bytes(data)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "question_id", "x_id", "answer", "created_time"]) | st.text(),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(settings.get_profile(PROFILE))
@given(body=st.binary(max_size=200), mode=st.sampled_from(["responses", "iter_responses"]))
def test_arbitrary_bytes_are_refused_or_read_exactly(served, body, mode):
    fake, client, _ = served
    check(fake, client, body, mode)


@settings(settings.get_profile(PROFILE))
@given(
    page=st.integers(0, 1),
    mutations=st.lists(MUTATION, min_size=1, max_size=6),
    mode=st.sampled_from(["responses", "iter_responses"]),
)
def test_mutated_real_pages_are_refused_or_read_exactly(served, page, mutations, mode):
    fake, client, pages = served
    check(fake, client, mutate(pages[page], mutations), mode)


@settings(settings.get_profile(PROFILE))
@given(
    items=st.lists(JSON | st.dictionaries(st.just("id"), JSON, min_size=1), max_size=5),
    cursor=st.none() | st.just("") | JSON,
    mode=st.sampled_from(["responses", "iter_responses"]),
    ascii_only=st.booleans(),
)
def test_arbitrary_json_pages_are_refused_or_read_exactly(served, items, cursor, mode, ascii_only):
    fake, client, _ = served
    body = json.dumps({"results": items, "next_cursor": cursor}, ensure_ascii=ascii_only)
    check(fake, client, body.encode("utf-8", "surrogatepass"), mode)


# --- regressions found by the fuzzing above ---------------------------------------------------


def second_page_with_a_lone_surrogate(fake, survey_id) -> str:
    """The survey's second page with a lone surrogate escape in its third response: the quick
    read skips it, the full decode refuses it."""
    url = f"{fake.url}/v1/sites/{fake.site_id}/surveys/{survey_id}/responses?limit=100"
    auth = bearer(fake)
    cursor = raw_request(url, headers=auth).body["next_cursor"]
    page = raw_request(f"{url}&cursor={cursor}", headers=auth).body
    page["results"][2]["country"] = "LONE"
    return json.dumps(page).replace('"LONE"', '"\\ud83d"')


def test_a_page_that_fails_to_decode_adds_none_of_its_rows_to_partial(fake, client):
    # Found by test_mutated_real_pages_are_refused_or_read_exactly: the two rows decoded
    # before the bad one were in `partial`, and resuming fetched them again.
    survey_id = fake.survey_ids[1]  # 250 responses: three pages
    truth = fake.responses(survey_id)
    fake.fail_next(status=200, body=second_page_with_a_lone_surrogate(fake, survey_id), after=1)

    with pytest.raises(hj.InvalidResponseError, match="could not be decoded") as caught:
        client.responses(survey_id)

    assert caught.value.partial == truth[:100]
    rest = client.responses(survey_id, resume_cursor=caught.value.resume_cursor)
    assert caught.value.partial + rest == truth


def test_floats_are_parsed_exactly(fake, client):
    # Found by test_arbitrary_json_pages_are_refused_or_read_exactly: serde_json's default
    # float parsing read 1801439850948199.0 as 1801439850948199.25, so a whole-number id
    # stayed a (wrong) float instead of becoming "1801439850948199".
    values = [1801439850948199.0, 0.1, 2.2250738585072014e-308, 9007199254740993.0, 442.15]
    body = json.dumps({"results": [{"id": v, "value": v} for v in values], "next_cursor": None})
    fake.fail_next(status=200, body=body)

    rows = client.responses(fake.survey_ids[0])

    assert [r["value"] for r in rows] == [json.loads(repr(v)) for v in values]
    assert rows[0]["id"] == "1801439850948199"
