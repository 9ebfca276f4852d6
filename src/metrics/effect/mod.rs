//! `effect` (spec `metrics.md` §3.11): treatment minus control for the person-level outcome of
//! another metric (`outcome`, with its own `outcome_params`). For a share (`share_ever`,
//! `share_at` at k, `spell`): the difference in percentage points with a Newcombe hybrid score
//! interval (Wald on request), the pooled two-proportion z-test and the relative difference. For a
//! mean (`mean_hours` at k): the difference with Welch's t-test interval and p-value. Per group
//! (`group_by`), and with `by` per value of a cohort column (e.g. municipality) with the spread of
//! those effects in the notes. Reproduces 003's effects (S3-paid18, S3-hours18, S3-13wk, S3-site).
//!
//! With `published`, the two arms' printed figures (n and share, n and count, or n, mean and sd)
//! take the place of microdata: the metric needs no dataset, and tests a report's printed claim.
//!
//! Persons the outcome leaves out (censored: not observed at k, or not through the window) are
//! counted apart per arm, never as "no outcome". A mean taken among a status (`mean_hours`'
//! `among`) also reports apart the persons observed but outside it (`not_in_status_*`). The
//! statistics are `crate::stats`'s.

use super::{
    find, Compute, Metric, MetricDef, MetricInput, OutcomeKind, OutcomeSubsets, PersonOutcome,
    Window,
};
use crate::stats::means::{welch, SampleSummary};
use crate::stats::proportions::{compare_proportions, DiffInterval, Proportion};
use crate::table::chart::Forest;
use crate::table::{
    CellIs, Chart, Col, Relation, Row as Cells, Subset, Table, TableBuilder, Value, ALL, MISSING,
};
use anyhow::{anyhow, bail, Result};
use polars::prelude::{DataFrame, DataType};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::{BTreeSet, HashMap};

mod columns;
mod microdata;
mod published;

use columns::*;
use published::*;

pub const DEF: MetricDef = MetricDef {
    name: "effect",
    summary: "treatment minus control for another metric's person-level outcome (share: points with Newcombe CI and z-test; mean: Welch), by group and by a cohort column; or from published figures",
    resolve: resolve_effect,
    outcome: None,
    window: super::WindowKeys::Rel,
    followup_end: false,
    example: "[params]\noutcome = \"share_at\"\n[params.outcome_params]\nat = 3\n",
};

/// The interval for a difference of shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalMethod {
    /// Newcombe's hybrid score interval (1998, method 10).
    Newcombe,
    /// The Wald interval (unpooled).
    Wald,
}

/// A report's printed figures for one arm: `n` with `share` (0–1) or `count`, or `n` with `mean`
/// (and `sd`, without which there is no test).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedArm {
    pub n: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    pub treatment: PublishedArm,
    pub control: PublishedArm,
}

/// The query's `[params]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EffectParams {
    /// The cohort column holding the arm.
    pub arm: String,
    /// Its value for the treatment arm.
    pub treatment: String,
    /// Its value for the control arm.
    pub control: String,
    /// The metric whose person-level outcome is compared.
    pub outcome: String,
    /// That metric's parameters; after resolving, every one of them (given or defaulted).
    pub outcome_params: toml::Table,
    /// The interval for a difference of shares.
    pub interval: IntervalMethod,
    /// The confidence level of the intervals.
    pub level: f64,
    /// A cohort column: one comparison per value of it (heterogeneity), plus the spread.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Values of `by` whose comparison rests on a cell of fewer persons are left out of the
    /// spread (it would show what suppression hides).
    pub spread_min_cell: u64,
    /// Printed figures instead of microdata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Published>,
    /// Written by udfald for `explain`; refused on input.
    #[serde(skip_serializing)]
    pub methods: Option<toml::Value>,
}

