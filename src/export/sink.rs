//! Writers that take a table batch by batch: Parquet (through the `parquet` crate's Arrow
//! writer, in row groups of bounded size), CSV and JSON Lines.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::cells::CellReader;
use super::{formula, FileFormat};
use crate::table::OTHER_ANSWERS;

/// Rows per Parquet row group: bounds the memory the writer holds (about 10-20 MB for a wide
/// survey) while keeping groups large enough to read fast.
const ROW_GROUP_ROWS: usize = 50_000;

pub(super) enum Sink {
    Parquet(Box<ArrowWriter<BufWriter<File>>>),
    /// The writer, whether the header was written, and whether cells that would start a
    /// spreadsheet formula are written as text (`formula::guard`).
    Csv(Box<csv::Writer<BufWriter<File>>>, bool, bool),
    Jsonl(BufWriter<File>),
}

pub(super) type SinkResult<T> = std::result::Result<T, String>;

impl Sink {
    /// A writer for `file`, whose schema is that of `first` (every batch has the same one).
    pub fn new(
        format: FileFormat,
        file: File,
        first: &RecordBatch,
        csv_formula_guard: bool,
    ) -> SinkResult<Self> {
        let buffered = BufWriter::with_capacity(1 << 20, file);
        Ok(match format {
            FileFormat::Parquet => {
                let properties = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                    .set_created_by(format!("hotjar-client {}", env!("CARGO_PKG_VERSION")))
                    .build();
                let writer = ArrowWriter::try_new(buffered, first.schema(), Some(properties))
                    .map_err(|e| e.to_string())?;
                Sink::Parquet(Box::new(writer))
            }
            FileFormat::Csv => Sink::Csv(
                Box::new(csv::Writer::from_writer(buffered)),
                false,
                csv_formula_guard,
            ),
            FileFormat::Jsonl => Sink::Jsonl(buffered),
        })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> SinkResult<()> {
        match self {
            Sink::Parquet(writer) => writer.write(batch).map_err(|e| e.to_string()),
            Sink::Csv(writer, header_written, guard) => {
                if !*header_written {
                    let schema = batch.schema();
                    let names = schema.fields().iter().map(|f| f.name().as_str());
                    let names: Vec<Cow<'_, str>> = if *guard {
                        names.map(formula::guard).collect()
                    } else {
                        names.map(Cow::Borrowed).collect()
                    };
                    writer
                        .write_record(names.iter().map(|n| n.as_ref()))
                        .map_err(|e| e.to_string())?;
                    *header_written = true;
                }
                let readers = readers(batch);
                let mut record = csv::StringRecord::new();
                for row in 0..batch.num_rows() {
                    record.clear();
                    for reader in &readers {
                        let text = reader.text(row);
                        if *guard {
                            record.push_field(&formula::guard(&text));
                        } else {
                            record.push_field(&text);
                        }
                    }
                    writer.write_record(&record).map_err(|e| e.to_string())?;
                }
                Ok(())
            }
            Sink::Jsonl(out) => {
                let readers = readers(batch);
                let schema = batch.schema();
                for row in 0..batch.num_rows() {
                    let object: serde_json::Map<String, serde_json::Value> = schema
                        .fields()
                        .iter()
                        .zip(&readers)
                        .map(|(field, reader)| (field.name().clone(), reader.value(row)))
                        .collect();
                    serde_json::to_writer(&mut *out, &object).map_err(|e| e.to_string())?;
                    out.write_all(b"\n").map_err(|e| e.to_string())?;
                }
                Ok(())
            }
        }
    }

    /// Finishes the file (the Parquet footer) and flushes it to disk.
    pub fn finish(self) -> SinkResult<()> {
        let file = match self {
            Sink::Parquet(writer) => writer.into_inner().map_err(|e| e.to_string())?,
            Sink::Csv(writer, _, _) => writer.into_inner().map_err(|e| e.to_string())?,
            Sink::Jsonl(out) => out,
        };
        let file = file.into_inner().map_err(|e| e.error().to_string())?;
        file.sync_all().map_err(|e| e.to_string())
    }
}

fn readers(batch: &RecordBatch) -> Vec<CellReader<'_>> {
    let schema = batch.schema_ref();
    batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(array, field)| CellReader::new(array, field.name() == OTHER_ANSWERS))
        .collect()
}
