//! The client: the API's operations, on top of the transport and the paginator.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;
use url::Url;

use crate::config::ClientConfig;
use crate::endpoint::Endpoint;
use crate::error::{Error, ErrorKind, ExportError, Result};
use crate::ids::{normalize_ids, Id};
use crate::pagination::{Pages, ResponseStream};
use crate::transport::Transport;

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
}
