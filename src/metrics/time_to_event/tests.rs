use super::*;
use crate::metrics::testing::{
    assert_near, check_err, resolve, resolve_err, run, run_scoped, strings, tiny_panel, Scope,
};
use crate::panel::StatusParams;

/// Runs with the query's own statuses `custom`: everyone, no groups, the default window.
fn run_custom(params: &str, custom: &[(String, Expr)]) -> Table {
    let window = Window::default();
    let statuses = StatusParams::default();
    let mut scope = Scope::everyone(&[], &window, &statuses);
    scope.custom = custom;
    run_scoped(&DEF, params, &tiny_panel(), scope).unwrap()
}

/// The row of `group` (group values in order) with `row` = "month" at `month`, or the
/// summary row when `month` is `None`.
fn row<'a>(table: &'a Table, group: &[&str], month: Option<i64>) -> &'a [Value] {
    let g = group.len();
    let r = table.column_index("row").unwrap();
    let m = table.column_index("rel_month").unwrap();
    table
        .rows
        .iter()
        .find(|row| {
            row[..g]
                .iter()
                .zip(group)
                .all(|(v, want)| matches!(v, Value::Text(t) if t == want))
                && match month {
                    Some(month) => {
                        row[r] == Value::Text("month".into()) && row[m] == Value::Int(month)
                    }
                    None => row[r] == Value::Text("summary".into()),
                }
        })
        .unwrap_or_else(|| panic!("no row {group:?} {month:?}"))
}

fn get<'a>(table: &'a Table, group: &[&str], month: Option<i64>, column: &str) -> &'a Value {
    &row(table, group, month)[table.column_index(column).unwrap()]
}

fn float(table: &Table, group: &[&str], month: Option<i64>, column: &str) -> f64 {
    match get(table, group, month, column) {
        Value::Float(v) => *v,
        other => panic!("{column}: {other:?}"),
    }
}

fn by_month(
    table: &Table,
    group: &[&str],
    column: &str,
    months: std::ops::RangeInclusive<i64>,
) -> Vec<i64> {
    months
        .map(|m| match get(table, group, Some(m), column) {
            Value::Int(v) => *v,
            other => panic!("{column} at {m}: {other:?}"),
        })
        .collect()
}

/// The log-log interval for the share reached, from S and Greenwood's sum, worked out here
/// independently of `stats::km`.
fn share_ci(s: f64, greenwood: f64) -> (f64, f64) {
    let z = 1.959_963_984_540_054;
    let shift = z * greenwood.sqrt() / s.ln();
    let base = (-s.ln()).ln();
    let lower_s = (-(base - shift).exp()).exp();
    let upper_s = (-(base + shift).exp()).exp();
    (1.0 - upper_s, 1.0 - lower_s)
}

