//! `hazard_ratio` (the stability of a status, JobFirst's "23% less likely to lose their paid
//! hours", S3-stab): for each person whose first month in a status S lies in the window, the time
//! from that month to the first later month out of S (the event: S lost), censored at the end of
//! follow-up while still in S; the arms are compared by a Cox proportional-hazards model with
//! the arm as the only covariate (treatment = 1, Efron's method for tied times): the hazard ratio
//! of treatment against control, its Wald interval and the Wald p-value, with n and events per
//! arm. The estimator is `crate::stats::cox::hazard_ratio`.
//!
//! Time scale (months since entering S): the first month in S is time 0. The event time is the
//! number of months from it to the first later month not in S (= the length of the spell of
//! consecutive months in S, at least 1). A person still in S in their last observed month is
//! censored at that month's distance from the first month (0 when the first month in S is the
//! last observed one). The window restricts where the first month may lie; the spell is followed
//! to the end of follow-up.
//!
//! The readings the report leaves open (spec `published-figures.md`), by parameter, each
//! defaulting to the shipped one above (`spells = "first"`, `estimate = "cox"`):
//!
//! - `spells = "all"` (`all_spells.rs`): every spell of S that begins in the window, each a Cox
//!   observation on its own clock (gap time). A spell begins in an observed month in S when the
//!   person's previous observed month is not in S, or lies before the window (so a spell already
//!   running at the window's first month begins there, as the first spell does), or does not
//!   exist; it ends at the first later observed month not in S (the event), and the person's last
//!   spell may run to the end of follow-up (censored, as above). The first of them is the shipped
//!   spell. A person's spells are not independent, so the variance is Lin and Wei's robust
//!   sandwich clustered by person (`crate::stats::cox::hazard_ratio_clustered`).
//! - `estimate = "risk_ratio"` with `horizon = H` (`risk_ratio.rs`): among persons whose first
//!   spell begins in the window and who are observed at least H months after its first month,
//!   the share who lost S within H months (spell length at most H), treatment over control,
//!   with the log-scale Wald interval and test (`crate::stats::proportions::risk_ratio`).
//!   Persons followed fewer than H months are left out (counted in `n_short`), whether or not
//!   they lost S, so short follow-up does not favour losing. No default horizon: the report
//!   gives none.

mod all_spells;
mod risk_ratio;

use super::{resolve, Compute, MetricDef, MetricInput, Window};
use crate::measure::common::check_level;
use crate::measure::persons::{cohort_text, Persons};
use crate::measure::MAX_MONTHS;
use crate::stats::cox::{hazard_ratio, CoxCoefficient};
use crate::table::chart::{plain, Forest};
use crate::table::{Chart, Col, Relation, Row, Table, TableBuilder, Value};
use anyhow::{anyhow, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

pub const DEF: MetricDef = MetricDef {
    name: "hazard_ratio",
    summary:
        "hazard of leaving a status after first entering it, treatment vs control (Cox, Efron ties)",
    resolve: resolve::<HazardRatio>,
    outcome: None,
    window: super::WindowKeys::Rel,
    followup_end: false,
    example: "",
};

/// How tied times are handled (only Efron's approximation is implemented; the parameter is
/// there so that `explain` states it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ties {
    Efron,
}

/// The interval and test of the hazard ratio (only Wald's is implemented).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaldOnly {
    Wald,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HazardRatio {
    /// The status S whose loss is the event.
    pub status: String,
    /// The cohort column holding the arm.
    pub arm: String,
    /// Its value for the treatment arm (the covariate = 1).
    pub treatment: String,
    /// Its value for the control arm (the covariate = 0).
    pub control: String,
    /// Confidence level of the interval.
    pub level: f64,
    pub ties: Ties,
    /// The interval: exp(β ± z·se).
    pub ci: WaldOnly,
    /// The test: two-sided Wald test of β = 0.
    pub test: WaldOnly,
    /// Which spells of S: each person's first (shipped) or every one.
    pub spells: Spells,
    /// A Cox hazard ratio (shipped) or a risk ratio of losing S within `horizon` months.
    pub estimate: Estimate,
    /// Months after the first month in S within which losing it counts (`risk_ratio` only; no
    /// default, the report gives none). Signed, so that a negative value is refused by name
    /// rather than by the parser.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub horizon: Option<i64>,
}

