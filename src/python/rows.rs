//! Pages of responses into lists of dicts, off the event loop's thread: a body keeps a survey's
//! pages as bytes until `DECODE_CHUNK` of them are in, then decodes them together with the
//! interpreter attached from its tokio worker (`decode`, straight from the bytes). Holding
//! every page until the end would keep a whole survey's JSON in memory next to its dicts;
//! decoding each page apart would take the interpreter once per page and share no strings
//! between pages. Ten pages (1,000 responses) is a few tens of milliseconds of work.

use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::error::{Error, ErrorKind};
use crate::pagination::ResponsePage;

use super::decode::{self, StringCache};
use super::entry::attach_in_worker;

const DECODE_CHUNK: usize = 10;

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

/// One survey's rows, decoded a few pages at a time. Call from a tokio worker.
#[derive(Default)]
pub struct ChunkedRows {
    rows: Option<Py<PyList>>,
    /// One cache for the whole survey: a value repeated anywhere in it is one str object.
    strings: StringCache,
    pending: Vec<ResponsePage>,
    /// The first undecodable page and its cursor: the rows stop before it.
    undecodable: Option<Stop>,
}

impl ChunkedRows {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a page could not be decoded (later pages are not kept).
    pub fn stopped(&self) -> bool {
        self.undecodable.is_some()
    }

    /// Adds a page; decodes the pending ones once there are enough.
    pub fn push(&mut self, page: ResponsePage) {
        if self.undecodable.is_some() {
            return; // no gap in the rows: nothing after an undecodable page is kept
        }
        self.pending.push(page);
        if self.pending.len() >= DECODE_CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let Self {
            rows,
            undecodable,
            strings,
            ..
        } = self;
        attach_in_worker(|py| {
            let rows = rows.get_or_insert_with(|| PyList::empty(py).unbind());
            let failure = decode_pages(py, &pending, strings, rows.bind(py));
            if failure.is_some() {
                *undecodable = failure;
            }
        });
    }

    /// Decodes what is pending and hands over the rows, and the undecodable page if any.
    pub fn finish(mut self) -> (Py<PyList>, Option<Stop>) {
        if self.undecodable.is_none() && !self.pending.is_empty() {
            self.flush();
        }
        let strings = std::mem::take(&mut self.strings);
        let rows = attach_in_worker(|py| {
            drop(strings); // its strs released with the interpreter held
            self.rows
                .take()
                .unwrap_or_else(|| PyList::empty(py).unbind())
        });
        (rows, self.undecodable)
    }
}

/// An error for a survey the core reported no end for (unreachable: every survey taken ends).
pub fn no_result(survey: &str) -> Error {
    Error::new(
        ErrorKind::Transport,
        format!("The export of survey {survey} stopped without a result."),
    )
}
