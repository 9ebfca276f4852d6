//! `udfald audit RESULT.json`: the disclosure audit of a saved result, as the agency's output
//! checker would run it. It reads only the released JSON (the cells, each column's kind, the
//! declared relations), the same way the run's own self-audit reads its tables, and prints per
//! table every hidden count with the range of values a reader could narrow it down to.

use crate::cmd::args::min_cell;
use crate::error::{DataError, EXIT_DATA, EXIT_OK};
use crate::output;
use crate::runner::SMALL_CELL;
use crate::table::{joint_audit, Column, Kind, Relation, Table, Value};
use anyhow::{Context, Result};
use clap::Args;
use serde_json::Value as Json;
use std::fmt::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// A result written by `udfald run --format json`.
    #[arg(value_name = "RESULT")]
    pub result: PathBuf,
    /// The threshold the output must meet: each hidden count must span at least N − 1 values.
    /// Default: the threshold the result was made with (its provenance), else 5.
    #[arg(long, value_name = "N", value_parser = min_cell)]
    pub min_cell: Option<u64>,
}

pub fn run(args: &AuditArgs) -> Result<i32> {
    let text = std::fs::read_to_string(&args.result)
        .with_context(|| format!("{}: cannot read", args.result.display()))?;
    let document = Released::parse(&args.result, &text)?;
    let threshold = args.min_cell.or(document.threshold).unwrap_or(SMALL_CELL);
    let (report, passed) = document.audit(threshold)?;
    output::write(None, report.as_bytes())?;
    Ok(if passed { EXIT_OK } else { EXIT_DATA })
}

/// A saved JSON result, as an outsider holds it.
struct Released {
    /// Whether the result says it is for release (`"release": true`).
    release: bool,
    /// The threshold it was made with, if its provenance says.
    threshold: Option<u64>,
    tables: Vec<(String, Table)>,
    /// Each table's `population` label: tables with one are of the same persons.
    populations: Vec<Option<String>>,
}

impl Released {
    fn parse(path: &Path, text: &str) -> Result<Released> {
        let file = path.display();
        let bad = |what: String| DataError::Usage(format!("{file}: {what}"));
        let json: Json = serde_json::from_str(text).map_err(|err| {
            bad(format!(
                "not a JSON result of `udfald run --format json`: {err}"
            ))
        })?;
        let release = json
            .get("release")
            .and_then(Json::as_bool)
            .ok_or_else(|| bad("no \"release\" key: not a JSON result of udfald run".into()))?;
        let threshold = json
            .pointer("/provenance/run/suppress_below")
            .and_then(Json::as_u64);
        let results = json
            .get("results")
            .and_then(Json::as_array)
            .ok_or_else(|| bad("no \"results\" list".into()))?;
        let mut tables = Vec::new();
        let mut populations = Vec::new();
        for (i, result) in results.iter().enumerate() {
            populations.push(
                result
                    .get("population")
                    .and_then(Json::as_str)
                    .map(String::from),
            );
            let name = result
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or("(unnamed)")
                .to_string();
            let table =
                table(result).map_err(|err| bad(format!("results[{i}] (query {name}): {err}")))?;
            tables.push((name, table));
        }
        Ok(Released {
            release,
            threshold,
            tables,
            populations,
        })
    }

    /// The report, and whether every hidden count spans at least `threshold − 1` values.
    fn audit(&self, threshold: u64) -> Result<(String, bool)> {
        let mut out = String::new();
        let mut passed = true;
        if !self.release {
            passed = false;
            let _ = writeln!(
                out,
                "NOT FOR RELEASE: this result says so itself (\"release\": false): it was made with suppression off or a threshold below {SMALL_CELL}"
            );
        }
        let mut hidden_counts = 0;
        for (name, table) in &self.tables {
            let ranges = table
                .audit()
                .map_err(|err| anyhow::anyhow!("query {name}: {err}"))?;
            let narrow = ranges.iter().filter(|r| r.too_narrow(threshold)).count();
            hidden_counts += ranges.len();
            passed &= narrow == 0;
            let verdict = if narrow == 0 {
                "passed".to_string()
            } else {
                format!("FAILED: {narrow} narrower than {} values", threshold - 1)
            };
            let _ = writeln!(out, "{name}: {} hidden count(s), {verdict}", ranges.len());
            for range in &ranges {
                let mark = if range.too_narrow(threshold) {
                    "  <- too narrow"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "  {}: {range}{mark}",
                    table.describe_cell(range.row, range.column)
                );
            }
        }
        passed &= self.audit_jointly(threshold, &mut out)?;
        let _ = writeln!(
            out,
            "audit: {} table(s), {hidden_counts} hidden count(s), threshold {threshold}: {}",
            self.tables.len(),
            if passed { "passed" } else { "FAILED" }
        );
        Ok((out, passed))
    }
}

