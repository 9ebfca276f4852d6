//! `share_at` (spec `metrics.md` §3.2): the share of persons in a status at `rel_month = k`, among
//! the persons observed at k; or, without `at`, the unweighted mean over the months of the window
//! of the monthly shares, each among the persons observed that month. Reproduces 003's "19% vs
//! 12% with paid hours 18 months after start" (S3-paid18).
//!
//! Persons not observed at k (follow-up ends before k, or coverage begins after it) are
//! `n_censored`, never counted as "not in S".

use super::{
    resolve, Compute, MetricDef, MetricInput, OutcomeKind, OutcomeSubsets, PersonOutcome, Window,
};
use crate::measure::check_rel_month;
use crate::measure::common::{
    groups_sum_to_total, observed_and_in_status, observed_at, population, set_groups,
};
use crate::measure::curve::{curve, Curve, CurveRequest, MeanColumns};
use crate::table::chart::{plain, Bars};
use crate::table::{share, Chart, Col, MonthOf, Table, TableBuilder};
use anyhow::{anyhow, Result};
use polars::prelude::{col, lit, IntoLazy, SortMultipleOptions};
use serde::{Deserialize, Serialize};

pub const DEF: MetricDef = MetricDef {
    name: "share_at",
    summary: "share in a status at rel_month k (or the mean monthly share over the window), among persons observed",
    resolve: resolve::<ShareAt>,
    outcome: Some(super::OutcomeDef { kind: super::OutcomeKind::Share, needs_at: true }),
    window: super::WindowKeys::Rel,
    followup_end: true,
    example: "group_by = [\"arm\"]\n[params]\nstatus = \"paid_hours\"\nat = 3\n",
};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShareAt {
    /// The status S (a panel status or one the query defines).
    pub status: String,
    /// The month k (`rel_month`); unset: the mean over the window's months.
    pub at: Option<i32>,
}

impl Default for ShareAt {
    fn default() -> Self {
        ShareAt {
            status: "paid_hours".into(),
            at: None,
        }
    }
}

impl Compute for ShareAt {
    fn statuses(&self) -> Vec<String> {
        vec![self.status.clone()]
    }

    fn check(&self, window: &Window) -> Result<(), String> {
        match self.at {
            Some(at) => {
                check_rel_month("at", at.into())?;
                if window.from.is_some_and(|from| at < from) || window.to.is_some_and(|to| at > to)
                {
                    return Err(format!(
                        "at = {at} lies outside the window {}..{}",
                        window.from(),
                        window.to.map_or(String::new(), |t| t.to_string())
                    ));
                }
            }
            None => {
                if window.to.is_none() {
                    return Err("share_at needs either at (one rel_month) or window.to (the last month of the averaged window)".into());
                }
            }
        }
        Ok(())
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        self.check(input.window).map_err(|e| anyhow!(e))?;
        match self.at {
            Some(at) => self.at_month(input, at),
            None => self.averaged(input),
        }
    }

    fn person_outcome(&self, input: &MetricInput<'_>) -> Result<Option<PersonOutcome>> {
        // Averaged over a window the share is not a yes/no per person.
        let Some(at) = self.at else {
            return Ok(None);
        };
        self.check(input.window).map_err(|e| anyhow!(e))?;
        let frame = input
            .months
            .clone()
            .lazy()
            .filter(col("rel_month").eq(lit(at)))
            .select([
                col("person"),
                col(self.status.as_str())
                    .fill_null(lit(false))
                    .alias("value"),
            ])
            .sort(["person"], SortMultipleOptions::default())
            .collect()
            .map_err(|e| anyhow!("computing share_at: {e}"))?;
        Ok(Some(PersonOutcome {
            frame,
            among: None,
            kind: OutcomeKind::Share,
            label: format!("{} at rel_month {at}", self.status),
            subsets: OutcomeSubsets {
                observed: Some(observed_at(input, MonthOf::Fixed(at), None)),
                valued: Some(observed_at(input, MonthOf::Fixed(at), None)),
                positive: Some(observed_at(input, MonthOf::Fixed(at), Some(&self.status))),
            },
        }))
    }
}

