//! `monthly_curve` (spec `metrics.md` §3.3): for each month of the window, the persons observed
//! and the share of them in a status. Indexed by `rel_month` (default) or by calendar month
//! (`calendar = true`, 004 Figure 6), optionally over a rolling window of months (BIR's 3) and,
//! by `rel_month`, optionally shifted by each group's month-0 share (001 Figure 15).
//!
//! A person counts in a month when the month is observed (a panel row) and its `rel_month` lies in
//! the window (`window.from`, default 0, to `window.to`); by calendar month the window's
//! `from_month`/`to_month` choose the months reported. With `rolling = w` the point at month m is
//! over the months m-w+1..m: n is the persons whose follow-up reaches the end of that period (m,
//! or their last counted month by `window.to` if sooner), count those of them in the status in at
//! least one of their counted months of it; `n_censored` counts the persons whose follow-up ends
//! inside the period (spec §3.3). With `rolling_share = "mean"` the point is instead the mean of
//! the period's monthly shares (a moving average, one reading of 004 Figure 6's BIR line).

use super::{resolve, Compute, MetricDef, MetricInput, Window};
use crate::measure::check_months;
use crate::measure::common::{
    groups_sum_to_total, observed_and_in_status, set_groups, smallest_count,
};
use crate::measure::curve::{check_calendar_window, curve, index_label, CurveRequest, MeanColumns};
use crate::table::chart::{plain, Curve};
use crate::table::{share, Chart, Col, MonthOf, RelWindow, Row, Table, TableBuilder, Value};
use anyhow::{anyhow, Result};
use serde::{Deserialize, Serialize};

pub const DEF: MetricDef = MetricDef {
    name: "monthly_curve",
    summary: "per month (rel_month or calendar month): persons observed and the share in a status",
    resolve: resolve::<MonthlyCurve>,
    outcome: None,
    window: super::WindowKeys::RelAndCalendar,
    followup_end: true,
    example: "[window]\nfrom_month = \"2021-01\"\nto_month = \"2021-05\"\n[params]\nstatus = \"any_result\"\ncalendar = true\nrolling = 3\n",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    None,
    /// Adds `share_corrected`: the share minus the group's share at `rel_month` 0.
    SubtractMonth0,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MonthlyCurve {
    /// The status S (a panel status or one the query defines).
    pub status: String,
    pub baseline: Baseline,
    /// Index by calendar month instead of `rel_month`.
    pub calendar: bool,
    /// Months per point: 1 is the month itself; w > 1 counts a person as in S at month m when in
    /// S in any of their counted months m-w+1..m, among the persons observed to the period's end.
    pub rolling: u32,
    /// What a rolling point is: the share of persons in S in any month of the period
    /// (`"touched"`), or the mean of the period's monthly shares (`"mean"`, a moving average).
    pub rolling_share: RollingShare,
}

/// [`MonthlyCurve::rolling_share`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RollingShare {
    Touched,
    Mean,
}

impl Default for MonthlyCurve {
    fn default() -> Self {
        MonthlyCurve {
            status: "paid_hours".into(),
            baseline: Baseline::None,
            calendar: false,
            rolling: 1,
            rolling_share: RollingShare::Touched,
        }
    }
}

impl Compute for MonthlyCurve {
    fn statuses(&self) -> Vec<String> {
        vec![self.status.clone()]
    }

