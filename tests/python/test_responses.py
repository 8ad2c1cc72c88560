"""Responses: complete exports, the lazy iterator, `since`, resuming, and the JSON kept as is."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import hotjar_client as hj
import pytest
from helpers import bearer, created, page_requests, raw_request
from hotjar_client.testing import FakeHotjar

# --- complete exports -------------------------------------------------------------------------


@pytest.mark.id_styles
def test_every_survey_exports_exactly_its_responses(fake, client):
    counts = []
    for survey_id in fake.survey_ids:
        rows = client.responses(survey_id)
        assert rows == fake.responses(survey_id)
        counts.append(len(rows))

    assert counts == [1234, 250, 0, 100, 37]


def test_the_empty_survey_gives_an_empty_list_after_one_page(fake, client):
    empty = fake.survey_ids[2]

    assert client.responses(empty) == []
    assert list(client.iter_responses(empty)) == []
    assert len(page_requests(fake, empty)) == 2


def test_responses_keep_the_api_key_order(fake, client, survey_id):
    rows = client.responses(survey_id)
    truth = fake.responses(survey_id)

    assert [list(r) for r in rows] == [list(t) for t in truth]
    assert list(rows[0]) == [
        "id",
        "created_time",
        "is_complete",
        "hotjar_user_id",
        "country",
        "device",
        "browser",
        "os",
        "window_size",
        "response_origin_url",
        "recording_url",
        "user_attributes",
        "answers",
    ]
    assert list(rows[0]["answers"][0]) == ["question_id", "answer", "comment", "tags", "sentiment"]


def test_the_newest_response_in_full(client, survey_id):
    newest = client.responses(survey_id)[0]

    assert newest["id"] == "8800000001233"
    assert newest["created_time"] == "2026-06-30T11:59:59Z"
    assert newest["answers"][3] == {
        "question_id": "5550003",
        "answer": "Прекрасный сервис, спасибо",
        "comment": None,
        "tags": [],
        "sentiment": "positive",
    }


def test_responses_accepts_int_and_str_survey_ids(fake, client):
    survey_id = fake.survey_ids[4]
    truth = fake.responses(survey_id)

    assert client.responses(int(survey_id)) == truth
    assert client.responses(f" {survey_id} ") == truth


def test_responses_takes_a_site_id_argument(fake):
    survey_id = fake.survey_ids[3]
    with hj.Client(fake.client_id, fake.client_secret, base_url=fake.url) as client:
        assert client.responses(survey_id, site_id=fake.site_id) == fake.responses(survey_id)


def test_a_12345_response_survey_exports_completely(big_export):
    assert len(big_export.rows) == 12345
    assert big_export.rows == big_export.truth
    assert len({r["id"] for r in big_export.rows}) == 12345
    assert big_export.page_statuses == [200] * 124


def test_a_12345_response_export_sends_one_token_request_and_one_request_per_page(big_export):
    assert big_export.client_stats == {"requests": 125, "retries": 0, "token_requests": 1}


@pytest.mark.id_styles
def test_an_unknown_survey_fails_with_nothing_fetched(fake, client):
    with pytest.raises(hj.NotFoundError) as caught:
        client.responses(999)

    assert caught.value.status == 404
    assert "999" in str(caught.value)
    assert caught.value.partial == []
    assert caught.value.resume_cursor is None


# --- the lazy iterator ------------------------------------------------------------------------


def test_iter_responses_sends_nothing_until_the_first_item_is_asked_for(fake, client, survey_id):
    iterator = client.iter_responses(survey_id)

    assert fake.request_log() == []
    assert iterator.pages_fetched == 0
    assert iterator.resume_cursor is None


def test_iter_responses_fetches_one_page_at_a_time(fake, client, survey_id):
    truth = fake.responses(survey_id)
    iterator = client.iter_responses(survey_id)

    first_page = [next(iterator) for _ in range(100)]
    assert first_page == truth[:100]
    assert len(page_requests(fake, survey_id)) == 1
    assert iterator.pages_fetched == 1

    assert next(iterator) == truth[100]
    assert len(page_requests(fake, survey_id)) == 2
    assert iterator.pages_fetched == 2


@pytest.mark.id_styles
def test_iter_responses_yields_everything_then_stops(fake, client, survey_id):
    iterator = client.iter_responses(survey_id)

    assert list(iterator) == fake.responses(survey_id)
    assert iterator.pages_fetched == 13
    assert next(iterator, "done") == "done"
    assert len(page_requests(fake, survey_id)) == 13


@pytest.mark.id_styles
def test_the_iterator_resume_cursor_continues_where_it_stopped(fake, client, survey_id):
    truth = fake.responses(survey_id)
    iterator = client.iter_responses(survey_id)
    next(iterator)

    rest = client.responses(survey_id, resume_cursor=iterator.resume_cursor)

    assert rest == truth[100:]


def test_iter_responses_repr_names_the_survey_and_the_pages(client, survey_id):
    iterator = client.iter_responses(survey_id)
    next(iterator)

    assert repr(iterator) == "<hotjar_client.ResponseIterator survey_id='1234560' pages_fetched=1>"


# --- resume_cursor ----------------------------------------------------------------------------


def test_an_empty_resume_cursor_is_refused_before_sending(fake, client, survey_id):
    with pytest.raises(hj.ConfigurationError, match="resume_cursor"):
        client.responses(survey_id, resume_cursor="  ")

    assert fake.request_log() == []


def test_a_made_up_resume_cursor_is_a_bad_request(fake, client, survey_id):
    with pytest.raises(hj.BadRequestError) as caught:
        client.responses(survey_id, resume_cursor="not-a-cursor")

    assert caught.value.status == 400
    assert len(page_requests(fake, survey_id)) == 1


# --- since ------------------------------------------------------------------------------------

MIDNIGHT = datetime(2026, 6, 30, tzinfo=timezone.utc)


@pytest.mark.id_styles
@pytest.mark.parametrize(
    "since",
    [
        "2026-06-30T00:00:00Z",
        "2026-06-30T02:00:00+02:00",
        "2026-06-29T19:00:00-05:00",
        "2026-06-30",
        date(2026, 6, 30),
        MIDNIGHT,
        datetime(2026, 6, 30, 2, 0, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 6, 29, 14, 30, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
    ],
    ids=[
        "str-Z",
        "str-plus-2h",
        "str-minus-5h",
        "date-str",
        "date",
        "datetime-utc",
        "datetime-plus-2h",
        "datetime-minus-9h30",
    ],
)
def test_since_keeps_responses_at_or_after_it_and_stops_paging(fake, client, survey_id, since):
    truth = fake.responses(survey_id)
    expected = [r for r in truth if created(r) >= MIDNIGHT]
    assert 0 < len(expected) < len(truth)

    rows = client.responses(survey_id, since=since)

    assert rows == expected
    # Paging stops at the page holding the first older response, not at the last page.
    assert len(page_requests(fake, survey_id)) == len(expected) // 100 + 1 < 13


def test_since_equal_to_a_created_time_keeps_that_response(fake, client, survey_id):
    truth = fake.responses(survey_id)

    rows = client.responses(survey_id, since=truth[150]["created_time"])

    assert rows == truth[:151]


def test_since_older_than_every_response_keeps_them_all(fake, client, survey_id):
    assert client.responses(survey_id, since="2020-01-01") == fake.responses(survey_id)


def test_since_newer_than_every_response_gives_nothing_after_one_page(fake, client, survey_id):
    assert client.responses(survey_id, since="2030-01-01T00:00:00Z") == []
    assert len(page_requests(fake, survey_id)) == 1


def test_iter_responses_applies_since_too(fake, client, survey_id):
    truth = fake.responses(survey_id)
    expected = [r for r in truth if created(r) >= MIDNIGHT]

    iterator = client.iter_responses(survey_id, since=MIDNIGHT)

    assert list(iterator) == expected
    assert iterator.pages_fetched == len(expected) // 100 + 1


@pytest.mark.parametrize(
    "since",
    [
        datetime(2026, 6, 30),
        datetime(2026, 6, 30, 12, 0),
        "2026-06-30T12:00:00",
        "2026-06-30 12:00",
        "yesterday",
        "",
        "2026-13-01",
    ],
    ids=[
        "naive-midnight",
        "naive-noon",
        "str-no-offset",
        "str-space",
        "words",
        "empty",
        "month-13",
    ],
)
def test_a_since_that_is_not_an_instant_is_a_configuration_error(fake, client, survey_id, since):
    with pytest.raises(hj.ConfigurationError, match="since"):
        client.responses(survey_id, since=since)
    with pytest.raises(hj.ConfigurationError, match="since"):
        client.iter_responses(survey_id, since=since)

    assert fake.request_log() == []


def test_a_naive_datetime_since_says_to_add_a_time_zone(client, survey_id):
    with pytest.raises(hj.ConfigurationError, match="naive"):
        client.responses(survey_id, since=datetime(2026, 6, 30))


@pytest.mark.parametrize("since", [1_782_777_600, 1.5, b"2026-06-30", [2026, 6, 30]])
def test_a_since_of_another_type_is_a_type_error(fake, client, survey_id, since):
    with pytest.raises(TypeError, match="since"):
        client.responses(survey_id, since=since)

    assert fake.request_log() == []


# --- what the server sends is what you get ----------------------------------------------------


def test_numeric_ids_on_the_wire_come_back_as_strings():
    with FakeHotjar(numeric_ids=True) as fake, fake.client() as client:
        survey_id = fake.survey_ids[0]
        # The fake really sends numbers:
        page = raw_request(
            f"{fake.url}/v1/sites/{fake.site_id}/surveys/{survey_id}/responses?limit=1",
            headers=bearer(fake),
        ).body
        assert page["results"][0]["id"] == 8800000001233
        assert page["results"][0]["answers"][0]["question_id"] == 5550000

        rows = client.responses(survey_id)
        assert rows == fake.responses(survey_id)
        assert rows[0]["id"] == "8800000001233"
        assert all(isinstance(r["id"], str) for r in rows)
        assert all(isinstance(a["question_id"], str) for r in rows for a in r["answers"])

        surveys = client.list_surveys(with_questions=True)
        assert surveys == fake.surveys(with_questions=True)
        assert [s["id"] for s in surveys] == ["1234560", "1234561", "1234562", "1234563", "1234564"]

        survey = client.get_survey(survey_id)
        assert survey == fake.surveys()[0]
        assert [q["id"] for q in survey["questions"]][:2] == ["5550000", "5550001"]


def test_unknown_fields_are_kept():
    with FakeHotjar(extra_fields=True) as fake, fake.client() as client:
        survey_id = fake.survey_ids[1]
        rows = client.responses(survey_id)

        assert rows == fake.responses(survey_id)
    assert len(rows) == 250
    assert all(isinstance(r["experimental_score"], float) for r in rows)
    assert list(rows[0])[-1] == "experimental_score"


def test_without_extra_fields_there_is_no_unknown_field(fake, client):
    rows = client.responses(fake.survey_ids[1])

    assert all("experimental_score" not in r for r in rows)
