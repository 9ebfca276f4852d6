//! Named, reproducible queries: a TOML file in `queries/` stating its metric, population, groups,
//! window and every definitional parameter (format in `docs/queries.md`). Reading a query checks
//! everything that can be checked without data — keys, types, the metric and its parameters, the
//! status expressions; [`Query::check_columns`] then checks it against a dataset's cohort header
//! before any register is read.

mod explain;
pub mod expr;

pub use explain::explain;

use crate::error::DataError;
use crate::measure::common::balanced;
use crate::measure::FollowupEnd;
use crate::metrics::{self, Metric, MetricDef, Window};
use crate::panel::statuses::{check_min_hours, check_min_weeks_without_benefit};
use crate::panel::{expression_columns, numeric_columns, StatusParams};
use polars::prelude::{col, lit, Expr};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryFile {
    name: String,
    title: String,
    #[serde(default)]
    description: String,
    source: Option<String>,
    dataset: Option<String>,
    metric: String,
    #[serde(default)]
    group_by: Vec<String>,
    #[serde(default)]
    population: toml::Table,
    #[serde(default)]
    window: Window,
    #[serde(default)]
    definitions: Definitions,
    #[serde(default)]
    statuses: toml::Table,
    #[serde(default)]
    params: toml::Table,
    #[serde(default)]
    expect: Vec<Expectation>,
}

/// A published figure the query must reproduce (`[[expect]]`): the cell, the value and how far
/// the computed value may lie from it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// The row ID in `spec/published-figures.md`.
    pub id: String,
    /// The row: values of the group columns (and of index columns such as `rel_month`, `stage`).
    #[serde(default)]
    pub cell: toml::Table,
    /// The column holding the figure.
    pub column: String,
    /// The published value, in the metric's unit (shares as proportions: 19% is 0.19).
    pub value: Option<f64>,
    /// Allowed absolute difference from `value`.
    pub tolerance: Option<f64>,
    /// For loose wording ("a little over 19%"): the interval the figure must lie in.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Why these numbers: the report's wording, which of its figures when it disagrees with itself.
    #[serde(default)]
    pub note: String,
}

impl Expectation {
    /// The accepted interval.
    pub fn bounds(&self) -> (f64, f64) {
        match (self.value, self.tolerance) {
            (Some(value), Some(tolerance)) => (value - tolerance, value + tolerance),
            _ => (
                self.min.unwrap_or(f64::NEG_INFINITY),
                self.max.unwrap_or(f64::INFINITY),
            ),
        }
    }

    fn check(&self) -> Result<(), String> {
        // NaN would fail every comparison (exit 1, "not reproduced"), infinity pass every one.
        for (key, number) in [
            ("value", self.value),
            ("tolerance", self.tolerance),
            ("min", self.min),
            ("max", self.max),
        ] {
            if let Some(number) = number.filter(|n| !n.is_finite()) {
                return Err(format!("{key} = {number}: not a finite number"));
            }
        }
        let interval = self.min.is_some() || self.max.is_some();
        match (self.value, self.tolerance, interval) {
            (Some(_), Some(tolerance), false) if tolerance >= 0.0 => Ok(()),
            (_, None, true) => match (self.min, self.max) {
                (Some(min), Some(max)) if min > max => Err(format!("min {min} is above max {max}")),
                _ => Ok(()),
            },
            _ => Err("give value and tolerance (>= 0), or min and/or max for an interval".into()),
        }
    }
}

/// The definitional parameters of the built-in statuses (spec `metrics.md` §2).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Definitions {
    pub min_hours: Option<f64>,
    pub min_weeks_without_benefit: Option<u32>,
}

impl Definitions {
    /// Refuses values that would make every status true or false.
    fn check(&self) -> Result<(), String> {
        if let Some(hours) = self.min_hours {
            check_min_hours(hours).map_err(|err| {
                format!("[definitions] key min_hours: {err} (paid_hours is hours >= min_hours; default 1)")
            })?;
        }
        if let Some(weeks) = self.min_weeks_without_benefit {
            check_min_weeks_without_benefit(weeks).map_err(|err| {
                format!("[definitions] key min_weeks_without_benefit: {err} (employment is paid_hours and weeks without benefit >= min_weeks_without_benefit; default 4)")
            })?;
        }
        Ok(())
    }