impl Released {
    /// The audit of each set of tables of the same persons as one system (the result's
    /// `population` labels say which), written to `out`; whether it passed.
    fn audit_jointly(&self, threshold: u64, out: &mut String) -> Result<bool> {
        let mut labels: Vec<&String> = self.populations.iter().flatten().collect();
        labels.sort();
        labels.dedup();
        let mut passed = true;
        for label in labels {
            let members: Vec<usize> = (0..self.tables.len())
                .filter(|&i| self.populations[i].as_ref() == Some(label))
                .collect();
            let names: Vec<&str> = members.iter().map(|&i| self.tables[i].0.as_str()).collect();
            let tables: Vec<Table> = members.iter().map(|&i| self.tables[i].1.clone()).collect();
            let narrow = joint_audit(&tables, threshold).map_err(|err| {
                anyhow::anyhow!("tables of the same persons ({}): {err}", names.join(", "))
            })?;
            passed &= narrow.is_empty();
            let verdict = if narrow.is_empty() {
                "passed".to_string()
            } else {
                format!(
                    "FAILED: {} hidden count(s) narrower than {} values",
                    narrow.len(),
                    threshold - 1
                )
            };
            let _ = writeln!(
                out,
                "tables of the same persons ({}), read together: {verdict}",
                names.join(", ")
            );
            for joint in &narrow {
                let (name, table) = &self.tables[members[joint.table]];
                let _ = writeln!(
                    out,
                    "  {name}: {}: {}  <- too narrow",
                    table.describe_cell(joint.range.row, joint.range.column),
                    joint.range
                );
            }
        }
        Ok(passed)
    }
}

/// One result's table from its JSON: the columns with their kinds, the rows by column name, the
/// relations.
fn table(result: &Json) -> Result<Table, String> {
    let columns: Vec<Column> = serde_json::from_value(
        result
            .get("columns")
            .cloned()
            .ok_or("no \"columns\" list")?,
    )
    .map_err(|err| format!("columns: {err}"))?;
    let relations: Vec<Relation> = serde_json::from_value(
        result
            .get("relations")
            .cloned()
            .unwrap_or(Json::Array(Vec::new())),
    )
    .map_err(|err| format!("relations: {err}"))?;
    for relation in &relations {
        if let Some(missing) = relation
            .columns()
            .into_iter()
            .find(|name| !columns.iter().any(|c| &&c.name == name))
        {
            return Err(format!("a relation names no column {missing:?}"));
        }
    }
    let rows = result
        .get("rows")
        .and_then(Json::as_array)
        .ok_or("no \"rows\" list")?;
    let mut cells = Vec::with_capacity(rows.len());
    for (r, row) in rows.iter().enumerate() {
        let row = row
            .as_object()
            .ok_or_else(|| format!("rows[{r}] is not an object"))?;
        let values = columns
            .iter()
            .map(|column| match row.get(&column.name) {
                None | Some(Json::Null) => Ok(Value::Null),
                // A label may read anything; only a number column's "suppressed" is hidden.
                Some(Json::String(text))
                    if text == "suppressed" && !matches!(column.kind, Kind::Group | Kind::Text) =>
                {
                    Ok(Value::Suppressed)
                }
                Some(Json::String(text)) => Ok(Value::Text(text.clone())),
                Some(Json::Number(number)) => Ok(number
                    .as_i64()
                    .map(Value::Int)
                    .or_else(|| number.as_f64().map(Value::Float))
                    .unwrap_or(Value::Null)),
                Some(other) => Err(format!(
                    "rows[{r}], column {}: expected a number, text or null, got {other}",
                    column.name
                )),
            })
            .collect::<Result<Vec<Value>, String>>()?;
        cells.push(values);
    }
    let mut table = Table::empty(columns);
    table.rows = cells;
    table.relations = relations;
    Ok(table)
}
