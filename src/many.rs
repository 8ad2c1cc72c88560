//! Many surveys at once. One survey's pages come one after another (each cursor comes from the
//! previous page), so an export of many surveys is bound by the round trip unless surveys are
//! fetched side by side. Here up to `concurrency` workers each take the next survey and walk
//! its pages; every request still goes through the client's one limiter (shared per key, see
//! `per_key`), which keeps the whole client under the rate limit.
//!
//! Pages are handed to the caller as they arrive ([`ManyPages`]), undecoded, so the Python
//! bindings can turn them into objects while the next pages are on the wire. A survey that
//! fails does not stop the others: its failure, with where to resume, is one more event.

use arrow_array::RecordBatch;
use futures_util::StreamExt;
use jiff::Timestamp;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::client::HotjarClient;
use crate::error::{Error, ExportError, Result};
use crate::ids::{Id, IdKind};
use crate::pagination::ResponsePage;
use crate::pool::{self, OwnedTask};
use crate::table::{Shape, TableRequest};

/// The most surveys fetched at once. Hotjar's 3000 requests a minute are reached with a few
/// workers at a 100-300 ms round trip; more only queue at the limiter.
pub const MAX_CONCURRENCY: usize = 64;
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Checks the `concurrency` of a many-survey call before anything is sent.
pub fn check_concurrency(concurrency: i64) -> Result<usize> {
    pool::check_concurrency(
        concurrency,
        MAX_CONCURRENCY,
        &format!(
            "Every request shares the client's rate limit, so a few surveys at a time (the \
             default {DEFAULT_CONCURRENCY}) already reach it."
        ),
    )
}

/// What happened to one survey of a [`ManyPages`]; `index` is its position in the list given.
#[derive(Debug)]
pub enum SurveyEvent {
    /// One more page of the survey (pages of one survey arrive in order).
    Page { index: usize, batch: ResponsePage },
    /// The survey is complete.
    Done { index: usize },
    /// The survey stopped on `error` after its retries; pass `resume_cursor` back to continue.
    Failed {
        index: usize,
        error: Error,
        resume_cursor: Option<String>,
    },
}

/// The pages of many surveys, fetched concurrently. Dropping it cancels every request in flight.
#[derive(Debug)]
pub struct ManyPages {
    events: mpsc::Receiver<SurveyEvent>,
    /// Drives the pool; aborted on drop, which aborts the surveys in flight.
    _driver: OwnedTask<()>,
}

impl ManyPages {
    /// The next event, or `None` once every survey is done or failed.
    pub async fn next(&mut self) -> Option<SurveyEvent> {
        self.events.recv().await
    }

    /// Whether the next event is already here (`next` would not wait).
    pub fn next_is_ready(&self) -> bool {
        !self.events.is_empty()
    }
}

/// Starts fetching the responses of `surveys` (at or after `since`), `concurrency` surveys
/// at a time. Must be called within a tokio runtime: the pool is spawned on it.
pub(crate) fn many_pages(
    client: &HotjarClient,
    site: &Id,
    surveys: Vec<Id>,
    since: Option<Timestamp>,
    concurrency: usize,
) -> ManyPages {
    let concurrency = concurrency
        .clamp(1, MAX_CONCURRENCY)
        .min(surveys.len().max(1));
    // Room for 64 pages (about 8 MB) or four per worker: when the consumer falls behind
    // (decoding on a busy machine), the workers keep the rate limit's pace instead of
    // waiting for it; memory stays bounded.
    let (sender, events) = mpsc::channel((concurrency * 4).max(64));
    let (client, site) = (client.clone(), site.clone());
    let surveys = surveys
        .into_iter()
        .enumerate()
        .map(|(index, survey)| (index, (index, survey)));
    let pool = pool::bounded(surveys, concurrency, move |(index, survey)| {
        walk_survey(
            client.clone(),
            site.clone(),
            index,
            survey,
            since,
            sender.clone(),
        )
    });
    ManyPages {
        events,
        _driver: OwnedTask::spawn(pool.for_each(|_| std::future::ready(()))),
    }
}

