//! GDPR data-subject requests: Hotjar's user lookup and deletion (`shared/hotjar-api.md` §4).
//!
//! One endpoint does both: `POST /v1/organizations/{organization_id}/user-lookup` with the
//! subject (an email address and/or a map site id -> user id from the Identify API) and
//! `delete_all_hits`. `false` makes Hotjar email a data report to the subject and to the
//! organization's default recipient; `true` deletes everything it holds on the subject, at
//! once and for good. Either way the outcome arrives out of band: any 2xx means "accepted".
//!
//! What this module promises:
//! - A [`Subject`] is validated before anything is sent, and never shows itself in full: its
//!   `Debug` and `Display`, every error message and every log line show it masked
//!   (`j***@example.com`, user ids as `c***`). Only [`Subject::email`] and
//!   [`Subject::user_ids`] give the values back, for the request body and the caller's files.
//! - A deletion needs an explicit confirmation; without it nothing is sent and the error says
//!   what would have been deleted.
//! - Resending is decided per action (see [`Resend`]): a deletion is idempotent (deleting
//!   twice deletes nothing more) and is retried like any GET; a lookup is only sent again when
//!   the server certainly did not act on it, because a second copy emails the data subject a
//!   second report.
//! - [`BulkLookup`] runs many subjects through the client's one rate limiter, never stopping
//!   at the first failure; only failures that concern the key or the organization (401, 403,
//!   404), which every later request would hit too, stop further requests, and the subjects
//!   left say so. The same subject given twice (see [`Subject::same_person`]) is sent once: a
//!   lookup would otherwise email the person once per copy.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use serde_json::{Map, Value};
use std::pin::Pin;

use futures_util::stream::{Stream, StreamExt};

use crate::client::HotjarClient;
use crate::endpoint::Endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::ids::{Id, IdKind};
use crate::pool;
pub use crate::transport::Resend;

/// The longest email address that can be delivered (RFC 5321's path limit, less the brackets).
const MAX_EMAIL: usize = 254;
const MAX_LOCAL_PART: usize = 64;
/// User ids are the caller's own; this only stops pasted documents.
const MAX_USER_ID: usize = 1024;
/// How many subjects a bulk deletion's confirmation error lists.
const SHOWN_IN_CONFIRMATION: usize = 3;

/// What a request asks Hotjar to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `delete_all_hits=false`: Hotjar emails a data report (the in-app User Lookup).
    Lookup,
    /// `delete_all_hits=true`: Hotjar deletes every matching record, permanently.
    Delete,
}

impl Action {
    /// `"lookup"` or `"delete"`, as the result dicts and reports record it.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Lookup => "lookup",
            Action::Delete => "delete",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "lookup" => Some(Action::Lookup),
            "delete" => Some(Action::Delete),
            _ => None,
        }
    }

    fn resend(self) -> Resend {
        match self {
            Action::Lookup => Resend::OnlyIfUnprocessed,
            Action::Delete => Resend::Idempotent,
        }
    }
}

/// A data subject: an email address, user ids per site, or both. Validated on construction;
/// shown masked everywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct Subject {
    email: Option<String>,
    /// Site id (digits) -> the caller's user id on that site.
    user_ids: BTreeMap<String, String>,
}

