//! `hours_progression` (spec `metrics.md` §3.7): among persons with paid hours in the window, the
//! mean monthly hours in their first and in their last month with paid hours, the relative change
//! of the means, and the shares whose hours rose, stayed or fell. Reproduces 004 Figures 7–8
//! (S4-F7, S4-F8).
//!
//! Hours are the month's `hours` (summed over all employers: any employer, any kind of job, the
//! months need not be consecutive). A person with one month with paid hours counts as unchanged
//! (`n_one_month` says how many). The relative change is of the group's means
//! (`mean_last / mean_first - 1`, as 004 computes 57 -> 79 = +39%), not a mean of personal ratios.
//! Nothing is censored: each person is followed over the months observed in the window.

use super::{resolve, Compute, MetricDef, MetricInput, Window};
use crate::measure::common::{
    by_group, every_person, group, groups_sum_to_total, in_window, mark_dominated, mean, persons,
    polars, row_sum, share_of, stable_mean, to_table, top_share, Spec,
};
use crate::table::chart::Bars;
use crate::table::{Chart, Table};
use anyhow::Result;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

pub const DEF: MetricDef = MetricDef {
    name: "hours_progression",
    summary:
        "monthly hours in the first and the last month with paid hours: means, rose / stayed / fell",
    resolve: resolve::<HoursProgression>,
    outcome: None,
    window: super::WindowKeys::Rel,
    followup_end: true,
    example: "[window]\nto = 8\n",
};

/// Differences within this many hours of the tolerance count as within it, so that sums of
/// two-decimal hours (e.g. 30.1 + 40.2 against 70.3) are not split by floating-point noise.
const PRECISION: f64 = 1e-6;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HoursProgression {
    /// The status whose months count as months with paid hours.
    pub status: String,
    /// Hours of change (either way) that still count as unchanged.
    pub unchanged_tolerance: f64,
    /// What a person with one month in the status is: `"unchanged"` (their first month is their
    /// last) or `"excluded"` (left out of `n`, as a reading of 004 that compares two months).
    pub one_month: OneMonth,
}

/// [`HoursProgression::one_month`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OneMonth {
    Unchanged,
    Excluded,
}

impl Default for HoursProgression {
    fn default() -> Self {
        HoursProgression {
            status: "paid_hours".into(),
            unchanged_tolerance: 0.0,
            one_month: OneMonth::Unchanged,
        }
    }
}

impl Compute for HoursProgression {
    fn statuses(&self) -> Vec<String> {
        vec![self.status.clone()]
    }