    fn check(&self, window: &Window) -> Result<(), String> {
        if self.rolling < 1 {
            return Err("rolling must be at least 1 (months per point)".into());
        }
        check_months("rolling", self.rolling.into())?;
        if self.calendar && self.baseline != Baseline::None {
            return Err(
                "baseline = \"subtract_month0\" needs rel_month indexing (calendar = false)".into(),
            );
        }
        if self.rolling_share == RollingShare::Mean && self.baseline != Baseline::None {
            return Err("rolling_share = \"mean\" has no baseline: a mean of monthly shares is not shifted by month 0's (use rolling_share = \"touched\")".into());
        }
        check_calendar_window(window, self.calendar)?;
        if let Some(to) = window.to {
            if to < window.from() {
                return Err(format!("window.to = {to} is before window.from"));
            }
        }
        Ok(())
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        self.check(input.window).map_err(|e| anyhow!(e))?;
        if self.rolling > 1 && self.rolling_share == RollingShare::Mean {
            return self.moving_average(input);
        }
        let window = input.window;
        let counts = curve(
            input,
            &CurveRequest::for_window(&self.status, self.calendar, self.rolling, window)?,
        )?;
        let baseline = match self.baseline {
            Baseline::None => None,
            Baseline::SubtractMonth0 => Some(curve(
                input,
                &CurveRequest {
                    status: &self.status,
                    calendar: false,
                    rolling: 1,
                    rel_from: 0,
                    rel_to: Some(0),
                    first: Some(0),
                    last: Some(0),
                },
            )?),
        };

        let mut t = TableBuilder::new();
        let group_cols: Vec<Col> = t.groups(input.group_by);
        let index_name = self.index_name();
        let index_col = self.index_column(&mut t);
        let n_col = t.persons("n");
        let count_col = t.persons("count");
        let share_col = t.share("share", count_col, n_col);
        let rolling = self.rolling > 1;
        let censored_col = rolling.then(|| t.persons("n_censored"));
        // The baseline curve with its columns.
        let baseline = baseline.map(|curve| {
            let n0 = t.persons("n_month0");
            let count0 = t.persons("count_month0");
            let share0 = t.share("share_month0", count0, n0);
            let min_cell = t.persons("min_cell");
            let corrected = t.mean("share_corrected", min_cell, 4);
            (curve, [n0, count0, share0, min_cell, corrected])
        });
        for (g, key) in counts.groups.iter().enumerate() {
            for index in counts.indices() {
                let (n, count) = counts.cell(g, index);
                let mut row = t.row();
                set_groups(&mut row, &group_cols, key);
                self.set_index(&mut row, index_col, index);
                let share_k = share(count as u64, n as u64);
                row.int(n_col, n)
                    .int(count_col, count)
                    .set(share_col, share_k.clone());
                if let Some(c) = censored_col {
                    row.int(c, counts.censored(g, index));
                }
                if let Some((baseline, [n0_col, count0_col, share0_col, min_col, corrected_col])) =
                    &baseline
                {
                    // The baseline curve has the same groups in the same order.
                    let (n0, count0) = baseline.cell(g, 0);
                    let share0 = share(count0 as u64, n0 as u64);
                    let corrected = match (share_k.as_f64(), share0.as_f64()) {
                        (Some(s), Some(s0)) => Value::Float(s - s0),
                        _ => Value::Null,
                    };
                    row.int(*n0_col, n0)
                        .int(*count0_col, count0)
                        .set(*share0_col, share0)
                        .int(
                            *min_col,
                            smallest_count([n, count, n - count, n0, count0, n0 - count0]),
                        )
                        .set(*corrected_col, corrected);
                }
            }
        }
        // Every person is in one group, so per month the groups' counts add up to the total's
        // (the month-0 counts too: each group's and the total's own); min_cell, a minimum, does
        // not.
        let mut summed = vec!["n", "count"];
        if rolling {
            summed.push("n_censored");
        }
        if baseline.is_some() {
            summed.extend(["n_month0", "count_month0"]);
        }
        if let Some(relation) = groups_sum_to_total(input.group_by, &[index_name], &summed) {
            t.relation(relation);
        }
        // A month's n and count are the persons observed, and in S, that month (month 0's too):
        // a share, a requirement's best month or an effect of the same persons counts them.
        let mut subsets = Vec::new();
        if !rolling {
            let month = MonthOf::Column(index_name.to_string());
            let calendar = self.calendar.then_some(RelWindow {
                from: window.from(),
                to: window.to,
            });
            subsets.push(((month, calendar), ["n", "count"]));
        }
        if baseline.is_some() {
            subsets.push(((MonthOf::Fixed(0), None), ["n_month0", "count_month0"]));
        }
        for (month, counts) in subsets {
            for relation in observed_and_in_status(input, month, counts, &self.status) {
                t.relation(relation);
            }
        }
        let index = if self.calendar {
            "calendar month"
        } else {
            "rel_month"
        };
        let counted = format!(
            "months with rel_month {}..{}",
            window.from(),
            window.to.map_or(String::new(), |to| to.to_string())
        );
        t.note(if self.rolling > 1 {
            format!(
                "share: per {index} m, persons with {} in any of their counted months m-{}..m, of n, the persons whose follow-up reaches the end of that period (m, or their last counted month if sooner); n_censored: persons with counted months in the period whose follow-up ends inside it, censored at m, never counted as without the status (counting only {counted})",
                self.status,
                self.rolling - 1
            )
        } else {
            format!(
                "share: per {index}, persons with {} that month, of n, the persons observed that month (counting only {counted})",
                self.status
            )
        });
        if baseline.is_some() {
            t.note("share_corrected: share minus the group's share at rel_month 0 (share_month0), the curve shifted to start at 0 (001 Figure 15); min_cell: the smallest non-zero count it rests on (n, count and n - count, then and at rel_month 0), carrying suppression");
        }
        t.chart(self.chart(true));
        Ok(t.build())
    }
}

