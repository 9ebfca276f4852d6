//! Markdown: a heading and a pipe table per query, ready to paste into a report's appendix.

use super::{formatted, heading, notes};
use crate::result::QueryResult;
use crate::table::{Kind, Table};

pub fn render(results: &[QueryResult]) -> String {
    let mut out = String::new();
    for (i, result) in results.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("### {}\n\n", heading(result)));
        let table = &result.table;
        for (p, (name, part)) in table.printed_parts().iter().enumerate() {
            if let Some(name) = name {
                if p > 0 {
                    out.push('\n');
                }
                out.push_str(&format!("#### {name}\n\n"));
            }
            pipe_table(&mut out, part);
        }
        let notes = notes(table);
        if !notes.is_empty() {
            out.push('\n');
            for note in notes {
                out.push_str(&format!("- {note}\n"));
            }
        }
    }
    out
}

/// A table's header, alignment row and rows.
fn pipe_table(out: &mut String, table: &Table) {
    let escape = |s: &str| s.replace('|', "\\|");
    out.push_str(&format!(
        "| {} |\n",
        table
            .columns
            .iter()
            .map(|c| escape(&c.name))
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    out.push_str(&format!(
        "|{}|\n",
        table
            .columns
            .iter()
            .map(
                |c| if matches!(c.kind, Kind::Group | Kind::Text | Kind::Label { .. }) {
                    "---"
                } else {
                    "---:"
                }
            )
            .collect::<Vec<_>>()
            .join("|")
    ));
    for row in formatted(table) {
        out.push_str(&format!(
            "| {} |\n",
            row.iter()
                .map(|s| escape(s))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
}
