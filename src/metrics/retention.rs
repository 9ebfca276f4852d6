//! `retention` (spec `metrics.md` §3.6): among persons whose first month in a status S lies in the
//! window, the status k months later: the share still in S, and the share in S with at least one
//! employer in common with the first month. Reproduces 004 Table 4 (S4-T4-paid, S4-T4-same) and
//! 000's "still in a job after 6 months".
//!
//! The first month is the first month in S among the person's months with `rel_month` in the
//! window; the month k later need only be observed (it may lie past `window.to`). A person not
//! observed k months after the first month is `n_censored`, never a silent "not retained".
//! Optionally, persons with a month in one of `not_preceded_by` before their first month in S are
//! left out (`n_preceded`): 004 Table 4 counts persons for whom paid hours came first of the two
//! options "paid hours or company internship".
//!
//! Employers are the income register's rows of the month with hours > 0 and >=
//! `min_hours_per_employer` (the panel's option), the same rule as the panel's `employers`.

use super::{
    resolve, Compute, MetricDef, MetricInput, OutcomeKind, OutcomeSubsets, PersonOutcome, Window,
};
use crate::calendar::Month;
use crate::load::Job;
use crate::measure::check_months;
use crate::measure::common::{
    balanced, by_group, every_person, group, groups_sum_to_total, in_window, left_join, persons,
    polars, share_of, to_table, Spec,
};
use crate::panel::{counts_as_employer, PanelOptions};
use crate::table::chart::{plain, Bars};
use crate::table::{Chart, Relation, Table};
use anyhow::Result;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

pub const DEF: MetricDef = MetricDef {
    name: "retention",
    summary:
        "status k months after the first month in a status: still in it, with the same employer",
    resolve: resolve::<Retention>,
    outcome: Some(super::OutcomeDef {
        kind: super::OutcomeKind::Share,
        needs_at: false,
    }),
    window: super::WindowKeys::Rel,
    followup_end: true,
    example: "[window]\nto = 6\n[params]\nstatus = \"paid_hours\"\nk = 2\n",
};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// The status S (a panel status or one the query defines).
    pub status: String,
    /// Months after the first month in S at which the status is looked up.
    pub k: i32,
    /// Statuses that must not come before the first month in S (a month in one of them in the
    /// window strictly before it leaves the person out); a month with both counts as S first.
    pub not_preceded_by: Vec<String>,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            status: "paid_hours".into(),
            k: 6,
            not_preceded_by: Vec::new(),
        }
    }
}

impl Compute for Retention {
    fn statuses(&self) -> Vec<String> {
        let mut statuses = vec![self.status.clone()];
        for s in &self.not_preceded_by {
            if !statuses.contains(s) {
                statuses.push(s.clone());
            }
        }
        statuses
    }

    fn check(&self, _window: &Window) -> Result<(), String> {
        if self.k < 1 {
            return Err(format!(
                "k = {}: k must be at least 1 (months after the first month in {})",
                self.k, self.status
            ));
        }
        check_months("k", self.k.into())
    }