#[test]
fn paid_hours_from_start_by_hand() {
    // paid_hours, everyone. Left out: P10 (coverage starts at its rel_month 8) and P11 (no
    // month from start): n_not_observed 2. The 9 others, time = rel_month of the first paid
    // month from 0, else censored at the last observed rel_month:
    //   P05 0, P07 0, P04 0, P02 0 (the week-53 start: January is its month 0), P09 0
    //   (25 h in its only month after start) -> 5 events at 0;
    //   P06 3 (40 h in Nov 2020), P01 3 (Dec 2020) -> 2 events at 3;
    //   P03 (no register rows) censored at 7, P08 (never paid) censored at 9.
    // Month 0: at risk 9, 5 events: S = 4/9, share 5/9.
    // Months 1, 2: at risk 4, nothing. Month 3: at risk 4, 2 events: S = 4/9 * 2/4 = 2/9.
    // Months 4..7: at risk 2 (P03, P08); P03 censored at 7. Months 8, 9: at risk 1 (P08),
    // censored at 9. The last month is 9 (the largest time).
    let table = run(&DEF, "status = \"paid_hours\"", &[], Window::default());
    assert_eq!(table.rows.len(), 11, "months 0..9 and the summary");
    let months_0_to_9 = [
        ("n_at_risk", [9, 4, 4, 4, 2, 2, 2, 2, 1, 1]),
        ("events", [5, 0, 0, 2, 0, 0, 0, 0, 0, 0]),
        ("censored", [0, 0, 0, 0, 0, 0, 0, 1, 0, 1]),
        ("events_cumulative", [5, 5, 5, 7, 7, 7, 7, 7, 7, 7]),
        // The smallest non-zero of n_at_risk, events_cumulative, events and censored.
        ("min_cell", [5, 4, 4, 2, 2, 2, 2, 1, 1, 1]),
    ];
    for (column, months) in months_0_to_9 {
        assert_eq!(by_month(&table, &[], column, 0..=9), months, "{column}");
    }
    for (month, share) in [
        (0, 5.0 / 9.0),
        (2, 5.0 / 9.0),
        (3, 7.0 / 9.0),
        (9, 7.0 / 9.0),
    ] {
        assert_near(
            float(&table, &[], Some(month), "share_reached"),
            share,
            1e-12,
        );
    }
    // Greenwood: month 0: 5 / (9 * 4) = 5/36; month 3: + 2 / (4 * 2) -> 5/36 + 9/36 = 14/36.
    let (lo, up) = share_ci(4.0 / 9.0, 5.0 / 36.0);
    assert_near(float(&table, &[], Some(0), "lower"), lo, 1e-12);
    assert_near(float(&table, &[], Some(0), "upper"), up, 1e-12);
    // (about 0.2807 .. 0.8641)
    assert!(
        (lo - 0.2807).abs() < 1e-4 && (up - 0.8641).abs() < 1e-4,
        "{lo} {up}"
    );
    let (lo, up) = share_ci(2.0 / 9.0, 14.0 / 36.0);
    assert_near(float(&table, &[], Some(3), "lower"), lo, 1e-12);
    assert_near(float(&table, &[], Some(3), "upper"), up, 1e-12);
    // Summary: 9 persons, 7 events, 2 censored. The share reached is 5/9 >= 0.25 and 0.5
    // at month 0, 7/9 >= 0.75 at month 3: q25 0, median 0, q75 3.
    assert_eq!(get(&table, &[], None, "n"), &Value::Int(9));
    assert_eq!(get(&table, &[], None, "events_total"), &Value::Int(7));
    assert_eq!(get(&table, &[], None, "censored_total"), &Value::Int(2));
    assert_eq!(get(&table, &[], None, "n_not_observed"), &Value::Int(2));
    assert_eq!(get(&table, &[], None, "q25"), &Value::Float(0.0));
    assert_eq!(get(&table, &[], None, "median"), &Value::Float(0.0));
    assert_eq!(get(&table, &[], None, "q75"), &Value::Float(3.0));
    assert_eq!(get(&table, &[], None, "rel_month"), &Value::Null);
    assert_eq!(get(&table, &[], None, "n_at_risk"), &Value::Null);
    assert_eq!(get(&table, &[], Some(0), "n"), &Value::Null);
    assert_eq!(get(&table, &[], None, "share_reached"), &Value::Null);
    // No groups: no test, no n_already column.
    assert_eq!(get(&table, &[], None, "chi2"), &Value::Null);
    assert!(table.column_index("n_already").is_none());
    assert!(table.column_index("arm").is_none());
}

