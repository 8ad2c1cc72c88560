"""Pages are decoded straight from bytes into Python objects: the result must be what Python's
own json module makes of the same bytes, with ids sent as numbers turned into str."""

from __future__ import annotations

import asyncio
import json

import pytest

PAGE = r"""{
  "next_cursor": null,
  "results": [
    {"id": 5, "parent_id": 3.0, "tag_ids": [1, 2], "nested": {"survey_id": 9, "x": [{"id": 7}]},
     "big": 18446744073709551615, "neg": -5, "f": 1.5, "exp": 1e3, "t": true, "n": null,
     "s": "caf\u00e9 \"q\" \\ \n \ud83d\ude00", "empty": "", "list": [], "obj": {},
     "order": {"z": 1, "a": 2, "m": 3}},
    {"id": "8800000000001", "answers": [{"question_id": 5550001, "answer": "Other"},
                                        {"question_id": "5550001", "answer": "Other"}]}
  ]
}"""


def expected() -> list[dict]:
    rows = json.loads(PAGE)["results"]
    rows[0]["id"] = "5"
    rows[0]["parent_id"] = "3"
    rows[0]["nested"]["survey_id"] = "9"
    rows[0]["nested"]["x"][0]["id"] = "7"
    rows[1]["answers"][0]["question_id"] = "5550001"
    return rows


def test_a_page_decodes_exactly_as_json_loads_with_ids_as_str(fake, fast_client, survey_id):
    fake.fail_next(status=200, body=PAGE)
    rows = fast_client.responses(survey_id)
    assert rows == expected()
    # Key order is the server's, not sorted.
    assert list(rows[0]["order"]) == ["z", "a", "m"]
    assert list(rows[0]) == list(json.loads(PAGE)["results"][0])
    # Numbers keep their types; only ids change.
    assert rows[0]["tag_ids"] == [1, 2]
    assert type(rows[0]["exp"]) is float


def test_the_iterator_decodes_the_same_way(fake, fast_client, survey_id):
    fake.fail_next(status=200, body=PAGE)
    assert list(fast_client.iter_responses(survey_id)) == expected()


async def _aiterated(fake, survey_id):
    async with fake.async_client() as aclient:
        return [row async for row in aclient.aiter_responses(survey_id)]


@pytest.mark.parametrize("how", ["responses", "iter_responses", "aiter_responses"])
def test_repeated_values_are_shared_but_equal(fake, client, how):
    survey_id = fake.survey_ids[0]  # 1,234 responses: 13 pages
    if how == "aiter_responses":
        rows = asyncio.run(_aiterated(fake, survey_id))
    else:
        rows = list(getattr(client, how)(survey_id))
    countries = [r["country"] for r in rows]
    # One str object per distinct country across the whole export...
    assert len({id(c) for c in countries}) == len(set(countries))
    # ...and the data is still exactly the server's.
    assert rows == fake.responses(survey_id)


@pytest.mark.parametrize(
    "body",
    [
        '{"results": [{"id": 1}], "results": []}',
        '{"results": [{"id": 1}], "next_cursor": ["x"]}',
    ],
)
def test_pages_the_decoders_could_disagree_on_are_refused(fake, fast_client, survey_id, body):
    import hotjar_client as hj

    fake.fail_next(status=200, body=body)
    with pytest.raises(hj.InvalidResponseError) as caught:
        fast_client.responses(survey_id)
    assert caught.value.partial == []


def normalize_ids(value):
    """The reference: what the client promises to do to ids (a whole number directly under `id`
    or a `*_id` key becomes its decimal str; a number with a fraction is no id)."""
    if isinstance(value, list):
        return [normalize_ids(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        is_id = key == "id" or key.endswith("_id")
        whole = isinstance(item, int) or (isinstance(item, float) and item.is_integer())
        if is_id and whole and not isinstance(item, bool):
            out[key] = str(int(item))
        else:
            out[key] = normalize_ids(item)
    return out


def random_json(rng, depth=0):
    kinds = ["str", "int", "float", "bool", "null"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "str":
        alphabet = "abcXYZ 0123é€😀\"\\\n\t/"
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
    if kind == "int":
        return rng.choice([0, -1, 7, 2**31, -(2**40), 2**64 - 1, rng.randint(-1000, 10**12)])
    if kind == "float":
        return rng.choice([0.5, -2.25, 1e-7, 123.0, 6.02e23])
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "list":
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ["id", "question_id", "x_id", "ids", "name", "answer", "results", "next_cursor", "é"]
    return {rng.choice(keys) + str(rng.randint(0, 2)) * (rng.random() < 0.3): random_json(
        rng, depth + 1) for _ in range(rng.randint(0, 5))}


def test_random_pages_decode_like_json_loads():
    """A differential test: 2,000 seeded random pages against Python's json module."""
    import random

    from hotjar_client.testing import FakeHotjar

    with FakeHotjar(rate_limit=None) as fake, fake.client(requests_per_minute=None) as client:
        check_random_pages(fake, client, random.Random(20261129), rounds=2000)


def check_random_pages(fake, client, rng, rounds):
    survey_id = fake.survey_ids[0]
    for round_ in range(rounds):
        items = [random_json(rng) for _ in range(rng.randint(0, 6))]
        items = [item if isinstance(item, dict) else {"value": item} for item in items]
        for i, item in enumerate(items):
            item["id"] = f"r{round_}-{i}"  # unique: duplicates would be dropped, rightly
        page = {"results": items, "next_cursor": None}
        if rng.random() < 0.5:
            page = {"next_cursor": None, "extra": random_json(rng), "results": items}
        body = json.dumps(page, ensure_ascii=rng.random() < 0.5)
        fake.fail_next(status=200, body=body)
        fetch = client.responses if round_ % 2 else client.iter_responses
        rows = list(fetch(survey_id))
        assert rows == normalize_ids(json.loads(body)["results"]), body


# A lone surrogate escape: valid JSON syntax that no decoder here turns into a character. The
# quick first read of a page skips strings without checking escapes, so only the decode sees it.
UNDECODABLE = '{"results": [{"id": "a", "answer": "\\ud800"}], "next_cursor": "c2"}'


def test_an_undecodable_page_is_an_invalid_response_with_what_came_before(fake, survey_id):
    import hotjar_client as hj

    with fake.client(retry_backoff=0.01) as client:
        rows = client.iter_responses(survey_id)
        first_page = [next(rows) for _ in range(100)]
        cursor = rows.resume_cursor
        fake.fail_next(status=200, body=UNDECODABLE)
        with pytest.raises(hj.InvalidResponseError) as caught:
            next(rows)
        assert "could not be decoded" in str(caught.value)
        assert caught.value.resume_cursor == cursor
        # The iterator does not skip past the page: it keeps saying why it stopped.
        with pytest.raises(hj.InvalidResponseError):
            next(rows)
        assert first_page == fake.responses(survey_id)[:100]

        fake.fail_next(status=200, body=UNDECODABLE)
        with pytest.raises(hj.InvalidResponseError) as caught:
            client.responses(survey_id)
        assert caught.value.partial == []
        assert caught.value.resume_cursor is None
