//! `time_to_event` (spec `metrics.md` §3.5, "months to employment"): months from the start month
//! to the first month in a status S, right-censored at the end of each person's follow-up (and at
//! an optional horizon). Per group: the Kaplan–Meier cumulative share reaching S by each month with
//! its confidence interval (Greenwood variance, log-log transform), the numbers at risk, events and
//! censored per month, the median and quartiles of the time (or "not reached"); and the log-rank
//! test across the groups. The estimators are `crate::stats::km` and `crate::stats::logrank`.
//!
//! Time origin: the start month is month 0. A person in S in the start month has the event at
//! time 0 (the Kaplan–Meier curve's first step is at month 0: the share reaching S "by the end of
//! month 0" is the share in S in the start month). A person without S in their follow-up is
//! censored at their last observed `rel_month` (capped at the horizon); censored persons count as
//! at risk in the month they are censored in (they were observed in it without the event).
//! Persons not observed at month 0 (coverage starts after their start month, or ends before it)
//! are left out and counted (`n_not_observed`).
//!
//! Layout: for each group (sorted, then `(all)`), one row per month 0..H (`row = "month"`), then
//! one summary row (`row = "summary"`, `rel_month` empty); printed as three tables, the curve,
//! the summary and the test. See `docs/metrics/time_to_event.md`.

use super::{resolve, Compute, MetricDef, MetricInput, Window};
use crate::measure::check_months;
use crate::measure::common::check_level;
use crate::measure::persons::Persons;
use crate::stats::km::{kaplan_meier, KaplanMeier, KmQuantile};
use crate::stats::logrank::logrank;
use crate::table::chart::{plain, Curve};
use crate::table::{CellIs, Chart, Col, Relation, Table, TableBuilder, Value, ALL};
use anyhow::{anyhow, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

mod table;

pub const DEF: MetricDef = MetricDef {
    name: "time_to_event",
    summary: "months from start to the first month in a status: Kaplan-Meier share reached by month, median and quartiles, log-rank test",
    resolve: resolve::<TimeToEvent>,
    outcome: None,
    window: super::WindowKeys::Rel,
    followup_end: true,
    example: "group_by = [\"arm\"]\n[params]\nstatus = \"paid_hours\"\n",
};

/// The confidence interval of the curve (only the log-log interval is implemented; the
/// parameter is there so that `explain` states it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum CurveInterval {
    /// Greenwood variance of log S, interval on log(-log S) (Kalbfleisch–Prentice).
    #[serde(rename = "log-log")]
    LogLog,
}

/// The test across groups (only the unweighted log-rank test is implemented).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum GroupTest {
    #[serde(rename = "log-rank")]
    LogRank,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimeToEvent {
    /// The status S (a panel status or one the query defines).
    pub status: String,
    /// Leave out persons in S at rel_month 0 or in the month before (-1, when observed).
    pub exclude_already: bool,
    /// The last month followed: persons still without S then are censored at it. Unset: the
    /// query's `window.to`, or else the end of each person's follow-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub horizon: Option<u32>,
    /// Confidence level of the intervals.
    pub level: f64,
    pub ci: CurveInterval,
    pub test: GroupTest,
}

impl Default for TimeToEvent {
    fn default() -> Self {
        TimeToEvent {
            status: "employment".into(),
            exclude_already: false,
            horizon: None,
            level: 0.95,
            ci: CurveInterval::LogLog,
            test: GroupTest::LogRank,
        }
    }
}

/// What the metric found for one person of the population.
enum Fate {
    /// Coverage does not include the start month.
    NotObserved,
    /// In S at rel_month 0 or -1, with `exclude_already`.
    Already,
    /// In the analysis: time in months, and whether it is an event (else censored then).
    Timed(u32, bool),
}

const NOT_REACHED: &str = "not reached";

/// One group's fit, computed before any row is written: the periods depend on every group.
pub(super) struct GroupFit {
    fit: Option<KaplanMeier>,
    /// The fit's rows by whole month 0..=the last month.
    months: Option<Vec<crate::stats::km::KmRow>>,
    not_observed: usize,
    already: usize,
}

