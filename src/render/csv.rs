//! CSV: one block per query, each preceded by a `# name: title` comment line and separated by a
//! blank line; with one query, plain CSV after the comment. Shares are percentages.

use super::{formatted, heading, notes};
use crate::result::QueryResult;

pub fn render(results: &[QueryResult]) -> String {
    let mut out = String::new();
    for (i, result) in results.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("# {}\n", heading(result)));
        for note in notes(&result.table) {
            out.push_str(&format!("# note: {note}\n"));
        }
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        let table = &result.table;
        let _ = writer.write_record(table.columns.iter().map(|c| c.name.as_str()));
        for row in formatted(table) {
            let _ = writer.write_record(&row);
        }
        let bytes = writer.into_inner().unwrap_or_default();
        out.push_str(&String::from_utf8_lossy(&bytes));
    }
    out
}
