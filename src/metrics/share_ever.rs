//! `share_ever` (spec `metrics.md` §3.1): the share of persons with at least one month in a status
//! with `rel_month` in the window. Reproduces 004 Table 3 and 001's "69% employed at least one
//! month".
//!
//! Denominator: with `followup = "complete"` the persons observed over the whole window (from its
//! first to its last month); the others are `n_censored`, never silent zeros. With
//! `followup = "available"` every person with at least one observed month in the window counts,
//! over the months observed (the reports' "measured until June 2022"); persons with none are
//! `n_censored`.

use super::{
    resolve, Compute, MetricDef, MetricInput, OutcomeKind, OutcomeSubsets, PersonOutcome, Window,
};
use crate::measure::common::{
    any_in_window, by_group, groups_sum_to_total, polars, population, share_aggs, share_specs,
    to_table,
};
use crate::table::chart::{plain, Bars};
use crate::table::{Chart, Table};
use anyhow::Result;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

pub const DEF: MetricDef = MetricDef {
    name: "share_ever",
    summary: "share of persons with at least one month in a status in the window",
    resolve: resolve::<ShareEver>,
    outcome: Some(super::OutcomeDef {
        kind: OutcomeKind::Share,
        needs_at: false,
    }),
    window: super::WindowKeys::Rel,
    followup_end: true,
    example: "[window]\nto = 6\n[params]\nstatus = \"paid_hours\"\n",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Followup {
    /// Only persons observed over the whole window count.
    Complete,
    /// Everyone counts, over the months observed.
    Available,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShareEver {
    /// The status S (a panel status or one the query defines).
    pub status: String,
    pub followup: Followup,
}

impl Default for ShareEver {
    fn default() -> Self {
        ShareEver {
            status: "paid_hours".into(),
            followup: Followup::Complete,
        }
    }
}

impl ShareEver {
    /// Every person of the population with `ever` (S in some month of the window) and `eligible`
    /// (counted in the denominator).
    fn persons_frame(&self, input: &MetricInput<'_>) -> LazyFrame {
        let from = input.window.from();
        let eligible = match self.followup {
            Followup::Complete => col("first_observed_rel_month")
                .lt_eq(lit(from))
                .and(col("followup_months").gt_eq(lit(input.window.to.unwrap_or(i32::MAX)))),
            Followup::Available => col("observed_months").gt(lit(0i64)),
        };
        any_in_window(input, col(self.status.as_str()), "ever")
            .with_column(eligible.fill_null(lit(false)).alias("eligible"))
    }
}

impl Compute for ShareEver {
    fn statuses(&self) -> Vec<String> {
        vec![self.status.clone()]
    }

    fn check(&self, window: &Window) -> Result<(), String> {
        if self.followup == Followup::Complete && window.to.is_none() {
            return Err("followup = \"complete\" needs window.to, the last month through which persons must be observed (or use followup = \"available\")".into());
        }
        Ok(())
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        let frame = self.persons_frame(input);
        let aggs = share_aggs(col("ever"));
        let result = by_group(frame, input.group_by, &aggs).map_err(|e| polars(DEF.name, e))?;
        let specs = share_specs(input.group_by);
        let mut table = to_table(&result, &specs)?;
        // Every person is in one group, and is counted in n or n_censored.
        table.relations.extend(groups_sum_to_total(
            input.group_by,
            &[],
            &["n", "count", "n_censored"],
        ));
        table.relations.push(population(&["n", "n_censored"]));
        let range = input.window.range();
        table.notes.push(format!(
            "share: persons with {} in at least one month of rel_month {range}, of n ({} follow-up); n_censored: persons not counted for lack of follow-up",
            self.status,
            match self.followup {
                Followup::Complete => "complete",
                Followup::Available => "available",
            }
        ));
        Ok(table.with_chart(Chart::Bars(Bars::shares(
            &[("share", "share")],
            Some("n"),
            &format!("persons with {} at least once (%)", plain(&self.status)),
        ))))
    }

    fn person_outcome(&self, input: &MetricInput<'_>) -> Result<Option<PersonOutcome>> {
        let frame = self
            .persons_frame(input)
            .filter(col("eligible"))
            .select([col("person"), col("ever").alias("value")])
            .collect()
            .map_err(|e| polars(DEF.name, e))?;
        let to = input
            .window
            .to
            .map_or("end".to_string(), |to| to.to_string());
        Ok(Some(PersonOutcome {
            frame,
            among: None,
            kind: OutcomeKind::Share,
            label: format!(
                "{} in some month of rel_month {}..{to}",
                self.status,
                input.window.from()
            ),
            subsets: OutcomeSubsets::default(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::testing::{
        assert_relations, check_err, first_column, groups_relation, resolve_err, run, window,
    };
    use crate::table::Value;

    #[test]
    fn paid_hours_ever_with_available_followup() {
        // rel_month >= 0 and observed: P10 (paid hours Dec 2020, Feb 2021), P06, P05, P01, P07,
        // P04, P02 and P09 (25 hours in its start month, its only observed month) have paid
        // hours from start; P08 and P03 do not; P11 has no observed month from start, so is
        // censored.
        let table = run(&DEF, "followup = \"available\"", &[], window(0, None));
        assert_eq!(table.cell(&[], "n"), Some(&Value::Int(10)));
        assert_eq!(table.cell(&[], "count"), Some(&Value::Int(8)));
        assert_eq!(table.cell(&[], "n_censored"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&[], "share"), Some(&Value::Float(0.8)));
    }

    #[test]
    fn complete_followup_counts_the_short_ones_apart() {
        // Observed through rel_month 6: follow-up ends at 18 (P10, but it is not observed at
        // rel_month 0: left-censored), 9, 9, 8, 8, 7, 7, 6 → 7 persons; P02 (4), P09 (0), P11
        // (-1) and P10 are censored.
        let table = run(&DEF, "", &[], window(0, Some(6)));
        assert_eq!(table.cell(&[], "n"), Some(&Value::Int(7)));
        assert_eq!(table.cell(&[], "n_censored"), Some(&Value::Int(4)));
        // Of P08, P06, P05, P01, P07, P03, P04: paid hours by rel_month 6 for P06, P05, P01,
        // P07, P04.
        assert_eq!(table.cell(&[], "count"), Some(&Value::Int(5)));
    }

    #[test]
    fn groups_are_sorted_and_totalled() {
        let params = "followup = \"available\"\nstatus = \"flexjob\"";
        let table = run(&DEF, params, &["arm"], window(0, None));
        assert_eq!(first_column(&table), ["control", "treatment", "(all)"]);
        // Only P07 (control) has flexjob weeks.
        assert_eq!(table.cell(&["control"], "count"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&["treatment"], "count"), Some(&Value::Int(0)));
    }

    #[test]
    fn groups_add_up_to_the_total() {
        let table = run(&DEF, "", &[], window(0, Some(6)));
        assert_relations(&table, &[]);
        let summed = ["n", "count", "n_censored"];
        let table = run(&DEF, "", &["arm"], window(0, Some(6)));
        assert_relations(&table, &[groups_relation("arm", &[], &summed)]);
        let params = "followup = \"available\"\nstatus = \"any_result\"";
        let table = run(&DEF, params, &["municipality", "sex"], window(-3, None));
        assert_relations(&table, &[groups_relation("municipality", &[], &summed)]);
    }

    #[test]
    fn complete_without_an_end_is_refused() {
        let err = check_err(&DEF, "", &window(0, None));
        assert!(err.contains("needs window.to"), "{err}");
    }

    #[test]
    fn unknown_parameter_is_named() {
        let err = resolve_err(&DEF, "statuss = \"x\"");
        assert!(err.contains("unknown field `statuss`"), "{err}");
        assert!(err.contains("status"), "{err}");
    }

    #[test]
    fn follow_up_to_the_end_date() {
        use crate::metrics::testing::{ints, run_to_end_date};
        // End dates of `testing::tiny_end_dates`; persons followed from rel_month 0 through:
        // P08 4, P06 9, P05 0, P01 4, P07 7, P03 4, P04 2, P02 2, P09 0; P10 and P11 in no month.
        // Available follow-up, paid hours: P06 (3), P05 (0, its only month), P01 (3), P07 (0),
        // P04 (0), P02 (0), P09 (0) → 7 of 9; P08 and P03 never; P10 (whose paid months 13 and
        // 15 now lie after its end) and P11 are censored. To coverage: 8 of 10, 1 censored.
        let table = run_to_end_date(&DEF, "followup = \"available\"", &[], window(0, None));
        assert_eq!(ints(&table, &[], &["n", "count", "n_censored"]), [9, 7, 2]);
        assert_eq!(table.cell(&[], "share"), Some(&Value::Float(7.0 / 9.0)));
        // Complete follow-up through rel_month 6: only P06 (9) and P07 (7) are followed that
        // far, both with paid hours; 9 censored (to coverage: 7 counted, 5 paid, 4 censored).
        let table = run_to_end_date(&DEF, "", &[], window(0, Some(6)));
        assert_eq!(ints(&table, &[], &["n", "count", "n_censored"]), [2, 2, 9]);
    }
}
