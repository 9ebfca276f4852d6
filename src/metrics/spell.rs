//! `spell` (spec `metrics.md` §3.9): the longest run of consecutive ISO weeks in a set of week
//! states, among the weeks whose month (Thursday rule) lies in the window, and the share of
//! persons with a run of at least `min_weeks` weeks. Reproduces 003's "64% completed 13
//! consecutive weeks of company-based activity within 18 months".
//!
//! A week is in the set when its DREAM code's category is one of `categories`, or when its month
//! is in one of `month_statuses` (then all the month's weeks count). The default is the spec's
//! company-based activity: internship or wage-subsidy weeks, and every week of a month with
//! `paid_hours`. Denominator: persons observed over the whole window (every month of it in the
//! panel); the others are `n_censored`.

use super::{
    resolve, Compute, MetricDef, MetricInput, OutcomeKind, OutcomeSubsets, PersonOutcome, Window,
};
use crate::measure::check_weeks;
use crate::measure::common::{
    balanced, by_group, groups_sum_to_total, mean, polars, population, share_aggs, share_specs,
    to_table,
};
use crate::measure::weeks::{category_index, person_rows, require_columns, runs, MonthFlags};
use crate::table::chart::Bars;
use crate::table::{Chart, Table};
use anyhow::{anyhow, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

pub const DEF: MetricDef = MetricDef {
    name: "spell",
    summary: "share of persons with a run of >= min_weeks consecutive weeks in a set of week states in the window",
    resolve: resolve::<Spell>,
    outcome: Some(super::OutcomeDef { kind: super::OutcomeKind::Share, needs_at: false }),
    window: super::WindowKeys::Rel,
    followup_end: true,
    example: "[window]\nto = 6\n[params]\nmin_weeks = 13\n",
};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Spell {
    /// A run must be at least this many consecutive weeks to count.
    pub min_weeks: u32,
    /// DREAM categories whose weeks are in the set.
    pub categories: Vec<String>,
    /// Panel statuses: every week of a month in one of them is in the set.
    pub month_statuses: Vec<String>,
}

impl Default for Spell {
    fn default() -> Self {
        Spell {
            min_weeks: 13,
            categories: vec!["internship".into(), "wage_subsidy".into()],
            month_statuses: vec!["paid_hours".into()],
        }
    }
}

impl Spell {
    fn category_set(&self) -> Result<Vec<usize>, String> {
        if self.min_weeks == 0 {
            return Err("min_weeks: must be at least 1 week".into());
        }
        check_weeks("min_weeks", self.min_weeks)?;
        if self.categories.is_empty() && self.month_statuses.is_empty() {
            return Err(
                "categories, month_statuses: both are empty, so no week could count; name at least one DREAM category or panel status"
                    .into(),
            );
        }
        self.categories
            .iter()
            .map(|c| category_index(c, "categories"))
            .collect()
    }

    /// Each person's longest run (in `input.persons` order), `None` for a person not observed
    /// over the whole window (censored).
    fn longest_runs(&self, input: &MetricInput<'_>) -> Result<Vec<Option<i64>>> {
        self.check(input.window).map_err(|e| anyhow!(e))?;
        let categories = self.category_set().map_err(|e| anyhow!(e))?;
        require_columns(input, &self.month_statuses, "month_statuses")?;
        let (from, to) = (input.window.from(), input.window.to.unwrap_or(i32::MAX));
        let people = person_rows(input, DEF.name)?;
        let flag = balanced(
            self.month_statuses
                .iter()
                .map(|s| col(s.as_str()))
                .collect(),
            Expr::or,
        )
        .unwrap_or(lit(false));
        let flags = MonthFlags::build(input, &people, flag, from, to, DEF.name)?;
        let weeks = &input.panel.weeks;

        let mut longest: Vec<Option<i64>> = Vec::with_capacity(people.len());
        for p in &people {
            let observed =
                p.first_observed.is_some_and(|f| f <= from) && p.followup.is_some_and(|f| f >= to);
            let run = observed.then(|| {
                // Every month of the window must be in the panel and all its weeks in DREAM;
                // otherwise the person is censored (`None`).
                let mut in_set = Vec::new();
                for rel in from..=to {
                    let month_flag = flags.get(p.person, rel)?;
                    let month = p.start_month.offset(rel);
                    let month_weeks = month.weeks();
                    for index in month_weeks.start().index()..=month_weeks.end().index() {
                        let week = crate::calendar::Week::from_index(index);
                        if !weeks.covers(week) {
                            return None;
                        }
                        let state = weeks.get(p.person, week);
                        let by_category = state.category().is_some_and(|c| categories.contains(&c));
                        in_set.push(month_flag || by_category);
                    }
                }
                Some(runs(in_set).1 as i64)
            });
            longest.push(run.flatten());
        }
        Ok(longest)
    }
}

impl Compute for Spell {
    fn statuses(&self) -> Vec<String> {
        self.month_statuses.clone()
    }

    fn check(&self, window: &Window) -> Result<(), String> {
        self.category_set()?;
        let Some(to) = window.to else {
            return Err("spell needs window.to, the last month through which persons must be observed (e.g. to = 17 for \"within 18 months\")".into());
        };
        if to < window.from() {
            return Err(format!(
                "window: from ({}) is after to ({to})",
                window.from()
            ));
        }
        Ok(())
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        let longest = self.longest_runs(input)?;
        let eligible: Vec<bool> = longest.iter().map(Option::is_some).collect();
        let (from, to) = (input.window.from(), input.window.to.unwrap_or(i32::MAX));

        let frame = input
            .persons
            .hstack(&[
                Column::new("eligible".into(), eligible),
                Column::new("longest".into(), longest),
            ])
            .map_err(|e| polars(DEF.name, e))?
            .lazy();
        let [n, count, n_censored] = share_aggs(
            col("longest")
                .gt_eq(lit(self.min_weeks as i64))
                .fill_null(lit(false)),
        );
        let aggs = [
            n,
            count,
            n_censored,
            col("longest")
                .cast(DataType::Float64)
                .mean()
                .alias("mean_longest_run"),
        ];
        let result = by_group(frame, input.group_by, &aggs).map_err(|e| polars(DEF.name, e))?;
        let mut specs = share_specs(input.group_by);
        // The mean over the n persons rests on count too: with count hidden, the mean and n
        // would bound it (runs of L weeks or more against runs shorter).
        specs.push(mean("mean_longest_run", "count", 1));
        let mut table = to_table(&result, &specs)?;
        // Every person is in one group, and is counted in n or n_censored.
        table.relations.extend(groups_sum_to_total(
            input.group_by,
            &[],
            &["n", "count", "n_censored"],
        ));
        table.relations.push(population(&["n", "n_censored"]));
        let mut set: Vec<String> = self
            .categories
            .iter()
            .map(|c| format!("{c} weeks"))
            .collect();
        set.extend(
            self.month_statuses
                .iter()
                .map(|s| format!("all weeks of {s} months")),
        );
        table.notes.push(format!(
            "share: persons whose longest run of consecutive ISO weeks in ({}) is >= {} weeks, among the weeks whose month (Thursday rule) has rel_month {from}..{to}; n: persons observed over the whole window; n_censored: the others; mean_longest_run in weeks",
            set.join(" or "),
            self.min_weeks
        ));
        Ok(table.with_chart(Chart::Bars(Bars::shares(
            &[("share", "share")],
            Some("n"),
            &format!(
                "persons with a run of at least {} weeks (%)",
                self.min_weeks
            ),
        ))))
    }

    fn person_outcome(&self, input: &MetricInput<'_>) -> Result<Option<PersonOutcome>> {
        let longest = self.longest_runs(input)?;
        let min_weeks = self.min_weeks as i64;
        let value: Vec<Option<bool>> = longest.iter().map(|l| l.map(|l| l >= min_weeks)).collect();
        let frame = input
            .persons
            .select(["person"])
            .and_then(|f| f.hstack(&[Column::new("value".into(), value)]))
            .and_then(|f| {
                f.lazy()
                    .filter(col("value").is_not_null())
                    .sort(["person"], SortMultipleOptions::default())
                    .collect()
            })
            .map_err(|e| polars(DEF.name, e))?;
        let (from, to) = (input.window.from(), input.window.to.unwrap_or(i32::MAX));
        Ok(Some(PersonOutcome {
            frame,
            among: None,
            kind: OutcomeKind::Share,
            label: format!(
                "a run of >= {} consecutive weeks in ({}) within rel_month {from}..{to}",
                self.min_weeks,
                self.categories
                    .iter()
                    .map(|c| format!("{c} weeks"))
                    .chain(
                        self.month_statuses
                            .iter()
                            .map(|s| format!("all weeks of {s} months"))
                    )
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            subsets: OutcomeSubsets::default(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::testing::{
        assert_near, assert_relations, check_err, float, groups_relation, input, resolve,
        resolve_err, run, run_err, share_outcome, tiny_panel, window,
    };
    use crate::table::Value;

    #[test]
    fn company_based_runs_in_the_first_seven_months() {
        // Window rel_month 0..6. Observed through it (first observed <= 0, follow-up >= 6): P08,
        // P06, P05, P01, P07, P03, P04 = 7; censored: P10 (first observed rel_month 8), P02 (4),
        // P09 (0), P11 (-1) = 4. Longest company-based runs (internship/wage-subsidy weeks, or
        // every week of a paid_hours month):
        // - P08 (Aug–Feb): no 737/735, no income → 0.
        // - P06 (Aug–Feb): paid Nov 2020 only → W45–W48 = 4.
        // - P05 (Sep–Mar): paid Sep, Oct, Nov, Dec 2020 (Mar 2021 is 0.5 h) → W36–W53 =
        //   4+5+4+5 = 18 (runs through week 53).
        // - P01 (Sep–Mar): 737 W43–W50, 735 W51–2021-W06, paid Dec 2020–Mar 2021 → W43..W53
        //   (11) + 2021-W01..W12 (12) = 23.
        // - P07 (Oct–Apr): flexjob weeks do not count; paid Oct–Dec 2020 (W40–W53 = 5+4+5 = 14),
        //   no income in Jan 2021, paid Feb–Apr (W05–W17 = 4+4+5 = 13) → 14.
        // - P03 (Oct–Apr): no registers → 0.
        // - P04 (Nov–May): paid Nov (4); Dec has a 0-hour row, Jan none; paid Feb–May (W05–W21 =
        //   4+4+5+4 = 17) → 17.
        // >= 13: P05, P01, P07, P04 = 4 of 7. Mean (0+4+18+23+14+0+17)/7 = 76/7.
        let table = run(&DEF, "", &[], window(0, Some(6)));
        assert_eq!(table.cell(&[], "n"), Some(&Value::Int(7)));
        assert_eq!(table.cell(&[], "n_censored"), Some(&Value::Int(4)));
        assert_eq!(table.cell(&[], "count"), Some(&Value::Int(4)));
        assert_eq!(table.cell(&[], "share"), Some(&Value::Float(4.0 / 7.0)));
        assert_near(float(&table, &[], "mean_longest_run"), 76.0 / 7.0, 1e-12);
    }

    #[test]
    fn by_arm_with_the_censored_apart() {
        // Same window. Treatment: P08 0, P06 4, P05 18, P01 23, P03 0 → 2 of 5, P10 censored.
        // Control: P07 14, P04 17 → 2 of 2; P02, P09, P11 censored.
        let table = run(&DEF, "", &["arm"], window(0, Some(6)));
        assert_eq!(table.cell(&["treatment"], "n"), Some(&Value::Int(5)));
        assert_eq!(table.cell(&["treatment"], "count"), Some(&Value::Int(2)));
        assert_eq!(
            table.cell(&["treatment"], "n_censored"),
            Some(&Value::Int(1))
        );
        assert_near(
            float(&table, &["treatment"], "mean_longest_run"),
            45.0 / 5.0,
            1e-12,
        );
        assert_eq!(table.cell(&["control"], "n"), Some(&Value::Int(2)));
        assert_eq!(table.cell(&["control"], "count"), Some(&Value::Int(2)));
        assert_eq!(table.cell(&["control"], "n_censored"), Some(&Value::Int(3)));
        assert_eq!(table.cell(&["control"], "share"), Some(&Value::Float(1.0)));
        assert_eq!(table.cell(&["(all)"], "n"), Some(&Value::Int(7)));
    }

    #[test]
    fn the_longest_run_crosses_week_53() {
        // Window 0..8: observed through rel_month 8: P08, P06, P05, P01 (P10 starts before
        // coverage: first observed rel_month 8 > 0) → n 4, censored 7.
        // P01 (Sep 2020–May 2021): 737 from W43, 735 through 2021-W06, paid Dec 2020–May 2021 →
        // one run 2020-W43..W53 (11 weeks, week 53 included) + 2021-W01..W21 (21) = 32.
        // P08 0; P06 paid Nov 2020 (4) and Mar 2021 (W09–W12, 4) → 4; P05 18.
        // min_weeks 32: only P01. A run broken at week 53 would be 11 + 21 → 21 < 32.
        let table = run(&DEF, "min_weeks = 32", &[], window(0, Some(8)));
        assert_eq!(table.cell(&[], "n"), Some(&Value::Int(4)));
        assert_eq!(table.cell(&[], "n_censored"), Some(&Value::Int(7)));
        assert_eq!(table.cell(&[], "count"), Some(&Value::Int(1)));
        assert_eq!(
            float(&table, &[], "mean_longest_run"),
            (0.0 + 4.0 + 18.0 + 32.0) / 4.0
        );
        let table = run(&DEF, "min_weeks = 33", &[], window(0, Some(8)));
        assert_eq!(table.cell(&[], "count"), Some(&Value::Int(0)));
    }

    #[test]
    fn categories_alone_without_month_statuses() {
        // Window 0..6, internship/wage-subsidy weeks only: P01 has 737 W43–W50 and 735
        // W51–2021-W06 = 8 + 9 = 17 consecutive weeks (across week 53); nobody else has any.
        let table = run(&DEF, "month_statuses = []", &[], window(0, Some(6)));
        assert_eq!(table.cell(&[], "n"), Some(&Value::Int(7)));
        assert_eq!(table.cell(&[], "count"), Some(&Value::Int(1)));
        assert_near(float(&table, &[], "mean_longest_run"), 17.0 / 7.0, 1e-12);
        // Only wage subsidy: P01's 735 weeks W51, W52, W53, 2021-W01..W06 = 9 weeks.
        let params = "month_statuses = []\ncategories = [\"wage_subsidy\"]\nmin_weeks = 9";
        let table = run(&DEF, params, &[], window(0, Some(6)));
        assert_eq!(table.cell(&[], "count"), Some(&Value::Int(1)));
        assert_near(float(&table, &[], "mean_longest_run"), 9.0 / 7.0, 1e-12);
    }

    #[test]
    fn a_pre_start_window_and_a_person_without_registers() {
        // Window -3..-1 (the three months before start), flexjob_unemployment weeks only.
        // Observed through it: everyone with first observed rel_month <= -3 and follow-up >= -1,
        // i.e. all but P10 (first observed 8), P08 (Aug 2020 start: first observed -1) and P06
        // (also -1); P05 (Sep 2020: -2) and P01 (-2) too → n = P07 (first observed -3), P03 (-3),
        // P04 (-4), P02 (-6), P09 (-10), P11 (-11) = 6, censored 5.
        // P07's months -3..-1 are Jul–Sep 2020, all 740 (W27–W39 = 5+4+4 = 13 weeks) → 13;
        // P03 (no DREAM row) 0; the rest have no 740.
        let params = "month_statuses = []\ncategories = [\"flexjob_unemployment\"]";
        let table = run(&DEF, params, &[], window(-3, Some(-1)));
        assert_eq!(table.cell(&[], "n"), Some(&Value::Int(6)));
        assert_eq!(table.cell(&[], "n_censored"), Some(&Value::Int(5)));
        assert_eq!(table.cell(&[], "count"), Some(&Value::Int(1)));
        assert_near(float(&table, &[], "mean_longest_run"), 13.0 / 6.0, 1e-12);
    }

    #[test]
    fn nobody_observed_gives_null_not_nan() {
        // Window 0..19: the longest follow-up from rel_month 0 is 9 (P08, P06), so nobody.
        let table = run(&DEF, "", &["arm"], window(0, Some(19)));
        assert_eq!(table.cell(&["(all)"], "n"), Some(&Value::Int(0)));
        assert_eq!(table.cell(&["(all)"], "n_censored"), Some(&Value::Int(11)));
        assert_eq!(table.cell(&["(all)"], "share"), Some(&Value::Null));
        assert_eq!(
            table.cell(&["(all)"], "mean_longest_run"),
            Some(&Value::Null)
        );
        assert_eq!(table.cell(&["control"], "share"), Some(&Value::Null));
    }

    #[test]
    fn groups_add_up_to_the_total() {
        let summed = ["n", "count", "n_censored"];
        assert_relations(&run(&DEF, "", &[], window(0, Some(6))), &[]);
        assert_relations(
            &run(&DEF, "", &["arm"], window(0, Some(6))),
            &[groups_relation("arm", &[], &summed)],
        );
        let params = "min_weeks = 4";
        let table = run(&DEF, params, &["municipality", "sex"], window(-3, Some(2)));
        assert_relations(&table, &[groups_relation("municipality", &[], &summed)]);
        let params = "categories = [\"internship\"]\nmonth_statuses = []";
        let table = run(&DEF, params, &["sex"], window(0, Some(3)));
        assert_relations(&table, &[groups_relation("sex", &[], &summed)]);
    }

    #[test]
    fn bad_parameters_are_named() {
        let err = resolve_err(&DEF, "min_week = 13");
        assert!(err.contains("unknown field `min_week`"), "{err}");
        let err = resolve_err(&DEF, "min_weeks = -1");
        assert!(err.contains("min_weeks"), "{err}");
        let w = window(0, Some(17));
        let err = check_err(&DEF, "categories = [\"praktik\"]", &w);
        assert!(
            err.starts_with("categories: unknown DREAM category"),
            "{err}"
        );
        let err = check_err(&DEF, "min_weeks = 0", &w);
        assert!(err.starts_with("min_weeks:"), "{err}");
        let err = check_err(&DEF, "categories = []\nmonth_statuses = []", &w);
        assert!(err.contains("both are empty"), "{err}");
        let err = check_err(&DEF, "", &window(0, None));
        assert!(err.contains("needs window.to"), "{err}");
        let err = check_err(&DEF, "", &window(5, Some(2)));
        assert!(err.starts_with("window:"), "{err}");
    }

    #[test]
    fn an_unknown_month_status_is_named() {
        let params = "month_statuses = [\"paid\"]";
        assert_eq!(resolve(&DEF, params).statuses(), ["paid"]);
        let err = run_err(&DEF, params, &[], window(0, Some(6)));
        assert!(
            err.starts_with("month_statuses: the panel has no status \"paid\""),
            "{err}"
        );
    }

    #[test]
    fn person_outcome_matches_the_table() {
        // Window 0..6 (as company_based_runs_in_the_first_seven_months): observed P08 (index 1,
        // longest run 0), P06 (2, 4), P05 (3, 18), P01 (4, 23), P07 (5, 14), P03 (6, 0), P04 (7,
        // 17); >= 13 weeks: P05, P01, P07, P04. P10, P02, P09, P11 censored: no row.
        let panel = tiny_panel();
        let outcome = resolve(&DEF, "")
            .person_outcome(&input(&panel, &[], window(0, Some(6))))
            .unwrap()
            .expect("an outcome");
        assert_eq!(outcome.kind, crate::metrics::OutcomeKind::Share);
        let (persons, values) = share_outcome(&outcome);
        assert_eq!(persons, [1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(values, [false, false, true, true, true, false, true]);
        assert!(
            outcome
                .label
                .starts_with("a run of >= 13 consecutive weeks"),
            "{}",
            outcome.label
        );
    }

    #[test]
    fn follow_up_to_the_end_date() {
        use crate::metrics::testing::{int, run_to_end_date};
        // Runs of internship, wage-subsidy or paid-hours-month weeks over rel_month 0..2, at
        // least 6 weeks, with `testing::tiny_end_dates`. Followed through 2: P08, P06, P01, P07,
        // P03, P04 and P02 (both end at 2) → 7; censored: P05 (ended at 0), P10, P09, P11.
        // Longest runs: P08 0, P06 0, P01 6 (internship W43..W48), P07 14 (paid Oct..Dec 2020:
        // 5 + 4 + 5 weeks), P03 0, P04 4 (paid Nov 2020 only), P02 12 (paid Jan..Mar 2021)
        // → 3 with 6 or more; mean (6 + 14 + 4 + 12) / 7. To coverage P05's 13 weeks (paid
        // Sep..Nov 2020) count too: 4 of 8, 3 censored.
        let table = run_to_end_date(&DEF, "min_weeks = 6", &[], window(0, Some(2)));
        assert_eq!(int(&table, &[], "n"), 7);
        assert_eq!(int(&table, &[], "count"), 3);
        assert_eq!(int(&table, &[], "n_censored"), 4);
        assert_near(float(&table, &[], "mean_longest_run"), 36.0 / 7.0, 1e-12);
    }
}