impl Default for EffectParams {
    fn default() -> Self {
        EffectParams {
            arm: "arm".into(),
            treatment: "treatment".into(),
            control: "control".into(),
            outcome: String::new(),
            outcome_params: toml::Table::new(),
            interval: IntervalMethod::Newcombe,
            level: 0.95,
            by: None,
            spread_min_cell: 5,
            published: None,
            methods: None,
        }
    }
}

/// The resolved metric: its parameters and the outcome metric.
pub struct Effect {
    params: EffectParams,
    inner: Option<Box<dyn Metric>>,
    kind: OutcomeKind,
}

impl Serialize for Effect {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Resolved<'a> {
            #[serde(flatten)]
            params: &'a EffectParams,
            methods: String,
        }
        Resolved {
            params: &self.params,
            methods: self.methods(),
        }
        .serialize(serializer)
    }
}

/// The `resolve` of [`DEF`]: parses `[params]`, resolves the outcome metric with
/// `outcome_params` and keeps its resolved parameters (so `explain` lists them all).
fn resolve_effect(params: &toml::Table) -> Result<Box<dyn Metric>, String> {
    let mut params: EffectParams = toml::Value::Table(params.clone())
        .try_into()
        .map_err(|err: toml::de::Error| err.to_string().trim_end().to_string())?;
    if params.methods.is_some() {
        return Err("methods: written by udfald to describe the interval and test, not read; set interval (\"newcombe\" or \"wald\") and level instead".into());
    }
    if !(params.level.is_finite() && params.level > 0.0 && params.level < 1.0) {
        return Err(format!(
            "level: {} is not strictly between 0 and 1 (e.g. 0.95 for a 95% interval)",
            params.level
        ));
    }
    for (key, value) in [
        ("arm", &params.arm),
        ("treatment", &params.treatment),
        ("control", &params.control),
    ] {
        if value.trim().is_empty() {
            return Err(format!("{key}: must not be empty"));
        }
    }
    if params.treatment == params.control {
        return Err(format!(
            "treatment, control: both are {:?}; name the two values of the arm column to compare",
            params.treatment
        ));
    }
    if params.by.as_deref() == Some(params.arm.as_str()) {
        return Err(format!(
            "by: {:?} is the arm column; by names a column to compare the arms within (e.g. \"municipality\")",
            params.arm
        ));
    }
    let mut inner = None;
    let mut inner_kind = None;
    if !params.outcome.is_empty() {
        let def = find(&params.outcome).ok_or_else(|| {
            format!(
                "outcome: unknown metric {:?}; metrics with a person-level outcome: {}",
                params.outcome,
                outcome_names()
            )
        })?;
        let outcome = def.outcome.ok_or_else(|| {
                format!(
                    "outcome: metric {:?} has no person-level outcome to compare (it reports groups, not one value per person); metrics with one: {}",
                    def.name,
                    outcome_names()
                )
            })?;
        let kind = outcome.kind;
        if outcome.needs_at && !params.outcome_params.contains_key("at") {
            return Err(format!(
                "outcome_params.at: {} gives one value per person only at one month; set at (e.g. at = 18)",
                def.name
            ));
        }
        if params.outcome_params.contains_key("followup_end") {
            // Ending follow-up when persons leave the programme censors them by an event the
            // arms differ in (the control arm has no programme to leave, and a participant who
            // finds work often leaves for that reason): the comparison would no longer be fair.
            return Err(format!(
                "outcome_params.followup_end: effect compares the arms over each person's follow-up to coverage; ending it at end_date would censor persons by leaving the programme, which the arms differ in. Remove it (a single metric such as {} takes followup_end)",
                def.name
            ));
        }
        let metric = (def.resolve)(&params.outcome_params)
            .map_err(|err| format!("outcome_params (of {}): {err}", def.name))?;
        params.outcome_params = metric.resolved();
        inner = Some(metric);
        inner_kind = Some(kind);
    }
    let kind = match &params.published {
        Some(published) => {
            if params.by.is_some() {
                return Err("by: published figures give one comparison; by needs microdata (leave out published)".into());
            }
            let kind = published.kind()?;
            if let Some(inner_kind) = inner_kind.filter(|k| *k != kind) {
                return Err(format!(
                    "published: the figures are a {} but outcome {} is a {}",
                    kind_name(kind),
                    params.outcome,
                    kind_name(inner_kind)
                ));
            }
            kind
        }
        None => inner_kind.ok_or_else(|| {
            format!(
                "outcome: required: the metric whose person-level outcome is compared ({}), with its outcome_params; or give published figures",
                outcome_names()
            )
        })?,
    };
    Ok(Box::new(Effect {
        params,
        inner,
        kind,
    }))
}