    fn person_outcome(&self, input: &MetricInput<'_>) -> Result<Option<PersonOutcome>> {
        // Counted persons carry whether they are still in S; persons with no first month in S
        // (or one preceded) are outside the outcome (a null); the censored have no row.
        let frame = self
            .persons_frame(input)?
            .lazy()
            .filter(col("counted").or(col("qualifies").not()))
            .select([
                col("person"),
                when(col("counted"))
                    .then(col("still"))
                    .otherwise(lit(NULL).cast(DataType::Boolean))
                    .alias("value"),
            ])
            .collect()
            .map_err(|e| polars(DEF.name, e))?;
        let preceded = if self.not_preceded_by.is_empty() {
            String::new()
        } else {
            format!(" not preceded by {}", self.not_preceded_by.join(" or "))
        };
        Ok(Some(PersonOutcome {
            frame,
            among: Some(format!(
                "a first month in {} in the window{preceded}",
                self.status
            )),
            kind: OutcomeKind::Share,
            label: format!(
                "{status} {k} months after the first month in {status}",
                status = self.status,
                k = self.k
            ),
            subsets: OutcomeSubsets::default(),
        }))
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        let failed = |err| polars(DEF.name, err);
        let status = self.status.as_str();
        let frame = self.persons_frame(input)?;
        let same = same_employer(
            &frame,
            self.k,
            &input.panel.income.jobs,
            &input.panel.options,
        )?;
        let mut frame = frame;
        frame
            .with_column(Column::new("same".into(), same))
            .map_err(failed)?;
        let frame = frame.lazy();
        let count = |c: &str, name: &str| col(c).cast(DataType::Int64).sum().alias(name);
        let aggs = [
            count("counted", "n"),
            count("censored", "n_censored"),
            count("left_out", "n_preceded"),
            count("still", "count_still"),
            count("same", "count_same_employer"),
        ];
        let result = by_group(frame, input.group_by, &aggs).map_err(failed)?;
        let mut specs: Vec<Spec<'_>> = input.group_by.iter().map(|g| group(g)).collect();
        specs.extend([persons("n"), persons("n_censored")]);
        if !self.not_preceded_by.is_empty() {
            specs.push(persons("n_preceded"));
        }
        specs.extend([
            persons("count_still"),
            share_of("share_still", "count_still", "n"),
            persons("count_same_employer"),
            share_of("share_same_employer", "count_same_employer", "n"),
        ]);
        let mut table = to_table(&result, &specs)?;
        // Every person is in one group. (n + n_censored + n_preceded is the persons with a first
        // month in the status, not a column.)
        let mut summed = vec!["n", "n_censored"];
        if !self.not_preceded_by.is_empty() {
            summed.push("n_preceded");
        }
        summed.extend(["count_still", "count_same_employer"]);
        table
            .relations
            .extend(groups_sum_to_total(input.group_by, &[], &summed));
        // Those with the same employer are among those still in the status.
        table.relations.push(Relation::AtMost {
            smaller: "count_same_employer".into(),
            larger: "count_still".into(),
        });
        let range = input.window.range();
        table.notes.push(format!(
            "n: persons whose first month in {status} with rel_month {range} is observed {k} months later (n_censored: not observed then); share_still: in {status} {k} months after that first month; share_same_employer: in {status} then with an employer (hours > 0 and >= {min}) in common with the first month",
            k = self.k,
            min = input.panel.options.min_hours_per_employer,
        ));
        if !self.not_preceded_by.is_empty() {
            table.notes.push(format!(
                "n_preceded: persons left out because a month in {} (in the window) came before their first month in {status}",
                self.not_preceded_by.join(" or ")
            ));
        }
        Ok(table.with_chart(Chart::Bars(Bars::shares(
            &[
                ("share_still", "still in the status"),
                ("share_same_employer", "with the same employer"),
            ],
            Some("n"),
            &format!(
                "{} months after the first month in {} (%)",
                self.k,
                plain(&self.status)
            ),
        ))))
    }
}

impl Retention {
    /// Every person of the population with whether they count (`counted`: a first month in S in
    /// the window, not preceded, observed k months later), are `censored` or `left_out`, and are
    /// `still` in S then; with `first_month` for the employers.
    fn persons_frame(&self, input: &MetricInput<'_>) -> Result<DataFrame> {
        let failed = |err| polars(DEF.name, err);
        let status = self.status.as_str();
        let window_months = in_window(input.months.clone().lazy(), input.window);
        let firsts = window_months
            .clone()
            .filter(col(status))
            .group_by([col("person")])
            .agg([
                col("rel_month").min().alias("first"),
                col("month").min().alias("first_month"),
            ]);
        let mut frame = every_person(input, firsts);
        let preceded = match balanced(
            self.not_preceded_by
                .iter()
                .map(|s| col(s.as_str()))
                .collect(),
            Expr::or,
        ) {
            None => lit(false),
            Some(prior) => {
                let priors = window_months
                    .filter(prior)
                    .group_by([col("person")])
                    .agg([col("rel_month").min().alias("first_prior")]);
                frame = left_join(frame, priors);
                col("first_prior").lt(col("first")).fill_null(lit(false))
            }
        };
        // The person's month k after the first one, if observed (any month of the panel, not only
        // the window's). The months are sorted by person and month, so each person's rows are one
        // run: the status k months on is read by position, not by a join over every
        // person-month (a join hashed gigabytes for a million persons).
        let base = frame
            .with_column((col("first") + lit(self.k)).alias("later"))
            .collect()
            .map_err(failed)?;
        let later_status = status_at(&input.months, status, &base)?;
        base.lazy()
            .with_column(lit(Series::new("later_status".into(), later_status)))
            .with_column(preceded.alias("preceded"))
            .with_columns([
                col("first")
                    .is_not_null()
                    .and(col("preceded").not())
                    .alias("qualifies"),
                col("later_status").is_not_null().alias("observed_later"),
            ])
            .with_columns([
                col("qualifies").and(col("observed_later")).alias("counted"),
                col("qualifies")
                    .and(col("observed_later").not())
                    .alias("censored"),
                col("first")
                    .is_not_null()
                    .and(col("preceded"))
                    .alias("left_out"),
            ])
            .with_column(
                col("counted")
                    .and(col("later_status").fill_null(lit(false)))
                    .alias("still"),
            )
            .collect()
            .map_err(failed)
    }
}

