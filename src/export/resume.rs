//! Continuing a failed file export in the same file.
//!
//! A failed export keeps what it wrote as `<path>.partial` (a valid file of its format) and,
//! beside it, `<path>.partial.json`: where it stopped (the cursor), how much it holds, and the
//! settings it was made with. `export_responses(..., resume=True)` checks those settings
//! against the new call, copies the partial file into the new one, fetches the rest from the
//! cursor, and renames the whole to `path`; the partial file and its note are then removed.
//! If it fails again, the partial file grows and the note moves on. Nothing is fetched twice
//! and nothing is lost, across processes and days.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{file_error, os_file_error, ExportRequest, FileFormat, Output};
use crate::error::{Error, Result};

const VERSION: u32 = 1;

/// The note kept beside a partial export.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Note {
    pub version: u32,
    pub site_id: String,
    pub survey_id: String,
    pub format: String,
    pub shape: String,
    pub since: Option<String>,
    pub resume_cursor: Option<String>,
    pub responses: usize,
    pub rows: usize,
    /// Whether the CSV's formula-looking cells were written as text (absent in notes of
    /// earlier versions, which never did).
    #[serde(default)]
    pub csv_formula_guard: bool,
}

/// What a resumed export starts from.
#[derive(Debug, Clone)]
pub(super) struct Seed {
    pub partial: PathBuf,
    pub note: Note,
}

pub(super) fn partial_path(path: &Path) -> PathBuf {
    with_suffix(path, ".partial")
}

fn note_path(path: &Path) -> PathBuf {
    with_suffix(path, ".partial.json")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The partial export of `request.path` to continue, checked against the request's settings;
/// `None` when there is none (the export then starts from the beginning). `request.since`
/// falls back to the one the partial export was made with.
pub(super) fn find(request: &mut ExportRequest<'_>) -> Result<Option<Seed>> {
    let partial = partial_path(request.path);
    let note_file = note_path(request.path);
    if !partial.is_file() {
        return Ok(None);
    }
    let text = match fs::read_to_string(&note_file) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::config(format!(
                "{:?} exists but {:?} does not, so where it stopped is unknown. Export the rest \
                 with resume_cursor= to another file, or delete the partial file to start over.",
                partial.display(),
                note_file.display()
            )))
        }
        Err(e) => return Err(os_file_error(&note_file, "read", &e)),
    };
    let note: Note = serde_json::from_str(&text)
        .ok()
        .filter(|n: &Note| n.version == VERSION)
        .ok_or_else(|| {
            Error::config(format!(
                "{:?} is not a note this version of hotjar-client wrote; delete it and {:?} to \
                 start over.",
                note_file.display(),
                partial.display()
            ))
        })?;
    let mismatch = |what: &str, was: &str, now: &str| {
        Error::config(format!(
            "{:?} was exported with {what} {was}, not {now}: resume with the same settings, or \
             delete it to start over.",
            partial.display()
        ))
    };
    let (site, survey) = (request.site, request.survey);
    if note.site_id != site.as_str() || note.survey_id != survey.as_str() {
        return Err(mismatch(
            "site/survey",
            &format!("{}/{}", note.site_id, note.survey_id),
            &format!("{site}/{survey}"),
        ));
    }
    if note.format != request.format.name() {
        return Err(mismatch("format", &note.format, request.format.name()));
    }
    if note.shape != request.shape.name() {
        return Err(mismatch("shape", &note.shape, request.shape.name()));
    }
    let csv_formula_guard = request.guards_formulas();
    if note.csv_formula_guard != csv_formula_guard {
        let name = |on: bool| format!("csv_formula_guard={}", if on { "True" } else { "False" });
        return Err(mismatch(
            "the option",
            &name(note.csv_formula_guard),
            &name(csv_formula_guard),
        ));
    }
    let noted_since = match &note.since {
        Some(text) => Some(text.parse::<Timestamp>().map_err(|_| {
            Error::config(format!("{:?} holds a broken since.", note_file.display()))
        })?),
        None => None,
    };
    match (request.since, noted_since) {
        (Some(now), Some(was)) if now != was => {
            return Err(mismatch("since", &was.to_string(), &now.to_string()))
        }
        (Some(now), None) => return Err(mismatch("since", "None", &now.to_string())),
        _ => request.since = noted_since,
    }
    Ok(Some(Seed { partial, note }))
}

/// Copies the partial file into the new output, and arms the check that what comes next has
/// the same columns (the survey's questions may have changed since).
pub(super) fn seed(output: &mut Output, seed: &Seed) -> Result<()> {
    let partial = &seed.partial;
    let unreadable = |e: &dyn std::fmt::Display| file_error(partial, "read", e);
    let columns = match output.format {
        FileFormat::Jsonl => {
            // Only the first line: the partial file may be large.
            let mut line = String::new();
            File::open(partial)
                .map(io::BufReader::new)
                .and_then(|mut reader| io::BufRead::read_line(&mut reader, &mut line))
                .map_err(|e| unreadable(&e))?;
            let first: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&line)
                .map_err(|_| unreadable(&"no JSON object on its first line"))?;
            copy_into(output, partial)?;
            first.keys().cloned().collect()
        }
        FileFormat::Csv => {
            let mut reader = csv::Reader::from_path(partial).map_err(|e| unreadable(&e))?;
            let header: Vec<String> = reader
                .headers()
                .map_err(|e| unreadable(&e))?
                .iter()
                .map(str::to_string)
                .collect();
            copy_into(output, partial)?;
            output.header_written = true;
            header
        }
        FileFormat::Parquet => {
            let file = File::open(partial).map_err(|e| unreadable(&e))?;
            let reader =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .and_then(|b| b.build())
                    .map_err(|e| unreadable(&e))?;
            let mut columns = Vec::new();
            for batch in reader {
                let batch = batch.map_err(|e| unreadable(&e))?;
                columns = batch
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect();
                output.write(&batch)?;
            }
            columns
        }
    };
    output.expect_columns = Some(columns);
    Ok(())
}

fn copy_into(output: &mut Output, partial: &Path) -> Result<()> {
    let target = output
        .file
        .as_mut()
        .ok_or_else(|| file_error(&output.path, "write", &"the file is already closed"))?;
    let mut source = File::open(partial).map_err(|e| os_file_error(partial, "read", &e))?;
    io::copy(&mut source, target).map_err(|e| os_file_error(&output.path, "write", &e))?;
    Ok(())
}

/// Writes the note of a partial export (through a temporary file: never half a note).
pub(super) fn write_note(path: &Path, note: &Note) -> Result<()> {
    let target = note_path(path);
    let temp = with_suffix(path, &format!(".partial.json.{}.tmp", std::process::id()));
    let text = serde_json::to_string_pretty(note).map_err(|e| file_error(&target, "write", &e))?;
    fs::write(&temp, text).map_err(|e| os_file_error(&temp, "write", &e))?;
    fs::rename(&temp, &target).map_err(|e| os_file_error(&target, "rename to", &e))
}

/// Removes a partial export and its note once the whole export is in place.
pub(super) fn clear(path: &Path) {
    let _ = fs::remove_file(partial_path(path));
    let _ = fs::remove_file(note_path(path));
}
