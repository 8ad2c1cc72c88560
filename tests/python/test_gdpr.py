"""GDPR: user lookup and deletion, single and bulk, the audit report, and the fake's model."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import pickle
import signal
import sys
import threading
import time

import hotjar_client as hj
import pytest
from helpers import FAST_BACKOFF, api_requests, bearer, raw_request
from hotjar_client.gdpr import COLUMNS, LookupReport, LookupRow, mask_subject
from hotjar_client.testing import FakeHotjar

LOOKUP = "/v1/organizations/{}/user-lookup"


def lookup_requests(fake) -> list[dict]:
    path = LOOKUP.format(fake.organization_id)
    return [r for r in fake.request_log() if r["path"] == path]


def linked_by_email(response: dict, email: str) -> bool:
    """Whether a response carries the address (an email answer or the email attribute)."""
    answers = [a["answer"] for a in response["answers"]]
    attributes = [a["value"] for a in response["user_attributes"] if a["name"] == "email"]
    return email in answers or email in attributes


def linked_by_user_id(response: dict, user_id: str) -> bool:
    return any(
        a["name"] == "user_id" and a["value"] == user_id for a in response["user_attributes"]
    )


def every_response(client, fake) -> list[dict]:
    return [r for survey in fake.survey_ids for r in client.responses(survey)]


@pytest.fixture
def subject(fake) -> dict:
    """The fake's visitor with the most responses."""
    return fake.subjects()[0]


# --- single lookup and deletion ---------------------------------------------------------------


def test_user_lookup_asks_for_a_report_and_records_it_masked(fake, client, subject):
    result = client.user_lookup(email=subject["email"])

    assert set(result) == {"action", "email", "user_ids", "organization_id", "http_status", "at"}
    assert result["action"] == "lookup"
    assert result["email"] == "v***@example.com"
    assert result["user_ids"] is None
    assert result["organization_id"] == fake.organization_id
    assert result["http_status"] == 200
    assert result["at"].endswith("Z") and len(result["at"]) == len("2026-06-30T12:00:00.000Z")
    assert fake.lookups(reveal=True) == [
        {
            "action": "lookup",
            "organization_id": fake.organization_id,
            "email": subject["email"],
            "user_ids": None,
            "status": 200,
            "at": fake.lookups()[0]["at"],
        }
    ]
    # A lookup deletes nothing.
    assert fake.lookups(action="delete") == []
    assert fake.subjects()[0] == subject


def test_the_fake_records_the_time_as_user_lookup_gives_it(fake, client, subject):
    # Not seconds since the fake started: the same ISO 8601 UTC time the result shows.
    from datetime import datetime

    result = client.user_lookup(email=subject["email"])
    recorded = fake.lookups()[0]["at"]
    assert isinstance(recorded, str)
    assert len(recorded) == len(result["at"]) and recorded.endswith("Z")
    gap = datetime.fromisoformat(result["at"]) - datetime.fromisoformat(recorded)
    assert 0 <= gap.total_seconds() < 5


def test_delete_without_confirm_sends_nothing_and_says_what_it_would_delete(fake, client, subject):
    with pytest.raises(hj.ConfirmationRequiredError) as caught:
        client.delete_user_data(email=subject["email"])

    assert fake.request_log() == []  # not even a token request
    assert fake.lookups() == []
    error = caught.value
    assert isinstance(error, hj.ConfigurationError) and isinstance(error, ValueError)
    message = str(error)
    assert "v***@example.com" in message
    assert fake.organization_id in message
    assert "confirm=True" in message
    assert subject["email"] not in message


@pytest.mark.parametrize("confirm", ["yes", 1, None])
def test_confirm_must_be_a_real_bool(fake, client, subject, confirm):
    with pytest.raises(TypeError):
        client.delete_user_data(email=subject["email"], confirm=confirm)
    assert fake.request_log() == []


@pytest.mark.id_styles
def test_delete_by_email_removes_exactly_the_subjects_responses_from_later_exports(
    fake, client, subject
):
    before = every_response(client, fake)
    linked = [r for r in before if linked_by_email(r, subject["email"])]
    assert len(linked) == subject["responses_by_email"] > 0

    result = client.delete_user_data(email=subject["email"], confirm=True)

    assert result["action"] == "delete" and result["http_status"] == 200
    assert result["email"] == "v***@example.com"
    after = every_response(client, fake)
    assert after == [r for r in before if not linked_by_email(r, subject["email"])]
    assert after == [r for survey in fake.survey_ids for r in fake.responses(survey)]
    deletions = fake.lookups(action="delete", reveal=True)
    assert [(d["email"], d["user_ids"]) for d in deletions] == [(subject["email"], None)]
    same = [s for s in fake.subjects() if s["email"] == subject["email"]]
    assert all(s["responses_by_email"] == 0 for s in same)