impl Subject {
    /// Checks and builds a subject. The email is trimmed and must look deliverable (see
    /// [`validate_email`]); user ids are trimmed, non-empty and free of control characters.
    /// At least one identifier is required.
    pub fn new(email: Option<&str>, user_ids: Vec<(Id, String)>) -> Result<Self> {
        let email = email.map(validate_email).transpose()?;
        let mut map = BTreeMap::new();
        for (site, user_id) in user_ids {
            if site.kind() != IdKind::Site {
                return Err(Error::config(format!(
                    "user_ids maps site ids to user ids, but {} is a {}.",
                    site,
                    site.kind().param()
                )));
            }
            let user_id = validate_user_id(&site, &user_id)?;
            if let Some(previous) = map.insert(site.to_string(), user_id) {
                if map.get(site.as_str()) != Some(&previous) {
                    return Err(Error::config(format!(
                        "user_ids gives site {site} twice, with two different user ids; a \
                         lookup takes one user id per site."
                    )));
                }
            }
        }
        if email.is_none() && map.is_empty() {
            return Err(Error::config(
                "A data subject needs an email address or user ids: pass email=\"...\", or \
                 user_ids={site_id: \"your user id\"} for users identified through Hotjar's \
                 Identify API, or both.",
            ));
        }
        Ok(Self {
            email,
            user_ids: map,
        })
    }

    /// A subject known only by email.
    pub fn from_email(email: &str) -> Result<Self> {
        Self::new(Some(email), Vec::new())
    }

    /// The address as it will be sent (trimmed). Never log it.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// Site id -> user id, as they will be sent. Never log them.
    pub fn user_ids(&self) -> &BTreeMap<String, String> {
        &self.user_ids
    }

    pub fn masked(&self) -> MaskedSubject {
        MaskedSubject {
            email: self.email.as_deref().map(mask_email),
            user_ids: self
                .user_ids
                .iter()
                .map(|(site, user)| (site.clone(), mask_user_id(user)))
                .collect(),
        }
    }

    /// The JSON body of the user-lookup endpoint. Absent identifiers are left out rather
    /// than sent as null.
    pub fn request_body(&self, action: Action) -> Value {
        let mut body = Map::new();
        if let Some(email) = &self.email {
            body.insert("data_subject_email".into(), Value::String(email.clone()));
        }
        if !self.user_ids.is_empty() {
            let map: Map<String, Value> = self
                .user_ids
                .iter()
                .map(|(site, user)| (site.clone(), Value::String(user.clone())))
                .collect();
            body.insert(
                "data_subject_site_id_to_user_id_map".into(),
                Value::Object(map),
            );
        }
        body.insert(
            "delete_all_hits".into(),
            Value::Bool(action == Action::Delete),
        );
        Value::Object(body)
    }

    /// What makes two subjects the same person for a bulk run: the email with its domain
    /// lower-cased (domains are case-insensitive, the part before the @ may not be) and the
    /// same user ids per site. A run sends one request per person.
    pub fn same_person(&self) -> (Option<String>, BTreeMap<String, String>) {
        let email = self
            .email
            .as_deref()
            .map(|email| match email.rsplit_once('@') {
                Some((local, domain)) => format!("{local}@{}", domain.to_lowercase()),
                None => email.to_string(),
            });
        (email, self.user_ids.clone())
    }

    /// Replaces the subject's values in a message (say, a server's error text that echoes the
    /// address) with their masked forms.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut text = text.to_string();
        if let Some(email) = &self.email {
            text = replace_ascii_case_insensitive(&text, email, &mask_email(email));
        }
        for user in self.user_ids.values() {
            text = replace_whole(&text, user, &mask_user_id(user));
        }
        text
    }
}

impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Subject({})", self.masked())
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.masked(), f)
    }
}

/// A subject as it may be shown: `j***@example.com`, user ids as `c***`. Site ids are not
/// personal data and stay whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskedSubject {
    pub email: Option<String>,
    /// (site id, masked user id), by site id.
    pub user_ids: Vec<(String, String)>,
}

impl fmt::Display for MaskedSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = self
            .user_ids
            .iter()
            .map(|(site, user)| format!("user id {user} on site {site}"))
            .collect::<Vec<_>>()
            .join(", ");
        match (&self.email, ids.is_empty()) {
            (Some(email), true) => f.write_str(email),
            (Some(email), false) => write!(f, "{email} ({ids})"),
            (None, _) => f.write_str(&ids),
        }
    }
}

