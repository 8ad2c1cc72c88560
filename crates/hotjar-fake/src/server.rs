//! The fake's HTTP side: one handler that routes by hand, so that every request (known route or
//! not) goes through the same log, rate limit, latency and injected failures, in that order.

// Checks return the early answer as `Err(Response)`; a Response is large but made at most once
// per request, so boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, Request, State as AxumState};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::cursor;
use super::dataset::Erasures;
use super::state::{Fault, InjectedFailure, Plan, RateLimitScope};
use super::Shared;

const MAX_BODY: usize = 1 << 20;

pub(super) async fn handle(
    AxumState(shared): AxumState<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    let is_token = path == "/v1/oauth/token";
    let response = respond(&shared, peer, request, is_token).await;
    let status = response.status().as_u16();
    let mut state = shared.lock();
    let at = state.started.elapsed().as_secs_f64();
    state.stats.requests += 1;
    if status == 429 {
        state.stats.rate_limited += 1;
    }
    state.log.push(super::RequestRecord {
        method: method.to_string(),
        path,
        query,
        status,
        at,
    });
    response
}

async fn respond(shared: &Shared, peer: SocketAddr, request: Request, is_token: bool) -> Response {
    let (parts, body) = request.into_parts();
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Body too large.",
            )
        }
    };

    // Rate limit first: a real gateway counts requests before anything else looks at them.
    let (latency, admitted, send_retry_after, failure, survey_failure) = {
        let mut state = shared.lock();
        state.arrived();
        let key = match state.rate_limit_scope {
            RateLimitScope::Ip => peer.ip().to_string(),
            RateLimitScope::Key => shared.client_id.clone(),
        };
        let admitted = state.admit(&key);
        let (failure, survey_failure) = if admitted.is_ok() {
            let failure = state.take_failure(is_token);
            let survey_failure = match failure {
                Some(_) => None,
                None => state.take_survey_failure(parts.uri.path()),
            };
            (failure, survey_failure)
        } else {
            (None, None)
        };
        (
            state.latency,
            admitted,
            state.send_retry_after,
            failure,
            survey_failure,
        )
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Err(wait) = admitted {
        let mut response = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests",
        );
        if send_retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, wait.into());
        }
        return response;
    }
    let fault = match failure {
        Some(failure) if failure.fault == Fault::Replace => return canned(failure),
        Some(failure) => failure.fault,
        None => Fault::Pass,
    };
    if let Some(status) = survey_failure {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return error(
            status,
            "injected_failure",
            "Injected failure for this survey",
        );
    }
    if let Fault::Slow(delay) = fault {
        tokio::time::sleep(delay).await;
    }
    if fault == Fault::Hold {
        shared.hold().await;
    }
    if fault == Fault::EchoToken {
        let sent = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("(none)");
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("Malformed Authorization header: {sent}"),
        );
    }
    let cursor = parts
        .uri
        .query()
        .and_then(|q| query_value(&parse_query(Some(q)), "cursor").map(str::to_string));
    let response = route(shared, parts, &body);
    match fault {
        Fault::ResetMidBody | Fault::Truncate | Fault::Garble | Fault::RepeatCursor => {
            damage(response, fault, cursor).await
        }
        _ => response,
    }
}

