//! `funnel` (spec `metrics.md` §3.14): persons per stage of a programme's intake, from cohort
//! columns (referred, deregistered by reason, not started, active for at least 4 weeks), and for
//! the active persons full and partial self-support in the measured month; the effect is
//! (full + partial) / active. Reproduces 002 (IMPACT60's status of 30.09.2019).
//!
//! Stages (each referred person is in exactly one of the first three):
//! - *deregistered*: the cohort's `deregistration_reason_column` is not empty (its value is the
//!   reason);
//! - *active*: not deregistered, and `active_column` (weeks in the programme) >= `active_weeks`;
//! - *not started*: the rest (not started, or in the programme for fewer weeks; 002's "not started
//!   or referred within 4 weeks").
//!
//! For the active persons, the measured month's panel row decides: `full_status` (default
//! `self_support`) makes full self-support; otherwise `partial_status` (default
//! `partial_self_support`) makes partial self-support. An active person with no panel row in the
//! measured month (not observed) is counted in `active_not_observed` and left out of the effect's
//! denominator, never counted as "not self-supporting".
//!
//! With `published` (the report's own stage counts) the metric needs no dataset and prints the
//! published funnel with its effect, noting where the report's counts disagree with each other.

use super::{resolve, Compute, MetricDef, MetricInput};
use crate::calendar::Month;
use crate::measure::persons::{cohort_text, Persons};
use crate::measure::{check_rel_month, check_year};
use crate::table::{share, Col, Relation, Table, TableBuilder};
use anyhow::{anyhow, Result};
use polars::prelude::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod stages;

use stages::fmt;

pub const DEF: MetricDef = MetricDef {
    name: "funnel",
    summary: "persons per intake stage (referred, deregistered by reason, not started, active) and the active persons' full/partial self-support: effect = (full + partial) / active",
    resolve: resolve::<Funnel>,
    outcome: None,
    window: super::WindowKeys::None,
    followup_end: false,
    example: "[params.published]\nreferred = 118\nderegistered = 35\nnot_started = 18\nactive = 65\nfull_self_support = 9\npartial_self_support = 7\n",
};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Funnel {
    /// The report's stage counts; when given, the funnel is printed from them and no dataset is
    /// read.
    pub published: Option<Published>,
    /// Cohort column holding the deregistration reason; non-empty: deregistered.
    pub deregistration_reason_column: String,
    /// Cohort column holding the weeks in the programme at the measurement (empty: not started).
    pub active_column: String,
    /// Active: at least this many weeks in the programme.
    pub active_weeks: f64,
    /// The month whose statuses count: `"last"` (the panel's last observed calendar month, the
    /// date of a status report), a calendar month `"YYYY-MM"`, or a `rel_month` (integer).
    pub measured_month: MeasuredMonth,
    /// The status of full self-support in the measured month.
    pub full_status: String,
    /// The status of partial self-support (when not full) in the measured month.
    pub partial_status: String,
}

impl Default for Funnel {
    fn default() -> Self {
        Funnel {
            published: None,
            deregistration_reason_column: "deregistration_reason".into(),
            active_column: "weeks_in_programme".into(),
            active_weeks: 4.0,
            measured_month: MeasuredMonth::Last,
            full_status: "self_support".into(),
            partial_status: "partial_self_support".into(),
        }
    }
}

/// The resolved parameters (for `explain`): with published counts only those, since the
/// microdata parameters play no part then.
impl Serialize for Funnel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        if let Some(published) = &self.published {
            let mut out = serializer.serialize_struct("Funnel", 1)?;
            out.serialize_field("published", published)?;
            return out.end();
        }
        let mut out = serializer.serialize_struct("Funnel", 6)?;
        out.serialize_field(
            "deregistration_reason_column",
            &self.deregistration_reason_column,
        )?;
        out.serialize_field("active_column", &self.active_column)?;
        out.serialize_field("active_weeks", &self.active_weeks)?;
        out.serialize_field("measured_month", &self.measured_month)?;
        out.serialize_field("full_status", &self.full_status)?;
        out.serialize_field("partial_status", &self.partial_status)?;
        out.end()
    }
}

/// A funnel as a report prints it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    pub referred: u64,
    pub deregistered: u64,
    /// The deregistrations by reason, in the order printed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
    pub not_started: u64,
    pub active: u64,
    pub full_self_support: u64,
    pub partial_self_support: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
    pub count: u64,
}

/// The measured month.
#[derive(Debug, Clone, PartialEq)]
pub enum MeasuredMonth {
    /// The panel's last observed calendar month.
    Last,
    /// A calendar month `YYYY-MM`.
    Calendar(Month),
    /// A month relative to each person's start month.
    Rel(i32),
}