impl ShareAt {
    /// A builder with the group columns declared, and those columns.
    fn builder(input: &MetricInput<'_>) -> (TableBuilder, Vec<Col>) {
        let mut t = TableBuilder::new();
        let groups = t.groups(input.group_by);
        (t, groups)
    }

    /// The persons observed, and in the status, at each `rel_month` from..=to.
    fn counts(&self, input: &MetricInput<'_>, from: i32, to: i32) -> Result<Curve> {
        curve(
            input,
            &CurveRequest {
                status: &self.status,
                calendar: false,
                rolling: 1,
                rel_from: from,
                rel_to: Some(to),
                first: Some(from),
                last: Some(to),
            },
        )
    }

    /// Bars of the share, with the persons it is of (`n`) where there is one.
    fn chart(&self, n: Option<&str>) -> Chart {
        Chart::Bars(Bars::shares(
            &[("share", "share")],
            n,
            &format!("persons with {} (%)", plain(&self.status)),
        ))
    }

    fn at_month(&self, input: &MetricInput<'_>, at: i32) -> Result<Table> {
        let counts = self.counts(input, at, at)?;
        let (mut t, group_cols) = Self::builder(input);
        let n_col = t.persons("n");
        let count_col = t.persons("count");
        let share_col = t.share("share", count_col, n_col);
        let censored_col = t.persons("n_censored");
        for (g, key) in counts.groups.iter().enumerate() {
            let (n, count) = counts.cell(g, at);
            let mut row = t.row();
            set_groups(&mut row, &group_cols, key);
            row.int(n_col, n)
                .int(count_col, count)
                .set(share_col, share(count as u64, n as u64))
                .int(censored_col, counts.population[g] - n);
        }
        // Every person is in one group, and is counted in n or n_censored.
        if let Some(relation) =
            groups_sum_to_total(input.group_by, &[], &["n", "count", "n_censored"])
        {
            t.relation(relation);
        }
        t.relation(population(&["n", "n_censored"]));
        // n and count are the persons observed, and in S, at k: a curve or an effect of the
        // same persons counts them too.
        let month = MonthOf::Fixed(at);
        for relation in observed_and_in_status(input, (month, None), ["n", "count"], &self.status) {
            t.relation(relation);
        }
        t.note(format!(
            "share: persons with {} at rel_month {at}, of n, the persons observed at rel_month {at}; n_censored: persons not observed at rel_month {at}",
            self.status
        ));
        t.chart(self.chart(Some("n")));
        Ok(t.build())
    }