#[test]
fn by_arm_with_the_log_rank_test() {
    // paid_hours by arm (from paid_hours_from_start_by_hand):
    // treatment: P10 left out; P05 event 0; P06, P01 events 3; P03 censored 7, P08
    //   censored 9. n 5: S(0) = 4/5, S(3) = 4/5 * 2/4 = 2/5: share 0.2 then 0.6.
    //   q25: 0.2 < 0.25 at 0, 0.6 at 3 -> 3; median 3; q75 not reached (0.6 at most).
    // control: P11 left out; P07, P04, P02, P09 events at 0: n 4, S(0) = 0, share 1 with
    //   the point interval [1, 1]; nobody at risk from month 1: share empty there.
    // Log-rank: at 0, 9 at risk (5 treatment), 5 events (1 treatment): E_t = 5 * 5/9 =
    //   25/9, V = 5 * 4 / 8 * 5/9 * 4/9 = 50/81. At 3, 4 at risk all treatment, 2 events:
    //   E_t += 2, V += 0. O_t - E_t = 3 - 43/9 = -16/9; chi2 = (16/9)^2 / (50/81) = 5.12.
    let table = run(&DEF, "status = \"paid_hours\"", &["arm"], Window::default());
    let t = ["treatment"];
    let c = ["control"];
    assert_eq!(
        by_month(&table, &t, "n_at_risk", 0..=9),
        [5, 4, 4, 4, 2, 2, 2, 2, 1, 1]
    );
    assert_near(float(&table, &t, Some(0), "share_reached"), 0.2, 1e-12);
    assert_near(float(&table, &t, Some(3), "share_reached"), 0.6, 1e-12);
    assert_eq!(get(&table, &t, None, "q25"), &Value::Float(3.0));
    assert_eq!(get(&table, &t, None, "median"), &Value::Float(3.0));
    assert_eq!(
        get(&table, &t, None, "q75"),
        &Value::Text("not reached".into())
    );
    assert_eq!(get(&table, &t, None, "n_not_observed"), &Value::Int(1));
    assert_eq!(by_month(&table, &c, "n_at_risk", 0..=2), [4, 0, 0]);
    assert_eq!(
        get(&table, &c, Some(0), "share_reached"),
        &Value::Float(1.0)
    );
    assert_eq!(get(&table, &c, Some(0), "lower"), &Value::Float(1.0));
    assert_eq!(get(&table, &c, Some(0), "upper"), &Value::Float(1.0));
    assert_eq!(get(&table, &c, Some(1), "share_reached"), &Value::Null);
    assert_eq!(get(&table, &c, None, "median"), &Value::Float(0.0));
    assert_eq!(get(&table, &c, None, "events_total"), &Value::Int(4));
    // The test sits on the (all) summary row only.
    assert_near(float(&table, &["(all)"], None, "chi2"), 5.12, 1e-12);
    assert_eq!(get(&table, &["(all)"], None, "df"), &Value::Int(1));
    // P(chi2_1 > 5.12) = 2 * (1 - Phi(sqrt(5.12))) = 0.02365...
    assert_near(float(&table, &["(all)"], None, "p_value"), 0.023_651, 1e-5);
    assert_eq!(get(&table, &t, None, "chi2"), &Value::Null);
    // Rows: control months 0..9 + summary, treatment, then (all); each 11 rows.
    assert_eq!(table.rows.len(), 33);
    assert_eq!(table.rows[0][0], Value::Text("control".into()));
    assert_eq!(table.rows[11][0], Value::Text("treatment".into()));
    assert_eq!(table.rows[22][0], Value::Text("(all)".into()));
    assert_eq!(table.rows[32][1], Value::Text("summary".into()));
    assert!(table.notes.iter().any(|n| n.contains("log-rank")));
    assert!(table.notes.iter().any(|n| n.contains("log-log")));
}

#[test]
fn exclude_already_leaves_out_month_0_and_the_month_before() {
    // paid_hours: in S at rel_month 0 or -1: P05, P07, P04 (also at -1), P02, P09 -> 5
    // left out. Left: P06 and P01 events at 3, P03 censored 7, P08 censored 9. n 4;
    // S(3) = 1 - 2/4: share 0.5, median 3 (flat exactly at 0.5 from month 3 to the end of
    // follow-up at 9: R's rule takes the midpoint (3 + 9) / 2 = 6).
    let params = "status = \"paid_hours\"\nexclude_already = true";
    let table = run(&DEF, params, &[], Window::default());
    assert_eq!(get(&table, &[], None, "n_already"), &Value::Int(5));
    assert_eq!(get(&table, &[], None, "n_not_observed"), &Value::Int(2));
    assert_eq!(get(&table, &[], None, "n"), &Value::Int(4));
    assert_eq!(by_month(&table, &[], "events", 0..=3), [0, 0, 0, 2]);
    assert_near(float(&table, &[], Some(3), "share_reached"), 0.5, 1e-12);
    assert_eq!(get(&table, &[], None, "median"), &Value::Float(6.0));
    assert_eq!(get(&table, &[], None, "q25"), &Value::Float(3.0));
    assert_eq!(get(&table, &[], Some(0), "n_already"), &Value::Null);
}

