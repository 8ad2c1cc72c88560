//! The fake's mutable state: issued tokens, the rate-limit window, injected failures, the
//! request log and the knobs tests turn while it runs.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::dataset::Erasures;

/// The plan of the organization the fake key belongs to (`shared/hotjar-api.md` §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    AskScale,
    ObserveScale,
    None,
}

impl Plan {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ask_scale" => Some(Plan::AskScale),
            "observe_scale" => Some(Plan::ObserveScale),
            "none" => Some(Plan::None),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Plan::AskScale => "ask_scale",
            Plan::ObserveScale => "observe_scale",
            Plan::None => "none",
        }
    }
}

/// Who a rate-limit window belongs to. MKS says Hotjar counts per source IP; the brief says per
/// key. The fake can do either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitScope {
    Ip,
    Key,
}

/// Which requests an injected failure may hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureTarget {
    Api,
    Token,
    Any,
}

/// What an injected failure does to the request it hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer with the failure's status, body, `Retry-After` and `Location` instead of the real
    /// answer.
    Replace,
    /// The real answer's status, headers and the first half of its body, then the connection
    /// drops (as when a connection is reset mid-transfer).
    ResetMidBody,
    /// The real answer with its body cut in half (a clean, short body: the JSON ends early).
    Truncate,
    /// The real answer with junk bytes in the middle of its body.
    Garble,
    /// The real page with `next_cursor` set to the cursor the request was sent with, so the
    /// page points back at itself. A request without a cursor (the first page) is untouched.
    RepeatCursor,
    /// The real answer, this much later (on top of the fake's latency).
    Slow(Duration),
    /// The key is revoked as this request arrives, so this request and every later one is
    /// refused until `set_revoked(false)`.
    Revoke,
    /// Every issued access token expires as this request arrives.
    ExpireTokens,
    /// A 400 whose message quotes the request's `Authorization` header back, as a careless
    /// server might: a client must not pass the token on in its error.
    EchoToken,
    /// The request waits, before its real answer is made, until `FakeServer::release_held`;
    /// `FakeServer::wait_held` tells a test that it is waiting. A test can then act (interrupt,
    /// inject a failure) while an export is surely under way, with no race on time.
    Hold,
    /// Untouched: used to aim a fault at a later request.
    Pass,
}

/// One injected failure: a canned answer, or a fault applied to the real one.
#[derive(Debug, Clone)]
pub struct InjectedFailure {
    pub status: u16,
    pub body: Option<Vec<u8>>,
    pub retry_after: Option<u64>,
    /// A `Location` header for the canned answer (to play a redirect).
    pub location: Option<String>,
    pub target: FailureTarget,
    pub fault: Fault,
}

impl InjectedFailure {
    /// A canned answer with this status and the fake's JSON error body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            body: None,
            retry_after: None,
            location: None,
            target: FailureTarget::Api,
            fault: Fault::Replace,
        }
    }

    /// A fault applied to the real answer of an API request.
    pub fn fault(fault: Fault) -> Self {
        Self {
            fault,
            ..Self::status(200)
        }
    }
}

/// One request as the fake saw it. Headers and the token endpoint's form are not kept: the log
/// holds no secret.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    /// Seconds since the fake started.
    pub at: f64,
}

/// One user lookup or deletion the fake accepted. It holds the subject as sent (the fake's
/// own made-up visitors, for tests to assert on); its `Debug` shows it masked.
#[derive(Clone, PartialEq)]
pub struct LookupRecord {
    /// `"lookup"` or `"delete"`.
    pub action: &'static str,
    pub organization_id: String,
    pub email: Option<String>,
    /// (site id, user id), in the order sent.
    pub user_ids: Vec<(String, String)>,
    /// The status the fake answered with.
    pub status: u16,
    /// When the fake answered (UTC), as `user_lookup`'s results record it.
    pub at: jiff::Timestamp,
}

impl fmt::Debug for LookupRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user_ids: Vec<(String, String)> = self
            .user_ids
            .iter()
            .map(|(site, user)| (site.clone(), hotjar_mask::mask_user_id(user)))
            .collect();
        f.debug_struct("LookupRecord")
            .field("action", &self.action)
            .field("organization_id", &self.organization_id)
            .field("email", &self.email.as_deref().map(hotjar_mask::mask_email))
            .field("user_ids", &user_ids)
            .field("status", &self.status)
            .field("at", &self.at)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct FakeStats {
    pub requests: u64,
    pub rate_limited: u64,
    pub tokens_issued: u64,
    /// The most requests accepted in any rate-limit window (60 s unless `rate_window` says
    /// otherwise) so far.
    pub busiest_minute: u64,
    /// Injected failures that hit a request (aiming entries not counted).
    pub faults_injected: u64,
    /// The most requests that arrived in any 1 s window so far (refused ones included).
    pub busiest_second: u64,
}