/// Which spells of S enter the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Spells {
    /// Each person's first spell beginning in the window.
    First,
    /// Every spell beginning in the window, the variance clustered by person.
    All,
}

/// What compares the arms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimate {
    /// Cox proportional hazards: the hazard ratio.
    Cox,
    /// The share who lost S within `horizon` months, treatment over control.
    RiskRatio,
}

impl Default for HazardRatio {
    fn default() -> Self {
        HazardRatio {
            status: "paid_hours".into(),
            arm: "arm".into(),
            treatment: "treatment".into(),
            control: "control".into(),
            level: 0.95,
            ties: Ties::Efron,
            ci: WaldOnly::Wald,
            test: WaldOnly::Wald,
            spells: Spells::First,
            estimate: Estimate::Cox,
            horizon: None,
        }
    }
}

/// One person with a first month in S in the window.
struct Spell {
    /// Months from the first month in S to the event or the censoring.
    time: u32,
    /// S lost (else censored).
    lost: bool,
    /// `Some(true)` treatment, `Some(false)` control, `None` another (or no) arm value.
    treated: Option<bool>,
    /// Months from the first month in S to the person's last observed month (the censoring
    /// time of a spell not lost): how long the person is followed after entry.
    followed: u32,
}

impl HazardRatio {
    /// `Some(true)` treatment, `Some(false)` control, `None` another (or no) arm value.
    fn treated(&self, arm: Option<&str>) -> Option<bool> {
        match arm {
            Some(a) if a == self.treatment => Some(true),
            Some(a) if a == self.control => Some(false),
            _ => None,
        }
    }
}

impl HazardRatio {
    /// The spell of each of `persons` (in their order), if any.
    fn spells(&self, input: &MetricInput<'_>, persons: &Persons) -> Result<Vec<Option<Spell>>> {
        let failed = |err: PolarsError| anyhow!("computing {}: {err}", DEF.name);
        let arm = cohort_text(&input.panel.persons, &self.arm, "arm")?;
        let size = input.panel.persons.height();
        let (person, rel, status) =
            crate::measure::common::person_month_status(&input.months, &self.status)
                .map_err(failed)?;
        let (from, to) = (input.window.from(), input.window.to.unwrap_or(i32::MAX));
        // First pass: the first month in S in the window. Second: the first later month out of
        // S. Both independent of the row order.
        let mut first: Vec<Option<i32>> = vec![None; size];
        for ((p, m), s) in person.iter().zip(rel.iter()).zip(status.iter()) {
            if let (Some(p), Some(m), Some(true)) = (p, m, s) {
                let f = &mut first[p as usize];
                if m >= from && m <= to && f.is_none_or(|f| m < f) {
                    *f = Some(m);
                }
            }
        }
        let mut exit: Vec<Option<i32>> = vec![None; size];
        for ((p, m), s) in person.iter().zip(rel.iter()).zip(status.iter()) {
            if let (Some(p), Some(m)) = (p, m) {
                let p = p as usize;
                if s != Some(true)
                    && first[p].is_some_and(|f| m > f)
                    && exit[p].is_none_or(|x| m < x)
                {
                    exit[p] = Some(m);
                }
            }
        }
        let mut out = Vec::with_capacity(persons.len());
        for (&p, last) in persons.ids.iter().zip(&persons.followup) {
            let p = p as usize;
            let spell = match (first[p], exit[p], *last) {
                (Some(f), Some(x), _) => Some((f, x - f, true)),
                (Some(f), None, Some(last)) => Some((f, last.max(f) - f, false)),
                _ => None,
            }
            .map(|(f, time, lost)| Spell {
                time: time as u32,
                lost,
                treated: self.treated(arm[p].as_deref()),
                // A person lost S in an observed month, so is observed at least that long.
                followed: last.map_or(time, |last| (last - f).max(time)) as u32,
            });
            out.push(spell);
        }
        Ok(out)
    }
}

impl Compute for HazardRatio {
    fn statuses(&self) -> Vec<String> {
        vec![self.status.clone()]
    }

    fn check_groups(&self, group_by: &[String]) -> Result<(), String> {
        if group_by.contains(&self.arm) {
            return Err(format!(
                "arm: the arm column {:?} is also in group_by; hazard_ratio compares the arms within each group, so leave it out of group_by",
                self.arm
            ));
        }
        Ok(())
    }

