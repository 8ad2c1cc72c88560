//! The client: the front door of the core. Every operation of the API is a method here; the
//! ones with more to them than a request delegate to their feature module (`many`, `table`,
//! `export`, `gdpr`), which keep their bodies. An operation with many settings takes them as
//! one request struct of its module (`TableRequest`, `ManyRequest`, `ExportRequest`,
//! `BulkRequest`), so its parameters are written once and named at the call site.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use std::path::PathBuf;

use arrow_array::RecordBatch;
use jiff::Timestamp;
use serde_json::Value;
use url::Url;

use crate::config::ClientConfig;
use crate::endpoint::Endpoint;
use crate::error::{Error, ErrorKind, ExportError, Result};
use crate::export::{ExportRequest, ExportSummary};
use crate::gdpr::{BulkLookup, BulkRequest, LookupOutcome, Subject};
use crate::ids::{normalize_ids, Id};
use crate::many::{ManyPages, ManyRequest, TableResult};
use crate::pagination::{Pages, ResponseStream};
use crate::table::{Shape, SurveyPlan, TableRequest};
use crate::transport::Transport;
use crate::{export, gdpr, many, table};

/// A Hotjar API client. Cloning is cheap and clones share the token, the connection pool and
/// the rate limiter.
#[derive(Debug, Clone)]
pub struct HotjarClient {
    pub(crate) transport: Arc<Transport>,
}

/// What `test_connection` learned.
#[derive(Debug, Clone, Copy)]
pub struct TokenInfo {
    /// How long the new access token is valid.
    pub expires_in: Duration,
}

/// Counts of what a client has sent so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientStats {
    /// Every HTTP request, the token requests and the retries included.
    pub requests: u64,
    pub retries: u64,
    pub token_requests: u64,
}