@pytest.mark.id_styles
def test_delete_by_user_id_removes_only_responses_with_that_user_id(fake, client, subject):
    (site, user_id), = subject["user_ids"].items()
    before = every_response(client, fake)

    result = client.delete_user_data(user_ids={int(site): user_id}, confirm=True)

    assert result["user_ids"] == {site: "c***"} and result["email"] is None
    after = every_response(client, fake)
    assert after == [r for r in before if not linked_by_user_id(r, user_id)]
    assert len(before) - len(after) == subject["responses_by_user_id"]
    # The email answers of responses without user attributes are still there.
    remaining = [r for r in after if linked_by_email(r, subject["email"])]
    assert len(remaining) == subject["responses_by_email"] - subject["responses_by_user_id"]


def test_delete_by_both_identifiers_removes_every_linked_response(fake, client, subject):
    before = every_response(client, fake)
    client.delete_user_data(email=subject["email"], user_ids=subject["user_ids"], confirm=True)
    after = every_response(client, fake)
    assert len(before) - len(after) == subject["responses"]
    (record,) = fake.lookups(reveal=True)
    assert record["email"] == subject["email"]
    assert record["user_ids"] == subject["user_ids"]


def test_other_subjects_and_other_fakes_keep_their_responses(fake, client):
    first, second = fake.subjects(limit=2)
    client.delete_user_data(email=first["email"], confirm=True)
    survivors = fake.subjects()
    assert any(s["email"] == second["email"] and s["responses"] == second["responses"]
               for s in survivors)
    with FakeHotjar() as other:
        assert other.subjects()[0] == first


def test_user_ids_accept_int_user_ids_and_sites(fake, client):
    result = client.user_lookup(user_ids={987654: 12345, "12": "u-9"})
    assert result["user_ids"] == {"12": "***", "987654": "1***"}
    (record,) = fake.lookups(reveal=True)
    assert record["user_ids"] == {"12": "u-9", "987654": "12345"}


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({}, hj.ConfigurationError, "email address or user ids"),
        ({"email": None, "user_ids": {}}, hj.ConfigurationError, "email address or user ids"),
        ({"email": "jane.doe@example"}, hj.ConfigurationError, "j***@example"),
        ({"email": "jane.doe@@example.com"}, hj.ConfigurationError, "more than one @"),
        ({"email": "  "}, hj.ConfigurationError, "empty"),
        ({"email": "j***@example.com"}, hj.ConfigurationError, "looks masked"),
        ({"email": 42}, TypeError, "email must be a str"),
        ({"user_ids": ["cust_1"]}, TypeError, "user_ids must be a dict"),
        ({"user_ids": {"abc": "cust_1"}}, hj.ConfigurationError, "site_id"),
        ({"user_ids": {"jane.doe@example.com": "x"}}, hj.ConfigurationError, "email address"),
        ({"user_ids": {987654: "  "}}, hj.ConfigurationError, "empty"),
        ({"user_ids": {987654: True}}, TypeError, "not bool"),
        ({"user_ids": {987654: 1.5}}, TypeError, "str or an int"),
    ],
)
def test_bad_subjects_fail_before_anything_is_sent(fake, client, kwargs, error, fragment):
    for call in (client.user_lookup, client.delete_user_data):
        with pytest.raises(error) as caught:
            call(**kwargs)
        assert fragment in str(caught.value)
        assert "jane.doe" not in str(caught.value)
    assert fake.request_log() == []


def test_a_missing_organization_id_explains_it_is_not_the_site_id(fake, subject):
    with hj.Client(fake.client_id, fake.client_secret, base_url=fake.url) as client:
        for call in (
            lambda: client.user_lookup(email=subject["email"]),
            lambda: client.delete_user_data(email=subject["email"], confirm=True),
            lambda: client.lookup_many([subject["email"]]),
        ):
            with pytest.raises(hj.ConfigurationError) as caught:
                call()
            message = str(caught.value)
            assert "organization_id" in message
            assert "not the Site ID" in message
            assert "Sites & Organizations" in message
            assert "HOTJAR_ORGANIZATION_ID" in message
        # Given per call, it works.
        result = client.user_lookup(email=subject["email"], organization_id=fake.organization_id)
        assert result["organization_id"] == fake.organization_id
    assert len(lookup_requests(fake)) == 1


