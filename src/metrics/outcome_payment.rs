//! `outcome_payment` (spec `metrics.md` §3.15): IMPACT60's social-impact-bond payment model. For
//! each person, the weeks of full and of partial self-support within a horizon of ISO weeks from
//! the start week [156], priced per week [796 DKK full, 385 DKK partial]; per group the persons,
//! the weeks and the payment, in total and per person. Reproduces 002's payment model ("796 kr.
//! om ugen i 156 uger ... delvis selvforsørgelse (fleksjob eller småjob på under 37 timer om
//! ugen) ... 385 kr. om ugen").
//!
//! A week of the horizon is *observed* when its month (Thursday rule) is one of the person's
//! panel months (inside DREAM's and the income register's coverage). Then:
//! - *full* self-support: the week carries no public-support code (002's "selvforsørgelse": off
//!   benefit; no job is required unless `full_month_status` names one);
//! - *partial* self-support, when not full: the week's DREAM category is one of
//!   `partial_categories` [flexjob], or its month has `partial_month_status`
//!   [`paid_hours_on_benefit`: a small job beside the benefit].
//!
//! Weeks outside coverage are not counted, never as "not self-supporting": each group reports the
//! weeks observed, the persons observed over the whole horizon (`n_complete`) and the mean payment
//! among them beside the mean over everyone observed.

use super::{
    resolve, Compute, MetricDef, MetricInput, OutcomeKind, OutcomeSubsets, PersonOutcome, Window,
};
use crate::measure::check_weeks;
use crate::measure::common::{
    by_group, group, groups_sum_to_total, mark_dominated, mean, persons, polars, population,
    to_table, top_share, Spec,
};
use crate::measure::weeks::{category_index, person_rows, require_columns, MonthFlags, PersonRow};
use crate::table::chart::Bars;
use crate::table::{Chart, Table};
use anyhow::{anyhow, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

pub const DEF: MetricDef = MetricDef {
    name: "outcome_payment",
    summary: "weeks of full and partial self-support within a horizon after start, priced per week (social-impact-bond payment), per group",
    resolve: resolve::<OutcomePayment>,
    outcome: Some(super::OutcomeDef { kind: super::OutcomeKind::Mean, needs_at: false }),
    window: super::WindowKeys::None,
    followup_end: false,
    example: "[params]\nhorizon_weeks = 8\n",
};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutcomePayment {
    /// ISO weeks counted from the start week (the start week is week 1).
    pub horizon_weeks: u32,
    /// DKK per week of full self-support.
    pub price_full: f64,
    /// DKK per week of partial self-support.
    pub price_partial: f64,
    /// When set, a week without a public-support code is full self-support only if its month
    /// also has this status (e.g. `"paid_hours"`: a job required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_month_status: Option<String>,
    /// DREAM categories whose weeks are partial self-support (when not full).
    pub partial_categories: Vec<String>,
    /// A week (not full) whose month has this status is partial self-support.
    pub partial_month_status: String,
}

impl Default for OutcomePayment {
    fn default() -> Self {
        OutcomePayment {
            horizon_weeks: 156,
            price_full: 796.0,
            price_partial: 385.0,
            full_month_status: None,
            partial_categories: vec!["flexjob".into()],
            partial_month_status: "paid_hours_on_benefit".into(),
        }
    }
}

/// One person's weeks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Weeks {
    pub observed: u32,
    pub full: u32,
    pub partial: u32,
}

impl OutcomePayment {
    fn validate(&self) -> Result<Vec<usize>, String> {
        if self.horizon_weeks == 0 {
            return Err("horizon_weeks: must be at least 1 week".into());
        }
        check_weeks("horizon_weeks", self.horizon_weeks)?;
        for (key, price) in [
            ("price_full", self.price_full),
            ("price_partial", self.price_partial),
        ] {
            if !(price.is_finite() && price >= 0.0) {
                return Err(format!("{key}: must be a price in DKK >= 0, got {price}"));
            }
        }
        self.partial_categories
            .iter()
            .map(|c| category_index(c, "partial_categories"))
            .collect()
    }

    fn payment(&self, weeks: &Weeks) -> f64 {
        weeks.full as f64 * self.price_full + weeks.partial as f64 * self.price_partial
    }

