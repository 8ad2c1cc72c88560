//! An offline fake of the Hotjar API, faithful to `shared/hotjar-api.md`: the five endpoints,
//! deterministic data from a seed, strict where the real API is strict (form-encoded token,
//! bearer header, `limit` 1..100, opaque cursors), tokens that expire, a sliding-window rate
//! limit, plan gating, and knobs to inject failures. It runs on the caller's tokio runtime.

mod cursor;
mod dataset;
mod recording;
mod server;
mod state;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

pub use dataset::{Dataset, DatasetConfig, Erasures, FakeSubject, IdStyle};
pub use recording::{Recording, RECORDING_VERSION};
use state::State;
pub use state::{
    FailureTarget, FakeStats, Fault, InjectedFailure, LookupRecord, Plan, RateLimitScope,
    RequestRecord, SurveyFailure,
};

/// Settings of a fake server.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    pub seed: u64,
    /// One survey per entry, with that many responses.
    pub responses_per_survey: Vec<usize>,
    pub site_id: String,
    pub organization_id: String,
    pub token_ttl: Duration,
    pub latency: Duration,
    /// Requests allowed in any sliding window of `rate_window`; `None` for no limit.
    pub rate_limit: Option<u32>,
    /// The rate limit's window: 60 s, as Hotjar's. A shorter one (with a limit to match) lets
    /// a test see a client exceed the window without waiting a minute.
    pub rate_window: Duration,
    pub rate_limit_scope: RateLimitScope,
    /// Send `Retry-After` with a 429 (turn off to exercise a client's fallback backoff).
    pub retry_after: bool,
    pub plan: Plan,
    /// Clamp `limit` above 100 instead of answering 400.
    pub clamp_limit: bool,
    /// How ids are written: digit strings, JSON numbers, or opaque Contentsquare-style strings.
    pub id_style: IdStyle,
    /// Add a response field the API reference does not know.
    pub extra_fields: bool,
    /// Serve this recording instead of generated data (its site id wins over `site_id`).
    pub recording: Option<Recording>,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            responses_per_survey: vec![1234, 250, 0, 100, 37],
            site_id: "987654".to_string(),
            organization_id: "445566".to_string(),
            token_ttl: Duration::from_secs(3600),
            latency: Duration::ZERO,
            rate_limit: Some(3000),
            rate_window: Duration::from_secs(60),
            rate_limit_scope: RateLimitScope::Ip,
            retry_after: true,
            plan: Plan::AskScale,
            clamp_limit: false,
            id_style: IdStyle::Digits,
            extra_fields: false,
            recording: None,
        }
    }
}

