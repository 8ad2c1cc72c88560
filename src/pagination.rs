//! Cursor pagination: a walker that follows `next_cursor` and refuses to loop, and the
//! response stream on top of it that applies `since` and drops duplicates, deciding from each
//! page's index (`page::IndexedPage`) which items to keep, without decoding them.

use std::collections::HashSet;
use std::sync::Arc;

use bytes::Bytes;
use jiff::Timestamp;
use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::page_index::IndexedPage;
use crate::timestamps::parse_api_timestamp;
use crate::transport::Transport;

/// The API's maximum page size; we always ask for it (the default is undocumented).
pub const PAGE_LIMIT: &str = "100";

/// Walks the pages of one list endpoint.
#[derive(Debug)]
pub struct Pages {
    transport: Arc<Transport>,
    endpoint: Endpoint,
    query: Vec<(&'static str, String)>,
    /// The cursor of the next page to fetch (`None` before the first page).
    cursor: Option<String>,
    seen_cursors: HashSet<String>,
    finished: bool,
    /// A repeated cursor: the walk cannot go on, and every later call says so without
    /// sending anything.
    pending: Option<Error>,
    pages_fetched: u64,
}

impl Pages {
    pub fn new(
        transport: Arc<Transport>,
        endpoint: Endpoint,
        query: Vec<(&'static str, String)>,
        start_cursor: Option<String>,
    ) -> Self {
        Self {
            transport,
            endpoint,
            query,
            cursor: start_cursor,
            seen_cursors: HashSet::new(),
            finished: false,
            pending: None,
            pages_fetched: 0,
        }
    }

    /// The next page, or `None` after the last one. On error nothing moves: calling again
    /// fetches the same page.
    pub async fn next_page(&mut self) -> Result<Option<IndexedPage>> {
        if let Some(error) = &self.pending {
            return Err(error.clone());
        }
        if self.finished {
            return Ok(None);
        }
        let mut query: Vec<(&str, &str)> = vec![("limit", PAGE_LIMIT)];
        query.extend(self.query.iter().map(|(k, v)| (*k, v.as_str())));
        if let Some(cursor) = &self.cursor {
            query.push(("cursor", cursor));
        }
        let endpoint = &self.endpoint;
        let page = self
            .transport
            .get(endpoint, &query, |body| IndexedPage::parse(body, endpoint))
            .await?;
        self.pages_fetched += 1;
        let Some(next) = &page.next_cursor else {
            self.finished = true;
            return Ok(Some(page));
        };
        if self.seen_cursors.contains(next) || self.cursor.as_ref() == Some(next) {
            // The page is not used and the walk stays on its cursor: resuming from there
            // fetches it again, so nothing is lost and nothing is returned twice.
            let error = Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "{}: the server sent a next_cursor it had already sent (on page {}); \
                     stopped here instead of fetching the same pages forever. Nothing from that \
                     page was kept: resume_cursor fetches it again.",
                    self.endpoint.describe(),
                    self.pages_fetched
                ),
            );
            self.pending = Some(error.clone());
            return Err(error);
        }
        if let Some(current) = self.cursor.take() {
            self.seen_cursors.insert(current);
        }
        self.cursor = Some(next.clone());
        Ok(Some(page))
    }

    /// Every item of every remaining page, as JSON values.
    pub async fn collect_values(&mut self) -> Result<Vec<Value>> {
        let mut values = Vec::new();
        while let Some(page) = self.next_page().await? {
            values.extend(page.to_values(None)?);
        }
        Ok(values)
    }

    /// Where a new walk should start to continue this one.
    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    pub fn pages_fetched(&self) -> u64 {
        self.pages_fetched
    }
}

/// A page of responses and which of its items to keep (`since` and duplicates removed).
#[derive(Debug, Clone)]
pub struct ResponsePage {
    pub page: IndexedPage,
    pub keep: Vec<bool>,
    /// The cursor this page was fetched with (`None` for the first page): where to resume if
    /// the page cannot be used.
    pub cursor: Option<String>,
}

impl ResponsePage {
    /// The kept responses as JSON values.
    pub fn to_values(&self) -> Result<Vec<Value>> {
        self.page.to_values(Some(&self.keep))
    }

    pub fn body(&self) -> &Bytes {
        &self.page.body
    }
}

/// The responses of one survey, newest first, page by page.
#[derive(Debug)]
pub struct ResponseStream {
    pages: Pages,
    since: Option<Timestamp>,
    seen_ids: SeenIds,
    done: bool,
}

impl ResponseStream {
    pub fn new(pages: Pages, since: Option<Timestamp>) -> Self {
        Self {
            pages,
            since,
            seen_ids: SeenIds::default(),
            done: false,
        }
    }

