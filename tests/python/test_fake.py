"""The fake is as strict as the real API, and its data is deterministic and realistic.

These tests speak HTTP to the fake with urllib, without the client.
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import hotjar_client as hj
import pytest
from helpers import TOKEN_PATH, bearer, created, form_token, page_requests, raw_request
from hotjar_client.testing import FakeHotjar


def surveys_url(fake, query: str = "") -> str:
    return f"{fake.url}/v1/sites/{fake.site_id}/surveys{query}"


def responses_url(fake, survey_id, query: str = "") -> str:
    return f"{fake.url}/v1/sites/{fake.site_id}/surveys/{survey_id}/responses{query}"


# --- the token endpoint -----------------------------------------------------------------------


def test_a_form_encoded_token_request_gets_a_bearer_token(fake):
    answer = form_token(fake)

    assert answer.status == 200
    assert list(answer.body) == ["access_token", "token_type", "expires_in"]
    assert answer.body["token_type"] == "Bearer"
    assert answer.body["expires_in"] == 3600
    assert answer.body["access_token"].startswith("fake_at_")
    assert answer.headers["content-type"] == "application/json; charset=utf-8"


def test_a_json_token_request_is_refused(fake):
    body = json.dumps(
        {
            "grant_type": "client_credentials",
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
        }
    ).encode()
    answer = raw_request(
        fake.url + TOKEN_PATH,
        method="POST",
        data=body,
        headers={"Content-Type": "application/json"},
    )

    assert answer.status == 400
    assert answer.body["error"] == "invalid_request"
    assert fake.stats()["tokens_issued"] == 0


@pytest.mark.parametrize(
    ("fields", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "someone-else"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_a_bad_token_form_is_refused(fake, fields, status, error):
    answer = form_token(fake, **fields)

    assert answer.status == status
    assert answer.body["error"] == error
    assert "error_description" in answer.body


def test_a_token_form_without_grant_type_is_an_invalid_request(fake):
    form = {"client_id": fake.client_id, "client_secret": fake.client_secret}
    answer = raw_request(
        fake.url + TOKEN_PATH,
        method="POST",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert (answer.status, answer.body["error"]) == (400, "invalid_request")


def test_the_token_endpoint_only_takes_post(fake):
    assert raw_request(fake.url + TOKEN_PATH).status == 405


def test_token_ttl_sets_expires_in():
    with FakeHotjar(token_ttl=90.2) as fake:
        assert form_token(fake).body["expires_in"] == 91
        fake.token_ttl = 10
        assert fake.token_ttl == 10.0
        assert form_token(fake).body["expires_in"] == 10


def test_a_revoked_key_gets_no_token_until_restored(fake):
    fake.revoke_credentials()
    assert form_token(fake).status == 401

    fake.restore_credentials()
    assert form_token(fake).status == 200


# --- bearer tokens ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer made-up"}, {"Authorization": "Basic abc"}],
    ids=["none", "unknown-token", "not-bearer"],
)
def test_survey_endpoints_need_a_valid_bearer_token(fake, headers):
    answer = raw_request(surveys_url(fake), headers=headers)

    assert answer.status == 401
    assert answer.body["error"] == "unauthorized"


def test_expired_and_revoked_tokens_are_refused(fake):
    auth = bearer(fake)
    assert raw_request(surveys_url(fake), headers=auth).status == 200

    fake.expire_tokens()
    assert raw_request(surveys_url(fake), headers=auth).status == 401

    auth = bearer(fake)
    fake.revoke_credentials()
    assert raw_request(surveys_url(fake), headers=auth).status == 401


def test_the_bearer_scheme_is_case_insensitive(fake):
    token = bearer(fake)["Authorization"].split(" ", 1)[1]
    assert (
        raw_request(surveys_url(fake), headers={"Authorization": f"bearer {token}"}).status == 200
    )


# --- limit and cursor -------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", ""])
def test_limit_outside_1_to_100_is_a_bad_request(fake, survey_id, limit):
    answer = raw_request(responses_url(fake, survey_id, f"?limit={limit}"), headers=bearer(fake))

    assert answer.status == 400
    assert answer.body["error"] == "invalid_limit"


@pytest.mark.parametrize(("limit", "size"), [("1", 1), ("100", 100), ("37", 37)])
def test_a_page_holds_at_most_limit_responses(fake, survey_id, limit, size):
    answer = raw_request(responses_url(fake, survey_id, f"?limit={limit}"), headers=bearer(fake))

    assert answer.status == 200
    assert answer.body["results"] == fake.responses(survey_id)[:size]
    assert isinstance(answer.body["next_cursor"], str)


def test_without_limit_a_page_holds_100(fake, survey_id):
    answer = raw_request(responses_url(fake, survey_id), headers=bearer(fake))

    assert len(answer.body["results"]) == 100


def test_clamp_limit_turns_a_large_limit_into_100():
    with FakeHotjar(clamp_limit=True) as fake:
        auth = bearer(fake)
        survey_id = fake.survey_ids[0]
        large = raw_request(responses_url(fake, survey_id, "?limit=500"), headers=auth)
        zero = raw_request(responses_url(fake, survey_id, "?limit=0"), headers=auth)

        assert large.status == 200
        assert large.body["results"] == fake.responses(survey_id)[:100]
        assert zero.status == 400


def test_following_next_cursor_walks_every_response_then_ends_with_null(fake):
    survey_id = fake.survey_ids[1]
    auth = bearer(fake)
    results, cursors, query = [], [], "?limit=100"
    while True:
        page = raw_request(responses_url(fake, survey_id, query), headers=auth).body
        results += page["results"]
        if page["next_cursor"] is None:
            break
        cursors.append(page["next_cursor"])
        query = "?" + urllib.parse.urlencode({"limit": 100, "cursor": page["next_cursor"]})

    assert results == fake.responses(survey_id)
    assert len(cursors) == 2
    assert len(set(cursors)) == 2


def test_a_page_envelope_is_results_then_next_cursor(fake):
    page = raw_request(surveys_url(fake, "?limit=2"), headers=bearer(fake)).body

    assert list(page) == ["results", "next_cursor"]
    assert [s["id"] for s in page["results"]] == fake.survey_ids[:2]


def tampered(cursor: str) -> str:
    flipped = "0" if cursor[20] != "0" else "1"
    return cursor[:20] + flipped + cursor[21:]


def test_tampered_or_foreign_cursors_are_bad_requests(fake):
    auth = bearer(fake)
    first, second = fake.survey_ids[0], fake.survey_ids[1]
    cursor = raw_request(responses_url(fake, first), headers=auth).body["next_cursor"]

    def status_with(survey_id, value):
        query = "?" + urllib.parse.urlencode({"cursor": value})
        answer = raw_request(responses_url(fake, survey_id, query), headers=auth)
        return answer.status, answer.body["error"] if answer.status != 200 else None

    assert status_with(first, cursor) == (200, None)
    assert status_with(first, tampered(cursor)) == (400, "invalid_cursor")
    assert status_with(first, cursor[:-2]) == (400, "invalid_cursor")
    assert status_with(first, "abc") == (400, "invalid_cursor")
    assert status_with(second, cursor) == (400, "invalid_cursor")  # another survey's cursor


def test_a_cursor_from_another_seed_is_refused():
    with FakeHotjar(seed=1) as one, FakeHotjar(seed=2) as two:
        cursor = raw_request(responses_url(one, one.survey_ids[0]), headers=bearer(one)).body[
            "next_cursor"
        ]
        query = "?" + urllib.parse.urlencode({"cursor": cursor})
        answer = raw_request(responses_url(two, two.survey_ids[0], query), headers=bearer(two))

        assert answer.status == 400


def test_with_questions_must_be_true_or_false(fake):
    answer = raw_request(surveys_url(fake, "?with_questions=yes"), headers=bearer(fake))

    assert answer.status == 400


def test_the_single_survey_endpoint_includes_questions(fake, survey_id):
    answer = raw_request(f"{surveys_url(fake)}/{survey_id}", headers=bearer(fake))

    assert answer.body == fake.surveys(with_questions=True)[0]


# --- routes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/v2/sites/987654/surveys",
        "/v1/sites",
        "/v1/sites/987654/heatmaps",
        "/v1/sites/987654/recordings",
        "/",
    ],
)
def test_made_up_routes_are_json_404s(fake, path):
    answer = raw_request(fake.url + path, headers=bearer(fake))

    assert answer.status == 404
    assert answer.body == {"error": "not_found", "message": "No such endpoint"}


def test_an_unknown_site_is_404(fake):
    answer = raw_request(f"{fake.url}/v1/sites/111/surveys", headers=bearer(fake))

    assert (answer.status, answer.body["message"]) == (404, "Site not found")


def test_an_unknown_survey_is_404(fake):
    answer = raw_request(f"{surveys_url(fake)}/999/responses", headers=bearer(fake))

    assert (answer.status, answer.body["message"]) == (404, "Survey not found")


def test_survey_endpoints_only_take_get(fake):
    answer = raw_request(surveys_url(fake), method="POST", data=b"{}", headers=bearer(fake))

    assert answer.status == 405


# --- plans ------------------------------------------------------------------------------------


@pytest.mark.parametrize("plan", ["observe_scale", "none"])
def test_survey_endpoints_need_ask_scale(plan):
    with FakeHotjar(plan=plan) as fake:
        answer = raw_request(surveys_url(fake), headers=bearer(fake))

        assert fake.plan == plan
        assert answer.status == 403
        assert answer.body["error"] == "forbidden"


def test_the_plan_can_change_while_serving(fake):
    auth = bearer(fake)
    fake.plan = "none"
    assert raw_request(surveys_url(fake), headers=auth).status == 403
    fake.plan = "ask_scale"
    assert raw_request(surveys_url(fake), headers=auth).status == 200


def test_an_unknown_plan_is_refused(fake):
    with pytest.raises(hj.ConfigurationError, match="plan"):
        fake.plan = "enterprise"
    with pytest.raises(hj.ConfigurationError, match="plan"):
        FakeHotjar(plan="gold")


# --- injected failures, the log and the counters ----------------------------------------------


def test_fail_next_answers_the_next_requests_then_stops(fake):
    fake.fail_next(2, status=502, retry_after=7)
    auth = bearer(fake)  # the token endpoint is not "api": not affected

    first = raw_request(surveys_url(fake), headers=auth)
    second = raw_request(surveys_url(fake), headers=auth)
    third = raw_request(surveys_url(fake), headers=auth)

    assert (first.status, second.status, third.status) == (502, 502, 200)
    assert first.headers["retry-after"] == "7"
    assert first.body == {"error": "injected_failure", "message": "Injected failure from the fake"}


def test_fail_next_with_a_body_sends_it_as_is(fake):
    fake.fail_next(status=200, body="{")

    answer = raw_request(surveys_url(fake), headers=bearer(fake))

    assert (answer.status, answer.body) == (200, "{")


def test_fail_next_after_lets_requests_through_first(fake):
    fake.fail_next(status=503, after=2)
    auth = bearer(fake)

    codes = [raw_request(surveys_url(fake), headers=auth).status for _ in range(4)]

    assert codes == [200, 200, 503, 200]
    assert fake.stats()["faults_injected"] == 1


def test_fail_next_sends_bytes_and_a_location(fake):
    fake.fail_next(status=200, body=b"\xff\xfe{")
    fake.fail_next(status=302, location="http://127.0.0.1:9/elsewhere")
    auth = bearer(fake)

    raw = urllib.request.urlopen(
        urllib.request.Request(surveys_url(fake), headers=auth), timeout=10
    ).read()
    assert raw == b"\xff\xfe{"
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(urllib.request.Request(surveys_url(fake), headers=auth), timeout=10)
    assert caught.value.code == 302
    assert caught.value.headers["location"] == "http://127.0.0.1:9/elsewhere"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def first_pages(fake, survey_id, auth, count):
    """Follows next_cursor for ``count`` pages of raw JSON."""
    pages, cursor = [], None
    for _ in range(count):
        query = "?limit=100" + (f"&cursor={cursor}" if cursor else "")
        page = raw_request(responses_url(fake, survey_id, query), headers=auth)
        pages.append(page)
        cursor = page.body["next_cursor"]
    return pages


def test_inject_fault_damages_the_real_page(fake, survey_id):
    auth = bearer(fake)
    url = responses_url(fake, survey_id, "?limit=100")
    whole = urllib.request.urlopen(urllib.request.Request(url, headers=auth), timeout=10).read()

    fake.inject_fault("truncate")
    cut = urllib.request.urlopen(urllib.request.Request(url, headers=auth), timeout=10).read()
    assert cut == whole[: len(whole) // 2]

    fake.inject_fault("garble")
    garbled = urllib.request.urlopen(urllib.request.Request(url, headers=auth), timeout=10).read()
    assert len(garbled) > len(whole)
    assert garbled.startswith(cut)
    with pytest.raises(ValueError):
        json.loads(garbled)

    fake.inject_fault("reset")
    with pytest.raises(http.client.IncompleteRead) as caught:
        urllib.request.urlopen(urllib.request.Request(url, headers=auth), timeout=10).read()
    assert caught.value.partial == whole[: len(whole) // 2]
    assert fake.stats()["faults_injected"] == 3


def test_inject_fault_repeat_cursor_points_a_page_back_at_itself(fake, survey_id):
    auth = bearer(fake)
    fake.inject_fault("repeat_cursor", after=1)

    first, second = first_pages(fake, survey_id, auth, 2)

    assert second.body["next_cursor"] == first.body["next_cursor"]


def test_inject_fault_revokes_or_expires_as_the_request_arrives(fake):
    auth = bearer(fake)
    fake.inject_fault("expire_tokens", after=1)
    assert [raw_request(surveys_url(fake), headers=auth).status for _ in range(2)] == [200, 401]

    auth = bearer(fake)
    fake.inject_fault("revoke")
    assert raw_request(surveys_url(fake), headers=auth).status == 401
    assert form_token(fake).status == 401
    fake.restore_credentials()
    assert raw_request(surveys_url(fake), headers=bearer(fake)).status == 200


def test_inject_fault_refuses_nonsense(fake):
    with pytest.raises(hj.ConfigurationError, match="fault must be"):
        fake.inject_fault("meteor")
    with pytest.raises(hj.ConfigurationError, match="delay"):
        fake.inject_fault("slow")
    with pytest.raises(hj.ConfigurationError, match="delay"):
        fake.inject_fault("reset", delay=1.0)
    with pytest.raises(hj.ConfigurationError, match="endpoint"):
        fake.inject_fault("reset", endpoint="db")
    assert fake.request_log() == []


def test_fail_next_refuses_nonsense(fake):
    with pytest.raises(hj.ConfigurationError, match="status"):
        fake.fail_next(status=99)
    with pytest.raises(hj.ConfigurationError, match="endpoint"):
        fake.fail_next(endpoint="database")


def test_the_request_log_records_each_request_without_secrets(fake, client, survey_id):
    client.get_survey(survey_id)

    log = fake.request_log()
    assert [(r["method"], r["path"], r["query"], r["status"]) for r in log] == [
        ("POST", "/v1/oauth/token", "", 200),
        ("GET", f"/v1/sites/987654/surveys/{survey_id}", "", 200),
    ]
    assert 0 <= log[0]["at"] <= log[1]["at"]
    assert fake.client_secret not in repr(log)

    fake.clear_request_log()
    assert fake.request_log() == []


def test_stats_count_requests_tokens_and_429s():
    with FakeHotjar(rate_limit=3) as fake:
        auth = bearer(fake)
        codes = [raw_request(surveys_url(fake), headers=auth).status for _ in range(4)]

        assert codes == [200, 200, 429, 429]
        assert fake.stats() == {
            "requests": 5,
            "rate_limited": 2,
            "tokens_issued": 1,
            "busiest_minute": 3,
            "busiest_second": 5,  # every arrival counts, the refused ones too
            "faults_injected": 0,
        }


def test_set_rate_limit_changes_the_limit_and_resets_the_window():
    with FakeHotjar(rate_limit=1) as fake:
        assert form_token(fake).status == 200
        assert form_token(fake).status == 429

        fake.set_rate_limit(2, retry_after=False)
        assert form_token(fake).status == 200
        assert form_token(fake).status == 200
        refused = form_token(fake)
        assert refused.status == 429
        assert "retry-after" not in {k.lower() for k in refused.headers}

        fake.set_rate_limit(None)
        assert [form_token(fake).status for _ in range(5)] == [200] * 5


def test_rate_window_sets_the_window_the_limit_counts_in():
    with FakeHotjar(rate_limit=2, rate_window=30.0) as fake:
        assert [form_token(fake).status for _ in range(2)] == [200, 200]
        refused = form_token(fake)

        assert refused.status == 429
        # Room comes back when the oldest request leaves the 30 s window, not a 60 s one.
        retry_after = {k.lower(): v for k, v in refused.headers.items()}["retry-after"]
        assert 1 <= int(retry_after) <= 30
    with pytest.raises(hj.ConfigurationError, match="rate_window"):
        FakeHotjar(rate_window=0)


def test_a_held_request_waits_until_released(fake, survey_id):
    fake.inject_fault("hold", after=1)  # the first page goes through, the second waits
    fetched: list[list[dict]] = []
    with fake.client() as client:
        export = threading.Thread(target=lambda: fetched.append(client.responses(survey_id)))
        export.start()
        try:
            fake.wait_held()
            assert fetched == []
            assert len(page_requests(fake, survey_id)) == 1
        finally:
            fake.release_held()
            export.join(timeout=60)

    assert fetched == [fake.responses(survey_id)]
    assert fake.stats()["faults_injected"] == 1
    with pytest.raises(TimeoutError, match="fewer than 2"):
        fake.wait_held(2, timeout=0.05)  # one request was held in all, not two


def test_latency_can_be_read_and_changed(fake):
    assert fake.latency == 0.0
    fake.latency = 0.25
    assert fake.latency == 0.25
    with pytest.raises(hj.ConfigurationError, match="latency"):
        fake.latency = -1


def test_a_closed_fake_refuses_to_serve_and_says_so(fake):
    url = fake.url
    fake.close()
    fake.close()  # twice is fine

    assert repr(fake).endswith(" closed>")
    with pytest.raises(hj.ClientClosedError, match="FakeHotjar is closed"):
        fake.responses(1234560)
    with pytest.raises(OSError):
        raw_request(url + TOKEN_PATH)


def test_the_rate_limit_scope_is_ip_or_key():
    with FakeHotjar(rate_limit=1, rate_limit_scope="key") as fake:
        assert [form_token(fake).status for _ in range(2)] == [200, 429]
    with pytest.raises(hj.ConfigurationError, match="rate_limit_scope"):
        FakeHotjar(rate_limit_scope="user")


def test_the_fake_only_listens_on_loopback():
    with pytest.raises(hj.ConfigurationError, match="loopback"):
        FakeHotjar(host="0.0.0.0")


def test_the_fake_can_use_other_ids():
    with FakeHotjar(site_id=42, organization_id="77") as fake, fake.client() as client:
        assert (fake.site_id, fake.organization_id) == ("42", "77")
        assert client.list_surveys()[0]["url"] == "/v1/sites/42/surveys/1234560"


def test_the_fake_knows_only_its_own_surveys(fake):
    with pytest.raises(hj.ConfigurationError, match="no survey 999"):
        fake.responses(999)


def test_fake_client_passes_keyword_arguments_on(fake):
    with fake.client(site_id=5, max_retries=0) as client:
        assert (client.site_id, client.organization_id, client.base_url) == (
            "5",
            "445566",
            fake.url,
        )


# --- the data ---------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    with FakeHotjar(seed=7) as a, FakeHotjar(seed=7) as b, FakeHotjar(seed=8) as c:
        survey_id = a.survey_ids[0]

        assert a.responses(survey_id) == b.responses(survey_id)
        assert a.surveys() == b.surveys()
        assert a.client_secret == b.client_secret
        assert a.responses(survey_id) != c.responses(survey_id)
        assert a.client_secret != c.client_secret


def test_what_a_client_fetches_from_one_fake_matches_the_truth_of_its_twin():
    with FakeHotjar(seed=3) as served, FakeHotjar(seed=3) as twin, served.client() as client:
        survey_id = served.survey_ids[1]
        assert client.responses(survey_id) == twin.responses(survey_id)


def test_responses_are_newest_first_with_unique_ids(fake):
    for survey_id in fake.survey_ids:
        rows = fake.responses(survey_id)
        times = [created(r) for r in rows]
        assert times == sorted(times, reverse=True)
        assert len(set(times)) == len(times)
        assert len({r["id"] for r in rows}) == len(rows)


def test_one_survey_is_empty_by_default(fake):
    assert [len(fake.responses(s)) for s in fake.survey_ids] == [1234, 250, 0, 100, 37]


def test_sentiment_is_only_set_on_free_text_answers_of_surveys_with_analysis(fake):
    sentiments = Counter()
    for survey in fake.surveys():
        kinds = {q["id"]: q["type"] for q in survey["questions"]}
        for response in fake.responses(survey["id"]):
            for answer in response["answers"]:
                kind = kinds[answer["question_id"]]
                if answer["sentiment"] is not None:
                    assert survey["sentiment_analysis_enabled"], survey["id"]
                    assert kind in {"long-text", "short-text"}, kind
                sentiments[answer["sentiment"]] += 1

    assert set(sentiments) == {"positive", "negative", "neutral", None}


def test_the_data_has_incomplete_responses_null_answers_and_unicode(fake, survey_id):
    rows = fake.responses(survey_id)
    answers = [a for r in rows for a in r["answers"]]

    assert 0 < sum(not r["is_complete"] for r in rows) < len(rows)
    assert any(a["answer"] is None for a in answers)
    assert any(a["answer"] and not a["answer"].isascii() for a in answers)
    assert any(a["answer"] and "\n" in a["answer"] for a in answers)
    assert any(r["recording_url"] is None for r in rows)
    assert any(r["user_attributes"] == [] for r in rows)
    assert {r["device"] for r in rows} == {"desktop", "mobile", "tablet"}