    fn check(&self, _window: &Window) -> Result<(), String> {
        if !(self.unchanged_tolerance >= 0.0 && self.unchanged_tolerance.is_finite()) {
            return Err(format!(
                "unchanged_tolerance = {}: must be a number of hours >= 0",
                self.unchanged_tolerance
            ));
        }
        Ok(())
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        let failed = |err| polars(DEF.name, err);
        let by_month = || col("hours").sort_by([col("rel_month")], SortMultipleOptions::default());
        let per_person = in_window(input.months.clone().lazy(), input.window)
            .filter(col(self.status.as_str()))
            .group_by([col("person")])
            .agg([
                by_month().first().alias("first_hours"),
                by_month().last().alias("last_hours"),
                len().cast(DataType::Int64).alias("months_in_status"),
            ]);
        // Every person of the population, so that a group where nobody has paid hours shows n 0.
        let mut frame = every_person(input, per_person);
        if self.one_month == OneMonth::Excluded {
            // Left out of n and of every mean, but still counted in n_one_month.
            let kept = |name: &str| {
                when(col("months_in_status").gt(lit(1i64)))
                    .then(col(name))
                    .otherwise(lit(NULL))
                    .alias(name)
            };
            frame = frame.with_columns([kept("first_hours"), kept("last_hours")]);
        }
        let frame = frame.with_column((col("last_hours") - col("first_hours")).alias("change"));
        let tolerance = self.unchanged_tolerance + PRECISION;
        let count = |flag: Expr, name: &str| flag.cast(DataType::Int64).sum().alias(name);
        let aggs = [
            count(col("first_hours").is_not_null(), "n"),
            count(col("months_in_status").eq(lit(1i64)), "n_one_month"),
            stable_mean(col("first_hours"), 6).alias("mean_first"),
            stable_mean(col("last_hours"), 6).alias("mean_last"),
            count(col("change").gt(lit(tolerance)), "count_rose"),
            count(col("change").abs().lt_eq(lit(tolerance)), "count_unchanged"),
            count(col("change").lt(lit(-tolerance)), "count_fell"),
            top_share(col("first_hours")).alias("top_share_first"),
            top_share(col("last_hours")).alias("top_share_last"),
        ];
        let result = by_group(frame, input.group_by, &aggs)
            .and_then(|result| {
                result
                    .lazy()
                    .with_column(
                        (col("mean_last") / col("mean_first") - lit(1.0)).alias("relative_change"),
                    )
                    .collect()
            })
            .map_err(failed)?;
        let mut specs: Vec<Spec<'_>> = input.group_by.iter().map(|g| group(g)).collect();
        specs.extend([
            persons("n"),
            persons("n_one_month"),
            mean("mean_first", "n", 1),
            mean("mean_last", "n", 1),
            mean("relative_change", "n", 3),
            persons("count_rose"),
            share_of("share_rose", "count_rose", "n"),
            persons("count_unchanged"),
            share_of("share_unchanged", "count_unchanged", "n"),
            persons("count_fell"),
            share_of("share_fell", "count_fell", "n"),
        ]);
        let mut table = to_table(&result, &specs)?;
        mark_dominated(
            &mut table,
            &result,
            "top_share_first",
            &["mean_first", "relative_change"],
        )
        .and_then(|()| {
            mark_dominated(
                &mut table,
                &result,
                "top_share_last",
                &["mean_last", "relative_change"],
            )
        })
        .map_err(failed)?;
        // Each of the n persons has hours in a first and a last month (hours are never null), so
        // rose, unchanged and fell split them; every person is in one group.
        table.relations.push(row_sum(
            &["count_rose", "count_unchanged", "count_fell"],
            "n",
        ));
        table.relations.extend(groups_sum_to_total(
            input.group_by,
            &[],
            &[
                "n",
                "n_one_month",
                "count_rose",
                "count_unchanged",
                "count_fell",
            ],
        ));
        let range = input.window.range();
        table.notes.push(format!(
            "n: persons with a month in {status} with rel_month {range}; mean_first / mean_last: mean monthly hours in their first / last such month; relative_change = mean_last / mean_first - 1; rose / unchanged / fell: last - first hours > {tol}, within ±{tol}, < -{tol} ({one_month})",
            status = self.status,
            tol = self.unchanged_tolerance,
            one_month = match self.one_month {
                OneMonth::Unchanged => "one such month: unchanged",
                OneMonth::Excluded =>
                    "persons with one such month are left out of n and counted in n_one_month",
            },
        ));
        Ok(table.with_chart(Chart::Bars(
            Bars::shares(
                &[
                    ("share_rose", "rose"),
                    ("share_unchanged", "unchanged"),
                    ("share_fell", "fell"),
                ],
                Some("n"),
                "hours from the first to the last month with hours (% of persons)",
            )
            .stacked(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::common::row_sum;
    use crate::metrics::testing::{
        assert_close, assert_relations, check_err, float, groups_relation, int, ints, resolve_err,
        run, window,
    };
    use crate::table::Value;

    /// The persons whose hours rose, stayed and fell.
    const CHANGES: [&str; 3] = ["count_rose", "count_unchanged", "count_fell"];

    #[test]
    fn first_and_last_paid_month_from_start() {
        // Months with paid hours at rel_month >= 0, first -> last:
        // P10 30 (13) -> 12 (15) fell; P06 40 (3) -> 20 (7) fell; P05 8.5 (0) -> 140 (3) rose
        // (its 0.50 h at 6 is not paid_hours); P01 80 (3) -> 150 (8) rose; P07 45 (0) -> 72.5
        // (7) rose, not consecutive (Jan 2021 unpaid); P04 155 (0) -> 120 (6) fell; P02 70
        // (0) -> 160.33 (4) rose; P09 25 (0) only: unchanged, one month.
        // first: 30 + 40 + 8.5 + 80 + 45 + 155 + 70 + 25 = 453.5, mean 56.6875;
        // last: 12 + 20 + 140 + 150 + 72.5 + 120 + 160.33 + 25 = 699.83, mean 87.47875;
        // relative change 699.83 / 453.5 - 1.
        let table = run(&DEF, "", &[], window(0, None));
        assert_eq!(ints(&table, &[], &["n", "n_one_month"]), [8, 1]);
        assert_close(float(&table, &[], "mean_first"), 56.6875);
        assert_close(float(&table, &[], "mean_last"), 87.47875);
        assert_close(float(&table, &[], "relative_change"), 699.83 / 453.5 - 1.0);
        assert_eq!(ints(&table, &[], &CHANGES), [4, 1, 3]);
        assert_eq!(table.cell(&[], "share_rose"), Some(&Value::Float(0.5)));
        assert_eq!(
            table.cell(&[], "share_fell"),
            Some(&Value::Float(3.0 / 8.0))
        );
    }

    #[test]
    fn one_month_persons_left_out() {
        // As above, without P09 (25 h in one month): n 7, n_one_month still 1; first 428.5 / 7,
        // last 674.83 / 7; rose 4, unchanged 0, fell 3.
        let table = run(&DEF, "one_month = \"excluded\"", &[], window(0, None));
        assert_eq!(ints(&table, &[], &["n", "n_one_month"]), [7, 1]);
        assert_close(float(&table, &[], "mean_first"), 428.5 / 7.0);
        assert_close(float(&table, &[], "mean_last"), 674.83 / 7.0);
        assert_eq!(ints(&table, &[], &CHANGES), [4, 0, 3]);
        assert!(table.notes[0].contains("left out of n"));
        assert!(resolve_err(&DEF, "one_month = \"dropped\"").contains("unknown variant"));
    }

    #[test]
    fn tolerance_is_inclusive() {
        // Changes: P10 -18, P06 -20, P05 +131.5, P01 +70, P07 +27.5, P04 -35 (exactly the
        // tolerance: unchanged), P02 +90.33, P09 0. With 35: rose P05, P01, P02; the other 5
        // unchanged; none fell.
        let table = run(&DEF, "unchanged_tolerance = 35.0", &[], window(0, None));
        assert_eq!(ints(&table, &[], &CHANGES), [3, 5, 0]);
    }

    #[test]
    fn by_arm_and_window_before_start() {
        // rel_month -4..0: P04 150 (-4) -> 155 (0) rose; P05 8.5, P07 45, P02 70, P09 25 have
        // one paid month each (rel_month 0). Treatment: P05 only. Control: P07, P04, P02, P09.
        // Control mean first (45 + 150 + 70 + 25) / 4 = 72.5, last (45 + 155 + 70 + 25) / 4
        // = 73.75.
        let table = run(&DEF, "", &["arm"], window(-4, Some(0)));
        assert_eq!(int(&table, &["treatment"], "n"), 1);
        assert_eq!(int(&table, &["treatment"], "count_unchanged"), 1);
        assert_close(float(&table, &["treatment"], "mean_first"), 8.5);
        assert_close(float(&table, &["treatment"], "relative_change"), 0.0);
        assert_eq!(ints(&table, &["control"], &["n", "n_one_month"]), [4, 3]);
        assert_eq!(ints(&table, &["control"], &CHANGES[..2]), [1, 3]);
        assert_close(float(&table, &["control"], "mean_first"), 72.5);
        assert_close(float(&table, &["control"], "mean_last"), 73.75);
        assert_eq!(int(&table, &["(all)"], "n"), 5);
    }

    #[test]
    fn an_empty_group_has_null_means() {
        // rel_month 9..12: P10's months 9-12 and P06's month 9 have no hours; nobody else is
        // observed there. P03 (no register rows) is in the population but never paid.
        let table = run(&DEF, "", &["arm"], window(9, Some(12)));
        assert_eq!(int(&table, &["treatment"], "n"), 0);
        assert_eq!(table.cell(&["treatment"], "mean_first"), Some(&Value::Null));
        assert_eq!(
            table.cell(&["treatment"], "relative_change"),
            Some(&Value::Null)
        );
        assert_eq!(table.cell(&["treatment"], "share_rose"), Some(&Value::Null));
        assert_eq!(int(&table, &["(all)"], "n"), 0);
    }

    #[test]
    fn another_status() {
        // paid_hours_on_benefit from rel_month 0: P10 30 -> 12; P05 8.5 (0) -> 100 (2); P01 80
        // (3) -> 130 (5); P07 45 -> 72.5; P02 70 (0) only; P09 25 only. n 6, rose 3, fell 1,
        // unchanged 2.
        let params = "status = \"paid_hours_on_benefit\"";
        let table = run(&DEF, params, &[], window(0, None));
        assert_eq!(int(&table, &[], "n"), 6);
        assert_eq!(ints(&table, &[], &CHANGES), [3, 2, 1]);
        assert_close(
            float(&table, &[], "mean_last"),
            (12.0 + 100.0 + 130.0 + 72.5 + 70.0 + 25.0) / 6.0,
        );
    }

    #[test]
    fn rose_unchanged_fell_add_up_to_n_and_groups_to_the_total() {
        let split = row_sum(&CHANGES, "n");
        let summed = [
            "n",
            "n_one_month",
            "count_rose",
            "count_unchanged",
            "count_fell",
        ];
        assert_relations(
            &run(&DEF, "", &[], window(0, None)),
            std::slice::from_ref(&split),
        );
        let params = "unchanged_tolerance = 35.0";
        let table = run(&DEF, params, &["arm"], window(0, None));
        assert_relations(
            &table,
            &[split.clone(), groups_relation("arm", &[], &summed)],
        );
        let params = "status = \"paid_hours_on_benefit\"";
        let table = run(&DEF, params, &["municipality", "sex"], window(-4, Some(8)));
        assert_relations(
            &table,
            &[split.clone(), groups_relation("municipality", &[], &summed)],
        );
        assert_relations(
            &run(&DEF, "", &["arm"], window(9, Some(12))),
            &[split, groups_relation("arm", &[], &summed)],
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        let err = resolve_err(&DEF, "tolerance = 1.0");
        assert!(err.contains("unknown field `tolerance`"), "{err}");
        let err = check_err(&DEF, "unchanged_tolerance = -1.0", &window(0, None));
        assert!(err.starts_with("unchanged_tolerance"), "{err}");
    }

    #[test]
    fn follow_up_to_the_end_date() {
        use crate::metrics::testing::run_to_end_date;
        // Paid months from rel_month 0 with `testing::tiny_end_dates`, first → last:
        // P06 (no end_date) 40 (3) → 20 (7) fell; P05 8.5 (0) only: its end month; P01 80 (3)
        // → 120 (4, its end) rose; P07 45 → 72.5 (7; its end_date is after coverage) rose; P04
        // 155 (0) only (end at 2, before its paid month 3); P02 70 (0) → 160.33 (2, its end)
        // rose; P09 25 (0) only. P10's paid months (13, 15) lie after its end.
        // first: 40 + 8.5 + 80 + 45 + 155 + 70 + 25 = 423.5; last: 20 + 8.5 + 120 + 72.5 + 155
        // + 160.33 + 25 = 561.33. To coverage: 8 persons, 4 rose, 1 unchanged, 3 fell.
        let table = run_to_end_date(&DEF, "", &[], window(0, None));
        assert_eq!(ints(&table, &[], &["n", "n_one_month"]), [7, 3]);
        assert_eq!(ints(&table, &[], &CHANGES), [3, 3, 1]);
        assert_close(float(&table, &[], "mean_first"), 423.5 / 7.0);
        assert_close(float(&table, &[], "mean_last"), 561.33 / 7.0);
        assert_close(float(&table, &[], "relative_change"), 561.33 / 423.5 - 1.0);
    }
}
