//! One way to walk the rows of a CSV or Parquet file, so that every reader validates cells with the
//! same code whatever the format, and every problem can name its line (CSV) or row (Parquet).
//!
//! CSV is streamed record by record (the csv crate), so a wide DREAM file is never held as strings.
//! Parquet is read with polars and walked in slices whose cells are cast to text one slice at a
//! time, which keeps the text copy small.

use crate::dataset::{DataFile, Format};
use crate::error::{DataError, Location, Problem};
use anyhow::{Context, Result};
use polars::prelude::*;

/// Rows per Parquet slice cast to text at a time.
const PARQUET_SLICE: usize = 65_536;

/// A row of a table, whatever its format.
pub enum Record<'a> {
    Csv(&'a csv::StringRecord),
    Columns {
        columns: &'a [StringChunked],
        row: usize,
    },
}

impl Record<'_> {
    /// The cell of column `index`, as text ("" for an empty or null cell).
    pub fn get(&self, index: usize) -> &str {
        match self {
            Record::Csv(record) => record.get(index).unwrap_or(""),
            Record::Columns { columns, row } => columns[index].get(*row).unwrap_or(""),
        }
    }
}

/// An opened table: its header is known, its rows not yet read.
pub struct Table {
    pub file: DataFile,
    pub headers: Vec<String>,
}

impl Table {
    pub fn open(file: &DataFile) -> Result<Table> {
        let headers: Vec<String> = match file.format {
            Format::Csv => {
                let mut reader = csv_reader(file)?;
                reader
                    .headers()
                    .map_err(|err| csv_problem(file, err))?
                    .iter()
                    .map(|name| name.trim().to_string())
                    .collect()
            }
            Format::Parquet => scan_parquet(file)?
                .collect_schema()
                .map_err(|err| polars_error(file, err))?
                .iter_names()
                .map(|name| name.to_string())
                .collect(),
        };
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for name in &headers {
            if !seen.insert(name.as_str()) {
                return Err(DataError::Invalid(one_problem(
                    Problem::new(
                        &file.name,
                        Location::Header,
                        "the column name appears twice",
                    )
                    .column(name),
                ))
                .into());
            }
        }
        Ok(Table {
            file: file.clone(),
            headers,
        })
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|header| header == name)
    }

    /// The index of the first of `names` present, or a problem naming them all.
    pub fn require_column(&self, names: &[&str]) -> Result<usize, Problem> {
        names
            .iter()
            .find_map(|name| self.column(name))
            .ok_or_else(|| {
                Problem::new(
                    &self.file.name,
                    Location::Header,
                    format!(
                        "required column missing: expected {} (columns present: {})",
                        names.join(" or "),
                        self.headers.join(", ")
                    ),
                )
            })
    }

    /// Calls `visit` for every row, in file order, and returns the number of rows.
    pub fn for_each_row(
        &self,
        mut visit: impl FnMut(Location, &Record<'_>) -> Result<()>,
    ) -> Result<u64> {
        match self.file.format {
            Format::Csv => {
                let mut reader = csv_reader(&self.file)?;
                let mut record = csv::StringRecord::new();
                let mut rows = 0;
                let mut last_line = 1;
                loop {
                    match reader.read_record(&mut record) {
                        Ok(false) => break,
                        Ok(true) => {}
                        Err(err) => return Err(csv_problem(&self.file, err)),
                    }
                    rows += 1;
                    let line = record.position().map(|p| p.line()).unwrap_or(rows + 1);
                    last_line = line;
                    visit(Location::Line(line), &Record::Csv(&record))?;
                }
                check_complete(&self.file, last_line)?;
                Ok(rows)
            }
            Format::Parquet => {
                let frame = scan_parquet(&self.file)?
                    .collect()
                    .map_err(|err| polars_error(&self.file, err))?;
                let mut offset = 0;
                while offset < frame.height() {
                    let slice = frame.slice(offset as i64, PARQUET_SLICE);
                    let columns = slice
                        .columns()
                        .iter()
                        .map(|column| {
                            let text = column
                                .as_materialized_series()
                                .cast(&DataType::String)
                                .map_err(|err| polars_error(&self.file, err))?;
                            Ok(text.str().expect("cast to text").rechunk().into_owned())
                        })
                        .collect::<Result<Vec<StringChunked>>>()?;
                    for row in 0..slice.height() {
                        let location = Location::Row((offset + row + 1) as u64);
                        visit(
                            location,
                            &Record::Columns {
                                columns: &columns,
                                row,
                            },
                        )?;
                    }
                    offset += slice.height();
                }
                Ok(frame.height() as u64)
            }
        }
    }
}

/// A CSV file must end with a line break: one that does not was most likely cut short while
/// copied, and its last line's last value with it (`1998` read as `19`), which no check of the
/// value can tell. `last_line` is the last line read, named in the problem.
fn check_complete(file: &DataFile, last_line: u64) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut handle = std::fs::File::open(&file.path)
        .with_context(|| format!("cannot open {}", file.path.display()))?;
    let length = handle
        .seek(SeekFrom::End(0))
        .with_context(|| format!("cannot read {}", file.path.display()))?;
    if length == 0 {
        return Ok(());
    }
    let mut last = [0u8];
    handle
        .seek(SeekFrom::End(-1))
        .and_then(|_| handle.read_exact(&mut last))
        .with_context(|| format!("cannot read {}", file.path.display()))?;
    if last[0] == b'\n' {
        return Ok(());
    }
    Err(DataError::Invalid(one_problem(Problem::new(
        &file.name,
        Location::Line(last_line),
        "the file ends inside this line, without a line break: the file looks cut short (a truncated copy), and this line's last value with it; copy the file again, or end it with a line break if the line is complete",
    )))
    .into())
}

fn csv_reader(file: &DataFile) -> Result<csv::Reader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .buffer_capacity(1 << 20)
        .from_path(&file.path)
        .with_context(|| format!("cannot open {}", file.path.display()))
}

fn scan_parquet(file: &DataFile) -> Result<LazyFrame> {
    let path = file.path.to_string_lossy().to_string();
    LazyFrame::scan_parquet(PlRefPath::new(path), ScanArgsParquet::default())
        .map_err(|err| polars_error(file, err))
}

fn one_problem(problem: Problem) -> crate::error::Problems {
    let mut problems = crate::error::Problems::default();
    problems.push(problem);
    problems
}

/// A malformed CSV file (wrong field count, bad UTF-8, unreadable) as a located problem.
fn csv_problem(file: &DataFile, err: csv::Error) -> anyhow::Error {
    let line = err.position().map(|p| p.line());
    let message = match err.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields as in the header, found {len}"),
        csv::ErrorKind::Utf8 { err, .. } => format!("text is not valid UTF-8 ({err})"),
        _ => err.to_string(),
    };
    let location = line.map(Location::Line).unwrap_or(Location::File);
    DataError::Invalid(one_problem(Problem::new(&file.name, location, message))).into()
}

/// A polars failure on a file, without the raw debug dump.
pub fn polars_error(file: &DataFile, err: PolarsError) -> anyhow::Error {
    anyhow::anyhow!("cannot read {}: {err}", file.path.display())
}
