//! A long table whose rows differ in kind (a time-to-event table's month rows, its summary rows
//! and its test) is one table inside udfald, since suppression, its relations and the audit
//! must see every cell at once; but it is printed as separate tables, one per kind of row, each
//! with only its own columns, never one wide table padded with blanks (spec `outputs.md`).

use super::{Table, Value};
use serde::{Deserialize, Serialize};

/// One of the tables a long table is printed as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// Printed above the part ("curve", "summary", "test").
    pub name: String,
    /// Which rows are the part's: those meeting every condition. Rows are chosen by their
    /// labels, never by which cells hold a value: a cell suppression hid and an empty one must
    /// look alike.
    pub rows: Vec<Condition>,
    /// The columns the part shows, in printed order.
    pub columns: Vec<String>,
}

/// A condition on a row's text column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Is { column: String, equals: String },
    IsNot { column: String, equals: String },
}

impl Condition {
    fn column(&self) -> &str {
        match self {
            Condition::Is { column, .. } | Condition::IsNot { column, .. } => column,
        }
    }

    fn holds(&self, cell: &Value) -> bool {
        match self {
            Condition::Is { equals, .. } => matches!(cell, Value::Text(t) if t == equals),
            Condition::IsNot { equals, .. } => !matches!(cell, Value::Text(t) if t == equals),
        }
    }
}

impl Table {
    /// A part's columns and rows, by position, or `None` when a column it names is not in the
    /// table.
    fn part_cells(&self, part: &Part) -> Option<(Vec<usize>, Vec<usize>)> {
        let conditions = part
            .rows
            .iter()
            .map(|condition| Some((self.column_index(condition.column())?, condition)))
            .collect::<Option<Vec<_>>>()?;
        let columns = part
            .columns
            .iter()
            .map(|name| self.column_index(name))
            .collect::<Option<Vec<usize>>>()?;
        let rows = (0..self.rows.len())
            .filter(|&r| {
                conditions
                    .iter()
                    .all(|(c, cond)| cond.holds(&self.rows[r][*c]))
            })
            .collect();
        Some((columns, rows))
    }

    /// The tables this one is printed as, each with its name: the table itself, unnamed, when
    /// it declares no parts; otherwise each part that has rows (a `describe` without numeric
    /// variables has no means), with only its columns and rows (cells, kinds and order as they
    /// are). Notes, the suppression count and the chart belong
    /// to the whole table and are not copied.
    pub fn printed_parts(&self) -> Vec<(Option<&str>, Table)> {
        if self.parts.is_empty() {
            let mut whole = self.clone();
            whole.parts.clear();
            return vec![(None, whole)];
        }
        self.parts
            .iter()
            .filter_map(|part| {
                let (columns, rows) = self.part_cells(part)?;
                if rows.is_empty() {
                    return None;
                }
                let mut printed = Table::empty(columns.iter().map(|&c| self.columns[c].clone()));
                printed.rows = rows
                    .iter()
                    .map(|&r| columns.iter().map(|&c| self.rows[r][c].clone()).collect())
                    .collect();
                Some((Some(part.name.as_str()), printed))
            })
            .collect()
    }

    /// Whether each cell is printed: in one of its row's parts, or the cell saying the row's
    /// kind; every cell when the table has no parts. (JSON, one long table for scripts, leaves
    /// the others out of a row rather than padding it.)
    pub fn printed_cells(&self) -> Vec<Vec<bool>> {
        let width = self.columns.len();
        if self.parts.is_empty() {
            return vec![vec![true; width]; self.rows.len()];
        }
        let mut printed = vec![vec![false; width]; self.rows.len()];
        for part in &self.parts {
            let Some((columns, rows)) = self.part_cells(part) else {
                continue;
            };
            // The columns choosing the rows say what kind of row each is: shown with the row.
            let choosers: Vec<usize> = part
                .rows
                .iter()
                .filter_map(|condition| self.column_index(condition.column()))
                .collect();
            for r in rows {
                for &c in columns.iter().chain(&choosers) {
                    printed[r][c] = true;
                }
            }
        }
        printed
    }
}