    /// Every person of the population with their weeks, in `input.persons` order.
    fn weeks(&self, input: &MetricInput<'_>) -> Result<(Vec<PersonRow>, Vec<Weeks>)> {
        let partial_categories = self.validate().map_err(|e| anyhow!(e))?;
        require_columns(
            input,
            std::slice::from_ref(&self.partial_month_status),
            "partial_month_status",
        )?;
        if let Some(status) = &self.full_month_status {
            require_columns(input, std::slice::from_ref(status), "full_month_status")?;
        }
        let people = person_rows(input, DEF.name)?;
        let horizon = self.horizon_weeks as i32;
        // The horizon's months, relative to each start month: from the start week's month (the
        // month before the start month when the start date's week has its Thursday there, e.g.
        // a start on Friday 1 January in week 53) to the last week's month.
        let lo = people
            .iter()
            .map(|p| p.start_week.month().since(p.start_month))
            .min()
            .unwrap_or(0);
        let hi = people
            .iter()
            .map(|p| {
                p.start_week
                    .offset(horizon - 1)
                    .month()
                    .since(p.start_month)
            })
            .max()
            .unwrap_or(0);
        let partial_flags = MonthFlags::build(
            input,
            &people,
            col(self.partial_month_status.as_str()),
            lo,
            hi,
            DEF.name,
        )?;
        let full_flags = match &self.full_month_status {
            Some(status) => Some(MonthFlags::build(
                input,
                &people,
                col(status.as_str()),
                lo,
                hi,
                DEF.name,
            )?),
            None => None,
        };
        let dream = &input.panel.weeks;
        let weeks = people
            .iter()
            .map(|p| {
                let mut w = Weeks::default();
                for k in 0..horizon {
                    let week = p.start_week.offset(k);
                    let rel = week.month().since(p.start_month);
                    let Some(partial_month) = partial_flags.get(p.person, rel) else {
                        continue;
                    };
                    if !dream.covers(week) {
                        continue;
                    }
                    w.observed += 1;
                    let state = dream.get(p.person, week);
                    let full = !state.public_support()
                        && full_flags
                            .as_ref()
                            .is_none_or(|f| f.get(p.person, rel) == Some(true));
                    if full {
                        w.full += 1;
                    } else if partial_month
                        || state
                            .category()
                            .is_some_and(|c| partial_categories.contains(&c))
                    {
                        w.partial += 1;
                    }
                }
                w
            })
            .collect();
        Ok((people, weeks))
    }
}

impl Compute for OutcomePayment {
    fn statuses(&self) -> Vec<String> {
        let mut statuses = vec![self.partial_month_status.clone()];
        if let Some(status) = &self.full_month_status {
            statuses.push(status.clone());
        }
        statuses
    }

