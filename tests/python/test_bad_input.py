"""The bad-input matrix: every public method of ``Client`` and ``FakeHotjar`` given wrong types
or values raises ``TypeError`` or ``ConfigurationError`` with a message naming what is wrong,
and sends nothing (the fake's request log stays empty).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import hotjar_client as hj
import pytest
from hotjar_client.testing import FakeHotjar

NAIVE = datetime(2026, 6, 30, 12, 0)


@dataclass
class Bad:
    id: str
    call: Callable  # (client, fake, survey_id) -> anything
    error: type[Exception]
    says: str  # a fragment the message must contain


def new_client(fake, **options):
    """A client for ``fake`` built with these options (it sends nothing until used)."""
    return hj.Client(fake.client_id, fake.client_secret, base_url=fake.url, **options)


C = hj.ConfigurationError
T = TypeError

CLIENT_INIT = [
    Bad("client_id-int", lambda c, f, s: hj.Client(1, "s"), T, "str"),
    Bad("client_id-empty", lambda c, f, s: hj.Client("", "s"), C, "client_id is empty"),
    Bad("client_secret-none", lambda c, f, s: hj.Client("i", None), T, "str"),
    Bad("client_secret-bytes", lambda c, f, s: hj.Client("i", b"s"), T, "str"),
    Bad("client_secret-blank", lambda c, f, s: hj.Client("i", "  "), C, "client_secret is empty"),
    Bad("client_secret-line-break", lambda c, f, s: hj.Client("i", "a\nb"), C, "control"),
    Bad("site_id-bool", lambda c, f, s: new_client(f, site_id=True), T, "bool"),
    Bad("site_id-negative", lambda c, f, s: new_client(f, site_id=-1), C, "positive"),
    Bad("site_id-zero", lambda c, f, s: new_client(f, site_id=0), C, "positive"),
    Bad("site_id-letters", lambda c, f, s: new_client(f, site_id="abc"), C, "site_id"),
    Bad("site_id-empty", lambda c, f, s: new_client(f, site_id=""), C, "site_id is empty"),
    Bad("site_id-float", lambda c, f, s: new_client(f, site_id=1.5), T, "float"),
    Bad("site_id-huge", lambda c, f, s: new_client(f, site_id=10**40), C, "site_id"),
    Bad(
        "organization_id-letters",
        lambda c, f, s: new_client(f, organization_id="x"),
        C,
        "organization_id",
    ),
    Bad("organization_id-list", lambda c, f, s: new_client(f, organization_id=[1]), T, "list"),
    Bad("base_url-int", lambda c, f, s: hj.Client("i", "s", base_url=5), T, "str"),
    Bad("base_url-empty", lambda c, f, s: hj.Client("i", "s", base_url=""), C, "base_url"),
    Bad(
        "base_url-http-public",
        lambda c, f, s: hj.Client("i", "s", base_url="http://api.hotjar.io"),
        C,
        "plain http",
    ),
    Bad(
        "base_url-http-private-ip",
        lambda c, f, s: hj.Client("i", "s", base_url="http://10.0.0.1"),
        C,
        "plain http",
    ),
    Bad(
        "base_url-http-lookalike",
        lambda c, f, s: hj.Client("i", "s", base_url="http://localhost.evil.example"),
        C,
        "plain http",
    ),
    Bad(
        "base_url-ftp",
        lambda c, f, s: hj.Client("i", "s", base_url="ftp://api.hotjar.io"),
        C,
        "https",
    ),
    Bad(
        "base_url-credentials",
        lambda c, f, s: hj.Client("i", "s", base_url="https://u:p@api.hotjar.io"),
        C,
        "user name",
    ),
    Bad("timeout-bool", lambda c, f, s: new_client(f, timeout=True), T, "bool"),
    Bad("timeout-str", lambda c, f, s: new_client(f, timeout="30"), T, "str"),
    Bad("timeout-zero", lambda c, f, s: new_client(f, timeout=0), C, "timeout"),
    Bad("timeout-negative", lambda c, f, s: new_client(f, timeout=-1), C, "timeout"),
    Bad("timeout-nan", lambda c, f, s: new_client(f, timeout=float("nan")), C, "timeout"),
    Bad("timeout-inf", lambda c, f, s: new_client(f, timeout=float("inf")), C, "timeout"),
    Bad("max_retries-bool", lambda c, f, s: new_client(f, max_retries=True), T, "bool"),
    Bad("max_retries-float", lambda c, f, s: new_client(f, max_retries=1.0), T, "float"),
    Bad("max_retries-negative", lambda c, f, s: new_client(f, max_retries=-1), C, "max_retries"),
    Bad("max_retries-too-many", lambda c, f, s: new_client(f, max_retries=21), C, "max_retries"),
    Bad("max_retries-huge", lambda c, f, s: new_client(f, max_retries=10**30), C, "max_retries"),
    Bad(
        "requests_per_minute-zero",
        lambda c, f, s: new_client(f, requests_per_minute=0),
        C,
        "requests_per_minute",
    ),
    Bad(
        "requests_per_minute-huge",
        lambda c, f, s: new_client(f, requests_per_minute=10**30),
        C,
        "requests_per_minute",
    ),
    Bad(
        "requests_per_minute-bool",
        lambda c, f, s: new_client(f, requests_per_minute=True),
        T,
        "bool",
    ),
    Bad(
        "retry_backoff-negative",
        lambda c, f, s: new_client(f, retry_backoff=-1),
        C,
        "retry_backoff",
    ),
    Bad(
        "retry_backoff-too-long",
        lambda c, f, s: new_client(f, retry_backoff=61),
        C,
        "retry_backoff",
    ),
    Bad("retry_backoff-bool", lambda c, f, s: new_client(f, retry_backoff=True), T, "bool"),
    Bad("unknown-option", lambda c, f, s: new_client(f, retries=3), T, "retries"),
    Bad("positional-options", lambda c, f, s: hj.Client("i", "s", 1), T, "positional"),
]

CLIENT_CALLS = [
    Bad("check_api-zero", lambda c, f, s: c.check_api(surveys=0), C, "surveys"),
    Bad("check_api-bool", lambda c, f, s: c.check_api(surveys=True), T, "surveys"),
    Bad("check_api-site_id-letters", lambda c, f, s: c.check_api(site_id="abc"), C, "site_id"),
    Bad("list_surveys-site_id-bool", lambda c, f, s: c.list_surveys(True), T, "bool"),
    Bad("list_surveys-site_id-letters", lambda c, f, s: c.list_surveys("abc"), C, "site_id"),
    Bad(
        "list_surveys-with_questions-str",
        lambda c, f, s: c.list_surveys(with_questions="yes"),
        T,
        "bool",
    ),
    Bad(
        "list_surveys-with_questions-int",
        lambda c, f, s: c.list_surveys(with_questions=1),
        T,
        "bool",
    ),
    Bad("get_survey-none", lambda c, f, s: c.get_survey(None), T, "NoneType"),
    Bad("get_survey-bool", lambda c, f, s: c.get_survey(True), T, "bool"),
    Bad("get_survey-negative", lambda c, f, s: c.get_survey(-5), C, "positive"),
    Bad("get_survey-zero", lambda c, f, s: c.get_survey(0), C, "positive"),
    # Survey ids are opaque ("abc" may be one): only what cannot be an id is refused.
    Bad("get_survey-slash", lambda c, f, s: c.get_survey("12/34"), C, "contains '/'"),
    Bad("get_survey-url", lambda c, f, s: c.get_survey("https://x/1"), C, "survey_id"),
    Bad("get_survey-control", lambda c, f, s: c.get_survey("a\x00b"), C, "control"),
    Bad("get_survey-too-long", lambda c, f, s: c.get_survey("s" * 257), C, "256"),
    Bad("get_survey-empty", lambda c, f, s: c.get_survey(""), C, "survey_id is empty"),
    Bad("get_survey-blank", lambda c, f, s: c.get_survey(" \t"), C, "survey_id is empty"),
    Bad("get_survey-inner-space", lambda c, f, s: c.get_survey("12 34"), C, "whitespace"),
    Bad("site_id-fullwidth", lambda c, f, s: c.get_survey(s, site_id="\uff11\uff12"), C, "site_id"),
    Bad("get_survey-float", lambda c, f, s: c.get_survey(12.0), T, "float"),
    Bad("get_survey-huge", lambda c, f, s: c.get_survey(10**40), C, "survey_id"),
    Bad("get_survey-site_id-negative", lambda c, f, s: c.get_survey(s, site_id=-1), C, "site_id"),
    Bad("responses-bool", lambda c, f, s: c.responses(False), T, "bool"),
    Bad("responses-negative", lambda c, f, s: c.responses(-1), C, "positive"),
    Bad("responses-since-naive", lambda c, f, s: c.responses(s, since=NAIVE), C, "naive"),
    Bad(
        "responses-since-no-offset",
        lambda c, f, s: c.responses(s, since="2026-06-30T12:00"),
        C,
        "time zone",
    ),
    Bad("responses-since-words", lambda c, f, s: c.responses(s, since="last week"), C, "since"),
    Bad("responses-since-time", lambda c, f, s: c.responses(s, since=time(12)), T, "since"),
    Bad("responses-since-int", lambda c, f, s: c.responses(s, since=1_782_777_600), T, "since"),
    Bad("responses-cursor-int", lambda c, f, s: c.responses(s, resume_cursor=5), T, "str"),
    Bad(
        "responses-cursor-empty",
        lambda c, f, s: c.responses(s, resume_cursor=""),
        C,
        "resume_cursor is empty",
    ),
    Bad(
        "responses-cursor-line-break",
        lambda c, f, s: c.responses(s, resume_cursor="ab\ncd"),
        C,
        "control",
    ),
    Bad(
        "responses-cursor-runaway",
        lambda c, f, s: c.responses(s, resume_cursor="x" * 5000),
        C,
        "resume_cursor",
    ),
    Bad("responses-unknown-option", lambda c, f, s: c.responses(s, limit=10), T, "limit"),
    Bad("iter_responses-bool", lambda c, f, s: c.iter_responses(True), T, "bool"),
    Bad(
        "iter_responses-site_id-zero", lambda c, f, s: c.iter_responses(s, site_id=0), C, "site_id"
    ),
    Bad("iter_responses-since-naive", lambda c, f, s: c.iter_responses(s, since=NAIVE), C, "naive"),
    Bad(
        "iter_responses-cursor-line-break",
        lambda c, f, s: c.iter_responses(s, resume_cursor="a\rb"),
        C,
        "control",
    ),
    Bad("from_env-timeout-bool", lambda c, f, s: hj.Client.from_env(timeout=True), T, "bool"),
    Bad("from_env-site_id-bool", lambda c, f, s: hj.Client.from_env(site_id=True), T, "bool"),
]

TABLE_CALLS = [
    Bad("responses_table-bool", lambda c, f, s: c.responses_table(True), T, "bool"),
    Bad("responses_table-negative", lambda c, f, s: c.responses_table(-3), C, "positive"),
    Bad("responses_table-shape", lambda c, f, s: c.responses_table(s, shape="tall"), C, "shape"),
    Bad(
        "responses_table-since-naive", lambda c, f, s: c.responses_table(s, since=NAIVE), C, "naive"
    ),
    Bad(
        "responses_table-cursor-line-break",
        lambda c, f, s: c.responses_table(s, resume_cursor="a\nb"),
        C,
        "control",
    ),
    # The export cases run in an empty working folder: nothing may be written there either.
    Bad("export_responses-bool", lambda c, f, s: c.export_responses(True, "x.csv"), T, "bool"),
    Bad(
        "export_responses-resume-str",
        lambda c, f, s: c.export_responses(s, "x.csv", resume="yes"),
        T,
        "bool",
    ),
    Bad("export_responses-path-int", lambda c, f, s: c.export_responses(s, 5), T, "PathLike"),
    Bad("export_responses-path-empty", lambda c, f, s: c.export_responses(s, ""), C, "path"),
    Bad("export_responses-path-folder", lambda c, f, s: c.export_responses(s, "."), C, "folder"),
    Bad(
        "export_responses-folder-missing",
        lambda c, f, s: c.export_responses(s, "missing/x.csv"),
        C,
        "does not exist",
    ),
    Bad("export_responses-suffix", lambda c, f, s: c.export_responses(s, "x.xlsx"), C, "format"),
    Bad(
        "export_responses-format",
        lambda c, f, s: c.export_responses(s, "x.csv", format="xls"),
        C,
        "format must be",
    ),
    Bad(
        "export_responses-shape",
        lambda c, f, s: c.export_responses(s, "x.csv", shape="tall"),
        C,
        "shape",
    ),
    Bad(
        "export_responses-since-naive",
        lambda c, f, s: c.export_responses(s, "x.csv", since=NAIVE),
        C,
        "naive",
    ),
    Bad(
        "export_responses-cursor-empty",
        lambda c, f, s: c.export_responses(s, "x.csv", resume_cursor=""),
        C,
        "resume_cursor",
    ),
]

MANY_CALLS = [
    Bad("responses_many-str", lambda c, f, s: c.responses_many("123"), T, "survey_ids"),
    Bad("responses_many-bools", lambda c, f, s: c.responses_many([True]), T, "bool"),
    Bad("responses_many-negative", lambda c, f, s: c.responses_many([s, -1]), C, "positive"),
    Bad(
        "responses_many-concurrency-0",
        lambda c, f, s: c.responses_many([s], concurrency=0),
        C,
        "concurrency",
    ),
    Bad(
        "responses_many-concurrency-huge",
        lambda c, f, s: c.responses_many([s], concurrency=10**6),
        C,
        "concurrency",
    ),
    Bad(
        "responses_many-concurrency-bool",
        lambda c, f, s: c.responses_many([s], concurrency=True),
        T,
        "bool",
    ),
    Bad(
        "responses_many-progress-str",
        lambda c, f, s: c.responses_many([s], progress="yes"),
        T,
        "bool",
    ),
    Bad(
        "responses_many-since-naive", lambda c, f, s: c.responses_many([s], since=NAIVE), C, "naive"
    ),
    Bad(
        "responses_table_many-shape",
        lambda c, f, s: c.responses_table_many([s], shape="x"),
        C,
        "shape",
    ),
    Bad(
        "responses_table_many-concurrency",
        lambda c, f, s: c.responses_table_many([s], concurrency=-1),
        C,
        "concurrency",
    ),
]

GDPR_CALLS = [
    Bad("user_lookup-no-subject", lambda c, f, s: c.user_lookup(), C, "email"),
    Bad("user_lookup-bad-email", lambda c, f, s: c.user_lookup(email="nobody"), C, "not valid"),
    Bad("user_lookup-email-int", lambda c, f, s: c.user_lookup(email=5), T, "email"),
    Bad("user_lookup-user_ids-list", lambda c, f, s: c.user_lookup(user_ids=["a"]), T, "user_ids"),
    Bad(
        "user_lookup-user_ids-site-letters",
        lambda c, f, s: c.user_lookup(user_ids={"abc": "u1"}),
        C,
        "site_id",
    ),
    Bad(
        "user_lookup-organization_id-letters",
        lambda c, f, s: c.user_lookup(email="a@b.co", organization_id="x"),
        C,
        "organization_id",
    ),
    Bad(
        "delete_user_data-unconfirmed",
        lambda c, f, s: c.delete_user_data(email="a@b.co"),
        hj.ConfirmationRequiredError,
        "Nothing was sent",
    ),
    Bad(
        "delete_user_data-confirm-str",
        lambda c, f, s: c.delete_user_data(email="a@b.co", confirm="yes"),
        T,
        "bool",
    ),
    Bad("lookup_many-one-str", lambda c, f, s: c.lookup_many("a@b.co"), T, "subjects"),
    Bad("lookup_many-int-subject", lambda c, f, s: c.lookup_many([5]), T, "subject #0"),
    Bad(
        "lookup_many-unknown-key",
        lambda c, f, s: c.lookup_many([{"mail": "a@b.co"}]),
        C,
        "unknown key",
    ),
    Bad(
        "lookup_many-delete-unconfirmed",
        lambda c, f, s: c.lookup_many(["a@b.co"], delete=True),
        hj.ConfirmationRequiredError,
        "Nothing was sent",
    ),
    Bad(
        "lookup_many-concurrency-0",
        lambda c, f, s: c.lookup_many(["a@b.co"], concurrency=0),
        C,
        "concurrency",
    ),
]

FAKE_CALLS = [
    Bad(
        "from_recording-missing",
        lambda c, f, s: FakeHotjar.from_recording("/nonexistent/x.jsonl"),
        C,
        "could not be read",
    ),
    Bad("from_recording-int", lambda c, f, s: FakeHotjar.from_recording(5), T, "PathLike"),
    Bad("subjects-limit-negative", lambda c, f, s: f.subjects(limit=-1), C, "limit"),
    Bad("subjects-limit-bool", lambda c, f, s: f.subjects(limit=True), T, "limit"),
    Bad("lookups-action", lambda c, f, s: f.lookups(action="x"), C, "action"),
    Bad(
        "lookup_status-500",
        lambda c, f, s: setattr(f, "lookup_status", 500),
        C,
        "lookup_status",
    ),
    Bad("async_client-bad-option", lambda c, f, s: f.async_client(timeout=-1), C, "timeout"),
    Bad("async_client-bool-timeout", lambda c, f, s: f.async_client(timeout=True), T, "bool"),
    Bad("async_client-unknown-option", lambda c, f, s: f.async_client(retries=1), T, "retries"),
    Bad("fail_survey-slash", lambda c, f, s: f.fail_survey("a/b"), C, "survey_id"),
    Bad("fail_survey-status", lambda c, f, s: f.fail_survey(s, status=200), C, "status"),
    Bad("fail_survey-after-negative", lambda c, f, s: f.fail_survey(s, after=-1), C, "after"),
    Bad("fail_survey-count-zero", lambda c, f, s: f.fail_survey(s, count=0), C, "count"),
    Bad("fail_survey-count-bool", lambda c, f, s: f.fail_survey(s, count=True), T, "bool"),
    Bad("add_responses-slash", lambda c, f, s: f.add_responses("a/b", 1), C, "survey_id"),
    Bad("add_responses-opaque-unknown", lambda c, f, s: f.add_responses("abc", 1), C, "no survey"),
    Bad("add_responses-unknown", lambda c, f, s: f.add_responses(1, 1), C, "no survey 1"),
    Bad("add_responses-negative", lambda c, f, s: f.add_responses(s, -1), C, "count"),
    Bad("add_responses-bool", lambda c, f, s: f.add_responses(s, True), T, "bool"),
    Bad("change_response-unknown", lambda c, f, s: f.change_response(s, "1"), C, "no response"),
    Bad("change_response-bool", lambda c, f, s: f.change_response(s, True), T, "bool"),
    Bad("change_response-float", lambda c, f, s: f.change_response(s, 1.5), T, "float"),
    Bad("add_survey-negative", lambda c, f, s: f.add_survey(responses=-1), C, "responses"),
    Bad("add_survey-bool", lambda c, f, s: f.add_survey(responses=True), T, "bool"),
    Bad("FakeHotjar-seed-negative", lambda c, f, s: FakeHotjar(seed=-1), C, "seed"),
    Bad("FakeHotjar-seed-str", lambda c, f, s: FakeHotjar(seed="1"), T, "seed"),
    Bad("FakeHotjar-seed-bool", lambda c, f, s: FakeHotjar(seed=True), T, "bool"),
    Bad(
        "FakeHotjar-counts-negative",
        lambda c, f, s: FakeHotjar(responses_per_survey=[-1]),
        C,
        "responses_per_survey",
    ),
    Bad(
        "FakeHotjar-counts-str",
        lambda c, f, s: FakeHotjar(responses_per_survey="12"),
        T,
        "responses_per_survey",
    ),
    Bad(
        "FakeHotjar-counts-int",
        lambda c, f, s: FakeHotjar(responses_per_survey=12),
        T,
        "responses_per_survey",
    ),
    Bad(
        "FakeHotjar-counts-bool", lambda c, f, s: FakeHotjar(responses_per_survey=[True]), T, "bool"
    ),
    Bad("FakeHotjar-token_ttl-zero", lambda c, f, s: FakeHotjar(token_ttl=0), C, "token_ttl"),
    Bad("FakeHotjar-latency-negative", lambda c, f, s: FakeHotjar(latency=-1), C, "latency"),
    Bad("FakeHotjar-latency-bool", lambda c, f, s: FakeHotjar(latency=True), T, "bool"),
    Bad(
        "FakeHotjar-rate_limit-zero",
        lambda c, f, s: FakeHotjar(rate_limit=0),
        C,
        "None for no limit",
    ),
    Bad(
        "FakeHotjar-rate_limit-negative", lambda c, f, s: FakeHotjar(rate_limit=-5), C, "rate_limit"
    ),
    Bad("FakeHotjar-rate_limit-bool", lambda c, f, s: FakeHotjar(rate_limit=True), T, "bool"),
    Bad("FakeHotjar-rate_window-zero", lambda c, f, s: FakeHotjar(rate_window=0), C, "rate_window"),
    Bad("FakeHotjar-rate_window-bool", lambda c, f, s: FakeHotjar(rate_window=True), T, "bool"),
    Bad(
        "FakeHotjar-scope",
        lambda c, f, s: FakeHotjar(rate_limit_scope="user"),
        C,
        "rate_limit_scope",
    ),
    Bad("FakeHotjar-plan", lambda c, f, s: FakeHotjar(plan="gold"), C, "plan"),
    Bad("FakeHotjar-site_id-negative", lambda c, f, s: FakeHotjar(site_id=-1), C, "site_id"),
    Bad(
        "FakeHotjar-organization_id-bool",
        lambda c, f, s: FakeHotjar(organization_id=False),
        T,
        "bool",
    ),
    Bad("FakeHotjar-host-public", lambda c, f, s: FakeHotjar(host="0.0.0.0"), C, "loopback"),
    Bad("FakeHotjar-host-name", lambda c, f, s: FakeHotjar(host="example.com"), C, "IP address"),
    Bad("FakeHotjar-port-too-big", lambda c, f, s: FakeHotjar(port=70_000), C, "port"),
    Bad("FakeHotjar-port-negative", lambda c, f, s: FakeHotjar(port=-1), C, "port"),
    Bad("client-bad-option", lambda c, f, s: f.client(timeout=-1), C, "timeout"),
    Bad("client-unknown-option", lambda c, f, s: f.client(retries=1), T, "retries"),
    Bad(
        "client-http-elsewhere",
        lambda c, f, s: f.client(base_url="http://example.com"),
        C,
        "plain http",
    ),
    Bad("surveys-with_questions-str", lambda c, f, s: f.surveys(with_questions="no"), T, "bool"),
    Bad("responses-slash", lambda c, f, s: f.responses("a/b"), C, "survey_id"),
    Bad("responses-unknown-opaque", lambda c, f, s: f.responses("abc"), C, "no survey"),
    Bad("responses-bool", lambda c, f, s: f.responses(True), T, "bool"),
    Bad("responses-unknown", lambda c, f, s: f.responses(999), C, "no survey 999"),
    Bad("fail_next-count-negative", lambda c, f, s: f.fail_next(-1), C, "count"),
    Bad("fail_next-count-bool", lambda c, f, s: f.fail_next(True), T, "bool"),
    Bad("fail_next-status-huge", lambda c, f, s: f.fail_next(status=99_999), C, "status"),
    Bad("fail_next-status-100", lambda c, f, s: f.fail_next(status=100), C, "status"),
    Bad("fail_next-body-int", lambda c, f, s: f.fail_next(body=5), T, "body"),
    Bad(
        "fail_next-retry_after-negative",
        lambda c, f, s: f.fail_next(retry_after=-1),
        C,
        "retry_after",
    ),
    Bad("fail_next-endpoint", lambda c, f, s: f.fail_next(endpoint="db"), C, "endpoint"),
    Bad("fail_next-after-negative", lambda c, f, s: f.fail_next(after=-1), C, "after"),
    Bad(
        "fail_next-location-line-break",
        lambda c, f, s: f.fail_next(status=302, location="a\nb"),
        C,
        "location",
    ),
    Bad("inject_fault-int", lambda c, f, s: f.inject_fault(5), T, "str"),
    Bad("inject_fault-unknown", lambda c, f, s: f.inject_fault("meteor"), C, "fault must be"),
    Bad("inject_fault-slow-without-delay", lambda c, f, s: f.inject_fault("slow"), C, "delay"),
    Bad(
        "inject_fault-delay-negative", lambda c, f, s: f.inject_fault("slow", delay=-1), C, "delay"
    ),
    Bad("inject_fault-count-bool", lambda c, f, s: f.inject_fault("reset", count=True), T, "bool"),
    Bad("wait_held-count-negative", lambda c, f, s: f.wait_held(-1), C, "count"),
    Bad("wait_held-count-bool", lambda c, f, s: f.wait_held(True), T, "bool"),
    Bad("wait_held-timeout-zero", lambda c, f, s: f.wait_held(timeout=0), C, "timeout"),
    Bad("latency-negative", lambda c, f, s: setattr(f, "latency", -1), C, "latency"),
    Bad("latency-bool", lambda c, f, s: setattr(f, "latency", True), T, "bool"),
    Bad("latency-none", lambda c, f, s: setattr(f, "latency", None), T, "NoneType"),
    Bad("token_ttl-zero", lambda c, f, s: setattr(f, "token_ttl", 0), C, "token_ttl"),
    Bad("plan-unknown", lambda c, f, s: setattr(f, "plan", "gold"), C, "plan"),
    Bad("plan-int", lambda c, f, s: setattr(f, "plan", 1), T, "str"),
    Bad("set_rate_limit-zero", lambda c, f, s: f.set_rate_limit(0), C, "None for no limit"),
    Bad("set_rate_limit-negative", lambda c, f, s: f.set_rate_limit(-1), C, "rate_limit"),
    Bad("set_rate_limit-str", lambda c, f, s: f.set_rate_limit("5"), T, "str"),
]


@pytest.mark.parametrize(
    "bad",
    CLIENT_INIT + CLIENT_CALLS + TABLE_CALLS + MANY_CALLS + GDPR_CALLS + FAKE_CALLS,
    ids=lambda b: b.id,
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_is_sent(
    fake, client, survey_id, bad, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    for name in ["HOTJAR_CLIENT_ID", "HOTJAR_CLIENT_SECRET", "HOTJAR_BASE_URL", "HOTJAR_SITE_ID"]:
        monkeypatch.setenv(
            name, {"HOTJAR_BASE_URL": fake.url, "HOTJAR_SITE_ID": fake.site_id}.get(name, "x")
        )

    with pytest.raises(bad.error) as caught:
        bad.call(client, fake, survey_id)

    if bad.error is TypeError:
        assert not isinstance(caught.value, hj.HotjarError)
    message = str(caught.value)
    assert bad.says in message
    assert "\n" not in message
    assert fake.request_log() == []
    assert list(tmp_path.iterdir()) == []
    # The client and the fake still work afterwards.
    assert client.get_survey(survey_id)["id"] == survey_id


def test_aware_datetimes_in_any_time_zone_are_the_same_instant(fake, client, survey_id):
    # Not bad input: an aware datetime is one instant whatever its zone, so it is converted.
    plus_two = datetime(2026, 6, 30, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    utc = datetime(2026, 6, 30, 0, 0, tzinfo=timezone.utc)

    assert client.responses(survey_id, since=plus_two) == client.responses(survey_id, since=utc)
    assert client.responses(survey_id, since=date(2026, 6, 30)) == client.responses(
        survey_id, since=utc
    )


# Methods that take no argument, or read-only properties: nothing to get wrong.
NO_INPUT = {
    "Client": {
        "test_connection",
        "stats",
        "close",
        "closed",
        "site_id",
        "organization_id",
        "base_url",
    },
    "FakeHotjar": {
        "url",
        "client_id",
        "client_secret",
        "site_id",
        "organization_id",
        "survey_ids",
        "revoke_credentials",
        "restore_credentials",
        "expire_tokens",
        "request_log",
        "clear_request_log",
        "clear_survey_failures",
        "release_held",
        "stats",
        "close",
    },
}


def test_every_public_method_is_in_the_matrix():
    """A new public method must get bad-input cases above (or join NO_INPUT)."""
    client_methods = {n for n in dir(hj.Client) if not n.startswith("_")}
    fake_methods = {n for n in dir(FakeHotjar) if not n.startswith("_")}
    client_cases = {
        b.id.split("-")[0] for b in CLIENT_CALLS + TABLE_CALLS + MANY_CALLS + GDPR_CALLS
    }
    fake_cases = {b.id.split("-")[0] for b in FAKE_CALLS}

    assert client_methods - client_cases - NO_INPUT["Client"] == set()
    assert fake_methods - fake_cases - NO_INPUT["FakeHotjar"] == set()