/// The table's columns.
struct Cols {
    groups: Vec<Col>,
    row: Col,
    from_month: Col,
    rel_month: Col,
    n_at_risk: Col,
    events: Col,
    censored: Col,
    events_cumulative: Col,
    min_cell: Col,
    share_reached: Col,
    lower: Col,
    upper: Col,
    n: Col,
    events_total: Col,
    censored_total: Col,
    median: Col,
    median_lower: Col,
    median_upper: Col,
    q25: Col,
    q75: Col,
    n_not_observed: Col,
    n_already: Option<Col>,
    chi2: Col,
    df: Col,
    p_value: Col,
}

fn int(v: usize) -> Value {
    Value::Int(v as i64)
}

impl TimeToEvent {
    /// The horizon in force: the parameter, else `window.to` (checked to agree in `check`).
    fn horizon(&self, window: &Window) -> Option<u32> {
        self.horizon
            .or_else(|| window.to.map(|to| to.max(0) as u32))
    }

    /// The fate of each of `persons` (in their order).
    fn fates(&self, input: &MetricInput<'_>, persons: &Persons) -> Result<Vec<Fate>> {
        let failed = |err: PolarsError| anyhow!("computing {}: {err}", DEF.name);
        let horizon = self.horizon(input.window);
        let size = input.panel.persons.height();
        // The first month in S from rel_month 0, and whether S holds at rel_month 0 or -1.
        let mut first: Vec<Option<i32>> = vec![None; size];
        let mut already = vec![false; size];
        let (person, rel, status) =
            crate::measure::common::person_month_status(&input.months, &self.status)
                .map_err(failed)?;
        for ((p, m), s) in person.iter().zip(rel.iter()).zip(status.iter()) {
            let (Some(p), Some(m), Some(true)) = (p, m, s) else {
                continue;
            };
            let p = p as usize;
            if m >= 0 && first[p].is_none_or(|f| m < f) {
                first[p] = Some(m);
            }
            if m == 0 || m == -1 {
                already[p] = true;
            }
        }
        let mut fates = Vec::with_capacity(persons.len());
        for ((&p, fo), fu) in persons
            .ids
            .iter()
            .zip(&persons.first_observed)
            .zip(&persons.followup)
        {
            let p = p as usize;
            let fate = match (*fo, *fu) {
                (Some(fo), Some(fu)) if fo <= 0 && fu >= 0 => {
                    if self.exclude_already && already[p] {
                        Fate::Already
                    } else {
                        let end = horizon.map_or(fu as u32, |h| (fu as u32).min(h));
                        match first[p] {
                            Some(t) if (t as u32) <= end => Fate::Timed(t as u32, true),
                            _ => Fate::Timed(end, false),
                        }
                    }
                }
                _ => Fate::NotObserved,
            };
            fates.push(fate);
        }
        Ok(fates)
    }
}

impl Compute for TimeToEvent {
    fn statuses(&self) -> Vec<String> {
        vec![self.status.clone()]
    }

