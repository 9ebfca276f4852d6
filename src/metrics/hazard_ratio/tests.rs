//! The tests of `hazard_ratio`: hand-computed spells on the tiny dataset, each reading.

use super::*;
use crate::metrics::testing::{
    check_err, first_column, float, groups_relation, int, resolve, resolve_err, run, run_err,
    strings, window,
};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1e-3)
}

/// The spells of paid hours from rel_month 0 (first paid month, first later month without):
///   treatment: P10 first 13 (its coverage starts at 8), 14 not paid -> lost at 1;
///     P06 3, 4 not paid -> 1; P05 0, paid 0..3, 4 not -> 4; P01 3, paid through its last
///     month 8 -> censored at 5; P08, P03 never paid.
///   control: P07 0, 1, 2 paid, 3 not (flexjob without pay) -> 3; P04 0, 1 not -> 1;
///     P02 0 (week-53 start: January is month 0), paid through its last month 4 ->
///     censored at 4; P09 0 = its last month -> censored at 0; P11 has no month from 0.
#[test]
fn paid_hours_spells_by_hand() {
    let table = run(&DEF, "", &[], Window::default());
    assert_eq!(int(&table, &[], "n_treatment"), 4);
    assert_eq!(int(&table, &[], "events_treatment"), 3);
    assert_eq!(int(&table, &[], "n_control"), 4);
    assert_eq!(int(&table, &[], "events_control"), 2);
    assert_eq!(int(&table, &[], "n"), 8);
    assert_eq!(int(&table, &[], "events"), 5);
    assert_eq!(int(&table, &[], "n_other_arm"), 0);
    assert_eq!(int(&table, &[], "min_cell"), 2);
    // statsmodels PHReg(ties="efron") on times (1, 1, 4, 5c | 3, 1, 4c, 0c), treatment first:
    // beta 0.14417995476251166, se 0.9185410089022433.
    assert!(close(
        float(&table, &[], "hazard_ratio"),
        1.1550919541212332
    ));
    assert!(close(float(&table, &[], "lower"), 0.1908767511781934));
    assert!(close(float(&table, &[], "upper"), 6.990046793231664));
    assert!(close(float(&table, &[], "p_value"), 0.8752714322387799));
    // The same vectors straight into the estimator: the wiring adds nothing.
    assert_fitted(&table, &[], [1.0, 1.0, 4.0, 5.0, 3.0, 1.0, 4.0, 0.0]);
    assert!(table.notes.iter().any(|n| n.contains("Efron")));
    assert!(table.notes.iter().any(|n| n.contains("Wald")));
}

/// The row's hazard ratio is the estimator's on `times`: four treatment persons (losing at
/// the first three), then four control persons (losing at the first two).
fn assert_fitted(table: &Table, group: &[&str], times: [f64; 8]) {
    let lost = [true, true, true, false, true, true, false, false];
    let treated = [true, true, true, true, false, false, false, false];
    let fit = hazard_ratio(&times, &lost, &treated, 0.95).unwrap();
    assert_eq!(
        table.cell(group, "hazard_ratio"),
        Some(&Value::Float(fit.coefficients[0].hazard_ratio))
    );
}