/// One survey's pages, then how it ended, as events; stops early if the caller went away.
async fn walk_survey(
    client: HotjarClient,
    site: Id,
    index: usize,
    survey: Id,
    since: Option<Timestamp>,
    sender: mpsc::Sender<SurveyEvent>,
) {
    let mut stream = client.response_stream(&site, &survey, since, None);
    let finished = loop {
        match stream.next_raw().await {
            Ok(Some(batch)) => {
                if sender
                    .send(SurveyEvent::Page { index, batch })
                    .await
                    .is_err()
                {
                    return; // the caller went away
                }
            }
            Ok(None) => break SurveyEvent::Done { index },
            Err(error) => {
                break SurveyEvent::Failed {
                    index,
                    error,
                    resume_cursor: stream.resume_cursor().map(str::to_string),
                }
            }
        }
    };
    let _ = sender.send(finished).await;
}

/// Many surveys of a site: `surveys` in the order wanted (a survey given twice is fetched
/// once), or every survey of the site when `None`; their responses at or after `since`,
/// `concurrency` surveys at a time (1 to 64).
#[derive(Debug, Clone)]
pub struct ManyRequest<'a> {
    pub site: &'a Id,
    pub surveys: Option<Vec<Id>>,
    pub since: Option<Timestamp>,
    pub concurrency: usize,
}

impl ManyRequest<'_> {
    /// The surveys to fetch, each once, and how many at a time; checked before anything else
    /// is sent.
    async fn surveys(&self, client: &HotjarClient) -> Result<(Vec<Id>, usize)> {
        let concurrency = check_concurrency(self.concurrency as i64)?;
        let surveys = match &self.surveys {
            Some(surveys) => dedupe(surveys.clone()),
            None => client.survey_ids(self.site).await?,
        };
        Ok((surveys, concurrency))
    }
}

/// Every response of each survey of `request`, in its order. A survey that failed has its
/// error, with what was fetched and where to resume; the others are unaffected.
pub(crate) async fn responses_many(
    client: &HotjarClient,
    request: ManyRequest<'_>,
) -> Result<Vec<(Id, Result<Vec<Value>, ExportError>)>> {
    let (surveys, concurrency) = request.surveys(client).await?;
    let mut rows: Vec<Vec<Value>> = surveys.iter().map(|_| Vec::new()).collect();
    let mut outcomes = SurveyEnds::new(surveys.len());
    let mut pages = client.many_pages(request.site, surveys.clone(), request.since, concurrency);
    while let Some(event) = pages.next().await {
        if let Step::Page { index, batch } = outcomes.record(event) {
            match batch.to_values() {
                Ok(values) => rows[index].extend(values),
                Err(error) => outcomes.undecodable(index, error, batch.cursor),
            }
        }
    }
    Ok(surveys
        .into_iter()
        .zip(rows.into_iter().zip(outcomes.into_vec()))
        .map(|(survey, (partial, outcome))| {
            let result = match outcome {
                Some(Ok(())) => Ok(partial),
                Some(Err((error, resume_cursor))) => Err(ExportError {
                    error,
                    partial,
                    resume_cursor,
                }),
                // Unreachable: every worker reports each survey it takes, and the channel
                // only closes when every worker is done.
                None => Err(ExportError {
                    error: Error::new(
                        crate::error::ErrorKind::Transport,
                        "The export of this survey stopped without a result.",
                    ),
                    partial,
                    resume_cursor: None,
                }),
            };
            (survey, result)
        })
        .collect())
}

/// The ids of every survey of a site, in the API's order. Ids are opaque (kept as sent); a
/// survey the list gives without any id cannot be fetched, so it is left out with a warning
/// instead of failing the whole run.
pub(crate) async fn survey_ids(client: &HotjarClient, site: &Id) -> Result<Vec<Id>> {
    let surveys = client.list_surveys(site, false).await?;
    let mut ids = Vec::with_capacity(surveys.len());
    for (position, survey) in surveys.iter().enumerate() {
        let id = match &survey["id"] {
            Value::String(s) => Id::from_api(IdKind::Survey, s),
            Value::Null => None,
            other => Id::from_api(IdKind::Survey, &other.to_string()),
        };
        match id {
            Some(id) => ids.push(id),
            None => log::warn!(
                "Survey {} of the list of site {site} has no id; it is left out.",
                position + 1
            ),
        }
    }
    Ok(ids)
}