#[test]
fn the_month_before_start_alone_excludes() {
    // A status of the query's own, 150 <= hours < 155: P04 has it at rel_month -1 (150.25 h)
    // but not at 0 (155 h); P01 has it at 6, 7, 8 (150 h). No one else.
    // With exclude_already, P04 is left out for month -1 alone; P01 has the event at 6.
    // The others are censored: P08 9, P06 9, P05 8, P07 7, P03 7, P02 4, P09 0.
    // Month 6: at risk P08, P06, P05, P01, P07, P03 = 6, 1 event: share 1/6.
    let custom = [(
        "hours_150".to_string(),
        col("hours")
            .gt_eq(lit(150.0))
            .and(col("hours").lt(lit(155.0))),
    )];
    let table = run_custom("status = \"hours_150\"\nexclude_already = true", &custom);
    assert_eq!(get(&table, &[], None, "n_already"), &Value::Int(1));
    assert_eq!(get(&table, &[], None, "n"), &Value::Int(8));
    assert_eq!(get(&table, &[], Some(6), "n_at_risk"), &Value::Int(6));
    assert_near(
        float(&table, &[], Some(6), "share_reached"),
        1.0 / 6.0,
        1e-12,
    );
    assert_eq!(
        get(&table, &[], None, "median"),
        &Value::Text("not reached".into())
    );
    // Without it, P04 counts, censored at 6 (no month from 0 in 150..155 h): n 9.
    let table = run_custom("status = \"hours_150\"", &custom);
    assert_eq!(get(&table, &[], None, "n"), &Value::Int(9));
    assert_eq!(get(&table, &[], Some(6), "n_at_risk"), &Value::Int(7));
    assert_eq!(get(&table, &[], Some(6), "censored"), &Value::Int(1));
}

#[test]
fn the_horizon_censors() {
    // horizon 2: P06 and P01 (events at 3) and P03, P08 are censored at 2; the 5 events at
    // month 0 stay. Rows 0..2 only.
    let params = "status = \"paid_hours\"\nhorizon = 2";
    let table = run(&DEF, params, &[], Window::default());
    assert_eq!(table.rows.len(), 4);
    assert_eq!(by_month(&table, &[], "n_at_risk", 0..=2), [9, 4, 4]);
    assert_eq!(by_month(&table, &[], "censored", 0..=2), [0, 0, 4]);
    assert_eq!(get(&table, &[], None, "events_total"), &Value::Int(5));
    assert_eq!(
        get(&table, &[], None, "q75"),
        &Value::Text("not reached".into())
    );
    // window.to does the same.
    let params = "status = \"paid_hours\"";
    let same = run(&DEF, params, &[], Window::rel(None, Some(2)));
    assert_eq!(same.rows, table.rows);
    // A horizon past everyone's follow-up gives rows up to it, empty shares past the end.
    let params = "status = \"paid_hours\"\nhorizon = 12";
    let table = run(&DEF, params, &[], Window::default());
    assert_eq!(table.rows.len(), 14);
    assert_eq!(get(&table, &[], Some(12), "n_at_risk"), &Value::Int(0));
    assert_eq!(get(&table, &[], Some(12), "share_reached"), &Value::Null);
}

