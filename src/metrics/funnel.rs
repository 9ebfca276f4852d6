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
use crate::table::{share, Col, Relation, Table, TableBuilder, ALL};
use anyhow::{anyhow, Result};
use polars::prelude::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const DEF: MetricDef = MetricDef {
    name: "funnel",
    summary: "persons per intake stage (referred, deregistered by reason, not started, active) and the active persons' full/partial self-support: effect = (full + partial) / active",
    resolve: resolve::<Funnel>,
    outcome: None,
    window: super::WindowKeys::None,
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

    fn stages(counts: &Counts, reasons: &[String], data: bool) -> Vec<Stage> {
        let stage = |label: &str, count: u64, of_active: bool| Stage {
            label: label.to_string(),
            count,
            of_active,
        };
        let mut stages = vec![
            stage("referred", counts.referred, false),
            stage("deregistered", counts.deregistered, false),
        ];
        for reason in reasons {
            stages.push(stage(
                &format!("deregistered: {reason}"),
                counts.reasons.get(reason).copied().unwrap_or(0),
                false,
            ));
        }
        stages.push(stage("not_started", counts.not_started, false));
        stages.push(stage("active", counts.active, false));
        if data {
            stages.push(stage(
                "active_not_observed",
                counts.active_not_observed,
                false,
            ));
        }
        stages.extend([
            stage("full_self_support", counts.full, true),
            stage("partial_self_support", counts.partial, true),
            stage("effect", counts.full + counts.partial, true),
        ]);
        stages
    }

    /// The table: per group (in order), one row per stage. `adds_up`: whether referred =
    /// deregistered + not_started + active, and whether the reasons add up to deregistered
    /// (always from microdata; a report's counts may disagree).
    fn table(
        &self,
        group_by: &[String],
        groups: &[(Vec<String>, Counts)],
        reasons: &[String],
        data: bool,
        adds_up: (bool, bool),
    ) -> Table {
        let mut t = TableBuilder::new();
        let group_cols: Vec<Col> = group_by.iter().map(|g| t.group(g.as_str())).collect();
        let stage = t.text("stage");
        let count = t.persons("count");
        let referred = t.persons("referred");
        let share_of_referred = t.share("share_of_referred", count, referred);
        let active = t.persons("active");
        let share_of_active = t.share("share_of_active", count, active);
        self.relations(
            &mut t,
            &group_cols,
            [stage, count, referred, active],
            reasons,
            adds_up,
        );
        for (key, counts) in groups {
            let active_observed = counts.active - counts.active_not_observed;
            for s in Self::stages(counts, reasons, data) {
                let mut row = t.row();
                for (&g, k) in group_cols.iter().zip(key) {
                    row.text(g, k.as_str());
                }
                row.text(stage, s.label)
                    .int(count, s.count as i64)
                    .int(referred, counts.referred as i64)
                    .set(share_of_referred, share(s.count, counts.referred));
                if s.of_active {
                    row.int(active, active_observed as i64)
                        .set(share_of_active, share(s.count, active_observed));
                }
            }
        }
        t.note(format!(
            "effect = (full + partial self-support) / active persons (>= {} weeks in the programme){}; share_of_referred = count / referred",
            fmt(self.active_weeks),
            if data { " observed in the measured month" } else { "" }
        ));
        t.build()
    }

    /// The linear relations among the counts, by stage row within each group: the three
    /// exclusive stages add up to referred, the reasons to deregistered (each as `adds_up`
    /// says), and effect is full + partial. Every person is in one group: the groups' counts
    /// add up to `(all)`'s, stage by stage. (The `referred` and `active` columns repeat counts
    /// of the stage rows, which no relation kind states.)
    fn relations(
        &self,
        t: &mut TableBuilder,
        groups: &[Col],
        [stage, count, referred, active]: [Col; 4],
        reasons: &[String],
        (stages_add_up, reasons_add_up): (bool, bool),
    ) {
        let keys: Vec<String> = groups.iter().map(|&g| t.name(g)).collect();
        let mut sums: Vec<(Vec<String>, &str)> = Vec::new();
        if stages_add_up {
            sums.push((
                vec!["deregistered".into(), "not_started".into(), "active".into()],
                "referred",
            ));
        }
        if reasons_add_up && !reasons.is_empty() {
            sums.push((
                reasons
                    .iter()
                    .map(|r| format!("deregistered: {r}"))
                    .collect(),
                "deregistered",
            ));
        }
        sums.push((
            vec!["full_self_support".into(), "partial_self_support".into()],
            "effect",
        ));
        for (parts, whole) in sums {
            t.relation(Relation::RowsSumToRow {
                keys: keys.clone(),
                label: t.name(stage),
                parts,
                column: t.name(count),
                whole: whole.into(),
                whole_column: t.name(count),
            });
        }
        if let Some(&first) = groups.first() {
            // With several group columns the rows are their combinations and `(all)` is `(all)`
            // in each: the rows not `(all)` in the first are all the combinations.
            t.relation(Relation::GroupsSumToTotal {
                group: t.name(first),
                keys: vec![t.name(stage)],
                columns: vec![t.name(count), t.name(referred), t.name(active)],
            });
        }
    }

    fn published_table(&self, p: &Published) -> Table {
        let counts = Counts {
            referred: p.referred,
            deregistered: p.deregistered,
            reasons: p
                .reasons
                .iter()
                .map(|r| (r.reason.clone(), r.count))
                .collect(),
            not_started: p.not_started,
            active: p.active,
            active_not_observed: 0,
            full: p.full_self_support,
            partial: p.partial_self_support,
        };
        let reasons: Vec<String> = p.reasons.iter().map(|r| r.reason.clone()).collect();
        let stages = p.deregistered + p.not_started + p.active;
        let reason_sum: u64 = p.reasons.iter().map(|r| r.count).sum();
        let adds_up = (stages == p.referred, reason_sum == p.deregistered);
        let mut table = self.table(&[], &[(Vec::new(), counts)], &reasons, false, adds_up);
        table
            .notes
            .push("from the report's published counts (no dataset)".into());
        if stages != p.referred {
            table.notes.push(format!(
                "the published stages do not add up: deregistered + not_started + active = {} + {} + {} = {stages}, referred = {}",
                p.deregistered, p.not_started, p.active, p.referred
            ));
        }
        if !p.reasons.is_empty() {
            let sum: u64 = p.reasons.iter().map(|r| r.count).sum();
            if sum != p.deregistered {
                let agrees = if stages == p.referred {
                    format!(
                        ", which agrees with referred = deregistered + not_started + active ({} + {} + {} = {})",
                        p.deregistered, p.not_started, p.active, p.referred
                    )
                } else {
                    String::new()
                };
                table.notes.push(format!(
                    "the published deregistration reasons sum to {sum}, not to the published deregistered total {}; the table keeps the published total{agrees}",
                    p.deregistered
                ));
            }
        }
        table
    }

    /// A cohort column as text per person (trimmed, empty as `None`); the error names the key.
    fn cohort_text(
        &self,
        input: &MetricInput<'_>,
        name: &str,
        key: &str,
    ) -> Result<HashMap<u32, String>> {
        let persons = &input.panel.persons;
        let failed = |e: PolarsError| anyhow!("computing funnel: reading column {name}: {e}");
        let Ok(column) = persons.column(name) else {
            let names: Vec<&str> = persons
                .get_column_names()
                .into_iter()
                .map(|n| n.as_str())
                .filter(|n| *n != "person")
                .collect();
            return Err(anyhow!(
                "{key}: the cohort has no column \"{name}\" (its columns: {})",
                names.join(", ")
            ));
        };
        let column = column.cast(&DataType::String).map_err(failed)?;
        let person = persons
            .column("person")
            .map_err(failed)?
            .cast(&DataType::UInt32)
            .map_err(failed)?;
        let mut out = HashMap::new();
        for (p, v) in person
            .u32()
            .map_err(failed)?
            .iter()
            .zip(column.str().map_err(failed)?.iter())
        {
            if let (Some(p), Some(v)) = (p, v.map(str::trim).filter(|v| !v.is_empty())) {
                out.insert(p, v.to_string());
            }
        }
        Ok(out)
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

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
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

    fn needs_data(&self) -> bool {
        self.published.is_none()
    }

    fn compute_without_data(&self) -> Result<Table> {
        self.validate().map_err(|e| anyhow!(e))?;
        match &self.published {
            Some(p) => Ok(self.published_table(p)),
            None => Err(anyhow!(
                "published: without published counts the funnel is computed from a dataset"
            )),
        }
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        self.validate().map_err(|e| anyhow!(e))?;
        if let Some(p) = &self.published {
            return Ok(self.published_table(p));
        }
        let reasons = self.cohort_text(
            input,
            &self.deregistration_reason_column,
            "deregistration_reason_column",
        )?;
        let weeks_text = self.cohort_text(input, &self.active_column, "active_column")?;
        let measured = self.measured(input)?;

        let failed = |e: PolarsError| anyhow!("computing funnel: reading the persons: {e}");
        let persons = &input.persons;
        let person = persons
            .column("person")
            .map_err(failed)?
            .cast(&DataType::UInt32)
            .map_err(failed)?;
        let person = person.u32().map_err(failed)?;
        let group_columns: Vec<Vec<String>> = input
            .group_by
            .iter()
            .map(|g| -> Result<Vec<String>> {
                let c = persons
                    .column(g)
                    .map_err(failed)?
                    .cast(&DataType::String)
                    .map_err(failed)?;
                Ok(c.str()
                    .map_err(failed)?
                    .iter()
                    .map(|v| v.unwrap_or_default().to_string())
                    .collect())
            })
            .collect::<Result<_>>()?;
        let person_ids = self.cohort_text(input, "person_id", "person_id")?;

        let mut groups: BTreeMap<Vec<String>, Counts> = BTreeMap::new();
        let mut total = Counts::default();
        let mut all_reasons: BTreeSet<String> = BTreeSet::new();
        for (row, p) in person.iter().enumerate() {
            let Some(p) = p else { continue };
            let key: Vec<String> = group_columns.iter().map(|c| c[row].clone()).collect();
            let counts = groups.entry(key).or_default();
            let mut add = |f: &dyn Fn(&mut Counts)| {
                f(counts);
                f(&mut total);
            };
            add(&|c| c.referred += 1);
            if let Some(reason) = reasons.get(&p) {
                all_reasons.insert(reason.clone());
                add(&|c| {
                    c.deregistered += 1;
                    *c.reasons.entry(reason.clone()).or_default() += 1;
                });
                continue;
            }
            let weeks = match weeks_text.get(&p) {
                None => None,
                Some(text) => match text.parse::<f64>() {
                    Ok(w) if w.is_finite() => Some(w),
                    _ => {
                        return Err(anyhow!(
                            "active_column: column \"{}\" has the non-numeric value \"{text}\" (person_id {}); it must hold the weeks in the programme",
                            self.active_column,
                            person_ids.get(&p).map_or("?", |s| s.as_str())
                        ))
                    }
                },
            };
            if !weeks.is_some_and(|w| w >= self.active_weeks) {
                add(&|c| c.not_started += 1);
                continue;
            }
            add(&|c| c.active += 1);
            match measured.get(&p) {
                None => add(&|c| c.active_not_observed += 1),
                Some((true, _)) => add(&|c| c.full += 1),
                Some((false, true)) => add(&|c| c.partial += 1),
                Some((false, false)) => {}
            }
        }
        let mut rows: Vec<(Vec<String>, Counts)> = if input.group_by.is_empty() {
            Vec::new()
        } else {
            groups.into_iter().collect()
        };
        rows.push((vec![ALL.to_string(); input.group_by.len()], total));
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
mod tests {
    use super::*;
    use crate::metrics::input::{prepare, tiny_panel, Scope};
    use crate::metrics::Window;
    use crate::panel::{Panel, StatusParams};
    use crate::table::Value;

    fn metric(params: &str) -> Box<dyn crate::metrics::Metric> {
        (DEF.resolve)(&toml::from_str(params).unwrap()).unwrap()
    }

    /// The cell of the row whose group columns are `group` and stage is `stage`.
    fn cell<'t>(table: &'t Table, group: &[&str], stage: &str, column: &str) -> &'t Value {
        let c = table.column_index(column).unwrap();
        let s = table.column_index("stage").unwrap();
        table
            .rows
            .iter()
            .find(|r| {
                r[s] == Value::Text(stage.into())
                    && group
                        .iter()
                        .enumerate()
                        .all(|(i, g)| r[i] == Value::Text(g.to_string()))
            })
            .map(|r| &r[c])
            .unwrap_or_else(|| panic!("no row {group:?} / {stage}"))
    }

    const IMPACT60: &str = r#"
        [published]
        referred = 118
        deregistered = 35
        not_started = 18
        active = 65
        full_self_support = 9
        partial_self_support = 7
        [[published.reasons]]
        reason = "not_in_target_group"
        count = 11
        [[published.reasons]]
        reason = "never_showed"
        count = 9
        [[published.reasons]]
        reason = "moved_to_another_offer"
        count = 12
        [[published.reasons]]
        reason = "moved_away"
        count = 2
    "#;

    #[test]
    fn impact60_from_published_counts() {
        let m = metric(IMPACT60);
        m.check(&Window::default()).unwrap();
        assert!(!m.needs_data());
        assert!(m.statuses().is_empty());
        // Only the published counts are resolved parameters then.
        assert_eq!(m.resolved().keys().collect::<Vec<_>>(), ["published"]);
        let table = m.compute_without_data().unwrap();
        let stages: Vec<&Value> = table.rows.iter().map(|r| &r[0]).collect();
        let labels = [
            "referred",
            "deregistered",
            "deregistered: not_in_target_group",
            "deregistered: never_showed",
            "deregistered: moved_to_another_offer",
            "deregistered: moved_away",
            "not_started",
            "active",
            "full_self_support",
            "partial_self_support",
            "effect",
        ];
        assert_eq!(
            stages,
            labels
                .iter()
                .map(|l| Value::Text(l.to_string()))
                .collect::<Vec<_>>()
                .iter()
                .collect::<Vec<_>>()
        );
        // Effect: (9 + 7) / 65 = 16 / 65 = 24.6%, as printed ("25%").
        assert_eq!(cell(&table, &[], "effect", "count"), &Value::Int(16));
        assert_eq!(cell(&table, &[], "effect", "active"), &Value::Int(65));
        assert_eq!(
            cell(&table, &[], "effect", "share_of_active"),
            &Value::Float(16.0 / 65.0)
        );
        assert_eq!(
            table.format(
                table.column_index("share_of_active").unwrap(),
                cell(&table, &[], "effect", "share_of_active")
            ),
            "24.6"
        );
        // Shares of the 118 referred: 35 / 118, 65 / 118.
        assert_eq!(
            cell(&table, &[], "deregistered", "share_of_referred"),
            &Value::Float(35.0 / 118.0)
        );
        assert_eq!(
            cell(&table, &[], "active", "share_of_referred"),
            &Value::Float(65.0 / 118.0)
        );
        assert_eq!(cell(&table, &[], "active", "share_of_active"), &Value::Null);
        // The stages add up (35 + 18 + 65 = 118), the reasons do not (11 + 9 + 12 + 2 = 34).
        assert!(!table.notes.iter().any(|n| n.contains("do not add up")));
        let note = table
            .notes
            .iter()
            .find(|n| n.contains("reasons sum to"))
            .expect("a note on the reasons");
        assert!(note.contains("sum to 34"), "{note}");
        assert!(note.contains("deregistered total 35"), "{note}");
        assert!(note.contains("35 + 18 + 65 = 118"), "{note}");
    }

    #[test]
    fn published_funnel_that_does_not_add_up_is_noted_and_impossible_one_refused() {
        let m = metric(
            "[published]\nreferred = 10\nderegistered = 2\nnot_started = 2\nactive = 5\nfull_self_support = 0\npartial_self_support = 0",
        );
        let table = m.compute_without_data().unwrap();
        // 2 + 2 + 5 = 9 of 10; nobody self-supporting: effect 0 / 5 = 0, not Null.
        assert!(table.notes.iter().any(|n| n.contains("= 9, referred = 10")));
        assert_eq!(
            cell(&table, &[], "effect", "share_of_active"),
            &Value::Float(0.0)
        );
        // No active persons: the effect is Null, not NaN.
        let m = metric(
            "[published]\nreferred = 3\nderegistered = 3\nnot_started = 0\nactive = 0\nfull_self_support = 0\npartial_self_support = 0",
        );
        let table = m.compute_without_data().unwrap();
        assert_eq!(cell(&table, &[], "effect", "share_of_active"), &Value::Null);
        let err = metric(
            "[published]\nreferred = 10\nderegistered = 0\nnot_started = 0\nactive = 5\nfull_self_support = 4\npartial_self_support = 2",
        )
        .check(&Window::default())
        .unwrap_err();
        assert!(err.starts_with("published:"), "{err}");
    }

    /// The tiny panel with two test cohort columns: a deregistration reason and weeks in the
    /// programme, by person (cohort order P10 P08 P06 P05 P01 P07 P03 P04 P02 P09 P11).
    fn tiny_with_columns(reason: [&str; 11], weeks: [&str; 11]) -> Panel {
        let mut panel = tiny_panel();
        let text = |v: [&str; 11]| -> Vec<Option<String>> {
            v.iter()
                .map(|s| (!s.is_empty()).then(|| s.to_string()))
                .collect()
        };
        panel
            .persons
            .with_column(Column::new("deregistration_reason".into(), text(reason)))
            .unwrap();
        panel
            .persons
            .with_column(Column::new("weeks_in_programme".into(), text(weeks)))
            .unwrap();
        panel
    }

    fn run(panel: &Panel, params: &str, group_by: &[&str]) -> Result<Table> {
        let m = metric(params);
        let group_by: Vec<String> = group_by.iter().map(|g| g.to_string()).collect();
        let window = Window::default();
        let statuses = StatusParams::default();
        let input = prepare(panel, Scope::everyone(&group_by, &window, &statuses)).unwrap();
        m.compute(&input)
    }

    //                P10   P08  P06  P05   P01  P07  P03  P04    P02  P09  P11
    const REASONS: [&str; 11] = ["", "moved", "", "", "", "", "", "no_show", "", "", "moved"];
    const WEEKS: [&str; 11] = ["30", "12", "20", "8", "4", "10", "3.5", "", "9", "4", ""];

    #[test]
    fn funnel_from_the_data_in_the_last_observed_month() {
        // Deregistered: P08, P11 (moved), P04 (no_show) = 3. Not started: P03 (3.5 < 4 weeks)
        // = 1 (P04 has no weeks but is deregistered first). Active (>= 4 weeks): P10, P06, P05,
        // P01, P07, P02, P09 = 7. In 2021-05 (the last observed month):
        // full (self_support): P06 (benefit_weeks 0), P01 (0), P02 (0) = 3;
        // partial (partial_self_support): P07 (flexjob), P09 (25 h on 2 social-assistance
        // weeks) = 2; P10 (early retirement, no hours) and P05 (UI) neither.
        // Effect (3 + 2) / 7 = 5/7.
        let panel = tiny_with_columns(REASONS, WEEKS);
        let table = run(&panel, "", &[]).unwrap();
        let count = |stage: &str| cell(&table, &[], stage, "count").clone();
        assert_eq!(count("referred"), Value::Int(11));
        assert_eq!(count("deregistered"), Value::Int(3));
        assert_eq!(count("deregistered: moved"), Value::Int(2));
        assert_eq!(count("deregistered: no_show"), Value::Int(1));
        assert_eq!(count("not_started"), Value::Int(1));
        assert_eq!(count("active"), Value::Int(7));
        assert_eq!(count("active_not_observed"), Value::Int(0));
        assert_eq!(count("full_self_support"), Value::Int(3));
        assert_eq!(count("partial_self_support"), Value::Int(2));
        assert_eq!(count("effect"), Value::Int(5));
        assert_eq!(
            cell(&table, &[], "effect", "share_of_active"),
            &Value::Float(5.0 / 7.0)
        );
        assert_eq!(
            cell(&table, &[], "active", "share_of_referred"),
            &Value::Float(7.0 / 11.0)
        );
        // Reasons sorted by value.
        let s = table.column_index("stage").unwrap();
        assert_eq!(table.rows[2][s], Value::Text("deregistered: moved".into()));
        assert_eq!(
            table.rows[3][s],
            Value::Text("deregistered: no_show".into())
        );
    }

    #[test]
    fn funnel_by_group_and_at_a_rel_month_with_censoring() {
        // At rel_month 4 (each person's start month + 4): the active persons' rows:
        // P10 not observed there (its panel starts at rel_month 8): active_not_observed.
        // P06 rel 4 = 2020-12, benefit 0: full. P05 rel 4 = 2021-01, 4 UI weeks: neither.
        // P01 rel 4 = 2021-01, social assistance with 120 h: partial.
        // P07 rel 4 = 2021-02, flexjob: partial. P02 rel 4 = 2021-05, benefit 0: full.
        // P09: rel 4 is after its follow-up (last rel_month 0): active_not_observed.
        // By arm: treatment active P10, P06, P05, P01 (P08 deregistered, P03 not started):
        //   full 1 (P06), partial 1 (P01), not observed 1 (P10): effect 2 / 3 observed.
        // control active P07, P02, P09 (P04, P11 deregistered):
        //   full 1 (P02), partial 1 (P07), not observed 1 (P09): effect 2 / 2.
        let panel = tiny_with_columns(REASONS, WEEKS);
        let table = run(&panel, "measured_month = 4", &["arm"]).unwrap();
        let t = |stage: &str, column: &str| cell(&table, &["treatment"], stage, column).clone();
        assert_eq!(t("active", "count"), Value::Int(4));
        assert_eq!(t("active_not_observed", "count"), Value::Int(1));
        assert_eq!(t("full_self_support", "count"), Value::Int(1));
        assert_eq!(t("partial_self_support", "count"), Value::Int(1));
        assert_eq!(t("effect", "active"), Value::Int(3));
        assert_eq!(t("effect", "share_of_active"), Value::Float(2.0 / 3.0));
        assert_eq!(t("deregistered: no_show", "count"), Value::Int(0));
        let c = |stage: &str, column: &str| cell(&table, &["control"], stage, column).clone();
        assert_eq!(c("referred", "count"), Value::Int(5));
        assert_eq!(c("deregistered", "count"), Value::Int(2));
        assert_eq!(c("active_not_observed", "count"), Value::Int(1));
        assert_eq!(c("effect", "share_of_active"), Value::Float(1.0));
        // The total: effect 4 / 5 observed active persons.
        assert_eq!(
            cell(&table, &[ALL], "effect", "share_of_active"),
            &Value::Float(4.0 / 5.0)
        );
        // Groups in order, total last; every group has every reason row.
        let arms: Vec<&Value> = table.rows.iter().map(|r| &r[0]).collect();
        assert_eq!(arms.first(), Some(&&Value::Text("control".into())));
        assert_eq!(arms.last(), Some(&&Value::Text(ALL.into())));
        // referred, deregistered, 2 reasons, not_started, active, active_not_observed, full,
        // partial, effect: 10 rows for each of control, treatment and the total.
        assert_eq!(table.rows.len(), 3 * 10);
    }

    #[test]
    fn a_calendar_month_and_nobody_active() {
        // Calendar month 2020-10: P06 (benefit 0) full; P05 (96 h, 1 UI week) partial; P01
        // (social assistance and internship) neither; P07 (flexjob) partial; P10 (UI) neither;
        // P02 (UI) neither; P09 (UI) neither: effect 3 / 7 (everyone is in the panel then).
        let panel = tiny_with_columns(REASONS, WEEKS);
        let table = run(&panel, "measured_month = \"2020-10\"", &[]).unwrap();
        assert_eq!(
            cell(&table, &[], "full_self_support", "count"),
            &Value::Int(1)
        );
        assert_eq!(
            cell(&table, &[], "partial_self_support", "count"),
            &Value::Int(2)
        );
        assert_eq!(
            cell(&table, &[], "effect", "share_of_active"),
            &Value::Float(3.0 / 7.0)
        );
        // With a threshold nobody reaches, no one is active: the effect is Null, not NaN.
        let table = run(&panel, "active_weeks = 100", &[]).unwrap();
        assert_eq!(cell(&table, &[], "active", "count"), &Value::Int(0));
        assert_eq!(cell(&table, &[], "not_started", "count"), &Value::Int(8));
        assert_eq!(cell(&table, &[], "effect", "share_of_active"), &Value::Null);
    }

    /// The relations of a funnel grouped by `group_by` whose reasons are `reasons` (`None`:
    /// they do not add up) and whose stages add up or not.
    fn expected_relations(
        group_by: &[&str],
        stages_add_up: bool,
        reasons: Option<&[&str]>,
    ) -> Vec<Relation> {
        let names =
            |names: &[&str]| -> Vec<String> { names.iter().map(|n| n.to_string()).collect() };
        let sum = |parts: Vec<String>, whole: &str| Relation::RowsSumToRow {
            keys: names(group_by),
            label: "stage".into(),
            parts,
            column: "count".into(),
            whole: whole.into(),
            whole_column: "count".into(),
        };
        let mut relations = Vec::new();
        if stages_add_up {
            relations.push(sum(
                names(&["deregistered", "not_started", "active"]),
                "referred",
            ));
        }
        if let Some(reasons) = reasons.filter(|r| !r.is_empty()) {
            let parts = reasons
                .iter()
                .map(|r| format!("deregistered: {r}"))
                .collect();
            relations.push(sum(parts, "deregistered"));
        }
        relations.push(sum(
            names(&["full_self_support", "partial_self_support"]),
            "effect",
        ));
        if let Some(first) = group_by.first() {
            relations.push(Relation::GroupsSumToTotal {
                group: first.to_string(),
                keys: names(&["stage"]),
                columns: names(&["count", "referred", "active"]),
            });
        }
        relations
    }

    #[test]
    fn the_declared_relations_hold() {
        let panel = tiny_with_columns(REASONS, WEEKS);
        let reasons: &[&str] = &["moved", "no_show"];
        let cases: [(&str, &[&str]); 5] = [
            ("", &[]),
            ("measured_month = 4", &["arm"]),
            ("measured_month = \"2020-10\"", &["sex", "project"]),
            ("active_weeks = 100", &["municipality"]),
            ("measured_month = 9\nactive_weeks = 8", &["project"]),
        ];
        for (params, group_by) in cases {
            let table = run(&panel, params, group_by).unwrap();
            let case = format!("{params} by {group_by:?}");
            assert_eq!(table.relation_violations(), Vec::<String>::new(), "{case}");
            assert_eq!(
                table.relations,
                expected_relations(group_by, true, Some(reasons)),
                "{case}"
            );
        }
        // Nobody deregistered: no reason rows, no relation of theirs.
        let panel = tiny_with_columns([""; 11], WEEKS);
        let table = run(&panel, "", &["arm"]).unwrap();
        assert_eq!(table.relation_violations(), Vec::<String>::new());
        assert_eq!(
            table.relations,
            expected_relations(&["arm"], true, Some(&[]))
        );
        // Published counts: only the sums that hold in them. IMPACT60's stages add up, its
        // reasons do not (34 of 35).
        let published = |params: &str| metric(params).compute_without_data().unwrap();
        let table = published(IMPACT60);
        assert_eq!(table.relation_violations(), Vec::<String>::new());
        assert_eq!(table.relations, expected_relations(&[], true, None));
        let table = published(&IMPACT60.replace("count = 2\n", "count = 3\n"));
        assert_eq!(table.relation_violations(), Vec::<String>::new());
        let all = [
            "not_in_target_group",
            "never_showed",
            "moved_to_another_offer",
            "moved_away",
        ];
        assert_eq!(table.relations, expected_relations(&[], true, Some(&all)));
        let table = published(
            "[published]\nreferred = 10\nderegistered = 2\nnot_started = 2\nactive = 5\nfull_self_support = 0\npartial_self_support = 0",
        );
        assert_eq!(table.relation_violations(), Vec::<String>::new());
        assert_eq!(table.relations, expected_relations(&[], false, Some(&[])));
        // Each is checked: one more active person in the control arm breaks the stages' sum
        // and the groups' sum.
        let mut table = run(&tiny_with_columns(REASONS, WEEKS), "", &["arm"]).unwrap();
        let (s, c) = (
            table.column_index("stage").unwrap(),
            table.column_index("count").unwrap(),
        );
        let r = table
            .rows
            .iter()
            .position(|r| {
                r[0] == Value::Text("control".into()) && r[s] == Value::Text("active".into())
            })
            .unwrap();
        table.rows[r][c] = Value::Int(4);
        assert_eq!(
            table.relation_violations(),
            [
                "row 0: count of the rows deregistered + not_started + active adds up to 6, not count 5",
                "row 25: the groups of count add up to 8, not 7",
            ]
        );
    }

    #[test]
    fn bad_data_and_parameters_name_the_key() {
        let panel = tiny_with_columns(REASONS, WEEKS);
        let err = run(&panel, "active_column = \"weeks\"", &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("active_column: the cohort has no column \"weeks\""),
            "{err}"
        );
        let mut weeks = WEEKS;
        weeks[2] = "four";
        let panel = tiny_with_columns(REASONS, weeks);
        let err = run(&panel, "", &[]).unwrap_err().to_string();
        assert!(err.starts_with("active_column:"), "{err}");
        assert!(err.contains("\"four\" (person_id P06)"), "{err}");
        let err = run(&panel, "partial_status = \"small_job\"", &[])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("partial_status:"), "{err}");

        let resolve_err = |params: &str| {
            (DEF.resolve)(&toml::from_str(params).unwrap())
                .err()
                .unwrap()
        };
        let err = resolve_err("measured_month = \"Sept 2019\"");
        assert!(err.contains("measured_month: expected"), "{err}");
        let err = resolve_err("active_wekes = 4");
        assert!(err.contains("unknown field `active_wekes`"), "{err}");
        let err = resolve_err("[published]\nreferred = 1");
        assert!(err.contains("missing field"), "{err}");
        let err = metric("active_weeks = -1")
            .check(&Window::default())
            .unwrap_err();
        assert!(err.starts_with("active_weeks:"), "{err}");
    }

    #[test]
    fn measured_month_round_trips() {
        for text in [
            "measured_month = 4",
            "measured_month = -2",
            "measured_month = \"2019-09\"",
            "measured_month = \"last\"",
        ] {
            let m = metric(text);
            let resolved = m.resolved();
            let back: toml::Table = toml::from_str(text).unwrap();
            assert_eq!(resolved["measured_month"], back["measured_month"], "{text}");
        }
    }
}