/// Checks that an address looks deliverable and returns it trimmed.
///
/// This is deliberately pragmatic rather than RFC 5322: one `@`; a local part of 1 to 64
/// characters without spaces, quotes, brackets or commas, and without leading, trailing or
/// doubled dots; a domain name with at least one dot, labels of letters, digits and hyphens
/// (non-ASCII letters allowed for international domains), and a top-level label that is not
/// all digits. Quoted local parts, IP literals and dotless hosts are valid RFC 5322 but are not
/// addresses a data subject gives a website, so they are refused rather than sent to Hotjar,
/// whose own check is undocumented. Addresses masked by this library (`j***@…`) are refused
/// with a pointer to the report that holds the real ones.
pub fn validate_email(raw: &str) -> Result<String> {
    let email = raw.trim();
    let shown = mask_email(email);
    let bad = |why: &str| {
        Error::config(format!(
            "The email address {shown:?} is not valid: {why}. Check the address (it is shown \
             masked here on purpose)."
        ))
    };
    if email.is_empty() {
        return Err(Error::config(
            "The email address is empty. Pass email=None to look the subject up by user_ids \
             only.",
        ));
    }
    if email.chars().count() > MAX_EMAIL {
        return Err(bad("it is longer than 254 characters"));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(
            "it contains a space, a line break or another invisible character",
        ));
    }
    if email.to_ascii_lowercase().starts_with("mailto:") {
        return Err(bad("it starts with \"mailto:\"; pass the address alone"));
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(bad("it has no @"));
    };
    if local.contains('@') {
        return Err(bad("it has more than one @"));
    }
    if local.contains("***") {
        return Err(Error::config(format!(
            "The email address {shown:?} looks masked (it contains ***), as this library shows \
             addresses in reports and messages. Feed the report itself (or \
             LookupReport.from_csv() of the CSV it wrote) back, not its masked columns."
        )));
    }
    if local.is_empty() {
        return Err(bad("nothing comes before the @"));
    }
    if local.chars().count() > MAX_LOCAL_PART {
        return Err(bad("the part before the @ is longer than 64 characters"));
    }
    if let Some(c) = local.chars().find(|c| "\"(),:;<>[\\]".contains(*c)) {
        return Err(bad(&format!("the part before the @ contains {c:?}")));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(bad(
            "the part before the @ starts or ends with a dot, or has two dots in a row",
        ));
    }
    if domain.is_empty() {
        return Err(bad("nothing comes after the @"));
    }
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(bad("the domain after the @ has no dot (like example.com)"));
    }
    for label in &labels {
        let valid = !label.is_empty()
            && label.chars().count() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || !c.is_ascii());
        if !valid {
            return Err(bad("the domain after the @ is not a valid domain name"));
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(bad(
            "the domain after the @ is an IP address or ends in digits; use the domain name",
        ));
    }
    Ok(email.to_string())
}

fn validate_user_id(site: &Id, raw: &str) -> Result<String> {
    let user_id = raw.trim();
    if user_id.is_empty() {
        return Err(Error::config(format!(
            "The user id for site {site} is empty. user_ids maps each site id to the user id \
             your site sent to Hotjar's Identify API."
        )));
    }
    if user_id.chars().count() > MAX_USER_ID {
        return Err(Error::config(format!(
            "The user id for site {site} is longer than {MAX_USER_ID} characters; is it the \
             right value?"
        )));
    }
    if user_id.chars().any(char::is_control) {
        return Err(Error::config(format!(
            "The user id {:?} for site {site} contains a line break or another control \
             character.",
            mask_user_id(user_id)
        )));
    }
    Ok(user_id.to_string())
}

pub use hotjar_mask::{mask_email, mask_user_id};