#[test]
fn a_group_without_events_groups_of_one_and_groups_left_out() {
    // flexjob by birth_year: each birth year is one person. Only P07 (1970) has flexjob,
    // from its month 0. P10 (1957) and P11 (1998) are not observed at month 0: their groups
    // have nobody in the analysis. P03 (1979, no register rows) is censored at 7.
    let params = "status = \"flexjob\"";
    let table = run(&DEF, params, &["birth_year"], Window::default());
    // 1970: one person, event at 0: share 1 with the point interval.
    assert_eq!(get(&table, &["1970"], Some(0), "n_at_risk"), &Value::Int(1));
    assert_eq!(
        get(&table, &["1970"], Some(0), "share_reached"),
        &Value::Float(1.0)
    );
    assert_eq!(get(&table, &["1970"], None, "median"), &Value::Float(0.0));
    // 1979: no events: share 0 through month 7, the point interval [0, 0], median not
    // reached; nobody at risk after 7.
    assert_eq!(
        get(&table, &["1979"], Some(7), "share_reached"),
        &Value::Float(0.0)
    );
    assert_eq!(get(&table, &["1979"], Some(7), "upper"), &Value::Float(0.0));
    assert_eq!(get(&table, &["1979"], Some(7), "censored"), &Value::Int(1));
    assert_eq!(
        get(&table, &["1979"], Some(8), "share_reached"),
        &Value::Null
    );
    assert_eq!(get(&table, &["1979"], None, "events_total"), &Value::Int(0));
    assert_eq!(
        get(&table, &["1979"], None, "median"),
        &Value::Text("not reached".into())
    );
    // 1957 (P10): nobody in the analysis: zeros, empty shares and quantiles.
    assert_eq!(get(&table, &["1957"], Some(0), "n_at_risk"), &Value::Int(0));
    assert_eq!(
        get(&table, &["1957"], Some(0), "share_reached"),
        &Value::Null
    );
    assert_eq!(get(&table, &["1957"], None, "n"), &Value::Int(0));
    assert_eq!(
        get(&table, &["1957"], None, "n_not_observed"),
        &Value::Int(1)
    );
    assert_eq!(get(&table, &["1957"], None, "median"), &Value::Null);
    // Total: 9 persons, 1 event at 0: share 1/9.
    assert_near(
        float(&table, &["(all)"], Some(0), "share_reached"),
        1.0 / 9.0,
        1e-12,
    );
    // The log-rank test over nine single-person groups (two empty ones carry nothing):
    // P07 has the only event, at 0, with all 9 at risk: O - E = 1 - 1/9 for 1970 and
    // -1/9 for the others; V is the multinomial covariance with d = 1: chi2 = k - 1 = 8 on
    // 8 df (the 9 informative groups).
    assert_near(float(&table, &["(all)"], None, "chi2"), 8.0, 1e-9);
    assert_eq!(get(&table, &["(all)"], None, "df"), &Value::Int(8));
}

#[test]
fn everyone_left_out() {
    // From birth_year 1957 alone (P10): not observed at month 0. No horizon: no month rows,
    // only the summary with n 0; no test (one group).
    let group_by = strings(&["arm"]);
    let window = Window::default();
    let statuses = StatusParams::default();
    let mut scope = Scope::everyone(&group_by, &window, &statuses);
    scope.population = Some(col("birth_year").eq(lit("1957")));
    let table = run_scoped(&DEF, "status = \"paid_hours\"", &tiny_panel(), scope).unwrap();
    assert_eq!(table.rows.len(), 2, "treatment and (all) summaries");
    assert_eq!(get(&table, &["treatment"], None, "n"), &Value::Int(0));
    assert_eq!(
        get(&table, &["(all)"], None, "n_not_observed"),
        &Value::Int(1)
    );
    assert_eq!(get(&table, &["(all)"], None, "median"), &Value::Null);
    assert!(
        table.notes.iter().any(|n| n.contains("not computed")),
        "{:?}",
        table.notes
    );
}

#[test]
fn suppression_hides_the_thin_tail() {
    // By arm, suppression at 5: control's 4 persons hide its whole curve; treatment's
    // month 0 rests on 1 event (min_cell 1): hidden; month 3 on 3 events: hidden; the total
    // at month 0 (9 at risk, 5 events) is shown, at month 3 (4 at risk) hidden.
    // (The total's month-0 events are hidden by the relations, the groups' being hidden; the
    // Kaplan–Meier step 9 × 0.5556 still gives them back: pooled periods are to come.)
    let mut table = run(&DEF, "status = \"paid_hours\"", &["arm"], Window::default());
    table.suppress(5);
    assert_eq!(
        get(&table, &["control"], Some(0), "share_reached"),
        &Value::Suppressed
    );
    assert_eq!(
        get(&table, &["treatment"], Some(0), "share_reached"),
        &Value::Suppressed
    );
    assert_eq!(
        get(&table, &["treatment"], None, "median"),
        &Value::Suppressed
    );
    assert!(matches!(
        get(&table, &["(all)"], Some(0), "share_reached"),
        Value::Float(_)
    ));
    assert_eq!(
        get(&table, &["(all)"], Some(3), "share_reached"),
        &Value::Suppressed
    );
    // The total's events_total (7) is the sum of its month rows' events, of which month 3's (2)
    // is hidden: secondary suppression hides it, and the median resting on it.
    assert_eq!(get(&table, &["(all)"], None, "median"), &Value::Suppressed);
    // Empty cells stay empty: the month rows' quartiles rest on the summary's events_total,
    // which is empty on month rows, so a month with 1 event does not blank them.
    assert_eq!(
        get(&table, &["treatment"], Some(0), "events"),
        &Value::Suppressed
    );
    assert_eq!(get(&table, &["treatment"], Some(0), "median"), &Value::Null);
    assert_eq!(get(&table, &["treatment"], Some(0), "chi2"), &Value::Null);
}

