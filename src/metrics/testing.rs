//! What metric tests share: the tiny dataset's panel, resolving and running a metric on it,
//! reading cells, and asserting a table's declared relations.

use super::{Metric, MetricDef, MetricInput, Window};
pub use crate::measure::input::{prepare, Scope};
use crate::measure::FollowupEnd;
use crate::panel::{Panel, StatusParams};
use crate::table::{Relation, Table, Value};
use anyhow::{anyhow, Result};

/// The tiny hand-made dataset's panel, for metric tests whose answers are worked on paper in
/// `docs/tiny-dataset.md`.
pub fn tiny_panel() -> Panel {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples/tiny");
    let dataset = crate::dataset::Dataset::open(&dir).expect("tiny dataset");
    let quiet = crate::progress::Progress::quiet();
    let loaded = crate::load::load(&dataset, &Default::default(), &quiet).expect("tiny loads");
    crate::panel::build(loaded, &Default::default(), &quiet).expect("tiny panel")
}

/// End dates for the tiny cohort (whose file has none), one case each, with the `rel_month`s
/// each person is then followed from start (coverage alone: `docs/tiny-dataset.md`):
///
/// | person | start | coverage's last | end_date | end's rel | followed from 0 |
/// |---|---|---|---|---|---|
/// | P10 | 2019-11 | 18 (first observed 8) | 2020-05-31 | 6 | none: it ends before coverage begins |
/// | P08 | 2020-08 | 9 | 2020-12-15 | 4 | 0..4 |
/// | P06 | 2020-08 | 9 | (none) | | 0..9 |
/// | P05 | 2020-09 | 8 | 2020-09-20 | 0 | 0 only: the end in the start month |
/// | P01 | 2020-09 | 8 | 2021-01-10 | 4 | 0..4 |
/// | P07 | 2020-10 | 7 | 2021-12-31 | 14 | 0..7: coverage ends first |
/// | P03 | 2020-10 | 7 | 2021-02-28 | 4 | 0..4 |
/// | P04 | 2020-11 | 6 | 2021-01-31 | 2 | 0..2 |
/// | P02 | 2021-01 | 4 | 2021-03-01 | 2 | 0..2 |
/// | P09 | 2021-05 | 0 | (none) | | 0 |
/// | P11 | 2021-06 | -1 | 2021-07-01 | 1 | none: coverage ends before its start |
/// (The dates are in `tests/fixtures/tiny_end_dates.csv`, which the integration tests read too.)
pub fn tiny_end_dates() -> Vec<(&'static str, &'static str)> {
    include_str!("../../tests/fixtures/tiny_end_dates.csv")
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(','))
        .collect()
}

