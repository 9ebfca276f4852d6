//! `requirement` (spec `metrics.md` §3.12): per group (a municipality, usually), the best month's
//! share in a status over the project period, compared with one or more thresholds; and how many
//! groups meet each. Reproduces 004 Box 1 / Figure 5 (S4-B1: "28 of 30 municipalities reached 20%
//! with paid hours or education in a given month of the project period").
//!
//! The months are calendar months by default (the project period is a calendar period, set with
//! `window.from_month`/`to_month`), each month's share among the group's participants observed
//! that month (the months with `rel_month` in the window, default from 0: after their start), as
//! `monthly_curve` counts them. A group meets a threshold t when its best share is >= t.
//!
//! One row per group, then a last row `(all)` that summarises the groups: `groups` and, per
//! threshold, `met_<t>` (the number of groups meeting it) and `share_met_<t>`.

use super::{resolve, Compute, MetricDef, MetricInput, Window};
use crate::measure::check_months;
use crate::measure::common::{groups_sum_to_total, observed_and_in_status, set_groups};
use crate::measure::curve::{check_calendar_window, curve, index_label, CurveRequest};
use crate::table::chart::{plain, Bars};
use crate::table::{share, Chart, Col, MonthOf, RelWindow, Table, TableBuilder, Value};
use anyhow::{anyhow, bail, Result};
use serde::{Deserialize, Serialize};

pub const DEF: MetricDef = MetricDef {
    name: "requirement",
    summary:
        "per group the best month's share in a status, against thresholds; groups meeting each",
    resolve: resolve::<Requirement>,
    outcome: None,
    window: super::WindowKeys::RelAndCalendar,
    followup_end: true,
    example: "group_by = [\"municipality\"]\n[window]\nfrom_month = \"2020-10\"\nto_month = \"2021-01\"\n[params]\nstatus = \"paid_hours\"\nthresholds = [0.5, 0.3]\n",
};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Requirement {
    /// The status S (a panel status or one the query defines).
    pub status: String,
    /// The shares a group's best month is compared with (each in (0, 1]).
    pub thresholds: Vec<f64>,
    /// Months by calendar month (the project period) or by `rel_month`.
    pub calendar: bool,
    /// Months per point, as in `monthly_curve` (1: the month itself).
    pub rolling: u32,
    /// A month is a candidate for the best month only with at least this many persons observed.
    pub min_n: u32,
}

impl Default for Requirement {
    fn default() -> Self {
        Requirement {
            status: "paid_hours".into(),
            thresholds: vec![0.20, 0.15],
            calendar: true,
            rolling: 1,
            min_n: 1,
        }
    }
}

/// `met_20` for 0.20, `met_17_5` for 0.175.
fn threshold_label(threshold: f64) -> String {
    let pct = format!("{:.4}", threshold * 100.0);
    let pct = pct.trim_end_matches('0').trim_end_matches('.');
    pct.replace('.', "_")
}

impl Compute for Requirement {
    fn statuses(&self) -> Vec<String> {
        vec![self.status.clone()]
    }

