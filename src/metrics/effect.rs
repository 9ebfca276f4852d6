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

use super::{find, Compute, Metric, MetricDef, MetricInput, OutcomeKind, PersonOutcome, Window};
use crate::stats::means::{welch, SampleSummary};
use crate::stats::proportions::{compare_proportions, DiffInterval, Proportion};
use crate::table::{Col, Relation, Row as Cells, Table, TableBuilder, Value, ALL, MISSING};
use anyhow::{anyhow, bail, Result};
use polars::prelude::{DataFrame, DataType};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::{BTreeSet, HashMap};

pub const DEF: MetricDef = MetricDef {
    name: "effect",
    summary: "treatment minus control for another metric's person-level outcome (share: points with Newcombe CI and z-test; mean: Welch), by group and by a cohort column; or from published figures",
    resolve: resolve_effect,
    outcome: None,
    window: super::WindowKeys::Rel,
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

fn kind_name(kind: OutcomeKind) -> &'static str {
    match kind {
        OutcomeKind::Share => "share",
        OutcomeKind::Mean => "mean",
    }
}

/// The registry's metrics with a person-level outcome, as a list for messages.
fn outcome_names() -> String {
    crate::metrics::REGISTRY
        .iter()
        .filter(|def| def.outcome.is_some())
        .map(|def| def.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Published {
    /// The kind of figures both arms give; the error names the key.
    fn kind(&self) -> Result<OutcomeKind, String> {
        let arm_kind = |name: &str, arm: &PublishedArm| -> Result<OutcomeKind, String> {
            let key = format!("published.{name}");
            if arm.n == 0 {
                return Err(format!("{key}.n: must be at least 1"));
            }
            let share_like = arm.share.is_some() || arm.count.is_some();
            let mean_like = arm.mean.is_some() || arm.sd.is_some();
            match (share_like, mean_like) {
                (true, true) => Err(format!(
                    "{key}: give either share (or count) for a share, or mean (and sd) for a mean, not both"
                )),
                (false, false) => Err(format!(
                    "{key}: give share (0-1) or count for a share, or mean and sd for a mean, with n"
                )),
                (true, false) => {
                    if arm.share.is_some() && arm.count.is_some() {
                        return Err(format!("{key}: give share or count, not both"));
                    }
                    if let Some(share) = arm.share {
                        if !(0.0..=1.0).contains(&share) {
                            return Err(format!(
                                "{key}.share: {share} is not between 0 and 1 (a share, not a percentage: 19.2% is 0.192)"
                            ));
                        }
                    }
                    if let Some(count) = arm.count {
                        if count > arm.n {
                            return Err(format!(
                                "{key}.count: {count} is more than n = {}",
                                arm.n
                            ));
                        }
                    }
                    Ok(OutcomeKind::Share)
                }
                (false, true) => {
                    let Some(mean) = arm.mean else {
                        return Err(format!("{key}.mean: sd is given but no mean"));
                    };
                    if !mean.is_finite() {
                        return Err(format!("{key}.mean: {mean} is not a number"));
                    }
                    if let Some(sd) = arm.sd {
                        if !(sd.is_finite() && sd >= 0.0) {
                            return Err(format!("{key}.sd: {sd} must be a number >= 0"));
                        }
                    }
                    Ok(OutcomeKind::Mean)
                }
            }
        };
        let treatment = arm_kind("treatment", &self.treatment)?;
        let control = arm_kind("control", &self.control)?;
        if treatment != control {
            return Err(format!(
                "published: treatment gives a {} and control a {}; give the same kind of figures for both arms",
                kind_name(treatment),
                kind_name(control)
            ));
        }
        Ok(treatment)
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

/// The smallest non-zero count: the `n` of every statistic that rests on all of them.
fn min_cell(counts: &[u64]) -> Value {
    Value::Int(counts.iter().copied().filter(|c| *c > 0).min().unwrap_or(0) as i64)
}

fn opt(value: Option<f64>) -> Value {
    value
        .filter(|v| v.is_finite())
        .map_or(Value::Null, Value::Float)
}

/// The cohort columns a query may name (the person table's columns but the fixed ones).
fn cohort_columns(frame: &DataFrame) -> Vec<String> {
    const FIXED: [&str; 8] = [
        "person",
        "person_id",
        "start_date",
        "start_month",
        "start_week",
        "first_observed_rel_month",
        "followup_months",
        "end_date",
    ];
    frame
        .get_column_names()
        .into_iter()
        .map(|c| c.to_string())
        .filter(|c| !FIXED.contains(&c.as_str()))
        .collect()
}

/// A cohort column as text, indexed by person (empty cells read [`MISSING`]); the error names
/// the parameter.
fn cohort_text(frame: &DataFrame, name: &str, key: &str) -> Result<Vec<String>> {
    let columns = cohort_columns(frame);
    if !columns.iter().any(|c| c == name) {
        bail!(
            "{key}: {name:?} is not a cohort column (cohort columns: {})",
            columns.join(", ")
        );
    }
    let failed = |err: polars::prelude::PolarsError| anyhow!("computing effect: {err}");
    let column = frame
        .column(name)
        .map_err(failed)?
        .cast(&DataType::String)
        .map_err(failed)?;
    let values = column
        .str()
        .map_err(failed)?
        .iter()
        .map(|v| v.filter(|v| !v.is_empty()).unwrap_or(MISSING).to_string())
        .collect();
    Ok(values)
}

fn text_rows(frame: &DataFrame, name: &str) -> Result<Vec<String>> {
    let failed = |err: polars::prelude::PolarsError| anyhow!("computing effect: {err}");
    let column = frame
        .column(name)
        .map_err(failed)?
        .cast(&DataType::String)
        .map_err(failed)?;
    Ok(column
        .str()
        .map_err(failed)?
        .iter()
        .map(|v| v.unwrap_or(MISSING).to_string())
        .collect())
}

fn person_ids(frame: &DataFrame) -> Result<Vec<u32>> {
    let failed = |err: polars::prelude::PolarsError| anyhow!("computing effect: {err}");
    let column = frame
        .column("person")
        .map_err(failed)?
        .cast(&DataType::UInt32)
        .map_err(failed)?;
    column
        .u32()
        .map_err(failed)?
        .iter()
        .map(|p| p.ok_or_else(|| anyhow!("computing effect: a person without an index")))
        .collect()
}

/// The outcome of each person observed; `None` for a person outside the outcome's `among`.
fn outcome_values(outcome: &PersonOutcome) -> Result<HashMap<u32, Option<f64>>> {
    let failed = |err: polars::prelude::PolarsError| anyhow!("computing effect: {err}");
    let persons = person_ids(&outcome.frame)?;
    let value = outcome.frame.column("value").map_err(failed)?;
    let values: Vec<Option<f64>> = match outcome.kind {
        OutcomeKind::Share => value
            .bool()
            .map_err(failed)?
            .iter()
            .map(|v| v.map(|v| v as u8 as f64))
            .collect(),
        OutcomeKind::Mean => value
            .cast(&DataType::Float64)
            .map_err(failed)?
            .f64()
            .map_err(failed)?
            .iter()
            .collect(),
    };
    Ok(persons.into_iter().zip(values).collect())
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

impl Effect {
    fn methods(&self) -> String {
        let level = format!("{}%", self.params.level * 100.0);
        match self.kind {
            OutcomeKind::Share => {
                let interval = match self.params.interval {
                    IntervalMethod::Newcombe => "Newcombe's hybrid score interval (Newcombe 1998, method 10: from the two Wilson score intervals, no continuity correction)",
                    IntervalMethod::Wald => "the Wald interval (unpooled variance, no continuity correction)",
                };
                format!(
                    "share outcome: difference = treatment share - control share in percentage points; {level} CI: {interval}; test: pooled two-proportion z-test, two-sided; relative_difference = difference / control share"
                )
            }
            OutcomeKind::Mean => format!(
                "mean outcome: difference = treatment mean - control mean; {level} CI and test: Welch's t-test (unequal variances, Welch-Satterthwaite degrees of freedom), two-sided; relative_difference = difference / control mean (interval applies to shares only)"
            ),
        }
    }

    fn arms_note(&self) -> String {
        format!(
            "treatment: {} = {:?}; control: {} = {:?}",
            self.params.arm, self.params.treatment, self.params.arm, self.params.control
        )
    }

    fn diff_interval(&self) -> DiffInterval {
        match self.params.interval {
            IntervalMethod::Newcombe => DiffInterval::Newcombe,
            IntervalMethod::Wald => DiffInterval::Wald,
        }
    }

    /// Declares the statistic columns after the group columns; `among`: the outcome is taken
    /// among a status, and the persons outside it are reported apart.
    fn stat_columns(&self, t: &mut TableBuilder, published: bool, among: bool) -> StatCols {
        // The statistics rest on min_cell, printed after them.
        let min_cell = t.persons("min_cell");
        let arms = ["treatment", "control"];
        let per_arm = |t: &mut TableBuilder, i: usize| -> [Col; 3] {
            let arm = arms[i];
            let n = t.persons(format!("n_{arm}"));
            match self.kind {
                OutcomeKind::Share if published => {
                    // A published share × n is an implied count, possibly fractional, and a
                    // published figure: no one's data, a number like a published target. The
                    // share rests on it and on n (suppressed with n).
                    let count = t.number(format!("count_{arm}"), 1);
                    [n, count, t.share(format!("share_{arm}"), count, n)]
                }
                OutcomeKind::Share => {
                    let count = t.persons(format!("count_{arm}"));
                    [n, count, t.share(format!("share_{arm}"), count, n)]
                }
                OutcomeKind::Mean => [
                    n,
                    t.mean(format!("mean_{arm}"), n, 2),
                    t.mean(format!("sd_{arm}"), n, 2),
                ],
            }
        };
        let [nt, vt, st] = per_arm(t, 0);
        let [nc, vc, sc] = per_arm(t, 1);
        let (suffix, decimals, statistic) = match self.kind {
            OutcomeKind::Share => ("_pp", 1, "z"),
            OutcomeKind::Mean => ("", 2, "t"),
        };
        let difference = t.mean(format!("difference{suffix}"), min_cell, decimals);
        let ci_lower = t.mean(format!("ci_lower{suffix}"), min_cell, decimals);
        let ci_upper = t.mean(format!("ci_upper{suffix}"), min_cell, decimals);
        let statistic = t.mean(statistic, min_cell, 2);
        let df = (self.kind == OutcomeKind::Mean).then(|| t.mean("df", min_cell, 1));
        let p_value = t.mean("p_value", min_cell, 4);
        let relative_difference = t.mean("relative_difference", min_cell, 3);
        t.place(min_cell);
        let censored = (!published).then(|| {
            [
                t.persons("censored_treatment"),
                t.persons("censored_control"),
            ]
        });
        let not_in_status = among.then(|| {
            [
                t.persons("not_in_status_treatment"),
                t.persons("not_in_status_control"),
            ]
        });
        StatCols {
            n: [nt, nc],
            value: [vt, vc],
            spread: [st, sc],
            difference,
            ci_lower,
            ci_upper,
            statistic,
            df,
            p_value,
            relative_difference,
            min_cell,
            censored,
            not_in_status,
        }
    }

    /// The comparison of two shares (counts may be fractional for published figures), in
    /// difference_pp .. relative_difference; left empty when there is none.
    fn share_stats(
        &self,
        row: &mut Cells<'_>,
        c: &StatCols,
        treatment: Option<Proportion>,
        control: Option<Proportion>,
    ) {
        let result = match (treatment, control) {
            (Some(t), Some(c)) => {
                compare_proportions(t, c, self.diff_interval(), self.params.level).ok()
            }
            _ => None,
        };
        if let Some(r) = result {
            row.set(c.difference, Value::Float(r.difference * 100.0))
                .set(c.ci_lower, Value::Float(r.ci.lower * 100.0))
                .set(c.ci_upper, Value::Float(r.ci.upper * 100.0))
                .set(c.statistic, opt(r.test.z))
                .set(c.p_value, opt(r.test.p_value))
                .set(c.relative_difference, opt(r.relative_difference));
        }
    }

    /// The comparison of two means, in difference .. relative_difference. Welch needs an sd in
    /// both arms (n >= 2) and some variation; without, only the difference and its relative.
    fn mean_stats(
        &self,
        row: &mut Cells<'_>,
        c: &StatCols,
        treatment: (u64, Option<f64>, Option<f64>),
        control: (u64, Option<f64>, Option<f64>),
    ) {
        let (Some(m1), Some(m2)) = (treatment.1, control.1) else {
            return;
        };
        let difference = m1 - m2;
        let relative = (m2 != 0.0).then(|| difference / m2);
        let test = match (treatment.2, control.2) {
            (Some(s1), Some(s2)) => SampleSummary::new(treatment.0 as usize, m1, s1)
                .and_then(|t| {
                    SampleSummary::new(control.0 as usize, m2, s2)
                        .and_then(|c| welch(t, c, self.params.level))
                })
                .ok(),
            _ => None,
        };
        match test {
            Some(r) => {
                row.set(c.difference, Value::Float(r.difference))
                    .set(c.ci_lower, Value::Float(r.ci.lower))
                    .set(c.ci_upper, Value::Float(r.ci.upper))
                    .set(c.statistic, Value::Float(r.t))
                    .set(c.p_value, Value::Float(r.p_value))
                    .set(c.relative_difference, opt(r.relative_difference));
                if let Some(df) = c.df {
                    row.set(df, Value::Float(r.df));
                }
            }
            None => {
                row.set(c.difference, Value::Float(difference))
                    .set(c.relative_difference, opt(relative));
            }
        }
    }

    /// A row of microdata: the arms' tallies and the comparison.
    fn row_values(&self, row: &mut Cells<'_>, c: &StatCols, arms: &[Arm; 2]) {
        let [t, k] = arms;
        match self.kind {
            OutcomeKind::Share => {
                for (i, arm) in arms.iter().enumerate() {
                    row.int(c.n[i], arm.n() as i64)
                        .int(c.value[i], arm.count() as i64)
                        .set(c.spread[i], crate::table::share(arm.count(), arm.n()));
                }
                let proportion = |arm: &Arm| Proportion::from_counts(arm.count(), arm.n()).ok();
                self.share_stats(row, c, proportion(t), proportion(k));
                row.set(c.min_cell, min_cell(&[t.n(), t.count(), k.n(), k.count()]));
            }
            OutcomeKind::Mean => {
                let summary = |arm: &Arm| {
                    let sd = SampleSummary::from_data(&arm.values).ok().map(|s| s.sd);
                    (arm.n(), arm.mean(), sd)
                };
                let (st, sc) = (summary(t), summary(k));
                for (i, s) in [st, sc].into_iter().enumerate() {
                    row.int(c.n[i], s.0 as i64)
                        .set(c.value[i], opt(s.1))
                        .set(c.spread[i], opt(s.2));
                }
                self.mean_stats(row, c, st, sc);
                row.set(c.min_cell, min_cell(&[t.n(), k.n()]));
            }
        }
        if let Some([ct, cc]) = c.censored {
            row.int(ct, t.censored() as i64)
                .int(cc, k.censored() as i64);
        }
        if let Some([ot, oc]) = c.not_in_status {
            row.int(ot, t.outside as i64).int(oc, k.outside as i64);
        }
    }

    fn compute_data(&self, input: &MetricInput<'_>) -> Result<Table> {
        let p = &self.params;
        let inner = self
            .inner
            .as_ref()
            .ok_or_else(|| anyhow!("outcome: no outcome metric to compute"))?;
        Compute::check_groups(self, input.group_by).map_err(|e| anyhow!(e))?;
        let cohort = &input.panel.persons;
        let arm_of = cohort_text(cohort, &p.arm, "arm")?;
        for (key, value) in [("treatment", &p.treatment), ("control", &p.control)] {
            if !arm_of.contains(value) {
                let values: BTreeSet<&String> = arm_of.iter().collect();
                bail!(
                    "{key}: no cohort person has {} = {value:?} (its values: {})",
                    p.arm,
                    values
                        .into_iter()
                        .map(|v| format!("{v:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        let by_of =
            p.by.as_ref()
                .map(|by| cohort_text(cohort, by, "by"))
                .transpose()?;

        let outcome = inner.person_outcome(input)?.ok_or_else(|| {
            anyhow!(
                "outcome: {} with these outcome_params gives no person-level outcome",
                p.outcome
            )
        })?;
        if outcome.kind != self.kind {
            bail!(
                "outcome: {} gave a {} outcome, expected a {}",
                p.outcome,
                kind_name(outcome.kind),
                kind_name(self.kind)
            );
        }
        let values = outcome_values(&outcome)?;

        // The population, in person order, with its group keys.
        let persons = person_ids(&input.persons)?;
        let group_columns: Vec<Vec<String>> = input
            .group_by
            .iter()
            .map(|g| text_rows(&input.persons, g))
            .collect::<Result<_>>()?;
        let mut order: Vec<usize> = (0..persons.len()).collect();
        order.sort_by_key(|&i| persons[i]);

        let total_key: Vec<String> = input.group_by.iter().map(|_| ALL.to_string()).collect();
        let mut groups: BTreeSet<Vec<String>> = BTreeSet::new();
        let mut by_values: HashMap<Vec<String>, BTreeSet<String>> = HashMap::new();
        let mut tallies: HashMap<(Vec<String>, String), [Arm; 2]> = HashMap::new();
        let mut neither = 0u64;
        for &i in &order {
            let person = persons[i];
            let key: Vec<String> = group_columns.iter().map(|c| c[i].clone()).collect();
            if !input.group_by.is_empty() {
                groups.insert(key.clone());
            }
            let arm = &arm_of[person as usize];
            let slot = if *arm == p.treatment {
                0
            } else if *arm == p.control {
                1
            } else {
                neither += 1;
                continue;
            };
            let by = by_of.as_ref().map(|b| b[person as usize].clone());
            let mut keys = vec![key.clone()];
            if key != total_key {
                keys.push(total_key.clone());
            }
            for key in keys {
                let mut bys = vec![ALL.to_string()];
                if let Some(by) = &by {
                    by_values.entry(key.clone()).or_default().insert(by.clone());
                    bys.push(by.clone());
                }
                for by in bys {
                    let tally = &mut tallies.entry((key.clone(), by)).or_default()[slot];
                    tally.population += 1;
                    match values.get(&person) {
                        Some(Some(v)) => tally.values.push(*v),
                        Some(None) => tally.outside += 1,
                        None => {}
                    }
                }
            }
        }
        let mut ordered: Vec<Vec<String>> = groups.into_iter().collect();
        ordered.push(total_key);

        let mut rows = Vec::new();
        for key in ordered {
            let mut bys: Vec<Option<String>> = Vec::new();
            if p.by.is_some() {
                bys.extend(
                    by_values
                        .get(&key)
                        .into_iter()
                        .flatten()
                        .map(|b| Some(b.clone())),
                );
            }
            bys.push(None);
            for by in bys {
                let arms = tallies
                    .get(&(key.clone(), by.clone().unwrap_or_else(|| ALL.to_string())))
                    .cloned()
                    .unwrap_or_default();
                let mut row_key = key.clone();
                if p.by.is_some() {
                    row_key.push(by.unwrap_or_else(|| ALL.to_string()));
                }
                rows.push(Row { key: row_key, arms });
            }
        }

        let mut t = TableBuilder::new();
        let groups: Vec<Col> = input.group_by.iter().map(|g| t.group(g.as_str())).collect();
        let by = p.by.as_ref().map(|by| t.group(by.as_str()));
        let among = outcome.among.is_some();
        let c = self.stat_columns(&mut t, false, among);
        self.relations(&mut t, &c, &groups, by);
        for row in &rows {
            let mut cells = t.row();
            for (&g, k) in groups.iter().chain(&by).zip(&row.key) {
                cells.text(g, k.as_str());
            }
            self.row_values(&mut cells, &c, &row.arms);
        }
        t.note(format!(
            "effect: treatment minus control in {} ({}; outcome {} with its outcome_params); {}",
            outcome.label,
            self.arms_note(),
            p.outcome,
            self.methods()
        ));
        t.note("n_*: persons of the arm the outcome counts; censored_*: persons of the arm it leaves out (not observed long enough), never counted as without the outcome; min_cell: the smallest non-zero count the comparison rests on (the difference, its interval and test are suppressed with it)".to_string());
        if let Some(status) = &outcome.among {
            t.note(format!(
                "not_in_status_*: persons of the arm observed then but without {status}, outside the mean (not censored)"
            ));
        }
        if neither > 0 {
            t.note(format!(
                "{neither} persons of the population are in neither arm ({} is neither {:?} nor {:?}) and are left out",
                p.arm, p.treatment, p.control
            ));
        }
        let mut table = t.build();
        if let Some(by) = &p.by {
            self.spread_notes(&mut table, by, input.group_by.len());
        }
        Ok(table)
    }

    /// One note per group on the spread of the per-`by` effects.
    fn spread_notes(&self, table: &mut Table, by: &str, group_count: usize) {
        let p = &self.params;
        let column = |name: &str| table.column_index(name).expect("a column of the table");
        let (diff, pval, min) = match self.kind {
            OutcomeKind::Share => (
                column("difference_pp"),
                column("p_value"),
                column("min_cell"),
            ),
            OutcomeKind::Mean => (column("difference"), column("p_value"), column("min_cell")),
        };
        let unit = match self.kind {
            OutcomeKind::Share => " pp",
            OutcomeKind::Mean => "",
        };
        let alpha = 1.0 - p.level;
        let mut notes = Vec::new();
        let mut start = 0;
        while start < table.rows.len() {
            let key = &table.rows[start][..group_count];
            let end = start
                + table.rows[start..]
                    .iter()
                    .take_while(|r| &r[..group_count] == key)
                    .count();
            let group = if group_count == 0 {
                String::new()
            } else {
                let labels: Vec<String> = key
                    .iter()
                    .map(|v| match v {
                        Value::Text(t) => t.clone(),
                        _ => String::new(),
                    })
                    .collect();
                format!(" in group {}", labels.join(", "))
            };
            // Every by-value row but the last ((all)).
            let with_effect: Vec<&Vec<Value>> = table.rows[start..end - 1]
                .iter()
                .filter(|r| r[diff].as_f64().is_some())
                .collect();
            let kept: Vec<(String, f64, Option<f64>)> = with_effect
                .iter()
                .filter(|r| r[min].as_f64().unwrap_or(0.0) >= p.spread_min_cell as f64)
                .map(|r| {
                    let label = match &r[group_count] {
                        Value::Text(t) => t.clone(),
                        _ => String::new(),
                    };
                    (label, r[diff].as_f64().unwrap_or(0.0), r[pval].as_f64())
                })
                .collect();
            let head = format!(
                "spread of the {by} effects{group}: {} of {} {by} values with both arms counted have every cell >= {} persons (spread_min_cell)",
                kept.len(),
                with_effect.len(),
                p.spread_min_cell
            );
            if kept.is_empty() {
                notes.push(format!("{head}; no spread reported"));
            } else {
                let k = kept.len() as f64;
                let mean = kept.iter().map(|e| e.1).sum::<f64>() / k;
                let sd = (kept.len() > 1).then(|| {
                    (kept.iter().map(|e| (e.1 - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt()
                });
                let lowest = kept
                    .iter()
                    .fold(&kept[0], |a, b| if b.1 < a.1 { b } else { a });
                let highest = kept
                    .iter()
                    .fold(&kept[0], |a, b| if b.1 > a.1 { b } else { a });
                let significant = |positive: bool| {
                    kept.iter()
                        .filter(|e| e.2.is_some_and(|pv| pv < alpha) && (e.1 > 0.0) == positive)
                        .count()
                };
                let (up, down) = (significant(true), significant(false));
                notes.push(format!(
                    "{head}; over those: mean {mean:.1}{unit}, sd {}, min {:.1}{unit} ({}), max {:.1}{unit} ({}); significant at p < {alpha:.2}: {} ({up} positive, {down} negative)",
                    sd.map_or("-".to_string(), |sd| format!("{sd:.1}{unit}")),
                    lowest.1,
                    lowest.0,
                    highest.1,
                    highest.0,
                    up + down
                ));
            }
            start = end;
        }
        table.notes.extend(notes);
    }

    fn compute_published(&self, published: &Published) -> Result<Table> {
        let p = &self.params;
        let mut builder = TableBuilder::new();
        let cols = self.stat_columns(&mut builder, true, false);
        let mut row = builder.row();
        let (t, c) = (&published.treatment, &published.control);
        let describe = match self.kind {
            OutcomeKind::Share => {
                let implied = |arm: &PublishedArm| -> (f64, f64) {
                    match (arm.count, arm.share) {
                        (Some(count), _) => (count as f64, count as f64 / arm.n as f64),
                        (None, share) => {
                            let share = share.unwrap_or(0.0);
                            (share * arm.n as f64, share)
                        }
                    }
                };
                let ((xt, st), (xc, sc)) = (implied(t), implied(c));
                for (i, (n, x, s)) in [(t.n, xt, st), (c.n, xc, sc)].into_iter().enumerate() {
                    row.int(cols.n[i], n as i64)
                        .set(cols.value[i], Value::Float(x))
                        .set(cols.spread[i], Value::Float(s));
                }
                let proportion = |x: f64, n: u64| Proportion::new(x, n as f64).ok();
                self.share_stats(&mut row, &cols, proportion(xt, t.n), proportion(xc, c.n));
                format!(
                    "treatment {:.1}% of {} (count {xt:.1}), control {:.1}% of {} (count {xc:.1}); the interval and test take share × n as the count (fractional counts allowed)",
                    st * 100.0,
                    t.n,
                    sc * 100.0,
                    c.n
                )
            }
            OutcomeKind::Mean => {
                let (mt, mc) = (t.mean.unwrap_or(0.0), c.mean.unwrap_or(0.0));
                for (i, (n, m, sd)) in [(t.n, mt, t.sd), (c.n, mc, c.sd)].into_iter().enumerate() {
                    row.int(cols.n[i], n as i64)
                        .set(cols.value[i], Value::Float(m))
                        .set(cols.spread[i], opt(sd));
                }
                self.mean_stats(
                    &mut row,
                    &cols,
                    (t.n, Some(mt), t.sd),
                    (c.n, Some(mc), c.sd),
                );
                format!(
                    "treatment mean {mt} (n {}, sd {}), control mean {mc} (n {}, sd {}){}",
                    t.n,
                    t.sd.map_or("not given".to_string(), |s| s.to_string()),
                    c.n,
                    c.sd.map_or("not given".to_string(), |s| s.to_string()),
                    if t.sd.is_some() && c.sd.is_some() {
                        ""
                    } else {
                        "; without both sds there is no interval or test, only the difference and its relative"
                    }
                )
            }
        };
        row.set(cols.min_cell, min_cell(&[t.n, c.n]));
        // Public figures in one row: no relation among counts is declared (count_* is share ×
        // n, a float, and min_cell a minimum).
        builder.note(format!(
            "effect from published figures, not microdata: {describe}; {}",
            self.methods()
        ));
        if !p.outcome.is_empty() {
            let params = toml::Value::Table(p.outcome_params.clone());
            builder.note(format!(
                "the figures stand for outcome {} with {params} ({}); no data was read",
                p.outcome,
                self.arms_note()
            ));
        }
        Ok(builder.build())
    }

    /// The linear relations among the counts of a table from microdata. Every person is in one
    /// group and has one `by` value (empty: `(missing)`), so the groups' counts add up to
    /// `(all)`'s for each `by` value, and the `by` values' to `(all)`'s within each group.
    /// Within a row nothing adds up on the table: an arm's population (n + censored +
    /// not_in_status) is no column, count is at most n, and min_cell is a minimum.
    fn relations(&self, t: &mut TableBuilder, c: &StatCols, groups: &[Col], by: Option<Col>) {
        let mut counts: Vec<Col> = Vec::new();
        for i in 0..2 {
            counts.push(c.n[i]);
            if self.kind == OutcomeKind::Share {
                counts.push(c.value[i]);
            }
        }
        counts.extend(c.censored.into_iter().flatten());
        counts.extend(c.not_in_status.into_iter().flatten());
        let columns: Vec<String> = counts.iter().map(|&col| t.name(col)).collect();
        if let Some(&first) = groups.first() {
            // With several group columns the rows are their combinations and `(all)` is `(all)`
            // in each: the rows not `(all)` in the first are all the combinations.
            t.relation(Relation::GroupsSumToTotal {
                group: t.name(first),
                keys: by.iter().map(|&b| t.name(b)).collect(),
                columns: columns.clone(),
            });
        }
        if let Some(by) = by {
            t.relation(Relation::GroupsSumToTotal {
                group: t.name(by),
                keys: groups.iter().map(|&g| t.name(g)).collect(),
                columns,
            });
        }
    }
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
        match &self.params.published {
            Some(published) => self.compute_published(published),
            None => {
                Compute::check(self, input.window).map_err(|e| anyhow!(e))?;
                self.compute_data(input)
            }
        }
    }

    fn needs_data(&self) -> bool {
        self.params.published.is_none()
    }

    fn compute_without_data(&self) -> Result<Table> {
        match &self.params.published {
            Some(published) => self.compute_published(published),
            None => bail!("effect without published figures needs a dataset"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::input::{prepare, tiny_panel, Scope};
    use crate::panel::StatusParams;
    use crate::stats::means::welch_from_data;
    use crate::stats::proportions::{newcombe_interval, wald_interval};

    fn resolve(params: &str) -> Result<Box<dyn Metric>, String> {
        (DEF.resolve)(&toml::from_str(params).unwrap())
    }

    fn window(from: i32, to: Option<i32>) -> Window {
        Window::rel(Some(from), to)
    }

    fn try_run(params: &str, group_by: &[&str], window: Window) -> Result<Table> {
        let panel = tiny_panel();
        let metric = resolve(params).map_err(|e| anyhow!(e))?;
        let group_by: Vec<String> = group_by.iter().map(|g| g.to_string()).collect();
        let statuses = StatusParams::default();
        metric.check(&window).map_err(|e| anyhow!(e))?;
        let input = prepare(&panel, Scope::everyone(&group_by, &window, &statuses)).unwrap();
        metric.compute(&input)
    }

    fn run(params: &str, group_by: &[&str], window: Window) -> Table {
        try_run(params, group_by, window).unwrap()
    }

    fn float(table: &Table, group: &[&str], column: &str) -> f64 {
        table
            .cell(group, column)
            .and_then(Value::as_f64)
            .unwrap_or_else(|| panic!("{column} of {group:?}: {:?}", table.cell(group, column)))
    }

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    const EVER: &str = "outcome = \"share_ever\"\n[outcome_params]\nfollowup = \"available\"\n";

    #[test]
    fn share_ever_treatment_minus_control() {
        // Paid hours in some month from rel_month 0, available follow-up (share_ever's
        // paid_hours_ever_with_available_followup): treatment P10 P08 P06 P05 P01 P03 → paid P10,
        // P06, P05, P01 = 4 of 6; control P07 P04 P02 P09 → all 4 paid = 4 of 4; P11 (control)
        // has no observed month from start: censored.
        // difference 4/6 - 4/4 = -1/3 → -33.33 pp.
        // Wilson 4/6 (z = 1.959964, z² = 3.841459): centre (0.666667 + 0.320122)/1.640243 =
        // 0.601611, half 0.301618 → (0.299993, 0.903229). Wilson 4/4: (0.510107, 1).
        // Newcombe: lower -1/3 - sqrt(0.366674² + 0²) = -0.700007;
        //           upper -1/3 + sqrt(0.236562² + 0.489893²) = 0.210687.
        // z-test: pooled 8/10, se sqrt(0.8 × 0.2 × (1/6 + 1/4)) = 0.258199, z = -1.290994,
        // p = 0.196706. relative -1/3.
        let table = run(EVER, &[], window(0, None));
        assert_eq!(table.cell(&[], "n_treatment"), Some(&Value::Int(6)));
        assert_eq!(table.cell(&[], "count_treatment"), Some(&Value::Int(4)));
        assert_eq!(table.cell(&[], "n_control"), Some(&Value::Int(4)));
        assert_eq!(table.cell(&[], "count_control"), Some(&Value::Int(4)));
        assert_eq!(table.cell(&[], "share_control"), Some(&Value::Float(1.0)));
        assert_eq!(table.cell(&[], "censored_treatment"), Some(&Value::Int(0)));
        assert_eq!(table.cell(&[], "censored_control"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&[], "min_cell"), Some(&Value::Int(4)));
        assert!(close(
            float(&table, &[], "difference_pp"),
            -100.0 / 3.0,
            1e-9
        ));
        assert!(close(float(&table, &[], "ci_lower_pp"), -70.0007, 1e-3));
        assert!(close(float(&table, &[], "ci_upper_pp"), 21.0687, 1e-3));
        assert!(close(float(&table, &[], "z"), -1.290994, 1e-6));
        assert!(close(float(&table, &[], "p_value"), 0.196706, 1e-6));
        assert!(close(
            float(&table, &[], "relative_difference"),
            -1.0 / 3.0,
            1e-12
        ));
        // The interval is exactly crate::stats' Newcombe.
        let t = Proportion::from_counts(4, 6).unwrap();
        let c = Proportion::from_counts(4, 4).unwrap();
        let ci = newcombe_interval(t, c, 0.95).unwrap();
        assert_eq!(float(&table, &[], "ci_lower_pp"), ci.lower * 100.0);
        assert_eq!(float(&table, &[], "ci_upper_pp"), ci.upper * 100.0);
        assert!(table.notes[0].contains("Newcombe"), "{:?}", table.notes);
        assert!(
            table.notes[0].contains("paid_hours in some month"),
            "{:?}",
            table.notes
        );
    }

    #[test]
    fn wald_on_request_and_another_level() {
        // Same counts as share_ever_treatment_minus_control; Wald at 90%:
        // -1/3 ± 1.644854 × sqrt((2/3)(1/3)/6 + 0) = -1/3 ± 0.316557.
        let table = run(
            &format!("interval = \"wald\"\nlevel = 0.9\n{EVER}"),
            &[],
            window(0, None),
        );
        let t = Proportion::from_counts(4, 6).unwrap();
        let c = Proportion::from_counts(4, 4).unwrap();
        let ci = wald_interval(t, c, 0.9).unwrap();
        assert_eq!(float(&table, &[], "ci_lower_pp"), ci.lower * 100.0);
        assert!(close(
            float(&table, &[], "ci_upper_pp"),
            (-1.0 / 3.0 + 0.316557) * 100.0,
            1e-3
        ));
        assert!(table.notes[0].contains("Wald") && table.notes[0].contains("90%"));
    }

    #[test]
    fn share_at_month_three_by_subgroup() {
        // Paid hours at rel_month 3 (share_at's paid_hours_at_month_three_by_arm), by sex:
        // F: treatment P05 (140 h) P01 (80 h) P03 (0) → 2 of 3; control P07 (0) → 0 of 1;
        //    P09 not observed at 3 (censored).
        // M: treatment P08 (0) P06 (40 h) → 1 of 2, P10 censored; control P04 (70) P02 (160.33)
        //    → 2 of 2, P11 censored.
        // (all): 3/5 vs 2/3 → -6.67 pp; censored 1 and 2.
        let table = run(
            "outcome = \"share_at\"\n[outcome_params]\nat = 3\n",
            &["sex"],
            window(0, None),
        );
        let groups: Vec<String> = table.rows.iter().map(|r| table.format(0, &r[0])).collect();
        assert_eq!(groups, ["F", "M", "(all)"]);
        assert_eq!(table.cell(&["F"], "count_treatment"), Some(&Value::Int(2)));
        assert_eq!(table.cell(&["F"], "n_treatment"), Some(&Value::Int(3)));
        assert_eq!(table.cell(&["F"], "n_control"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&["F"], "censored_control"), Some(&Value::Int(1)));
        assert!(close(
            float(&table, &["F"], "difference_pp"),
            200.0 / 3.0,
            1e-9
        ));
        // Control share 0: no relative difference.
        assert_eq!(
            table.cell(&["F"], "relative_difference"),
            Some(&Value::Null)
        );
        assert!(close(float(&table, &["M"], "difference_pp"), -50.0, 1e-9));
        assert!(close(
            float(&table, &["(all)"], "difference_pp"),
            (0.6 - 2.0 / 3.0) * 100.0,
            1e-9
        ));
        assert_eq!(
            table.cell(&["(all)"], "censored_treatment"),
            Some(&Value::Int(1))
        );
        assert_eq!(
            table.cell(&["(all)"], "censored_control"),
            Some(&Value::Int(2))
        );
    }

    #[test]
    fn spell_outcome() {
        // 13 consecutive company-based weeks in rel_month 0..6 (spell's by_arm test):
        // treatment P05 (18), P01 (23) of P08 P06 P05 P01 P03 → 2 of 5, P10 censored;
        // control P07 (14), P04 (17) → 2 of 2; P02, P09, P11 censored.
        // -60 pp; pooled 4/7, se sqrt(4/7 × 3/7 × (1/5 + 1/2)) = 0.414039, z = -1.449138.
        let table = run("outcome = \"spell\"", &[], window(0, Some(6)));
        assert_eq!(table.cell(&[], "n_treatment"), Some(&Value::Int(5)));
        assert_eq!(table.cell(&[], "count_control"), Some(&Value::Int(2)));
        assert_eq!(table.cell(&[], "censored_control"), Some(&Value::Int(3)));
        assert!(close(float(&table, &[], "difference_pp"), -60.0, 1e-9));
        assert!(close(float(&table, &[], "z"), -1.449138, 1e-6));
        assert_eq!(table.cell(&[], "min_cell"), Some(&Value::Int(2)));
    }

    #[test]
    fn mean_hours_welch() {
        // Hours per month at rel_month 3, among all (mean_hours' among_all_at_month_three_by_arm):
        // treatment P08 0, P06 40, P05 140, P01 80, P03 0 → mean 52, sd sqrt(3520) = 59.33;
        // control P07 0, P04 70, P02 160.33 → mean 76.7767; difference -24.7767, relative
        // -24.7767 / 76.7767 = -0.32272.
        let table = run(
            "outcome = \"mean_hours\"\n[outcome_params]\nat = 3\n",
            &[],
            window(0, None),
        );
        assert_eq!(table.cell(&[], "n_treatment"), Some(&Value::Int(5)));
        assert_eq!(table.cell(&[], "n_control"), Some(&Value::Int(3)));
        assert!(close(float(&table, &[], "mean_treatment"), 52.0, 1e-9));
        assert!(close(
            float(&table, &[], "sd_treatment"),
            3520f64.sqrt(),
            1e-9
        ));
        assert!(close(
            float(&table, &[], "mean_control"),
            230.33 / 3.0,
            1e-9
        ));
        assert!(close(
            float(&table, &[], "difference"),
            52.0 - 230.33 / 3.0,
            1e-9
        ));
        assert!(close(
            float(&table, &[], "relative_difference"),
            (52.0 - 230.33 / 3.0) / (230.33 / 3.0),
            1e-9
        ));
        let r =
            welch_from_data(&[0.0, 40.0, 140.0, 80.0, 0.0], &[0.0, 70.0, 160.33], 0.95).unwrap();
        for (column, want) in [
            ("ci_lower", r.ci.lower),
            ("ci_upper", r.ci.upper),
            ("t", r.t),
            ("df", r.df),
            ("p_value", r.p_value),
        ] {
            assert!(close(float(&table, &[], column), want, 1e-9), "{column}");
        }
        assert_eq!(table.cell(&[], "censored_treatment"), Some(&Value::Int(1)));
        assert!(table.notes[0].contains("Welch"), "{:?}", table.notes);
    }

    #[test]
    fn mean_among_a_status_counts_the_unobserved_as_censored_and_the_rest_apart() {
        // Issue 10: hours per month at rel_month 3 among paid_hours.
        // treatment P10 P08 P06 P05 P01 P03: P10 not observed at 3 (its panel starts at 8) →
        //   censored 1; observed P08 (0 h), P06 (40), P05 (140), P01 (80), P03 (0 h): paid
        //   P06, P05, P01 → n 3, mean 260 / 3; P08, P03 → not in status 2.
        // control P07 P04 P02 P09 P11: P09 (observed only at 0), P11 (never) → censored 2;
        //   P07 (0 h) not in status 1; P04 (70), P02 (160.33) → n 2, mean 115.165.
        // (mean_hours with the same parameters: n_censored 1 and 2.) Before the fix the
        // persons outside the status were censored too: 3 and 3.
        let table = run(
            "outcome = \"mean_hours\"\n[outcome_params]\nat = 3\namong = \"paid_hours\"\n",
            &[],
            window(0, None),
        );
        let int = |column: &str| table.cell(&[], column).cloned();
        assert_eq!(int("n_treatment"), Some(Value::Int(3)));
        assert_eq!(int("n_control"), Some(Value::Int(2)));
        assert_eq!(int("censored_treatment"), Some(Value::Int(1)));
        assert_eq!(int("censored_control"), Some(Value::Int(2)));
        assert_eq!(int("not_in_status_treatment"), Some(Value::Int(2)));
        assert_eq!(int("not_in_status_control"), Some(Value::Int(1)));
        assert!(close(
            float(&table, &[], "mean_treatment"),
            260.0 / 3.0,
            1e-9
        ));
        assert!(close(
            float(&table, &[], "mean_control"),
            230.33 / 2.0,
            1e-9
        ));
        assert!(
            table.notes.iter().any(|n| n.contains("not_in_status_*")),
            "{:?}",
            table.notes
        );
        // Among all, nobody is outside: no such columns, and the censored are the unobserved.
        let all = run(
            "outcome = \"mean_hours\"\n[outcome_params]\nat = 3\n",
            &[],
            window(0, None),
        );
        assert_eq!(all.column_index("not_in_status_treatment"), None);
        assert_eq!(all.cell(&[], "censored_control"), Some(&Value::Int(2)));
    }

    #[test]
    fn by_municipality_with_an_empty_arm_and_the_spread() {
        // share_ever paid hours from rel_month 0, available (see share_ever_treatment_minus_control):
        // Aalborg: treatment P06 yes, P05 yes → 2/2; control P07 yes → 1/1 → 0 pp.
        // Aarhus: treatment P10 yes, P01 yes → 2/2; control P02 yes → 1/1 → 0 pp.
        // København: only P11 (control, censored) → no treatment person: everything Null.
        // Odense: treatment P08 no, P03 no → 0/2; control P04 yes, P09 yes → 2/2 → -100 pp;
        //   pooled 2/4, se sqrt(0.25 × (1/2 + 1/2)) = 0.5, z = -2, p = 0.0455 (significant).
        // Aalborg and Aarhus have pooled share 1: no z, no p.
        let params = format!("by = \"municipality\"\nspread_min_cell = 1\n{EVER}");
        let table = run(&params, &[], window(0, None));
        let order: Vec<String> = table.rows.iter().map(|r| table.format(0, &r[0])).collect();
        assert_eq!(order, ["Aalborg", "Aarhus", "København", "Odense", "(all)"]);
        assert_eq!(float(&table, &["Aalborg"], "difference_pp"), 0.0);
        assert_eq!(table.cell(&["Aalborg"], "z"), Some(&Value::Null));
        assert_eq!(
            table.cell(&["København"], "n_treatment"),
            Some(&Value::Int(0))
        );
        assert_eq!(
            table.cell(&["København"], "share_treatment"),
            Some(&Value::Null)
        );
        assert_eq!(
            table.cell(&["København"], "censored_control"),
            Some(&Value::Int(1))
        );
        for column in [
            "difference_pp",
            "ci_lower_pp",
            "ci_upper_pp",
            "z",
            "p_value",
        ] {
            assert_eq!(
                table.cell(&["København"], column),
                Some(&Value::Null),
                "{column}"
            );
        }
        assert_eq!(float(&table, &["Odense"], "difference_pp"), -100.0);
        assert!(close(float(&table, &["Odense"], "z"), -2.0, 1e-12));
        assert!(close(
            float(&table, &["Odense"], "p_value"),
            0.0455003,
            1e-6
        ));
        assert!(close(
            float(&table, &["(all)"], "difference_pp"),
            -100.0 / 3.0,
            1e-9
        ));
        // Spread over Aalborg 0, Aarhus 0, Odense -100: mean -33.3, sd sqrt((33.3² × 2 +
        // 66.7²) / 2) = 57.7; min -100 (Odense), max 0 (Aalborg, the first of the tie).
        let spread = table
            .notes
            .iter()
            .find(|n| n.starts_with("spread"))
            .unwrap();
        assert!(
            spread.contains("3 of 3 municipality values")
                && spread.contains(
                    "mean -33.3 pp, sd 57.7 pp, min -100.0 pp (Odense), max 0.0 pp (Aalborg)"
                )
                && spread.contains("significant at p < 0.05: 1 (0 positive, 1 negative)"),
            "{spread}"
        );
        // With the default spread_min_cell (5) every municipality rests on smaller cells.
        let table = run(
            &format!("by = \"municipality\"\n{EVER}"),
            &[],
            window(0, None),
        );
        let spread = table
            .notes
            .iter()
            .find(|n| n.starts_with("spread"))
            .unwrap();
        assert!(
            spread.contains("0 of 3 municipality values") && spread.ends_with("no spread reported"),
            "{spread}"
        );
    }

    #[test]
    fn by_within_groups() {
        // group_by sex, by project; F: treatment P05 (AP) yes, P01 (FSM2) yes, P03 (BIR) no;
        // control P07 (AP) yes, P09 (FSM2) yes. So F/AP 1/1 vs 1/1, F/BIR 0/1 vs none,
        // F/FSM2 1/1 vs 1/1, F/(all) 2/3 vs 2/2.
        let table = run(
            &format!("by = \"project\"\n{EVER}"),
            &["sex"],
            window(0, None),
        );
        let keys: Vec<String> = table
            .rows
            .iter()
            .map(|r| format!("{}/{}", table.format(0, &r[0]), table.format(1, &r[1])))
            .collect();
        assert_eq!(
            keys,
            [
                "F/AP",
                "F/BIR",
                "F/FSM2",
                "F/(all)",
                "M/AP",
                "M/BIR",
                "M/FSM2",
                "M/(all)",
                "(all)/AP",
                "(all)/BIR",
                "(all)/FSM2",
                "(all)/(all)"
            ]
        );
        assert_eq!(table.cell(&["F", "BIR"], "n_control"), Some(&Value::Int(0)));
        assert_eq!(
            table.cell(&["F", "BIR"], "difference_pp"),
            Some(&Value::Null)
        );
        assert_eq!(
            table.cell(&["F", "(all)"], "count_treatment"),
            Some(&Value::Int(2))
        );
        assert_eq!(
            table.cell(&["(all)", "(all)"], "n_treatment"),
            Some(&Value::Int(6))
        );
        // One spread note per sex group and the total.
        assert_eq!(
            table
                .notes
                .iter()
                .filter(|n| n.starts_with("spread"))
                .count(),
            3
        );
    }

    #[test]
    fn suppression_hides_the_difference_resting_on_a_small_cell() {
        // share_ever_treatment_minus_control: the smallest count is 4 (< 5).
        let mut table = run(EVER, &[], window(0, None));
        table.suppress(5);
        for column in [
            "count_treatment",
            "share_control",
            "difference_pp",
            "ci_lower_pp",
            "z",
            "p_value",
            "relative_difference",
        ] {
            assert_eq!(
                table.cell(&[], column),
                Some(&Value::Suppressed),
                "{column}"
            );
        }
        // n_treatment 6 stays.
        assert_eq!(table.cell(&[], "n_treatment"), Some(&Value::Int(6)));
    }

    #[test]
    fn nobody_observed_gives_nulls() {
        // rel_month 19 is past everyone's follow-up: both arms have n 0.
        let table = run(
            "outcome = \"share_at\"\n[outcome_params]\nat = 19\n",
            &[],
            window(0, None),
        );
        assert_eq!(table.cell(&[], "n_treatment"), Some(&Value::Int(0)));
        assert_eq!(table.cell(&[], "censored_treatment"), Some(&Value::Int(6)));
        assert_eq!(table.cell(&[], "difference_pp"), Some(&Value::Null));
        assert_eq!(table.cell(&[], "min_cell"), Some(&Value::Int(0)));
        let table = run(
            "outcome = \"mean_hours\"\n[outcome_params]\nat = 19\n",
            &[],
            window(0, None),
        );
        assert_eq!(table.cell(&[], "mean_treatment"), Some(&Value::Null));
        assert_eq!(table.cell(&[], "difference"), Some(&Value::Null));
    }

    #[test]
    fn the_declared_relations_hold() {
        let names =
            |names: &[&str]| -> Vec<String> { names.iter().map(|n| n.to_string()).collect() };
        let share = [
            "n_treatment",
            "count_treatment",
            "n_control",
            "count_control",
        ];
        let mean = ["n_treatment", "n_control"];
        let censored = ["censored_treatment", "censored_control"];
        let outside = ["not_in_status_treatment", "not_in_status_control"];
        let at_3 = "outcome = \"share_at\"\n[outcome_params]\nat = 3\n";
        let hours = "outcome = \"mean_hours\"\n[outcome_params]\nat = 3\n";
        let among = "outcome = \"mean_hours\"\n[outcome_params]\nat = 3\namong = \"paid_hours\"\n";
        // Parameters, group_by, by, the count columns.
        type Case<'a> = (String, &'a [&'a str], Option<&'a str>, Vec<&'a str>);
        let cases: Vec<Case> = vec![
            (EVER.into(), &[], None, [&share[..], &censored].concat()),
            (
                at_3.into(),
                &["sex"],
                None,
                [&share[..], &censored].concat(),
            ),
            (
                format!("by = \"municipality\"\n{EVER}"),
                &[],
                Some("municipality"),
                [&share[..], &censored].concat(),
            ),
            (
                format!("by = \"project\"\n{EVER}"),
                &["sex"],
                Some("project"),
                [&share[..], &censored].concat(),
            ),
            (
                "outcome = \"spell\"".into(),
                &["sex", "municipality"],
                None,
                [&share[..], &censored].concat(),
            ),
            (
                hours.into(),
                &["project"],
                None,
                [&mean[..], &censored].concat(),
            ),
            (
                format!("by = \"sex\"\n{among}"),
                &["project", "municipality"],
                Some("sex"),
                [&mean[..], &censored, &outside].concat(),
            ),
        ];
        for (params, group_by, by, columns) in cases {
            let to = params.contains("spell").then_some(6);
            let table = run(&params, group_by, window(0, to));
            let case = format!("{params} by {group_by:?}");
            assert_eq!(table.relation_violations(), Vec::<String>::new(), "{case}");
            let mut expected = Vec::new();
            if let Some(first) = group_by.first() {
                expected.push(Relation::GroupsSumToTotal {
                    group: first.to_string(),
                    keys: by.iter().map(|b| b.to_string()).collect(),
                    columns: names(&columns),
                });
            }
            if let Some(by) = by {
                expected.push(Relation::GroupsSumToTotal {
                    group: by.into(),
                    keys: names(group_by),
                    columns: names(&columns),
                });
            }
            assert_eq!(table.relations, expected, "{case}");
        }
        // Published figures: none.
        let metric = resolve(
            "[published.treatment]\nn = 10\ncount = 4\n[published.control]\nn = 10\ncount = 1\n",
        )
        .unwrap();
        assert_eq!(metric.compute_without_data().unwrap().relations, []);
        // Both relations are checked: F/AP's count_treatment 1 -> 2 breaks F's by values and
        // AP's groups.
        let mut table = run(
            &format!("by = \"project\"\n{EVER}"),
            &["sex"],
            window(0, None),
        );
        let c = table.column_index("count_treatment").unwrap();
        assert_eq!(table.rows[0][c], Value::Int(1));
        table.rows[0][c] = Value::Int(2);
        assert_eq!(
            table.relation_violations(),
            [
                "row 8: the groups of count_treatment add up to 2, not 1",
                "row 3: the groups of count_treatment add up to 3, not 2",
            ]
        );
    }

    #[test]
    fn published_shares() {
        // S3-paid18: 19.2% of 1,847 vs 11.8% of 1,880 (docs/statistics.md): difference 7.4 pp,
        // Newcombe 5.1 to 9.7, z 6.25.
        let metric = resolve(
            "outcome = \"share_at\"\noutcome_params = { at = 18 }\n[published.treatment]\nn = 1847\nshare = 0.192\n[published.control]\nn = 1880\nshare = 0.118\n",
        )
        .unwrap();
        assert!(!metric.needs_data());
        assert!(metric.statuses().is_empty());
        let table = metric.compute_without_data().unwrap();
        // The shares rest on the implied counts, which the runner's reference check accepts.
        assert_eq!(table.check_references(), Ok(()));
        assert!(close(float(&table, &[], "difference_pp"), 7.4, 1e-9));
        assert!(close(float(&table, &[], "ci_lower_pp"), 5.1, 0.05));
        assert!(close(float(&table, &[], "ci_upper_pp"), 9.7, 0.05));
        assert!(close(float(&table, &[], "z"), 6.25, 0.005));
        assert!(close(
            float(&table, &[], "count_treatment"),
            0.192 * 1847.0,
            1e-9
        ));
        let t = Proportion::from_share(0.192, 1847.0).unwrap();
        let c = Proportion::from_share(0.118, 1880.0).unwrap();
        let r = compare_proportions(t, c, DiffInterval::Newcombe, 0.95).unwrap();
        assert_eq!(float(&table, &[], "ci_lower_pp"), r.ci.lower * 100.0);
        assert_eq!(float(&table, &[], "p_value"), r.test.p_value.unwrap());
        assert_eq!(
            float(&table, &[], "relative_difference"),
            r.relative_difference.unwrap()
        );
        assert!(
            table.notes[0].starts_with("effect from published figures"),
            "{:?}",
            table.notes
        );
        // An exact count instead of a share.
        let metric = resolve(
            "[published.treatment]\nn = 10\ncount = 4\n[published.control]\nn = 10\ncount = 1\n",
        )
        .unwrap();
        let table = metric.compute_without_data().unwrap();
        assert!(close(float(&table, &[], "difference_pp"), 30.0, 1e-9));
    }

    #[test]
    fn published_means() {
        // S3-hours18's printed means, 4.6 vs 2.75 hours a week, with illustrative sds 9 and 7:
        // Welch from summaries. Without sds: only the difference 1.85 and relative +67.3%.
        let metric = resolve(
            "[published.treatment]\nn = 1847\nmean = 4.6\nsd = 9.0\n[published.control]\nn = 1880\nmean = 2.75\nsd = 7.0\n",
        )
        .unwrap();
        let table = metric.compute_without_data().unwrap();
        let r = welch(
            SampleSummary::new(1847, 4.6, 9.0).unwrap(),
            SampleSummary::new(1880, 2.75, 7.0).unwrap(),
            0.95,
        )
        .unwrap();
        assert_eq!(float(&table, &[], "difference"), r.difference);
        assert_eq!(float(&table, &[], "ci_lower"), r.ci.lower);
        assert_eq!(float(&table, &[], "df"), r.df);
        let metric = resolve(
            "[published.treatment]\nn = 1847\nmean = 4.6\n[published.control]\nn = 1880\nmean = 2.75\n",
        )
        .unwrap();
        let table = metric.compute_without_data().unwrap();
        assert!(close(float(&table, &[], "difference"), 1.85, 1e-12));
        assert!(close(
            float(&table, &[], "relative_difference"),
            1.85 / 2.75,
            1e-12
        ));
        assert_eq!(table.cell(&[], "p_value"), Some(&Value::Null));
        assert!(
            table.notes[0].contains("no interval or test"),
            "{:?}",
            table.notes
        );
    }

    #[test]
    fn bad_published_figures_are_named() {
        let err = |text: &str| resolve(text).err().unwrap();
        let e = err("[published.treatment]\nn = 100\nshare = 19.2\n[published.control]\nn = 100\nshare = 0.1\n");
        assert!(
            e.starts_with("published.treatment.share:") && e.contains("0.192"),
            "{e}"
        );
        let e = err("[published.treatment]\nn = 100\nshare = 0.2\n[published.control]\nn = 100\nmean = 2.0\n");
        assert!(e.starts_with("published:"), "{e}");
        let e = err("[published.treatment]\nn = 100\n[published.control]\nn = 100\nshare = 0.1\n");
        assert!(e.starts_with("published.treatment:"), "{e}");
        let e = err("[published.treatment]\nn = 100\nshare = 0.2\nsd = 1.0\n[published.control]\nn = 100\nshare = 0.1\n");
        assert!(e.contains("not both"), "{e}");
        let e = err("[published.treatment]\nn = 100\nshares = 0.2\n[published.control]\nn = 100\nshare = 0.1\n");
        assert!(e.contains("unknown field `shares`"), "{e}");
        let e = err("by = \"municipality\"\n[published.treatment]\nn = 100\nshare = 0.2\n[published.control]\nn = 100\nshare = 0.1\n");
        assert!(e.starts_with("by:"), "{e}");
        let e = err("outcome = \"mean_hours\"\noutcome_params = { at = 18 }\n[published.treatment]\nn = 100\nshare = 0.2\n[published.control]\nn = 100\nshare = 0.1\n");
        assert!(e.contains("outcome mean_hours is a mean"), "{e}");
    }

    #[test]
    fn bad_outcomes_are_refused_with_the_alternatives() {
        let err = |text: &str| resolve(text).err().unwrap();
        let e = err("outcome = \"shareever\"");
        assert!(
            e.starts_with("outcome: unknown metric \"shareever\""),
            "{e}"
        );
        assert!(
            e.ends_with(
                "metrics with one: share_ever, share_at, mean_hours, spell, outcome_payment"
            ) || e.ends_with("outcome: share_ever, share_at, mean_hours, spell, outcome_payment"),
            "{e}"
        );
        let e = err("outcome = \"monthly_curve\"");
        assert!(
            e.starts_with("outcome: metric \"monthly_curve\" has no person-level outcome"),
            "{e}"
        );
        assert!(
            e.ends_with(
                "metrics with one: share_ever, share_at, mean_hours, spell, outcome_payment"
            ) || e.ends_with("outcome: share_ever, share_at, mean_hours, spell, outcome_payment"),
            "{e}"
        );
        let e = err("outcome = \"effect\"");
        assert!(e.contains("no person-level outcome"), "{e}");
        let e = err("");
        assert!(e.starts_with("outcome: required"), "{e}");
        let e = err("outcome = \"share_at\"");
        assert!(e.starts_with("outcome_params.at:"), "{e}");
        let e = err("outcome = \"share_ever\"\n[outcome_params]\nstatuss = \"x\"\n");
        assert!(
            e.starts_with("outcome_params (of share_ever):")
                && e.contains("unknown field `statuss`"),
            "{e}"
        );
        let e = err("outcome = \"spell\"\nlevel = 95");
        assert!(e.starts_with("level:"), "{e}");
        let e = err("outcome = \"spell\"\ninterval = \"score\"");
        assert!(e.contains("score") && e.contains("newcombe"), "{e}");
        let e = err("outcome = \"spell\"\ntreatment = \"control\"");
        assert!(e.starts_with("treatment, control:"), "{e}");
        let e = err("outcome = \"spell\"\nby = \"arm\"");
        assert!(e.starts_with("by:"), "{e}");
        let e = err("outcome = \"spell\"\nmethods = \"wald\"");
        assert!(e.starts_with("methods:"), "{e}");
        let e = err("outcome = \"spell\"\narms = \"arm\"");
        assert!(e.contains("unknown field `arms`"), "{e}");
    }

    #[test]
    fn bad_columns_and_values_are_named() {
        let e = try_run(
            "outcome = \"spell\"\narm = \"group\"",
            &[],
            window(0, Some(6)),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            e.starts_with("arm: \"group\" is not a cohort column")
                && e.contains("arm, project, municipality"),
            "{e}"
        );
        let e = try_run(
            "outcome = \"spell\"\ntreatment = \"Treatment\"",
            &[],
            window(0, Some(6)),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            e.starts_with("treatment: no cohort person has arm = \"Treatment\"")
                && e.contains("\"control\", \"treatment\""),
            "{e}"
        );
        let e = try_run("outcome = \"spell\"", &["arm"], window(0, Some(6)))
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.starts_with("arm: the arm column \"arm\" is also in group_by"),
            "{e}"
        );
        let e = try_run(
            "outcome = \"spell\"\nby = \"sex\"",
            &["sex"],
            window(0, Some(6)),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.starts_with("by:"), "{e}");
        let e = try_run(
            "outcome = \"spell\"\nby = \"kommune\"",
            &[],
            window(0, Some(6)),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            e.starts_with("by: \"kommune\" is not a cohort column"),
            "{e}"
        );
    }

    #[test]
    fn statuses_check_and_resolved_parameters_come_from_the_outcome() {
        let metric =
            resolve("outcome = \"share_at\"\n[outcome_params]\nat = 6\nstatus = \"flexjob\"\n")
                .unwrap();
        assert_eq!(metric.statuses(), ["flexjob"]);
        assert!(metric.needs_data());
        // The outcome's own check, prefixed.
        let err = metric.check(&window(0, Some(3))).unwrap_err();
        assert!(
            err.starts_with("outcome share_at: at = 6 lies outside"),
            "{err}"
        );
        let metric = resolve("outcome = \"spell\"").unwrap();
        assert_eq!(metric.statuses(), ["paid_hours"]);
        let err = metric.check(&window(0, None)).unwrap_err();
        assert!(
            err.starts_with("outcome spell:") && err.contains("needs window.to"),
            "{err}"
        );
        // explain lists every parameter: the outcome's defaults and the methods.
        let resolved = metric.resolved();
        let inner = resolved["outcome_params"].as_table().unwrap();
        assert_eq!(inner["min_weeks"].as_integer(), Some(13));
        assert_eq!(inner["month_statuses"].as_array().unwrap().len(), 1);
        assert_eq!(resolved["interval"].as_str(), Some("newcombe"));
        assert_eq!(resolved["level"].as_float(), Some(0.95));
        assert_eq!(resolved["arm"].as_str(), Some("arm"));
        let methods = resolved["methods"].as_str().unwrap();
        assert!(
            methods.contains("Newcombe") && methods.contains("z-test"),
            "{methods}"
        );
        let metric =
            resolve("outcome = \"mean_hours\"\noutcome_params = { at = 18, unit = \"week\" }")
                .unwrap();
        let resolved = metric.resolved();
        assert_eq!(resolved["outcome_params"]["among"].as_str(), Some("all"));
        assert!(resolved["methods"].as_str().unwrap().contains("Welch"));
    }
}
