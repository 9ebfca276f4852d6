//! Stage 3, metrics (spec `metrics.md` §3): each is a small pure function over the panel plus its
//! parameter struct, in a file of its own, producing a [`Table`]. A new metric is one new file and
//! one line in [`REGISTRY`].
//!
//! A metric's parameters are a serde struct with `deny_unknown_fields` and a `Default` holding the
//! spec's defaults: parsing a query's `[params]` into it checks every key and type, and
//! serialising it back gives `explain` every resolved value.

pub mod common;
pub mod curve_shared;
pub mod describe;
pub mod effect;
pub mod first_outcome;
pub mod funnel;
pub mod hazard_ratio;
pub mod history;
pub mod hours_progression;
pub mod input;
pub mod mean_hours;
pub mod monthly_curve;
pub mod outcome_payment;
pub mod requirement;
pub mod retention;
pub mod share_at;
pub mod share_ever;
pub mod spell;
pub mod targets;
pub mod time_to_event;
pub mod weeks_shared;

use crate::panel::Panel;
use crate::table::Table;
use anyhow::Result;
use polars::prelude::DataFrame;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

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

/// A metric as the registry lists it.
pub struct MetricDef {
    pub name: &'static str,
    /// One line for `udfald list` and `explain`.
    pub summary: &'static str,
    /// Parses and checks a query's `[params]`.
    pub resolve: fn(&toml::Table) -> Result<Box<dyn Metric>, String>,
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
    fn compute(&self, input: &MetricInput<'_>) -> Result<Table>;
    /// The metric's outcome person by person, for metrics that compare persons (`effect`);
    /// `None` when the metric has no person-level outcome.
    fn person_outcome(&self, input: &MetricInput<'_>) -> Result<Option<PersonOutcome>>;
    /// Whether the metric reads a dataset at all (one computed from published counts does not).
    fn needs_data(&self) -> bool;
    /// The table of a metric that needs no data (`needs_data()` is false).
    fn compute_without_data(&self) -> Result<Table>;
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
    fn compute(&self, input: &MetricInput<'_>) -> Result<Table>;
    fn person_outcome(&self, _input: &MetricInput<'_>) -> Result<Option<PersonOutcome>> {
        Ok(None)
    }
    fn needs_data(&self) -> bool {
        true
    }
    fn compute_without_data(&self) -> Result<Table> {
        anyhow::bail!("this metric needs a dataset")
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
    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        Compute::compute(self, input)
    }
    fn person_outcome(&self, input: &MetricInput<'_>) -> Result<Option<PersonOutcome>> {
        Compute::person_outcome(self, input)
    }
    fn needs_data(&self) -> bool {
        Compute::needs_data(self)
    }
    fn compute_without_data(&self) -> Result<Table> {
        Compute::compute_without_data(self)
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

/// The analysis window of a query, in months relative to each person's start month (both ends
/// inclusive), or in calendar months for metrics that index by calendar month.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// First `rel_month` (default 0, the start month).
    pub from: Option<i32>,
    /// Last `rel_month` (default: the end of each person's follow-up).
    pub to: Option<i32>,
    /// First calendar month `YYYY-MM` (calendar metrics).
    pub from_month: Option<String>,
    /// Last calendar month `YYYY-MM` (calendar metrics).
    pub to_month: Option<String>,
}

impl Window {
    /// A window of `rel_month`s, `from` (default 0) through `to` (default: end of follow-up).
    pub fn rel(from: Option<i32>, to: Option<i32>) -> Window {
        Window {
            from,
            to,
            ..Window::default()
        }
    }

    pub fn from(&self) -> i32 {
        self.from.unwrap_or(0)
    }
}

/// What a metric computes from.
pub struct MetricInput<'a> {
    pub panel: &'a Panel,
    /// One row per person of the query's population: `person`, the group columns (text, with
    /// [`crate::table::MISSING`] for an empty cell), `start_month`, `start_week`,
    /// `first_observed_rel_month`, `followup_months`.
    pub persons: DataFrame,
    /// The panel months of those persons: every panel column and status (including the query's
    /// own statuses), plus the group columns.
    pub months: DataFrame,
    pub group_by: &'a [String],
    pub window: &'a Window,
    /// Remarks about the population for the result's notes (persons that could not be selected).
    pub notes: Vec<String>,
}