/// For each row of `frame` (`person`, `first_month`, `still`): whether the person, still in the
/// status k months after `first_month`, has an employer in common with `first_month` then.
fn same_employer(
    frame: &DataFrame,
    k: i32,
    jobs: &[Job],
    options: &PanelOptions,
) -> Result<Vec<bool>> {
    let person = frame.column("person")?.u32()?;
    let first_month = frame.column("first_month")?.i32()?;
    let still = frame.column("still")?.bool()?;
    Ok(person
        .iter()
        .zip(first_month.iter())
        .zip(still.iter())
        .map(|((person, first), still)| match (person, first, still) {
            (Some(person), Some(first), Some(true)) => {
                let before = employers(jobs, person, first, options);
                let after = employers(jobs, person, first + k, options);
                before.iter().any(|e| after.contains(e))
            }
            _ => false,
        })
        .collect())
}

/// For each row of `persons` (columns `person`, `later`), the status in the person's month with
/// `rel_month == later`, or `None` when that month is not in the panel.
fn status_at(months: &DataFrame, status: &str, persons: &DataFrame) -> Result<Vec<Option<bool>>> {
    let person = months.column("person")?.u32()?;
    let rel_month = months.column("rel_month")?.i32()?;
    let flag = months.column(status)?.bool()?;
    let (person, rel_month, flag) = (person.rechunk(), rel_month.rechunk(), flag.rechunk());
    let person = person.cont_slice()?;
    let rel_month = rel_month.cont_slice()?;
    // First row of each person's run.
    let mut runs: std::collections::HashMap<u32, (usize, usize)> = std::collections::HashMap::new();
    let mut row = 0;
    while row < person.len() {
        let start = row;
        while row < person.len() && person[row] == person[start] {
            row += 1;
        }
        runs.insert(person[start], (start, row));
    }
    let wanted = persons.column("person")?.u32()?;
    let later = persons.column("later")?.i32()?;
    Ok(wanted
        .iter()
        .zip(later.iter())
        .map(|(p, later)| {
            let (p, later) = (p?, later?);
            let &(start, end) = runs.get(&p)?;
            let offset = later - rel_month[start];
            let at = start + usize::try_from(offset).ok()?;
            (at < end && rel_month[at] == later)
                .then(|| flag.get(at))
                .flatten()
        })
        .collect())
}

