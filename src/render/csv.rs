//! CSV: one block per query, each preceded by a `# name: title` comment line and separated by a
//! blank line; with one query, plain CSV after the comment. A long table whose rows differ in kind
//! is its parts, each after a `# table: NAME` line, separated by a blank line. Shares are
//! percentages. The Danish
//! dialect separates fields with `;` and writes numbers with a decimal comma (the byte-order
//! mark is added by `render`, before any line).

use super::{heading, notes, CsvDialect};
use crate::result::QueryResult;
use crate::table::{Table, Value};

pub fn render(results: &[QueryResult], dialect: CsvDialect) -> String {
    let mut out = String::new();
    for (i, result) in results.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("# {}\n", heading(result)));
        for note in notes(&result.table) {
            out.push_str(&format!("# note: {note}\n"));
        }
        for (p, (name, part)) in result.table.printed_parts().iter().enumerate() {
            if let Some(name) = name {
                if p > 0 {
                    out.push('\n');
                }
                out.push_str(&format!("# table: {name}\n"));
            }
            records(&mut out, part, dialect);
        }
    }
    out
}

/// A cell as printed; in the Danish dialect a number's decimal point is a comma (text, such as
/// the `.` of a suppressed cell, stays as it is).
fn cell(table: &Table, column: usize, value: &Value, dialect: CsvDialect) -> String {
    let text = table.format(column, value);
    match (dialect, value) {
        (CsvDialect::Danish, Value::Float(_)) => text.replace('.', ","),
        _ => text,
    }
}

/// A table's header and rows as CSV records.
fn records(out: &mut String, table: &Table, dialect: CsvDialect) {
    let separator = match dialect {
        CsvDialect::Default => b',',
        CsvDialect::Danish => b';',
    };
    let mut writer = ::csv::WriterBuilder::new()
        .delimiter(separator)
        .from_writer(Vec::new());
    let _ = writer.write_record(table.columns.iter().map(|c| c.name.as_str()));
    for row in &table.rows {
        let _ = writer.write_record(
            row.iter()
                .enumerate()
                .map(|(c, value)| cell(table, c, value, dialect)),
        );
    }
    let bytes = writer.into_inner().unwrap_or_default();
    out.push_str(&String::from_utf8_lossy(&bytes));
}
