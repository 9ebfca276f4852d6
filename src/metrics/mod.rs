//! Stage 3, metrics (spec `metrics.md` §3): each is a small pure function over the panel plus its
//! parameter struct, in a file of its own, producing a [`Table`]. A new metric is one new file and
//! one line in [`REGISTRY`].
//!
//! A metric's parameters are a serde struct with `deny_unknown_fields` and a `Default` holding the
//! spec's defaults: parsing a query's `[params]` into it checks every key and type, and
//! serialising it back gives `explain` every resolved value.

pub mod describe;
pub mod effect;
pub mod first_outcome;
pub mod funnel;
pub mod hazard_ratio;
pub mod history;
pub mod hours_progression;
pub mod mean_hours;
pub mod monthly_curve;
pub mod outcome_payment;
pub mod requirement;
pub mod retention;
pub mod share_at;
pub mod share_ever;
pub mod spell;
pub mod targets;
#[cfg(test)]
pub mod testing;
pub mod time_to_event;

pub use crate::measure::{MetricInput, Window};
use crate::table::Table;
use anyhow::Result;
use polars::prelude::DataFrame;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Every metric udfald knows, by query name.
pub const REGISTRY: &[MetricDef] = &[
    share_ever::DEF,
    share_at::DEF,
    monthly_curve::DEF,
    mean_hours::DEF,
    requirement::DEF,
    retention::DEF,
    hours_progression::DEF,
    first_outcome::DEF,
    spell::DEF,
    history::DEF,
    describe::DEF,
    effect::DEF,
    funnel::DEF,
    outcome_payment::DEF,
    targets::DEF,
    time_to_event::DEF,
    hazard_ratio::DEF,
];

pub fn find(name: &str) -> Option<&'static MetricDef> {
    REGISTRY.iter().find(|def| def.name == name)
}

pub fn names() -> Vec<&'static str> {
    REGISTRY.iter().map(|def| def.name).collect()
}

/// A metric as the registry lists it: everything the rest of udfald needs to know about it
/// without running it, so no other file keeps a list of metrics.
pub struct MetricDef {
    pub name: &'static str,
    /// One line for `udfald list` and `explain`.
    pub summary: &'static str,
    /// Parses and checks a query's `[params]`.
    pub resolve: fn(&toml::Table) -> Result<Box<dyn Metric>, String>,
    /// The person-level outcome `effect` can compare, when the metric has one.
    pub outcome: Option<OutcomeDef>,
    /// The `[window]` keys the metric reads; a query giving another is refused before any data
    /// is read.
    pub window: WindowKeys,
    /// The metric follows persons over the months after their start, so a query may end that
    /// follow-up at the cohort's `end_date` (`[params] followup_end`, spec §6); a query giving
    /// `followup_end` to another metric is refused.
    pub followup_end: bool,
    /// A query body for the metric (top-level keys, then `[window]` and `[params]`) that runs on
    /// the tiny dataset: the registry's tests run every one, and the docs can show it.
    pub example: &'static str,
}

/// What a metric's person-level outcome is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeDef {
    pub kind: OutcomeKind,
    /// The outcome is one value per person only at one month: `outcome_params.at` is required.
    pub needs_at: bool,
}

/// Which `[window]` keys a metric reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowKeys {
    /// `from` and `to`, in `rel_month`s (`from` also sets how much history the panel holds).
    Rel,
    /// `from`/`to`, and the calendar months `from_month`/`to_month`.
    RelAndCalendar,
    /// None: the metric has a span of its own, or none.
    None,
}

impl WindowKeys {
    /// The first key of `window` the metric does not read, with what it reads instead.
    pub fn unread(self, window: &Window) -> Option<(&'static str, &'static str)> {
        let given = [
            ("from", window.from.is_some()),
            ("to", window.to.is_some()),
            ("from_month", window.from_month.is_some()),
            ("to_month", window.to_month.is_some()),
        ];
        let (reads, instead): (&[&str], &str) = match self {
            WindowKeys::Rel => (
                &["from", "to"],
                "it counts rel_months from each person's start: use from / to",
            ),
            WindowKeys::RelAndCalendar => (&["from", "to", "from_month", "to_month"], ""),
            WindowKeys::None => (&[], "it reads no window: remove [window]"),
        };
        given
            .into_iter()
            .find(|(key, given)| *given && !reads.contains(key))
            .map(|(key, _)| (key, instead))
    }
}