/// Every request for one survey (the survey and its responses) fails with `status`, after
/// `after` of them went through, `remaining` times (`None`: until cleared).
#[derive(Debug, Clone)]
pub struct SurveyFailure {
    pub survey_id: String,
    pub status: u16,
    pub after: usize,
    pub remaining: Option<usize>,
}

#[derive(Debug)]
pub struct State {
    pub started: Instant,
    pub plan: Plan,
    pub latency: Duration,
    pub token_ttl: Duration,
    pub revoked: bool,
    pub rate_limit: Option<u32>,
    pub rate_window: Duration,
    pub rate_limit_scope: RateLimitScope,
    pub send_retry_after: bool,
    pub clamp_limit: bool,
    pub tokens: HashMap<String, Instant>,
    pub windows: HashMap<String, VecDeque<Instant>>,
    pub failures: VecDeque<InjectedFailure>,
    pub survey_failures: Vec<SurveyFailure>,
    /// Arrival times of the last second, for `busiest_second`.
    pub last_second: VecDeque<Instant>,
    pub log: Vec<RequestRecord>,
    pub stats: FakeStats,
    /// Accepted lookups and deletions, in order.
    pub lookups: Vec<LookupRecord>,
    /// What deletions erased. Replaced, never changed in place, so a page being written
    /// keeps the snapshot it started with.
    pub erased: Arc<Erasures>,
    /// The 2xx the user-lookup endpoint answers with (200, 201, 202 or 204).
    pub lookup_status: u16,
}

impl State {
    /// Counts a request against its window. `Err(seconds)` when it is over the limit: the
    /// wait until the oldest request in the window leaves it.
    pub fn admit(&mut self, key: &str) -> Result<(), u64> {
        let Some(limit) = self.rate_limit else {
            return Ok(());
        };
        let now = Instant::now();
        let window = self.windows.entry(key.to_string()).or_default();
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.rate_window)
        {
            window.pop_front();
        }
        if window.len() >= limit as usize {
            let oldest = window.front().copied().unwrap_or(now);
            let wait = self.rate_window.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        window.push_back(now);
        self.stats.busiest_minute = self.stats.busiest_minute.max(window.len() as u64);
        Ok(())
    }

