//! What metric tests share: the tiny dataset's panel, running a metric on it, reading cells, and
//! asserting a table's declared relations.

use super::Window;
pub use crate::measure::input::{prepare, Scope};
use crate::panel::{Panel, StatusParams};
use anyhow::{anyhow, Result};

/// The tiny hand-made dataset's panel, for metric tests whose answers are worked on paper in
/// `docs/tiny-dataset.md`.
pub fn tiny_panel() -> Panel {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples/tiny");
    let dataset = crate::dataset::Dataset::open(&dir).expect("tiny dataset");
    let loaded = crate::load::load(&dataset, &Default::default()).expect("tiny loads");
    crate::panel::build(loaded, &Default::default()).expect("tiny panel")
}

/// Runs a metric on the tiny dataset with the given `[params]` (TOML text), groups and window,
/// as a query would: resolve, check, prepare, compute.
pub fn run_tiny(
    def: &super::MetricDef,
    params: &str,
    group_by: &[&str],
    window: &Window,
) -> Result<crate::table::Table> {
    let panel = tiny_panel();
    let metric = (def.resolve)(&toml::from_str(params)?).map_err(|err| anyhow!(err))?;
    metric.check(window).map_err(|err| anyhow!(err))?;
    let group_by: Vec<String> = group_by.iter().map(|g| g.to_string()).collect();
    let statuses = StatusParams::default();
    let input = prepare(&panel, Scope::everyone(&group_by, window, &statuses))?;
    metric.compute(&input)
}

/// A whole-number cell of a test table (panics, naming the cell, on anything else).
pub fn int_cell(table: &crate::table::Table, group: &[&str], column: &str) -> i64 {
    match table.cell(group, column) {
        Some(crate::table::Value::Int(v)) => *v,
        other => panic!("{column} of {group:?}: {other:?}"),
    }
}

/// A float cell of a test table (panics, naming the cell, on anything else).
pub fn float_cell(table: &crate::table::Table, group: &[&str], column: &str) -> f64 {
    match table.cell(group, column) {
        Some(crate::table::Value::Float(v)) => *v,
        other => panic!("{column} of {group:?}: {other:?}"),
    }
}

/// A yes/no person outcome as (persons, values), for tests.
pub fn share_outcome(outcome: &super::PersonOutcome) -> (Vec<u32>, Vec<bool>) {
    let frame = &outcome.frame;
    let persons = frame.column("person").unwrap().u32().unwrap();
    let values = frame.column("value").unwrap().bool().unwrap();
    (
        persons.iter().flatten().collect(),
        values.iter().flatten().collect(),
    )
}

/// Asserts that a test table declares exactly the relations `expected`, in order (so a dropped or
/// added relation fails), that every one of them holds in its cells, and that each is put to the
/// test: changing some cell it relates breaks it (not every instance skipped for an empty cell).
pub fn assert_relations(table: &crate::table::Table, expected: &[crate::table::Relation]) {
    use crate::table::Value;
    assert_eq!(table.relations, expected, "declared relations");
    assert_eq!(
        table.relation_violations(),
        Vec::<String>::new(),
        "relations that do not hold"
    );
    for relation in expected {
        let columns = relation.related();
        let mut alone = table.clone();
        alone.relations = vec![relation.clone()];
        let tested = columns.iter().any(|column| {
            let c = table.column_index(column).expect("a related column");
            (0..table.rows.len()).any(|r| {
                let mut changed = alone.clone();
                changed.rows[r][c] = match &table.rows[r][c] {
                    Value::Int(v) => Value::Int(v + 1),
                    Value::Float(v) => Value::Float(v + 1.0),
                    _ => return false,
                };
                !changed.relation_violations().is_empty()
            })
        });
        assert!(
            tested,
            "{relation:?} is never tested: every instance has an empty cell"
        );
    }
}

/// A [`crate::table::Relation::GroupsSumToTotal`], spelled out for tests.
pub fn groups_relation(group: &str, keys: &[&str], columns: &[&str]) -> crate::table::Relation {
    let names = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
    crate::table::Relation::GroupsSumToTotal {
        group: group.into(),
        keys: names(keys),
        columns: names(columns),
    }
}
