//! The variants' figures side by side: the rows matched on their labels, one column block per
//! variant (`share [2]`), and after each block but the first the differences from the first
//! (`Δ share [2]`: counts in persons, shares in percentage points, means in their unit).
//!
//! Built from the released tables only, so it shows nothing they do not: a difference is hidden
//! where either figure is, and empty where either has no number.

use crate::table::{Column, Kind, Part, Table, Value};
use std::collections::{HashMap, HashSet};

/// A figure column: a count, share, mean or label; every other column labels the row.
fn is_figure(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Persons | Kind::Share { .. } | Kind::Mean { .. } | Kind::Label { .. }
    )
}

/// A column name in variant `v`'s block (numbered from 1).
fn in_block(name: &str, v: usize) -> String {
    format!("{name} [{}]", v + 1)
}

fn difference_name(name: &str, v: usize) -> String {
    format!("Δ {name} [{}]", v + 1)
}

/// The kind of a figure column in variant `v`'s block: what it rests on, renamed into the block.
fn kind_in_block(kind: &Kind, v: usize) -> Kind {
    match kind {
        Kind::Share {
            numerator,
            denominator,
        } => Kind::Share {
            numerator: in_block(numerator, v),
            denominator: in_block(denominator, v),
        },
        Kind::Mean { n, decimals, also } => Kind::Mean {
            n: in_block(n, v),
            decimals: *decimals,
            also: also.iter().map(|a| in_block(a, v)).collect(),
        },
        Kind::Label { n } => Kind::Label { n: in_block(n, v) },
        other => other.clone(),
    }
}

/// The difference `later − first` of one figure, as printed: persons and means in their unit,
/// shares in percentage points; `None` for a label, which has no difference.
fn difference(kind: &Kind, first: &Value, later: &Value) -> Option<Value> {
    difference_kind(kind)?;
    Some(match (first, later) {
        (Value::Suppressed, _) | (_, Value::Suppressed) => Value::Suppressed,
        (Value::Int(a), Value::Int(b)) => Value::Int(b - a),
        _ => match (first.as_f64(), later.as_f64()) {
            (Some(a), Some(b)) if matches!(kind, Kind::Share { .. }) => {
                Value::Float((b - a) * 100.0)
            }
            (Some(a), Some(b)) => Value::Float(b - a),
            _ => Value::Null,
        },
    })
}

fn difference_kind(kind: &Kind) -> Option<Kind> {
    match kind {
        Kind::Persons => Some(Kind::Number { decimals: 0 }),
        Kind::Share { .. } => Some(Kind::Number { decimals: 1 }),
        Kind::Mean { decimals, .. } => Some(Kind::Number {
            decimals: *decimals,
        }),
        _ => None,
    }
}

/// The label cells of a row, as printed: what rows are matched on.
fn labels(table: &Table, row: &[Value], label_names: &HashSet<String>) -> Vec<(String, String)> {
    table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, column)| label_names.contains(&column.name))
        .map(|(c, column)| (column.name.clone(), table.format(c, &row[c])))
        .collect()
}

/// The variants' released tables side by side (`tables[0]` first).
pub fn side_by_side(tables: &[&Table]) -> Table {
    // Label columns: those every table has that are not figures, in the first table's order;
    // the rows are matched on them. Every other column is a figure of the tables that have it
    // (e.g. `months`, a number only one reading prints), the first table's first.
    let everywhere = |name: &str| tables.iter().all(|t| t.column_index(name).is_some());
    let mut label_columns: Vec<Column> = Vec::new();
    let mut figures: Vec<Column> = Vec::new();
    for table in tables {
        for column in &table.columns {
            let list = if !is_figure(&column.kind) && everywhere(&column.name) {
                &mut label_columns
            } else {
                &mut figures
            };
            if !list.iter().any(|c| c.name == column.name) {
                list.push(column.clone());
            }
        }
    }
    let label_names: HashSet<String> = label_columns.iter().map(|c| c.name.clone()).collect();
    // Rows: the first table's in order, then the rows only a later one has.
    let mut keys: Vec<Vec<(String, String)>> = Vec::new();
    let mut seen: HashSet<Vec<(String, String)>> = HashSet::new();
    let mut label_cells: Vec<Vec<Value>> = Vec::new();
    for table in tables {
        for row in &table.rows {
            let key = labels(table, row, &label_names);
            if seen.insert(key.clone()) {
                label_cells.push(
                    label_columns
                        .iter()
                        .map(|column| {
                            table
                                .column_index(&column.name)
                                .map_or(Value::Null, |c| row[c].clone())
                        })
                        .collect(),
                );
                keys.push(key);
            }
        }
    }
    let mut columns = label_columns.clone();
    for v in 0..tables.len() {
        for figure in &figures {
            columns.push(Column {
                name: in_block(&figure.name, v),
                kind: kind_in_block(&figure.kind, v),
            });
        }
        if v > 0 {
            for figure in &figures {
                if let Some(kind) = difference_kind(&figure.kind) {
                    columns.push(Column {
                        name: difference_name(&figure.name, v),
                        kind,
                    });
                }
            }
        }
    }
    // Each table's rows by their labels; a cell of a figure in the row with `key` is Null where
    // the table has no such row or column.
    let rows_by_key: Vec<HashMap<Vec<(String, String)>, usize>> = tables
        .iter()
        .map(|table| {
            let mut index = HashMap::new();
            for (r, row) in table.rows.iter().enumerate() {
                index.entry(labels(table, row, &label_names)).or_insert(r);
            }
            index
        })
        .collect();
    let cell = |t: usize, key: &Vec<(String, String)>, figure: &str| -> Value {
        let table = tables[t];
        match (table.column_index(figure), rows_by_key[t].get(key)) {
            (Some(c), Some(&r)) => table.rows[r][c].clone(),
            _ => Value::Null,
        }
    };
    let mut out = Table::empty(columns);
    for (key, mut row) in keys.iter().zip(label_cells) {
        let first: Vec<Value> = figures.iter().map(|f| cell(0, key, &f.name)).collect();
        for v in 0..tables.len() {
            let cells: Vec<Value> = figures.iter().map(|f| cell(v, key, &f.name)).collect();
            row.extend(cells.iter().cloned());
            if v > 0 {
                for ((figure, a), b) in figures.iter().zip(&first).zip(&cells) {
                    if let Some(d) = difference(&figure.kind, a, b) {
                        row.push(d);
                    }
                }
            }
        }
        out.rows.push(row);
    }
    // A long table's parts, each with its labels and its figures in every block.
    out.parts = tables[0]
        .parts
        .iter()
        .map(|part| Part {
            name: part.name.clone(),
            rows: part.rows.clone(),
            columns: block_columns(&part.columns, &figures, tables.len()),
        })
        .collect();
    out
}

/// A part's columns in the side-by-side table: its labels, then its figures in each block.
fn block_columns(part: &[String], figures: &[Column], variants: usize) -> Vec<String> {
    let is_part_figure = |f: &&Column| part.contains(&f.name);
    let mut columns: Vec<String> = part
        .iter()
        .filter(|name| !figures.iter().any(|f| &f.name == *name))
        .cloned()
        .collect();
    for v in 0..variants {
        columns.extend(
            figures
                .iter()
                .filter(is_part_figure)
                .map(|f| in_block(&f.name, v)),
        );
        if v > 0 {
            columns.extend(
                figures
                    .iter()
                    .filter(is_part_figure)
                    .filter(|f| difference_kind(&f.kind).is_some())
                    .map(|f| difference_name(&f.name, v)),
            );
        }
    }
    columns
}