/// Replaces `needle` in `text`, ignoring ASCII case (servers may lower-case an address).
fn replace_ascii_case_insensitive(text: &str, needle: &str, with: &str) -> String {
    if needle.is_empty() {
        return text.to_string();
    }
    let lower_text = text.to_ascii_lowercase();
    let lower_needle = needle.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    // ASCII lower-casing keeps byte offsets, so positions in the copy are positions in `text`.
    while let Some(found) = lower_text[rest..].find(&lower_needle) {
        let start = rest + found;
        out.push_str(&text[rest..start]);
        out.push_str(with);
        rest = start + needle.len();
    }
    out.push_str(&text[rest..]);
    out
}

/// Replaces `needle` where it stands as a whole word, so that a short user id such as `4`
/// does not mangle the `HTTP 400` of a message.
fn replace_whole(text: &str, needle: &str, with: &str) -> String {
    if needle.is_empty() {
        return text.to_string();
    }
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    while let Some(found) = text[rest..].find(needle) {
        let start = rest + found;
        let end = start + needle.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        out.push_str(&text[rest..start]);
        if is_word(before) || is_word(after) {
            out.push_str(needle);
        } else {
            out.push_str(with);
        }
        rest = end;
    }
    out.push_str(&text[rest..]);
    out
}

/// What a successful request did: the record an audit needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupOutcome {
    pub action: Action,
    pub organization: Id,
    pub subject: MaskedSubject,
    /// The 2xx status Hotjar answered with.
    pub http_status: u16,
    /// When the answer arrived.
    pub at: Timestamp,
}

/// A UTC time as the result dicts record it: RFC 3339, milliseconds, `Z`.
#[cfg_attr(not(feature = "python"), allow(dead_code))] // the bindings' result dicts
pub fn format_time(at: Timestamp) -> String {
    format!("{at:.3}")
}

/// The error a deletion without `confirm` gets: nothing was sent, and this is what would
/// have been deleted.
pub fn confirmation_required(what: &str, organization: &Id) -> Error {
    Error::new(
        ErrorKind::ConfirmationRequired,
        format!(
            "Nothing was sent. Deleting is permanent: Hotjar immediately deletes all data it \
             holds on {what} in organization {organization}, and it cannot be undone. Check the \
             subject and the organization, then call again with confirm=True."
        ),
    )
}

/// Errors that concern the key or the organization rather than the subject: every later
/// request of a bulk run would get them too.
fn affects_every_subject(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Authentication
            | ErrorKind::PermissionDenied
            | ErrorKind::NotFound
            | ErrorKind::Closed
    )
}

/// Asks Hotjar to email a data report on `subject` (to the subject and to the
/// organization's default recipient). Retried only when the server certainly did not act
/// on it, so the subject never gets a report twice because of a retry.
pub(crate) async fn user_lookup(
    client: &HotjarClient,
    organization: &Id,
    subject: &Subject,
) -> Result<LookupOutcome> {
    send_user_lookup(client, organization, subject, Action::Lookup).await
}

/// Deletes everything Hotjar holds on `subject`, permanently. Without `confirm` nothing is
/// sent and the error (kind `ConfirmationRequired`) says what would have been deleted.
pub(crate) async fn delete_user_data(
    client: &HotjarClient,
    organization: &Id,
    subject: &Subject,
    confirm: bool,
) -> Result<LookupOutcome> {
    if !confirm {
        return Err(confirmation_required(&subject.to_string(), organization));
    }
    send_user_lookup(client, organization, subject, Action::Delete).await
}

async fn send_user_lookup(
    client: &HotjarClient,
    organization: &Id,
    subject: &Subject,
    action: Action,
) -> Result<LookupOutcome> {
    if organization.kind() != IdKind::Organization {
        return Err(Error::config(format!(
            "The user lookup needs an organization_id, got a {} ({organization}). {}",
            organization.kind().param(),
            IdKind::Organization.where_to_find()
        )));
    }
    let endpoint = Endpoint::UserLookup {
        organization: organization.clone(),
        delete: action == Action::Delete,
    };
    let body = subject.request_body(action);
    let scrub = |error: Error| {
        let message = subject.scrub(error.message());
        error.with_message(message)
    };
    let (http_status, _body) = client
        .transport
        .post_json(&endpoint, &body, action.resend(), scrub)
        .await?;
    log::info!(
        "{} for {subject} in organization {organization}: HTTP {http_status}",
        action.as_str()
    );
    Ok(LookupOutcome {
        action,
        organization: organization.clone(),
        subject: subject.masked(),
        http_status,
        at: now_ms(),
    })
}