    fn check(&self, window: &Window) -> Result<(), String> {
        if let Some(horizon) = self.horizon {
            check_months("horizon", horizon.into())?;
        }
        if window.from() != 0 {
            return Err(format!(
                "window.from = {}: time_to_event counts months from the start month, so the window starts at 0 (use horizon or window.to for the end)",
                window.from()
            ));
        }
        if let Some(to) = window.to {
            if to < 0 {
                return Err(format!("window.to = {to}: must be 0 or later"));
            }
            if let Some(h) = self.horizon {
                if i64::from(h) != i64::from(to) {
                    return Err(format!(
                        "horizon = {h} and window.to = {to} disagree: set one of them"
                    ));
                }
            }
        }
        check_level(self.level)
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        let persons = Persons::of(input)?;
        let fates = self.fates(input, &persons)?;
        let last_month = self.horizon(input.window).or_else(|| {
            fates
                .iter()
                .filter_map(|f| match f {
                    Fate::Timed(t, _) => Some(*t),
                    _ => None,
                })
                .max()
        });
        let groups = &persons.groups;
        let members = groups.members();
        let mut notes = Vec::new();
        // The log-rank test across the groups (not the total), held on the total's summary row
        // and printed as the test table.
        let mut test = None;
        if !input.group_by.is_empty() {
            let mut time = Vec::new();
            let mut event = Vec::new();
            let mut label = Vec::new();
            for (g, members) in members[..groups.total()].iter().enumerate() {
                for &i in members {
                    if let Fate::Timed(t, e) = fates[i] {
                        time.push(f64::from(t));
                        event.push(e);
                        label.push(g);
                    }
                }
            }
            match logrank(&time, &event, &label) {
                Ok(lr) => {
                    test = Some((lr.test.statistic, lr.test.df, lr.test.p_value));
                    notes.push(format!(
                        "log-rank test (unweighted, hypergeometric variance) of equal time to {} across the groups of {}: chi2, df and p_value in the test table",
                        self.status,
                        input.group_by.join(" × ")
                    ));
                }
                Err(err) => notes.push(format!(
                    "log-rank test across the groups of {} not computed: {err}",
                    input.group_by.join(" × ")
                )),
            }
        }
        let mut table = TableBuilder::new();
        let cols = self.columns(&mut table, input.group_by);
        self.parts(&mut table, &cols, test.is_some());
        let fits: Vec<GroupFit> = members
            .iter()
            .map(|members| {
                let members: Vec<&Fate> = members.iter().map(|&i| &fates[i]).collect();
                self.fit_group(&members, last_month)
            })
            .collect::<Result<_>>()?;
        let periods = match last_month {
            Some(last) => table::periods(&fits, last, input.pool_below),
            None => table::Periods {
                spans: Vec::new(),
                pool_below: input.pool_below,
            },
        };
        let pooled = periods.spans.iter().any(|(from, to)| from != to);
        for (g, (key, fit)) in groups.keys().iter().zip(&fits).enumerate() {
            let test = if g == groups.total() { test } else { None };
            self.group_rows(&mut table, &cols, key, fit, &periods, test)?;
        }
        let end = match self.horizon(input.window) {
            Some(h) => {
                format!("the last observed month or month {h} (the horizon), whichever comes first")
            }
            None => "the last observed month".to_string(),
        };
        let mut definition = format!(
            "time: rel_month of the first month in {} (0 = the start month: in {} then is an event at time 0), right-censored at {end}; persons not observed at rel_month 0 are left out (n_not_observed)",
            self.status, self.status
        );
        if self.exclude_already {
            definition.push_str(&format!(
                "; persons in {} at rel_month 0 or -1 are left out (n_already)",
                self.status
            ));
        }
        table.note(definition);
        table.note(format!(
            "curve: n_at_risk at the start of the month (followed into it without the event before), events and censored in the month, events_cumulative through it; share_reached = 1 - S(month), the Kaplan-Meier share in {} by the end of the month, with a {}% interval (lower, upper) from Greenwood's variance on the log-log scale; empty where nobody is at risk; min_cell (the smallest non-zero of n_at_risk, events, censored and events_cumulative) carries suppression",
            self.status,
            self.level * 100.0
        ));
        table.note(format!(
            "summary (a row per group): n = persons in the analysis, events_total and censored_total; median, q25, q75 = months by which 50%, 25%, 75% have reached {} (smallest month where 1 - S reaches the share, the midpoint where the curve is flat exactly at it, as R's survival package), median_lower/median_upper from the interval's curves (Brookmeyer-Crowley); \"{NOT_REACHED}\" within follow-up",
            self.status
        ));
        if pooled {
            table.note(format!(
                "months are pooled into periods (from_month to rel_month) until each period's events and censored are 0 or at least {} in every group, so that no small count can be read off the curve's steps; n_at_risk is at the period's start, share_reached at its end",
                input.pool_below.unwrap_or_default()
            ));
        }
        for note in notes {
            table.note(note);
        }
        table.chart(Chart::Curve(
            Curve::new(
                "rel_month",
                "share_reached",
                "months after start (0 = the start month)",
                &format!(
                    "persons in {} (%, Kaplan–Meier, {}% band)",
                    plain(&self.status),
                    self.level * 100.0
                ),
            )
            .rows_where("row", "month")
            .steps_from("from_month")
            .censored("censored")
            .band("lower", "upper")
            .persons("n_at_risk", "number at risk")
            .caption("log-rank test across the groups, p", "p_value"),
        ));
        Ok(table.build())
    }
}

#[cfg(test)]
mod tests;
