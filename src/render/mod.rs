//! Stage 5, rendering: query results to text, CSV, JSON or Markdown. One file per format, each a
//! function from results to a string; none knows which metric made a table. Output is
//! deterministic: the same results give the same bytes (fixed row order and number formatting,
//! no timestamps).

mod csv;
pub mod html;
mod json;
mod markdown;
mod svg;
mod text;

use crate::provenance::Manifest;
use crate::result::QueryResult;
use crate::runner::not_for_release;
use crate::table::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    Csv,
    Json,
    Markdown,
}

/// Renders results; JSON also carries the run's manifest (never a timestamp). Output that may
/// not be released (suppression off or below the release threshold) says so first, in every
/// format: a line in text and Markdown, a `#` line in CSV, `"release": false` in JSON.
pub fn render(format: Format, results: &[QueryResult], provenance: &Manifest) -> String {
    let mark = not_for_release(provenance.run.suppress_below);
    let body = match format {
        Format::Table => text::render(results),
        Format::Csv => csv::render(results),
        Format::Json => return json::render(results, provenance, mark.is_none()),
        Format::Markdown => markdown::render(results),
    };
    match (mark, format) {
        (None, _) => body,
        (Some(mark), Format::Csv) => format!("# {mark}\n{body}"),
        (Some(mark), _) => format!("{mark}\n\n{body}"),
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