    fn check(&self, window: &Window) -> Result<(), String> {
        self.validate()?;
        if window.to.is_some()
            || window.from.is_some_and(|f| f != 0)
            || window.from_month.is_some()
            || window.to_month.is_some()
        {
            return Err("horizon_weeks: outcome_payment counts the horizon_weeks ISO weeks from each person's start week; the query's [window] is not used (remove it)".into());
        }
        Ok(())
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        let (_, weeks) = self.weeks(input)?;
        let horizon = self.horizon_weeks;
        let included: Vec<bool> = weeks.iter().map(|w| w.observed > 0).collect();
        let complete: Vec<bool> = weeks.iter().map(|w| w.observed == horizon).collect();
        let column = |name: &str, values: Vec<i64>| Column::new(name.into(), values);
        let frame = input
            .persons
            .hstack(&[
                Column::new("included".into(), included),
                Column::new("complete".into(), complete.clone()),
                column(
                    "w_observed",
                    weeks.iter().map(|w| w.observed as i64).collect(),
                ),
                column("w_full", weeks.iter().map(|w| w.full as i64).collect()),
                column(
                    "w_partial",
                    weeks.iter().map(|w| w.partial as i64).collect(),
                ),
                column(
                    "w_full_complete",
                    weeks
                        .iter()
                        .zip(&complete)
                        .map(|(w, &c)| if c { w.full as i64 } else { 0 })
                        .collect(),
                ),
                column(
                    "w_partial_complete",
                    weeks
                        .iter()
                        .zip(&complete)
                        .map(|(w, &c)| if c { w.partial as i64 } else { 0 })
                        .collect(),
                ),
            ])
            .map_err(|e| polars(DEF.name, e))?
            .lazy();
        let sum = |name: &str, alias: &str| col(name).cast(DataType::Int64).sum().alias(alias);
        let aggs = [
            sum("included", "n"),
            col("included")
                .not()
                .cast(DataType::Int64)
                .sum()
                .alias("n_not_observed"),
            sum("complete", "n_complete"),
            sum("w_observed", "weeks_observed"),
            sum("w_full", "weeks_full"),
            sum("w_partial", "weeks_partial"),
            sum("w_full_complete", "full_complete"),
            sum("w_partial_complete", "partial_complete"),
            // The (1, 85%) dominance rule: each sum's largest person.
            top_share(col("w_observed")).alias("top_observed"),
            top_share(col("w_full")).alias("top_full"),
            top_share(col("w_partial")).alias("top_partial"),
            top_share(
                col("w_full").cast(DataType::Float64) * lit(self.price_full)
                    + col("w_partial").cast(DataType::Float64) * lit(self.price_partial),
            )
            .alias("top_payment"),
            top_share(
                col("w_full_complete").cast(DataType::Float64) * lit(self.price_full)
                    + col("w_partial_complete").cast(DataType::Float64) * lit(self.price_partial),
            )
            .alias("top_payment_complete"),
        ];
        let result = by_group(frame, input.group_by, &aggs).map_err(|e| polars(DEF.name, e))?;
        // Payments from the integer week sums: exact and the same in every run.
        let float = |name: &str| col(name).cast(DataType::Float64);
        let (pf, pp) = (lit(self.price_full), lit(self.price_partial));
        let result = result
            .lazy()
            .with_columns([
                (float("weeks_full") * pf.clone() + float("weeks_partial") * pp.clone())
                    .alias("payment"),
                (float("full_complete") * pf + float("partial_complete") * pp)
                    .alias("payment_complete"),
            ])
            .with_columns([
                (col("payment") / float("n")).alias("mean_payment"),
                (float("weeks_full") / float("n")).alias("mean_weeks_full"),
                (float("weeks_partial") / float("n")).alias("mean_weeks_partial"),
                (col("payment_complete") / float("n_complete")).alias("mean_payment_complete"),
            ])
            .collect()
            .map_err(|e| polars(DEF.name, e))?;
        let mut specs: Vec<Spec<'_>> = input.group_by.iter().map(|g| group(g)).collect();
        specs.extend([
            persons("n"),
            persons("n_not_observed"),
            persons("n_complete"),
            mean("weeks_observed", "n", 0),
            mean("weeks_full", "n", 0),
            mean("weeks_partial", "n", 0),
            mean("payment", "n", 0),
            mean("mean_weeks_full", "n", 1),
            mean("mean_weeks_partial", "n", 1),
            mean("mean_payment", "n", 0),
            mean("mean_payment_complete", "n_complete", 0),
        ]);
        let mut table = to_table(&result, &specs)?;
        for (top, columns) in [
            ("top_observed", &["weeks_observed"][..]),
            ("top_full", &["weeks_full", "mean_weeks_full"]),
            ("top_partial", &["weeks_partial", "mean_weeks_partial"]),
            ("top_payment", &["payment", "mean_payment"]),
            ("top_payment_complete", &["mean_payment_complete"]),
        ] {
            mark_dominated(&mut table, &result, top, columns).map_err(|e| polars(DEF.name, e))?;
        }
        // Every person, with their weeks, is in one group: the person counts add up to the
        // total, and so do the group's summed weeks and payment (sums over its persons, shown
        // as statistics over n).
        table.relations.extend(groups_sum_to_total(
            input.group_by,
            &[],
            &[
                "n",
                "n_not_observed",
                "n_complete",
                "weeks_observed",
                "weeks_full",
                "weeks_partial",
                "payment",
            ],
        ));
        // A person with no observed week of the horizon is left out of n.
        table.relations.push(population(&["n", "n_not_observed"]));
        table.notes.push(format!(
            "per person, the ISO weeks 1..{horizon} from the start week whose month (Thursday rule) is observed: full self-support = no public-support code{}; partial (when not full) = a week of {} or in a month with {}; payment = {} DKK × weeks_full + {} DKK × weeks_partial (totals over the group's persons)",
            self.full_month_status
                .as_ref()
                .map_or(String::new(), |s| format!(" in a month with {s}")),
            self.partial_categories.join("/"),
            self.partial_month_status,
            fmt(self.price_full),
            fmt(self.price_partial),
        ));
        table.notes.push(format!(
            "n: persons with at least one observed week of the horizon (n_not_observed: none); weeks after coverage are not counted; n_complete: persons observed for all {horizon} weeks, and mean_payment_complete the mean payment among them"
        ));
        Ok(table.with_chart(Chart::Bars(
            Bars::values(
                &[
                    ("mean_weeks_full", "full self-support"),
                    ("mean_weeks_partial", "partial self-support"),
                ],
                Some("n"),
                &format!("mean weeks per person in weeks 1..{horizon} after start"),
            )
            .stacked(),
        )))
    }

