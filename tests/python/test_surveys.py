"""Surveys: list_surveys and get_survey return the API's JSON as dicts, ids as str."""

from __future__ import annotations

import hotjar_client as hj
import pytest
from helpers import api_requests, statuses
from hotjar_client.testing import FakeHotjar

# --- list_surveys -----------------------------------------------------------------------------


def test_list_surveys_returns_every_survey_without_questions(fake, client):
    surveys = client.list_surveys()

    assert surveys == fake.surveys(with_questions=False)
    assert [s["id"] for s in surveys] == ["1234560", "1234561", "1234562", "1234563", "1234564"]
    assert all("questions" not in s for s in surveys)


def test_list_surveys_with_questions(fake, client):
    surveys = client.list_surveys(with_questions=True)

    assert surveys == fake.surveys(with_questions=True)
    assert [len(s["questions"]) for s in surveys] == [10, 3, 4, 4, 10]
    assert [r["query"] for r in api_requests(fake)] == ["limit=100&with_questions=true"]


def test_a_survey_dict_has_the_api_fields_in_the_api_order(client):
    survey = client.list_surveys()[0]

    assert survey == {
        "id": "1234560",
        "name": "Post-checkout NPS",
        "type": "popover",
        "url": "/v1/sites/987654/surveys/1234560",
        "responses_url": "/v1/sites/987654/surveys/1234560/responses",
        "is_enabled": True,
        "created_time": "2026-05-29T08:35:00Z",
        "updated_time": "2026-06-05T00:14:10Z",
        "sentiment_analysis_enabled": True,
    }
    assert list(survey) == [
        "id",
        "name",
        "type",
        "url",
        "responses_url",
        "is_enabled",
        "created_time",
        "updated_time",
        "sentiment_analysis_enabled",
    ]


def test_list_surveys_follows_every_page():
    with FakeHotjar(responses_per_survey=[0] * 150) as fake, fake.client() as client:
        surveys = client.list_surveys()

        assert surveys == fake.surveys(with_questions=False)
        assert len(surveys) == 150
        assert len({s["id"] for s in surveys}) == 150
        assert statuses(api_requests(fake)) == [200, 200]


def test_list_surveys_takes_a_site_id_argument(fake):
    with hj.Client(fake.client_id, fake.client_secret, base_url=fake.url) as client:
        assert client.list_surveys(fake.site_id) == fake.surveys(with_questions=False)
        assert client.list_surveys(int(fake.site_id)) == fake.surveys(with_questions=False)


def test_the_site_id_argument_wins_over_the_client_default(fake):
    with fake.client(site_id=111) as client:
        assert client.list_surveys(site_id=fake.site_id) == fake.surveys(with_questions=False)


def test_a_site_without_surveys_gives_an_empty_list():
    with FakeHotjar(responses_per_survey=[]) as fake, fake.client() as client:
        assert client.list_surveys() == []


# --- get_survey -------------------------------------------------------------------------------


def test_get_survey_returns_the_survey_with_its_questions(fake, client):
    truth = fake.surveys(with_questions=True)
    for index, survey_id in enumerate(fake.survey_ids):
        assert client.get_survey(survey_id) == truth[index]


def test_the_first_survey_has_every_question_type(client, survey_id):
    survey = client.get_survey(survey_id)

    assert [q["type"] for q in survey["questions"]] == [
        "nps",
        "single-option",
        "multiple-option",
        "long-text",
        "short-text",
        "email",
        "reaction",
        "rating-1-5",
        "statement",
        "thank-you",
    ]
    assert survey["questions"][1] == {
        "id": "5550001",
        "type": "single-option",
        "text": "What did you come here to do?",
        "is_required": False,
        "choices": [
            {"text": "Buy a product", "allow_comment": False},
            {"text": "Compare prices", "allow_comment": False},
            {"text": "Track my order", "allow_comment": False},
            {"text": "Other", "allow_comment": True},
        ],
        "labels": None,
        "image_url": None,
    }


@pytest.mark.parametrize("form", [int, str, lambda i: f"  {i}\n"], ids=["int", "str", "padded"])
def test_get_survey_accepts_int_and_digit_string_ids(fake, client, form):
    survey_id = fake.survey_ids[1]
    assert client.get_survey(form(int(survey_id))) == fake.surveys()[1]