def test_an_unknown_organization_is_not_found_with_advice(fake, client, subject):
    with pytest.raises(hj.NotFoundError) as caught:
        client.delete_user_data(email=subject["email"], organization_id=1, confirm=True)
    assert caught.value.status == 404
    assert "Organization 1 was not found" in str(caught.value)
    assert "not the Site ID" in str(caught.value)
    assert fake.lookups() == []


@pytest.mark.parametrize("plan", ["none"])
def test_without_observe_or_ask_scale_lookups_are_forbidden(fake, client, subject, plan):
    fake.plan = plan
    for call in (
        lambda: client.user_lookup(email=subject["email"]),
        lambda: client.delete_user_data(email=subject["email"], confirm=True),
    ):
        with pytest.raises(hj.PermissionDeniedError) as caught:
            call()
        assert caught.value.status == 403
        assert "Observe Scale or Ask Scale" in str(caught.value)
        assert fake.organization_id in str(caught.value)
    assert fake.lookups() == []
    assert [r["status"] for r in lookup_requests(fake)] == [403, 403]  # 403 is not retried


def test_observe_scale_may_look_up_but_not_export(fake, client, subject):
    fake.plan = "observe_scale"
    assert client.user_lookup(email=subject["email"])["http_status"] == 200
    with pytest.raises(hj.PermissionDeniedError):
        client.list_surveys()


@pytest.mark.parametrize("status", [201, 202, 204])
def test_any_2xx_is_success(fake, client, subject, status):
    fake.lookup_status = status
    assert client.user_lookup(email=subject["email"])["http_status"] == status
    assert client.delete_user_data(email=subject["email"], confirm=True)["http_status"] == status


# --- retries: a deletion is idempotent, a lookup emails the subject ----------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_deletion_is_retried_like_a_get(fake, subject, status):
    with fake.client(retry_backoff=FAST_BACKOFF, max_retries=3) as client:
        fake.fail_next(1, status=status)
        assert client.delete_user_data(email=subject["email"], confirm=True)["http_status"] == 200
    assert [r["status"] for r in lookup_requests(fake)] == [status, 200]
    assert len(fake.lookups(action="delete")) == 1


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_lookup_is_not_resent_when_hotjar_may_have_acted_on_it(fake, subject, status):
    with fake.client(retry_backoff=FAST_BACKOFF, max_retries=3) as client:
        fake.fail_next(1, status=status)
        with pytest.raises(hj.ServerError) as caught:
            client.user_lookup(email=subject["email"])
    assert [r["status"] for r in lookup_requests(fake)] == [status]
    assert "not sent again automatically" in str(caught.value)
    assert "second report" in str(caught.value)


@pytest.mark.parametrize("status", [429, 503])
def test_a_lookup_is_resent_when_hotjar_certainly_refused_it(fake, subject, status):
    with fake.client(retry_backoff=FAST_BACKOFF, max_retries=3) as client:
        fake.fail_next(1, status=status, retry_after=0)
        assert client.user_lookup(email=subject["email"])["http_status"] == 200
    assert [r["status"] for r in lookup_requests(fake)] == [status, 200]
    assert len(fake.lookups(action="lookup")) == 1


def test_a_timed_out_lookup_is_not_resent_but_a_timed_out_deletion_is(fake, subject):
    with fake.client(timeout=0.2, retry_backoff=FAST_BACKOFF, max_retries=2) as client:
        client.test_connection()  # the token, before the fake turns slow
        fake.latency = 0.6
        with pytest.raises(hj.TransportError) as caught:
            client.user_lookup(email=subject["email"])
        assert client.stats()["retries"] == 0
        assert "not sent again automatically" in str(caught.value)
        with pytest.raises(hj.TransportError):
            client.delete_user_data(email=subject["email"], confirm=True)
        assert client.stats()["retries"] == 2


def test_an_expired_token_is_renewed_for_a_lookup(fake, client, subject):
    client.test_connection()
    fake.expire_tokens()
    assert client.user_lookup(email=subject["email"])["http_status"] == 200
    assert [r["status"] for r in lookup_requests(fake)] == [401, 200]