/// The real answer to a request.
fn route(shared: &Shared, parts: axum::http::request::Parts, body: &[u8]) -> Response {
    // Segments are percent-decoded: a client sends an opaque id as one encoded segment.
    let decoded: Vec<String> = parts
        .uri
        .path()
        .trim_matches('/')
        .split('/')
        .map(decode_segment)
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let query = parse_query(parts.uri.query());
    match (&parts.method, segments.as_slice()) {
        (&Method::POST, ["v1", "oauth", "token"]) => token(shared, &parts.headers, body),
        (_, ["v1", "oauth", "token"]) => method_not_allowed(),
        (method, ["v1", "sites", site, "surveys", rest @ ..]) if rest.len() <= 2 => {
            if method != Method::GET {
                return method_not_allowed();
            }
            if let Err(response) = authorize(shared, &parts.headers, Feature::Surveys) {
                return response;
            }
            if *site != shared.site_id {
                return error(StatusCode::NOT_FOUND, "not_found", "Site not found");
            }
            match rest {
                [] => list_surveys(shared, &query),
                [survey] => get_survey(shared, survey),
                [survey, "responses"] => list_responses(shared, survey, &query),
                _ => not_found(),
            }
        }
        (method, ["v1", "organizations", organization, "user-lookup"]) => {
            if method != Method::POST {
                return method_not_allowed();
            }
            if let Err(response) = authorize(shared, &parts.headers, Feature::UserLookup) {
                return response;
            }
            if *organization != shared.organization_id {
                return error(StatusCode::NOT_FOUND, "not_found", "Organization not found");
            }
            user_lookup(shared, organization, &parts.headers, body)
        }
        _ => not_found(),
    }
}

/// The canned answer of an injected failure.
fn canned(failure: InjectedFailure) -> Response {
    let status = StatusCode::from_u16(failure.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = match failure.body {
        Some(bytes) => bytes_response(status, bytes),
        None => error(status, "injected_failure", "Injected failure from the fake"),
    };
    let headers = response.headers_mut();
    if let Some(seconds) = failure.retry_after {
        headers.insert(header::RETRY_AFTER, seconds.into());
    }
    if let Some(value) = failure
        .location
        .and_then(|l| header::HeaderValue::from_str(&l).ok())
    {
        headers.insert(header::LOCATION, value);
    }
    response
}

/// The real answer, damaged by `fault`.
async fn damage(response: Response, fault: Fault, cursor: Option<String>) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Body lost");
    };
    let half = bytes.len() / 2;
    let new_body = match fault {
        Fault::ResetMidBody => {
            // The headers promise the whole body; the connection drops half way through it.
            parts
                .headers
                .insert(header::CONTENT_LENGTH, bytes.len().into());
            let chunks = vec![
                Ok(bytes.slice(..half)),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected reset",
                )),
            ];
            return Response::from_parts(parts, Body::from_stream(Chunks::new(chunks)));
        }
        Fault::Truncate => bytes.slice(..half),
        Fault::Garble => {
            let mut garbled = bytes[..half].to_vec();
            garbled.extend_from_slice(b"\x00}#!garbled");
            garbled.extend_from_slice(&bytes[half..]);
            garbled.into()
        }
        Fault::RepeatCursor => match (serde_json::from_slice::<Value>(&bytes), cursor) {
            (Ok(Value::Object(mut page)), Some(cursor)) if page.contains_key("next_cursor") => {
                page.insert("next_cursor".into(), Value::String(cursor));
                serde_json::to_vec(&page).unwrap_or_default().into()
            }
            _ => bytes,
        },
        _ => bytes,
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(new_body))
}

/// A body stream that yields its chunks in order, and waits a little before an error so that
/// what came before it is on the wire first (headers and part of the body, then the drop).
struct Chunks {
    items: std::collections::VecDeque<std::io::Result<bytes::Bytes>>,
    pause: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl Chunks {
    fn new(items: Vec<std::io::Result<bytes::Bytes>>) -> Self {
        Self {
            items: items.into(),
            pause: None,
        }
    }
}

impl futures_core::Stream for Chunks {
    type Item = std::io::Result<bytes::Bytes>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        if self.items.front().is_some_and(Result::is_err) {
            let pause = self
                .pause
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(50))));
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
        Poll::Ready(self.items.pop_front())
    }
}

#[derive(Clone, Copy)]
enum Feature {
    Surveys,
    UserLookup,
}