impl MonthlyCurve {
    /// `rolling_share = "mean"`: the point at m is the mean of the monthly shares of the months
    /// m-w+1..m with anyone observed, each month's share among the persons observed that month.
    fn moving_average(&self, input: &MetricInput<'_>) -> Result<Table> {
        let window = input.window;
        let back = self.rolling as i32 - 1;
        let mut request = CurveRequest::for_window(&self.status, self.calendar, 1, window)?;
        let reported_from = request.first;
        // The months before the first point feed its period, as with "touched".
        request.first = request.first.map(|first| first - back);
        let counts = curve(input, &request)?;
        let mut t = TableBuilder::new();
        let group_cols: Vec<Col> = t.groups(input.group_by);
        let index_col = self.index_column(&mut t);
        let mean = MeanColumns::declare(&mut t);
        let indices = counts.indices();
        let first = reported_from.unwrap_or(*indices.start());
        for (g, key) in counts.groups.iter().enumerate() {
            for index in first.max(*indices.start())..=*indices.end() {
                let mut row = t.row();
                set_groups(&mut row, &group_cols, key);
                self.set_index(&mut row, index_col, index);
                let period = (index - back).max(*indices.start())..=index;
                mean.set(&mut row, period.map(|k| counts.cell(g, k)));
            }
        }
        // min_cell and the means are not sums: no relation between the groups and the total.
        let index = if self.calendar {
            "calendar month"
        } else {
            "rel_month"
        };
        t.note(format!(
            "share: per {index} m, the unweighted mean over the months m-{}..m with anyone observed (months) of the share with {} among the persons observed that month (counting only months with rel_month {}..{}); n_mean: the mean monthly n; min_cell: the smallest non-zero monthly n, count or n - count the mean rests on (it carries suppression)",
            self.rolling - 1,
            self.status,
            window.from(),
            window.to.map_or(String::new(), |to| to.to_string())
        ));
        t.chart(self.chart(false));
        Ok(t.build())
    }