def test_a_server_message_that_echoes_the_subject_is_masked(fake, client, subject):
    body = json.dumps(
        {"error": "invalid", "message": f"No data for {subject['email'].upper()} / cust_x"}
    )
    fake.fail_next(1, status=400, body=body)
    with pytest.raises(hj.BadRequestError) as caught:
        client.user_lookup(email=subject["email"], user_ids={987654: "cust_x"})
    message = str(caught.value)
    assert subject["email"].upper() not in message and "cust_x" not in message
    assert "No data for v***@example.com / c***" in message
    assert "check the email address" in message


# --- bulk ---------------------------------------------------------------------------------------


def test_lookup_many_reports_every_subject_in_order_through_mixed_failures(fake, subject):
    subjects = fake.subjects(limit=4)
    with fake.client(retry_backoff=FAST_BACKOFF, max_retries=0) as client:
        fake.fail_next(1, status=500)  # hits the first request sent
        report = client.lookup_many(
            [
                subjects[0]["email"],
                "not-an-email",
                {"user_ids": subjects[1]["user_ids"]},
                {"email": None},
                {"email": subjects[2]["email"], "user_ids": subjects[2]["user_ids"]},
                subjects[3]["email"],
            ],
            concurrency=1,
        )

    assert isinstance(report, LookupReport) and len(report) == 6
    assert [row["index"] for row in report] == [0, 1, 2, 3, 4, 5]
    assert [row["status"] for row in report] == ["failed", "failed", "ok", "failed", "ok", "ok"]
    assert [row["error_type"] for row in report] == [
        "ServerError", "ConfigurationError", None, "ConfigurationError", None, None,
    ]
    assert [row["http_status"] for row in report] == [500, None, 200, None, 200, 200]
    assert all(list(row) == list(COLUMNS) for row in report)
    assert {row["action"] for row in report} == {"lookup"}
    assert {row["organization_id"] for row in report} == {fake.organization_id}
    assert report[1]["email"] == "n***"
    assert report[2]["user_ids"] == {"987654": "c***"} and report[2]["email"] is None
    assert "no @" in report[1]["error"]
    # Invalid subjects were never sent: 4 requests for 4 valid subjects.
    assert len(lookup_requests(fake)) == 4
    assert len(fake.lookups()) == 3
    assert report.counts() == {"ok": 3, "failed": 3}
    assert not report.all_ok


def test_rerunning_a_report_retries_only_the_failed_rows(fake, client):
    emails = [s["email"] for s in fake.subjects(limit=5)]
    fake.fail_next(2, status=500)  # a lookup is not resent: two rows fail
    first = client.lookup_many([*emails, "broken@"], concurrency=1)
    assert first.counts() == {"ok": 3, "failed": 3}
    sent = len(lookup_requests(fake))

    second = client.lookup_many(first)

    # Only the two rows that failed on the server were sent again; the invalid one fails again
    # without a request, and the rows that were ok are carried over as they were.
    assert len(lookup_requests(fake)) == sent + 2
    assert [row["status"] for row in second] == ["ok"] * 5 + ["failed"]
    assert [row["index"] for row in second] == list(range(6))
    for before, after in zip(first, second, strict=True):
        if before.ok:
            assert after is before
    assert [r["email"] for r in fake.lookups(reveal=True)].count(emails[0]) == 1
    # Feeding only the failed rows gives only those rows.
    third = client.lookup_many(second.failed)
    assert [row["index"] for row in third] == [5]
    assert len(lookup_requests(fake)) == sent + 2


def test_a_lookup_report_fed_into_a_deletion_deletes_every_subject(fake, client):
    emails = [s["email"] for s in fake.subjects(limit=3)]
    lookups = client.lookup_many(emails)
    assert lookups.all_ok
    deletions = client.lookup_many(lookups, delete=True, confirm=True)
    assert deletions.all_ok and {row["action"] for row in deletions} == {"delete"}
    deleted = [r["email"] for r in fake.lookups(action="delete", reveal=True)]
    assert sorted(deleted) == sorted(emails)  # in any order: 4 requests at a time