#[test]
fn by_project_with_failures_as_notes() {
    // BIR: P10 (treatment, lost at 1) and P04 (control, lost at 1), a tie with both at risk.
    //   Efron: l(b) = b - 2 log(1 + e^b) + log 2, maximal at b = 0: HR 1; information
    //   2 e^b / (1 + e^b)^2 = 1/2, se = sqrt 2; p = 1; CI exp(±1.959964 * sqrt 2).
    // AP: P05 (treatment, lost at 4) and P07 (control, lost at 3): at 3 the control loses
    //   with both at risk, at 4 the treatment alone: the likelihood rises without end as
    //   b -> -inf: no estimate.
    // FSM2: P06 (treatment, lost at 1), P01 (treatment, censored 5), P02, P09 (control,
    //   censored): no control events: no estimate.
    let table = run(&DEF, "", &["project"], Window::default());
    assert_eq!(int(&table, &["BIR"], "n"), 2);
    assert!(close(float(&table, &["BIR"], "hazard_ratio"), 1.0));
    let half = (1.959_963_984_540_054 * 2f64.sqrt()).exp();
    assert!(close(float(&table, &["BIR"], "upper"), half));
    assert!(close(float(&table, &["BIR"], "lower"), 1.0 / half));
    assert!(close(float(&table, &["BIR"], "p_value"), 1.0));
    assert_eq!(table.cell(&["AP"], "hazard_ratio"), Some(&Value::Null));
    assert_eq!(int(&table, &["AP"], "events"), 2);
    assert_eq!(table.cell(&["FSM2"], "hazard_ratio"), Some(&Value::Null));
    assert_eq!(int(&table, &["FSM2"], "events_control"), 0);
    assert_eq!(int(&table, &["FSM2"], "n_control"), 2);
    assert_eq!(int(&table, &["(all)"], "n"), 8);
    assert_eq!(first_column(&table), ["AP", "BIR", "FSM2", "(all)"]);
    assert!(
        table
            .notes
            .iter()
            .any(|n| n.starts_with("AP: no hazard ratio") && n.contains("infinite")),
        "{:?}",
        table.notes
    );
    assert!(table
        .notes
        .iter()
        .any(|n| n.starts_with("FSM2: no hazard ratio")));
}

#[test]
fn other_arms_window_and_no_events() {
    // Arms from project: treatment FSM2, control AP; BIR persons with a spell (P10, P04)
    // are left out as another arm. FSM2: P06 lost 1, P01 c5, P02 c4, P09 c0; AP: P05 lost
    // 4, P07 lost 3.
    let params = "arm = \"project\"\ntreatment = \"FSM2\"\ncontrol = \"AP\"";
    let table = run(&DEF, params, &[], Window::default());
    assert_eq!(int(&table, &[], "n_other_arm"), 2);
    assert_eq!(int(&table, &[], "n_treatment"), 4);
    assert_eq!(int(&table, &[], "events_treatment"), 1);
    assert_eq!(int(&table, &[], "n_control"), 2);
    assert_eq!(int(&table, &[], "events_control"), 2);
    assert!(matches!(
        table.cell(&[], "hazard_ratio"),
        Some(Value::Float(_))
    ));
    // Window 4..6: first paid month in it: P10 none (13); P06 none (3, 7); P05 none;
    // P01 4 (paid through 8: censored at 4); P07 4 (paid through 7: censored 3); P04 4
    // (through 6: censored 2); P02 4 = its last month: censored 0. Nobody loses: no
    // events, no estimate; n 4.
    let table = run(&DEF, "", &[], window(4, Some(6)));
    assert_eq!(int(&table, &[], "n"), 4);
    assert_eq!(int(&table, &[], "events"), 0);
    assert_eq!(table.cell(&[], "hazard_ratio"), Some(&Value::Null));
    assert!(
        table.notes.iter().any(|n| n.contains("no events")),
        "{:?}",
        table.notes
    );
    // A status nobody has: n 0, a note.
    let params =
        "status = \"other_benefit\"\narm = \"sex\"\ntreatment = \"F\"\ncontrol = \"M\"";
    let table = run(&DEF, params, &[], window(0, Some(0)));
    assert_eq!(int(&table, &[], "n"), 0);
    assert_eq!(table.cell(&[], "p_value"), Some(&Value::Null));
}

#[test]
fn a_spell_starting_before_the_window_is_counted_from_the_window() {
    // Window from -4: P04's first paid month is -4 (paid -4..0, 1 not): lost at 5. The
    // others as from 0 (no paid months in -4..-1): P07 3, P02 c4, P09 c0 (control), so the
    // control events are P07 (3) and P04 (5).
    let table = run(&DEF, "", &["arm"], window(-4, None));
    assert_eq!(int(&table, &["control"], "events_control"), 2);
    assert_eq!(int(&table, &["control"], "n_treatment"), 0);
    assert_eq!(table.cell(&["control"], "hazard_ratio"), Some(&Value::Null));
    assert_fitted(&table, &["(all)"], [1.0, 1.0, 4.0, 5.0, 3.0, 5.0, 4.0, 0.0]);
}