    fn check(&self, window: &Window) -> Result<(), String> {
        if self.thresholds.is_empty() {
            return Err("thresholds must list at least one share, e.g. [0.20, 0.15]".into());
        }
        let mut labels = Vec::new();
        for &t in &self.thresholds {
            if !(t > 0.0 && t <= 1.0) {
                return Err(format!(
                    "thresholds: {t} is not a share in (0, 1] (write 20% as 0.20)"
                ));
            }
            let label = threshold_label(t);
            if labels.contains(&label) {
                return Err(format!("thresholds: {t} is listed twice"));
            }
            labels.push(label);
        }
        if self.rolling < 1 {
            return Err("rolling must be at least 1 (months per point)".into());
        }
        check_months("rolling", self.rolling.into())?;
        check_calendar_window(window, self.calendar)?;
        Ok(())
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        self.check(input.window).map_err(|e| anyhow!(e))?;
        if input.group_by.is_empty() {
            bail!("requirement compares groups: set group_by (e.g. [\"municipality\"])");
        }
        let window = input.window;
        let counts = curve(
            input,
            &CurveRequest::for_window(&self.status, self.calendar, self.rolling, window)?,
        )?;

        let labels: Vec<String> = self
            .thresholds
            .iter()
            .map(|&t| threshold_label(t))
            .collect();
        let mut t = TableBuilder::new();
        let group_cols: Vec<Col> = t.groups(input.group_by);
        let months_col = t.number("months", 0);
        let best_month_col = t.text("best_month");
        let n_col = t.persons("n");
        let count_col = t.persons("count");
        let best_share_col = t.share("best_share", count_col, n_col);
        let rolling = self.rolling > 1;
        let censored_col = rolling.then(|| t.persons("n_censored"));
        let groups_col = t.number("groups", 0);
        let met_names: Vec<String> = labels.iter().map(|l| format!("met_{l}")).collect();
        // A group's flags say on which side of each threshold its best share lies: a ladder
        // that brackets the share, so they are hidden with its count (spec disclosure.md §3).
        // On the summary row they count groups, and relations protect them.
        let met_cols: Vec<Col> = met_names.iter().map(|m| t.mean(m, count_col, 0)).collect();
        let share_met_cols: Vec<Col> = labels
            .iter()
            .zip(&met_cols)
            .map(|(l, &met)| t.mean(format!("share_met_{l}"), met, 3))
            .collect();

        let groups = counts.groups.len() - 1; // the last is the total
        let mut met = vec![0i64; self.thresholds.len()];
        for (g, key) in counts.groups[..groups].iter().enumerate() {
            // The candidate months and the best one (the earliest among equal shares).
            let mut months = 0i64;
            let mut best: Option<(i32, i64, i64)> = None;
            for index in counts.indices() {
                let (n, count) = counts.cell(g, index);
                if n == 0 || n < self.min_n as i64 {
                    continue;
                }
                months += 1;
                let better = match best {
                    None => true,
                    // count / n > best_count / best_n, exactly.
                    Some((_, bn, bc)) => {
                        (count as i128) * (bn as i128) > (bc as i128) * (n as i128)
                    }
                };
                if better {
                    best = Some((index, n, count));
                }
            }
            let mut row = t.row();
            set_groups(&mut row, &group_cols, key);
            row.int(months_col, months);
            let best_share = match best {
                Some((index, n, count)) => {
                    row.text(best_month_col, index_label(self.calendar, index))
                        .int(n_col, n)
                        .int(count_col, count);
                    share(count as u64, n as u64)
                }
                None => {
                    row.int(n_col, 0).int(count_col, 0);
                    Value::Null
                }
            };
            row.set(best_share_col, best_share.clone());
            if let Some(c) = censored_col {
                row.int(c, best.map_or(0, |(index, _, _)| counts.censored(g, index)));
            }
            row.int(groups_col, 1);
            for (i, &threshold) in self.thresholds.iter().enumerate() {
                let flag = best_share.as_f64().is_some_and(|s| s >= threshold);
                met[i] += flag as i64;
                row.int(met_cols[i], flag as i64).set(
                    share_met_cols[i],
                    Value::Float(if flag { 1.0 } else { 0.0 }),
                );
            }
        }
        // The summary over the groups.
        let mut row = t.row();
        set_groups(&mut row, &group_cols, &counts.groups[groups]);
        row.int(groups_col, groups as i64);
        for (i, &m) in met.iter().enumerate() {
            row.int(met_cols[i], m).set(
                share_met_cols[i],
                if groups == 0 {
                    Value::Null
                } else {
                    Value::Float(m as f64 / groups as f64)
                },
            );
        }
        // The summary row counts the groups and those meeting each threshold: each group row
        // adds 1 and its 0/1 flags. (Its persons cells are empty: no relation among them.)
        let summed: Vec<&str> = std::iter::once("groups")
            .chain(met_names.iter().map(|m| m.as_str()))
            .collect();
        if let Some(relation) = groups_sum_to_total(input.group_by, &[], &summed) {
            t.relation(relation);
        }
        // A group's n and count are its persons observed, and in S, at its best month: a curve
        // of the same persons prints them in that month's row.
        if self.rolling == 1 {
            let month = MonthOf::Column("best_month".into());
            let calendar = self.calendar.then_some(RelWindow {
                from: window.from(),
                to: window.to,
            });
            for relation in
                observed_and_in_status(input, (month, calendar), ["n", "count"], &self.status)
            {
                t.relation(relation);
            }
        }

        let period = if self.calendar {
            format!(
                "calendar months {}..{}",
                window.from_month.clone().unwrap_or_default(),
                window.to_month.clone().unwrap_or_default()
            )
        } else {
            format!(
                "rel_months {}..{}",
                window.from(),
                window.to.map_or(String::new(), |t| t.to_string())
            )
        };
        let rolling = if self.rolling > 1 {
            format!(
                " (a person counts as in S at month m when in S in any of their counted months m-{}..m, among the persons whose follow-up reaches the end of that period; n_censored: those at the best month whose follow-up ends inside it)",
                self.rolling - 1
            )
        } else {
            String::new()
        };
        t.note(format!(
            "best_share: per group, the highest monthly share with {} over the {period} with at least {} person(s) observed, among the persons observed that month with rel_month {}..{}{rolling}; met_<t>: 1 when best_share >= t; (all): groups, and the number and share of groups meeting each threshold",
            self.status,
            self.min_n.max(1),
            window.from(),
            window.to.map_or(String::new(), |to| to.to_string()),
        ));
        let mut bars = Bars::shares(
            &[("best_share", "best month")],
            Some("n"),
            &format!("share with {} in the best month (%)", plain(&self.status)),
        );
        for &threshold in &self.thresholds {
            bars = bars.line(format!("requirement {}%", threshold * 100.0), threshold);
        }
        t.chart(Chart::Bars(bars));
        Ok(t.build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::testing::{
        assert_relations, check_err, first_column, groups_relation, months, resolve, resolve_err,
        run, run_err, window,
    };

    /// The metric by municipality over the calendar months `from` through `to`.
    fn by_municipality(params: &str, from: &str, to: &str) -> Table {
        run(&DEF, params, &["municipality"], months(from, to))
    }

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn rolling_months_censor_persons_whose_follow_up_ends_inside() {
        // Issue 10: self_support by rel_month, window 0..9, rolling 3, threshold 60%.
        // Odense (P08, P03, P04, P09):
        //   0: P08 (sickness) no, P03 (no DREAM row) yes, P04 (blank DREAM row) yes, P09 (2
        //      social-assistance weeks) no → 2/4.
        //   1 (0..1): observed at 1: P08 no, P03 yes, P04 yes → 2/3 ← best; P09 is observed only
        //      at 0 (2021-05): censored, not "without self-support" (before the fix: 2/4, and
        //      Odense missed 60%).
        // Aarhus (P10, P01, P02): 0..5 at most 1 of 2 (or 0 of 1); 6 (4..6): observed at 6: P01
        //   (2021-03, no benefit) → 1/1 ← best; P02's counted month 4 (2021-05) is its last:
        //   censored.
        // Aalborg (P06, P05, P07): at most 2/3 through 8; 9 (7..9): observed at 9 only P06
        //   (2021-05, no benefit) → 1/1 ← best; P05 (7, 8) and P07 (7) end in 2021-05, inside
        //   the period: censored 2.
        let params = "status = \"self_support\"\ncalendar = false\nrolling = 3\nthresholds = [0.6]";
        let table = run(&DEF, params, &["municipality"], window(0, Some(9)));
        assert_eq!(table.cell(&["Odense"], "best_month"), Some(&text("1")));
        assert_eq!(table.cell(&["Odense"], "n"), Some(&Value::Int(3)));
        assert_eq!(table.cell(&["Odense"], "count"), Some(&Value::Int(2)));
        assert_eq!(table.cell(&["Odense"], "n_censored"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&["Odense"], "met_60"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&["Aarhus"], "best_month"), Some(&text("6")));
        assert_eq!(table.cell(&["Aarhus"], "n"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&["Aarhus"], "n_censored"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&["Aalborg"], "best_month"), Some(&text("9")));
        assert_eq!(table.cell(&["Aalborg"], "n"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&["Aalborg"], "n_censored"), Some(&Value::Int(2)));
        assert_eq!(table.cell(&["(all)"], "met_60"), Some(&Value::Int(3)));
        assert_eq!(table.cell(&["(all)"], "n_censored"), Some(&Value::Null));
        // By calendar month, months after the income register (June, July 2021) have nobody
        // observed at their end: no candidates. Aarhus, paid_hours, 2021-04..07: April (Feb..Apr:
        // P10 12 h in Feb, P01, P02) 3/3 and May; 2 months, not 4.
        let table = by_municipality("rolling = 3\nthresholds = [0.5]", "2021-04", "2021-07");
        assert_eq!(table.cell(&["Aarhus"], "months"), Some(&Value::Int(2)));
        assert_eq!(
            table.cell(&["Aarhus"], "best_month"),
            Some(&text("2021-04"))
        );
        assert_eq!(table.cell(&["Aarhus"], "count"), Some(&Value::Int(3)));
    }

    #[test]
    fn best_month_per_municipality_against_two_thresholds() {
        // paid_hours, calendar months 2020-10..2021-01, persons counted from their start month.
        // Aalborg (P06 from Aug, P05 from Sep, P07 from Oct):
        //   Oct: 3 observed; paid P05 (96 h), P07 (45 h) → 2/3
        //   Nov: P06 (40 h), P05, P07 → 3/3          ← best
        //   Dec: P05, P07 → 2/3;  Jan: nobody → 0/3
        // Aarhus (P10 from before coverage, P01 from Sep, P02 from Jan 2021):
        //   Oct: P10, P01 → 0/2;  Nov: 0/2;  Dec: P10 (30 h), P01 (80 h) → 2/2 ← best
        //   Jan: P01, P02 paid of P10, P01, P02 → 2/3
        // Odense (P08 from Aug, P03 from Oct, P04 from Nov, P09 from May 2021):
        //   Oct: P08, P03 → 0/2;  Nov: P04 → 1/3 ← best;  Dec: 0/3;  Jan: 0/3
        // København (P11 starts Jun 2021, never observed from start): no month → not met.
        // Thresholds 0.5 and 0.3: Aalborg 1 ≥ both, Aarhus 1 ≥ both, Odense 1/3 ≥ 0.3 only.
        let table = by_municipality("thresholds = [0.5, 0.3]", "2020-10", "2021-01");
        assert_eq!(
            table.cell(&["Aalborg"], "best_month"),
            Some(&text("2020-11"))
        );
        assert_eq!(
            table.cell(&["Aalborg"], "best_share"),
            Some(&Value::Float(1.0))
        );
        assert_eq!(table.cell(&["Aalborg"], "n"), Some(&Value::Int(3)));
        assert_eq!(table.cell(&["Aalborg"], "months"), Some(&Value::Int(4)));
        assert_eq!(
            table.cell(&["Aarhus"], "best_month"),
            Some(&text("2020-12"))
        );
        assert_eq!(
            table.cell(&["Odense"], "best_month"),
            Some(&text("2020-11"))
        );
        assert_eq!(table.cell(&["Odense"], "count"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&["Odense"], "n"), Some(&Value::Int(3)));
        assert_eq!(table.cell(&["Odense"], "met_50"), Some(&Value::Int(0)));
        assert_eq!(table.cell(&["Odense"], "met_30"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&["København"], "months"), Some(&Value::Int(0)));
        assert_eq!(table.cell(&["København"], "best_share"), Some(&Value::Null));
        assert_eq!(table.cell(&["København"], "met_30"), Some(&Value::Int(0)));
        // Summary: 4 groups; 2 meet 50%, 3 meet 30%.
        assert_eq!(table.cell(&["(all)"], "groups"), Some(&Value::Int(4)));
        assert_eq!(table.cell(&["(all)"], "met_50"), Some(&Value::Int(2)));
        assert_eq!(table.cell(&["(all)"], "met_30"), Some(&Value::Int(3)));
        assert_eq!(
            table.cell(&["(all)"], "share_met_30"),
            Some(&Value::Float(0.75))
        );
        assert_eq!(table.cell(&["(all)"], "best_share"), Some(&Value::Null));
        assert_eq!(
            first_column(&table),
            ["Aalborg", "Aarhus", "København", "Odense", "(all)"]
        );
    }

    #[test]
    fn the_ladder_is_hidden_with_the_count_it_brackets() {
        // As above, suppressed at 5: every group's count is small (Aalborg 3, Aarhus 2, Odense
        // 1) or 0 (København). The flags would bracket the hidden shares (Odense: at least 30%,
        // under 50%), so they are hidden with the counts. The summary counts groups over hidden
        // flags: that 3 of 4 meet 30% would pin each hidden flag at 1, so the flags of the
        // relation go together: the summary's, and København's (0 of 0); the number of groups
        // stays.
        let mut table = by_municipality("thresholds = [0.5, 0.3]", "2020-10", "2021-01");
        table.suppress(5);
        for municipality in ["Aalborg", "Aarhus", "Odense"] {
            for column in ["met_50", "met_30", "share_met_50", "share_met_30"] {
                assert_eq!(
                    table.cell(&[municipality], column),
                    Some(&Value::Suppressed),
                    "{municipality} {column}"
                );
            }
        }
        assert_eq!(table.cell(&["(all)"], "groups"), Some(&Value::Int(4)));
        for (group, column) in [
            ("København", "met_30"),
            ("(all)", "met_50"),
            ("(all)", "met_30"),
            ("(all)", "share_met_50"),
            ("(all)", "share_met_30"),
        ] {
            assert_eq!(
                table.cell(&[group], column),
                Some(&Value::Suppressed),
                "{group} {column}"
            );
        }
    }

    #[test]
    fn ties_pick_the_earliest_month_and_min_n_drops_small_months() {
        // Aarhus, paid_hours, 2020-12..2021-02: Dec 2/2, Jan 2/3 (P01, P02), Feb: P10 (12 h),
        // P01, P02 → 3/3. Dec and Feb tie at 1: the best month is Dec. With min_n = 3, Dec
        // (2 persons) is no candidate: Feb is best, and only 2 months count.
        let table = by_municipality("", "2020-12", "2021-02");
        assert_eq!(
            table.cell(&["Aarhus"], "best_month"),
            Some(&text("2020-12"))
        );
        let table = by_municipality("min_n = 3", "2020-12", "2021-02");
        assert_eq!(
            table.cell(&["Aarhus"], "best_month"),
            Some(&text("2021-02"))
        );
        assert_eq!(table.cell(&["Aarhus"], "months"), Some(&Value::Int(2)));
    }

    #[test]
    fn exactly_at_the_threshold_meets_it() {
        // Odense's best share over 2020-10..2021-01 is 1/3 (see above); threshold 1/3 itself is
        // met (1 / 3 and the literal are the same double), 0.34 is not.
        let table = by_municipality(
            "thresholds = [0.3333333333333333, 0.34]",
            "2020-10",
            "2021-01",
        );
        assert_eq!(table.cell(&["Odense"], "met_33_3333"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&["Odense"], "met_34"), Some(&Value::Int(0)));
    }

    #[test]
    fn by_rel_month_and_rolling() {
        // By rel_month 0..2, arm, paid_hours: treatment 1/5, 1/5, 1/5 → best rel_month 0, 0.2;
        // control 4/4 at 0 → best 0 ("0"), 1.0.
        let table = run(&DEF, "calendar = false", &["arm"], window(0, Some(2)));
        assert_eq!(table.cell(&["treatment"], "best_month"), Some(&text("0")));
        assert_eq!(
            table.cell(&["treatment"], "best_share"),
            Some(&Value::Float(0.2))
        );
        assert_eq!(
            table.cell(&["control"], "best_share"),
            Some(&Value::Float(1.0))
        );
        assert_eq!(table.cell(&["(all)"], "met_20"), Some(&Value::Int(2)));
        assert_eq!(table.cell(&["(all)"], "met_15"), Some(&Value::Int(2)));
        // Rolling 3 by calendar month, Odense, 2020-12..2021-01: Dec looks at Oct..Dec: P08,
        // P03, P04 (from Nov, paid 155 h) → 1/3; Jan looks at Nov..Jan: same three, P04's Nov →
        // 1/3. Without rolling both months are 0/3 (see above).
        let table = by_municipality("rolling = 3", "2020-12", "2021-01");
        assert_eq!(table.cell(&["Odense"], "count"), Some(&Value::Int(1)));
        assert_eq!(
            table.cell(&["Odense"], "best_month"),
            Some(&text("2020-12"))
        );
        let table = by_municipality("", "2020-12", "2021-01");
        assert_eq!(table.cell(&["Odense"], "count"), Some(&Value::Int(0)));
    }

    #[test]
    fn the_group_rows_add_up_to_the_summary() {
        let table = by_municipality("thresholds = [0.5, 0.3]", "2020-10", "2021-01");
        assert_relations(
            &table,
            &[groups_relation(
                "municipality",
                &[],
                &["groups", "met_50", "met_30"],
            )],
        );
        let params = "status = \"self_support\"\ncalendar = false\nrolling = 3\nthresholds = [0.6]";
        let table = run(&DEF, params, &["arm", "municipality"], window(0, Some(9)));
        assert_relations(
            &table,
            &[groups_relation("arm", &[], &["groups", "met_60"])],
        );
        let table = run(&DEF, "min_n = 3", &["sex"], months("2020-12", "2021-02"));
        assert_relations(
            &table,
            &[groups_relation("sex", &[], &["groups", "met_20", "met_15"])],
        );
    }

    #[test]
    fn resolved_parameters_list_the_defaults() {
        let resolved = resolve(&DEF, "").resolved();
        let thresholds = resolved
            .get("thresholds")
            .and_then(|v| v.as_array())
            .unwrap();
        assert_eq!(thresholds.len(), 2);
        assert_eq!(
            resolved.get("calendar").and_then(|v| v.as_bool()),
            Some(true)
        );
        assert_eq!(resolved.get("min_n").and_then(|v| v.as_integer()), Some(1));
    }

    #[test]
    fn parameters_are_checked_by_name() {
        let check = |params: &str, window: Window| check_err(&DEF, params, &window);
        assert!(check("thresholds = []", Window::default()).contains("thresholds"));
        assert!(check("thresholds = [20.0]", Window::default()).contains("thresholds"));
        assert!(check("thresholds = [0.2, 0.2]", Window::default()).contains("twice"));
        assert!(check("", months("2020-1", "2021-01")).contains("window.from_month"));
        assert!(check("calendar = false", months("2020-01", "2021-01")).contains("calendar"));
        let err = resolve_err(&DEF, "threshold = [0.2]");
        assert!(err.contains("unknown field `threshold`"), "{err}");
        // No groups: refused, naming group_by.
        let err = run_err(&DEF, "", &[], months("2020-10", "2021-01"));
        assert!(err.contains("group_by"), "{err}");
    }

    #[test]
    fn follow_up_to_the_end_date() {
        use crate::metrics::testing::run_to_end_date;
        // paid_hours by rel_month 0..4, by arm, threshold 55%, with `testing::tiny_end_dates`.
        // Treatment (P10, P08, P06, P05, P01, P03; P10 followed in no month):
        //   0: P08 P06 P05 P01 P03 → P05: 1/5; 1, 2: P08 P06 P01 P03 → 0/4;
        //   3: the same 4 → P06 P01: 2/4 ← best; 4: → P01: 1/4. 50% misses 55%.
        //   To coverage P05 stays: 3 is 3/5 (P06 P05 P01), 60%, and meets it.
        // Control (P07, P04, P02, P09, P11): 0: P07 P04 P02 P09 all paid: 4/4 ← best, either way.
        let params = "calendar = false\nthresholds = [0.55]";
        let table = run_to_end_date(&DEF, params, &["arm"], window(0, Some(4)));
        assert_eq!(table.cell(&["treatment"], "best_month"), Some(&text("3")));
        assert_eq!(table.cell(&["treatment"], "n"), Some(&Value::Int(4)));
        assert_eq!(table.cell(&["treatment"], "count"), Some(&Value::Int(2)));
        assert_eq!(table.cell(&["treatment"], "met_55"), Some(&Value::Int(0)));
        assert_eq!(table.cell(&["control"], "best_month"), Some(&text("0")));
        assert_eq!(table.cell(&["control"], "n"), Some(&Value::Int(4)));
        assert_eq!(table.cell(&["control"], "met_55"), Some(&Value::Int(1)));
        assert_eq!(table.cell(&["(all)"], "met_55"), Some(&Value::Int(1)));
    }
}
