//! `mean_hours` (spec `metrics.md` §3.4): mean paid hours per month (or per week: monthly hours ×
//! 12 / 52) at `rel_month = k`, or pooled over the person-months of the window; among all
//! observed person-months or only those in a status (`among`). Reproduces 003's "4.6 vs 2.75 hours
//! a week 18 months after start" (S3-hours18, among all) and 001's "120–130 hours a month among
//! the employed" (S1-hours, among paid_hours).
//!
//! The unit of the mean is the person-month: with `at` each person has at most one, over a window
//! a person contributes every counted month. The mean is suppressed with `n_persons`, the
//! distinct persons behind it. Persons with no observed month at k / in the window are
//! `n_censored`.

use super::{
    resolve, Compute, MetricDef, MetricInput, OutcomeKind, OutcomeSubsets, PersonOutcome, Window,
};
use crate::measure::check_rel_month;
use crate::measure::common::{
    by_group, every_person, group, groups_sum_to_total, mark_dominated, mean, observed_at, persons,
    polars, population, population_in, stable_sum, to_table, top_share, Spec,
};
use crate::table::chart::Bars;
use crate::table::{Chart, MonthOf, Table};
use anyhow::{anyhow, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

pub const DEF: MetricDef = MetricDef {
    name: "mean_hours",
    summary: "mean paid hours per month or week at rel_month k or over the window's person-months",
    resolve: resolve::<MeanHours>,
    outcome: Some(super::OutcomeDef {
        kind: OutcomeKind::Mean,
        needs_at: true,
    }),
    window: super::WindowKeys::Rel,
    followup_end: true,
    example: "group_by = [\"arm\"]\n[params]\nat = 3\namong = \"paid_hours\"\n",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Hours in the calendar month.
    Month,
    /// Monthly hours × 12 / 52.
    Week,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MeanHours {
    /// The month k (`rel_month`); unset: every month of the window.
    pub at: Option<i32>,
    /// `"all"`: every observed person-month (hours 0 included); otherwise a status: only the
    /// person-months in it (e.g. `"paid_hours"`, the employed).
    pub among: String,
    pub unit: Unit,
}

impl Default for MeanHours {
    fn default() -> Self {
        MeanHours {
            at: None,
            among: "all".into(),
            unit: Unit::Month,
        }
    }
}

const WEEKS_PER_MONTH: f64 = 52.0 / 12.0;

impl MeanHours {
    /// The status the mean is taken among; `None`: every observed month.
    fn among_status(&self) -> Option<&str> {
        (self.among != "all").then_some(self.among.as_str())
    }
}

impl Compute for MeanHours {
    fn statuses(&self) -> Vec<String> {
        if self.among == "all" {
            Vec::new()
        } else {
            vec![self.among.clone()]
        }
    }

    fn check(&self, window: &Window) -> Result<(), String> {
        if let Some(at) = self.at {
            check_rel_month("at", at.into())?;
            if window.from.is_some_and(|from| at < from) || window.to.is_some_and(|to| at > to) {
                return Err(format!(
                    "at = {at} lies outside the window {}..{}",
                    window.from(),
                    window.to.map_or(String::new(), |t| t.to_string())
                ));
            }
        }
        if self.among.trim().is_empty() {
            return Err("among must be \"all\" or a status name".into());
        }
        Ok(())
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        self.check(input.window).map_err(|e| anyhow!(e))?;
        let (from, to) = match self.at {
            Some(at) => (at, Some(at)),
            None => (input.window.from(), input.window.to),
        };
        let mut keep = col("rel_month").gt_eq(lit(from));
        if let Some(to) = to {
            keep = keep.and(col("rel_month").lt_eq(lit(to)));
        }
        let among = if self.among == "all" {
            lit(true)
        } else {
            col(self.among.as_str()).fill_null(lit(false))
        };
        let factor = match self.unit {
            Unit::Month => 1.0,
            Unit::Week => 1.0 / WEEKS_PER_MONTH,
        };
        // Per person: observed months, counted months, and the sums of hours and squared hours
        // over the counted months.
        // Sums are of monthly hours (the register's own values, exact at 6 decimals); the unit's
        // factor is applied to the mean and the sd afterwards.
        let hours = col("hours");
        let per_person = input
            .months
            .clone()
            .lazy()
            .filter(keep)
            .with_column(among.alias("among"))
            .group_by([col("person")])
            .agg([
                len().cast(DataType::Int64).alias("observed"),
                col("among").cast(DataType::Int64).sum().alias("m"),
                stable_sum(hours.clone().filter(col("among")), 6).alias("h"),
                stable_sum((hours.clone() * hours).filter(col("among")), 4).alias("h2"),
            ]);
        let frame = every_person(input, per_person).with_columns([
            col("observed").fill_null(lit(0i64)),
            col("m").fill_null(lit(0i64)),
            col("h").fill_null(lit(0.0)),
            col("h2").fill_null(lit(0.0)),
        ]);
        let sum_m = col("m").sum().cast(DataType::Float64);
        let sum_h = stable_sum(col("h"), 6);
        let variance = (stable_sum(col("h2"), 4) - sum_h.clone() * sum_h.clone() / sum_m.clone())
            / (sum_m.clone() - lit(1.0));
        let aggs = [
            col("m")
                .gt(lit(0i64))
                .cast(DataType::Int64)
                .sum()
                .alias("n_persons"),
            col("m").sum().alias("n_person_months"),
            (sum_h / sum_m.clone() * lit(factor)).alias("mean"),
            // The sample sd (n - 1), clamped at 0 against rounding; none from fewer than 2
            // person-months (NaN becomes an empty cell).
            when(sum_m.clone().gt(lit(1.0)))
                .then(
                    when(variance.clone().lt(lit(0.0)))
                        .then(lit(0.0))
                        .otherwise(variance)
                        .sqrt()
                        * lit(factor),
                )
                .otherwise(lit(f64::NAN))
                .alias("sd"),
            col("observed")
                .eq(lit(0i64))
                .cast(DataType::Int64)
                .sum()
                .alias("n_censored"),
            top_share(col("h")).alias("top_share"),
        ];
        let result = by_group(frame, input.group_by, &aggs).map_err(|e| polars(DEF.name, e))?;
        let mut specs: Vec<Spec<'_>> = input.group_by.iter().map(|g| group(g)).collect();
        specs.extend([
            persons("n_persons"),
            mean("n_person_months", "n_persons", 0),
            mean("mean", "n_persons", 2),
            mean("sd", "n_persons", 2),
            persons("n_censored"),
        ]);
        let mut table = to_table(&result, &specs)?;
        mark_dominated(&mut table, &result, "top_share", &["mean", "sd"])
            .map_err(|e| polars(DEF.name, e))?;
        // Every person, with their person-months, is in one group. n_person_months is a count
        // (of person-months) shown as a statistic over n_persons: it adds up too.
        table.relations.extend(groups_sum_to_total(
            input.group_by,
            &[],
            &["n_persons", "n_person_months", "n_censored"],
        ));
        // Among all months, a person observed in the window is among n_persons, and one not
        // observed among n_censored; among a status, those observed only outside it are neither.
        if self.among == "all" {
            table
                .relations
                .push(population(&["n_persons", "n_censored"]));
        }
        // At one month, n_persons are the persons observed then (in `among`'s status): a share
        // or an effect of the same persons counts them too.
        if let Some(at) = self.at {
            table.relations.push(population_in(
                &["n_persons"],
                observed_at(input, MonthOf::Fixed(at), self.among_status()),
            ));
        }
        let unit = match self.unit {
            Unit::Month => "hours per month",
            Unit::Week => "hours per week (monthly hours × 12 / 52)",
        };
        let among = if self.among == "all" {
            "all observed person-months (months without hours count as 0)".to_string()
        } else {
            format!("the observed person-months with {}", self.among)
        };
        let when = match self.at {
            Some(at) => format!("at rel_month {at}"),
            None => format!(
                "over rel_month {}..{}",
                from,
                to.map_or("the end of follow-up".to_string(), |t| t.to_string())
            ),
        };
        table.notes.push(format!(
            "mean, sd: paid {unit} {when}, among {among}; n_person_months: the months averaged, n_persons: the persons they belong to; n_censored: persons with no observed month {when}"
        ));
        Ok(table.with_chart(Chart::Bars(Bars::values(
            &[("mean", "mean")],
            Some("n_persons"),
            &format!("mean paid {unit}"),
        ))))
    }

    fn person_outcome(&self, input: &MetricInput<'_>) -> Result<Option<PersonOutcome>> {
        // Over a window a person contributes several months: no one value per person.
        let Some(at) = self.at else {
            return Ok(None);
        };
        self.check(input.window).map_err(|e| anyhow!(e))?;
        let factor = match self.unit {
            Unit::Month => 1.0,
            Unit::Week => 1.0 / WEEKS_PER_MONTH,
        };
        let hours = col("hours").cast(DataType::Float64).fill_null(lit(0.0)) * lit(factor);
        // Persons observed at k but outside `among` keep a row with no value: they are not
        // censored, only outside the mean.
        let value = if self.among == "all" {
            hours
        } else {
            when(col(self.among.as_str()).fill_null(lit(false)))
                .then(hours)
                .otherwise(lit(NULL).cast(DataType::Float64))
        };
        let frame = input
            .months
            .clone()
            .lazy()
            .filter(col("rel_month").eq(lit(at)))
            .select([col("person"), value.alias("value")])
            .sort(["person"], SortMultipleOptions::default())
            .collect()
            .map_err(|e| polars(DEF.name, e))?;
        let unit = match self.unit {
            Unit::Month => "hours per month",
            Unit::Week => "hours per week (monthly hours × 12 / 52)",
        };
        let among = if self.among == "all" {
            "every person observed then (no hours count as 0)".to_string()
        } else {
            format!("the persons with {} then", self.among)
        };
        Ok(Some(PersonOutcome {
            frame,
            among: (self.among != "all").then(|| self.among.clone()),
            kind: OutcomeKind::Mean,
            label: format!("paid {unit} at rel_month {at}, among {among}"),
            subsets: OutcomeSubsets {
                observed: Some(observed_at(input, MonthOf::Fixed(at), None)),
                valued: Some(observed_at(input, MonthOf::Fixed(at), self.among_status())),
                positive: None,
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::testing::{
        assert_close, assert_relations, check_err, float, groups_relation, input, mean_outcome,
        resolve, resolve_err, run, tiny_panel, window,
    };
    use crate::table::Value;

    #[test]
    fn among_all_at_month_three_by_arm() {
        // rel_month 3, hours: treatment P08 0, P06 40, P05 140, P01 80, P03 0 → 260 / 5 = 52
        // (P10 not observed at 3: censored). sd: deviations -52, -12, 88, 28, -52; squares
        // 2704 + 144 + 7744 + 784 + 2704 = 14080; / 4 = 3520; sd = sqrt(3520).
        // control: P07 0 (flexjob, no income row), P04 70, P02 160.33 → 230.33 / 3
        // (P09, P11 censored).
        let table = run(&DEF, "at = 3", &["arm"], Window::default());
        assert_eq!(
            table.cell(&["treatment"], "n_persons"),
            Some(&Value::Int(5))
        );
        assert_eq!(
            table.cell(&["treatment"], "n_person_months"),
            Some(&Value::Float(5.0))
        );
        assert_close(float(&table, &["treatment"], "mean"), 52.0);
        assert_close(float(&table, &["treatment"], "sd"), 3520f64.sqrt());
        assert_eq!(
            table.cell(&["treatment"], "n_censored"),
            Some(&Value::Int(1))
        );
        assert_close(float(&table, &["control"], "mean"), 230.33 / 3.0);
        assert_eq!(table.cell(&["control"], "n_censored"), Some(&Value::Int(2)));
        // All 8: (260 + 230.33) / 8.
        assert_close(float(&table, &["(all)"], "mean"), 490.33 / 8.0);
    }

    #[test]
    fn one_person_above_85_percent_of_the_hours_marks_the_mean() {
        // rel_month 3 by project: AP is P05 140, P08 0, P03 0 (140 of 140: 100%); BIR is P04 70,
        // P07 0 (100%); FSM2 is P02 160.33, P01 80, P06 40 (160.33 of 280.33: 57%); all 8:
        // 160.33 of 490.33 (33%). The (1, 85%) rule marks AP's and BIR's mean and sd.
        let table = run(&DEF, "at = 3", &["project"], Window::default());
        let names: Vec<(String, &str)> = table
            .sensitive
            .iter()
            .map(|&(r, c)| {
                let Value::Text(group) = &table.rows[r][0] else {
                    panic!("a group row");
                };
                (group.clone(), table.columns[c].name.as_str())
            })
            .collect();
        assert_eq!(
            names,
            [
                ("AP".to_string(), "mean"),
                ("BIR".to_string(), "mean"),
                ("AP".to_string(), "sd"),
                ("BIR".to_string(), "sd"),
            ]
        );
    }

    #[test]
    fn per_week_is_monthly_times_12_over_52() {
        // Same month, everyone: 490.33 / 8 hours a month → × 12 / 52 a week.
        let table = run(&DEF, "at = 3\nunit = \"week\"", &[], Window::default());
        assert_close(float(&table, &[], "mean"), 490.33 / 8.0 * 12.0 / 52.0);
    }

    #[test]
    fn among_the_employed_pools_person_months() {
        // Window rel_month 6..8, among paid_hours person-months:
        // P06: 7 (20 h)            P05: none (0.5 h at 6 is < 1 h)
        // P01: 6, 7, 8 (150 each)  P07: 6, 7 (72.5 each)   P04: 6 (120)
        // P08, P03: none; P10 observed at 8 only (Jul 2020, its first covered month), 0 h;
        // P02 (last rel_month 4), P09 (0), P11 (-1) not observed in 6..8: censored 3.
        // Months: 1 + 3 + 2 + 1 = 7; hours 20 + 450 + 145 + 120 = 735 → mean 105;
        // persons: P06, P01, P07, P04 = 4.
        let table = run(&DEF, "among = \"paid_hours\"", &[], window(6, Some(8)));
        assert_eq!(table.cell(&[], "n_persons"), Some(&Value::Int(4)));
        assert_eq!(table.cell(&[], "n_person_months"), Some(&Value::Float(7.0)));
        assert_close(float(&table, &[], "mean"), 105.0);
        assert_eq!(table.cell(&[], "n_censored"), Some(&Value::Int(3)));
    }

    #[test]
    fn person_without_register_rows_counts_zero_hours_among_all() {
        // Municipality Odense at rel_month 0: P08 (Aug 2020) 0 h, P03 (no rows at all) 0 h,
        // P04 (Nov 2020) 155 h, P09 (May 2021) 25 h → 180 / 4 = 45.
        let table = run(&DEF, "at = 0", &["municipality"], Window::default());
        assert_eq!(table.cell(&["Odense"], "n_persons"), Some(&Value::Int(4)));
        assert_close(float(&table, &["Odense"], "mean"), 45.0);
    }

    #[test]
    fn nobody_in_status_gives_null_mean() {
        // Among paid_hours at rel_month 3 in København: P11 is not observed at 3 → n 0, no mean,
        // no sd. Aarhus at 3: P01 80 h, P02 160.33 h (P10 not observed) → mean 120.165, n 2.
        let params = "at = 3\namong = \"paid_hours\"";
        let table = run(&DEF, params, &["municipality"], Window::default());
        assert_eq!(
            table.cell(&["København"], "n_persons"),
            Some(&Value::Int(0))
        );
        assert_eq!(table.cell(&["København"], "mean"), Some(&Value::Null));
        assert_eq!(table.cell(&["København"], "sd"), Some(&Value::Null));
        assert_eq!(
            table.cell(&["København"], "n_censored"),
            Some(&Value::Int(1))
        );
        assert_close(float(&table, &["Aarhus"], "mean"), 240.33 / 2.0);
        // One person-month: a mean but no sd.
        let params = "at = 0\namong = \"paid_hours\"";
        let table = run(&DEF, params, &["arm"], Window::default());
        // treatment at 0, paid: only P05 (8.5 h).
        assert_close(float(&table, &["treatment"], "mean"), 8.5);
        assert_eq!(table.cell(&["treatment"], "sd"), Some(&Value::Null));
    }

    #[test]
    fn groups_add_up_to_the_total() {
        let summed = ["n_persons", "n_person_months", "n_censored"];
        assert_relations(&run(&DEF, "at = 3", &[], Window::default()), &[]);
        assert_relations(
            &run(&DEF, "at = 3", &["arm"], Window::default()),
            &[groups_relation("arm", &[], &summed)],
        );
        let params = "among = \"paid_hours\"\nunit = \"week\"";
        let table = run(&DEF, params, &["municipality", "sex"], window(-4, Some(8)));
        assert_relations(&table, &[groups_relation("municipality", &[], &summed)]);
        assert_relations(
            &run(&DEF, "", &["sex"], Window::default()),
            &[groups_relation("sex", &[], &summed)],
        );
    }

    #[test]
    fn parameters_are_checked_by_name() {
        let err = resolve_err(&DEF, "unit = \"day\"");
        assert!(err.contains("day") && err.contains("unit"), "{err}");
        let err = check_err(&DEF, "at = -2", &window(0, None));
        assert!(err.contains("at = -2"), "{err}");
        let metric = resolve(&DEF, "");
        assert_eq!(metric.statuses(), Vec::<String>::new());
        let metric = resolve(&DEF, "among = \"paid_hours\"");
        assert_eq!(metric.statuses(), vec!["paid_hours".to_string()]);
    }

    #[test]
    fn person_outcome_at_month_three() {
        // Person indices follow the cohort file: P10 0, P08 1, P06 2, P05 3, P01 4, P07 5, P03 6,
        // P04 7, P02 8, P09 9, P11 10. Among paid_hours at rel_month 3: P06 40 h, P05 140, P01
        // 80, P04 70, P02 160.33 (P08, P07, P03 have no hours; P10, P09, P11 are not observed).
        let panel = tiny_panel();
        let input = input(&panel, &[], Window::default());
        let values = |params: &str| {
            let outcome = resolve(&DEF, params)
                .person_outcome(&input)
                .unwrap()
                .expect("an outcome");
            assert_eq!(outcome.kind, crate::metrics::OutcomeKind::Mean);
            mean_outcome(&outcome)
        };
        // Among paid_hours: every person observed at 3 has a row; those without paid hours then
        // (P08, P07, P03) have no value: outside the mean, not censored.
        let (persons, hours) = values("at = 3\namong = \"paid_hours\"");
        assert_eq!(persons, [1, 2, 3, 4, 5, 6, 7, 8]);
        let paid = [
            None,
            Some(40.0),
            Some(140.0),
            Some(80.0),
            None,
            None,
            Some(70.0),
            Some(160.33),
        ];
        for (got, want) in hours.iter().zip(paid) {
            match (got, want) {
                (Some(got), Some(want)) => assert_close(*got, want),
                _ => assert_eq!(*got, want),
            }
        }
        // Among all, per week: the eight persons observed at 3, hours × 12 / 52, zeros included
        // (P08, P07, P03).
        let (persons, hours) = values("at = 3\nunit = \"week\"");
        assert_eq!(persons, [1, 2, 3, 4, 5, 6, 7, 8]);
        let monthly = [0.0, 40.0, 140.0, 80.0, 0.0, 0.0, 70.0, 160.33];
        for (got, want) in hours.iter().zip(monthly) {
            let got = got.expect("a value for everyone observed");
            assert_close(got, want * 12.0 / 52.0);
        }
        // Over a window: no one value per person.
        let metric = resolve(&DEF, "");
        assert!(metric.person_outcome(&input).unwrap().is_none());
    }

    #[test]
    fn follow_up_to_the_end_date() {
        use crate::metrics::testing::{int, run_to_end_date};
        // rel_month 2 with `testing::tiny_end_dates`: P08 0, P06 0, P01 0, P07 70, P03 0, P04 0
        // (its end month), P02 160.33 (its end month) → 230.33 / 7; P05 (ended at 0), P10, P09,
        // P11 censored. To coverage P05's 100 h count too: 330.33 / 8, 3 censored.
        let table = run_to_end_date(&DEF, "at = 2", &[], Window::default());
        assert_eq!(int(&table, &[], "n_persons"), 7);
        assert_eq!(int(&table, &[], "n_censored"), 4);
        assert_close(float(&table, &[], "mean"), 230.33 / 7.0);
    }
}