def test_get_survey_takes_a_site_id_argument(fake):
    with hj.Client(fake.client_id, fake.client_secret, base_url=fake.url) as client:
        survey = client.get_survey(fake.survey_ids[0], site_id=int(fake.site_id))
        assert survey == fake.surveys()[0]


def test_an_unknown_survey_is_not_found_and_the_message_names_it(fake, client):
    with pytest.raises(hj.NotFoundError) as caught:
        client.get_survey(999)

    assert caught.value.status == 404
    assert "999" in str(caught.value)
    assert "987654" in str(caught.value)
    assert statuses(api_requests(fake)) == [404]


def test_an_unknown_site_is_not_found_and_the_message_names_it(fake, client):
    with pytest.raises(hj.NotFoundError) as caught:
        client.list_surveys(site_id=111222)

    assert caught.value.status == 404
    assert "111222" in str(caught.value)
    assert "Sites & Organizations" in str(caught.value)


def test_a_survey_on_the_wrong_site_is_not_found(fake, client, survey_id):
    with pytest.raises(hj.NotFoundError) as caught:
        client.get_survey(survey_id, site_id=111222)

    assert "111222" in str(caught.value)
    assert survey_id in str(caught.value)


# --- ids checked before anything is sent ------------------------------------------------------


# Survey ids are opaque ("abc", "0" or "1.5" may be ids): refused is only what cannot be one.
@pytest.mark.parametrize(
    "bad", ["", "   ", "a/b", "a b", "a\nb", "a\x7fb", "x" * 257, -5, 0, 2**64, -(2**70)]
)
def test_a_bad_survey_id_is_a_configuration_error_and_nothing_is_sent(fake, client, bad):
    with pytest.raises(hj.ConfigurationError, match="survey_id") as caught:
        client.get_survey(bad)

    assert isinstance(caught.value, ValueError)
    assert caught.value.status is None
    assert fake.request_log() == []


@pytest.mark.parametrize("bad", [True, False, 1234560.0, None, b"1234560", [1234560]])
def test_a_survey_id_of_the_wrong_type_is_a_type_error_and_nothing_is_sent(fake, client, bad):
    with pytest.raises(TypeError, match="survey_id"):
        client.get_survey(bad)

    assert fake.request_log() == []


@pytest.mark.parametrize(
    ("bad", "error_class"),
    [("a/b", hj.ConfigurationError), (-5, hj.ConfigurationError), (True, TypeError)],
)
@pytest.mark.parametrize(
    "call",
    [
        lambda c, sid: c.responses(sid),
        lambda c, sid: c.iter_responses(sid),
        lambda c, sid: c.responses(sid, since="2026-06-30"),
    ],
    ids=["responses", "iter_responses", "responses-since"],
)
def test_response_calls_check_the_survey_id_before_sending(fake, client, call, bad, error_class):
    with pytest.raises(error_class, match="survey_id"):
        call(client, bad)

    assert fake.request_log() == []


@pytest.mark.parametrize("bad", ["abc", "0", -5, ""])
def test_a_bad_site_id_argument_is_a_configuration_error_and_nothing_is_sent(fake, client, bad):
    with pytest.raises(hj.ConfigurationError, match="site_id"):
        client.list_surveys(site_id=bad)

    assert fake.request_log() == []


@pytest.mark.parametrize("bad", [True, 987654.0, object()])
def test_a_site_id_argument_of_the_wrong_type_is_a_type_error(fake, client, bad):
    with pytest.raises(TypeError, match="site_id"):
        client.list_surveys(site_id=bad)

    assert fake.request_log() == []


@pytest.mark.parametrize(
    "call",
    [
        lambda c, sid: c.list_surveys(),
        lambda c, sid: c.get_survey(sid),
        lambda c, sid: c.responses(sid),
        lambda c, sid: c.iter_responses(sid),
    ],
    ids=["list_surveys", "get_survey", "responses", "iter_responses"],
)
def test_without_any_site_id_the_error_says_where_to_find_it(fake, survey_id, call):
    with (
        hj.Client(fake.client_id, fake.client_secret, base_url=fake.url) as client,
        pytest.raises(hj.ConfigurationError, match="Sites & Organizations"),
    ):
        call(client, survey_id)

    assert fake.request_log() == []