    /// The next page with the responses to keep marked, or `None` when there are no more.
    /// With `since`, the stream ends at the first response older than it: responses come
    /// newest first. A response whose `created_time` cannot be read is kept, never dropped.
    pub async fn next_raw(&mut self) -> Result<Option<ResponsePage>> {
        if self.done {
            return Ok(None);
        }
        let cursor = self.pages.cursor().map(str::to_string);
        let Some(page) = self.pages.next_page().await? else {
            self.done = true;
            return Ok(None);
        };
        let mut keep = vec![false; page.items.len()];
        for (flag, item) in keep.iter_mut().zip(&page.items) {
            if let Some(since) = self.since {
                let created = item.created_time.as_deref().and_then(parse_api_timestamp);
                if created.is_some_and(|t| t < since) {
                    self.done = true;
                    break;
                }
            }
            if let Some(id) = &item.id {
                if !self.seen_ids.insert(id) {
                    // Pages shifted under us (or the server repeated itself): one copy is enough.
                    log::debug!("dropped a repeated response {id}");
                    continue;
                }
            }
            *flag = true;
        }
        Ok(Some(ResponsePage { page, keep, cursor }))
    }

    /// The next batch of responses as JSON values (possibly empty), or `None` when there are
    /// no more.
    pub async fn next_batch(&mut self) -> Result<Option<Vec<Value>>> {
        match self.next_raw().await? {
            Some(batch) => batch.to_values().map(Some),
            None => Ok(None),
        }
    }

    pub fn resume_cursor(&self) -> Option<&str> {
        self.pages.cursor()
    }

    pub fn pages_fetched(&self) -> u64 {
        self.pages.pages_fetched()
    }

    pub fn is_done(&self) -> bool {
        self.done
    }
}

/// A page fetched ahead, or the error that ended the stream with the cursor to resume from.
pub type PrefetchedPage = std::result::Result<ResponsePage, (Error, Option<String>)>;

impl ResponseStream {
    /// Fetches ahead on the runtime while the caller works on the previous page: page N+1 is
    /// on the wire while page N is decoded, so decoding costs no time when the network is the
    /// slow part. Dropping the result cancels the request in flight. Must be called inside
    /// the tokio runtime.
    pub fn prefetch(mut self) -> Prefetched {
        let (pages, received) = tokio::sync::mpsc::channel::<PrefetchedPage>(2);
        let task = tokio::spawn(async move {
            loop {
                let next = match self.next_raw().await {
                    Ok(Some(batch)) => Ok(batch),
                    Ok(None) => break,
                    Err(error) => Err((error, self.resume_cursor().map(str::to_string))),
                };
                let failed = next.is_err();
                if pages.send(next).await.is_err() || failed {
                    break;
                }
            }
        });
        Prefetched { received, task }
    }
}

/// A response stream fetching ahead (see [`ResponseStream::prefetch`]).
#[derive(Debug)]
pub struct Prefetched {
    received: tokio::sync::mpsc::Receiver<PrefetchedPage>,
    task: tokio::task::JoinHandle<()>,
}

impl Prefetched {
    /// The next page, `None` after the last one (or after an error was returned).
    pub async fn next(&mut self) -> Option<PrefetchedPage> {
        self.received.recv().await
    }

    /// Whether the next page is already here (`next` would not wait).
    pub fn next_is_ready(&self) -> bool {
        !self.received.is_empty()
    }
}

impl Drop for Prefetched {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The response ids a stream has returned, to drop repeats. Digit ids (all of Hotjar's) are
/// kept as numbers, 8 bytes each instead of a string, so a million-response export holds
/// about 16 MB here, not 100.
#[derive(Debug, Default)]
struct SeenIds {
    numbers: HashSet<u64>,
    others: HashSet<String>,
}

impl SeenIds {
    /// Whether `id` is new (and remembers it).
    fn insert(&mut self, id: &str) -> bool {
        // "007" and "7" are different ids: only canonical digits become numbers.
        let canonical = !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && (id == "0" || !id.starts_with('0'));
        match id.parse::<u64>() {
            Ok(number) if canonical => self.numbers.insert(number),
            _ => self.others.insert(id.to_string()),
        }
    }
}

#[cfg(test)]
mod seen_ids_tests {
    use super::SeenIds;

    #[test]
    fn repeats_are_found_and_look_alikes_are_not() {
        let mut seen = SeenIds::default();
        assert!(seen.insert("8800000001233"));
        assert!(!seen.insert("8800000001233"));
        assert!(seen.insert("07"));
        assert!(seen.insert("7"), "07 and 7 are different ids");
        assert!(!seen.insert("07"));
        assert!(seen.insert("abc"));
        assert!(!seen.insert("abc"));
        assert!(
            seen.insert("99999999999999999999999"),
            "too big for u64 is kept as text"
        );
        assert!(!seen.insert("99999999999999999999999"));
    }
}