/// A metric with its parameters resolved.
pub trait Metric {
    /// Every parameter with its value (given or defaulted), for `explain` and provenance.
    fn resolved(&self) -> toml::Table;
    /// The statuses (boolean panel columns) it reads, checked against the panel before any data
    /// is read.
    fn statuses(&self) -> Vec<String>;
    /// Checks that the parameters fit the query's window (e.g. `followup = "complete"` needs an
    /// end); the message names the parameter.
    fn check(&self, window: &Window) -> Result<(), String>;
    /// Checks the parameters against the query's group columns (e.g. the arm compared cannot also
    /// be a group); the message names the parameter.
    fn check_groups(&self, group_by: &[String]) -> Result<(), String>;
    /// The cohort columns the parameters name, as (parameter, column): checked against the
    /// cohort's header before any register is read.
    fn cohort_columns(&self) -> Vec<(&'static str, String)>;
    fn compute(&self, input: &MetricInput<'_>) -> Result<Table>;
    /// The metric's outcome person by person, for metrics that compare persons (`effect`);
    /// `None` when the metric has no person-level outcome.
    fn person_outcome(&self, input: &MetricInput<'_>) -> Result<Option<PersonOutcome>>;
    /// The table from published counts the parameters give, when they stand in for a dataset
    /// (`effect`'s and `funnel`'s `published`, `targets` without `count` rows); `None`: the
    /// metric is computed from a dataset by `compute`, which never sees published counts.
    fn published(&self) -> Option<Result<Table>>;
}

/// A metric's outcome for each person it counts: a yes/no (the person is in the numerator of a
/// share) or a number (a term of a mean).
pub struct PersonOutcome {
    /// `person` (u32) and `value` (Boolean for a share, Float64 for a mean), one row per person
    /// observed for the outcome; persons left out (censored) have no row. With `among` set, a
    /// person observed but outside that status has a row with a null value.
    pub frame: DataFrame,
    /// The status the outcome is taken among (`mean_hours`' `among`), when not everyone observed.
    pub among: Option<String>,
    pub kind: OutcomeKind,
    /// What the value is, in words, e.g. "paid_hours at rel_month 18".
    pub label: String,
    /// Which persons the frame's rows are, when another table may count them too.
    pub subsets: OutcomeSubsets,
}

/// The persons of a [`PersonOutcome`] as [`Subset`]s, where they are ones (persons observed at
/// a month, or in a status then), so that a table comparing the outcome links to the tables
/// that count those persons (spec `disclosure.md` §3). `None`: not such a subset.
///
/// [`Subset`]: crate::table::Subset
#[derive(Debug, Clone, Default)]
pub struct OutcomeSubsets {
    /// The persons with a row.
    pub observed: Option<crate::table::Subset>,
    /// The persons with a value (the rows outside `among` have none).
    pub valued: Option<crate::table::Subset>,
    /// The persons whose value is yes (a share).
    pub positive: Option<crate::table::Subset>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeKind {
    Share,
    Mean,
}

/// What each metric's parameter struct implements; the registry's [`Metric`] comes with it.
pub trait Compute: Serialize {
    fn statuses(&self) -> Vec<String>;
    fn check(&self, _window: &Window) -> Result<(), String> {
        Ok(())
    }
    fn check_groups(&self, _group_by: &[String]) -> Result<(), String> {
        Ok(())
    }
    fn cohort_columns(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    fn compute(&self, input: &MetricInput<'_>) -> Result<Table>;
    fn person_outcome(&self, _input: &MetricInput<'_>) -> Result<Option<PersonOutcome>> {
        Ok(None)
    }
    fn published(&self) -> Option<Result<Table>> {
        None
    }
}

impl<T: Compute> Metric for T {
    fn resolved(&self) -> toml::Table {
        match toml::Value::try_from(self) {
            Ok(toml::Value::Table(table)) => table,
            _ => toml::Table::new(),
        }
    }
    fn statuses(&self) -> Vec<String> {
        Compute::statuses(self)
    }
    fn check(&self, window: &Window) -> Result<(), String> {
        Compute::check(self, window)
    }
    fn check_groups(&self, group_by: &[String]) -> Result<(), String> {
        Compute::check_groups(self, group_by)
    }
    fn cohort_columns(&self) -> Vec<(&'static str, String)> {
        Compute::cohort_columns(self)
    }
    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        Compute::compute(self, input)
    }
    fn person_outcome(&self, input: &MetricInput<'_>) -> Result<Option<PersonOutcome>> {
        Compute::person_outcome(self, input)
    }
    fn published(&self) -> Option<Result<Table>> {
        Compute::published(self)
    }
}

/// The `resolve` of a [`MetricDef`]: `[params]` into the metric's parameter struct.
pub fn resolve<P: DeserializeOwned + Compute + 'static>(
    params: &toml::Table,
) -> Result<Box<dyn Metric>, String> {
    toml::Value::Table(params.clone())
        .try_into::<P>()
        .map(|p| Box::new(p) as Box<dyn Metric>)
        .map_err(|err| err.to_string().trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::testing::{prepare, tiny_panel, Scope};
    use super::*;
    use crate::query::Query;
    use std::path::Path;

    /// Each registry entry's example, parsed as a query and checked against the tiny cohort.
    fn example(def: &MetricDef) -> Query {
        let text = format!(
            "name = \"example\"\ntitle = \"{name}\"\nmetric = \"{name}\"\n{}",
            def.example,
            name = def.name
        );
        let query = Query::parse(Path::new("example.toml"), &text)
            .unwrap_or_else(|err| panic!("{}: the example does not parse: {err}", def.name));
        let header = [
            "person_id",
            "start_date",
            "arm",
            "project",
            "municipality",
            "sex",
            "birth_year",
        ]
        .map(String::from);
        query
            .check_columns(&header, "cohort.csv", &[])
            .unwrap_or_else(|err| panic!("{}: the example does not fit tiny: {err}", def.name));
        query
    }

    #[test]
    fn every_metric_describes_itself_and_its_example_runs() {
        let panel = tiny_panel();
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/metrics");
        for def in REGISTRY {
            assert!(
                docs.join(format!("{}.md", def.name)).is_file(),
                "{} has no docs/metrics page",
                def.name
            );
            let query = example(def);
            let statuses = query.definitions.resolve();
            let input = prepare(
                &panel,
                Scope::everyone(&query.group_by, &query.window, &statuses),
            )
            .unwrap();
            let table = query
                .metric
                .published()
                .unwrap_or_else(|| query.metric.compute(&input))
                .unwrap_or_else(|err| panic!("{}: the example fails on tiny: {err:#}", def.name));
            assert!(!table.rows.is_empty(), "{}: no rows", def.name);
            // The report draws every table but a table of characteristics.
            assert_eq!(
                table.chart.is_some(),
                def.name != "describe",
                "{}: declares its chart",
                def.name
            );
            table
                .check_references()
                .unwrap_or_else(|err| panic!("{}: {err}", def.name));
            assert_eq!(
                table.relation_violations(),
                Vec::<String>::new(),
                "{}: declared relations",
                def.name
            );
            // The registry says whether there is a person-level outcome (effect reads it there);
            // the metric agrees.
            let outcome = query.metric.person_outcome(&input).unwrap();
            match def.outcome {
                Some(declared) => {
                    let outcome = outcome
                        .unwrap_or_else(|| panic!("{}: declared an outcome, gave none", def.name));
                    assert_eq!(outcome.kind, declared.kind, "{}", def.name);
                }
                None => assert!(
                    outcome.is_none(),
                    "{} has a person outcome: declare it in its DEF",
                    def.name
                ),
            }
        }
    }

    #[test]
    fn every_metric_computes_on_an_empty_population() {
        // A population that matches nobody is a result (the runner notes it), never an error.
        let panel = tiny_panel();
        for def in REGISTRY {
            let query = example(def);
            if query.metric.published().is_some() {
                continue;
            }
            let statuses = query.definitions.resolve();
            let scope = Scope {
                population: Some(polars::prelude::lit(false)),
                ..Scope::everyone(&query.group_by, &query.window, &statuses)
            };
            let input = prepare(&panel, scope).unwrap();
            assert_eq!(input.persons.height(), 0);
            let table = query
                .metric
                .compute(&input)
                .unwrap_or_else(|err| panic!("{}: fails on nobody: {err:#}", def.name));
            assert_eq!(
                table.relation_violations(),
                Vec::<String>::new(),
                "{}: declared relations on nobody",
                def.name
            );
        }
    }

    #[test]
    fn window_keys_a_metric_does_not_read_are_refused() {
        let rel = Window {
            from_month: Some("2021-01".into()),
            ..Window::default()
        };
        assert_eq!(
            WindowKeys::Rel.unread(&rel),
            Some((
                "from_month",
                "it counts rel_months from each person's start: use from / to"
            ))
        );
        assert_eq!(WindowKeys::RelAndCalendar.unread(&rel), None);
        assert_eq!(
            WindowKeys::None.unread(&Window::rel(None, Some(3))),
            Some(("to", "it reads no window: remove [window]"))
        );
        assert_eq!(WindowKeys::None.unread(&Window::default()), None);
        assert_eq!(
            WindowKeys::Rel.unread(&Window::rel(Some(-3), Some(3))),
            None
        );
    }
}
