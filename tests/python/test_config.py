"""Building a client: credentials, settings, the environment, repr, and closing.

Bad settings fail in the constructor with a ConfigurationError (also a ValueError), before any
request is sent.
"""

from __future__ import annotations

import math

import hotjar_client as hj
import pytest

# --- credentials ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_id", "client_secret", "named"),
    [
        ("", "secret", "client_id"),
        ("   ", "secret", "client_id"),
        ("id", "", "client_secret"),
        ("id", " \t\n", "client_secret"),
    ],
)
def test_empty_or_blank_credentials_are_refused(client_id, client_secret, named):
    with pytest.raises(hj.ConfigurationError, match=f"^{named} is empty"):
        hj.Client(client_id, client_secret)


def test_a_line_break_inside_a_credential_is_refused():
    with pytest.raises(hj.ConfigurationError, match="control character"):
        hj.Client("fake-client-0", "fake\nsecret")


def test_credentials_with_surrounding_whitespace_are_stripped(fake):
    padded = hj.Client(
        f"  {fake.client_id}\n",
        f"\t{fake.client_secret}  ",
        base_url=fake.url,
        site_id=fake.site_id,
    )
    with padded:
        assert padded.test_connection() == {"expires_in": 3600.0}
    assert fake.stats()["tokens_issued"] == 1


def test_configuration_error_is_also_a_value_error():
    with pytest.raises(ValueError):
        hj.Client("", "secret")
    assert issubclass(hj.ConfigurationError, hj.HotjarError)


# --- base_url ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    [
        "http://api.hotjar.io",
        "http://10.0.0.1:8080",
        "ftp://api.hotjar.io",
        "api.hotjar.io",
        "https://user:password@api.hotjar.io",
        "https://api.hotjar.io/?debug=1",
    ],
)
def test_unsafe_or_malformed_base_urls_are_refused(base_url):
    with pytest.raises(hj.ConfigurationError):
        hj.Client("id", "secret", base_url=base_url)


def test_plain_http_to_another_host_names_the_risk():
    with pytest.raises(hj.ConfigurationError, match="unencrypted"):
        hj.Client("id", "secret", base_url="http://api.hotjar.io")


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://api.hotjar.io", "https://api.hotjar.io"),
        ("https://api.hotjar.io/v1/", "https://api.hotjar.io"),
        ("http://localhost:8080/", "http://localhost:8080"),
        ("http://127.0.0.1:9", "http://127.0.0.1:9"),
        ("http://[::1]:9/prefix/v1", "http://[::1]:9/prefix"),
    ],
)
def test_base_url_is_normalised(base_url, expected):
    assert hj.Client("id", "secret", base_url=base_url).base_url == expected


def test_the_default_base_url_is_hotjars():
    assert hj.Client("id", "secret").base_url == "https://api.hotjar.io"


def test_a_base_url_ending_in_v1_reaches_the_same_endpoints(fake):
    with hj.Client(
        fake.client_id, fake.client_secret, base_url=fake.url + "/v1/", site_id=fake.site_id
    ) as client:
        assert [s["id"] for s in client.list_surveys()] == fake.survey_ids


# --- numeric settings -------------------------------------------------------------------------


@pytest.mark.parametrize("timeout", [0, -1.0, math.nan, math.inf, 3601])
def test_bad_timeouts_are_refused(timeout):
    with pytest.raises(hj.ConfigurationError, match="timeout"):
        hj.Client("id", "secret", timeout=timeout)


@pytest.mark.parametrize("max_retries", [-1, 21])
def test_bad_max_retries_are_refused(max_retries):
    with pytest.raises(hj.ConfigurationError, match="max_retries"):
        hj.Client("id", "secret", max_retries=max_retries)


@pytest.mark.parametrize("requests_per_minute", [0, -1, 1_000_001])
def test_bad_requests_per_minute_are_refused(requests_per_minute):
    with pytest.raises(hj.ConfigurationError, match="requests_per_minute"):
        hj.Client("id", "secret", requests_per_minute=requests_per_minute)


@pytest.mark.parametrize("retry_backoff", [-0.5, 61, math.nan])
def test_bad_retry_backoffs_are_refused(retry_backoff):
    with pytest.raises(hj.ConfigurationError, match="retry_backoff"):
        hj.Client("id", "secret", retry_backoff=retry_backoff)


def test_edge_settings_are_accepted():
    client = hj.Client(
        "id",
        "secret",
        timeout=3600,
        max_retries=0,
        requests_per_minute=None,
        retry_backoff=0,
    )
    assert not client.closed
    hj.Client("id", "secret", max_retries=20, requests_per_minute=1_000_000, retry_backoff=60)


# --- ids given to the constructor -------------------------------------------------------------


def test_default_ids_are_normalised_to_strings():
    client = hj.Client("id", "secret", site_id=987654, organization_id=" 445566 ")
    assert (client.site_id, client.organization_id) == ("987654", "445566")


def test_without_default_ids_the_properties_are_none():
    client = hj.Client("id", "secret")
    assert (client.site_id, client.organization_id) == (None, None)