def test_bulk_deletion_without_confirm_sends_nothing(fake, client):
    subjects = fake.subjects(limit=5)
    with pytest.raises(hj.ConfirmationRequiredError) as caught:
        client.lookup_many([s["email"] for s in subjects], delete=True)
    assert fake.request_log() == []
    message = str(caught.value)
    assert "5 data subjects" in message and "and 2 more" in message
    assert "v***@example.com" in message and fake.organization_id in message
    assert all(s["email"] not in message for s in subjects)


@pytest.mark.id_styles
def test_bulk_deletion_removes_the_subjects_from_later_exports(fake, client):
    subjects = fake.subjects(limit=3)
    before = every_response(client, fake)
    report = client.lookup_many(
        [{"email": s["email"], "user_ids": s["user_ids"]} for s in subjects],
        delete=True,
        confirm=True,
    )
    assert report.all_ok
    after = every_response(client, fake)
    assert len(before) - len(after) == sum(s["responses"] for s in subjects)
    left = {s["email"] for s in fake.subjects()}
    assert not left & {s["email"] for s in subjects}


@pytest.mark.parametrize(
    ("subjects", "error", "fragment"),
    [
        ("jane@example.com", TypeError, "not a single str"),
        ({"email": "jane@example.com"}, TypeError, "not a single dict"),
        (42, TypeError, "iterable"),
        (["jane@example.com", 42], TypeError, "subject #1"),
        ([{"mail": "jane@example.com"}], hj.ConfigurationError, "'mail'"),
        ([{"jane@example.com": 1}], hj.ConfigurationError, "an email address"),
        ([{"email": 42}], TypeError, "email must be a str"),
        ([{"user_ids": [1]}], TypeError, "user_ids must be a dict"),
        ([{"user_ids": {1: 1.5}}], TypeError, "subject #0"),
    ],
)
def test_wrong_shapes_raise_before_any_request(fake, client, subjects, error, fragment):
    with pytest.raises(error) as caught:
        client.lookup_many(subjects, delete=True, confirm=True)
    assert fragment in str(caught.value)
    assert "jane@example.com" not in str(caught.value)
    assert fake.request_log() == []


def test_a_path_is_refused_with_a_pointer_to_from_csv(fake, client, tmp_path):
    with pytest.raises(TypeError, match="from_csv"):
        client.lookup_many(tmp_path / "report.csv")


def test_empty_input_gives_an_empty_report(fake, client):
    report = client.lookup_many([])
    assert report == [] and report.counts() == {"ok": 0, "failed": 0}
    assert fake.request_log() == []


def test_pandas_missing_values_count_as_absent(fake, client, subject):
    report = client.lookup_many([{"email": float("nan"), "user_ids": subject["user_ids"]}])
    assert report.all_ok


def test_a_refused_plan_stops_the_run_and_marks_the_rest_unsent(fake, client):
    fake.plan = "none"
    emails = [s["email"] for s in fake.subjects(limit=20)]
    report = client.lookup_many(emails, concurrency=2)
    assert len(report) == 20 and report.counts() == {"ok": 0, "failed": 20}
    assert {row["error_type"] for row in report} == {"PermissionDeniedError"}
    # At most one request per worker got through before the run stopped.
    assert 1 <= len(lookup_requests(fake)) <= 2
    unsent = [row for row in report if row["http_status"] is None]
    assert len(unsent) >= 18
    assert all(row["error"].startswith("Not sent") for row in unsent)
    assert all("Observe Scale or Ask Scale" in row["error"] for row in report)


def test_concurrency_is_checked(fake, client):
    for bad in (0, 33, -1):
        with pytest.raises(hj.ConfigurationError, match="concurrency"):
            client.lookup_many(["a@example.com"], concurrency=bad)
    assert fake.request_log() == []


def test_many_subjects_share_one_token_and_all_get_through(fake, client):
    emails = [s["email"] for s in fake.subjects(limit=60)]
    report = client.lookup_many(emails, concurrency=8)
    assert report.all_ok and len(report) == 60
    stats = client.stats()
    assert stats["token_requests"] == 1 and stats["retries"] == 0
    assert sorted(r["email"] for r in fake.lookups(reveal=True)) == sorted(emails)