/// How a survey ended (`None` while it runs): the error and where to resume on failure.
pub type SurveyEnd = Option<std::result::Result<(), (Error, Option<String>)>>;

/// Each survey's outcome, folded from the events of [`ManyPages`]: the first failure wins,
/// a worker's or a page the caller could not decode, and pages after it are skipped so that
/// `partial` has no gap.
#[derive(Debug)]
pub struct SurveyEnds(Vec<SurveyEnd>);

/// What an event asks of a caller that collects pages.
#[derive(Debug)]
pub enum Step {
    /// Decode this page (its survey is still going).
    Page { index: usize, batch: ResponsePage },
    /// The survey ended (done or failed).
    Ended,
    /// A page after the survey failed: nothing to do.
    Skipped,
}

impl SurveyEnds {
    pub fn new(surveys: usize) -> Self {
        Self((0..surveys).map(|_| None).collect())
    }

    /// Records `event` and says what the caller should do with it.
    pub fn record(&mut self, event: SurveyEvent) -> Step {
        match event {
            SurveyEvent::Page { index, batch } => match self.0.get(index) {
                Some(None) => Step::Page { index, batch },
                _ => Step::Skipped,
            },
            SurveyEvent::Done { index } => self.end(index, Ok(())),
            SurveyEvent::Failed {
                index,
                error,
                resume_cursor,
            } => self.end(index, Err((error, resume_cursor))),
        }
    }

    /// A page of survey `index` could not be decoded: the survey ends there, with that page's
    /// cursor to resume from.
    pub fn undecodable(&mut self, index: usize, error: Error, cursor: Option<String>) {
        self.end(index, Err((error, cursor)));
    }

    fn end(
        &mut self,
        index: usize,
        outcome: std::result::Result<(), (Error, Option<String>)>,
    ) -> Step {
        if let Some(slot) = self.0.get_mut(index) {
            slot.get_or_insert(outcome);
        }
        Step::Ended
    }

    pub fn into_vec(self) -> Vec<SurveyEnd> {
        self.0
    }
}

/// Drops repeated ids, keeping the first: a survey fetched twice would only cost requests.
pub fn dedupe(surveys: Vec<Id>) -> Vec<Id> {
    let mut seen = std::collections::HashSet::new();
    surveys
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

/// One survey's table, or the error that stopped it with the rows read so far.
pub type TableResult = Result<RecordBatch, ExportError<Option<RecordBatch>>>;

/// Each survey's responses of `request` as one Arrow record batch (see `responses_table`),
/// in its order. A failed survey keeps its rows so far and its resume cursor.
pub(crate) async fn responses_table_many(
    client: &HotjarClient,
    request: ManyRequest<'_>,
    shape: Shape,
) -> Result<Vec<(Id, TableResult)>> {
    let (surveys, concurrency) = request.surveys(client).await?;
    let (client, site_owned, since) = (client.clone(), request.site.clone(), request.since);
    let tables = run_bounded(surveys.clone(), concurrency, move |survey| {
        let (client, site) = (client.clone(), site_owned.clone());
        async move {
            client
                .responses_table(TableRequest {
                    site: &site,
                    survey: &survey,
                    shape,
                    since,
                    resume_cursor: None,
                })
                .await
        }
    })
    .await;
    Ok(surveys
        .into_iter()
        .zip(tables)
        .map(|(survey, table)| {
            let table = table.unwrap_or_else(|| {
                Err(ExportError {
                    error: Error::new(
                        crate::error::ErrorKind::Transport,
                        format!("The export of survey {survey} stopped without a result."),
                    ),
                    partial: None,
                    resume_cursor: None,
                })
            });
            (survey, table)
        })
        .collect())
}

/// Runs `work` on every survey, at most `concurrency` at once, and returns the outputs in the
/// order of `surveys` (`None` for work that panicked). Dropping the future aborts the work.
async fn run_bounded<T, F, Fut>(surveys: Vec<Id>, concurrency: usize, work: F) -> Vec<Option<T>>
where
    F: FnMut(Id) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut outputs: Vec<Option<T>> = surveys.iter().map(|_| None).collect();
    let mut done = pool::bounded(surveys.into_iter().enumerate(), concurrency, work);
    while let Some((index, output)) = done.next().await {
        outputs[index] = output;
    }
    outputs
}
