"""Errors: one class per thing that can go wrong, each with a status and a message that says
what to do, and never the secret. Token expiry and a single refused token are handled silently.
"""

from __future__ import annotations

import json

import hotjar_client as hj
import pytest
from helpers import api_requests, page_requests, statuses, token_requests
from hotjar_client.testing import FakeHotjar

ERROR_CLASSES = [
    hj.ConfigurationError,
    hj.AuthenticationError,
    hj.PermissionDeniedError,
    hj.NotFoundError,
    hj.RateLimitError,
    hj.ServerError,
    hj.BadRequestError,
    hj.TransportError,
    hj.InvalidResponseError,
    hj.ClientClosedError,
]


# --- the hierarchy ----------------------------------------------------------------------------


def test_every_error_is_a_hotjar_error():
    assert [c for c in ERROR_CLASSES if not issubclass(c, hj.HotjarError)] == []
    assert issubclass(hj.HotjarError, Exception)


def test_configuration_errors_are_value_errors_and_closed_errors_runtime_errors():
    assert [c.__name__ for c in ERROR_CLASSES if issubclass(c, ValueError)] == [
        "ConfigurationError"
    ]
    assert [c.__name__ for c in ERROR_CLASSES if issubclass(c, RuntimeError)] == [
        "ClientClosedError"
    ]


def test_the_errors_live_in_the_package_and_its_exceptions_module():
    from hotjar_client import exceptions

    assert [getattr(exceptions, c.__name__) for c in ERROR_CLASSES] == ERROR_CLASSES
    assert {c.__module__ for c in ERROR_CLASSES} == {"hotjar_client"}


# --- refused credentials ----------------------------------------------------------------------


def wrong_secret_client(fake, secret="wrong-secret-5f1e"):
    return hj.Client(fake.client_id, secret, base_url=fake.url, site_id=fake.site_id)


def test_a_wrong_secret_is_an_authentication_error_that_explains_key_expiry(fake):
    with wrong_secret_client(fake) as client, pytest.raises(hj.AuthenticationError) as caught:
        client.test_connection()

    error = caught.value
    assert error.status == 401
    assert "one year" in str(error)
    assert "Settings > API" in str(error)
    assert "Client authentication failed." in str(error)  # what the server said
    assert "wrong-secret-5f1e" not in str(error)


def test_a_wrong_client_id_is_an_authentication_error(fake):
    with (
        hj.Client(
            "someone-else", fake.client_secret, base_url=fake.url, site_id=fake.site_id
        ) as client,
        pytest.raises(hj.AuthenticationError) as caught,
    ):
        client.list_surveys()

    assert caught.value.status == 401
    assert fake.client_secret not in str(caught.value)


def test_a_refused_key_is_asked_once_and_no_api_call_follows(fake):
    with wrong_secret_client(fake) as client, pytest.raises(hj.AuthenticationError):
        client.responses(fake.survey_ids[0])

    assert statuses(token_requests(fake)) == [401]
    assert api_requests(fake) == []


def test_a_failed_export_of_a_refused_key_has_nothing_partial(fake):
    with wrong_secret_client(fake) as client, pytest.raises(hj.AuthenticationError) as caught:
        client.responses(fake.survey_ids[0])

    assert caught.value.partial == []
    assert caught.value.resume_cursor is None


def test_a_key_revoked_mid_export_stops_it_with_an_authentication_error(fake, client, survey_id):
    truth = fake.responses(survey_id)
    iterator = client.iter_responses(survey_id)
    before = [next(iterator) for _ in range(100)]

    fake.revoke_credentials()
    with pytest.raises(hj.AuthenticationError) as caught:
        next(iterator)

    assert caught.value.status == 401
    assert "one year" in str(caught.value)
    assert before == truth[:100]
    # The API refused the token, the client asked for a new one once, and was refused too.
    assert statuses(page_requests(fake, survey_id)) == [200, 401]
    assert statuses(token_requests(fake)) == [200, 401]

    # Once the key works again, the export continues from where it stopped.
    fake.restore_credentials()
    rest = client.responses(survey_id, resume_cursor=caught.value.resume_cursor)
    assert before + rest == truth


def test_a_refused_key_works_again_after_restore(fake, client):
    fake.revoke_credentials()
    with pytest.raises(hj.AuthenticationError):
        client.list_surveys()

    fake.restore_credentials()
    assert client.list_surveys() == fake.surveys(with_questions=False)


# --- tokens -----------------------------------------------------------------------------------


def test_test_connection_reports_the_token_lifetime():
    with FakeHotjar(token_ttl=120) as fake, fake.client() as client:
        assert client.test_connection() == {"expires_in": 120.0}


def test_test_connection_always_fetches_a_new_token(fake, client):
    client.test_connection()
    client.test_connection()

    assert fake.stats()["tokens_issued"] == 2
    assert client.stats() == {"requests": 2, "retries": 0, "token_requests": 2}


