//! Pages of responses into lists of dicts, off the event loop's thread, with the interpreter
//! attached from the body's thread (`decode`, straight from the bytes). The pages that have
//! arrived are decoded together as soon as the next one is not there yet, so decoding never
//! holds up fetching (the fetcher runs two pages ahead) and the interpreter is taken once per
//! burst, not once per page: at most `MAX_PENDING` pages wait. One string cache serves the
//! whole survey, so a value repeated on any page is one str object. (Fixed chunks of ten pages
//! made the fetcher stand still while a chunk was decoded: 100k responses took twice as long.)

use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::error::{Error, ErrorKind};
use crate::pagination::ResponsePage;

use super::decode::{self, StringCache};
use super::entry::attach_in_worker;

/// Pages held for decoding at the most: about 1.2 MB of JSON at 100 responses a page.
const MAX_PENDING: usize = 10;

/// A failure and the cursor to resume from.
pub type Stop = (Error, Option<String>);

/// Decodes pages into `rows`, counting each page's responses as kept (`crate::progress`). An
/// undecodable page ends it there, with the error and that page's cursor.
pub fn decode_pages<'py>(
    py: Python<'py>,
    pages: &[ResponsePage],
    keys: &mut StringCache,
    rows: &Bound<'py, PyList>,
) -> Option<Stop> {
    for page in pages {
        match decode::append_results(py, page.body(), Some(&page.keep), keys, rows) {
            Ok(appended) => crate::progress::kept(appended),
            Err(error) => return Some((error, page.cursor.clone())),
        }
    }
    None
}

/// One survey's rows. Call from the body's thread (a tokio worker, or the caller's thread for
/// a blocking call).
#[derive(Default)]
pub struct SurveyRows {
    rows: Option<Py<PyList>>,
    /// One cache for the whole survey: a value repeated anywhere in it is one str object.
    strings: StringCache,
    /// Pages received and not decoded yet.
    pending: Vec<ResponsePage>,
    /// The first undecodable page and its cursor: the rows stop before it.
    undecodable: Option<Stop>,
}

impl SurveyRows {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a page could not be decoded (later pages are not kept).
    pub fn stopped(&self) -> bool {
        self.undecodable.is_some()
    }

    /// Adds a page, to decode at the next `flush` (at once when `MAX_PENDING` are waiting).
    pub fn push(&mut self, page: ResponsePage) {
        if self.undecodable.is_some() {
            return; // no gap in the rows: nothing after an undecodable page is kept
        }
        self.pending.push(page);
        if self.pending.len() >= MAX_PENDING {
            self.flush();
        }
    }

    /// Decodes the pending pages (the caller has nothing else to do until the next one).
    pub fn flush(&mut self) {
        flush_all(std::iter::once(self));
    }

    fn decode_pending(&mut self, py: Python<'_>) {
        let pending = std::mem::take(&mut self.pending);
        if self.undecodable.is_some() || pending.is_empty() {
            return;
        }
        let rows = self.rows.get_or_insert_with(|| PyList::empty(py).unbind());
        self.undecodable = decode_pages(py, &pending, &mut self.strings, rows.bind(py));
    }

    /// Decodes what is pending and hands over the rows, and the undecodable page if any.
    pub fn finish(mut self) -> (Py<PyList>, Option<Stop>) {
        let rows = attach_in_worker(|py| {
            self.decode_pending(py);
            drop(std::mem::take(&mut self.strings)); // its strs released with the interpreter held
            self.rows
                .take()
                .unwrap_or_else(|| PyList::empty(py).unbind())
        });
        (rows, self.undecodable)
    }
}

/// Decodes the pending pages of every survey, taking the interpreter once.
pub fn flush_all<'a>(surveys: impl Iterator<Item = &'a mut SurveyRows>) {
    let mut waiting: Vec<&mut SurveyRows> = surveys.filter(|s| !s.pending.is_empty()).collect();
    if !waiting.is_empty() {
        attach_in_worker(|py| waiting.iter_mut().for_each(|s| s.decode_pending(py)));
    }
}

/// An error for a survey the core reported no end for (unreachable: every survey taken ends).
pub fn no_result(survey: &str) -> Error {
    Error::new(
        ErrorKind::Transport,
        format!("The export of survey {survey} stopped without a result."),
    )
}