/// The panel's `person_id`s, by person index.
pub fn person_ids(panel: &Panel) -> Vec<String> {
    panel
        .persons
        .column("person_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|id| id.unwrap().to_string())
        .collect()
}

/// The tiny panel with `ends` (person_id, date) as the cohort's `end_date`, as a cohort file with
/// that column would give them; the others have none.
pub fn tiny_panel_ending(ends: &[(&str, &str)]) -> Panel {
    let mut panel = tiny_panel();
    let ids = person_ids(&panel);
    let end_dates: Vec<Option<&str>> = ids
        .iter()
        .map(|id| ends.iter().find(|(p, _)| p == id).map(|(_, date)| *date))
        .collect();
    panel
        .persons
        .with_column(polars::prelude::Column::new("end_date".into(), end_dates))
        .unwrap();
    panel
}

/// Runs a metric on the tiny panel with [`tiny_end_dates`] and `followup_end = "end_date"`, and
/// returns its table; first asserts that with the default (`"coverage"`) the end dates change
/// nothing: the table is the one tiny gives without them.
#[track_caller]
pub fn run_to_end_date(def: &MetricDef, params: &str, group_by: &[&str], window: Window) -> Table {
    let panel = tiny_panel_ending(&tiny_end_dates());
    let groups = strings(group_by);
    let statuses = StatusParams::default();
    let scope = |followup_end| Scope {
        followup_end,
        ..Scope::everyone(&groups, &window, &statuses)
    };
    let coverage = run_scoped(def, params, &panel, scope(FollowupEnd::Coverage))
        .unwrap_or_else(|err| panic!("{params:?} to coverage: {err:#}"));
    assert_eq!(
        coverage,
        run(def, params, group_by, window.clone()),
        "{params:?}: end dates change the default"
    );
    run_scoped(def, params, &panel, scope(FollowupEnd::EndDate))
        .unwrap_or_else(|err| panic!("{params:?} to end_date: {err:#}"))
}

/// `names` as owned strings (group columns, a relation's columns).
pub fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// The `rel_month`s `from` through `to` (`None`: the end of each person's follow-up).
pub fn window(from: i32, to: Option<i32>) -> Window {
    Window::rel(Some(from), to)
}

/// The calendar months `from` through `to` (`YYYY-MM`).
pub fn months(from: &str, to: &str) -> Window {
    Window {
        from_month: Some(from.into()),
        to_month: Some(to.into()),
        ..Window::default()
    }
}

/// The metric of `def` with the given `[params]` (TOML text); panics if they do not resolve.
pub fn resolve(def: &MetricDef, params: &str) -> Box<dyn Metric> {
    (def.resolve)(&toml::from_str(params).unwrap())
        .unwrap_or_else(|err| panic!("{params:?} does not resolve: {err}"))
}

/// Why `[params]` do not resolve (panics if they do).
pub fn resolve_err(def: &MetricDef, params: &str) -> String {
    (def.resolve)(&toml::from_str(params).unwrap())
        .err()
        .unwrap_or_else(|| panic!("{params:?} resolves"))
}

/// Why the metric of `[params]` refuses `window` (panics if it accepts it).
pub fn check_err(def: &MetricDef, params: &str, window: &Window) -> String {
    resolve(def, params)
        .check(window)
        .expect_err("the window is accepted")
}

/// A metric's input on `panel`: everyone, grouped by `group_by`, over `window`, with the default
/// statuses. The input borrows what it is built from for its lifetime: the group columns, window
/// and statuses are leaked (small, and only in tests).
pub fn input<'a>(panel: &'a Panel, group_by: &[&str], window: Window) -> MetricInput<'a> {
    let group_by: &'static [String] = Vec::leak(strings(group_by));
    let window: &'static Window = Box::leak(Box::new(window));
    let statuses: &'static StatusParams = Box::leak(Box::default());
    prepare(panel, Scope::everyone(group_by, window, statuses)).unwrap()
}

/// Runs a metric on `panel` for `scope` with the given `[params]` (TOML text), as a query would:
/// resolve, check, prepare, compute.
pub fn run_scoped(def: &MetricDef, params: &str, panel: &Panel, scope: Scope) -> Result<Table> {
    let metric = (def.resolve)(&toml::from_str(params)?).map_err(|err| anyhow!(err))?;
    metric.check(scope.window).map_err(|err| anyhow!(err))?;
    let input = prepare(panel, scope)?;
    let table = metric.compute(&input)?;
    // Every test run checks the declared population identities, as every real run does.
    let violations = crate::measure::population::population_violations(&table, &input)?;
    anyhow::ensure!(
        violations.is_empty(),
        "population identities: {violations:?}"
    );
    Ok(table)
}

/// Runs a metric on `panel` with the given `[params]` (TOML text), groups and window, as a query
/// would: resolve, check, prepare, compute.
pub fn run_on(
    def: &MetricDef,
    panel: &Panel,
    params: &str,
    group_by: &[&str],
    window: &Window,
) -> Result<Table> {
    let group_by = strings(group_by);
    let statuses = StatusParams::default();
    run_scoped(
        def,
        params,
        panel,
        Scope::everyone(&group_by, window, &statuses),
    )
}

/// [`run_on`] the tiny dataset.
pub fn run_tiny(
    def: &MetricDef,
    params: &str,
    group_by: &[&str],
    window: &Window,
) -> Result<Table> {
    run_on(def, &tiny_panel(), params, group_by, window)
}

