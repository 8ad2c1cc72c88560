//! `hotjar_client.testing.FakeHotjar`: the offline fake of the Hotjar API, for tests, notebooks,
//! demos and benchmarks. It serves on 127.0.0.1 from the shared runtime's threads, so a
//! blocked Python thread never slows it down.

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::{PyTimeoutError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyList, PyString};

use crate::gdpr;
use crate::ids::IdKind;
use hotjar_fake::{
    FailureTarget, FakeConfig, FakeServer, Fault, IdStyle, InjectedFailure, Plan, RateLimitScope,
    SurveyFailure,
};

use super::runtime::{block_on, ensure_same_process, runtime};
use super::{args, convert, errors};

/// A fake Hotjar API on loopback, with deterministic data from ``seed``.
///
/// >>> from hotjar_client.testing import FakeHotjar
/// >>> with FakeHotjar(seed=1) as fake, fake.client() as client:
/// ...     rows = client.responses(fake.survey_ids[0])
/// ...     assert rows == fake.responses(fake.survey_ids[0])
#[pyclass(
    name = "RawFakeHotjar",
    module = "hotjar_client._native",
    frozen,
    subclass
)]
pub struct FakeHotjar {
    server: Mutex<Option<FakeServer>>,
    /// The base URL to give a client, e.g. ``http://127.0.0.1:54321``.
    #[pyo3(get)]
    url: String,
    #[pyo3(get)]
    client_id: String,
    /// The fake's secret. Fake credentials, safe to print.
    #[pyo3(get)]
    client_secret: String,
    #[pyo3(get)]
    site_id: String,
    #[pyo3(get)]
    organization_id: String,
    pid: u32,
}

impl FakeHotjar {
    fn with_server<T>(&self, f: impl FnOnce(&FakeServer) -> T) -> PyResult<T> {
        ensure_same_process(self.pid, "FakeHotjar")?;
        let guard = self.server.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(server) => Ok(f(server)),
            None => Err(errors::closed("FakeHotjar")),
        }
    }
}

/// A rate limit in requests per minute: 1 or more (None turns it off).
fn per_minute(n: args::Int) -> PyResult<u32> {
    u32::try_from(n.0).ok().filter(|n| *n >= 1).ok_or_else(|| {
        errors::configuration(format!(
            "rate_limit must be a number of requests per window (a minute by default) from 1 \
             to {}, or None for no limit; got {}.",
            u32::MAX,
            n.0
        ))
    })
}

/// `responses_per_survey`: a sequence of counts (a str is refused, though it is a sequence).
fn response_counts(value: &Bound<'_, PyAny>) -> PyResult<Vec<usize>> {
    if value.is_instance_of::<PyString>() || value.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(
            "responses_per_survey must be a sequence of ints, e.g. [100, 0, 37], not a str",
        ));
    }
    let items = value.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "responses_per_survey must be a sequence of ints, e.g. [100, 0, 37], not {}",
            args::type_name(value)
        ))
    })?;
    let mut counts = Vec::new();
    for item in items {
        counts
            .push(args::count(&item?, "each count of responses_per_survey", 10_000_000)? as usize);
    }
    if counts.len() > 10_000 {
        return Err(errors::configuration(
            "responses_per_survey may list at most 10000 surveys.",
        ));
    }
    Ok(counts)
}

fn parse_target(endpoint: &str) -> PyResult<FailureTarget> {
    match endpoint {
        "api" => Ok(FailureTarget::Api),
        "token" => Ok(FailureTarget::Token),
        "any" => Ok(FailureTarget::Any),
        other => Err(errors::configuration(format!(
            "endpoint must be 'api', 'token' or 'any', got {other:?}."
        ))),
    }
}

/// A body to serve: str (sent as UTF-8) or bytes (sent as they are).
fn body_bytes(value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(text.to_str()?.as_bytes().to_vec());
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    Err(PyTypeError::new_err(format!(
        "body must be a str or bytes, not {}",
        value.get_type().name()?
    )))
}

fn parse_plan(plan: &str) -> PyResult<Plan> {
    Plan::parse(plan).ok_or_else(|| {
        errors::configuration(format!(
            "plan must be 'ask_scale', 'observe_scale' or 'none', got {plan:?}."
        ))
    })
}