    pub fn resolve(&self) -> StatusParams {
        let defaults = StatusParams::default();
        StatusParams {
            min_hours: self.min_hours.unwrap_or(defaults.min_hours),
            min_weeks_without_benefit: self
                .min_weeks_without_benefit
                .unwrap_or(defaults.min_weeks_without_benefit),
        }
    }
}

/// A population filter on a cohort column: the value, or one of the values.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub column: String,
    pub values: Vec<String>,
}

/// A query's own status: a name and a boolean expression over panel columns.
#[derive(Clone)]
pub struct CustomStatus {
    pub name: String,
    pub text: String,
    pub expr: Expr,
}

/// A parsed and checked query.
pub struct Query {
    pub path: PathBuf,
    pub name: String,
    pub title: String,
    pub description: String,
    pub source: Option<String>,
    /// The dataset folder the query names, resolved against the query file's folder.
    pub dataset: Option<PathBuf>,
    pub metric_def: &'static MetricDef,
    pub metric: Box<dyn Metric>,
    /// The `[params]` keys the file gives (the rest are defaults).
    pub given_params: Vec<String>,
    pub group_by: Vec<String>,
    pub population: Vec<Filter>,
    /// `population.at_start`: persons whose start month satisfies this expression.
    pub at_start: Option<CustomStatus>,
    pub window: Window,
    /// Where each person's follow-up ends (`[params] followup_end`; always the default for a
    /// metric whose registry entry does not take it).
    pub followup_end: FollowupEnd,
    pub definitions: Definitions,
    pub statuses: Vec<CustomStatus>,
    pub expect: Vec<Expectation>,
    /// The file's bytes, for provenance.
    pub text: String,
}

/// How many statuses a query may define. Each is a step of the panel's plan that the next may
/// read, so they nest like an expression's levels, and at the same limit: thousands made polars
/// recurse past the stack, where 64 of the deepest expressions take it a few seconds.
pub const MAX_STATUSES: usize = expr::MAX_DEPTH;

fn usage(path: &Path, message: impl std::fmt::Display) -> DataError {
    DataError::Usage(format!("{}: {message}", path.display()))
}

