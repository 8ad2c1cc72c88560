//! Pages of responses into lists of dicts, off the event loop's thread, with the interpreter
//! attached from the body's thread (`decode`, straight from the bytes). The pages that have
//! arrived are decoded together as soon as the next one is not there yet, so decoding never
//! holds up fetching (the fetcher runs two pages ahead) and the interpreter is taken once per
//! burst, not once per page: at most `MAX_PENDING` pages wait. One string cache serves the
//! whole call, so a value repeated on any page of any survey is one str object. (Fixed chunks
//! of ten pages made the fetcher stand still while a chunk was decoded: 100k responses took
//! twice as long.)

use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::error::{Error, ErrorKind};
use crate::pagination::ResponsePage;

use super::decode::{self, GcPause, StringCache};
use super::entry::attach_in_worker;

/// Pages held for decoding at the most: about 1.2 MB of JSON at 100 responses a page.
const MAX_PENDING: usize = 10;

/// A failure and the cursor to resume from.
pub type Stop = (Error, Option<String>);

/// Decodes pages into `rows`, counting each page's responses as kept (`crate::progress`). An
/// undecodable page ends it there, with the error and that page's cursor. The cyclic garbage
/// collector is paused for all the pages: paused page by page, it ran once a page and, as the
/// rows piled up, traversed all of them again and again (a third of `responses_many`'s CPU).
pub fn decode_pages<'py>(
    py: Python<'py>,
    pages: &[ResponsePage],
    keys: &mut StringCache,
    rows: &Bound<'py, PyList>,
) -> Option<Stop> {
    let _pause = GcPause::new(py);
    for page in pages {
        match decode::append_results(py, page.body(), Some(&page.keep), keys, rows) {
            Ok(appended) => crate::progress::kept(appended),
            Err(error) => return Some((error, page.cursor.clone())),
        }
    }
    None
}

/// The rows of the surveys of one call, decoded with one string cache: a value repeated in
/// any survey is one str object (a cache per survey made 40 surveys' decoding 6% slower).
/// Call from the body's thread (a tokio worker, or the caller's thread for a blocking call);
/// drop it with the interpreter attached, so that the cache's strs are released at once.
pub struct SurveysRows {
    surveys: Vec<Option<SurveyRows>>,
    strings: StringCache,
}

/// One survey's rows.
#[derive(Default)]
struct SurveyRows {
    rows: Option<Py<PyList>>,
    /// Pages received and not decoded yet.
    pending: Vec<ResponsePage>,
    /// The first undecodable page and its cursor: the rows stop before it.
    undecodable: Option<Stop>,
}

impl SurveysRows {
    /// Rows for `count` surveys, known by their index.
    pub fn new(count: usize) -> Self {
        Self {
            surveys: (0..count).map(|_| Some(SurveyRows::default())).collect(),
            strings: StringCache::new(),
        }
    }

    /// Whether a page of survey `index` could not be decoded (later pages are not kept).
    pub fn stopped(&self, index: usize) -> bool {
        self.survey(index).is_some_and(|s| s.undecodable.is_some())
    }

    /// Adds a page of survey `index`, to decode at the next `flush` (at once when
    /// `MAX_PENDING` of its pages are waiting). Ignored for a survey already finished.
    pub fn push(&mut self, index: usize, page: ResponsePage) {
        let Some(survey) = self.surveys.get_mut(index).and_then(Option::as_mut) else {
            return;
        };
        if survey.undecodable.is_some() {
            return; // no gap in the rows: nothing after an undecodable page is kept
        }
        survey.pending.push(page);
        if survey.pending.len() >= MAX_PENDING {
            self.flush();
        }
    }

    /// Decodes every survey's pending pages, taking the interpreter once (the caller has
    /// nothing else to do until the next page).
    pub fn flush(&mut self) {
        let Self { surveys, strings } = self;
        let mut waiting: Vec<&mut SurveyRows> = surveys
            .iter_mut()
            .flatten()
            .filter(|s| !s.pending.is_empty())
            .collect();
        if !waiting.is_empty() {
            attach_in_worker(|py| {
                let _pause = GcPause::new(py); // one pause for every survey's pages
                waiting
                    .iter_mut()
                    .for_each(|s| s.decode_pending(py, strings));
            });
        }
    }

    /// Decodes what is pending of survey `index` and hands over its rows, and the
    /// undecodable page if any; `None` if it was finished already.
    pub fn finish(&mut self, index: usize) -> Option<(Py<PyList>, Option<Stop>)> {
        let mut survey = self.surveys.get_mut(index)?.take()?;
        let strings = &mut self.strings;
        let rows = attach_in_worker(|py| {
            survey.decode_pending(py, strings);
            survey
                .rows
                .take()
                .unwrap_or_else(|| PyList::empty(py).unbind())
        });
        Some((rows, survey.undecodable))
    }

    fn survey(&self, index: usize) -> Option<&SurveyRows> {
        self.surveys.get(index).and_then(Option::as_ref)
    }
}

impl SurveyRows {
    fn decode_pending(&mut self, py: Python<'_>, strings: &mut StringCache) {
        let pending = std::mem::take(&mut self.pending);
        if self.undecodable.is_some() || pending.is_empty() {
            return;
        }
        let rows = self.rows.get_or_insert_with(|| PyList::empty(py).unbind());
        self.undecodable = decode_pages(py, &pending, strings, rows.bind(py));
    }
}

/// An error for a survey the core reported no end for (unreachable: every survey taken ends).
pub fn no_result(survey: &str) -> Error {
    Error::new(
        ErrorKind::Transport,
        format!("The export of survey {survey} stopped without a result."),
    )
}
