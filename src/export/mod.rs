//! Streaming export of a survey's responses to a Parquet, CSV or JSON Lines file, page by page,
//! so memory does not grow with the survey.
//!
//! The file is written under a temporary name beside the target and renamed at the end: a
//! half-written file never looks complete. If fetching fails part way, what was written is
//! closed properly and kept as `<path>.partial`, and the error says where to resume. If the
//! export is cancelled (Ctrl-C), the temporary file is removed.

mod cells;
pub(crate) mod formula;
pub(crate) mod lock;
mod resume;
mod sink;

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::client::HotjarClient;
use crate::error::{Error, ErrorKind, ExportError, Result};
use crate::ids::Id;
use crate::table::{Shape, TableBuilder};

use lock::ExportLock;
use sink::Sink;

/// The file formats `export_responses` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Parquet,
    Csv,
    Jsonl,
}

impl FileFormat {
    const CHOICES: &'static str = "\"parquet\", \"csv\" or \"jsonl\"";

    /// The format named by `format`, or else by the path's suffix.
    pub fn resolve(path: &Path, format: Option<&str>) -> Result<Self> {
        if let Some(name) = format {
            return match name.trim().to_ascii_lowercase().as_str() {
                "parquet" | "pq" => Ok(FileFormat::Parquet),
                "csv" => Ok(FileFormat::Csv),
                "jsonl" | "ndjson" | "json-lines" => Ok(FileFormat::Jsonl),
                _ => Err(Error::config(format!(
                    "format must be {}, got {name:?}.",
                    Self::CHOICES
                ))),
            };
        }
        let suffix = path
            .extension()
            .and_then(|s| s.to_str())
            .map(str::to_ascii_lowercase);
        match suffix.as_deref() {
            Some("parquet" | "pq") => Ok(FileFormat::Parquet),
            Some("csv") => Ok(FileFormat::Csv),
            Some("jsonl" | "ndjson") => Ok(FileFormat::Jsonl),
            _ => Err(Error::config(format!(
                "Cannot tell the file format from {:?}: name the file .parquet, .csv or \
                 .jsonl, or pass format= ({}).",
                path.display(),
                Self::CHOICES
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Parquet => "parquet",
            FileFormat::Csv => "csv",
            FileFormat::Jsonl => "jsonl",
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct ExportSummary {
    pub path: PathBuf,
    pub format: FileFormat,
    pub shape: Shape,
    pub responses: usize,
    pub rows: usize,
    pub pages: u64,
    pub bytes: u64,
}

/// Checks an export's target before anything is sent: its folder exists and it is not a
/// folder itself.
pub fn check_target(path: &Path) -> Result<()> {
    if path.as_os_str().is_empty() {
        return Err(Error::config("path is empty: give the file to write."));
    }
    if path.is_dir() {
        return Err(Error::config(format!(
            "{:?} is a folder; give the path of a file to write.",
            path.display()
        )));
    }
    if path.file_name().is_some_and(|name| name.len() > 255) {
        return Err(Error::config(format!(
            "The file name {:?} is longer than the 255 bytes file systems allow.",
            path.display()
        )));
    }
    let parent = parent_of(path);
    if !parent.is_dir() {
        return Err(Error::config(format!(
            "The folder {:?} does not exist; create it first.",
            parent.display()
        )));
    }
    Ok(())
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The temporary file an export writes; removed when dropped unless it was kept.
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl TempFile {
    fn create(target: &Path) -> Result<(Self, File)> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".to_string());
        // Most file systems cap a name at 255 bytes: shorten the borrowed part so that any
        // legal target name gives a legal temporary name.
        let mut short = name.as_str();
        while short.len() > 200 {
            let mut end = short.len() - 1;
            while !short.is_char_boundary(end) {
                end -= 1;
            }
            short = &short[..end];
        }
        let path = parent_of(target).join(format!(
            ".{short}.{}-{:08x}.tmp",
            std::process::id(),
            fastrand::u32(..)
        ));
        let file = File::create_new(&path).map_err(|e| os_file_error(&path, "create", &e))?;
        Ok((Self { path, armed: true }, file))
    }

    /// Moves the file to `to`, replacing what is there.
    fn persist(mut self, to: &Path) -> Result<()> {
        fs::rename(&self.path, to).map_err(|e| os_file_error(to, "rename to", &e))?;
        self.armed = false;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn file_error(path: &Path, action: &str, error: &dyn std::fmt::Display) -> Error {
    Error::file(
        format!("Could not {action} {:?}: {error}.", path.display()),
        path,
        None,
    )
}

/// A file error whose cause is an I/O error: it keeps the OS error number, so that Python's
/// `except PermissionError` and friends catch it.
fn os_file_error(path: &Path, action: &str, error: &std::io::Error) -> Error {
    Error::file(
        format!("Could not {action} {:?}: {error}.", path.display()),
        path,
        Some(error),
    )
}

/// The sink, created with the schema of the first batch.
struct Output {
    format: FileFormat,
    file: Option<File>,
    sink: Option<Sink>,
    path: PathBuf,
    /// A resumed CSV export copied the partial file, header included.
    header_written: bool,
    /// A resumed export's partial file has these columns; the new rows must have them too.
    expect_columns: Option<Vec<String>>,
    /// CSV cells that would start a spreadsheet formula are written as text.
    csv_formula_guard: bool,
}

impl Output {
    fn new(format: FileFormat, file: File, path: PathBuf, csv_formula_guard: bool) -> Self {
        Self {
            format,
            file: Some(file),
            sink: None,
            path,
            header_written: false,
            expect_columns: None,
            csv_formula_guard,
        }
    }

    fn write(&mut self, batch: &arrow_array::RecordBatch) -> Result<()> {
        if let Some(expected) = self.expect_columns.take() {
            let schema = batch.schema();
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            if names != expected.iter().map(String::as_str).collect::<Vec<_>>() {
                return Err(Error::config(
                    "The survey's columns changed since the partial export was written (a \
                     question added or removed?), so the rest cannot go into the same file. \
                     Delete the .partial file and its .partial.json note to start over.",
                ));
            }
        }
        if self.sink.is_none() {
            let file = self
                .file
                .take()
                .ok_or_else(|| file_error(&self.path, "write", &"the file is already closed"))?;
            let mut sink = Sink::new(self.format, file, batch, self.csv_formula_guard)
                .map_err(|e| file_error(&self.path, "write", &e))?;
            if let Sink::Csv(_, header_written, _) = &mut sink {
                *header_written = self.header_written;
            }
            self.sink = Some(sink);
        }
        match &mut self.sink {
            Some(sink) => sink
                .write(batch)
                .map_err(|e| file_error(&self.path, "write", &e)),
            None => Ok(()),
        }
    }

    /// Writes the header or footer (an empty table still gets its schema) and syncs.
    fn finish(mut self, builder: &mut TableBuilder) -> Result<()> {
        if self.sink.is_none() {
            let empty = builder.finish()?;
            self.write(&empty)?;
        }
        match self.sink {
            Some(sink) => sink
                .finish()
                .map_err(|e| file_error(&self.path, "finish", &e)),
            None => Ok(()),
        }
    }
}

/// Streams a survey's responses to `request.path`, starting where `request.start` says.
pub(crate) async fn export(
    client: &HotjarClient,
    mut request: ExportRequest<'_>,
) -> Result<ExportSummary, ExportError<Option<PathBuf>>> {
    let _lock = take_lock(request.path)?;
    let (resume_cursor, seed) = match &request.start {
        ExportStart::Newest => (None, None),
        ExportStart::Cursor(cursor) => (Some(cursor.clone()), None),
        ExportStart::Resume => {
            let seed = resume::find(&mut request).map_err(|error| ExportError {
                error,
                partial: None,
                resume_cursor: None,
            })?;
            let cursor = seed.as_ref().and_then(|s| s.note.resume_cursor.clone());
            (cursor, seed)
        }
    };
    export_to(client, &request, resume_cursor, seed).await
}

/// The lock of `path` (see `lock`), held until the export ends, taken after the target is
/// checked: no other export reads or writes its partial file meanwhile.
fn take_lock(path: &Path) -> Result<ExportLock, ExportError<Option<PathBuf>>> {
    check_target(path)
        .and_then(|()| ExportLock::take(path, "export"))
        .map_err(|error| ExportError {
            error,
            partial: None,
            resume_cursor: None,
        })
}

/// The export itself, from `resume_cursor`, after the partial file of `seed` when resuming.
async fn export_to(
    client: &HotjarClient,
    request: &ExportRequest<'_>,
    resume_cursor: Option<String>,
    seed: Option<resume::Seed>,
) -> Result<ExportSummary, ExportError<Option<PathBuf>>> {
    let csv_formula_guard = request.guards_formulas();
    let ExportRequest {
        site,
        survey,
        path,
        format,
        shape,
        since,
        ..
    } = *request;
    // Before anything new is written, a failure leaves any partial export as it was.
    let early = |error: Error| ExportError {
        error,
        partial: seed.as_ref().map(|s| s.partial.clone()),
        resume_cursor: resume_cursor.clone(),
    };
    // The target was checked by `take_lock`, before the lock was taken.
    let plan = client.survey_plan(site, survey).await.map_err(early)?;
    let (temp, file) = TempFile::create(path).map_err(early)?;
    let mut output = Output::new(format, file, temp.path.clone(), csv_formula_guard);
    if let Some(seed) = &seed {
        resume::seed(&mut output, seed).map_err(early)?;
    }
    let mut builder = TableBuilder::new(plan, shape);
    let mut pages = client
        .response_stream(site, survey, since, resume_cursor.clone())
        .prefetch();
    let mut pages_read = 0;
    let mut failure = None;
    while let Some(next) = pages.next().await {
        let step = next.and_then(|batch| {
            builder
                .append_page(batch.body(), &batch.keep)
                .and_then(|()| builder.finish())
                .and_then(|table| output.write(&table))
                .map_err(|error| (error, batch.cursor))
        });
        match step {
            Ok(()) => pages_read += 1,
            Err(stop) => {
                failure = Some(stop);
                break;
            }
        }
    }
    drop(pages);
    let (seeded_responses, seeded_rows) = seed
        .as_ref()
        .map_or((0, 0), |s| (s.note.responses, s.note.rows));
    if let Some((error, cursor)) = failure {
        if error.kind() == ErrorKind::File {
            // What was written may be broken: keep the partial export as it was.
            return Err(early(error));
        }
        let note = resume::Note {
            version: 1,
            site_id: site.to_string(),
            survey_id: survey.to_string(),
            format: format.name().to_string(),
            shape: shape.name().to_string(),
            since: since.map(|t| t.to_string()),
            resume_cursor: cursor.clone(),
            responses: seeded_responses + builder.responses(),
            rows: seeded_rows + builder.rows(),
            csv_formula_guard,
        };
        return Err(keep_partial(error, note, output, &mut builder, temp, path));
    }
    output.finish(&mut builder).map_err(|error| ExportError {
        error,
        partial: None,
        resume_cursor: None,
    })?;
    temp.persist(path).map_err(|error| ExportError {
        error,
        partial: None,
        resume_cursor: None,
    })?;
    if seed.is_some() {
        resume::clear(path);
    }
    let bytes = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(ExportSummary {
        path: path.to_path_buf(),
        format,
        shape,
        responses: seeded_responses + builder.responses(),
        rows: seeded_rows + builder.rows(),
        pages: pages_read,
        bytes,
    })
}

/// An export: a survey's responses (at or after `since`) written to `path`, starting where
/// `start` says.
#[derive(Debug, Clone)]
pub struct ExportRequest<'a> {
    pub site: &'a Id,
    pub survey: &'a Id,
    pub path: &'a Path,
    pub format: FileFormat,
    pub shape: Shape,
    pub since: Option<Timestamp>,
    pub start: ExportStart,
    /// CSV cells that would start a spreadsheet formula (`=`, `+`, `-`, `@`, tab, CR) are
    /// written with a `'` in front, as text (`formula`).
    pub csv_formula_guard: bool,
}

impl ExportRequest<'_> {
    /// Whether cells are guarded: only CSV has formulas to guard against.
    fn guards_formulas(&self) -> bool {
        self.csv_formula_guard && self.format == FileFormat::Csv
    }
}

/// Where an export starts reading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ExportStart {
    /// At the newest response, into a new file.
    #[default]
    Newest,
    /// Where a failed export stopped ([`ExportError::resume_cursor`]), into a new file.
    Cursor(String),
    /// Continues the failed export of the same path in the same file, from its
    /// `<path>.partial` and the note beside it (see `resume`); without a partial export, at
    /// the newest response. `since` defaults to the partial export's, and
    /// `csv_formula_guard` must be the partial export's.
    Resume,
}

/// After a failed fetch: closes what was written and keeps it as `<path>.partial`, with the
/// note that lets `resume=True` continue it. With nothing written, nothing is kept.
fn keep_partial(
    error: Error,
    note: resume::Note,
    output: Output,
    builder: &mut TableBuilder,
    temp: TempFile,
    path: &Path,
) -> ExportError<Option<PathBuf>> {
    let cursor = note.resume_cursor.clone();
    let written = note.responses;
    if written == 0 {
        return ExportError {
            error,
            partial: None,
            resume_cursor: cursor,
        };
    }
    let partial_path = resume::partial_path(path);
    let kept = output
        .finish(builder)
        .and_then(|()| temp.persist(&partial_path))
        .and_then(|()| resume::write_note(path, &note));
    match kept {
        Ok(()) => {
            let message = format!(
                "{} The {written} responses written so far are in {:?} (incomplete): call \
                 export_responses(..., resume=True) to continue that file, or pass \
                 resume_cursor= to export the rest to another one.",
                error.message(),
                partial_path.display()
            );
            ExportError {
                error: error.with_message(message),
                partial: Some(partial_path),
                resume_cursor: cursor,
            }
        }
        Err(_) => ExportError {
            error,
            partial: None,
            resume_cursor: cursor,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_comes_from_the_argument_or_the_suffix() {
        let resolve =
            |path: &str, format: Option<&str>| FileFormat::resolve(Path::new(path), format);
        assert_eq!(resolve("a/b.PARQUET", None).ok(), Some(FileFormat::Parquet));
        assert_eq!(resolve("b.csv", None).ok(), Some(FileFormat::Csv));
        assert_eq!(resolve("b.ndjson", None).ok(), Some(FileFormat::Jsonl));
        assert_eq!(
            resolve("b.txt", Some("jsonl")).ok(),
            Some(FileFormat::Jsonl)
        );
        let unknown = resolve("b.xlsx", None).expect_err("unknown suffix");
        assert_eq!(unknown.kind(), ErrorKind::Configuration);
        assert!(unknown.message().contains("format="), "{unknown}");
        assert!(resolve("b.csv", Some("excel")).is_err());
    }

    #[test]
    fn the_target_folder_must_exist_and_the_target_must_not_be_one() {
        let dir = std::env::temp_dir();
        assert!(check_target(&dir.join("x.csv")).is_ok());
        assert!(
            check_target(Path::new("x.csv")).is_ok(),
            "a bare name means the cwd"
        );
        assert!(check_target(&dir).is_err());
        assert!(check_target(&dir.join("no-such-folder-hj").join("x.csv")).is_err());
        assert!(check_target(Path::new("")).is_err());
        assert!(check_target(&dir.join("x".repeat(256))).is_err());
    }
}