/// What the request handler shares: fixed data, and the state behind a lock that is never held
/// across an await.
#[derive(Debug)]
pub struct Shared {
    seed: u64,
    client_id: String,
    client_secret: String,
    organization_id: String,
    site_id: String,
    /// Replaced, never changed in place (see `change_dataset`), so a page being written keeps
    /// the snapshot it started with.
    dataset: RwLock<Arc<Dataset>>,
    state: Mutex<State>,
    /// How many requests `Fault::Hold` has stopped so far.
    held: watch::Sender<usize>,
    /// Bumped by `release_held`: every request held before the bump goes on.
    releases: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A handler that panicked mid-update leaves plain data behind; keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The data as it is now.
    fn dataset(&self) -> Arc<Dataset> {
        self.dataset
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Changes the data for every later request.
    fn change_dataset<T>(&self, change: impl FnOnce(&mut Dataset) -> T) -> T {
        let mut guard = self.dataset.write().unwrap_or_else(|p| p.into_inner());
        let mut dataset = Dataset::clone(&guard);
        let result = change(&mut dataset);
        *guard = Arc::new(dataset);
        result
    }

    /// Stops the request until the next `release_held` (or until the fake goes away).
    async fn hold(&self) {
        let mut released = self.releases.subscribe();
        self.held.send_modify(|n| *n += 1);
        let _ = released.changed().await;
    }
}

/// A running fake. Stop it with [`FakeServer::stop`]; dropping it stops it too.
#[derive(Debug)]
pub struct FakeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// Binds `host:port` (port 0 picks a free one) and starts serving on the current runtime.
    pub async fn start(config: FakeConfig, host: IpAddr, port: u16) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind((host, port)).await?;
        let addr = listener.local_addr()?;
        let dataset = match config.recording.clone() {
            Some(recording) => Dataset::from_recording(recording),
            None => Dataset::new(DatasetConfig {
                seed: config.seed,
                site_id: config.site_id.clone(),
                responses_per_survey: config.responses_per_survey.clone(),
                id_style: config.id_style,
                extra_fields: config.extra_fields,
            }),
        };
        let shared = Arc::new(Shared {
            seed: config.seed,
            client_id: format!("fake-client-{}", config.seed),
            client_secret: format!("fake-secret-{:016x}", dataset::mix(&[config.seed, 9])),
            organization_id: config.organization_id.clone(),
            site_id: config.site_id.clone(),
            dataset: RwLock::new(Arc::new(dataset)),
            state: Mutex::new(State {
                started: tokio::time::Instant::now(),
                plan: config.plan,
                latency: config.latency,
                token_ttl: config.token_ttl,
                revoked: false,
                rate_limit: config.rate_limit,
                rate_window: config.rate_window,
                rate_limit_scope: config.rate_limit_scope,
                send_retry_after: config.retry_after,
                clamp_limit: config.clamp_limit,
                tokens: Default::default(),
                windows: Default::default(),
                failures: Default::default(),
                survey_failures: Vec::new(),
                last_second: Default::default(),
                log: Vec::new(),
                stats: FakeStats::default(),
                lookups: Vec::new(),
                erased: Arc::default(),
                lookup_status: 200,
            }),
            held: watch::Sender::new(0),
            releases: watch::Sender::new(0),
        });
        let app = axum::Router::new()
            .fallback(server::handle)
            .with_state(shared.clone())
            .into_make_service_with_connect_info::<SocketAddr>();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                log::warn!("fake Hotjar server stopped with an error: {e}");
            }
        });
        Ok(Self {
            addr,
            shared,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// Stops accepting, lets requests in flight finish (at most 2 s), then returns.
    pub async fn stop(&mut self) {
        self.release_held();
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        match self.addr {
            SocketAddr::V4(a) => format!("http://{a}"),
            SocketAddr::V6(a) => format!("http://[{}]:{}", a.ip(), a.port()),
        }
    }

    pub fn client_id(&self) -> &str {
        &self.shared.client_id
    }

    pub fn client_secret(&self) -> &str {
        &self.shared.client_secret
    }

    pub fn site_id(&self) -> &str {
        &self.shared.site_id
    }

    pub fn organization_id(&self) -> &str {
        &self.shared.organization_id
    }

    /// The data as it is now (later changes do not show in it).
    pub fn dataset(&self) -> Arc<Dataset> {
        self.shared.dataset()
    }

    /// Every response of the survey with this id, as a client should return them (without
    /// the responses of deleted data subjects).
    pub fn responses_truth(&self, survey_id: &str) -> Option<Vec<Value>> {
        let dataset = self.shared.dataset();
        let index = dataset.survey_index(survey_id)?;
        let erased = self.shared.lock().erased.clone();
        Some(dataset.responses_truth(index, &erased))
    }

    /// The visitors that still have responses, most first, with the email and user id to
    /// look them up or delete them by (see the dataset module for how they are linked).
    pub fn subjects(&self) -> Vec<FakeSubject> {
        let erased = self.shared.lock().erased.clone();
        self.shared.dataset().subjects(&erased)
    }

    /// Adds a survey with this many responses (listed last); returns its id.
    pub fn add_survey(&self, responses: usize) -> String {
        self.shared.change_dataset(|d| d.add_survey(responses))
    }

    /// Adds `count` responses to a survey, newer than all it has; returns their ids, newest
    /// first, or `None` if there is no such survey.
    pub fn add_responses(&self, survey_id: &str, count: usize) -> Option<Vec<String>> {
        self.shared.change_dataset(|d| {
            let index = d.survey_index(survey_id)?;
            Some(d.add_responses(index, count))
        })
    }

    /// Changes a response as when a partial response is completed (answers drawn anew, now
    /// complete; same id and time). False if the survey has no such response.
    pub fn change_response(&self, survey_id: &str, response_id: &str) -> bool {
        self.shared.change_dataset(|d| {
            d.survey_index(survey_id)
                .is_some_and(|index| d.change_response(index, response_id))
        })
    }

    /// Every user lookup and deletion the fake accepted, in order.
    pub fn lookups(&self) -> Vec<LookupRecord> {
        self.shared.lock().lookups.clone()
    }

    /// The 2xx status the user-lookup endpoint answers with: 200 (the default, body `{}`),
    /// 201, 202 or 204 (no body). The real status is undocumented.
    pub fn set_lookup_status(&self, status: u16) {
        self.shared.lock().lookup_status = status;
    }

    pub fn lookup_status(&self) -> u16 {
        self.shared.lock().lookup_status
    }

    pub fn stats(&self) -> FakeStats {
        self.shared.lock().stats
    }

    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.shared.lock().log.clone()
    }

    pub fn clear_request_log(&self) {
        self.shared.lock().log.clear();
    }

    /// The next `count` matching requests get `failure` instead of their real answer.
    pub fn fail_next(&self, count: usize, failure: InjectedFailure) {
        self.fail_after(0, count, failure);
    }

    /// The first `after` matching requests from now are answered normally, then the next
    /// `count` get `failure`: `fail_after(2, 1, ..)` hits the third page of an export.
    pub fn fail_after(&self, after: usize, count: usize, failure: InjectedFailure) {
        let pass = InjectedFailure {
            fault: Fault::Pass,
            ..failure.clone()
        };
        let mut state = self.shared.lock();
        state.failures.extend(std::iter::repeat_n(pass, after));
        state.failures.extend(std::iter::repeat_n(failure, count));
    }

    /// How many requests `Fault::Hold` has stopped so far (released ones included).
    pub fn held(&self) -> usize {
        *self.shared.held.borrow()
    }

    /// Waits until `Fault::Hold` has stopped `count` requests in all: the event a test waits
    /// for to act while an export is surely under way, instead of racing it on time.
    /// The future holds no borrow of the fake, so it can be awaited after a lock on it is gone.
    pub fn wait_held(&self, count: usize) -> impl Future<Output = ()> + Send + 'static {
        let mut held = self.shared.held.subscribe();
        async move {
            let _ = held.wait_for(|n| *n >= count).await;
        }
    }

    /// Lets every request held by `Fault::Hold` go on to its real answer.
    pub fn release_held(&self) {
        self.shared.releases.send_modify(|n| *n += 1);
    }

    /// Requests for one survey (the survey and its responses) fail from now on, as set out
    /// in `failure`; replaces an earlier setting for that survey.
    pub fn fail_survey(&self, failure: SurveyFailure) {
        let mut state = self.shared.lock();
        state
            .survey_failures
            .retain(|f| f.survey_id != failure.survey_id);
        state.survey_failures.push(failure);
    }

    /// Undoes every `fail_survey`.
    pub fn clear_survey_failures(&self) {
        self.shared.lock().survey_failures.clear();
    }

    /// The key stops working: the token endpoint answers `invalid_client` and every issued
    /// token is refused, as when an Admin deletes the key in Hotjar.
    pub fn set_revoked(&self, revoked: bool) {
        self.shared.lock().revoked = revoked;
    }

    /// Every issued token expires now.
    pub fn expire_tokens(&self) {
        self.shared.lock().tokens.clear();
    }

    pub fn set_latency(&self, latency: Duration) {
        self.shared.lock().latency = latency;
    }

    pub fn latency(&self) -> Duration {
        self.shared.lock().latency
    }

    pub fn token_ttl(&self) -> Duration {
        self.shared.lock().token_ttl
    }

    pub fn set_plan(&self, plan: Plan) {
        self.shared.lock().plan = plan;
    }

    pub fn plan(&self) -> Plan {
        self.shared.lock().plan
    }

    pub fn set_token_ttl(&self, ttl: Duration) {
        self.shared.lock().token_ttl = ttl;
    }

    pub fn set_rate_limit(&self, per_minute: Option<u32>, retry_after: bool) {
        let mut state = self.shared.lock();
        state.rate_limit = per_minute;
        state.send_retry_after = retry_after;
        state.windows.clear();
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.release_held();
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
