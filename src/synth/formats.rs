//! The synthetic dataset in the formats udfald reads besides CSV (`udfald synth --format`), so a
//! pipeline can be tried on a Parquet or Stata extract before the real one arrives. The CSV files
//! the generator wrote are converted file by file: Parquet keeps every column as text, as the CSV
//! has it; Stata stores what a register extract stores as numbers (DREAM codes, dates as day
//! counts since 1960-01-01, hours and wages) as numbers, and keys and covariates as text. No Rust
//! writer of SAS files is known; the README says how to make one from the `.dta` with ReadStat.

use crate::output::AtomicFile;
use anyhow::{Context, Result};
use dta::stata::dta::byte_order::ByteOrder;
use dta::stata::dta::dta_writer::DtaWriter;
use dta::stata::dta::header::Header;
use dta::stata::dta::long_string_table::LongStringTable;
use dta::stata::dta::release::Release;
use dta::stata::dta::schema::Schema;
use dta::stata::dta::value::Value;
use dta::stata::dta::variable::Variable;
use dta::stata::dta::variable_type::VariableType;
use dta::stata::missing_value::MissingValue;
use dta::stata::stata_double::StataDouble;
use dta::stata::stata_int::StataInt;
use dta::stata::stata_long::StataLong;
use polars::prelude::{CsvReadOptions, ParquetWriter, SerReader};
use std::path::{Path, PathBuf};

/// A format `synth` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SynthFormat {
    Csv,
    Parquet,
    Dta,
}

impl SynthFormat {
    pub fn extension(self) -> &'static str {
        match self {
            SynthFormat::Csv => "csv",
            SynthFormat::Parquet => "parquet",
            SynthFormat::Dta => "dta",
        }
    }
}

/// How a CSV column is stored in a Stata file.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stored {
    /// Text of at most this many bytes.
    Text(usize),
    /// A DREAM code (or another small whole number), missing when empty.
    Code,
    /// A date `YYYY-MM-DD` or month `YYYY-MM` as days since 1960-01-01 (a month as its first day).
    Date,
    Amount,
}

/// Puts a CSV file the generator wrote (still under its temporary name) in place as `format`: the
/// CSV itself, or the file converted beside it (the CSV is then dropped). Returns the path.
pub fn finish(csv: AtomicFile, target: &Path, format: SynthFormat) -> Result<PathBuf> {
    let out = target.with_extension(format.extension());
    match format {
        SynthFormat::Csv => csv
            .commit()
            .with_context(|| format!("cannot write {}", target.display()))?,
        SynthFormat::Parquet => to_parquet(csv.path(), &out)?,
        SynthFormat::Dta => to_dta(csv.path(), &out)?,
    }
    Ok(out)
}

fn to_parquet(csv: &Path, out: &Path) -> Result<()> {
    let mut frame = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(csv.to_path_buf()))
        .and_then(|reader| reader.finish())
        .with_context(|| format!("cannot read {}", csv.display()))?;
    crate::output::write_with(out, |file| {
        ParquetWriter::new(file).finish(&mut frame)?;
        Ok(())
    })
}

/// How each column of the generator's files is stored, by its name.
fn stored(name: &str, width: usize) -> Stored {
    match name {
        "start_date" | "end_date" | "month" => Stored::Date,
        "hours" | "wage" => Stored::Amount,
        _ if name.starts_with("y_") => Stored::Code,
        _ => Stored::Text(width.max(1)),
    }
}

fn to_dta(csv: &Path, out: &Path) -> Result<()> {
    let read =
        || csv::Reader::from_path(csv).with_context(|| format!("cannot read {}", csv.display()));
    // Pass 1: the widest text of each column, which Stata's fixed-width strings need.
    let mut reader = read()?;
    let headers: Vec<String> = reader.headers()?.iter().map(String::from).collect();
    let mut widths = vec![0usize; headers.len()];
    for record in reader.records() {
        for (width, cell) in widths.iter_mut().zip(record?.iter()) {
            *width = (*width).max(cell.len());
        }
    }
    let columns: Vec<Stored> = headers
        .iter()
        .zip(&widths)
        .map(|(name, &width)| stored(name, width))
        .collect();
    let mut schema = Schema::builder();
    for (name, column) in headers.iter().zip(&columns) {
        let variable = match column {
            Stored::Text(width) => {
                Variable::builder(VariableType::FixedString(*width as u16), name)
                    .format(format!("%{width}s"))
            }
            Stored::Code => Variable::builder(VariableType::Int, name).format("%8.0g"),
            Stored::Date => Variable::builder(VariableType::Long, name).format("%td"),
            Stored::Amount => Variable::builder(VariableType::Double, name).format("%10.2f"),
        };
        schema = schema.add_variable(variable);
    }
    let schema = schema
        .build()
        .map_err(|err| anyhow::anyhow!("{}: {err}", out.display()))?;
    let failed = |err: dta::stata::dta::dta_error::DtaError| {
        anyhow::anyhow!("cannot write {}: {err}", out.display())
    };
    let header = Header::builder(Release::V118, ByteOrder::LittleEndian).build();
    // Written under a temporary name and renamed into place when complete (`crate::output`).
    let atomic = AtomicFile::create(out)?;
    let mut records = DtaWriter::new()
        .from_path(atomic.path())
        .map_err(failed)?
        .write_header(header)
        .map_err(failed)?
        .write_schema(schema)
        .map_err(failed)?
        .into_record_writer()
        .map_err(failed)?;
    // Pass 2: the rows.
    let epoch = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).expect("a date");
    for (line, record) in read()?.records().enumerate() {
        let record = record?;
        let mut values = Vec::with_capacity(columns.len());
        for (cell, column) in record.iter().zip(&columns) {
            let bad = || anyhow::anyhow!("{}, line {}: {cell:?}", csv.display(), line + 2);
            values.push(match column {
                Stored::Text(_) => Value::string(cell),
                Stored::Code if cell.is_empty() => {
                    Value::Int(StataInt::Missing(MissingValue::System))
                }
                Stored::Code => Value::Int(StataInt::Present(cell.parse().map_err(|_| bad())?)),
                Stored::Date if cell.is_empty() => {
                    Value::Long(StataLong::Missing(MissingValue::System))
                }
                Stored::Date => {
                    let day = if cell.len() == 7 {
                        format!("{cell}-01")
                    } else {
                        cell.to_string()
                    };
                    let date =
                        chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| bad())?;
                    Value::Long(StataLong::Present((date - epoch).num_days() as i32))
                }
                Stored::Amount => {
                    Value::Double(StataDouble::Present(cell.parse().map_err(|_| bad())?))
                }
            });
        }
        records.write_record(&values).map_err(failed)?;
    }
    let mut long_strings = records.into_long_string_writer().map_err(failed)?;
    long_strings
        .write_long_string_table(&LongStringTable::for_writing())
        .map_err(failed)?;
    long_strings
        .into_value_label_writer()
        .map_err(failed)?
        .finish()
        .map_err(failed)?;
    atomic
        .commit()
        .with_context(|| format!("cannot write {}", out.display()))
}