#[pymethods]
impl FakeHotjar {
    #[new]
    #[pyo3(signature = (
        seed = None,
        *,
        responses_per_survey = None,
        token_ttl = args::Float(3600.0),
        latency = args::Float(0.0),
        rate_limit = Some(args::Int(3000)),
        rate_window = args::Float(60.0),
        rate_limit_scope = "ip",
        retry_after = true,
        plan = "ask_scale",
        clamp_limit = false,
        numeric_ids = false,
        id_style = "digits",
        extra_fields = false,
        recording = None,
        site_id = None,
        organization_id = None,
        host = "127.0.0.1",
        port = None,
    ))]
    #[pyo3(
        text_signature = "(seed=0, *, responses_per_survey=(1234, 250, 0, 100, 37), \
        token_ttl=3600.0, latency=0.0, rate_limit=3000, rate_window=60.0, rate_limit_scope='ip', \
        retry_after=True, \
        plan='ask_scale', clamp_limit=False, numeric_ids=False, id_style='digits', \
        extra_fields=False, recording=None, site_id=None, \
        organization_id=None, host='127.0.0.1', port=0)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        seed: Option<&Bound<'_, PyAny>>,
        responses_per_survey: Option<&Bound<'_, PyAny>>,
        token_ttl: args::Float,
        latency: args::Float,
        rate_limit: Option<args::Int>,
        rate_window: args::Float,
        rate_limit_scope: &str,
        retry_after: bool,
        plan: &str,
        clamp_limit: bool,
        numeric_ids: bool,
        id_style: &str,
        extra_fields: bool,
        recording: Option<std::path::PathBuf>,
        site_id: Option<&Bound<'_, PyAny>>,
        organization_id: Option<&Bound<'_, PyAny>>,
        host: &str,
        port: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let seed = seed.map_or(Ok(0), |s| args::count(s, "seed", u64::MAX))?;
        let port = port.map_or(Ok(0), |p| args::count(p, "port", 65_535))? as u16;
        let responses_per_survey = match responses_per_survey {
            None => FakeConfig::default().responses_per_survey,
            Some(counts) => response_counts(counts)?,
        };
        let mut config = FakeConfig {
            seed,
            responses_per_survey,
            token_ttl: args::seconds(token_ttl.0, "token_ttl", 1e7)?,
            latency: if latency.0 == 0.0 {
                Duration::ZERO
            } else {
                args::seconds(latency.0, "latency", 3600.0)?
            },
            rate_limit: rate_limit.map(per_minute).transpose()?,
            rate_window: args::seconds(rate_window.0, "rate_window", 3600.0)?,
            rate_limit_scope: match rate_limit_scope {
                "ip" => RateLimitScope::Ip,
                "key" => RateLimitScope::Key,
                other => {
                    return Err(errors::configuration(format!(
                        "rate_limit_scope must be 'ip' or 'key', got {other:?}."
                    )))
                }
            },
            retry_after,
            plan: parse_plan(plan)?,
            clamp_limit,
            id_style: match (IdStyle::parse(id_style), numeric_ids) {
                (Some(IdStyle::Digits), true) => IdStyle::Numeric,
                (Some(IdStyle::Opaque), true) => {
                    return Err(errors::configuration(
                        "numeric_ids=True and id_style='opaque' contradict each other; \
                         numeric_ids=True is id_style='numeric'.",
                    ))
                }
                (Some(style), _) => style,
                (None, _) => {
                    return Err(errors::configuration(format!(
                        "id_style must be 'digits', 'numeric' or 'opaque', got {id_style:?}."
                    )))
                }
            },
            extra_fields,
            ..FakeConfig::default()
        };
        if let Some(site) = site_id.filter(|v| !v.is_none()) {
            config.site_id = args::id(site, IdKind::Site)?.to_string();
        }
        if let Some(path) = recording {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                errors::configuration(format!(
                    "The recording {} could not be read: {e}.",
                    path.display()
                ))
            })?;
            let parsed = hotjar_fake::Recording::parse(&text).map_err(|e| {
                errors::configuration(format!(
                    "{} is not a recording the fake can serve: {e}.",
                    path.display()
                ))
            })?;
            config.recording = Some(parsed);
        }
        if let Some(org) = organization_id.filter(|v| !v.is_none()) {
            config.organization_id = args::id(org, IdKind::Organization)?.to_string();
        }
        let host: IpAddr = host.parse().map_err(|_| {
            errors::configuration(format!("host must be an IP address, got {host:?}."))
        })?;
        if !host.is_loopback() {
            return Err(errors::configuration(
                "The fake only listens on loopback (127.0.0.1 or ::1): it has no TLS and \
                 serves fixed credentials.",
            ));
        }
        let runtime = runtime()?;
        let server = py
            .detach(|| runtime.block_on(FakeServer::start(config, host, port)))
            .map_err(|e| {
                errors::hotjar_error(format!("The fake could not listen on {host}:{port}: {e}"))
            })?;
        Ok(Self {
            url: server.url(),
            client_id: server.client_id().to_string(),
            client_secret: server.client_secret().to_string(),
            site_id: server.site_id().to_string(),
            organization_id: server.organization_id().to_string(),
            server: Mutex::new(Some(server)),
            pid: std::process::id(),
        })
    }

    /// The survey ids, in the order the API lists them.
    #[getter]
    fn survey_ids(&self) -> PyResult<Vec<String>> {
        self.with_server(|s| s.dataset().survey_ids())
    }

    /// The ground truth: every survey as a client should return it.
    #[pyo3(signature = (*, with_questions = true))]
    fn surveys<'py>(&self, py: Python<'py>, with_questions: bool) -> PyResult<Bound<'py, PyList>> {
        let values = self.with_server(|s| s.dataset().surveys_truth(with_questions))?;
        convert::values_to_list(py, values)
    }

    /// The ground truth: every response of a survey, newest first, as a client should
    /// return them.
    fn responses<'py>(
        &self,
        py: Python<'py>,
        survey_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let values = self
            .with_server(|s| s.responses_truth(survey.as_str()))?
            .ok_or_else(|| errors::configuration(format!("The fake has no survey {survey}.")))?;
        convert::values_to_list(py, values)
    }

    /// Adds a survey with ``responses`` responses, listed after the others; returns its id.
    ///
    /// >>> new_id = fake.add_survey(responses=40)
    #[pyo3(signature = (*, responses = None))]
    #[pyo3(text_signature = "($self, *, responses=0)")]
    fn add_survey(&self, responses: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        let responses = responses.map_or(Ok(0), |n| args::count(n, "responses", 10_000_000))?;
        self.with_server(|s| s.add_survey(responses as usize))
    }

    /// Adds ``count`` responses to a survey, newer than every response it has (as if they
    /// came in since); returns their ids, newest first. The other responses stay as they were.
    ///
    /// >>> new_ids = fake.add_responses(fake.survey_ids[0], 100)
    fn add_responses(
        &self,
        survey_id: &Bound<'_, PyAny>,
        count: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<String>> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let count = args::count(count, "count", 10_000_000)? as usize;
        self.with_server(|s| s.add_responses(survey.as_str(), count))?
            .ok_or_else(|| errors::configuration(format!("The fake has no survey {survey}.")))
    }

    /// Changes a response as when a partial response is completed: its answers are drawn
    /// anew and ``is_complete`` becomes true; its id and ``created_time`` stay.
    ///
    /// >>> fake.change_response(survey_id, fake.responses(survey_id)[5]["id"])
    fn change_response(
        &self,
        survey_id: &Bound<'_, PyAny>,
        response_id: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let response = match response_id.extract::<String>() {
            Ok(text) => text,
            Err(_)
                if response_id.is_instance_of::<PyInt>()
                    && !response_id.is_instance_of::<PyBool>() =>
            {
                response_id.str()?.to_string()
            }
            Err(_) => {
                return Err(PyTypeError::new_err(format!(
                    "response_id must be an int or a str, not {}",
                    response_id.get_type().name()?
                )))
            }
        };
        if self.with_server(|s| s.change_response(survey.as_str(), response.as_str()))? {
            Ok(())
        } else {
            Err(errors::configuration(format!(
                "The fake has no response {response} in survey {survey}."
            )))
        }
    }

    /// The next ``count`` requests get this answer instead of the real one.
    ///
    /// ``endpoint`` is ``"api"`` (survey and lookup calls), ``"token"`` or ``"any"``. ``body``
    /// (str or bytes) replaces the JSON error body (``status=200, body="{"`` sends broken
    /// JSON); ``location`` adds a ``Location`` header (``status=302`` plays a redirect).
    /// ``after`` lets that many matching requests through first: ``after=2`` hits the third.
    #[pyo3(signature = (
        count = None,
        *,
        status = None,
        body = None,
        retry_after = None,
        endpoint = "api",
        after = None,
        location = None,
    ))]
    #[pyo3(
        text_signature = "($self, count=1, *, status=503, body=None, retry_after=None, \
        endpoint='api', after=0, location=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn fail_next(
        &self,
        count: Option<&Bound<'_, PyAny>>,
        status: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
        retry_after: Option<&Bound<'_, PyAny>>,
        endpoint: &str,
        after: Option<&Bound<'_, PyAny>>,
        location: Option<String>,
    ) -> PyResult<()> {
        let count = count.map_or(Ok(1), |v| args::count(v, "count", 1_000_000))?;
        let after = after.map_or(Ok(0), |v| args::count(v, "after", 1_000_000))?;
        let status = status.map_or(Ok(503), |v| args::count(v, "status", u64::MAX))?;
        if !(200..=599).contains(&status) {
            return Err(errors::configuration(format!(
                "status must be an HTTP status between 200 and 599, got {status}."
            )));
        }
        let retry_after = retry_after
            .filter(|v| !v.is_none())
            .map(|v| args::count(v, "retry_after", 86_400))
            .transpose()?;
        let body = body.filter(|v| !v.is_none()).map(body_bytes).transpose()?;
        if let Some(bad) = location
            .as_deref()
            .filter(|l| reqwest::header::HeaderValue::from_str(l).is_err())
        {
            return Err(errors::configuration(format!(
                "location {bad:?} cannot be sent as a header (control characters?)."
            )));
        }
        let failure = InjectedFailure {
            status: status as u16,
            body,
            retry_after,
            location,
            target: parse_target(endpoint)?,
            fault: Fault::Replace,
        };
        self.with_server(|s| s.fail_after(after as usize, count as usize, failure))
    }

    /// Damages the real answer of the next ``count`` requests (after letting ``after`` through).
    ///
    /// ``fault`` is ``"reset"`` (headers and half the body, then the connection drops),
    /// ``"truncate"`` (the body cut in half), ``"garble"`` (junk in the middle of the body),
    /// ``"repeat_cursor"`` (the page's ``next_cursor`` points back at the page itself),
    /// ``"slow"`` (answers ``delay`` seconds late), ``"revoke"`` (the key is revoked as the
    /// request arrives, see ``restore_credentials()``), ``"expire_tokens"`` (every issued
    /// token expires as the request arrives) or ``"echo_token"`` (a 400 whose message quotes
    /// the request's bearer token, to check that clients never pass it on) or ``"hold"``
    /// (the request waits until ``release_held()``; ``wait_held()`` returns once it waits).
    ///
    /// >>> fake.inject_fault("reset", after=2)   # the third page's connection drops
    #[pyo3(signature = (fault, *, count = None, after = None, endpoint = "api", delay = None))]
    #[pyo3(text_signature = "($self, fault, *, count=1, after=0, endpoint='api', delay=None)")]
    fn inject_fault(
        &self,
        fault: &str,
        count: Option<&Bound<'_, PyAny>>,
        after: Option<&Bound<'_, PyAny>>,
        endpoint: &str,
        delay: Option<args::Float>,
    ) -> PyResult<()> {
        let delay = delay.map(|d| d.0);
        let count = count.map_or(Ok(1), |v| args::count(v, "count", 1_000_000))?;
        let after = after.map_or(Ok(0), |v| args::count(v, "after", 1_000_000))?;
        let fault = match (fault, delay) {
            ("slow", Some(seconds)) => Fault::Slow(args::seconds(seconds, "delay", 3600.0)?),
            ("slow", None) => {
                return Err(errors::configuration(
                    "fault='slow' needs delay=<seconds>, e.g. delay=2.0.",
                ))
            }
            (_, Some(_)) => {
                return Err(errors::configuration(format!(
                    "delay= only goes with fault='slow', not {fault:?}."
                )))
            }
            ("reset", None) => Fault::ResetMidBody,
            ("truncate", None) => Fault::Truncate,
            ("garble", None) => Fault::Garble,
            ("repeat_cursor", None) => Fault::RepeatCursor,
            ("revoke", None) => Fault::Revoke,
            ("expire_tokens", None) => Fault::ExpireTokens,
            ("echo_token", None) => Fault::EchoToken,
            ("hold", None) => Fault::Hold,
            (other, None) => {
                return Err(errors::configuration(format!(
                    "fault must be 'reset', 'truncate', 'garble', 'repeat_cursor', 'slow', \
                     'revoke', 'expire_tokens', 'echo_token' or 'hold', got {other:?}."
                )))
            }
        };
        let failure = InjectedFailure {
            target: parse_target(endpoint)?,
            ..InjectedFailure::fault(fault)
        };
        self.with_server(|s| s.fail_after(after as usize, count as usize, failure))
    }

    /// Waits until ``inject_fault("hold")`` has stopped ``count`` requests in all (released
    /// ones included), so a test can act while an export is surely under way. Raises
    /// ``TimeoutError`` after ``timeout`` seconds: a safety net, not a measure.
    ///
    /// With ``fake.inject_fault("hold", after=2)`` the third API request waits: start the
    /// export in another thread, ``fake.wait_held()``, act, then ``fake.release_held()``.
    #[pyo3(signature = (count = None, *, timeout = args::Float(30.0)))]
    #[pyo3(text_signature = "($self, count=1, *, timeout=30.0)")]
    fn wait_held(
        &self,
        py: Python<'_>,
        count: Option<&Bound<'_, PyAny>>,
        timeout: args::Float,
    ) -> PyResult<()> {
        let count = count.map_or(Ok(1), |v| args::count(v, "count", 1_000_000))? as usize;
        let limit = args::seconds(timeout.0, "timeout", 86_400.0)?;
        let held = self.with_server(|s| s.wait_held(count))?;
        // The timer is made inside the runtime: a tokio timer needs one to exist.
        match block_on(py, async move { tokio::time::timeout(limit, held).await })? {
            Ok(()) => Ok(()),
            Err(_) => Err(PyTimeoutError::new_err(format!(
                "the fake held fewer than {count} request(s) within {} s",
                timeout.0
            ))),
        }
    }

    /// Lets every request stopped by ``inject_fault("hold")`` go on to its real answer.
    fn release_held(&self) -> PyResult<()> {
        self.with_server(|s| s.release_held())
    }

    /// Requests for one survey (the survey and its pages of responses) answer ``status``
    /// instead of their real answer: after ``after`` of them went through, ``count`` times
    /// (None: until ``clear_survey_failures()``). Other surveys are unaffected.
    #[pyo3(signature = (survey_id, *, status = None, after = None, count = None))]
    #[pyo3(text_signature = "($self, survey_id, *, status=500, after=0, count=None)")]
    fn fail_survey(
        &self,
        survey_id: &Bound<'_, PyAny>,
        status: Option<&Bound<'_, PyAny>>,
        after: Option<&Bound<'_, PyAny>>,
        count: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let status = status.map_or(Ok(500), |v| args::count(v, "status", u64::MAX))?;
        let after = after.map_or(Ok(0), |v| args::count(v, "after", 1_000_000))? as usize;
        let count = count
            .filter(|v| !v.is_none())
            .map(|v| args::count(v, "count", 1_000_000).map(|n| n as usize))
            .transpose()?;
        if !(400..=599).contains(&status) {
            return Err(errors::configuration(format!(
                "status must be an HTTP error status between 400 and 599, got {status}."
            )));
        }
        if count == Some(0) {
            return Err(errors::configuration(
                "count must be at least 1, or None for every request.",
            ));
        }
        let survey_id = args::id(survey_id, IdKind::Survey)?.to_string();
        self.with_server(|s| {
            s.fail_survey(SurveyFailure {
                survey_id,
                status: status as u16,
                after,
                remaining: count,
            })
        })
    }

    /// Undoes every ``fail_survey()``.
    fn clear_survey_failures(&self) -> PyResult<()> {
        self.with_server(FakeServer::clear_survey_failures)
    }

    /// The key stops working, as when an Admin deletes it: new tokens are refused with
    /// ``invalid_client`` and issued tokens get 401.
    fn revoke_credentials(&self) -> PyResult<()> {
        self.with_server(|s| s.set_revoked(true))
    }

    /// Undoes ``revoke_credentials()``.
    fn restore_credentials(&self) -> PyResult<()> {
        self.with_server(|s| s.set_revoked(false))
    }

    /// Every issued access token expires now.
    fn expire_tokens(&self) -> PyResult<()> {
        self.with_server(FakeServer::expire_tokens)
    }

    /// Seconds added before every answer.
    #[getter]
    fn get_latency(&self) -> PyResult<f64> {
        self.with_server(|s| s.latency().as_secs_f64())
    }

    #[setter]
    fn set_latency(&self, seconds: args::Float) -> PyResult<()> {
        let seconds = seconds.0;
        let latency = if seconds == 0.0 {
            Duration::ZERO
        } else {
            args::seconds(seconds, "latency", 3600.0)?
        };
        self.with_server(|s| s.set_latency(latency))
    }

    /// The organization's plan: ``"ask_scale"``, ``"observe_scale"`` or ``"none"``.
    #[getter]
    fn get_plan(&self) -> PyResult<&'static str> {
        self.with_server(|s| s.plan().name())
    }

    #[setter]
    fn set_plan(&self, plan: &str) -> PyResult<()> {
        let plan = parse_plan(plan)?;
        self.with_server(|s| s.set_plan(plan))
    }

    /// Lifetime, in seconds, of tokens issued from now on.
    #[getter]
    fn get_token_ttl(&self) -> PyResult<f64> {
        self.with_server(|s| s.token_ttl().as_secs_f64())
    }

    #[setter]
    fn set_token_ttl(&self, seconds: args::Float) -> PyResult<()> {
        let ttl = args::seconds(seconds.0, "token_ttl", 1e7)?;
        self.with_server(|s| s.set_token_ttl(ttl))
    }

    /// Changes the rate limit (requests per minute, or None) and whether 429s carry
    /// ``Retry-After``. Resets the window.
    #[pyo3(signature = (per_minute, *, retry_after = true))]
    fn set_rate_limit(&self, per_minute: Option<args::Int>, retry_after: bool) -> PyResult<()> {
        let limit = per_minute.map(self::per_minute).transpose()?;
        self.with_server(|s| s.set_rate_limit(limit, retry_after))
    }

    /// Every request so far: method, path, query, status and ``at`` (seconds since start).
    /// Headers and bodies are not recorded, so the log holds no secret.
    fn request_log<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let records = self.with_server(FakeServer::request_log)?;
        let list = PyList::empty(py);
        for record in records {
            let row = PyDict::new(py);
            row.set_item("method", record.method)?;
            row.set_item("path", record.path)?;
            row.set_item("query", record.query)?;
            row.set_item("status", record.status)?;
            row.set_item("at", record.at)?;
            list.append(row)?;
        }
        Ok(list)
    }

    fn clear_request_log(&self) -> PyResult<()> {
        self.with_server(FakeServer::clear_request_log)
    }

    /// The user lookups and deletions the fake accepted, oldest first: ``action``
    /// (``"lookup"`` or ``"delete"``), ``organization_id``, ``email``, ``user_ids`` (site id ->
    /// user id, or None), ``status`` and ``at`` (UTC, ISO 8601 as ``user_lookup`` gives it).
    ///
    /// Subjects are masked (``v***@example.com``) unless ``reveal=True``; ``action`` keeps only
    /// lookups or only deletions.
    ///
    /// >>> [r["email"] for r in fake.lookups(action="delete", reveal=True)]
    /// ['visitor17@example.com']
    #[pyo3(signature = (*, action = None, reveal = false))]
    fn lookups<'py>(
        &self,
        py: Python<'py>,
        action: Option<&str>,
        reveal: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        if let Some(action) = action.filter(|a| !matches!(*a, "lookup" | "delete")) {
            return Err(errors::configuration(format!(
                "action must be 'lookup', 'delete' or None, got {action:?}."
            )));
        }
        let records = self.with_server(FakeServer::lookups)?;
        let list = PyList::empty(py);
        for record in records {
            if action.is_some_and(|a| a != record.action) {
                continue;
            }
            let show_email = |e: &str| {
                if reveal {
                    e.to_string()
                } else {
                    gdpr::mask_email(e)
                }
            };
            let show_user = |u: &str| {
                if reveal {
                    u.to_string()
                } else {
                    gdpr::mask_user_id(u)
                }
            };
            let row = PyDict::new(py);
            row.set_item("action", record.action)?;
            row.set_item("organization_id", &record.organization_id)?;
            row.set_item("email", record.email.as_deref().map(show_email))?;
            if record.user_ids.is_empty() {
                row.set_item("user_ids", py.None())?;
            } else {
                let ids = PyDict::new(py);
                for (site, user) in &record.user_ids {
                    ids.set_item(site, show_user(user))?;
                }
                row.set_item("user_ids", ids)?;
            }
            row.set_item("status", record.status)?;
            row.set_item("at", gdpr::format_time(record.at))?;
            list.append(row)?;
        }
        Ok(list)
    }

    /// Data subjects that have responses in this fake, most responses first: ``email``,
    /// ``user_ids`` (``{site_id: user_id}``), and how many visible responses are linked to
    /// the email (``responses_by_email``), to the user id (``responses_by_user_id``) and to
    /// either (``responses``). Deleted ones drop out.
    ///
    /// The fake's visitors are made up: visitor n is ``visitor{n}@example.com`` with user id
    /// ``cust_{n}``. A response is linked to the email when it answers an email question or
    /// has user attributes (which include ``email``), and to the user id when it has user
    /// attributes (``user_id``). Deleting by email hides the first kind, by user id the second.
    ///
    /// >>> subject = fake.subjects()[0]
    /// >>> client.delete_user_data(email=subject["email"], confirm=True)
    #[pyo3(signature = (*, limit = None))]
    fn subjects<'py>(
        &self,
        py: Python<'py>,
        limit: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let limit = limit
            .filter(|l| !l.is_none())
            .map(|l| args::count(l, "limit", 1_000_000_000))
            .transpose()?
            .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
        let subjects = py.detach(|| self.with_server(FakeServer::subjects))?;
        let list = PyList::empty(py);
        for subject in subjects.into_iter().take(limit) {
            let row = PyDict::new(py);
            row.set_item("email", subject.email)?;
            let ids = PyDict::new(py);
            ids.set_item(subject.site_id, subject.user_id)?;
            row.set_item("user_ids", ids)?;
            row.set_item("responses_by_email", subject.responses_by_email)?;
            row.set_item("responses_by_user_id", subject.responses_by_user_id)?;
            row.set_item("responses", subject.responses)?;
            list.append(row)?;
        }
        Ok(list)
    }

    /// The 2xx the user-lookup endpoint answers with: 200 (default, body ``{}``), 201, 202
    /// or 204 (no body). Hotjar does not document its status.
    #[getter]
    fn get_lookup_status(&self) -> PyResult<u16> {
        self.with_server(FakeServer::lookup_status)
    }

    #[setter]
    fn set_lookup_status(&self, status: u16) -> PyResult<()> {
        if !matches!(status, 200 | 201 | 202 | 204) {
            return Err(errors::configuration(format!(
                "lookup_status must be 200, 201, 202 or 204, got {status}."
            )));
        }
        self.with_server(|s| s.set_lookup_status(status))
    }

    /// Counters: ``requests``, ``rate_limited`` (429s sent), ``tokens_issued``,
    /// ``busiest_minute`` (most requests accepted in any 60 s window), ``busiest_second``
    /// (most requests arriving in any 1 s window) and ``faults_injected`` (requests that
    /// ``fail_next`` or ``inject_fault`` hit).
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let stats = self.with_server(FakeServer::stats)?;
        let result = PyDict::new(py);
        result.set_item("requests", stats.requests)?;
        result.set_item("rate_limited", stats.rate_limited)?;
        result.set_item("tokens_issued", stats.tokens_issued)?;
        result.set_item("busiest_minute", stats.busiest_minute)?;
        result.set_item("busiest_second", stats.busiest_second)?;
        result.set_item("faults_injected", stats.faults_injected)?;
        Ok(result)
    }

    /// Stops serving. Safe to call twice.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        if self.pid != std::process::id() {
            // The server task lives in the parent; the child has nothing to stop.
            return Ok(());
        }
        let server = self.server.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(mut server) = server {
            block_on(py, async move { server.stop().await })?;
        }
        Ok(())
    }

    /// A fake is a running server on this process's threads: it cannot be pickled or copied.
    fn __reduce__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err(
            "A FakeHotjar cannot be pickled or copied: it is a server running in this process. \
             Start one in the other process, or pass its url and credentials.",
        ))
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        let running = self.server.lock().map(|s| s.is_some()).unwrap_or(false);
        format!(
            "<hotjar_client.testing.FakeHotjar url='{}' site_id='{}'{}>",
            self.url,
            self.site_id,
            if running { "" } else { " closed" }
        )
    }
}