impl HotjarClient {
    /// Validates the settings and builds the client. Nothing is sent until the first call.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let config = config.validate()?;
        Ok(Self {
            transport: Arc::new(Transport::new(config)?),
        })
    }

    pub fn base_url(&self) -> &Url {
        self.transport.base_url()
    }

    pub fn client_id(&self) -> &str {
        self.transport.client_id()
    }

    pub fn stats(&self) -> ClientStats {
        let s = &self.transport.stats;
        ClientStats {
            requests: s.requests.load(Ordering::Relaxed),
            retries: s.retries.load(Ordering::Relaxed),
            token_requests: s.token_requests.load(Ordering::Relaxed),
        }
    }

    /// Exchanges the credentials for a new token, proving that the key works.
    pub async fn test_connection(&self) -> Result<TokenInfo> {
        let token = self.transport.fresh_token().await?;
        Ok(TokenInfo {
            expires_in: token.lifetime(),
        })
    }

    /// Every survey of a site, all pages.
    pub async fn list_surveys(&self, site: &Id, with_questions: bool) -> Result<Vec<Value>> {
        let mut pages = Pages::new(
            self.transport.clone(),
            Endpoint::Surveys { site: site.clone() },
            vec![("with_questions", with_questions.to_string())],
            None,
        );
        pages.collect_values().await
    }

    /// One survey, with its questions.
    pub async fn get_survey(&self, site: &Id, survey: &Id) -> Result<Value> {
        let endpoint = Endpoint::Survey {
            site: site.clone(),
            survey: survey.clone(),
        };
        let mut body = self.transport.get_json(&endpoint, &[]).await?;
        if !body.is_object() {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "{}: the server's answer is not a survey object.",
                    endpoint.describe()
                ),
            ));
        }
        normalize_ids(&mut body);
        Ok(body)
    }

    /// A lazy stream of a survey's responses, newest first. `resume_cursor` continues an export
    /// that failed (see [`ExportError::resume_cursor`]).
    pub fn response_stream(
        &self,
        site: &Id,
        survey: &Id,
        since: Option<Timestamp>,
        resume_cursor: Option<String>,
    ) -> ResponseStream {
        let pages = Pages::new(
            self.transport.clone(),
            Endpoint::Responses {
                site: site.clone(),
                survey: survey.clone(),
            },
            Vec::new(),
            resume_cursor,
        );
        ResponseStream::new(pages, since)
    }

    /// Every response of a survey (at or after `since` when given), newest first. On failure
    /// the error carries what was fetched and where to resume.
    pub async fn responses(
        &self,
        site: &Id,
        survey: &Id,
        since: Option<Timestamp>,
        resume_cursor: Option<String>,
    ) -> Result<Vec<Value>, ExportError> {
        let mut stream = self.response_stream(site, survey, since, resume_cursor);
        let mut all = Vec::new();
        loop {
            match stream.next_batch().await {
                Ok(Some(batch)) => all.extend(batch),
                Ok(None) => return Ok(all),
                Err(error) => {
                    return Err(ExportError {
                        error,
                        partial: all,
                        resume_cursor: stream.resume_cursor().map(str::to_string),
                    })
                }
            }
        }
    }

    /// The ids of every survey of a site, in the API's order.
    pub async fn survey_ids(&self, site: &Id) -> Result<Vec<Id>> {
        many::survey_ids(self, site).await
    }

    /// Starts fetching the responses of `surveys` (at or after `since`), `concurrency` surveys
    /// at a time; their pages arrive undecoded, as events. Must be called within a tokio
    /// runtime: the workers are spawned on it. Dropping the result cancels them.
    pub fn many_pages(
        &self,
        site: &Id,
        surveys: Vec<Id>,
        since: Option<Timestamp>,
        concurrency: usize,
    ) -> ManyPages {
        many::many_pages(self, site, surveys, since, concurrency)
    }

    /// Every response of each survey of `request` (every survey of the site when its
    /// `surveys` is `None`), in its order. A survey that failed has its error, with what was
    /// fetched and where to resume; the others are unaffected.
    pub async fn responses_many(
        &self,
        request: ManyRequest<'_>,
    ) -> Result<Vec<(Id, Result<Vec<Value>, ExportError>)>> {
        many::responses_many(self, request).await
    }

    /// The columns a survey's responses will have (fetches the survey once).
    pub async fn survey_plan(&self, site: &Id, survey: &Id) -> Result<SurveyPlan> {
        table::survey_plan(self, site, survey).await
    }

    /// Every response of a survey (at or after `since`) as one Arrow record batch. On failure
    /// the error carries the rows of every page read so far and where to resume.
    pub async fn responses_table(
        &self,
        request: TableRequest<'_>,
    ) -> Result<RecordBatch, ExportError<Option<RecordBatch>>> {
        table::responses_table(self, request).await
    }

    /// Each survey's responses of `request` as one Arrow record batch, in its order. A failed
    /// survey keeps its rows so far and its resume cursor.
    pub async fn responses_table_many(
        &self,
        request: ManyRequest<'_>,
        shape: Shape,
    ) -> Result<Vec<(Id, TableResult)>> {
        many::responses_table_many(self, request, shape).await
    }

    /// Streams a survey's responses to a file, page by page, in constant memory, from where
    /// `request.start` says: the newest response, a cursor, or the partial file of a failed
    /// export of the same path (see [`ExportStart`](crate::ExportStart)). See `export` for
    /// what happens to the file on failure. One export at a time per path: a second one fails
    /// at once with a file error of I/O kind `WouldBlock`.
    pub async fn export_responses(
        &self,
        request: ExportRequest<'_>,
    ) -> Result<ExportSummary, ExportError<Option<PathBuf>>> {
        export::export(self, request).await
    }

    /// Asks Hotjar to email a data report on `subject` (to the subject and to the
    /// organization's default recipient). Retried only when the server certainly did not act
    /// on it, so the subject never gets a report twice because of a retry.
    pub async fn user_lookup(&self, organization: &Id, subject: &Subject) -> Result<LookupOutcome> {
        gdpr::user_lookup(self, organization, subject).await
    }

    /// Deletes everything Hotjar holds on `subject`, permanently. Without `confirm` nothing is
    /// sent and the error (kind `ConfirmationRequired`) says what would have been deleted.
    pub async fn delete_user_data(
        &self,
        organization: &Id,
        subject: &Subject,
        confirm: bool,
    ) -> Result<LookupOutcome> {
        gdpr::delete_user_data(self, organization, subject, confirm).await
    }

    /// Runs the subjects of `request` through the client, all under its one rate limiter.
    /// Results arrive as they finish, in any order, one per subject. A deletion needs
    /// `confirm`; without it nothing is sent. Dropping the returned [`BulkLookup`] cancels the
    /// requests in flight.
    pub fn lookup_many(&self, request: BulkRequest<'_>) -> Result<BulkLookup> {
        gdpr::lookup_many(self, request)
    }
}
