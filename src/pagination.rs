//! Cursor pagination: the list envelope, a walker that follows `next_cursor` and refuses to
//! loop, and the response stream on top of it that applies `since` and drops duplicates.

use std::collections::HashSet;
use std::sync::Arc;

use jiff::Timestamp;
use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::ids::{normalize_ids, object_id};
use crate::timestamps::parse_api_timestamp;
use crate::transport::Transport;

/// The API's maximum page size; we always ask for it (the default is undocumented).
pub const PAGE_LIMIT: &str = "100";

/// One page of a list endpoint: `{"results": [...], "next_cursor": "..." | null}`.
#[derive(Debug)]
pub struct Page {
    pub results: Vec<Value>,
    pub next_cursor: Option<String>,
}

impl Page {
    /// Reads a page leniently where the API is unknown (an absent or empty `next_cursor`
    /// means the last page, `results: null` means none) and strictly where it promises (an
    /// object with a `results` list of objects).
    pub fn from_value(body: Value, endpoint: &Endpoint) -> Result<Self> {
        let invalid = |detail: &str| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "{}: the server's page is not what the Hotjar API promises ({detail}).",
                    endpoint.describe()
                ),
            )
        };
        let Value::Object(mut map) = body else {
            return Err(invalid("expected a JSON object with `results`"));
        };
        let results = match map.remove("results") {
            Some(Value::Array(items)) => items,
            Some(Value::Null) => Vec::new(),
            Some(_) => return Err(invalid("`results` is not a list")),
            None => return Err(invalid("`results` is missing")),
        };
        let mut results = results;
        for item in &mut results {
            if !item.is_object() {
                return Err(invalid("an item of `results` is not an object"));
            }
            normalize_ids(item);
        }
        let next_cursor = match map.remove("next_cursor") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => return Err(invalid("`next_cursor` is neither a string nor null")),
        };
        Ok(Self {
            results,
            next_cursor,
        })
    }
}

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
    /// An error found after a page was already returned (a repeated cursor): raised by the
    /// next call, so that the page's items are not lost.
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

    /// The next page's items, or `None` after the last page. On error nothing moves: calling
    /// again fetches the same page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Value>>> {
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
        let body = self.transport.get_json(&self.endpoint, &query).await?;
        let page = Page::from_value(body, &self.endpoint)?;
        self.pages_fetched += 1;
        match page.next_cursor {
            None => self.finished = true,
            Some(next) => {
                if let Some(current) = self.cursor.take() {
                    self.seen_cursors.insert(current);
                }
                if self.seen_cursors.contains(&next) {
                    self.pending = Some(Error::new(
                        ErrorKind::InvalidResponse,
                        format!(
                            "{}: the server sent a next_cursor it had already sent (after page \
                             {}); stopped here instead of fetching the same pages forever.",
                            self.endpoint.describe(),
                            self.pages_fetched
                        ),
                    ));
                }
                self.cursor = Some(next);
            }
        }
        Ok(Some(page.results))
    }

    /// Where a new walk should start to continue this one.
    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    pub fn pages_fetched(&self) -> u64 {
        self.pages_fetched
    }
}

/// The responses of one survey, newest first, page by page.
#[derive(Debug)]
pub struct ResponseStream {
    pages: Pages,
    since: Option<Timestamp>,
    seen_ids: HashSet<String>,
    done: bool,
    duplicates: u64,
}

impl ResponseStream {
    pub fn new(pages: Pages, since: Option<Timestamp>) -> Self {
        Self {
            pages,
            since,
            seen_ids: HashSet::new(),
            done: false,
            duplicates: 0,
        }
    }

    /// The next batch of responses (possibly empty), or `None` when there are no more. With
    /// `since`, the stream ends at the first response older than it: responses come newest
    /// first. A response whose `created_time` cannot be read is kept, never dropped.
    pub async fn next_batch(&mut self) -> Result<Option<Vec<Value>>> {
        if self.done {
            return Ok(None);
        }
        let Some(items) = self.pages.next_page().await? else {
            self.done = true;
            return Ok(None);
        };
        let mut batch = Vec::with_capacity(items.len());
        for item in items {
            if let Some(since) = self.since {
                let created = item
                    .get("created_time")
                    .and_then(Value::as_str)
                    .and_then(parse_api_timestamp);
                if created.is_some_and(|t| t < since) {
                    self.done = true;
                    break;
                }
            }
            if let Some(id) = object_id(&item) {
                if !self.seen_ids.insert(id.to_string()) {
                    // Pages shifted under us (or the server repeated itself): one copy is enough.
                    self.duplicates += 1;
                    log::debug!("pagination: dropped a repeated response {id}");
                    continue;
                }
            }
            batch.push(item);
        }
        Ok(Some(batch))
    }

    pub fn resume_cursor(&self) -> Option<&str> {
        self.pages.cursor()
    }

    pub fn pages_fetched(&self) -> u64 {
        self.pages.pages_fetched()
    }

    pub fn duplicates_dropped(&self) -> u64 {
        self.duplicates
    }

    pub fn is_done(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Id, IdKind};
    use serde_json::json;

    fn endpoint() -> Endpoint {
        Endpoint::Responses {
            site: Id::parse(IdKind::Site, "1").unwrap(),
            survey: Id::parse(IdKind::Survey, "2").unwrap(),
        }
    }

    #[test]
    fn page_reads_the_documented_envelope_and_normalises_ids() {
        let page = Page::from_value(
            json!({"results": [{"id": 7, "answers": [{"question_id": 8}]}], "next_cursor": "abc"}),
            &endpoint(),
        )
        .unwrap();
        assert_eq!(
            page.results,
            vec![json!({"id": "7", "answers": [{"question_id": "8"}]})]
        );
        assert_eq!(page.next_cursor.as_deref(), Some("abc"));
    }

    #[test]
    fn page_is_lenient_where_the_api_is_unknown() {
        let last = |body| Page::from_value(body, &endpoint()).unwrap().next_cursor;
        assert_eq!(last(json!({"results": []})), None);
        assert_eq!(last(json!({"results": [], "next_cursor": null})), None);
        assert_eq!(last(json!({"results": [], "next_cursor": ""})), None);
        assert_eq!(
            last(json!({"results": [], "next_cursor": 42})),
            Some("42".into())
        );
        let empty = Page::from_value(json!({"results": null, "extra": 1}), &endpoint()).unwrap();
        assert!(empty.results.is_empty());
    }

    #[test]
    fn page_is_strict_where_the_api_promises() {
        for body in [
            json!([1, 2]),
            json!({"data": []}),
            json!({"results": {"id": 1}}),
            json!({"results": [1]}),
            json!({"results": [], "next_cursor": {"a": 1}}),
        ] {
            let error = Page::from_value(body.clone(), &endpoint()).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidResponse, "{body}");
            assert!(error
                .message()
                .starts_with("Fetching the responses of survey 2"));
        }
    }
}