impl Query {
    /// Reads and checks a query file.
    pub fn load(path: &Path) -> Result<Query, DataError> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| usage(path, format!("cannot read the query file: {err}")))?;
        Query::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Query, DataError> {
        let file: QueryFile =
            toml::from_str(text).map_err(|err| usage(path, err.to_string().trim_end()))?;
        let metric_def = metrics::find(&file.metric).ok_or_else(|| {
            usage(
                path,
                format!(
                    "key metric: unknown metric {:?}; known metrics: {}",
                    file.metric,
                    metrics::names().join(", ")
                ),
            )
        })?;
        // followup_end is the query's, not the metric's: it decides which months the metric sees
        // (`measure::input::prepare`), so it is read here, once for every metric that takes it.
        let mut params = file.params.clone();
        let followup_end = match params.remove("followup_end") {
            None => FollowupEnd::default(),
            Some(_) if !metric_def.followup_end => {
                return Err(usage(
                    path,
                    format!(
                        "[params] of metric {}: followup_end: {} does not take it, so remove it; the metrics that take it (spec metrics.md §6): {}",
                        metric_def.name,
                        metric_def.name,
                        metrics::REGISTRY
                            .iter()
                            .filter(|def| def.followup_end)
                            .map(|def| def.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ))
            }
            Some(value) => FollowupEnd::parse(&value).map_err(|err| {
                usage(path, format!("[params] of metric {}: {err}", metric_def.name))
            })?,
        };
        let metric = (metric_def.resolve)(&params).map_err(|err| {
            usage(
                path,
                format!("[params] of metric {}: {err}", metric_def.name),
            )
        })?;
        // Before the metric's checks, which may compute with the window's ends.
        file.window
            .check_bounds()
            .map_err(|err| usage(path, format!("[window] {err}")))?;
        metric.check(&file.window).map_err(|err| {
            usage(
                path,
                format!("[params] of metric {}: {err}", metric_def.name),
            )
        })?;
        if let Some((key, instead)) = metric_def.window.unread(&file.window) {
            return Err(usage(
                path,
                format!(
                    "[window] key {key}: metric {} does not read it; {instead}",
                    metric_def.name
                ),
            ));
        }
        for (index, column) in file.group_by.iter().enumerate() {
            if file.group_by[..index].contains(column) {
                return Err(usage(
                    path,
                    format!("key group_by: column {column:?} is listed twice"),
                ));
            }
        }
        metric.check_groups(&file.group_by).map_err(|err| {
            usage(
                path,
                format!("[params] of metric {}: {err}", metric_def.name),
            )
        })?;
        file.definitions.check().map_err(|err| usage(path, err))?;
        if let (Some(from), Some(to)) = (file.window.from, file.window.to) {
            if from > to {
                return Err(usage(
                    path,
                    format!("[window]: from = {from} is after to = {to}"),
                ));
            }
        }
        for (key, month) in [
            ("from_month", &file.window.from_month),
            ("to_month", &file.window.to_month),
        ] {
            if let Some(month) = month {
                if crate::calendar::Month::parse(month).is_none() {
                    return Err(usage(
                        path,
                        format!("[window] key {key}: {month:?} is not a month YYYY-MM"),
                    ));
                }
            }
        }

        let mut known = expression_columns();
        let numeric = numeric_columns();
        if file.statuses.len() > MAX_STATUSES {
            return Err(usage(
                path,
                format!(
                    "[statuses]: {} statuses; a query defines at most {MAX_STATUSES} of its own",
                    file.statuses.len()
                ),
            ));
        }
        let mut statuses = Vec::new();
        for (name, value) in &file.statuses {
            let Some(text) = value.as_str() else {
                return Err(usage(
                    path,
                    format!("[statuses] key {name}: expected an expression in quotes"),
                ));
            };
            if known.contains(name) {
                return Err(usage(
                    path,
                    format!("[statuses] key {name}: a panel column of that name exists already"),
                ));
            }
            if name == expr::BEGAN_AFTER {
                return Err(usage(
                    path,
                    format!("[statuses] key {name}: that is the name of a function of expressions; name the status otherwise"),
                ));
            }
            let expr = expr::parse(text, &known, &numeric)
                .map_err(|err| usage(path, format!("[statuses] key {name}: {err}")))?;
            statuses.push(CustomStatus {
                name: name.clone(),
                text: text.to_string(),
                expr,
            });
            known.push(name.clone());
        }
        for status in metric.statuses() {
            // A number where a status belongs would count as always true (or fail in polars).
            if numeric.contains(&status) {
                return Err(usage(
                    path,
                    format!(
                        "[params] of metric {}: {status:?} is a number, not a yes/no status: compare it in a status of the query's own (e.g. [statuses] with_{status} = \"{status} >= 1\")",
                        metric_def.name
                    ),
                ));
            }
            if !known.contains(&status) {
                return Err(usage(
                    path,
                    format!(
                        "[params] of metric {}: unknown status {status:?}; statuses: {}",
                        metric_def.name,
                        crate::panel::STATUSES
                            .iter()
                            .map(|s| s.to_string())
                            .chain(statuses.iter().map(|s| s.name.clone()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }

        let mut population = Vec::new();
        let mut at_start = None;
        for (column, value) in &file.population {
            if column == "at_start" {
                let text = value.as_str().ok_or_else(|| {
                    usage(
                        path,
                        "[population] key at_start: expected an expression in quotes",
                    )
                })?;
                let expr = expr::parse(text, &known, &numeric)
                    .map_err(|err| usage(path, format!("[population] key at_start: {err}")))?;
                at_start = Some(CustomStatus {
                    name: "at_start".into(),
                    text: text.to_string(),
                    expr,
                });
                continue;
            }
            let values = match value {
                toml::Value::String(v) => vec![v.clone()],
                toml::Value::Integer(v) => vec![v.to_string()],
                toml::Value::Array(items) => items
                    .iter()
                    .map(|item| match item {
                        toml::Value::String(v) => Ok(v.clone()),
                        toml::Value::Integer(v) => Ok(v.to_string()),
                        _ => Err(()),
                    })
                    .collect::<Result<_, _>>()
                    .map_err(|_| {
                        usage(
                            path,
                            format!(
                                "[population] key {column}: expected a value or a list of values"
                            ),
                        )
                    })?,
                _ => {
                    return Err(usage(
                        path,
                        format!("[population] key {column}: expected a value or a list of values"),
                    ))
                }
            };
            population.push(Filter {
                column: column.clone(),
                values,
            });
        }
        for (index, expectation) in file.expect.iter().enumerate() {
            expectation.check().map_err(|err| {
                usage(
                    path,
                    format!(
                        "[[expect]] number {} ({}): {err}",
                        index + 1,
                        expectation.id
                    ),
                )
            })?;
        }
        let given_params = file.params.keys().cloned().collect();
        let dataset = file
            .dataset
            .as_ref()
            .map(|d| path.parent().unwrap_or(Path::new(".")).join(d));
        Ok(Query {
            path: path.to_path_buf(),
            name: file.name,
            title: file.title,
            description: file.description,
            source: file.source,
            dataset,
            metric_def,
            metric,
            given_params,
            group_by: file.group_by,
            population,
            at_start,
            window: file.window,
            followup_end,
            definitions: file.definitions,
            statuses,
            expect: file.expect,
            text: text.to_string(),
        })
    }

    /// A status as this query defines it, in words that are equal only for equal definitions:
    /// a built-in status with the thresholds it uses; a status of the query's own with its
    /// expression and every threshold and status of the query it may refer to. Two tables'
    /// counts of persons in a status are one number only when these agree (the joint audit,
    /// spec `disclosure.md` §3).
    pub fn status_definition(&self, status: &str) -> String {
        let params = self.definitions.resolve();
        let Some(custom) = self.statuses.iter().find(|s| s.name == status) else {
            return crate::panel::statuses::definition(status, &params)
                .unwrap_or_else(|| status.to_string());
        };
        let mut words = format!(
            "{} with min_hours = {}, min_weeks_without_benefit = {}",
            custom.text, params.min_hours, params.min_weeks_without_benefit
        );
        for other in self.statuses.iter().filter(|s| s.name != status) {
            words.push_str(&format!(", {} = {}", other.name, other.text));
        }
        words
    }

    /// The metric's resolved parameters as results and provenance record them, with
    /// `followup_end` when it is not the default: its absence reads "coverage", so results and
    /// manifests of queries that do not end follow-up early keep the bytes they had before
    /// the key existed. (`explain` prints it always, for the metrics that take it.)
    pub fn resolved_params(&self) -> toml::Table {
        let mut params = self.metric.resolved();
        if self.followup_end != FollowupEnd::default() {
            params.insert(
                "followup_end".into(),
                toml::Value::String(self.followup_end.as_str().into()),
            );
        }
        params
    }

    /// Checks the group and population columns against a cohort's columns, and that no column
    /// the query would print (a group, a parameter's column) is one of the `identifiers`.
    pub fn check_columns(
        &self,
        cohort_columns: &[String],
        cohort_file: &str,
        identifiers: &[String],
    ) -> Result<(), DataError> {
        let printed = self
            .group_by
            .iter()
            .map(|column| ("group_by".to_string(), column.clone()))
            .chain(
                self.metric
                    .cohort_columns()
                    .into_iter()
                    .map(|(key, column)| {
                        (
                            format!("[params] of metric {} key {key}", self.metric_def.name),
                            column,
                        )
                    }),
            );
        for (key, column) in printed {
            if identifiers.contains(&column) {
                return Err(usage(
                    &self.path,
                    format!("{key}: column {column:?} identifies persons, and person identifiers never appear in output (spec disclosure.md §4)"),
                ));
            }
        }
        let covariates: Vec<&String> = cohort_columns
            .iter()
            .filter(|c| !["person_id", "pnr", "start_date", "end_date"].contains(&c.as_str()))
            .collect();
        let known = |column: &str| covariates.iter().any(|c| *c == column);
        let allowed = || {
            covariates
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        for column in &self.group_by {
            if !known(column) {
                return Err(usage(&self.path, format!("key group_by: column {column:?} is not in {cohort_file} (columns to group by: {})", allowed())));
            }
        }
        for filter in &self.population {
            if !known(&filter.column) {
                return Err(usage(&self.path, format!("[population] key {}: column not in {cohort_file} (columns: {}, or at_start)", filter.column, allowed())));
            }
        }
        // A metric may read any cohort column (describe's end_date, say), not only covariates.
        for (key, column) in self.metric.cohort_columns() {
            if !cohort_columns.contains(&column) {
                return Err(usage(
                    &self.path,
                    format!(
                        "[params] of metric {} key {key}: column {column:?} is not in {cohort_file} (its columns: {})",
                        self.metric_def.name,
                        cohort_columns.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The population filter on the person table (cohort columns only; `at_start` is applied on
    /// the panel).
    /// Long lists of values combine as a balanced tree, never a chain as deep as the list.
    pub fn population_expr(&self) -> Option<Expr> {
        let filters = self
            .population
            .iter()
            .map(|filter| {
                let values = filter
                    .values
                    .iter()
                    .map(|v| col(filter.column.as_str()).eq(lit(v.clone())))
                    .collect();
                balanced(values, Expr::or).unwrap_or(lit(false))
            })
            .collect();
        balanced(filters, Expr::and)
    }
}

/// The query files named on the command line: files as given, folders as their `*.toml` files in
/// name order.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, DataError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|err| usage(path, format!("cannot list the folder: {err}")))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            found.sort();
            files.extend(found);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(usage(path, "no such query file or folder"));
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Query, String> {
        Query::parse(Path::new("q.toml"), text).map_err(|e| e.to_string())
    }

    const BASE: &str = "name = \"x\"\ntitle = \"X\"\nmetric = \"share_ever\"\n";

    #[test]
    fn minimal_query_takes_defaults() {
        let query = parse(&format!("{BASE}[params]\nfollowup = \"available\"\n")).unwrap();
        assert_eq!(query.given_params, ["followup"]);
        let resolved = query.metric.resolved();
        assert_eq!(resolved["status"].as_str(), Some("paid_hours"));
    }

    #[test]
    fn errors_name_file_key_and_what_is_allowed() {
        let err = parse("name = \"x\"\ntitle = \"X\"\nmetric = \"share_evr\"\n")
            .err()
            .unwrap();
        assert!(
            err.contains(
                "q.toml: key metric: unknown metric \"share_evr\"; known metrics: share_ever"
            ),
            "{err}"
        );
        let err = parse(&format!("{BASE}grup_by = []\n")).err().unwrap();
        assert!(
            err.contains("q.toml") && err.contains("unknown field `grup_by`"),
            "{err}"
        );
        let err = parse(&format!(
            "{BASE}[params]\nstatus = \"payd_hours\"\nfollowup = \"available\"\n"
        ))
        .err()
        .unwrap();
        assert!(
            err.contains("unknown status \"payd_hours\"; statuses: paid_hours,"),
            "{err}"
        );
        let err = parse(&format!("{BASE}[params]\nfollowup = 3\n"))
            .err()
            .unwrap();
        assert!(
            err.contains("[params] of metric share_ever") && err.contains("followup"),
            "{err}"
        );
        let err = parse(&format!("{BASE}[window]\nfrom = 5\nto = 2\n"))
            .err()
            .unwrap();
        assert!(err.contains("[window]: from = 5 is after to = 2"), "{err}");
    }

    #[test]
    fn what_needs_only_the_query_is_refused_before_any_data() {
        let err = |text: String| parse(&text).err().unwrap();
        let effect = "name = \"x\"\ntitle = \"X\"\nmetric = \"effect\"\n";
        let outcome = "[params]\noutcome = \"share_at\"\noutcome_params = { at = 3 }\n";
        assert_eq!(
            err(format!("{effect}group_by = [\"arm\"]\n{outcome}")),
            "q.toml: [params] of metric effect: arm: the arm column \"arm\" is also in group_by; effect compares the arms within each group, so leave it out of group_by"
        );
        assert_eq!(
            err(format!(
                "{effect}group_by = [\"sex\"]\n{outcome}by = \"sex\"\n"
            )),
            "q.toml: [params] of metric effect: by: \"sex\" is also in group_by; give it in one of them"
        );
        assert_eq!(
            err(format!(
                "{BASE}group_by = [\"arm\", \"arm\"]\n[window]\nto = 6\n"
            )),
            "q.toml: key group_by: column \"arm\" is listed twice"
        );
        assert_eq!(
            err(format!("{BASE}[window]\nto = 6\nto_month = \"2021-05\"\n")),
            "q.toml: [window] key to_month: metric share_ever does not read it; it counts rel_months from each person's start: use from / to"
        );
        let describe = "name = \"x\"\ntitle = \"X\"\nmetric = \"describe\"\n";
        assert_eq!(
            err(format!(
                "{describe}[window]\nfrom = 0\n[params]\ncategorical = [\"sex\"]\n"
            )),
            "q.toml: [window] key from: metric describe does not read it; it reads no window: remove [window]"
        );
        for bad in ["-1.0", "0.0", "nan"] {
            assert_eq!(
                err(format!("{BASE}[window]\nto = 6\n[definitions]\nmin_hours = {bad}\n")),
                format!("q.toml: [definitions] key min_hours: {} is not a number of hours above 0 (paid_hours is hours >= min_hours; default 1)", bad.parse::<f64>().unwrap()),
            );
        }
        assert_eq!(
            err(format!("{BASE}[window]\nto = 6\n[statuses]\nbusy = \"hours\"\n")),
            "q.toml: [statuses] key busy: the expression is a number, not a yes/no condition: compare it (e.g. `hours >= 1`)"
        );
        assert_eq!(
            err(format!("{BASE}[window]\nto = 6\n[population]\nat_start = \"weeks_social_assistance\"\n")),
            "q.toml: [population] key at_start: the expression is a number, not a yes/no condition: compare it (e.g. `hours >= 1`)"
        );
    }

    #[test]
    fn columns_the_metric_names_are_checked_against_the_cohort_header() {
        let header = [
            "person_id",
            "start_date",
            "arm",
            "municipality",
            "birth_year",
        ]
        .map(String::from);
        let query = parse(
            "name = \"x\"\ntitle = \"X\"\nmetric = \"effect\"\n[params]\noutcome = \"share_at\"\noutcome_params = { at = 3 }\nby = \"kommune\"\n",
        )
        .unwrap();
        assert_eq!(
            query.check_columns(&header, "cohort.csv", &[]).unwrap_err().to_string(),
            "q.toml: [params] of metric effect key by: column \"kommune\" is not in cohort.csv (its columns: person_id, start_date, arm, municipality, birth_year)"
        );
        let query = parse(
            "name = \"x\"\ntitle = \"X\"\nmetric = \"describe\"\n[params]\ncategorical = [\"age_band_at_start\", \"origin\"]\n",
        )
        .unwrap();
        assert_eq!(
            query.check_columns(&header, "cohort.csv", &[]).unwrap_err().to_string(),
            "q.toml: [params] of metric describe key categorical: column \"origin\" is not in cohort.csv (its columns: person_id, start_date, arm, municipality, birth_year)"
        );
    }

    #[test]
    fn identifiers_are_never_printed() {
        let header = ["person_id", "start_date", "arm", "case_no"].map(String::from);
        let identifiers = ["person_id", "pnr", "case_no"].map(String::from);
        let refused = |text: &str| {
            parse(text)
                .unwrap()
                .check_columns(&header, "cohort.csv", &identifiers)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            refused("name = \"x\"\ntitle = \"X\"\nmetric = \"describe\"\n[params]\ncategorical = [\"person_id\"]\n"),
            "q.toml: [params] of metric describe key categorical: column \"person_id\" identifies persons, and person identifiers never appear in output (spec disclosure.md §4)"
        );
        assert_eq!(
            refused(&format!("{BASE}group_by = [\"arm\", \"case_no\"]\n[params]\nfollowup = \"available\"\n")),
            "q.toml: group_by: column \"case_no\" identifies persons, and person identifiers never appear in output (spec disclosure.md §4)"
        );
    }

    #[test]
    fn custom_statuses_may_use_earlier_ones() {
        let query = parse(&format!(
            "{BASE}[statuses]\nsmall_job = \"paid_hours and hours < 40\"\nsmall_job_no_benefit = \"small_job and benefit_weeks == 0\"\n[params]\nstatus = \"small_job_no_benefit\"\nfollowup = \"available\"\n"
        ))
        .unwrap();
        assert_eq!(query.statuses.len(), 2);
        let err = parse(&format!("{BASE}[params]\nfollowup = \"available\"\n[statuses]\nb = \"a and paid_hours\"\na = \"paid_hours\"\n")).err().unwrap();
        assert!(
            err.contains("[statuses] key b: unknown column `a`"),
            "{err}"
        );
        // A status named as the function would be shadowed by it: refused, naming the key.
        let err = parse(&format!(
            "{BASE}[params]\nfollowup = \"available\"\n[statuses]\nbegan_after = \"paid_hours\"\n"
        ))
        .err()
        .unwrap();
        assert!(
            err.contains("[statuses] key began_after: that is the name of a function of expressions; name the status otherwise"),
            "{err}"
        );
    }

    #[test]
    fn population_columns_are_checked_against_the_cohort() {
        let query = parse(&format!("{BASE}group_by = [\"arm\"]\n[population]\nprojekt = \"FSM2\"\n[params]\nfollowup = \"available\"\n")).unwrap();
        let columns: Vec<String> = ["person_id", "start_date", "arm", "project"]
            .map(String::from)
            .to_vec();
        let err = query
            .check_columns(&columns, "cohort.csv", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("[population] key projekt: column not in cohort.csv (columns: arm, project, or at_start)"), "{err}");
    }
}