    fn cohort_columns(&self) -> Vec<(&'static str, String)> {
        vec![("arm", self.arm.clone())]
    }

    fn check(&self, _window: &Window) -> Result<(), String> {
        if self.treatment == self.control {
            return Err(format!(
                "treatment = control = \"{}\": the two arms must differ",
                self.treatment
            ));
        }
        check_level(self.level)?;
        match (self.estimate, self.horizon) {
            (Estimate::RiskRatio, None) => {
                return Err("horizon: estimate = \"risk_ratio\" needs horizon, the months after the first month in the status within which losing it counts (e.g. horizon = 6); the report gives none, so the query must state it".into())
            }
            (Estimate::RiskRatio, Some(h)) if h < 1 => {
                return Err(format!("horizon = {h}: must be at least 1 month"))
            }
            (Estimate::RiskRatio, Some(h)) if h > i64::from(MAX_MONTHS) => {
                return Err(format!(
                    "horizon = {h}: more than {MAX_MONTHS} months (100 years)"
                ))
            }
            (Estimate::Cox, Some(_)) => {
                return Err("horizon: only estimate = \"risk_ratio\" reads it; the Cox model follows each spell to the end of follow-up (remove horizon, or set estimate = \"risk_ratio\")".into())
            }
            _ => {}
        }
        if self.estimate == Estimate::RiskRatio && self.spells == Spells::All {
            return Err("spells = \"all\": estimate = \"risk_ratio\" compares each person's first spell (a share of persons); every spell needs estimate = \"cox\"".into());
        }
        Ok(())
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        match (self.estimate, self.spells) {
            (Estimate::Cox, Spells::First) => self.first_spell_cox(input),
            (Estimate::Cox, Spells::All) => self.all_spells_cox(input),
            (Estimate::RiskRatio, _) => self.risk_ratio(input),
        }
    }
}

impl HazardRatio {
    /// The shipped reading: a Cox model on each person's first spell.
    fn first_spell_cox(&self, input: &MetricInput<'_>) -> Result<Table> {
        let persons = Persons::of(input)?;
        let spells = self.spells(input, &persons)?;
        let mut t = TableBuilder::new();
        let groups: Vec<_> = t.groups(input.group_by);
        let [n, events, n_treatment, events_treatment, n_control, events_control, n_other_arm, min_cell] =
            [
                "n",
                "events",
                "n_treatment",
                "events_treatment",
                "n_control",
                "events_control",
                "n_other_arm",
                "min_cell",
            ]
            .map(|name| t.persons(name));
        let mut estimate = EstimateColumns::declare(&mut t, "hazard_ratio", min_cell);
        // n and events are the two arms' (persons of another arm are apart, in n_other_arm);
        // every person is in one group, so the groups' counts add up to (all)'s. (min_cell, the
        // smaller arm's events, is in no linear relation.)
        for (whole, parts) in [
            (n, [n_treatment, n_control]),
            (events, [events_treatment, events_control]),
        ] {
            t.relation(Relation::Sum {
                parts: parts.iter().map(|&c| t.name(c)).collect(),
                whole: t.name(whole),
            });
        }
        if let Some(&first) = groups.first() {
            t.relation(Relation::GroupsSumToTotal {
                group: t.name(first),
                keys: Vec::new(),
                columns: [
                    n,
                    events,
                    n_treatment,
                    events_treatment,
                    n_control,
                    events_control,
                    n_other_arm,
                ]
                .iter()
                .map(|&c| t.name(c))
                .collect(),
            });
        }
        let keys = persons.groups.keys();
        for (key, members) in keys.iter().zip(persons.groups.members()) {
            let (mut time, mut lost, mut treated) = (Vec::new(), Vec::new(), Vec::new());
            let mut other = 0i64;
            let mut counts = [[0i64; 2]; 2]; // [control, treatment] × [n, events]
            for i in members {
                let Some(spell) = &spells[i] else {
                    continue;
                };
                match spell.treated {
                    Some(arm) => {
                        time.push(f64::from(spell.time));
                        lost.push(spell.lost);
                        treated.push(arm);
                        counts[usize::from(arm)][0] += 1;
                        counts[usize::from(arm)][1] += i64::from(spell.lost);
                    }
                    None => other += 1,
                }
            }
            let [control, treatment] = counts;
            let mut row = t.row();
            for (&g, k) in groups.iter().zip(key) {
                row.text(g, k.as_str());
            }
            row.int(n, control[0] + treatment[0])
                .int(events, control[1] + treatment[1])
                .int(n_treatment, treatment[0])
                .int(events_treatment, treatment[1])
                .int(n_control, control[0])
                .int(events_control, control[1])
                .int(n_other_arm, other)
                .int(min_cell, treatment[1].min(control[1]));
            let fit = if time.is_empty() {
                Err("nobody with a first month in the status in either arm".to_string())
            } else {
                hazard_ratio(&time, &lost, &treated, self.level)
                    .map(|fit| fit.coefficients[0].into())
                    .map_err(|err| err.to_string())
            };
            estimate.set(&mut row, key, fit);
        }
        let range = input.window.range();
        let status = &self.status;
        let about = format!(
            "persons whose first month in {status} has rel_month {range}; time 0 = that month; event = the first later month not in {status}, at its distance in months (the spell's length); censored at the last observed month while still in {status}"
        );
        let method = format!(
            "hazard_ratio of losing {status}, treatment ({arm} = {t}) vs control ({arm} = {c}): Cox proportional hazards with the arm as the only covariate, Efron's method for tied times; {pct}% Wald interval exp(beta ± z·se) and two-sided Wald p_value; below 1: the treatment arm loses {status} less often; min_cell (the smaller arm's events) carries suppression; n_other_arm: persons with another {arm}, left out",
            arm = self.arm,
            t = self.treatment,
            c = self.control,
            pct = self.level * 100.0,
        );
        let title = format!(
            "hazard ratio of losing {}, treatment vs control ({}% interval)",
            plain(&self.status),
            self.level * 100.0
        );
        Ok(estimate.finish(t, [about, method], &title))
    }
}