/// A bulk run: `subjects` (each with the caller's row number) looked up or deleted,
/// `concurrency` at a time (1 to 32). A deletion needs `confirm`; without it nothing is sent
/// and the error (kind `ConfirmationRequired`) says what would have been deleted.
#[derive(Debug, Clone)]
pub struct BulkRequest<'a> {
    pub organization: &'a Id,
    pub action: Action,
    pub subjects: Vec<(usize, Subject)>,
    pub concurrency: usize,
    pub confirm: bool,
}

/// Runs the subjects of `request` through the client, all under its one rate limiter.
/// Results arrive as they finish, in any order, one per subject.
///
/// The same person given twice ([`Subject::same_person`]) is sent once, and every copy gets
/// that request's result ([`BulkLookup::duplicates`] says which rows were merged).
///
/// Dropping the returned [`BulkLookup`] cancels the requests in flight.
pub(crate) fn lookup_many(client: &HotjarClient, request: BulkRequest<'_>) -> Result<BulkLookup> {
    let BulkRequest {
        organization,
        action,
        subjects,
        concurrency,
        confirm,
    } = request;
    let mut first_of = HashMap::new();
    let mut duplicates = HashMap::new();
    let mut copies: HashMap<usize, Vec<usize>> = HashMap::new();
    let subjects: Vec<(usize, Subject)> = subjects
        .into_iter()
        .filter(
            |(row, subject)| match first_of.entry(subject.same_person()) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    duplicates.insert(*row, *first.get());
                    copies.entry(*first.get()).or_default().push(*row);
                    false
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(*row);
                    true
                }
            },
        )
        .collect();
    if action == Action::Delete && !confirm && subjects.is_empty() {
        return Err(confirmation_required(
            "no data subject (none of the rows is a valid subject still to delete)",
            organization,
        ));
    }
    if action == Action::Delete && !confirm {
        let shown: Vec<String> = subjects
            .iter()
            .take(SHOWN_IN_CONFIRMATION)
            .map(|(_, s)| s.to_string())
            .collect();
        let more = subjects.len().saturating_sub(SHOWN_IN_CONFIRMATION);
        let what = format!(
            "{} data subject{} ({}{})",
            subjects.len(),
            if subjects.len() == 1 { "" } else { "s" },
            shown.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        );
        return Err(confirmation_required(&what, organization));
    }
    let concurrency = check_lookup_concurrency(concurrency as i64)?;
    let started = Started::default();
    let worker = Worker {
        client: client.clone(),
        organization: organization.clone(),
        action,
        stop: Arc::default(),
        started: started.clone(),
    };
    let keyed = subjects
        .into_iter()
        .map(|(row, subject)| (row, (row, subject)));
    let keyed: Vec<_> = keyed.collect();
    let results = pool::bounded(keyed, concurrency, move |subject| {
        worker.clone().run(subject)
    });
    Ok(BulkLookup {
        organization: organization.clone(),
        action,
        concurrency,
        results: Box::pin(results),
        duplicates,
        copies,
        pending: Vec::new(),
        started,
    })
}

/// The most requests a bulk run keeps in flight. A lookup makes Hotjar send an email, so more
/// than a few at once gains nothing under the shared rate limit.
pub const MAX_LOOKUP_CONCURRENCY: usize = 32;