    fn index_name(&self) -> &'static str {
        if self.calendar {
            "month"
        } else {
            "rel_month"
        }
    }

    /// The index column: a calendar month as text, or a `rel_month`.
    fn index_column(&self, t: &mut TableBuilder) -> Col {
        if self.calendar {
            t.text(self.index_name())
        } else {
            t.number(self.index_name(), 0)
        }
    }

    fn set_index(&self, row: &mut Row<'_>, column: Col, index: i32) {
        if self.calendar {
            row.text(column, index_label(true, index));
        } else {
            row.int(column, index as i64);
        }
    }

    /// The curve of `share`, with the persons observed under the axis when there is an `n`.
    fn chart(&self, with_n: bool) -> Chart {
        let (index_name, x_label) = if self.calendar {
            ("month", "calendar month")
        } else {
            ("rel_month", "months after start (0 = the start month)")
        };
        let curve = Curve::new(
            index_name,
            "share",
            x_label,
            &format!("persons with {} (%)", plain(&self.status)),
        );
        Chart::Curve(if with_n {
            curve.persons("n", "persons observed")
        } else {
            curve
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::testing::{
        assert_relations, check_err, first_column, groups_relation, months, resolve_err, run,
        window,
    };

    /// Paid hours by calendar month.
    const CALENDAR: &str = "calendar = true";
    /// Paid hours by calendar month, rolling over 3 months.
    const ROLLING_3: &str = "calendar = true\nrolling = 3";

    /// The row of `group` (group column values) at `index` (the rel_month or month column).
    fn at<'t>(table: &'t Table, group: &[&str], index: &str) -> &'t [Value] {
        let n_groups = group.len();
        table
            .rows
            .iter()
            .find(|row| {
                row[..n_groups]
                    .iter()
                    .zip(group)
                    .all(|(v, g)| matches!(v, Value::Text(t) if t == g))
                    && table.format(n_groups, &row[n_groups]) == index
            })
            .unwrap_or_else(|| panic!("no row {group:?} {index}"))
    }

    fn value<'t>(table: &'t Table, group: &[&str], index: &str, column: &str) -> &'t Value {
        &at(table, group, index)[table.column_index(column).unwrap()]
    }

    /// Asserts the persons counted (`n`) and those in the status (`count`) of `group` at `index`.
    #[track_caller]
    fn assert_n_count(table: &Table, group: &[&str], index: &str, n: i64, count: i64) {
        let [got_n, got_count] = ["n", "count"].map(|c| value(table, group, index, c));
        assert_eq!(got_n, &Value::Int(n), "n of {group:?} at {index}");
        assert_eq!(
            got_count,
            &Value::Int(count),
            "count of {group:?} at {index}"
        );
    }

    #[test]
    fn rel_month_curve_counts_the_observed() {
        // paid_hours, rel_month 0..3, everyone:
        // 0: observed P08 P06 P05 P01 P07 P03 P04 P02 P09 (9; P10 left-censored, P11 not yet);
        //    paid P05 P07 P04 P02 P09 → 5/9
        // 1: P08 P06 P05 P01 P07 P03 P04 P02 (8; P09 ends at 0) → paid P05 P07 P02 → 3/8
        // 2: same 8 → paid P05 P07 P02 → 3/8
        // 3: same 8 → paid P06 P05 P01 P04 P02 → 5/8
        let table = run(&DEF, "", &[], window(0, Some(3)));
        assert_eq!(table.rows.len(), 4);
        let expect = [(0, 9, 5), (1, 8, 3), (2, 8, 3), (3, 8, 5)];
        for (k, n, count) in expect {
            let k = k.to_string();
            assert_n_count(&table, &[], &k, n, count);
            assert_eq!(
                value(&table, &[], &k, "share"),
                &share(count as u64, n as u64)
            );
        }
    }

    #[test]
    fn open_window_runs_to_the_last_observed_month_and_fills_empty_groups() {
        // No window.to: through the last rel_month anyone is observed, 18 (P10). Treatment at
        // 18: P10 only (no hours) → 1 observed, 0 paid. Control at 18: nobody → n 0, share Null
        // (the row is still there). Groups first, sorted, then (all), each 0..18.
        let table = run(&DEF, "", &["arm"], Window::default());
        assert_eq!(table.rows.len(), 3 * 19);
        assert_eq!(value(&table, &["treatment"], "18", "n"), &Value::Int(1));
        assert_eq!(value(&table, &["control"], "18", "n"), &Value::Int(0));
        assert_eq!(value(&table, &["control"], "18", "share"), &Value::Null);
        let first = first_column(&table);
        assert_eq!(first[0], "control");
        assert_eq!(first[19], "treatment");
        assert_eq!(first[38], "(all)");
        // P10's months 8..18 are counted (not censored as a whole): treatment at 13 is P10 only
        // (30 h, Dec 2020) → 1/1.
        assert_eq!(value(&table, &["treatment"], "13", "count"), &Value::Int(1));
    }

    #[test]
    fn baseline_subtracts_month_zero() {
        // paid_hours by arm, rel_month 0..2.
        // treatment month 0: P08 P06 P05 P01 P03 observed, paid P05 → 1/5 = 0.2
        //   month 2: same five, paid P05 → 1/5 → corrected 0; min_cell: the least non-zero of
        //   n, count, n - count and the same at month 0: (5, 1, 4, 5, 1, 4) → 1
        // control month 0: P07 P04 P02 P09, all paid → 4/4 = 1
        //   month 1: P07 P04 P02, paid P07 P02 → 2/3 → corrected 2/3 - 1 = -1/3;
        //   min_cell of (3, 2, 1, 4, 4, 0) = 1: P04, unpaid, is one person
        let params = "baseline = \"subtract_month0\"";
        let table = run(&DEF, params, &["arm"], window(0, Some(2)));
        assert_eq!(
            value(&table, &["treatment"], "2", "share_corrected"),
            &Value::Float(0.0)
        );
        assert_eq!(
            value(&table, &["treatment"], "2", "min_cell"),
            &Value::Int(1)
        );
        assert_eq!(
            value(&table, &["control"], "0", "share_month0"),
            &Value::Float(1.0)
        );
        let corrected = value(&table, &["control"], "1", "share_corrected")
            .as_f64()
            .unwrap();
        assert!((corrected + 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(value(&table, &["control"], "1", "min_cell"), &Value::Int(1));
        // (all) month 0: 5/9 (see rel_month_curve_counts_the_observed); month 2: 3/8.
        let corrected = value(&table, &["(all)"], "2", "share_corrected")
            .as_f64()
            .unwrap();
        assert!((corrected - (3.0 / 8.0 - 5.0 / 9.0)).abs() < 1e-12);
    }

    #[test]
    fn calendar_months_count_persons_from_their_start() {
        // any_result by calendar month, 2020-09 .. 2020-11, rel_month >= 0 only:
        // 2020-09: started by then and observed: P08 (1), P06 (1), P05 (0), P01 (0), P10 (10)
        //   → 5; any_result: P06 (education), P05 (8.5 h) → 2
        // 2020-10: + P07 (0), P03 (0) → 7; P06, P05, P07 (45 h) → 3
        // 2020-11: + P04 (0) → 8; P06, P05, P07, P04 → 4
        let params = "calendar = true\nstatus = \"any_result\"";
        let table = run(&DEF, params, &[], months("2020-09", "2020-11"));
        assert_eq!(table.rows.len(), 3);
        assert_n_count(&table, &[], "2020-09", 5, 2);
        assert_n_count(&table, &[], "2020-10", 7, 3);
        assert_n_count(&table, &[], "2020-11", 8, 4);
    }

    #[test]
    fn calendar_without_bounds_spans_the_counted_months() {
        // No from_month/to_month: from the first counted month (2020-07, P10 at rel_month 8) to
        // the last observed month, 2021-05: 11 months. 2021-05, paid_hours: started persons
        // observed: all but P11 → 10; paid: P01 P07 P04 P02 P09 → 5.
        let table = run(&DEF, CALENDAR, &[], Window::default());
        assert_eq!(table.rows.len(), 11);
        assert_eq!(table.format(0, &table.rows[0][0]), "2020-07");
        assert_n_count(&table, &[], "2021-05", 10, 5);
    }

    #[test]
    fn rolling_window_counts_anyone_in_status_in_the_last_w_months() {
        // paid_hours, calendar, rolling 3, 2021-01 (window 2020-11..2021-01), rel_month >= 0:
        // persons observed at the period's end (2021-01) and started by then: P10 P08 P06 P05
        // P01 P07 P03 P04 (started by 2020-11) and P02 (starts 2021-01) → 9; nobody's follow-up
        // ends inside the period.
        // In S in any of their counted months there: P10 (Dec 30 h), P06 (Nov 40 h), P05 (Nov,
        // Dec), P01 (Dec, Jan), P07 (Nov, Dec), P04 (Nov 155 h), P02 (Jan 70 h) → 7;
        // not P08, P03.
        // The plain monthly share for 2021-01: 9 observed; paid P01, P02 → 2.
        let table = run(&DEF, ROLLING_3, &[], months("2020-11", "2021-01"));
        assert_n_count(&table, &[], "2021-01", 9, 7);
        let plain = run(&DEF, CALENDAR, &[], months("2021-01", "2021-01"));
        assert_n_count(&plain, &[], "2021-01", 9, 2);
        // Months before from_month count in the rolling window: 2020-12 (looking at
        // 2020-10..12) counts the persons observed in December: P10, P08, P06, P05, P01, P07
        // (from Oct), P03 (from Oct), P04 (from Nov) → 8; in S: P10 (Dec), P06 (Nov only), P05, P01 (Dec), P07, P04 (Nov only) → 6;
        // the plain December share is P10, P05, P01, P07 → 4 of the same 8.
        let december = run(&DEF, ROLLING_3, &[], months("2020-12", "2020-12"));
        assert_n_count(&december, &[], "2020-12", 8, 6);
        let plain = run(&DEF, CALENDAR, &[], months("2020-12", "2020-12"));
        assert_eq!(value(&plain, &[], "2020-12", "count"), &Value::Int(4));
    }

    #[test]
    fn rolling_mean_is_the_mean_of_the_monthly_shares() {
        // As above, 2021-01 over 2020-11..2021-01 as a moving average: the monthly shares are
        // November 4/8 (P06, P05, P07, P04 of the 8 observed), December 4/8, January 2/9;
        // mean (1/2 + 1/2 + 2/9) / 3 = 11/27, n_mean 25/3, min_cell 2 (January's count).
        let params = "calendar = true\nrolling = 3\nrolling_share = \"mean\"";
        let table = run(&DEF, params, &[], months("2021-01", "2021-01"));
        assert_eq!(table.rows.len(), 1);
        assert_eq!(value(&table, &[], "2021-01", "months"), &Value::Int(3));
        assert_eq!(value(&table, &[], "2021-01", "min_cell"), &Value::Int(2));
        let float = |name| value(&table, &[], "2021-01", name).as_f64().unwrap();
        assert!((float("share") - 11.0 / 27.0).abs() < 1e-12);
        assert!((float("n_mean") - 25.0 / 3.0).abs() < 1e-12);
        assert!(table.notes[0].contains("unweighted mean over the months m-2..m"));
        let err = check_err(
            &DEF,
            "rolling = 2\nrolling_share = \"mean\"\nbaseline = \"subtract_month0\"",
            &window(0, Some(3)),
        );
        assert!(
            err.contains("rolling_share = \"mean\" has no baseline"),
            "{err}"
        );
    }

    #[test]
    fn rolling_points_censor_persons_whose_follow_up_ends_inside_the_period() {
        // Issue 10, by calendar month: paid_hours, rolling 3, 2021-03..2021-07. The income
        // register ends 2021-05, so nobody is observed in June or July.
        // 2021-05 (Mar..May): observed in May, counted (started): P10 P08 P06 P05 P01 P07 P03
        //   P04 P02 P09 → 10; paid in a counted month of Mar..May: P06 (Mar), P01, P07, P04,
        //   P02, P09 (May, its rel_month 0) → 6; nobody censored.
        // 2021-07 (May..Jul): the same 10 have a counted month (May) but no follow-up to July:
        //   n 0, all 10 censored (before the fix: n 10, share 5/10 = 50%, as if June and July
        //   were months without paid hours).
        let table = run(&DEF, ROLLING_3, &[], months("2021-03", "2021-07"));
        assert_n_count(&table, &[], "2021-05", 10, 6);
        assert_eq!(value(&table, &[], "2021-05", "n_censored"), &Value::Int(0));
        for month in ["2021-06", "2021-07"] {
            assert_eq!(value(&table, &[], month, "n"), &Value::Int(0), "{month}");
            assert_eq!(value(&table, &[], month, "share"), &Value::Null, "{month}");
            assert_eq!(
                value(&table, &[], month, "n_censored"),
                &Value::Int(10),
                "{month}"
            );
        }
        // The plain monthly point agrees on n: July has nobody observed.
        let plain = run(&DEF, CALENDAR, &[], months("2021-07", "2021-07"));
        assert_eq!(value(&plain, &[], "2021-07", "n"), &Value::Int(0));
        assert_eq!(plain.column_index("n_censored"), None);

        // By rel_month, window 0..9, rolling 3.
        // Month 9 (7..9): observed at 9: P10 (2020-08; its 7 precedes coverage, not counted),
        //   P08 (2021-05), P06 (2021-05) → 3; paid in 7..9: P06 (7, 2021-03) → 1. Censored:
        //   P05 (7, 8), P01 (7, 8), P07 (7), P03 (7): counted months in 7..9, follow-up ends at
        //   2021-05 → 4 (before the fix: n 7).
        // Month 8 (6..8): observed at 8: P10 P08 P06 P05 P01 → 5; paid: P06 (7), P01 (6..8)
        //   → 2; censored P07 (6, 7), P03 (6, 7), P04 (6) → 3.
        // Month 1 (0..1): observed at 1: P08 P06 P05 P01 P07 P03 P04 P02 → 8; paid: P05, P07,
        //   P04 (0, 2020-11), P02 → 4; censored P09 (observed at 0 only) → 1.
        let table = run(&DEF, "rolling = 3", &[], window(0, Some(9)));
        let expect = [(1, 8, 4, 1), (8, 5, 2, 3), (9, 3, 1, 4)];
        for (k, n, count, censored) in expect {
            let k = k.to_string();
            assert_n_count(&table, &[], &k, n, count);
            assert_eq!(
                value(&table, &[], &k, "n_censored"),
                &Value::Int(censored),
                "n_censored at {k}"
            );
        }
    }

    #[test]
    fn a_rolling_period_ends_at_the_persons_last_counted_month() {
        // Calendar, rolling 3, window rel_month 0..4, Aarhus (P10, P01, P02), 2021-02
        // (Dec..Feb): P01's counted months end at rel_month 4 (2021-01), so its period ends
        // there: observed then, it counts, and is paid (Dec, Jan). P02 (rel_month 0..1 in Jan,
        // Feb) counts, paid. P10's months are rel_month 13..15: not counted. → 2 of 2, none
        // censored. 2021-04 (Feb..Apr): P01 has no counted month there; P02 → 1 of 1.
        let mut w = months("2021-02", "2021-04");
        w.to = Some(4);
        let table = run(&DEF, ROLLING_3, &["municipality"], w);
        assert_n_count(&table, &["Aarhus"], "2021-02", 2, 2);
        let censored = value(&table, &["Aarhus"], "2021-02", "n_censored");
        assert_eq!(censored, &Value::Int(0));
        assert_n_count(&table, &["Aarhus"], "2021-04", 1, 1);
    }

    #[test]
    fn rolling_window_does_not_reach_before_the_rel_window() {
        // Odense (P08, P03, P04, P09), 2020-10 with rolling 3 (2020-08..10), paid_hours.
        // Default window.from = 0: P08 (rel 0..2) and P03 (rel 0 in Oct) count, P04 does not
        // (Aug..Oct are its rel_months -3..-1, paid but before start), P09 neither → 2, 0.
        let october = months("2020-10", "2020-10");
        let table = run(&DEF, ROLLING_3, &["municipality"], october);
        assert_n_count(&table, &["Odense"], "2020-10", 2, 0);
        // window.from = -3 lets P04's rel_months -3..-1 in (paid), P03's -2..0 too; P09's
        // Aug..Oct are its -9..-7, still out → 3, 1.
        let mut wider = months("2020-10", "2020-10");
        wider.from = Some(-3);
        let table = run(&DEF, ROLLING_3, &["municipality"], wider);
        assert_n_count(&table, &["Odense"], "2020-10", 3, 1);
    }

    #[test]
    fn week_53_start_is_counted_from_january() {
        // P02 starts 2021-01-01 (ISO 2020-W53, a December week): by calendar month it first
        // counts in 2021-01, not 2020-12. Aarhus (P10, P01, P02), 2020-12: P10, P01 → 2.
        // 2021-01: P10, P01, P02 → 3, paid P01 (120 h), P02 (70 h) → 2.
        let december_january = months("2020-12", "2021-01");
        let table = run(&DEF, CALENDAR, &["municipality"], december_january);
        assert_eq!(value(&table, &["Aarhus"], "2020-12", "n"), &Value::Int(2));
        assert_n_count(&table, &["Aarhus"], "2021-01", 3, 2);
    }

    #[test]
    fn groups_add_up_to_the_total_per_month() {
        // Without groups the table is the total alone: nothing adds up.
        let table = run(&DEF, "", &[], window(0, Some(3)));
        assert_relations(&table, &[]);
        let table = run(&DEF, "", &["arm"], Window::default());
        assert_relations(
            &table,
            &[groups_relation("arm", &["rel_month"], &["n", "count"])],
        );
        let params = "rolling = 3\nstatus = \"any_result\"";
        let table = run(&DEF, params, &["municipality", "sex"], window(0, Some(9)));
        assert_relations(
            &table,
            &[groups_relation(
                "municipality",
                &["rel_month"],
                &["n", "count", "n_censored"],
            )],
        );
        let november_to_july = months("2020-11", "2021-07");
        let table = run(&DEF, ROLLING_3, &["municipality"], november_to_july);
        assert_relations(
            &table,
            &[groups_relation(
                "municipality",
                &["month"],
                &["n", "count", "n_censored"],
            )],
        );
        let params = "baseline = \"subtract_month0\"";
        let table = run(&DEF, params, &["arm"], window(0, Some(10)));
        assert_relations(
            &table,
            &[groups_relation(
                "arm",
                &["rel_month"],
                &["n", "count", "n_month0", "count_month0"],
            )],
        );
        let params = "baseline = \"subtract_month0\"\nrolling = 2";
        let table = run(&DEF, params, &["sex"], window(-2, Some(6)));
        assert_relations(
            &table,
            &[groups_relation(
                "sex",
                &["rel_month"],
                &["n", "count", "n_censored", "n_month0", "count_month0"],
            )],
        );
    }

    #[test]
    fn parameters_are_checked_by_name() {
        let err = check_err(&DEF, "rolling = 0", &Window::default());
        assert!(err.contains("rolling"), "{err}");
        let baseline = "calendar = true\nbaseline = \"subtract_month0\"";
        let err = check_err(&DEF, baseline, &Window::default());
        assert!(err.contains("baseline"), "{err}");
        let err = check_err(&DEF, CALENDAR, &months("2020-13", "2021-01"));
        assert!(err.contains("window.from_month"), "{err}");
        let err = check_err(&DEF, "", &months("2020-01", "2021-01"));
        assert!(err.contains("calendar = true"), "{err}");
        let err = resolve_err(&DEF, "baseline = \"month0\"");
        assert!(err.contains("month0"), "{err}");
        let err = resolve_err(&DEF, "rolling = -1");
        assert!(err.contains("rolling") || err.contains("-1"), "{err}");
    }

    #[test]
    fn end_date_makes_n_the_persons_still_in_the_project() {
        use crate::metrics::testing::run_to_end_date;
        // `testing::tiny_end_dates`, paid_hours, rel_month 0..4. Still in the project:
        // 0: P08 P06 P05 P01 P07 P03 P04 P02 P09 (9) → paid P05 P07 P04 P02 P09: 5
        // 1: P05 ended in its start month, P09's coverage ends at 0: P08 P06 P01 P07 P03 P04
        //    P02 (7) → paid P07 P02: 2
        // 2: the same 7 (P04 and P02 end here) → P07 P02: 2
        // 3: P08 P06 P01 P07 P03 (5) → P06 P01: 2
        // 4: the same 5 (P08, P01, P03 end here) → P01 P07: 2
        // To coverage: 9/5, 8/3, 8/3, 8/5, 8/4.
        let table = run_to_end_date(&DEF, "", &[], window(0, Some(4)));
        for (k, n, count) in [(0, 9, 5), (1, 7, 2), (2, 7, 2), (3, 5, 2), (4, 5, 2)] {
            assert_n_count(&table, &[], &k.to_string(), n, count);
        }
        // By calendar month, n is each month's persons in the project (started, not yet ended):
        // 2020-10: P08 P06 P01 P07 P03 (5; P05 ended in September) → paid P07: 1
        // 2020-11: + P04 (6) → P06 (40 h) P07 P04: 3
        // 2020-12: the same 6 (P08 ends) → P01 P07: 2
        // 2021-01: P08 gone, P02 starts (6; P01 and P04 end) → P01 P02: 2
        // 2021-02: P06 P07 P03 P02 (4; P03 ends) → P07 P02: 2
        // 2021-03: P06 P07 P02 (3; P02 ends) → P06 (20 h) P07 P02: 3
        let table = run_to_end_date(&DEF, CALENDAR, &[], months("2020-10", "2021-03"));
        let expect = [
            ("2020-10", 5, 1),
            ("2020-11", 6, 3),
            ("2020-12", 6, 2),
            ("2021-01", 6, 2),
            ("2021-02", 4, 2),
            ("2021-03", 3, 3),
        ];
        for (month, n, count) in expect {
            assert_n_count(&table, &[], month, n, count);
        }
    }
}