    /// Counts an arriving request for `busiest_second`.
    pub fn arrived(&mut self) {
        let now = Instant::now();
        while self
            .last_second
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            self.last_second.pop_front();
        }
        self.last_second.push_back(now);
        self.stats.busiest_second = self.stats.busiest_second.max(self.last_second.len() as u64);
    }

    /// The status to fail this request with, if it is for a survey set to fail.
    pub fn take_survey_failure(&mut self, path: &str) -> Option<u16> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let ["v1", "sites", _, "surveys", survey, ..] = segments.as_slice() else {
            return None;
        };
        let position = self
            .survey_failures
            .iter()
            .position(|f| f.survey_id == crate::server::decode_segment(survey))?;
        let failure = &mut self.survey_failures[position];
        if failure.after > 0 {
            failure.after -= 1;
            return None;
        }
        let status = failure.status;
        if let Some(remaining) = &mut failure.remaining {
            *remaining = remaining.saturating_sub(1);
            if *remaining == 0 {
                self.survey_failures.remove(position);
            }
        }
        Some(status)
    }

    /// Takes the next injected failure that applies to this kind of request.
    pub fn take_failure(&mut self, is_token: bool) -> Option<InjectedFailure> {
        let applies = |f: &InjectedFailure| match f.target {
            FailureTarget::Any => true,
            FailureTarget::Token => is_token,
            FailureTarget::Api => !is_token,
        };
        let position = self.failures.iter().position(applies)?;
        let failure = self.failures.remove(position)?;
        match failure.fault {
            Fault::Pass => return None,
            Fault::Revoke => self.revoked = true,
            Fault::ExpireTokens => self.tokens.clear(),
            _ => {}
        }
        self.stats.faults_injected += 1;
        Some(failure)
    }

    pub fn issue_token(&mut self) -> String {
        let mut rng = fastrand::Rng::new();
        let token = format!("fake_at_{:016x}{:016x}", rng.u64(..), rng.u64(..));
        self.tokens
            .insert(token.clone(), Instant::now() + self.token_ttl);
        self.stats.tokens_issued += 1;
        token
    }

    pub fn token_is_valid(&self, token: &str) -> bool {
        !self.revoked
            && self
                .tokens
                .get(token)
                .is_some_and(|expires| Instant::now() < *expires)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(limit: Option<u32>) -> State {
        State {
            started: Instant::now(),
            plan: Plan::AskScale,
            latency: Duration::ZERO,
            token_ttl: Duration::from_secs(3600),
            revoked: false,
            rate_limit: limit,
            rate_window: Duration::from_secs(60),
            rate_limit_scope: RateLimitScope::Ip,
            send_retry_after: true,
            clamp_limit: false,
            tokens: HashMap::new(),
            windows: HashMap::new(),
            failures: VecDeque::new(),
            survey_failures: Vec::new(),
            last_second: VecDeque::new(),
            log: Vec::new(),
            stats: FakeStats::default(),
            lookups: Vec::new(),
            erased: Arc::default(),
            lookup_status: 200,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_refuses_the_excess_and_says_when_room_comes_back() {
        let mut s = state(Some(3));
        for _ in 0..3 {
            assert_eq!(s.admit("ip"), Ok(()));
            tokio::time::advance(Duration::from_secs(10)).await;
        }
        // The oldest of the three leaves the window 60 s after it came: 30 s from now.
        assert_eq!(s.admit("ip"), Err(30));
        assert_eq!(s.admit("other ip"), Ok(()));
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(s.admit("ip"), Ok(()));
        assert_eq!(s.stats.busiest_minute, 3);
        assert_eq!(state(None).admit("ip"), Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_shorter_window_gives_room_back_sooner() {
        let mut s = state(Some(2));
        s.rate_window = Duration::from_secs(5);
        assert_eq!(s.admit("ip"), Ok(()));
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(s.admit("ip"), Ok(()));
        assert_eq!(s.admit("ip"), Err(3));
        tokio::time::advance(Duration::from_secs(3)).await;
        assert_eq!(s.admit("ip"), Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_expire_and_die_with_a_revoked_key() {
        let mut s = state(None);
        s.token_ttl = Duration::from_secs(5);
        let token = s.issue_token();
        assert!(s.token_is_valid(&token));
        assert!(!s.token_is_valid("fake_at_made_up"));
        tokio::time::advance(Duration::from_secs(5)).await;
        assert!(!s.token_is_valid(&token));
        let fresh = s.issue_token();
        s.revoked = true;
        assert!(!s.token_is_valid(&fresh));
    }

    #[test]
    fn failures_only_hit_the_requests_they_target() {
        let mut s = state(None);
        let failure = |target| InjectedFailure {
            target,
            ..InjectedFailure::status(503)
        };
        s.failures.push_back(failure(FailureTarget::Token));
        s.failures.push_back(failure(FailureTarget::Api));
        assert_eq!(
            s.take_failure(false).map(|f| f.target),
            Some(FailureTarget::Api)
        );
        assert!(s.take_failure(false).is_none());
        assert_eq!(
            s.take_failure(true).map(|f| f.target),
            Some(FailureTarget::Token)
        );
    }

    #[test]
    fn a_survey_failure_lets_some_requests_through_then_fails_that_survey_only() {
        let mut s = state(None);
        s.survey_failures.push(SurveyFailure {
            survey_id: "42".into(),
            status: 500,
            after: 1,
            remaining: Some(2),
        });
        let page = "/v1/sites/1/surveys/42/responses";
        assert_eq!(
            s.take_survey_failure("/v1/sites/1/surveys/43/responses"),
            None
        );
        assert_eq!(s.take_survey_failure("/v1/sites/1/surveys"), None);
        assert_eq!(s.take_survey_failure(page), None);
        assert_eq!(s.take_survey_failure(page), Some(500));
        assert_eq!(s.take_survey_failure("/v1/sites/1/surveys/42"), Some(500));
        assert_eq!(s.take_survey_failure(page), None);
    }

    #[tokio::test(start_paused = true)]
    async fn busiest_second_counts_arrivals_in_any_second() {
        let mut s = state(None);
        for _ in 0..3 {
            s.arrived();
        }
        tokio::time::advance(Duration::from_millis(999)).await;
        s.arrived();
        tokio::time::advance(Duration::from_millis(1)).await;
        s.arrived();
        assert_eq!(s.stats.busiest_second, 4);
    }
}