/// An estimate with its interval and test: the value, the interval's ends and the p-value.
pub(super) struct Fit {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
    pub p_value: f64,
}

impl From<CoxCoefficient> for Fit {
    fn from(c: CoxCoefficient) -> Fit {
        Fit {
            value: c.hazard_ratio,
            lower: c.lower,
            upper: c.upper,
            p_value: c.p_value,
        }
    }
}

/// The columns every reading ends with, resting on `min_cell`: its estimate (a hazard or risk
/// ratio), the interval's ends and the p-value; and, per group without an estimate, why.
pub(super) struct EstimateColumns {
    name: &'static str,
    columns: [Col; 4],
    failures: Vec<String>,
}

impl EstimateColumns {
    pub(super) fn declare(
        t: &mut TableBuilder,
        name: &'static str,
        min_cell: Col,
    ) -> EstimateColumns {
        let [value, lower, upper] = [name, "lower", "upper"].map(|n| t.mean(n, min_cell, 3));
        let p_value = t.mean("p_value", min_cell, 4);
        EstimateColumns {
            name,
            columns: [value, lower, upper, p_value],
            failures: Vec::new(),
        }
    }

    /// Sets the estimate of the group `key` in its `row`, or notes why there is none.
    pub(super) fn set(&mut self, row: &mut Row<'_>, key: &[String], fit: Result<Fit, String>) {
        match fit {
            Ok(fit) => {
                let values = [fit.value, fit.lower, fit.upper, fit.p_value];
                for (&col, value) in self.columns.iter().zip(values) {
                    row.set(col, Value::Float(value));
                }
            }
            Err(err) => {
                let label = if key.is_empty() {
                    "everyone".to_string()
                } else {
                    key.join(" × ")
                };
                let what = self.name.replace('_', " ");
                self.failures.push(format!("{label}: no {what}: {err}"));
            }
        }
    }

    /// The table, with `notes`, then a note per group without an estimate, and the estimate's
    /// forest plot titled `title`.
    pub(super) fn finish(self, mut t: TableBuilder, notes: [String; 2], title: &str) -> Table {
        for note in notes.into_iter().chain(self.failures) {
            t.note(note);
        }
        t.chart(Chart::Forest(Forest::new(
            self.name, "lower", "upper", 1.0, title,
        )));
        t.build()
    }
}

#[cfg(test)]
mod tests;