    fn person_outcome(&self, input: &MetricInput<'_>) -> Result<Option<PersonOutcome>> {
        let (people, weeks) = self.weeks(input)?;
        let (person, value): (Vec<u32>, Vec<f64>) = people
            .iter()
            .zip(&weeks)
            .filter(|(_, w)| w.observed == self.horizon_weeks)
            .map(|(p, w)| (p.person, self.payment(w)))
            .unzip();
        let frame = DataFrame::new(
            person.len(),
            vec![
                Column::new("person".into(), person),
                Column::new("value".into(), value),
            ],
        )
        .map_err(|e| polars(DEF.name, e))?;
        Ok(Some(PersonOutcome {
            frame,
            among: None,
            kind: OutcomeKind::Mean,
            label: format!(
                "outcome payment (DKK) over {} weeks from the start week, persons observed throughout",
                self.horizon_weeks
            ),
            subsets: OutcomeSubsets::default(),
        }))
    }
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::testing::{
        assert_relations, check_err, groups_relation, input, mean_outcome, resolve, resolve_err,
        run, run_err, tiny_panel,
    };
    use crate::table::Value;

    fn metric(params: &str) -> Box<dyn crate::metrics::Metric> {
        let m = resolve(&DEF, params);
        m.check(&Window::default()).unwrap();
        m
    }

    /// Each person's (observed, full, partial) weeks, by person_id.
    fn person_weeks(params: &str) -> Vec<(String, Weeks)> {
        let panel = tiny_panel();
        let input = input(&panel, &[], Window::default());
        let p: OutcomePayment = toml::from_str(params).unwrap();
        let (people, weeks) = p.weeks(&input).unwrap();
        let ids = panel
            .persons
            .column("person_id")
            .unwrap()
            .str()
            .unwrap()
            .clone();
        people
            .iter()
            .zip(weeks)
            .map(|(row, w)| (ids.get(row.person as usize).unwrap().to_string(), w))
            .collect()
    }

    /// Asserts the (observed, full, partial) weeks of each person (by person_id) in `expected`
    /// under `params`.
    #[track_caller]
    fn assert_weeks(params: &str, expected: &[(&str, [u32; 3])]) {
        let all = person_weeks(params);
        for &(id, [observed, full, partial]) in expected {
            let (_, got) = all.iter().find(|(p, _)| p == id).expect(id);
            let want = Weeks {
                observed,
                full,
                partial,
            };
            assert_eq!(got, &want, "{id} under {params:?}");
        }
    }

    #[test]
    fn weeks_person_by_person_over_eight_weeks() {
        assert_weeks(
            "horizon_weeks = 8",
            &[
                // P02 starts Fri 2021-01-01, in 2020-W53 (Thursday 31 Dec: December 2020,
                // rel_month -1). Weeks W53, 2021-W01..W07: W53 is 124 (UI) in a December without
                // hours: neither. W01, W02 UI in January (70 h, 2 benefit weeks:
                // paid_hours_on_benefit): partial 2; W03, W04 blank: full 2. W05..W07 (February,
                // 160.33 h, no benefit): full 3. 8 observed, full 5, partial 2.
                ("P02", [8, 5, 2]),
                // P07 starts Mon 2020-10-05 (W41). W41 740 (flexjob_unemployment, not flexjob)
                // in October 2020 with 45 h and benefit: paid_hours_on_benefit, so partial.
                // W42..W44 flexjob (771): partial. W45..W48 flexjob (November): partial. 8
                // partial.
                ("P07", [8, 0, 8]),
                // P03 is in neither register: every week is without a code: 8 full.
                ("P03", [8, 8, 0]),
                // P01 starts Wed 2020-09-30, in W40 (October). W40..W42 730 and W43, W44 737 in
                // an October without hours; W45..W47 737 in November without hours: nothing.
                ("P01", [8, 0, 0]),
                // P10 starts 2019-11-04 (W45 of 2019), long before DREAM's first week
                // (2020-W27): none of its 8 weeks is observed.
                ("P10", [0, 0, 0]),
                // P09 starts Thu 2021-05-20 (W20, May). W20, W21 carry no code (May's 2 benefit
                // weeks are W18, W19): full 2. W22..W27 (June, July) are after the income
                // register's last month: not observed.
                ("P09", [2, 2, 0]),
                // P11 starts 2021-06-09, after the last observed month: nothing observed.
                ("P11", [0, 0, 0]),
                // P04 starts Mon 2020-11-02 (W45): blank DREAM row, W45..W52 in November and
                // December: 8 full.
                ("P04", [8, 8, 0]),
                // P08 starts Mon 2020-08-10 (W33): health benefits throughout (893, 870), no
                // income: 8 weeks, nothing. P06 starts Mon 2020-08-17 (W34): SU (651, no public
                // support) in W34..W41: 8 full.
                ("P08", [8, 0, 0]),
                ("P06", [8, 8, 0]),
            ],
        );
    }

