//! Checks results against the published figures their queries expect (`[[expect]]`), for
//! `udfald check` and CI. Each expectation names a cell (row values and a column) and the
//! published value with a tolerance or an interval; the outcome says pass or fail and why.

mod json;
mod junit;
mod text;

use crate::query::{Expectation, Query};
use crate::render::html::Expected;
use crate::result::QueryResult;
use crate::table::{Kind, Table, Value};

/// One expectation compared.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: String,
    pub query: String,
    /// The cell as `column=value` pairs, then the column.
    pub cell: String,
    pub column: String,
    pub published: String,
    pub computed: Option<f64>,
    pub difference: Option<f64>,
    pub tolerance: String,
    pub pass: bool,
    /// Why a check failed without a number (no such row, empty cell, …).
    pub problem: Option<String>,
    /// The cell is hidden in the released table: it was compared exactly, but `computed` and
    /// `difference` are not printed (a report is output, and follows the same rules).
    pub hidden: bool,
    pub note: String,
}

impl Outcome {
    /// A computed figure as printed: `.` when the released table hides the cell, as a table
    /// would.
    pub fn shown(&self, value: Option<f64>) -> String {
        match value {
            _ if self.hidden => ".".into(),
            Some(value) => number(value),
            None => "-".into(),
        }
    }

    /// The outcome as the HTML report prints it.
    pub fn expected(&self) -> Expected {
        Expected {
            id: self.id.clone(),
            cell: format!("{} → {}", self.cell, self.column),
            published: self.published.clone(),
            computed: self.shown(self.computed),
            tolerance: self.tolerance.clone(),
            pass: self.pass,
            note: match &self.problem {
                Some(problem) => problem.clone(),
                None => self.note.clone(),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Junit,
    Json,
}

/// Renders the report. A report made with suppression off (or below the release threshold)
/// prints exact values of small cells, so it carries the run's `NOT FOR RELEASE` mark: a first
/// line in the table, an XML comment in JUnit, `"release": false` in JSON.
pub fn render(format: Format, outcomes: &[Outcome], mark: Option<&str>) -> String {
    match (format, mark) {
        (Format::Table, None) => text::render(outcomes),
        (Format::Table, Some(mark)) => format!("{mark}\n\n{}", text::render(outcomes)),
        (Format::Junit, mark) => junit::render(outcomes, mark),
        (Format::Json, mark) => json::render(outcomes, mark.is_none()),
    }
}

/// Compares every expectation of every query with its result; `results` are in query order, as
/// the runner returns them.
pub fn evaluate_all(queries: &[Query], results: &[QueryResult]) -> Vec<Outcome> {
    queries
        .iter()
        .zip(results)
        .flat_map(|(query, result)| evaluate(query, result))
        .collect()
}

/// Compares every expectation of `query` with its result.
pub fn evaluate(query: &Query, result: &QueryResult) -> Vec<Outcome> {
    query
        .expect
        .iter()
        .map(|expectation| {
            let exact = result.exact.as_ref().unwrap_or(&result.table);
            compare(query, exact, &result.table, expectation)
        })
        .collect()
}

fn describe_cell(expectation: &Expectation) -> String {
    expectation
        .cell
        .iter()
        .map(|(column, value)| format!("{column}={}", plain(value)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plain(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Whether a table cell holds the value a `cell` key asks for.
fn matches(table: &Table, column: usize, cell: &Value, wanted: &toml::Value) -> bool {
    match wanted {
        toml::Value::String(text) => table.format(column, cell) == *text,
        toml::Value::Integer(number) => cell.as_f64() == Some(*number as f64),
        toml::Value::Float(number) => cell.as_f64() == Some(*number),
        _ => false,
    }
}

/// Compares the expectation with the cell of `table` (exact values), and prints the value only
/// where `released`, the same table as released, shows that cell.
fn compare(query: &Query, table: &Table, released: &Table, expectation: &Expectation) -> Outcome {
    let (low, high) = expectation.bounds();
    let (published, tolerance) = match (expectation.value, expectation.tolerance) {
        (Some(value), Some(tolerance)) => (format!("{value}"), format!("±{tolerance}")),
        _ => (
            format!(
                "[{}, {}]",
                expectation.min.map_or("-inf".into(), |v| v.to_string()),
                expectation.max.map_or("inf".into(), |v| v.to_string())
            ),
            "interval".to_string(),
        ),
    };
    let mut outcome = Outcome {
        id: expectation.id.clone(),
        query: query.name.clone(),
        cell: describe_cell(expectation),
        column: expectation.column.clone(),
        published,
        computed: None,
        difference: None,
        tolerance,
        pass: false,
        problem: None,
        hidden: false,
        note: expectation.note.clone(),
    };
    let mut columns = Vec::new();
    for (name, wanted) in &expectation.cell {
        match table.column_index(name) {
            Some(c) => columns.push((c, wanted)),
            None => {
                outcome.problem = Some(format!("the table has no column {name}"));
                return outcome;
            }
        }
    }
    let Some(column) = table.column_index(&expectation.column) else {
        outcome.problem = Some(format!(
            "the table has no column {}; columns: {}",
            expectation.column,
            table
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return outcome;
    };
    let rows: Vec<usize> = (0..table.rows.len())
        .filter(|&r| {
            columns
                .iter()
                .all(|&(c, wanted)| matches(table, c, &table.rows[r][c], wanted))
        })
        .collect();
    let row = match rows[..] {
        [row] => row,
        [] => {
            outcome.problem = Some("no row matches the cell".into());
            return outcome;
        }
        _ => {
            outcome.problem = Some(format!(
                "{} rows match the cell: name more columns",
                rows.len()
            ));
            return outcome;
        }
    };
    match &table.rows[row][column] {
        Value::Suppressed => outcome.problem = Some("the cell is suppressed (small cell)".into()),
        Value::Null => outcome.problem = Some("the cell is empty".into()),
        value => match value.as_f64() {
            Some(computed) => {
                outcome.computed = Some(computed);
                outcome.difference = expectation.value.map(|v| computed - v);
                outcome.pass = computed >= low - 1e-12 && computed <= high + 1e-12;
            }
            None => outcome.problem = Some("the cell is not a number".into()),
        },
    }
    if matches!(table.columns[column].kind, Kind::Share { .. })
        && expectation.value.is_some_and(|v| v > 1.0)
        && outcome.computed.is_some_and(|c| c <= 1.0)
    {
        // A published "19" against a computed 0.19: a percentage where a proportion belongs.
        outcome.problem =
            Some("shares are proportions (19% is 0.19), but the published value is above 1".into());
        outcome.pass = false;
    }
    if released.rows[row][column] == Value::Suppressed {
        outcome.hidden = true;
        outcome.computed = None;
        outcome.difference = None;
    }
    outcome
}

/// A number as printed in check reports: up to 4 decimals, no trailing zeros.
pub fn number(value: f64) -> String {
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.to_string()
    }
}
