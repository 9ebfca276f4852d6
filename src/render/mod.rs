//! Stage 5, rendering: query results to text, CSV, JSON, Markdown or an xlsx workbook. One file
//! per format, each a function from results to a string (the text formats) or to bytes (xlsx);
//! none knows which metric made a table. Output is deterministic: the same results give the same
//! bytes (fixed row order and number formatting, no timestamps).

mod csv;
pub mod html;
mod json;
mod markdown;
mod svg;
mod text;
mod xlsx;

use crate::provenance::Manifest;
use crate::result::QueryResult;
use crate::runner::not_for_release;
use crate::table::Table;
use anyhow::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    Csv,
    Json,
    Markdown,
    /// An Excel workbook: a sheet per query, `definitions` and `provenance` (needs --out FILE).
    Xlsx,
}

impl Format {
    /// Whether the format's bytes are not text, so never for a terminal.
    pub fn is_binary(self) -> bool {
        self == Format::Xlsx
    }
}

/// How CSV separates fields and writes decimals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum CsvDialect {
    /// `,` between fields, `.` in numbers.
    #[default]
    Default,
    /// What Excel on a Danish machine opens as it is: `;` between fields, decimal comma in
    /// numbers, UTF-8 with a byte-order mark.
    Danish,
}

/// The UTF-8 byte-order mark the Danish dialect starts with.
const BOM: &str = "\u{feff}";

/// Renders results: `definitions` holds each query's resolved definition (`query::explain`),
/// which the workbook carries; JSON and the workbook also carry the run's manifest (never a
/// timestamp). Output that may not be released (suppression off or below the release threshold)
/// says so first, in every format: a line in text and Markdown, a `#` line in CSV, `"release":
/// false` in JSON, a banner row on every sheet of a workbook.
pub fn render(
    format: Format,
    dialect: CsvDialect,
    results: &[QueryResult],
    provenance: &Manifest,
    definitions: &[String],
) -> Result<Vec<u8>> {
    let mark = not_for_release(provenance.run.suppress_below);
    let body = match format {
        Format::Table => text::render(results),
        Format::Csv => csv::render(results, dialect),
        Format::Json => return Ok(json::render(results, provenance, mark.is_none()).into_bytes()),
        Format::Markdown => markdown::render(results),
        Format::Xlsx => return xlsx::render(results, provenance, definitions, mark.as_deref()),
    };
    let text = match (mark, format) {
        (None, _) => body,
        (Some(mark), Format::Csv) => format!("# {mark}\n{body}"),
        (Some(mark), _) => format!("{mark}\n\n{body}"),
    };
    Ok(match (format, dialect) {
        (Format::Csv, CsvDialect::Danish) => format!("{BOM}{text}"),
        _ => text,
    }
    .into_bytes())
}

/// `udfald diff`'s JSON: the variants (their keys and results), the movers, the manifest.
pub fn diff_json(
    variants: &[(Vec<(String, toml::Value)>, &QueryResult)],
    movers: Option<&Table>,
    provenance: &Manifest,
) -> Vec<u8> {
    let release = not_for_release(provenance.run.suppress_below).is_none();
    json::render_diff(variants, movers, provenance, release).into_bytes()
}

/// The table's cells as printed, row by row.
fn formatted(table: &Table) -> Vec<Vec<String>> {
    table
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .map(|(c, value)| table.format(c, value))
                .collect()
        })
        .collect()
}

/// The lines printed under a table: its notes and the suppression count.
fn notes(table: &Table) -> Vec<String> {
    let mut notes = table.notes.clone();
    if table.suppressed > 0 {
        notes.push(format!(
            "{} cell(s) suppressed (shown as .): fewer persons than the small-cell threshold",
            table.suppressed
        ));
    }
    notes
}

/// A header line naming the query.
fn heading(result: &QueryResult) -> String {
    let source = result
        .source
        .as_ref()
        .map(|s| format!(" [{s}]"))
        .unwrap_or_default();
    format!("{}{source}: {}", result.name, result.title)
}