    #[test]
    fn a_job_can_be_required_for_full_self_support() {
        // With full_month_status = "paid_hours", P03 (no register rows, no hours) has no full
        // week and no partial one; P02's W03, W04 (January, 70 h) and W05..W07 (February) stay
        // full: 5.
        assert_weeks(
            "horizon_weeks = 8\nfull_month_status = \"paid_hours\"",
            &[("P03", [8, 0, 0]), ("P02", [8, 5, 2])],
        );
    }

    #[test]
    fn group_totals_and_payment() {
        // horizon 8, by arm, with the (observed, full, partial) weeks of
        // weeks_person_by_person_over_eight_weeks and p05_over_eight_weeks.
        // Control: P07 (8, 0, 8), P04 (8, 8, 0), P02 (8, 5, 2), P09 (2, 2, 0), P11 (0, 0, 0).
        // Treatment: P10 (0, 0, 0), P08 (8, 0, 0), P06 (8, 8, 0), P05 (8, 4, 4), P01 (8, 0, 0),
        // P03 (8, 8, 0).
        let panel = tiny_panel();
        let input = input(&panel, &["arm"], Window::default());
        let table = metric("horizon_weeks = 8").compute(&input).unwrap();
        // Control: n = 4 observed (P11 not), complete: P07, P04, P02 = 3 (P09 has 2 weeks).
        assert_eq!(table.cell(&["control"], "n"), Some(&Value::Int(4)));
        assert_eq!(
            table.cell(&["control"], "n_not_observed"),
            Some(&Value::Int(1))
        );
        assert_eq!(table.cell(&["control"], "n_complete"), Some(&Value::Int(3)));
        // Full: P02 5 + P04 8 + P09 2 = 15; partial: P07 8 + P02 2 = 10.
        let (full, partial) = (15, 10);
        assert_eq!(
            table.cell(&["control"], "weeks_full"),
            Some(&Value::Float(full as f64))
        );
        assert_eq!(
            table.cell(&["control"], "weeks_observed"),
            Some(&Value::Float(26.0))
        );
        let payment = full as f64 * 796.0 + partial as f64 * 385.0;
        assert_eq!(
            table.cell(&["control"], "payment"),
            Some(&Value::Float(payment))
        );
        assert_eq!(
            table.cell(&["control"], "mean_payment"),
            Some(&Value::Float(payment / 4.0))
        );
        // Among the complete: P07 8 × 385, P04 8 × 796, P02 5 × 796 + 2 × 385.
        let complete = 8.0 * 385.0 + 8.0 * 796.0 + 5.0 * 796.0 + 2.0 * 385.0;
        assert_eq!(
            table.cell(&["control"], "mean_payment_complete"),
            Some(&Value::Float(complete / 3.0))
        );
        // Treatment: P10 not observed; P08, P06, P05, P01, P03 observed and complete; full
        // P06 8 + P05 4 + P03 8 = 20, partial P05 4.
        assert_eq!(table.cell(&["treatment"], "n"), Some(&Value::Int(5)));
        assert_eq!(
            table.cell(&["treatment"], "n_complete"),
            Some(&Value::Int(5))
        );
        assert_eq!(
            table.cell(&["treatment"], "weeks_full"),
            Some(&Value::Float(20.0))
        );
        assert_eq!(
            table.cell(&["treatment"], "weeks_partial"),
            Some(&Value::Float(4.0))
        );
        // The total row last.
        assert_eq!(table.cell(&["(all)"], "n"), Some(&Value::Int(9)));
        assert_eq!(table.rows.last().unwrap()[0], Value::Text("(all)".into()));
    }