impl Serialize for MeasuredMonth {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MeasuredMonth::Last => serializer.serialize_str("last"),
            MeasuredMonth::Calendar(month) => serializer.serialize_str(&format!(
                "{:04}-{:02}",
                month.year(),
                month.month_of_year()
            )),
            MeasuredMonth::Rel(k) => serializer.serialize_i64(*k as i64),
        }
    }
}

const MEASURED_MONTH_EXPECTED: &str =
    "measured_month: expected \"last\", a calendar month \"YYYY-MM\" or a rel_month (an integer)";

impl<'de> Deserialize<'de> for MeasuredMonth {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = MeasuredMonth;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(MEASURED_MONTH_EXPECTED)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<MeasuredMonth, E> {
                i32::try_from(v)
                    .map(MeasuredMonth::Rel)
                    .map_err(|_| E::custom(format!("{MEASURED_MONTH_EXPECTED}, got {v}")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<MeasuredMonth, E> {
                i32::try_from(v)
                    .map(MeasuredMonth::Rel)
                    .map_err(|_| E::custom(format!("{MEASURED_MONTH_EXPECTED}, got {v}")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<MeasuredMonth, E> {
                if v == "last" {
                    return Ok(MeasuredMonth::Last);
                }
                Month::parse(v)
                    .map(MeasuredMonth::Calendar)
                    .ok_or_else(|| E::custom(format!("{MEASURED_MONTH_EXPECTED}, got {v:?}")))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The counts of one group.
#[derive(Default, Clone)]
struct Counts {
    referred: u64,
    deregistered: u64,
    reasons: BTreeMap<String, u64>,
    not_started: u64,
    active: u64,
    active_not_observed: u64,
    full: u64,
    partial: u64,
}

/// One stage row: its label, count, and whether it is a share of the active persons.
struct Stage {
    label: String,
    count: u64,
    of_active: bool,
}

impl Funnel {
    fn validate(&self) -> Result<(), String> {
        match self.measured_month {
            MeasuredMonth::Rel(k) => check_rel_month("measured_month", k.into())?,
            MeasuredMonth::Calendar(month) => check_year("measured_month", month)?,
            MeasuredMonth::Last => {}
        }
        if !(self.active_weeks.is_finite() && self.active_weeks >= 0.0) {
            return Err(format!(
                "active_weeks: must be a number of weeks >= 0, got {}",
                self.active_weeks
            ));
        }
        if let Some(p) = &self.published {
            if p.full_self_support + p.partial_self_support > p.active {
                return Err(format!(
                    "published: full_self_support + partial_self_support ({} + {}) exceeds active ({})",
                    p.full_self_support, p.partial_self_support, p.active
                ));
            }
            for (i, r) in p.reasons.iter().enumerate() {
                if r.reason.trim().is_empty() {
                    return Err(format!("published.reasons[{i}].reason: must not be empty"));
                }
                if p.reasons[..i].iter().any(|o| o.reason == r.reason) {
                    return Err(format!(
                        "published.reasons[{i}].reason: \"{}\" is given twice",
                        r.reason
                    ));
                }
            }
        }
        Ok(())
    }

    /// For each person with a panel row in the measured month: (full, partial).
    fn measured(&self, input: &MetricInput<'_>) -> Result<HashMap<u32, (bool, bool)>> {
        let failed = |e: PolarsError| anyhow!("computing funnel: {e}");
        for (key, status) in [
            ("full_status", &self.full_status),
            ("partial_status", &self.partial_status),
        ] {
            if input.months.column(status).is_err() {
                return Err(anyhow!(
                    "{key}: the panel has no status \"{status}\" (a built-in status or one the query defines)"
                ));
            }
        }
        let filter = match &self.measured_month {
            MeasuredMonth::Rel(k) => col("rel_month").eq(lit(*k)),
            MeasuredMonth::Calendar(month) => col("month").eq(lit(month.index())),
            MeasuredMonth::Last => match input.panel.coverage.months {
                Some((_, last)) => col("month").eq(lit(last.index())),
                None => lit(false),
            },
        };
        let frame = input
            .months
            .clone()
            .lazy()
            .filter(filter)
            .select([
                col("person").cast(DataType::UInt32),
                col(self.full_status.as_str())
                    .fill_null(lit(false))
                    .alias("full"),
                col(self.partial_status.as_str())
                    .fill_null(lit(false))
                    .alias("partial"),
            ])
            .collect()
            .map_err(failed)?;
        let person = frame
            .column("person")
            .map_err(failed)?
            .u32()
            .map_err(failed)?;
        let full = frame
            .column("full")
            .map_err(failed)?
            .bool()
            .map_err(failed)?;
        let partial = frame
            .column("partial")
            .map_err(failed)?
            .bool()
            .map_err(failed)?;
        Ok(person
            .iter()
            .zip(full.iter())
            .zip(partial.iter())
            .filter_map(|((p, f), q)| Some((p?, (f.unwrap_or(false), q.unwrap_or(false)))))
            .collect())
    }

    fn measured_label(&self, input: &MetricInput<'_>) -> String {
        match &self.measured_month {
            MeasuredMonth::Rel(k) => format!("rel_month {k}"),
            MeasuredMonth::Calendar(m) => format!("{:04}-{:02}", m.year(), m.month_of_year()),
            MeasuredMonth::Last => match input.panel.coverage.months {
                Some((_, m)) => format!(
                    "{:04}-{:02} (the last observed month)",
                    m.year(),
                    m.month_of_year()
                ),
                None => "the last observed month (none)".into(),
            },
        }
    }
}

impl Compute for Funnel {
    fn statuses(&self) -> Vec<String> {
        if self.published.is_some() {
            return Vec::new();
        }
        vec![self.full_status.clone(), self.partial_status.clone()]
    }

    fn check(&self, _window: &super::Window) -> Result<(), String> {
        self.validate()
    }

    fn cohort_columns(&self) -> Vec<(&'static str, String)> {
        if self.published.is_some() {
            return Vec::new();
        }
        vec![
            (
                "deregistration_reason_column",
                self.deregistration_reason_column.clone(),
            ),
            ("active_column", self.active_column.clone()),
        ]
    }

    fn published(&self) -> Option<Result<Table>> {
        let published = self.published.as_ref()?;
        Some(
            self.validate()
                .map_err(|e| anyhow!(e))
                .map(|()| self.published_table(published)),
        )
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        self.validate().map_err(|e| anyhow!(e))?;
        // Indexed by person.
        let cohort = &input.panel.persons;
        let reasons = cohort_text(
            cohort,
            &self.deregistration_reason_column,
            "deregistration_reason_column",
        )?;
        let weeks_text = cohort_text(cohort, &self.active_column, "active_column")?;
        let measured = self.measured(input)?;

        let person_ids = cohort_text(cohort, "person_id", "person_id")?;

        let persons = Persons::of(input)?;
        let groups = &persons.groups;
        let mut counts = vec![Counts::default(); groups.len()];
        let mut all_reasons: BTreeSet<String> = BTreeSet::new();
        for (row, &person) in persons.ids.iter().enumerate() {
            let p = person as usize;
            let mut add = |f: &dyn Fn(&mut Counts)| {
                for g in groups.counted_in(row) {
                    f(&mut counts[g]);
                }
            };
            add(&|c| c.referred += 1);
            if let Some(reason) = &reasons[p] {
                all_reasons.insert(reason.clone());
                add(&|c| {
                    c.deregistered += 1;
                    *c.reasons.entry(reason.clone()).or_default() += 1;
                });
                continue;
            }
            let weeks = match &weeks_text[p] {
                None => None,
                Some(text) => match text.parse::<f64>() {
                    Ok(w) if w.is_finite() => Some(w),
                    _ => {
                        return Err(anyhow!(
                            "active_column: column \"{}\" has the non-numeric value \"{text}\" (person_id {}); it must hold the weeks in the programme",
                            self.active_column,
                            person_ids[p].as_deref().unwrap_or("?")
                        ))
                    }
                },
            };
            if !weeks.is_some_and(|w| w >= self.active_weeks) {
                add(&|c| c.not_started += 1);
                continue;
            }
            add(&|c| c.active += 1);
            match measured.get(&person) {
                None => add(&|c| c.active_not_observed += 1),
                Some((true, _)) => add(&|c| c.full += 1),
                Some((false, true)) => add(&|c| c.partial += 1),
                Some((false, false)) => {}
            }
        }
        let rows: Vec<(Vec<String>, Counts)> = groups.keys().iter().cloned().zip(counts).collect();
        let reasons: Vec<String> = all_reasons.into_iter().collect();
        let mut table = self.table(input.group_by, &rows, &reasons, true, (true, true));
        table.notes.push(format!(
            "stages from the cohort: deregistered = {} not empty (by its value); active = not deregistered and {} >= {}; not_started = the rest. Self-support of the active persons in {}: full = {}, partial = {} (and not full); active_not_observed: active persons with no panel row that month, left out of the effect",
            self.deregistration_reason_column,
            self.active_column,
            fmt(self.active_weeks),
            self.measured_label(input),
            self.full_status,
            self.partial_status
        ));
        Ok(table)
    }
}

#[cfg(test)]
mod tests;
