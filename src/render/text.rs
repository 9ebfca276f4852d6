//! Aligned plain text: numbers right-aligned, text left-aligned, notes under each table.

use super::{formatted, heading, notes};
use crate::result::QueryResult;
use crate::table::{Kind, Table};

pub fn render(results: &[QueryResult]) -> String {
    let mut out = String::new();
    for (i, result) in results.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&heading(result));
        out.push('\n');
        out.push_str(&format!(
            "metric {} on dataset {}\n",
            result.metric, result.dataset
        ));
        let table = &result.table;
        for (p, (name, part)) in table.printed_parts().iter().enumerate() {
            if let Some(name) = name {
                if p > 0 {
                    out.push('\n');
                }
                out.push_str(&format!("{name}:\n"));
            }
            grid(&mut out, part);
        }
        for note in notes(table) {
            out.push_str(&format!("note: {note}\n"));
        }
    }
    out
}

/// A table's header and rows, aligned.
fn grid(out: &mut String, table: &Table) {
    let cells = formatted(table);
    let widths: Vec<usize> = table
        .columns
        .iter()
        .enumerate()
        .map(|(c, column)| {
            cells
                .iter()
                .map(|row| row[c].chars().count())
                .chain(std::iter::once(column.name.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let left = |c: usize| {
        matches!(
            table.columns[c].kind,
            Kind::Group | Kind::Text | Kind::Label { .. }
        )
    };
    let line = |values: Vec<&str>| -> String {
        values
            .iter()
            .enumerate()
            .map(|(c, v)| {
                if left(c) {
                    format!("{v:<width$}", width = widths[c])
                } else {
                    format!("{v:>width$}", width = widths[c])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    out.push_str(&line(
        table.columns.iter().map(|c| c.name.as_str()).collect(),
    ));
    out.push('\n');
    for row in &cells {
        out.push_str(&line(row.iter().map(|s| s.as_str()).collect()));
        out.push('\n');
    }
}