    #[test]
    fn p05_over_eight_weeks() {
        // P05 starts Mon 2020-09-14 (W38): W38, W39 111 in September (8.5 h on 4 UI weeks:
        // paid hours on benefit): partial 2. W40 111 in October (96 h, 1 UI week): partial;
        // W41..W44 blank: full 4. W45 111 in November (100 h, 1 UI week): partial. 8 observed,
        // full 4, partial 4.
        assert_weeks("horizon_weeks = 8", &[("P05", [8, 4, 4])]);
    }

    #[test]
    fn the_default_horizon_is_censored_for_everyone() {
        // 156 weeks from any tiny start run past DREAM's last week (2021-W26): nobody is
        // complete, the mean among the complete is Null (not NaN) over n_complete 0.
        let panel = tiny_panel();
        let input = input(&panel, &[], Window::default());
        let table = metric("").compute(&input).unwrap();
        assert_eq!(table.cell(&[], "n_complete"), Some(&Value::Int(0)));
        assert_eq!(table.cell(&[], "mean_payment_complete"), Some(&Value::Null));
        // P03 (no register rows), from its start week 2020-W42 (Thursday 15 Oct) through
        // 2021-W21 (the last week of May 2021, the last observed month): 12 + 21 = 33 weeks,
        // all full.
        assert_weeks("", &[("P03", [33, 33, 0])]);
        // The person-level outcome keeps only the complete: nobody.
        let outcome = metric("").person_outcome(&input).unwrap().unwrap();
        assert_eq!(outcome.frame.height(), 0);
    }

    #[test]
    fn person_outcome_is_the_payment_of_the_complete() {
        let panel = tiny_panel();
        let input = input(&panel, &[], Window::default());
        let outcome = metric("horizon_weeks = 8")
            .person_outcome(&input)
            .unwrap()
            .unwrap();
        assert_eq!(outcome.kind, OutcomeKind::Mean);
        // Complete over 8 weeks: P08 P06 P05 P01 P07 P03 P04 P02 (not P10, P09, P11).
        assert_eq!(outcome.frame.height(), 8);
        let values: Vec<f64> = mean_outcome(&outcome).1.into_iter().flatten().collect();
        // P03: 8 × 796.
        assert!(values.contains(&(8.0 * 796.0)));
        // P07: 8 × 385.
        assert!(values.contains(&(8.0 * 385.0)));
    }

    #[test]
    fn groups_add_up_to_the_total() {
        let run = |params: &str, group_by: &[&str]| run(&DEF, params, group_by, Window::default());
        // The persons, then their weeks and payment.
        let persons = ["n", "n_not_observed", "n_complete"];
        let weeks = ["weeks_observed", "weeks_full", "weeks_partial", "payment"];
        let summed = [&persons[..], &weeks].concat();
        assert_relations(&run("horizon_weeks = 8", &[]), &[]);
        assert_relations(
            &run("horizon_weeks = 8", &["arm"]),
            &[groups_relation("arm", &[], &summed)],
        );
        assert_relations(
            &run(
                "horizon_weeks = 30\nfull_month_status = \"paid_hours\"",
                &["municipality", "sex"],
            ),
            &[groups_relation("municipality", &[], &summed)],
        );
        assert_relations(&run("", &["sex"]), &[groups_relation("sex", &[], &summed)]);
    }

    #[test]
    fn bad_parameters_name_the_key() {
        let err = resolve_err(&DEF, "horizon = 156");
        assert!(err.contains("unknown field `horizon`"), "{err}");
        let w = Window::default();
        let err = check_err(&DEF, "partial_categories = [\"fleksjob\"]", &w);
        assert!(
            err.starts_with("partial_categories: unknown DREAM category"),
            "{err}"
        );
        let err = check_err(&DEF, "horizon_weeks = 0", &w);
        assert!(err.starts_with("horizon_weeks"), "{err}");
        let err = check_err(&DEF, "price_full = -1", &w);
        assert!(err.starts_with("price_full"), "{err}");
        let err = check_err(&DEF, "", &Window::rel(None, Some(17)));
        assert!(err.contains("[window] is not used"), "{err}");
        // A status the panel lacks, named by its key.
        let err = run_err(&DEF, "partial_month_status = \"small_job\"", &[], w);
        assert!(err.starts_with("partial_month_status:"), "{err}");
    }
}
