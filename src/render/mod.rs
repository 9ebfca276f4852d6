//! Stage 5, rendering: query results to text, CSV, JSON or Markdown. One file per format, each a
//! function from results to a string; none knows which metric made a table. Output is
//! deterministic: the same results give the same bytes (fixed row order and number formatting,
//! no timestamps).

mod csv;
mod json;
mod markdown;
mod text;

use crate::provenance::Manifest;
use crate::result::QueryResult;
use crate::table::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    Csv,
    Json,
    Markdown,
}

/// Renders results; JSON also carries the run's manifest (never a timestamp).
pub fn render(format: Format, results: &[QueryResult], provenance: &Manifest) -> String {
    match format {
        Format::Table => text::render(results),
        Format::Csv => csv::render(results),
        Format::Json => json::render(results, provenance),
        Format::Markdown => markdown::render(results),
    }
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
