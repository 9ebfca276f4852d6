//! Writes the panel as a person-level file (Parquet or CSV by extension), with the spec's column
//! names: `person_id`, `month` as `YYYY-MM`, and `employers` as the sorted employer ids joined by
//! `;`. Only the `panel` command calls this: person-level data leaves a run only when asked for.
//!
//! The text columns of a million persons' panel would take gigabytes, so the file is written in
//! slices of [`SLICE_ROWS`] rows, each turned into its published shape just before it is written.

use super::{counts_as_employer, Panel};
use crate::calendar::Month;
use crate::error::DataError;
use crate::output::AtomicFile;
use anyhow::{anyhow, Result};
use polars::prelude::*;
use std::io::BufWriter;
use std::path::Path;

const SLICE_ROWS: usize = 1 << 20;

enum Sink {
    Parquet(Box<polars::io::parquet::write::BatchedWriter<std::fs::File>>),
    Csv(polars::io::csv::write::BatchedWriter<BufWriter<std::fs::File>>),
}

/// The formats the panel is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Parquet,
    Csv,
}

/// The format `path`'s extension names; any other is a usage error, which the `panel` command
/// checks before it reads any register.
pub fn format_of(path: &Path) -> Result<FileFormat, DataError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("parquet") => Ok(FileFormat::Parquet),
        Some("csv") => Ok(FileFormat::Csv),
        _ => Err(DataError::Usage(format!(
            "{}: the panel is written as .parquet or .csv; name the file with one of those extensions",
            path.display()
        ))),
    }
}

/// Writes the panel to `path` (`.parquet` or `.csv`); returns the number of rows.
pub fn write(panel: &Panel, path: &Path) -> Result<usize> {
    let failed = |err: PolarsError| anyhow!("writing {}: {err}", path.display());
    let format = format_of(path)?;
    // Written beside the target and renamed into place when complete (`crate::output`).
    let mut atomic = AtomicFile::create(path)?;
    let file = atomic.file().try_clone()?;
    let mut employers = EmployerCursor::default();
    let mut sink = None;
    let mut offset = 0;
    loop {
        let slice = panel.months.slice(offset as i64, SLICE_ROWS);
        let frame = published_shape(panel, &slice, &mut employers)?;
        if sink.is_none() {
            let schema = frame.schema();
            sink = Some(match format {
                FileFormat::Parquet => Sink::Parquet(Box::new(
                    ParquetWriter::new(file.try_clone()?)
                        .batched(schema)
                        .map_err(failed)?,
                )),
                FileFormat::Csv => Sink::Csv(
                    CsvWriter::new(BufWriter::new(file.try_clone()?))
                        .include_header(true)
                        .with_float_precision(Some(2))
                        .batched(schema)
                        .map_err(failed)?,
                ),
            });
        }
        match sink.as_mut().expect("created above") {
            Sink::Parquet(writer) => writer.write_batch(&frame).map_err(failed)?,
            Sink::Csv(writer) => writer.write_batch(&frame).map_err(failed)?,
        }
        offset += slice.height();
        if offset >= panel.months.height() {
            break;
        }
    }
    match sink.expect("at least one slice is written") {
        Sink::Parquet(writer) => {
            writer.finish().map_err(failed)?;
        }
        Sink::Csv(mut writer) => writer.finish().map_err(failed)?,
    }
    atomic
        .commit()
        .map_err(|err| anyhow!("writing {}: {err:#}", path.display()))?;
    Ok(panel.months.height())
}

/// A slice of the panel in its published shape.
fn published_shape(
    panel: &Panel,
    months: &DataFrame,
    employers: &mut EmployerCursor,
) -> Result<DataFrame> {
    let person = months.column("person")?.u32()?;
    let month = months.column("month")?.i32()?;
    let person_indices: Vec<IdxSize> = person.into_no_null_iter().map(|p| p as IdxSize).collect();
    let person_id = panel
        .persons
        .column("person_id")?
        .take_slice(&person_indices)?;
    let month_text = StringChunked::from_iter_values(
        "month".into(),
        month
            .into_no_null_iter()
            .map(|m| Month::from_index(m).to_string()),
    );
    let employer_text = StringChunked::from_iter_values(
        "employers".into(),
        person
            .into_no_null_iter()
            .zip(month.into_no_null_iter())
            .map(|(person, month)| employers.ids(panel, person, Month::from_index(month))),
    );
    let mut columns = vec![person_id, month_text.into_column()];
    let mut employer_text = Some(employer_text.into_column());
    for column in months.columns() {
        let name = column.name().as_str();
        if name == "person" || name == "month" {
            continue;
        }
        columns.push(column.clone());
        if name == "n_employers" {
            columns.push(employer_text.take().expect("one n_employers column"));
        }
    }
    Ok(DataFrame::new(months.height(), columns)?)
}

/// Walks the sorted jobs alongside the sorted panel rows.
#[derive(Default)]
struct EmployerCursor {
    next: usize,
}

impl EmployerCursor {
    /// The row's employers (hours over the threshold), sorted and joined by `;`.
    fn ids(&mut self, panel: &Panel, person: u32, month: Month) -> String {
        let jobs = &panel.income.jobs;
        let key = (person, month);
        while self.next < jobs.len() && (jobs[self.next].person, jobs[self.next].month) < key {
            self.next += 1;
        }
        let mut ids: Vec<&str> = Vec::new();
        while self.next < jobs.len() && (jobs[self.next].person, jobs[self.next].month) == key {
            let job = &jobs[self.next];
            if counts_as_employer(job.hours, &panel.options) {
                ids.push(&panel.income.employer_ids[job.employer as usize]);
            }
            self.next += 1;
        }
        ids.sort_unstable();
        ids.join(";")
    }
}