/// [`run_tiny`]'s table (panics, naming the case, on an error).
pub fn run(def: &MetricDef, params: &str, group_by: &[&str], window: Window) -> Table {
    run_tiny(def, params, group_by, &window)
        .unwrap_or_else(|err| panic!("{params:?} by {group_by:?}: {err:#}"))
}

/// [`run_tiny`]'s error message (panics if it runs).
pub fn run_err(def: &MetricDef, params: &str, group_by: &[&str], window: Window) -> String {
    match run_tiny(def, params, group_by, &window) {
        Ok(_) => panic!("{params:?} by {group_by:?} runs"),
        Err(err) => err.to_string(),
    }
}

/// A whole-number cell of a test table (panics, naming the cell, on anything else).
pub fn int(table: &Table, group: &[&str], column: &str) -> i64 {
    match table.cell(group, column) {
        Some(Value::Int(v)) => *v,
        other => panic!("{column} of {group:?}: {other:?}"),
    }
}

/// The whole-number cells `columns` of `group`'s row, in order (panics, naming the cell, on
/// anything else): one assertion for a row's counts.
pub fn ints(table: &Table, group: &[&str], columns: &[&str]) -> Vec<i64> {
    columns
        .iter()
        .map(|column| int(table, group, column))
        .collect()
}

/// A float cell of a test table (panics, naming the cell, on anything else).
pub fn float(table: &Table, group: &[&str], column: &str) -> f64 {
    match table.cell(group, column) {
        Some(Value::Float(v)) => *v,
        other => panic!("{column} of {group:?}: {other:?}"),
    }
}

/// Asserts that `actual` is within `tolerance` of `expected`.
#[track_caller]
pub fn assert_near(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() < tolerance,
        "{actual} is not {expected} (within {tolerance})"
    );
}

/// Asserts that `actual` is `expected` but for rounding (within 1e-9).
#[track_caller]
pub fn assert_close(actual: f64, expected: f64) {
    assert_near(actual, expected, 1e-9);
}

/// The first column of every row, as printed (the groups in their order, the total last).
pub fn first_column(table: &Table) -> Vec<String> {
    table.rows.iter().map(|r| table.format(0, &r[0])).collect()
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

/// A number person outcome as (persons, values), for tests.
pub fn mean_outcome(outcome: &super::PersonOutcome) -> (Vec<u32>, Vec<Option<f64>>) {
    let frame = &outcome.frame;
    let persons = frame.column("person").unwrap().u32().unwrap();
    let values = frame.column("value").unwrap().f64().unwrap();
    (persons.iter().flatten().collect(), values.iter().collect())
}

/// Asserts that a test table declares exactly the relations `expected`, in order (so a dropped or
/// added relation fails), that every one of them holds in its cells, and that each is put to the
/// test: changing some cell it relates breaks it (not every instance skipped for an empty cell).
pub fn assert_relations(table: &Table, expected: &[Relation]) {
    // The population identities relate a table to others, not its cells: `run` checks them.
    let within: Vec<&Relation> = table
        .relations
        .iter()
        .filter(|r| !matches!(r, Relation::Population { .. }))
        .collect();
    assert_eq!(
        within,
        expected.iter().collect::<Vec<_>>(),
        "declared relations"
    );
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
                // An inequality breaks only past its bound: the smaller made the larger + 1.
                let bound = match relation {
                    Relation::AtMost { larger, .. } if larger != *column => table
                        .column_index(larger)
                        .map(|l| &table.rows[r][l])
                        .filter(|v| matches!(v, Value::Int(_) | Value::Float(_))),
                    _ => None,
                };
                changed.rows[r][c] = match bound.unwrap_or(&table.rows[r][c]) {
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

/// A [`Relation::GroupsSumToTotal`], spelled out for tests.
pub fn groups_relation(group: &str, keys: &[&str], columns: &[&str]) -> Relation {
    Relation::GroupsSumToTotal {
        group: group.into(),
        keys: strings(keys),
        columns: strings(columns),
    }
}