@pytest.mark.skipif(sys.platform == "win32", reason="raise_signal(SIGINT) in a thread")
def test_ctrl_c_stops_the_run_and_keeps_the_rows_done():
    with FakeHotjar(latency=0.2) as fake, fake.client() as client:
        emails = [s["email"] for s in fake.subjects(limit=30)]

        def interrupt_after_two():
            deadline = time.monotonic() + 20
            while len(fake.lookups()) < 2 and time.monotonic() < deadline:
                time.sleep(0.005)
            signal.raise_signal(signal.SIGINT)

        sender = threading.Thread(target=interrupt_after_two)
        sender.start()
        try:
            with pytest.raises(KeyboardInterrupt) as caught:
                client.lookup_many(emails, concurrency=1)
        finally:
            sender.join(timeout=20)

        report = caught.value.report
        assert isinstance(report, LookupReport) and len(report) == 30
        done = report.ok
        assert len(done) >= 2 and len(report.failed) >= 20
        assert {row["error_type"] for row in report.failed} == {"KeyboardInterrupt"}
        assert all("interrupted" in row["error"] for row in report.failed)
        # The row whose request was under way says Hotjar may have it; the others, not sent.
        under_way = [r for r in report.failed if "under way" in r["error"]]
        assert len(under_way) <= 1
        assert all(r["error"].startswith("Not sent") for r in report.failed if r not in under_way)
        accepted = len(fake.lookups())
        # Every row reported ok was accepted; at most the one in flight was accepted unseen.
        assert len(done) <= accepted <= len(done) + 1
        # The rest goes through on a re-run.
        fake.latency = 0
        rest = client.lookup_many(report)
        assert rest.all_ok
        assert len(fake.lookups()) == accepted + len(report.failed)


# --- the report --------------------------------------------------------------------------------


@pytest.fixture
def report(fake, client) -> LookupReport:
    subjects = fake.subjects(limit=2)
    return client.lookup_many(
        [
            subjects[0]["email"],
            {"email": subjects[1]["email"], "user_ids": subjects[1]["user_ids"]},
            "nobody@nowhere",
        ]
    )


def test_reprs_strs_and_dicts_never_show_a_subject_in_full(fake, report):
    full = [s["email"] for s in fake.subjects(limit=2)] + ["nobody@nowhere", "cust_"]
    shown = [repr(report), str(report), repr(list(report)), repr(report.failed)]
    shown += [repr(row) for row in report] + [str(dict(row)) for row in report]
    shown += [repr(fake), repr(fake.lookups()), report.to_pandas().to_string()]
    for text in shown:
        for value in full:
            assert value not in text, text
    assert repr(report) == (
        f"<LookupReport action='lookup' organization_id='{fake.organization_id}' rows=3 ok=2 "
        "failed=1>"
    )
    assert "#2 n***@nowhere: ConfigurationError" in str(report)


def test_rows_keep_the_subject_aside_for_rerunning(fake, report):
    first = fake.subjects(limit=2)[1]
    assert report[1].subject == {"email": first["email"], "user_ids": first["user_ids"]}
    assert report[2].subject == {"email": "nobody@nowhere", "user_ids": None}
    row = report[1]
    for clone in (copy.copy(row), copy.deepcopy(row), pickle.loads(pickle.dumps(row))):
        assert isinstance(clone, LookupRow)
        assert clone == report[1] and clone.subject == report[1].subject


def test_to_csv_writes_the_full_subjects_privately_and_from_csv_reads_them_back(
    fake, client, report, tmp_path
):
    path = report.to_csv(tmp_path / "audit.csv")
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(COLUMNS)
    second = fake.subjects(limit=2)[1]
    assert second["email"] in text and json.dumps(second["user_ids"]).replace('"', '""') in text

    loaded = LookupReport.from_csv(path)
    assert loaded == report  # same masked values
    assert [row.subject for row in loaded] == [row.subject for row in report]
    assert (loaded.action, loaded.organization_id) == ("lookup", fake.organization_id)

    sent = len(lookup_requests(fake))
    rerun = client.lookup_many(loaded)
    assert len(lookup_requests(fake)) == sent  # only the invalid row failed: nothing to send
    assert [row["status"] for row in rerun] == ["ok", "ok", "failed"]


