"""Pages are decoded straight from bytes into Python objects: the result must be what Python's
own json module makes of the same bytes, with ids sent as numbers turned into str."""

from __future__ import annotations

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


def test_repeated_values_are_shared_but_equal(fake, client):
    survey_id = fake.survey_ids[0]
    rows = client.responses(survey_id)
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