/// Checks the `concurrency` of a bulk run before anything is sent.
pub fn check_lookup_concurrency(concurrency: i64) -> Result<usize> {
    crate::pool::check_concurrency(concurrency, MAX_LOOKUP_CONCURRENCY, "")
}

/// Now, to the millisecond (what the result dicts show).
pub(crate) fn now_ms() -> Timestamp {
    let now = Timestamp::now();
    Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now)
}

/// One result of a bulk run: the caller's row number and what happened.
pub type BulkResult = (usize, Result<LookupOutcome>);

/// A result as the worker pool hands it over: `None` if the request's task panicked.
type PooledResult = (usize, Option<Result<LookupOutcome>>);

/// A bulk lookup or deletion in progress. Call [`BulkLookup::next`] until it returns `None`.
/// Dropping it cancels the requests in flight.
pub struct BulkLookup {
    organization: Id,
    action: Action,
    concurrency: usize,
    results: Pin<Box<dyn Stream<Item = PooledResult> + Send>>,
    /// Row of a repeated subject -> the row whose request it shares.
    duplicates: HashMap<usize, usize>,
    /// Row sent -> the rows that repeat its subject (still to be handed their result).
    copies: HashMap<usize, Vec<usize>>,
    /// Results of repeated subjects, handed over before the next request's.
    pending: Vec<BulkResult>,
    started: Started,
}

/// The rows whose request has started (it may have reached Hotjar), shared with whoever
/// must tell, after a cancellation, which subjects may have been acted on. Once closed, no
/// request of the run starts any more, so what it holds stays the truth.
#[derive(Debug, Clone, Default)]
pub struct Started(Arc<Mutex<StartedRows>>);

#[derive(Debug, Default)]
struct StartedRows {
    rows: BTreeSet<usize>,
    closed: bool,
}

impl Started {
    fn lock(&self) -> std::sync::MutexGuard<'_, StartedRows> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records that `row`'s request starts; false once closed (it must not start).
    fn begin(&self, row: usize) -> bool {
        let mut state = self.lock();
        if !state.closed {
            state.rows.insert(row);
        }
        !state.closed
    }

    /// Lets no further request of the run start.
    pub fn close(&self) {
        self.lock().closed = true;
    }

    /// Whether the request of `row` has started.
    pub fn contains(&self, row: usize) -> bool {
        self.lock().rows.contains(&row)
    }
}

impl fmt::Debug for BulkLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkLookup")
            .field("organization", &self.organization)
            .field("action", &self.action)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl BulkLookup {
    /// The next finished subject, or `None` when every subject has its result. The requests
    /// start on the first call (it must run inside a tokio runtime).
    pub async fn next(&mut self) -> Option<BulkResult> {
        if let Some(copy) = self.pending.pop() {
            return Some(copy);
        }
        let (row, result) = self.results.next().await?;
        let result = result.unwrap_or_else(|| {
            Err(Error::new(
                ErrorKind::Transport,
                "This subject's request stopped without a result (an internal error); \
                 re-run the failed rows.",
            ))
        });
        for copy in self.copies.remove(&row).unwrap_or_default() {
            self.pending.push((copy, result.clone()));
        }
        Some((row, result))
    }

    /// Rows whose subject repeats an earlier row's, merged into its request: row -> the row
    /// that was sent.
    pub fn duplicates(&self) -> &HashMap<usize, usize> {
        &self.duplicates
    }

    /// The rows whose request has started, readable while the run goes on and after it is
    /// dropped (a repeated subject's row is not in it: see [`BulkLookup::duplicates`]).
    pub fn started(&self) -> Started {
        self.started.clone()
    }
}

/// What every request of a bulk run shares.
#[derive(Clone)]
struct Worker {
    client: HotjarClient,
    organization: Id,
    action: Action,
    /// The first failure that every later request would hit too.
    stop: Arc<Mutex<Option<Error>>>,
    started: Started,
}