/// One arm's tally in one row.
#[derive(Default, Clone)]
struct Arm {
    /// Persons of the arm in the row's population.
    population: u64,
    /// Persons observed for the outcome but outside the status it is taken among.
    outside: u64,
    /// The outcome of each person counted (0/1 for a share), in person order.
    values: Vec<f64>,
}

impl Arm {
    fn n(&self) -> u64 {
        self.values.len() as u64
    }

    fn count(&self) -> u64 {
        self.values.iter().filter(|v| **v != 0.0).count() as u64
    }

    /// Persons the outcome could not be observed for (neither counted nor outside its status).
    fn censored(&self) -> u64 {
        self.population - self.n() - self.outside
    }

    fn mean(&self) -> Option<f64> {
        (!self.values.is_empty())
            .then(|| self.values.iter().sum::<f64>() / self.values.len() as f64)
    }
}

/// One output row before it becomes table values.
struct Row {
    key: Vec<String>,
    arms: [Arm; 2],
}

/// The columns of an effect table after the group columns.
struct StatCols {
    /// n_treatment, n_control.
    n: [Col; 2],
    /// count_* (a share) or mean_* (a mean), treatment then control.
    value: [Col; 2],
    /// share_* (a share) or sd_* (a mean).
    spread: [Col; 2],
    difference: Col,
    ci_lower: Col,
    ci_upper: Col,
    /// z (a share) or t (a mean).
    statistic: Col,
    /// Welch's degrees of freedom (a mean).
    df: Option<Col>,
    p_value: Col,
    relative_difference: Col,
    min_cell: Col,
    censored: Option<[Col; 2]>,
    not_in_status: Option<[Col; 2]>,
}

impl Compute for Effect {
    fn statuses(&self) -> Vec<String> {
        match (&self.params.published, &self.inner) {
            (None, Some(inner)) => inner.statuses(),
            _ => Vec::new(),
        }
    }

    fn check(&self, window: &Window) -> Result<(), String> {
        match (&self.params.published, &self.inner) {
            (None, Some(inner)) => inner
                .check(window)
                .map_err(|err| format!("outcome {}: {err}", self.params.outcome)),
            _ => Ok(()),
        }
    }

    fn check_groups(&self, group_by: &[String]) -> Result<(), String> {
        let p = &self.params;
        if p.published.is_some() {
            return Ok(());
        }
        if group_by.contains(&p.arm) {
            return Err(format!(
                "arm: the arm column {:?} is also in group_by; effect compares the arms within each group, so leave it out of group_by",
                p.arm
            ));
        }
        if let Some(by) = p.by.as_ref().filter(|by| group_by.contains(by)) {
            return Err(format!(
                "by: {by:?} is also in group_by; give it in one of them"
            ));
        }
        Ok(())
    }

    fn cohort_columns(&self) -> Vec<(&'static str, String)> {
        let p = &self.params;
        if p.published.is_some() {
            return Vec::new();
        }
        std::iter::once(("arm", p.arm.clone()))
            .chain(p.by.iter().map(|by| ("by", by.clone())))
            .collect()
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        Compute::check(self, input.window).map_err(|e| anyhow!(e))?;
        self.compute_data(input)
    }

    fn published(&self) -> Option<Result<Table>> {
        let published = self.params.published.as_ref()?;
        Some(self.compute_published(published))
    }
}

#[cfg(test)]
mod tests;