@pytest.mark.parametrize("site_id", ["abc", "0", -5, ""])
def test_a_bad_default_site_id_is_refused(site_id):
    with pytest.raises(hj.ConfigurationError, match="site_id"):
        hj.Client("id", "secret", site_id=site_id)


@pytest.mark.parametrize("site_id", [True, 98.5, [987654]])
def test_a_default_site_id_of_the_wrong_type_is_a_type_error(site_id):
    with pytest.raises(TypeError, match="site_id"):
        hj.Client("id", "secret", site_id=site_id)


# --- repr -------------------------------------------------------------------------------------


def test_repr_shows_site_url_and_a_masked_client_id_but_never_the_secret(fake):
    client = fake.client()
    text = repr(client)
    assert text == (
        f"<hotjar_client.Client site_id='987654' organization_id='445566' "
        f"base_url='{fake.url}' client_id='fake…'>"
    )
    assert fake.client_secret not in text
    assert fake.client_id not in text
    client.close()
    assert repr(client).endswith(" closed>")


def test_repr_hides_a_short_client_id_entirely():
    client = hj.Client("abcd1234", "super-secret-value")
    assert "client_id='***'" in repr(client)
    assert "abcd" not in repr(client)
    assert "super-secret-value" not in repr(client)


# --- from_env ---------------------------------------------------------------------------------

ENV_NAMES = [
    "HOTJAR_CLIENT_ID",
    "HOTJAR_CLIENT_SECRET",
    "HOTJAR_SITE_ID",
    "HOTJAR_ORGANIZATION_ID",
    "HOTJAR_BASE_URL",
]


@pytest.fixture
def env(monkeypatch, fake):
    """The fake's settings in the environment, as `python -m hotjar_client.testing` prints."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOTJAR_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("HOTJAR_CLIENT_SECRET", fake.client_secret)
    monkeypatch.setenv("HOTJAR_SITE_ID", fake.site_id)
    monkeypatch.setenv("HOTJAR_ORGANIZATION_ID", fake.organization_id)
    monkeypatch.setenv("HOTJAR_BASE_URL", fake.url)
    return monkeypatch


def test_from_env_reads_every_variable(env, fake):
    with hj.Client.from_env() as client:
        assert (client.site_id, client.organization_id, client.base_url) == (
            "987654",
            "445566",
            fake.url,
        )
        assert client.list_surveys() == fake.surveys(with_questions=False)


@pytest.mark.parametrize("name", ["HOTJAR_CLIENT_ID", "HOTJAR_CLIENT_SECRET"])
def test_from_env_names_a_missing_credential_variable(env, name):
    env.delenv(name)
    with pytest.raises(hj.ConfigurationError, match=name):
        hj.Client.from_env()


def test_from_env_treats_a_blank_variable_as_missing(env):
    env.setenv("HOTJAR_CLIENT_ID", "   ")
    with pytest.raises(hj.ConfigurationError, match="HOTJAR_CLIENT_ID"):
        hj.Client.from_env()


def test_from_env_keyword_arguments_win_over_the_environment(env, fake):
    env.setenv("HOTJAR_SITE_ID", "111")
    env.setenv("HOTJAR_BASE_URL", "https://api.hotjar.io")
    with hj.Client.from_env(site_id=fake.site_id, base_url=fake.url, organization_id=42) as c:
        assert (c.site_id, c.organization_id, c.base_url) == ("987654", "42", fake.url)
        assert [s["id"] for s in c.list_surveys()] == fake.survey_ids


def test_from_env_without_optional_variables_uses_the_defaults(env):
    for name in ["HOTJAR_SITE_ID", "HOTJAR_ORGANIZATION_ID", "HOTJAR_BASE_URL"]:
        env.delenv(name)
    client = hj.Client.from_env()
    assert (client.site_id, client.organization_id, client.base_url) == (
        None,
        None,
        "https://api.hotjar.io",
    )


def test_from_env_checks_the_environment_values_too(env):
    env.setenv("HOTJAR_SITE_ID", "my-site")
    with pytest.raises(hj.ConfigurationError, match="site_id"):
        hj.Client.from_env()


# --- closing ----------------------------------------------------------------------------------


def test_the_context_manager_closes_the_client(fake):
    with fake.client() as client:
        assert not client.closed
        client.list_surveys()
    assert client.closed


def test_the_context_manager_closes_on_error_and_lets_it_through(fake):
    with pytest.raises(KeyError), fake.client() as client:
        raise KeyError("boom")
    assert client.closed


@pytest.mark.parametrize(
    "call",
    [
        lambda c, sid: c.list_surveys(),
        lambda c, sid: c.get_survey(sid),
        lambda c, sid: c.responses(sid),
        lambda c, sid: c.iter_responses(sid),
        lambda c, sid: c.test_connection(),
        lambda c, sid: c.stats(),
    ],
    ids=["list_surveys", "get_survey", "responses", "iter_responses", "test_connection", "stats"],
)
def test_calls_after_close_raise_client_closed_error(fake, survey_id, call):
    client = fake.client()
    client.close()
    client.close()  # twice is fine
    with pytest.raises(hj.ClientClosedError, match="closed") as caught:
        call(client, survey_id)
    assert isinstance(caught.value, RuntimeError)
    assert caught.value.status is None
    assert fake.request_log() == []