impl Worker {
    async fn run(self, (row, subject): (usize, Subject)) -> Result<LookupOutcome> {
        let stopped = self.stop.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(cause) = stopped {
            return Err(Error::new(
                cause.kind(),
                format!(
                    "Not sent: an earlier request of this run failed in a way every request \
                     would ({}). Fix that, then re-run the failed rows.",
                    cause.message()
                ),
            ));
        }
        if !self.started.begin(row) {
            return Err(Error::new(
                ErrorKind::Closed,
                "Not sent: the run was stopped before this subject's turn. Re-run the failed \
                 rows.",
            ));
        }
        let result =
            send_user_lookup(&self.client, &self.organization, &subject, self.action).await;
        if let Err(error) = &result {
            if affects_every_subject(error) {
                self.stop
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert_with(|| error.clone());
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn site(n: &str) -> Id {
        Id::parse(IdKind::Site, n).unwrap()
    }

    #[test]
    fn pragmatic_email_check_accepts_real_addresses() {
        for good in [
            "jane@example.com",
            "  Jane.Doe+news@Example.co.uk \n",
            "o'brien@example.ie",
            "user_name-1@sub.domain.example",
            "jörg@müller.de",
            "x@example.com.",
        ] {
            let checked = validate_email(good).unwrap_or_else(|e| panic!("{good}: {e}"));
            assert_eq!(checked, good.trim());
        }
    }

    #[test]
    fn pragmatic_email_check_refuses_what_cannot_be_delivered() {
        for bad in [
            "",
            "   ",
            "jane",
            "jane@",
            "@example.com",
            "jane@@example.com",
            "jane@example",
            "jane@localhost",
            "jane@127.0.0.1",
            "jane@[127.0.0.1]",
            "jane doe@example.com",
            "jane@exa mple.com",
            "jane\n@example.com",
            ".jane@example.com",
            "jane.@example.com",
            "ja..ne@example.com",
            "\"jane\"@example.com",
            "jane@-example.com",
            "jane@example..com",
            "jane,doe@example.com",
            "mailto:jane@example.com",
            "j***@example.com",
        ] {
            let err = validate_email(bad).expect_err(bad);
            assert_eq!(err.kind(), ErrorKind::Configuration, "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert!(validate_email(&long).is_err());
        let longer = format!("a@{}.com", "b.".repeat(130));
        assert!(validate_email(&longer).is_err());
    }

    #[test]
    fn email_errors_never_show_the_address() {
        for bad in [
            "jane.doe@example",
            "jane.doe@@example.com",
            "jane doe@example.com",
        ] {
            let err = validate_email(bad).unwrap_err();
            assert!(!err.message().contains("jane"), "{err}");
            assert!(err.message().contains("j***"), "{err}");
        }
        let masked = validate_email("j***@example.com").unwrap_err();
        assert!(masked.message().contains("looks masked"), "{masked}");
    }

    #[test]
    fn masking() {
        assert_eq!(mask_email("jane@example.com"), "j***@example.com");
        assert_eq!(mask_email("j@example.com"), "***@example.com");
        assert_eq!(mask_email("Ünal@example.com"), "Ü***@example.com");
        assert_eq!(mask_email("no-at-sign"), "n***");
        assert_eq!(mask_email(""), "***");
        assert_eq!(mask_user_id("cust_12345"), "c***");
        assert_eq!(mask_user_id("abcd"), "a***");
        assert_eq!(mask_user_id("abc"), "***");
        assert_eq!(mask_user_id(""), "***");
    }

    #[test]
    fn subject_needs_an_identifier_and_validates_each() {
        let none = Subject::new(None, Vec::new()).unwrap_err();
        assert!(
            none.message().contains("email address or user ids"),
            "{none}"
        );
        assert!(Subject::new(Some("bad"), Vec::new()).is_err());
        assert!(Subject::new(None, vec![(site("1"), "  ".into())]).is_err());
        assert!(Subject::new(None, vec![(site("1"), "a\nb".into())]).is_err());
        let org = Id::parse(IdKind::Organization, "5").unwrap();
        assert!(Subject::new(None, vec![(org, "u".into())]).is_err());
        let twice = Subject::new(
            None,
            vec![(site("1"), "alpha".into()), (site("1"), "beta".into())],
        )
        .unwrap_err();
        assert!(!twice.message().contains("alpha"), "{twice}");
        let same_twice = Subject::new(
            None,
            vec![(site("1"), "alpha".into()), (site("1"), "alpha".into())],
        );
        assert!(same_twice.is_ok());
    }

    #[test]
    fn request_body_has_what_was_given_and_the_action() {
        let subject = Subject::new(
            Some(" jane@example.com "),
            vec![
                (site("987654"), " cust_1 ".into()),
                (site("12"), "u-9".into()),
            ],
        )
        .unwrap();
        assert_eq!(
            subject.request_body(Action::Delete),
            json!({
                "data_subject_email": "jane@example.com",
                "data_subject_site_id_to_user_id_map": {"12": "u-9", "987654": "cust_1"},
                "delete_all_hits": true,
            })
        );
        let email_only = Subject::from_email("jane@example.com").unwrap();
        assert_eq!(
            email_only.request_body(Action::Lookup),
            json!({"data_subject_email": "jane@example.com", "delete_all_hits": false})
        );
        let ids_only = Subject::new(None, vec![(site("3"), "42".into())]).unwrap();
        assert_eq!(
            ids_only.request_body(Action::Lookup),
            json!({"data_subject_site_id_to_user_id_map": {"3": "42"}, "delete_all_hits": false})
        );
    }

    #[test]
    fn subject_shows_itself_masked_only() {
        let subject = Subject::new(
            Some("jane.doe@example.com"),
            vec![(site("987654"), "cust_12345".into())],
        )
        .unwrap();
        for shown in [format!("{subject}"), format!("{subject:?}")] {
            assert!(!shown.contains("jane.doe"), "{shown}");
            assert!(!shown.contains("cust_12345"), "{shown}");
        }
        assert_eq!(
            subject.to_string(),
            "j***@example.com (user id c*** on site 987654)"
        );
        let ids_only = Subject::new(None, vec![(site("3"), "42".into())]).unwrap();
        assert_eq!(ids_only.to_string(), "user id *** on site 3");
    }

    #[test]
    fn scrub_masks_echoed_values_without_mangling_the_rest() {
        let subject = Subject::new(
            Some("Jane@Example.com"),
            vec![(site("987654"), "4".into()), (site("1"), "cust_7".into())],
        )
        .unwrap();
        let text = "HTTP 400: no user jane@example.com / 4 / cust_7 on site 987654 (cust_77)";
        assert_eq!(
            subject.scrub(text),
            "HTTP 400: no user J***@Example.com / *** / c*** on site 987654 (cust_77)"
        );
    }

    #[test]
    fn confirmation_error_says_what_and_where() {
        let org = Id::parse(IdKind::Organization, "445566").unwrap();
        let subject = Subject::from_email("jane@example.com").unwrap();
        let err = confirmation_required(&subject.to_string(), &org);
        assert_eq!(err.kind(), ErrorKind::ConfirmationRequired);
        assert!(err.message().contains("j***@example.com"), "{err}");
        assert!(err.message().contains("445566"), "{err}");
        assert!(err.message().contains("confirm=True"), "{err}");
    }

    #[test]
    fn times_are_utc_with_milliseconds() {
        let at = Timestamp::from_millisecond(1_782_820_800_123).unwrap();
        assert_eq!(format_time(at), "2026-06-30T12:00:00.123Z");
        let whole = Timestamp::from_second(1_782_820_800).unwrap();
        assert_eq!(format_time(whole), "2026-06-30T12:00:00.000Z");
    }
}