def test_from_csv_refuses_other_files(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("email\njane@example.com\n", encoding="utf-8")
    with pytest.raises(hj.ConfigurationError, match="lacks the column"):
        LookupReport.from_csv(path)
    path.write_text(",".join(COLUMNS) + "\n0,,,lookup,1,maybe,,,,\n", encoding="utf-8")
    with pytest.raises(hj.ConfigurationError, match="status must be"):
        LookupReport.from_csv(path)


def test_to_pandas_has_the_masked_columns(fake, report):
    pandas = pytest.importorskip("pandas")
    frame = report.to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 3
    assert list(frame["status"]) == ["ok", "ok", "failed"]
    assert frame["email"][0] == "v***@example.com"


def test_to_pandas_without_pandas_names_the_extra(report, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"hotjar-client\[pandas\]"):
        report.to_pandas()


def test_report_selections_keep_their_context(report):
    assert len(report.ok) == 2 and len(report.failed) == 1
    assert report.failed.action == "lookup"
    assert report.failed.organization_id == report.organization_id
    with pytest.raises(TypeError):
        LookupReport([{"status": "ok"}])


def test_mask_subject_matches_what_the_client_shows():
    assert mask_subject("jane@example.com", {"987654": "cust_1"}) == {
        "email": "j***@example.com",
        "user_ids": {"987654": "c***"},
    }
    assert mask_subject() == {"email": None, "user_ids": None}


# --- the fake's endpoint, raw --------------------------------------------------------------------


def raw_lookup(fake, body, *, organization=None, content_type="application/json"):
    return raw_request(
        fake.url + LOOKUP.format(organization or fake.organization_id),
        method="POST",
        data=body if isinstance(body, bytes) else json.dumps(body).encode(),
        headers={**bearer(fake), "Content-Type": content_type},
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"delete_all_hits": True},
        {"data_subject_email": None, "data_subject_site_id_to_user_id_map": {}},
        {"data_subject_email": "jane"},
        {"data_subject_email": "jane@example"},
        {"data_subject_email": "ja ne@example.com"},
        {"data_subject_email": 42},
        {"data_subject_site_id_to_user_id_map": {"987654": 1}},
        {"data_subject_site_id_to_user_id_map": {"site": "u"}},
        {"data_subject_site_id_to_user_id_map": ["u"]},
        {"data_subject_email": "jane@example.com", "delete_all_hits": "yes"},
        b"not json",
        [],
    ],
)
def test_the_fake_refuses_bad_bodies_with_400(fake, body):
    answer = raw_lookup(fake, body)
    assert answer.status == 400, answer.body
    assert answer.body["error"] in ("invalid_body", "invalid_email")
    assert fake.lookups() == []


def test_the_fake_needs_json_a_known_organization_and_a_plan(fake, subject):
    body = {"data_subject_email": subject["email"], "delete_all_hits": True}
    assert raw_lookup(fake, body, content_type="text/plain").status == 400
    assert raw_lookup(fake, body, organization="1").status == 404
    fake.plan = "none"
    assert raw_lookup(fake, body).status == 403
    fake.plan = "observe_scale"
    answer = raw_lookup(fake, body)
    assert (answer.status, answer.body) == (200, {})
    assert [r["action"] for r in fake.lookups()] == ["delete"]
    fake.lookup_status = 204
    assert raw_lookup(fake, {"data_subject_email": subject["email"]}).status == 204
    assert [r["action"] for r in fake.lookups()] == ["delete", "lookup"]  # absent means false
    with pytest.raises(hj.ConfigurationError):
        fake.lookup_status = 299


def test_the_fake_records_are_masked_unless_revealed(fake, client, subject):
    client.user_lookup(email=subject["email"], user_ids=subject["user_ids"])
    (masked,) = fake.lookups()
    assert masked["email"] == "v***@example.com" and masked["user_ids"] == {"987654": "c***"}
    (full,) = fake.lookups(reveal=True)
    assert full["email"] == subject["email"]
    with pytest.raises(hj.ConfigurationError):
        fake.lookups(action="erase")
    assert api_requests(fake)[-1]["query"] == ""  # the request log holds no body


def test_fake_subjects_are_deterministic_and_linked_as_documented():
    with FakeHotjar(seed=3, responses_per_survey=[300, 40]) as fake:
        subjects = fake.subjects()
        assert subjects == FakeHotjar(seed=3, responses_per_survey=[300, 40]).subjects()
        assert [s["responses"] for s in subjects] == sorted(
            (s["responses"] for s in subjects), reverse=True
        )
        for s in subjects[:5]:
            number = s["email"].removeprefix("visitor").removesuffix("@example.com")
            assert s["user_ids"] == {fake.site_id: f"cust_{number}"}
            truth = [r for sid in fake.survey_ids for r in fake.responses(sid)]
            assert s["responses_by_email"] == sum(linked_by_email(r, s["email"]) for r in truth)
            assert s["responses_by_user_id"] == sum(
                linked_by_user_id(r, f"cust_{number}") for r in truth
            )
        assert len(fake.subjects(limit=3)) == 3