/// The employers of a person-month (index into `employer_ids`), from the sorted income rows.
fn employers(jobs: &[Job], person: u32, month: i32, options: &PanelOptions) -> Vec<u32> {
    let key = (person, Month::from_index(month));
    let start = jobs.partition_point(|j| (j.person, j.month) < key);
    jobs[start..]
        .iter()
        .take_while(|j| (j.person, j.month) == key)
        .filter(|j| counts_as_employer(j.hours, options))
        .map(|j| j.employer)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::testing::{
        assert_relations, check_err, first_column, groups_relation, int, ints, resolve,
        resolve_err, run, window,
    };
    use crate::table::Value;

    /// The persons counted, censored, still in a job and with the same employer.
    const COUNTS: [&str; 4] = ["n", "n_censored", "count_still", "count_same_employer"];

    #[test]
    fn six_months_after_the_first_paid_month() {
        // First month with paid hours at rel_month >= 0, and rel_month first + 6:
        // P10 13 (Dec 2020) -> 19 > last observed 18: censored.
        // P06 3 (Nov 2020, E600) -> 9 (May 2021): no hours, not still.
        // P05 0 (Sep 2020, E400) -> 6 (Mar 2021): 0.50 h at E420, not paid_hours: not still.
        // P01 3 (Dec 2020) -> 9 > 8: censored.
        // P07 0 (Oct 2020, E700) -> 6 (Apr 2021, 72.5 h at E700): still, same employer.
        // P04 0 (Nov 2020, E200) -> 6 (May 2021, 120 h at E300): still, another employer.
        // P02 0 (Jan 2021, the week-53 start) -> 6 > 4: censored. P09 0 -> 6 > 0: censored.
        // P08, P03 never paid; P11 has no month from start.
        // n = 4, censored = 4, still = 2 (P07, P04), same employer = 1 (P07).
        let table = run(&DEF, "", &[], window(0, None));
        assert_eq!(ints(&table, &[], &COUNTS), [4, 4, 2, 1]);
        assert_eq!(table.cell(&[], "share_still"), Some(&Value::Float(0.5)));
        assert_eq!(
            table.cell(&[], "share_same_employer"),
            Some(&Value::Float(0.25))
        );
        assert!(table.column_index("n_preceded").is_none());
    }

    #[test]
    fn three_months_after_and_by_arm() {
        // k = 3, first paid month in rel_month >= 0 -> first + 3:
        // treatment: P10 13 -> 16 (Mar 2021) no hours; P06 3 -> 6 (Feb 2021) no hours;
        //   P05 0 (E400) -> 3 (Dec 2020, 140 h E400) still, same; P01 3 (E500) -> 6 (150 h
        //   E500) still, same. n 4, still 2, same 2.
        // control: P07 0 -> 3 (Jan 2021, flexjob without pay) not still; P04 0 (E200 only; E100
        //   was in Oct 2020, before the window) -> 3 (Feb 2021, E100 + E300) still, not same;
        //   P02 0 (E210) -> 3 (Apr 2021, E210) still, same; P09 censored. n 3, censored 1,
        //   still 2, same 1.
        let table = run(&DEF, "k = 3", &["arm"], window(0, None));
        assert_eq!(ints(&table, &["treatment"], &COUNTS), [4, 0, 2, 2]);
        assert_eq!(ints(&table, &["control"], &COUNTS), [3, 1, 2, 1]);
        let all = ["n", "count_still", "count_same_employer"];
        assert_eq!(ints(&table, &["(all)"], &all), [7, 4, 3]);
        assert_eq!(first_column(&table), ["control", "treatment", "(all)"]);
    }

    #[test]
    fn two_employers_share_one() {
        // Window from -1, k = 4. P04's first month is now rel_month -1 (Oct 2020: E100 + E200)
        // and rel_month 3 (Feb 2021) has E100 + E300: one employer in common.
        // P10 13 -> 17 no hours; P06 3 -> 7 (20 h E600) same; P05 0 -> 4 no hours; P01 3 -> 7
        // (E500) same; P07 0 -> 4 (E700) same; P02 0 -> 4 (E210) same; P09 censored; P11's
        // rel_month -1 has no hours.
        // n 7, censored 1, still 5 (P06, P01, P07, P04, P02), same 5.
        let table = run(&DEF, "k = 4", &[], window(-1, None));
        assert_eq!(ints(&table, &[], &COUNTS), [7, 1, 5, 5]);
        // And k = 1 from -1: P04 Oct 2020 (E100 + E200) -> Nov 2020 (E200): same.
        let table = run(&DEF, "k = 1", &["sex"], window(-1, Some(-1)));
        // Only P04 has paid hours at rel_month -1 (P05 -1, P01 -1, P07 -1, ... have none).
        assert_eq!(ints(&table, &["M"], &["n", "count_same_employer"]), [1, 1]);
        assert_eq!(int(&table, &["F"], "n"), 0);
        assert_eq!(table.cell(&["F"], "share_still"), Some(&Value::Null));
    }

    #[test]
    fn internship_first_leaves_the_person_out() {
        // As in three_months_after_and_by_arm, but P01 had internship weeks at rel_month 1 and 2,
        // before its first paid month (3): left out. n 6, still 3 (P05, P04, P02), same 2
        // (P05, P02), censored 1 (P09), preceded 1.
        let params = "k = 3\nnot_preceded_by = [\"internship\"]";
        let table = run(&DEF, params, &[], window(0, None));
        assert_eq!(ints(&table, &[], &COUNTS), [6, 1, 3, 2]);
        assert_eq!(int(&table, &[], "n_preceded"), 1);
    }

    #[test]
    fn a_month_with_both_keeps_the_person() {
        // From rel_month 3, k = 3: P01's first paid month (3, Dec 2020) also has internship
        // weeks: a tie, so P01 stays in; 6 (150 h E500) still, same. P10 13 -> 16 and P06
        // 3 -> 6 no hours; P05 3 (140 h) -> 6 (0.50 h) not still; P07 4 (E700) -> 7 (E700) and
        // P04 3 (E100 + E300) -> 6 (E300) still, same; P02 3 -> 6 censored; P09 has no month
        // from 3. n 6, censored 1, preceded 0, still 3, same 3.
        let params = "k = 3\nnot_preceded_by = [\"internship\"]";
        let table = run(&DEF, params, &[], window(3, None));
        assert_eq!(ints(&table, &[], &COUNTS), [6, 1, 3, 3]);
        assert_eq!(int(&table, &[], "n_preceded"), 0);
    }

    #[test]
    fn a_status_without_employers_and_a_person_without_register_rows() {
        // self_support, k = 6, from rel_month 0: P06 first 1 -> 7 self-supporting, no employer
        // in Sep 2020; P03 (no DREAM row, no income) 0 -> 6 self-supporting, no employers;
        // P04 0 -> 6 self-supporting, E200 vs E300. P05 (3 -> 9), P01 (6 -> 12) and P02
        // (1 -> 7) are censored. P10, P08, P07, P09, P11 are never self-supporting from start.
        let table = run(&DEF, "status = \"self_support\"", &[], window(0, None));
        assert_eq!(ints(&table, &[], &COUNTS), [3, 3, 3, 0]);
        assert_eq!(
            table.cell(&[], "share_same_employer"),
            Some(&Value::Float(0.0))
        );
    }

    #[test]
    fn nobody_qualifies() {
        // From rel_month 9 only P10 (13) has paid hours, and 13 + 6 is past its follow-up.
        let table = run(&DEF, "", &[], window(9, None));
        assert_eq!(ints(&table, &[], &["n", "n_censored"]), [0, 1]);
        assert_eq!(table.cell(&[], "share_still"), Some(&Value::Null));
        assert_eq!(table.cell(&[], "share_same_employer"), Some(&Value::Null));
    }

    #[test]
    fn groups_add_up_to_the_total() {
        // After the sums: those with the same employer are among those still in the status.
        let at_most = Relation::AtMost {
            smaller: "count_same_employer".into(),
            larger: "count_still".into(),
        };
        assert_relations(
            &run(&DEF, "", &[], window(0, None)),
            std::slice::from_ref(&at_most),
        );
        let table = run(&DEF, "k = 3", &["arm"], window(0, None));
        assert_relations(
            &table,
            &[groups_relation("arm", &[], &COUNTS), at_most.clone()],
        );
        let params = "k = 2\nnot_preceded_by = [\"internship\"]";
        let table = run(&DEF, params, &["municipality", "sex"], window(-2, Some(6)));
        assert_relations(
            &table,
            &[
                groups_relation(
                    "municipality",
                    &[],
                    &[
                        "n",
                        "n_censored",
                        "n_preceded",
                        "count_still",
                        "count_same_employer",
                    ],
                ),
                at_most.clone(),
            ],
        );
        let params = "status = \"self_support\"\nk = 1";
        let table = run(&DEF, params, &["sex"], window(0, None));
        assert_relations(&table, &[groups_relation("sex", &[], &COUNTS), at_most]);
    }

    #[test]
    fn bad_parameters_are_named() {
        let err = resolve_err(&DEF, "kk = 6");
        assert!(err.contains("unknown field `kk`"), "{err}");
        let err = resolve_err(&DEF, "k = \"six\"");
        assert!(err.contains("in `k`"), "{err}");
        let err = check_err(&DEF, "k = 0", &window(0, None));
        assert!(err.starts_with("k = 0"), "{err}");
        let calendar = Window {
            from_month: Some("2021-01".into()),
            ..Window::default()
        };
        // Calendar keys are refused in the plan, by the registry's window keys.
        assert_eq!(resolve(&DEF, "").check(&calendar), Ok(()));
        assert_eq!(
            DEF.window.unread(&calendar),
            Some((
                "from_month",
                "it counts rel_months from each person's start: use from / to"
            ))
        );
    }

    #[test]
    fn statuses_include_the_preceding_ones() {
        let metric = resolve(&DEF, "not_preceded_by = [\"internship\", \"paid_hours\"]");
        assert_eq!(metric.statuses(), ["paid_hours", "internship"]);
    }

    #[test]
    fn follow_up_to_the_end_date() {
        use crate::metrics::testing::run_to_end_date;
        // paid_hours one month after the first paid month from rel_month 0, with
        // `testing::tiny_end_dates`:
        // P06 3 → 4 not paid: counted; P01 3 → 4 (its end month) paid at E500: still, same;
        // P07 0 → 1 paid at E700: still, same; P04 0 → 1 (end at 2) not paid: counted;
        // P02 0 → 1 paid at E210: still, same. Censored: P05 (ended at 0; to coverage it is
        // still paid at E400 at 1) and P09 (coverage ends at 0). P10's first paid month (13) is
        // after its end: it has none. To coverage: n 7 (+ P05, + P10 13 → 14 not paid),
        // censored 1, still 4, same employer 4.
        let table = run_to_end_date(&DEF, "k = 1", &[], window(0, None));
        assert_eq!(ints(&table, &[], &COUNTS), [5, 2, 3, 3]);
    }
}