/// The relations the table of `group_by` declares, written out.
fn expected_relations(group_by: &[&str], exclude_already: bool) -> Vec<Relation> {
    let mut per_group = strings(group_by);
    per_group.push("row".into());
    let mut relations = vec![
        Relation::RunningSum {
            keys: per_group.clone(),
            along: "rel_month".into(),
            column: "events".into(),
            cumulative: "events_cumulative".into(),
        },
        Relation::RiskSet {
            keys: per_group,
            along: "rel_month".into(),
            at_risk: "n_at_risk".into(),
            leaving: strings(&["events", "censored"]),
        },
        Relation::RowsSumToRow {
            keys: strings(group_by),
            label: "row".into(),
            parts: strings(&["month"]),
            column: "events".into(),
            whole: "summary".into(),
            whole_column: "events_total".into(),
            whole_label: None,
        },
        Relation::RowsSumToRow {
            keys: strings(group_by),
            label: "row".into(),
            parts: strings(&["month"]),
            column: "censored".into(),
            whole: "summary".into(),
            whole_column: "censored_total".into(),
            whole_label: None,
        },
        Relation::Sum {
            parts: strings(&["events_total", "censored_total"]),
            whole: "n".into(),
        },
        Relation::RowsSumToRow {
            keys: strings(group_by),
            label: "from_month".into(),
            parts: strings(&["0"]),
            column: "n_at_risk".into(),
            whole: "summary".into(),
            whole_column: "n".into(),
            whole_label: Some("row".into()),
        },
        Relation::Population {
            columns: strings(if exclude_already {
                &["n", "n_not_observed", "n_already"]
            } else {
                &["n", "n_not_observed"]
            }),
            rows: Some(crate::table::CellIs {
                column: "row".into(),
                value: "summary".into(),
            }),
            arm: None,
            subset: None,
        },
    ];
    if let Some(first) = group_by.first() {
        let mut columns = strings(&[
            "n_at_risk",
            "events",
            "censored",
            "events_cumulative",
            "n",
            "events_total",
            "censored_total",
            "n_not_observed",
        ]);
        if exclude_already {
            columns.push("n_already".into());
        }
        relations.push(Relation::GroupsSumToTotal {
            group: first.to_string(),
            keys: strings(&["row", "rel_month"]),
            columns,
        });
    }
    relations
}