/// The bearer check, then the plan gate.
fn authorize(shared: &Shared, headers: &HeaderMap, feature: Feature) -> Result<(), Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    let state = shared.lock();
    match token {
        None => {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Missing bearer token",
            ))
        }
        Some(token) if !state.token_is_valid(token) => {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Invalid or expired access token",
            ))
        }
        Some(_) => {}
    }
    let allowed = matches!(
        (feature, state.plan),
        (Feature::Surveys, Plan::AskScale)
            | (Feature::UserLookup, Plan::AskScale | Plan::ObserveScale)
    );
    if !allowed {
        return Err(error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "This feature is not available on your plan",
        ));
    }
    Ok(())
}

fn token(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Response {
    let form_encoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The token request must be application/x-www-form-urlencoded.",
        );
    }
    let form = parse_query(std::str::from_utf8(body).ok());
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match field("grant_type") {
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Only client_credentials is supported.",
            )
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required.",
            )
        }
    }
    let mut state = shared.lock();
    let matches = field("client_id") == Some(shared.client_id.as_str())
        && field("client_secret") == Some(shared.client_secret.as_str());
    if !matches || state.revoked {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    let token = state.issue_token();
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": state.token_ttl.as_secs_f64().ceil() as u64,
        }),
    )
}

/// Reads `limit` as the API does: 1 to 100, default 100; above 100 is an error, or clamped.
fn page_limit(shared: &Shared, query: &[(String, String)]) -> Result<usize, Response> {
    let Some((_, raw)) = query.iter().find(|(k, _)| k == "limit") else {
        return Ok(100);
    };
    match raw.parse::<i64>() {
        Ok(n) if (1..=100).contains(&n) => Ok(n as usize),
        Ok(n) if n > 100 && shared.lock().clamp_limit => Ok(100),
        _ => Err(error(
            StatusCode::BAD_REQUEST,
            "invalid_limit",
            "limit must be an integer between 1 and 100",
        )),
    }
}

fn query_value<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn list_surveys(shared: &Shared, query: &[(String, String)]) -> Response {
    let limit = match page_limit(shared, query) {
        Ok(limit) => limit,
        Err(response) => return response,
    };
    let with_questions = match query_value(query, "with_questions") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
                "with_questions must be true or false",
            )
        }
    };
    let offset = match query_value(query, "cursor") {
        None => 0,
        Some(raw) => match cursor::decode(shared.seed, raw, cursor::SURVEYS) {
            Some(offset) => offset,
            None => return error(StatusCode::BAD_REQUEST, "invalid_cursor", "Invalid cursor"),
        },
    };
    let dataset = shared.dataset();
    let total = dataset.survey_count();
    let results = dataset.surveys_page(offset, limit, with_questions);
    let next = (offset + limit < total)
        .then(|| cursor::encode(shared.seed, cursor::SURVEYS, offset + limit));
    json_response(
        StatusCode::OK,
        &json!({"results": results, "next_cursor": next}),
    )
}

fn get_survey(shared: &Shared, survey: &str) -> Response {
    let dataset = shared.dataset();
    match dataset.survey_index(survey) {
        Some(index) => json_response(StatusCode::OK, &dataset.survey_value(index, true)),
        None => error(StatusCode::NOT_FOUND, "not_found", "Survey not found"),
    }
}

fn list_responses(shared: &Shared, survey: &str, query: &[(String, String)]) -> Response {
    let dataset = shared.dataset();
    let Some(index) = dataset.survey_index(survey) else {
        return error(StatusCode::NOT_FOUND, "not_found", "Survey not found");
    };
    let limit = match page_limit(shared, query) {
        Ok(limit) => limit,
        Err(response) => return response,
    };
    let offset = match query_value(query, "cursor") {
        None => 0,
        Some(raw) => match cursor::decode(shared.seed, raw, index as u64 + 1) {
            Some(offset) if offset <= dataset.response_count(index) => offset,
            _ => return error(StatusCode::BAD_REQUEST, "invalid_cursor", "Invalid cursor"),
        },
    };
    let total = dataset.response_count(index);
    // A snapshot: a deletion while this page is written applies from the next page on.
    let erased = shared.lock().erased.clone();
    let mut body = Vec::with_capacity(limit * 1500 + 64);
    body.extend_from_slice(br#"{"results":"#);
    let Ok(next) = dataset.write_responses_page(index, offset, limit, &erased, &mut body) else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Serialisation failed",
        );
    };
    body.extend_from_slice(br#","next_cursor":"#);
    if next < total {
        let next = cursor::encode(shared.seed, index as u64 + 1, next);
        body.extend_from_slice(format!("\"{next}\"").as_bytes());
    } else {
        body.extend_from_slice(b"null");
    }
    body.push(b'}');
    bytes_response(StatusCode::OK, body)
}