    fn averaged(&self, input: &MetricInput<'_>) -> Result<Table> {
        let from = input.window.from();
        let to = input
            .window
            .to
            .ok_or_else(|| anyhow!("share_at needs at or window.to"))?;
        let counts = self.counts(input, from, to)?;
        let (mut t, group_cols) = Self::builder(input);
        let mean = MeanColumns::declare(&mut t);
        let censored_col = t.persons("n_censored");
        for (g, key) in counts.groups.iter().enumerate() {
            let mut row = t.row();
            set_groups(&mut row, &group_cols, key);
            mean.set(&mut row, counts.indices().map(|k| counts.cell(g, k)));
            row.int(censored_col, counts.population[g] - counts.observed[g]);
        }
        // Every person is in one group; min_cell and the means are not sums.
        if let Some(relation) = groups_sum_to_total(input.group_by, &[], &["n_censored"]) {
            t.relation(relation);
        }
        t.note(format!(
            "share: the unweighted mean over the months rel_month {from}..{to} with anyone observed (months) of the share with {} among the persons observed that month; n_mean: the mean monthly n; min_cell: the smallest non-zero monthly n, count or n - count the mean rests on (it carries suppression); n_censored: persons observed in none of the months",
            self.status
        ));
        t.chart(self.chart(None));
        Ok(t.build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::testing::{
        assert_near, assert_relations, check_err, first_column, float, groups_relation, input,
        resolve, resolve_err, run, share_outcome, tiny_panel, window,
    };
    use crate::table::Value;

    #[test]
    fn paid_hours_at_month_three_by_arm() {
        // rel_month 3 is observed for P08 (2020-11), P06 (2020-11), P05 (2020-12), P01 (2020-12),
        // P07 (2021-01), P03 (2021-01), P04 (2021-02), P02 (2021-04): 8 persons. Not observed:
        // P10 (coverage starts at its rel_month 8), P09 (last rel_month 0), P11 (-1).
        // Paid hours at 3: P06 (40 h), P05 (140 h), P01 (80 h), P04 (70 h), P02 (160.33 h);
        // not P08, P03, P07 (Jan 2021: flexjob but no income row).
        // treatment: P08 P06 P05 P01 P03 → 5 observed, 3 paid; censored P10.
        // control: P07 P04 P02 → 3 observed, 2 paid; censored P09, P11.
        let table = run(&DEF, "at = 3", &["arm"], Window::default());
        assert_eq!(table.cell(&["treatment"], "n"), Some(&Value::Int(5)));
        assert_eq!(table.cell(&["treatment"], "count"), Some(&Value::Int(3)));
        assert_eq!(
            table.cell(&["treatment"], "share"),
            Some(&Value::Float(0.6))
        );
        assert_eq!(
            table.cell(&["treatment"], "n_censored"),
            Some(&Value::Int(1))
        );
        assert_eq!(table.cell(&["control"], "n"), Some(&Value::Int(3)));
        assert_eq!(table.cell(&["control"], "count"), Some(&Value::Int(2)));
        assert_eq!(table.cell(&["control"], "n_censored"), Some(&Value::Int(2)));
        assert_eq!(table.cell(&["(all)"], "n"), Some(&Value::Int(8)));
        assert_eq!(table.cell(&["(all)"], "count"), Some(&Value::Int(5)));
        assert_eq!(
            table.cell(&["(all)"], "share"),
            Some(&Value::Float(5.0 / 8.0))
        );
        assert_eq!(table.cell(&["(all)"], "n_censored"), Some(&Value::Int(3)));
        assert_eq!(first_column(&table), ["control", "treatment", "(all)"]);
    }

    #[test]
    fn late_month_is_censored_not_zero() {
        // rel_month 18 is observed only for P10 (2021-05, no hours, on early retirement): the
        // other 10 persons are censored, not counted as without paid hours.
        let table = run(&DEF, "at = 18", &[], Window::default());
        assert_eq!(table.cell(&[], "n"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&[], "count"), Some(&Value::Int(0)));
        assert_eq!(table.cell(&[], "share"), Some(&Value::Float(0.0)));
        assert_eq!(table.cell(&[], "n_censored"), Some(&Value::Int(10)));
    }

    #[test]
    fn nobody_observed_gives_null_share() {
        // rel_month 19 is past everyone's follow-up (P10's last is 18): n 0, share Null.
        let table = run(&DEF, "at = 19", &["municipality"], Window::default());
        assert_eq!(table.cell(&["(all)"], "n"), Some(&Value::Int(0)));
        assert_eq!(table.cell(&["(all)"], "share"), Some(&Value::Null));
        assert_eq!(table.cell(&["(all)"], "n_censored"), Some(&Value::Int(11)));
        // Every municipality of the population gets its row, København (only P11) included.
        assert_eq!(table.cell(&["København"], "n"), Some(&Value::Int(0)));
        assert_eq!(
            table.cell(&["København"], "n_censored"),
            Some(&Value::Int(1))
        );
    }

    #[test]
    fn the_person_without_register_rows_counts_as_not_in_status() {
        // P03 (no DREAM row, no income) is observed at rel_month 0 (2020-10) and self-supporting.
        // rel_month 0, self_support: P08 (Aug 2020, benefit 4 weeks) no; P06 (Aug 2020, 2
        // benefit weeks) no; P05 (Sep) no; P01 (Sep) no; P07 (Oct) no; P03 (Oct) yes; P04 (Nov,
        // never on benefit) yes; P02 (Jan 2021, 2 benefit weeks) no; P09 (May 2021, 2) no → 2 of 9.
        let params = "at = 0\nstatus = \"self_support\"";
        let table = run(&DEF, params, &[], Window::default());
        assert_eq!(table.cell(&[], "n"), Some(&Value::Int(9)));
        assert_eq!(table.cell(&[], "count"), Some(&Value::Int(2)));
        assert_eq!(table.cell(&[], "n_censored"), Some(&Value::Int(2)));
    }

    #[test]
    fn week_53_start_month_is_january() {
        // P02 starts Fri 2021-01-01 (ISO week 2020-W53, a December week): its rel_month 0 is
        // January 2021 (70 h), its rel_month -1 December 2020 (no hours). At rel_month -1 with
        // paid_hours: P08 (Jul 2020) no, P06 (Jul) no, P05 (Aug) no, P01 (Aug) no, P07 (Sep) no,
        // P03 (Sep) no, P04 (Oct 2020, 150.25 h) yes, P02 (Dec 2020) no, P09 (Apr 2021) no, P11
        // (May 2021) no → 1 of 10 (P10 is not observed at -1).
        let table = run(&DEF, "at = -1", &["arm"], window(-1, None));
        assert_eq!(table.cell(&["(all)"], "n"), Some(&Value::Int(10)));
        assert_eq!(table.cell(&["(all)"], "count"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&["control"], "count"), Some(&Value::Int(1)));
    }

    #[test]
    fn mean_of_monthly_shares_over_a_window() {
        // paid_hours, rel_month 0..2, treatment arm (P10 P08 P06 P05 P01 P03):
        // month 0: observed P08 P06 P05 P01 P03 (P10 not) → paid P05 → 1/5
        // month 1: same five → paid P05 (96 h) → 1/5
        // month 2: same five → paid P05 (100 h) → 1/5
        // mean share 0.2, n_mean 5, min_cell 1 (the least non-zero n, count or n - count);
        // P10 observed in none → censored 1.
        // control (P07 P04 P02 P09 P11):
        // month 0: P07 P04 P02 P09 → paid all four (45, 155, 70, 25 h) → 4/4
        // month 1: P07 P04 P02 → paid P07, P02 (P04 Dec 2020 0 h) → 2/3
        // month 2: P07 P04 P02 → P07, P02 → 2/3
        // mean (1 + 2/3 + 2/3)/3 = 7/9; n_mean 10/3; min_cell 1 (the one unpaid person of
        // months 1 and 2; month 0's 0 unpaid protects nobody); P11 censored.
        let table = run(&DEF, "", &["arm"], window(0, Some(2)));
        assert_eq!(table.cell(&["treatment"], "months"), Some(&Value::Int(3)));
        assert_near(float(&table, &["treatment"], "share"), 0.2, 1e-12);
        assert_eq!(float(&table, &["treatment"], "n_mean"), 5.0);
        assert_eq!(table.cell(&["treatment"], "min_cell"), Some(&Value::Int(1)));
        assert_eq!(
            table.cell(&["treatment"], "n_censored"),
            Some(&Value::Int(1))
        );
        assert_near(float(&table, &["control"], "share"), 7.0 / 9.0, 1e-12);
        assert_near(float(&table, &["control"], "n_mean"), 10.0 / 3.0, 1e-12);
        assert_eq!(table.cell(&["control"], "min_cell"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&["control"], "n_censored"), Some(&Value::Int(1)));
        // Suppression at 5 hides the means resting on min_cell 1 and 2.
        let mut table = table;
        table.suppress(5);
        assert_eq!(
            table.cell(&["treatment"], "share"),
            Some(&Value::Suppressed)
        );
    }

    #[test]
    fn averaged_window_past_everyone_is_null() {
        // rel_month 19..20: nobody observed → months 0, share Null, everyone censored.
        let table = run(&DEF, "", &[], window(19, Some(20)));
        assert_eq!(table.cell(&[], "months"), Some(&Value::Int(0)));
        assert_eq!(table.cell(&[], "share"), Some(&Value::Null));
        assert_eq!(table.cell(&[], "n_censored"), Some(&Value::Int(11)));
    }

    #[test]
    fn groups_add_up_to_the_total() {
        let table = run(&DEF, "at = 3", &[], Window::default());
        assert_relations(&table, &[]);
        let table = run(&DEF, "at = 3", &["arm"], Window::default());
        assert_relations(
            &table,
            &[groups_relation("arm", &[], &["n", "count", "n_censored"])],
        );
        let params = "at = 0\nstatus = \"self_support\"";
        let table = run(&DEF, params, &["municipality", "sex"], Window::default());
        assert_relations(
            &table,
            &[groups_relation(
                "municipality",
                &[],
                &["n", "count", "n_censored"],
            )],
        );
        let table = run(&DEF, "", &["arm"], window(0, Some(2)));
        assert_relations(&table, &[groups_relation("arm", &[], &["n_censored"])]);
        let params = "status = \"any_result\"";
        let table = run(&DEF, params, &["sex", "arm"], window(-3, Some(9)));
        assert_relations(&table, &[groups_relation("sex", &[], &["n_censored"])]);
    }

    #[test]
    fn resolved_parameters_list_the_defaults() {
        let metric = resolve(&DEF, "at = 18");
        let resolved = metric.resolved();
        assert_eq!(
            resolved.get("status").and_then(|v| v.as_str()),
            Some("paid_hours")
        );
        assert_eq!(resolved.get("at").and_then(|v| v.as_integer()), Some(18));
    }

    #[test]
    fn parameters_are_checked_by_name() {
        let err = check_err(&DEF, "", &Window::default());
        assert!(err.contains("at") && err.contains("window.to"), "{err}");
        let err = check_err(&DEF, "at = 7", &window(0, Some(6)));
        assert!(err.contains("at = 7"), "{err}");
        let err = resolve_err(&DEF, "at = \"18\"");
        assert!(err.contains("at"), "{err}");
        let err = resolve_err(&DEF, "k = 18");
        assert!(err.contains("unknown field `k`"), "{err}");
    }

    #[test]
    fn person_outcome_at_month_three() {
        // Person indices follow the cohort file: P10 0, P08 1, P06 2, P05 3, P01 4, P07 5, P03 6,
        // P04 7, P02 8, P09 9, P11 10. Observed at rel_month 3: P08 P06 P05 P01 P07 P03 P04 P02
        // (P10, P09, P11 censored: no row). Paid hours then: P06, P05, P01, P04, P02 (as in
        // paid_hours_at_month_three_by_arm).
        let panel = tiny_panel();
        let at_3 = input(&panel, &[], Window::default());
        let outcome = resolve(&DEF, "at = 3")
            .person_outcome(&at_3)
            .unwrap()
            .expect("an outcome");
        assert_eq!(outcome.kind, crate::metrics::OutcomeKind::Share);
        let (persons, values) = share_outcome(&outcome);
        assert_eq!(persons, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(values, [false, true, true, true, false, false, true, true]);
        assert_eq!(outcome.label, "paid_hours at rel_month 3");
        // Averaged over a window there is no yes/no per person.
        let averaged = input(&panel, &[], window(0, Some(2)));
        assert!(resolve(&DEF, "")
            .person_outcome(&averaged)
            .unwrap()
            .is_none());
    }

    #[test]
    fn follow_up_to_the_end_date() {
        use crate::metrics::testing::{ints, run_to_end_date};
        // rel_month 2 with `testing::tiny_end_dates`: followed then are P08, P06, P01, P07, P03,
        // P04 (its end month, 2021-01) and P02 (its end month, 2021-03) → 7; paid hours: P07
        // (70 h), P02 (160.33 h) → 2. P05 (ended in its start month) joins P10, P09 and P11 as
        // censored: 4. To coverage: P05 is observed with 100 h: 3 of 8, 3 censored.
        let table = run_to_end_date(&DEF, "at = 2", &[], Window::default());
        assert_eq!(ints(&table, &[], &["n", "count", "n_censored"]), [7, 2, 4]);
        assert_eq!(table.cell(&[], "share"), Some(&Value::Float(2.0 / 7.0)));
    }
}