#[test]
fn the_declared_relations_hold() {
    let cases: [(&str, &[&str], Option<i32>); 9] = [
        ("status = \"paid_hours\"", &[], None),
        ("status = \"paid_hours\"", &["arm"], None),
        (
            "status = \"paid_hours\"\nexclude_already = true",
            &["arm"],
            None,
        ),
        (
            "status = \"paid_hours\"\nhorizon = 2",
            &["municipality"],
            None,
        ),
        ("status = \"paid_hours\"\nhorizon = 12", &["arm"], None),
        ("status = \"employment\"", &["sex", "arm"], Some(5)),
        ("status = \"flexjob\"", &["birth_year"], None),
        (
            "status = \"self_support\"\nexclude_already = true",
            &["project"],
            None,
        ),
        ("status = \"self_support\"", &["arm", "municipality"], None),
    ];
    for (params, group_by, to) in cases {
        let table = run(&DEF, params, group_by, Window::rel(None, to));
        let case = format!("{params} by {group_by:?}");
        assert_eq!(table.relation_violations(), Vec::<String>::new(), "{case}");
        assert_eq!(
            table.relations,
            expected_relations(group_by, params.contains("exclude_already")),
            "{case}"
        );
    }
    // Each relation is checked: break one count of each kind.
    let table = run(&DEF, "status = \"paid_hours\"", &["arm"], Window::default());
    let set = |group: &str, month: Option<i64>, column: &str, value: i64| {
        let mut table = table.clone();
        let r = table
            .rows
            .iter()
            .position(|row| std::ptr::eq(row.as_slice(), self::row(&table, &[group], month)))
            .unwrap();
        let c = table.column_index(column).unwrap();
        table.rows[r][c] = Value::Int(value);
        table.relation_violations()
    };
    // treatment month 3: 2 events -> 3 (the running sum from there on, the risk set, the
    // summary total, (all)).
    let violations = set("treatment", Some(3), "events", 3);
    for violation in [
        "row 14: the running sum of events is 4, not events_cumulative 3",
        "row 20: the running sum of events is 4, not events_cumulative 3",
        "row 15: n_at_risk is 2, not 1 (the row before, less those leaving)",
        "row 21: events of the rows month adds up to 4, not events_total 3",
        "row 25: the groups of events add up to 3, not 2",
    ] {
        assert!(
            violations.contains(&violation.to_string()),
            "{violations:?}"
        );
    }
    assert_eq!(violations.len(), 10, "{violations:?}");
    // treatment month 5: 2 at risk -> 3 (the risk set on both sides, (all)).
    assert_eq!(
        set("treatment", Some(5), "n_at_risk", 3),
        [
            "row 16: n_at_risk is 3, not 2 (the row before, less those leaving)",
            "row 17: n_at_risk is 2, not 3 (the row before, less those leaving)",
            "row 27: the groups of n_at_risk add up to 3, not 2",
        ]
    );
    // control summary: n 4 -> 5.
    assert_eq!(
        set("control", None, "n", 5),
        [
            "row 10: the parts of n add up to 4, not 5",
            "row 10: n_at_risk of the rows 0 adds up to 4, not n 5",
            "row 32: the groups of n add up to 10, not 9",
        ]
    );
}

#[test]
fn bad_parameters_are_named() {
    let err = resolve_err(&DEF, "statuss = \"x\"");
    assert!(err.contains("unknown field `statuss`"), "{err}");
    let err = resolve_err(&DEF, "ci = \"plain\"");
    assert!(err.contains("log-log") && err.contains("ci"), "{err}");
    let err = resolve_err(&DEF, "test = \"wilcoxon\"");
    assert!(err.contains("log-rank") && err.contains("test"), "{err}");
    let err = resolve_err(&DEF, "horizon = -3");
    assert!(err.contains("horizon"), "{err}");
    let err = check_err(&DEF, "level = 95", &Window::default());
    assert!(err.starts_with("level = 95"), "{err}");
    let horizon_err = |window: Window| check_err(&DEF, "horizon = 6", &window);
    let err = horizon_err(Window::rel(None, Some(12)));
    assert!(err.contains("horizon = 6 and window.to = 12"), "{err}");
    let err = horizon_err(Window::rel(Some(1), None));
    assert!(err.starts_with("window.from = 1"), "{err}");
    let calendar = Window {
        to_month: Some("2021-01".into()),
        ..Window::default()
    };
    // Calendar keys are refused in the plan, by the registry's window keys.
    assert_eq!(
        DEF.window.unread(&calendar),
        Some((
            "to_month",
            "it counts rel_months from each person's start: use from / to"
        ))
    );
}

#[test]
fn resolved_parameters_show_the_methods() {
    let resolved = resolve(&DEF, "").resolved();
    assert_eq!(
        resolved.get("status").and_then(|v| v.as_str()),
        Some("employment")
    );
    assert_eq!(resolved.get("ci").and_then(|v| v.as_str()), Some("log-log"));
    assert_eq!(
        resolved.get("test").and_then(|v| v.as_str()),
        Some("log-rank")
    );
    assert_eq!(resolved.get("level").and_then(|v| v.as_float()), Some(0.95));
    assert_eq!(
        resolved.get("exclude_already").and_then(|v| v.as_bool()),
        Some(false)
    );
    let resolved = resolve(&DEF, "horizon = 18").resolved();
    assert_eq!(
        resolved.get("horizon").and_then(|v| v.as_integer()),
        Some(18)
    );
}