/// The user-lookup endpoint (§4): validates the body, records what was asked, and on
/// `delete_all_hits=true` erases the subject's responses from every later answer.
fn user_lookup(shared: &Shared, organization: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    let bad = |code: &str, message: &str| error(StatusCode::BAD_REQUEST, code, message);
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let Some(Value::Object(map)) = parsed.filter(|_| is_json) else {
        return bad("invalid_body", "Body must be a JSON object");
    };
    let email = match map.get("data_subject_email") {
        None | Some(Value::Null) => None,
        Some(Value::String(email)) => Some(email.clone()),
        Some(_) => return bad("invalid_body", "data_subject_email must be a string"),
    };
    let mut user_ids = Vec::new();
    match map.get("data_subject_site_id_to_user_id_map") {
        None | Some(Value::Null) => {}
        Some(Value::Object(ids)) => {
            for (site, user) in ids {
                let site_ok = !site.is_empty() && site.bytes().all(|b| b.is_ascii_digit());
                match user {
                    Value::String(user) if site_ok && !user.trim().is_empty() => {
                        user_ids.push((site.clone(), user.clone()));
                    }
                    _ => {
                        return bad(
                            "invalid_body",
                            "data_subject_site_id_to_user_id_map must map site ids to user id \
                             strings",
                        )
                    }
                }
            }
        }
        Some(_) => {
            return bad(
                "invalid_body",
                "data_subject_site_id_to_user_id_map must be an object",
            )
        }
    }
    let delete = match map.get("delete_all_hits") {
        None => false,
        Some(Value::Bool(delete)) => *delete,
        Some(_) => return bad("invalid_body", "delete_all_hits must be a boolean"),
    };
    if email.is_none() && user_ids.is_empty() {
        return bad(
            "invalid_body",
            "data_subject_email or data_subject_site_id_to_user_id_map is required",
        );
    }
    if let Some(email) = &email {
        let valid = email.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }) && !email.chars().any(char::is_whitespace);
        if !valid {
            return bad("invalid_email", "Invalid email address");
        }
    }

    let mut state = shared.lock();
    let status = state.lookup_status;
    if delete {
        let mut erased = Erasures::clone(&state.erased);
        if let Some(email) = &email {
            erased.add_email(email);
        }
        for (site, user) in &user_ids {
            erased.add_user_id(site, user);
        }
        state.erased = Arc::new(erased);
    }
    let at = jiff::Timestamp::now();
    state.lookups.push(super::LookupRecord {
        action: if delete { "delete" } else { "lookup" },
        organization_id: organization.to_string(),
        email,
        user_ids,
        status,
        at,
    });
    drop(state);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if status == StatusCode::NO_CONTENT {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = status;
        return response;
    }
    json_response(status, &json!({}))
}

/// One path segment, percent-decoded (invalid UTF-8 is kept lossily: it matches no id).
pub(crate) fn decode_segment(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

fn parse_query(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "No such endpoint")
}

fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
    )
}

/// The fake's error body (`shared/hotjar-api.md` §5).
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, &json!({"error": code, "message": message}))
}

/// The token endpoint's error body, OAuth style (§1).
fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    json_response(
        status,
        &json!({"error": code, "error_description": description}),
    )
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    bytes_response(status, serde_json::to_vec(value).unwrap_or_default())
}

fn bytes_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