# --- AsyncClient ------------------------------------------------------------------------------


def test_the_async_client_looks_up_deletes_and_reports_like_the_sync_one(fake, client):
    first, second, third = fake.subjects(limit=3)
    sid = fake.survey_ids[0]

    async def main():
        async with fake.async_client() as aclient:
            looked_up = await aclient.user_lookup(email=first["email"])
            deleted = await aclient.delete_user_data(
                email=first["email"], user_ids=first["user_ids"], confirm=True
            )
            report = await aclient.lookup_many(
                [second["email"], "broken@", {"user_ids": third["user_ids"]}],
                delete=True,
                confirm=True,
            )
            rerun = await aclient.lookup_many(report, delete=True, confirm=True)
            return looked_up, deleted, report, rerun

    looked_up, deleted, report, rerun = asyncio.run(main())
    assert (looked_up["action"], looked_up["email"], looked_up["http_status"]) == (
        "lookup", "v***@example.com", 200,
    )
    assert set(deleted) == set(looked_up) and deleted["action"] == "delete"
    assert deleted["user_ids"] == {fake.site_id: "c***"}
    assert isinstance(report, LookupReport)
    assert [row["status"] for row in report] == ["ok", "failed", "ok"]
    assert [row["status"] for row in rerun] == ["ok", "failed", "ok"]
    assert rerun[0] is report[0]  # carried over, not sent again
    deletions = fake.lookups(action="delete", reveal=True)
    assert len(deletions) == 3
    assert all(not linked_by_email(r, first["email"]) for r in client.responses(sid))
    assert client.responses(sid) == fake.responses(sid)


def test_async_mistakes_raise_when_called_and_send_nothing(fake, subject):
    async def main():
        async with fake.async_client() as aclient:
            with pytest.raises(hj.ConfirmationRequiredError, match=r"v\*\*\*@example\.com"):
                aclient.delete_user_data(email=subject["email"])
            with pytest.raises(hj.ConfirmationRequiredError, match="1 data subject"):
                aclient.lookup_many([subject["email"]], delete=True)
            with pytest.raises(hj.ConfigurationError, match="email address or user ids"):
                aclient.user_lookup()
            with pytest.raises(TypeError, match="not a single str"):
                aclient.lookup_many(subject["email"])
            with pytest.raises(hj.ConfigurationError, match="not the Site ID"):
                async with hj.AsyncClient(
                    fake.client_id, fake.client_secret, base_url=fake.url
                ) as bare:
                    bare.user_lookup(email=subject["email"])

    asyncio.run(main())
    assert fake.request_log() == []


def test_cancelling_an_async_bulk_run_stops_its_requests():
    with FakeHotjar(latency=0.2) as fake:
        emails = [s["email"] for s in fake.subjects(limit=40)]

        async def main():
            async with fake.async_client() as aclient:
                task = asyncio.create_task(aclient.lookup_many(emails, concurrency=2))
                for _ in range(1000):  # up to 10 s
                    if len(fake.lookups()) >= 2:
                        break
                    await asyncio.sleep(0.01)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                at_cancel = len(fake.request_log())
                await asyncio.sleep(0.6)
                return at_cancel, len(fake.request_log())

        at_cancel, later = asyncio.run(main())
        # The two requests on the wire when the task was cancelled may still be logged.
        assert later <= at_cancel + 2
        assert len(fake.lookups()) < 10


def test_a_user_ids_key_that_is_not_a_site_id_is_never_shown_in_full(fake):
    with fake.client() as client:
        # A site id and a user id swapped: the error names neither in full.
        with pytest.raises(hj.ConfigurationError) as swapped:
            client.user_lookup(user_ids={"cust_4217": "987654"})
        assert "cust_4217" not in str(swapped.value) and "swap" in str(swapped.value)
        # In a bulk run the bad key becomes a failed row whose masked subject hides it too.
        report = client.lookup_many([{"user_ids": {"jane.doe@example.com": "cust_1"}}])
    assert report[0]["status"] == "failed"
    assert "jane.doe@example.com" not in repr(report) + str(dict(report[0]))
    assert fake.request_log() == []