#[test]
fn a_suppressing_run_pools_months_into_safe_periods() {
    // Tiny, paid_hours, no groups (the times of paid_hours_from_start_by_hand): 5 events at
    // month 0 make a safe period; months 1 and 2 have nothing (0 is safe); from month 3 on there
    // are only 2 events (month 3) and 2 censored (months 7 and 9), never 5, so months 3..9 join
    // the last safe period, month 2. With T = 5: periods 0, 1 and 2–9.
    let panel = crate::metrics::testing::tiny_panel();
    let mut input = crate::metrics::testing::input(&panel, &[], Window::default());
    input.pool_below = Some(5);
    let metric = crate::metrics::testing::resolve(&DEF, "status = \"paid_hours\"");
    let mut table = metric.compute(&input).unwrap();
    let column = |table: &Table, name: &str| -> Vec<Value> {
        let c = table.column_index(name).unwrap();
        table.rows.iter().map(|row| row[c].clone()).collect()
    };
    let ints = |values: &[i64]| -> Vec<Value> {
        values
            .iter()
            .map(|&v| Value::Int(v))
            .chain([Value::Null])
            .collect()
    };
    assert_eq!(column(&table, "from_month"), ints(&[0, 1, 2]));
    assert_eq!(column(&table, "rel_month"), ints(&[0, 1, 9]));
    assert_eq!(column(&table, "n_at_risk"), ints(&[9, 4, 4]));
    assert_eq!(column(&table, "events"), ints(&[5, 0, 2]));
    assert_eq!(column(&table, "censored"), ints(&[0, 0, 2]));
    // The last period's point rests on its 2 events: hidden with them, and 2 censored.
    assert_eq!(column(&table, "min_cell"), ints(&[5, 4, 2]));
    assert!(table
        .notes
        .iter()
        .any(|n| n.contains("pooled into periods")));
    table.suppress(5);
    let shown: Vec<String> = ["events", "censored", "share_reached"]
        .iter()
        .map(|name| {
            let c = table.column_index(name).unwrap();
            table.format(c, &table.rows[2][c])
        })
        .collect();
    assert_eq!(shown, [".", ".", "."]);
    assert_eq!(table.relation_violations(), Vec::<String>::new());
    // The median is month 0 (5 of 9 by then), with 5 events at or before it but only 2 after:
    // fewer than 5 on a side, so it is hidden; the quartile q25 likewise.
    let summary: Vec<String> = ["median", "q25"]
        .iter()
        .map(|name| {
            let c = table.column_index(name).unwrap();
            table.format(c, &table.rows[3][c])
        })
        .collect();
    assert_eq!(summary, [".", "."]);
}

#[test]
fn follow_up_to_the_end_date() {
    use crate::metrics::testing::run_to_end_date;
    // paid_hours with `testing::tiny_end_dates`. Left out: P10 (its end, rel 6, comes before
    // coverage begins at its rel 8) and P11: n_not_observed 2. Events as to coverage: P05 0 (its
    // end month), P07 0, P04 0, P02 0, P09 0, then P06 3 (no end_date) and P01 3; but P03 and
    // P08 are censored at their end, 4, not at coverage's 7 and 9.
    // Month 0: at risk 9, 5 events; 1, 2: at risk 4; 3: 4, 2 events; 4: 2 (P08, P03),
    // censored 2. The last month is 4, the largest time.
    let table = run_to_end_date(&DEF, "status = \"paid_hours\"", &[], Window::default());
    assert_eq!(table.rows.len(), 6, "months 0..4 and the summary");
    let months_0_to_4 = [
        ("n_at_risk", [9, 4, 4, 4, 2]),
        ("events", [5, 0, 0, 2, 0]),
        ("censored", [0, 0, 0, 0, 2]),
        ("events_cumulative", [5, 5, 5, 7, 7]),
    ];
    for (column, months) in months_0_to_4 {
        assert_eq!(by_month(&table, &[], column, 0..=4), months, "{column}");
    }
    assert_near(
        float(&table, &[], Some(4), "share_reached"),
        7.0 / 9.0,
        1e-12,
    );
    assert_eq!(get(&table, &[], None, "n"), &Value::Int(9));
    assert_eq!(get(&table, &[], None, "events_total"), &Value::Int(7));
    assert_eq!(get(&table, &[], None, "censored_total"), &Value::Int(2));
    assert_eq!(get(&table, &[], None, "n_not_observed"), &Value::Int(2));
}