def test_a_token_is_reused_across_calls(fake, client, survey_id):
    client.list_surveys()
    client.get_survey(survey_id)
    client.responses(fake.survey_ids[4])

    assert fake.stats()["tokens_issued"] == 1
    assert client.stats() == {"requests": 4, "retries": 0, "token_requests": 1}


def test_a_token_expiring_mid_export_is_renewed_silently(fake, client, survey_id):
    iterator = client.iter_responses(survey_id)
    first = next(iterator)

    fake.expire_tokens()
    rest = list(iterator)

    assert [first, *rest] == fake.responses(survey_id)
    assert fake.stats()["tokens_issued"] == 2
    assert client.stats()["token_requests"] == 2
    assert statuses(page_requests(fake, survey_id)) == [200, 401] + [200] * 12


def test_short_lived_tokens_are_renewed_during_a_long_export():
    with (
        FakeHotjar(token_ttl=1, latency=0.25, responses_per_survey=[600]) as fake,
        fake.client() as client,
    ):
        survey_id = fake.survey_ids[0]  # 6 pages of 0.25 s: longer than a token lives

        assert client.responses(survey_id) == fake.responses(survey_id)
        assert fake.stats()["tokens_issued"] >= 2


def test_one_refused_token_on_the_api_is_renewed_silently(fake, client):
    fake.fail_next(status=401)

    assert client.list_surveys() == fake.surveys(with_questions=False)
    assert statuses(api_requests(fake)) == [401, 200]
    assert fake.stats()["tokens_issued"] == 2


def test_a_new_token_refused_too_is_an_authentication_error(fake, client):
    fake.fail_next(2, status=401)

    with pytest.raises(hj.AuthenticationError) as caught:
        client.list_surveys()

    assert caught.value.status == 401
    assert "one year" in str(caught.value)
    assert "Settings > API" in str(caught.value)
    # Exactly one renewal and one more try:
    assert statuses(api_requests(fake)) == [401, 401]
    assert statuses(token_requests(fake)) == [200, 200]


# --- plans ------------------------------------------------------------------------------------


@pytest.mark.parametrize("plan", ["none", "observe_scale"])
@pytest.mark.parametrize(
    "call",
    [
        lambda c, sid: c.list_surveys(),
        lambda c, sid: c.get_survey(sid),
        lambda c, sid: c.responses(sid),
        lambda c, sid: list(c.iter_responses(sid)),
    ],
    ids=["list_surveys", "get_survey", "responses", "iter_responses"],
)
def test_without_ask_scale_survey_calls_are_permission_denied(fake, survey_id, plan, call):
    fake.plan = plan
    with fake.client() as client, pytest.raises(hj.PermissionDeniedError) as caught:
        call(client, survey_id)

    assert caught.value.status == 403
    assert "Ask Scale" in str(caught.value)
    assert statuses(api_requests(fake)) == [403]


def test_permission_is_checked_on_every_call(fake, client, survey_id):
    assert client.get_survey(survey_id)["id"] == survey_id

    fake.plan = "observe_scale"
    with pytest.raises(hj.PermissionDeniedError):
        client.get_survey(survey_id)

    fake.plan = "ask_scale"
    assert client.get_survey(survey_id)["id"] == survey_id


def test_a_failed_export_without_permission_has_nothing_partial(fake, client, survey_id):
    fake.plan = "none"
    with pytest.raises(hj.PermissionDeniedError) as caught:
        client.responses(survey_id)

    assert caught.value.partial == []
    assert caught.value.resume_cursor is None


# --- the secret stays secret ------------------------------------------------------------------


def test_a_server_message_quoting_the_secret_is_redacted_on_the_api(fake, client):
    body = json.dumps({"error": "bad", "message": f"unexpected secret {fake.client_secret} here"})
    fake.fail_next(status=400, body=body)

    with pytest.raises(hj.BadRequestError) as caught:
        client.list_surveys()

    assert fake.client_secret not in str(caught.value)
    assert "unexpected secret *** here" in str(caught.value)


def test_a_server_message_quoting_the_secret_is_redacted_on_the_token_endpoint(fake, client):
    body = json.dumps({"error": "invalid_client", "error_description": fake.client_secret})
    fake.fail_next(status=401, body=body, endpoint="token")

    with pytest.raises(hj.AuthenticationError) as caught:
        client.test_connection()

    assert fake.client_secret not in str(caught.value)
    assert "Hotjar said: ***" in str(caught.value)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 429, 500, 503])
@pytest.mark.parametrize(
    "body_of", [lambda s: json.dumps({"message": s}), str], ids=["json", "text"]
)
def test_no_error_message_contains_the_secret(fake, survey_id, status, body_of):
    fake.fail_next(2 if status == 401 else 1, status=status, body=body_of(fake.client_secret))
    with fake.client(max_retries=0) as client, pytest.raises(hj.HotjarError) as caught:
        client.get_survey(survey_id)

    assert caught.value.status == status
    assert f"HTTP {status}" in str(caught.value)
    assert fake.client_secret not in str(caught.value)
    assert "***" in str(caught.value)