#[test]
fn the_declared_relations_hold() {
    let sums = vec![
        Relation::Sum {
            parts: strings(&["n_treatment", "n_control"]),
            whole: "n".into(),
        },
        Relation::Sum {
            parts: strings(&["events_treatment", "events_control"]),
            whole: "events".into(),
        },
    ];
    let cases: [(&str, &[&str], Window); 7] = [
        ("", &[], Window::default()),
        ("", &["project"], Window::default()),
        ("", &["arm"], window(-4, None)),
        ("", &["sex", "municipality"], window(0, Some(6))),
        (
            "arm = \"project\"\ntreatment = \"FSM2\"\ncontrol = \"AP\"",
            &["arm"],
            Window::default(),
        ),
        (
            "status = \"employment\"",
            &["municipality"],
            Window::default(),
        ),
        (
            "status = \"self_support\"",
            &["project", "sex"],
            Window::default(),
        ),
    ];
    for (params, group_by, window) in cases {
        let table = run(&DEF, params, group_by, window);
        let case = format!("{params} by {group_by:?}");
        assert_eq!(table.relation_violations(), Vec::<String>::new(), "{case}");
        let mut expected = sums.clone();
        if let Some(first) = group_by.first() {
            // Every count but min_cell.
            let counts = "n events n_treatment events_treatment n_control events_control";
            let mut columns: Vec<&str> = counts.split(' ').collect();
            columns.push("n_other_arm");
            expected.push(groups_relation(first, &[], &columns));
        }
        assert_eq!(table.relations, expected, "{case}");
    }
    // Break one arm's count: its row's sum and the total.
    let mut table = run(&DEF, "", &["project"], Window::default());
    let c = table.column_index("n_control").unwrap();
    table.rows[1][c] = Value::Int(2); // BIR: 1 control, not 2
    assert_eq!(
        table.relation_violations(),
        [
            "row 1: the parts of n add up to 3, not 2",
            "row 3: the groups of n_control add up to 5, not 4",
        ]
    );
}

#[test]
fn bad_parameters_are_named() {
    let err = resolve_err(&DEF, "ties = \"breslow\"");
    assert!(err.contains("efron") && err.contains("ties"), "{err}");
    let err = resolve_err(&DEF, "ci = \"profile\"");
    assert!(err.contains("wald") && err.contains("ci"), "{err}");
    let err = resolve_err(&DEF, "arms = \"arm\"");
    assert!(err.contains("unknown field `arms`"), "{err}");
    let err = check_err(&DEF, "control = \"treatment\"", &Window::default());
    assert!(err.starts_with("treatment = control"), "{err}");
    let err = check_err(&DEF, "level = 1.5", &Window::default());
    assert!(err.starts_with("level = 1.5"), "{err}");
    // An arm column the cohort lacks is named at compute time.
    let err = run_err(&DEF, "arm = \"group\"", &[], Window::default());
    assert_eq!(
        err,
        "arm: the cohort has no column \"group\" (its columns: arm, project, municipality, sex, birth_year)"
    );
}

#[test]
fn resolved_parameters_show_the_methods() {
    let resolved = resolve(&DEF, "").resolved();
    assert_eq!(resolved.get("ties").and_then(|v| v.as_str()), Some("efron"));
    assert_eq!(resolved.get("ci").and_then(|v| v.as_str()), Some("wald"));
    assert_eq!(resolved.get("test").and_then(|v| v.as_str()), Some("wald"));
    assert_eq!(
        resolved.get("status").and_then(|v| v.as_str()),
        Some("paid_hours")
    );
    assert_eq!(resolved.get("arm").and_then(|v| v.as_str()), Some("arm"));
}
