//! The tests of `hazard_ratio`: hand-computed spells on the tiny dataset, each reading.

use super::*;
use crate::metrics::testing::{
    check_err, first_column, float, groups_relation, input, int, resolve, resolve_err, run,
    run_err, strings, tiny_panel, window,
};
use crate::stats::reference::{assert_close as assert_reference, cluster_fixture, f};

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
    let params = "status = \"other_benefit\"\narm = \"sex\"\ntreatment = \"F\"\ncontrol = \"M\"";
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

/// Every spell of paid hours from rel_month 0 (months in paid hours; a spell ends at the first
/// later month without, and a new one begins at the next month with):
///   treatment: P10 13 (lost at 1), 15 (lost at 1), last month 18; P06 3 (1), 7 (1); P05 0-3
///     (4); P01 3-8 (censored at 5); P08, P03 none.
///   control: P07 0-2 (3), 4-7 (censored 3); P04 paid -4..0, so its spell begins at the
///     window's first month, 0 (lost at 1), then 3-6 (censored 3); P02 0-4 (c4); P09 0 (c0).
/// Persons 4 and 4; spells 6 and 6; persons who lost paid hours 3 (P10, P06, P05) and 2 (P07,
/// P04); spells ended 5 and 2. The reference, R's coxph(... + cluster(id), ties = "efron") on
/// these twelve spells, is the fixture's `tiny_all_spells` (tests/reference/
/// cox_cluster_reference.py, clusters 1-4 treatment, 5-8 control).
#[test]
fn all_spells_by_hand_and_against_r() {
    let table = run(&DEF, "spells = \"all\"", &[], Window::default());
    let counts = |suffix: &str| {
        ["n_persons", "n_spells", "persons_lost", "events"]
            .map(|c| int(&table, &[], &format!("{c}{suffix}")))
    };
    assert_eq!(counts("_treatment"), [4, 6, 3, 5]);
    assert_eq!(counts("_control"), [4, 6, 2, 2]);
    assert_eq!(counts(""), [8, 12, 5, 7]);
    assert_eq!(int(&table, &[], "n_other_arm"), 0);
    assert_eq!(int(&table, &[], "min_cell"), 2);
    let case = &cluster_fixture()["cox_clustered"][1];
    assert_eq!(case["dataset"], "tiny_all_spells");
    let (beta, var) = (f(&case["coef"][0]), f(&case["robust_covariance"][0][0]));
    let half = 1.959_963_984_540_054 * var.sqrt();
    assert_reference(float(&table, &[], "hazard_ratio"), beta.exp(), "HR");
    assert_reference(float(&table, &[], "lower"), (beta - half).exp(), "lower");
    assert_reference(float(&table, &[], "upper"), (beta + half).exp(), "upper");
    // Robust z = 1.0078748335442236 / sqrt(0.38776474739475464) = 1.6185362818038778, two-sided
    // normal p from scipy (norm.sf).
    assert_reference(float(&table, &[], "p_value"), 0.105_547_074_329_215_16, "p");
    // The hand-made spells are the fixture's, so the wiring adds nothing.
    let times: Vec<f64> = case["time"].as_array().unwrap().iter().map(f).collect();
    assert_eq!(times, [1., 1., 1., 1., 4., 5., 3., 3., 1., 3., 4., 0.]);
    assert!(table
        .notes
        .iter()
        .any(|n| n.contains("clustered by person")));
    assert!(table.notes.iter().any(|n| n.contains("Lin & Wei 1989")));
}

/// The first of a person's spells is the shipped reading's spell, whatever the window and
/// status: `spells = "all"` only adds the later ones.
#[test]
fn the_first_of_all_spells_is_the_first_spell() {
    let panel = tiny_panel();
    let cases = [
        ("paid_hours", window(0, None)),
        ("paid_hours", window(-4, None)),
        ("paid_hours", window(4, Some(6))),
        ("employment", window(-12, Some(3))),
        ("self_support", window(0, None)),
        ("education", window(-36, None)),
    ];
    for (status, w) in cases {
        let params = HazardRatio {
            status: status.into(),
            ..HazardRatio::default()
        };
        let whole = w.from() == 0 && w.to.is_none();
        let input = input(&panel, &[], w);
        let persons = Persons::of(&input).unwrap();
        let first = params.spells(&input, &persons).unwrap();
        let all = params.all_spells(&input, &persons).unwrap();
        let mut later = 0;
        for (one, every) in first.iter().zip(&all) {
            let key = |s: &Spell| (s.time, s.lost, s.treated, s.followed);
            assert_eq!(one.as_ref().map(key), every.first().map(key), "{status}");
            // Only the last spell may be censored.
            let censored = every.iter().filter(|s| !s.lost).count();
            assert!(censored <= 1 && every.iter().rev().skip(1).all(|s| s.lost));
            later += every.len().saturating_sub(1);
        }
        if status == "paid_hours" && whole {
            assert_eq!(later, 4, "P10, P06, P07 and P04 have a second spell");
        }
    }
}

#[test]
fn all_spells_begin_in_the_window() {
    // Window 0..3: spells beginning at 0-3. Treatment: P06 3 (lost 1; 7 is outside), P05 0
    // (lost 4), P01 3 (c5); P10's begin at 13 and 15. Control: P07 0 (lost 3; 4 is outside),
    // P04 0 (lost 1) and 3 (c3), P02 0 (c4), P09 0 (c0).
    let table = run(&DEF, "spells = \"all\"", &[], window(0, Some(3)));
    let counts = |suffix: &str| {
        ["n_persons", "n_spells", "persons_lost", "events"]
            .map(|c| int(&table, &[], &format!("{c}{suffix}")))
    };
    assert_eq!(counts("_treatment"), [3, 3, 2, 2]);
    assert_eq!(counts("_control"), [4, 5, 2, 2]);
    // Window from -4: P04's first spell begins at -4 and is lost at 1 (time 5).
    let table = run(&DEF, "spells = \"all\"", &["arm"], window(-4, None));
    assert_eq!(int(&table, &["control"], "n_spells_control"), 6);
    assert_eq!(int(&table, &["control"], "events_control"), 2);
    // One arm only in a group: the estimator's refusal is a note, the counts stand.
    assert_eq!(table.cell(&["control"], "hazard_ratio"), Some(&Value::Null));
    assert!(
        table
            .notes
            .iter()
            .any(|n| n.starts_with("control: no hazard ratio")),
        "{:?}",
        table.notes
    );
    // A status nobody has: zero counts, a note.
    let params = "spells = \"all\"\nstatus = \"other_benefit\"\narm = \"sex\"\ntreatment = \"F\"\ncontrol = \"M\"";
    let table = run(&DEF, params, &[], window(0, Some(0)));
    assert_eq!(int(&table, &[], "n_spells"), 0);
    assert!(table
        .notes
        .iter()
        .any(|n| n.contains("nobody with a spell")));
}

/// First spells of paid hours from 0 with the months each person is observed after entry:
///   treatment P10 lost at 1, observed 5 (13 -> 18); P06 lost 1, 6; P05 lost 4, 8; P01 not
///   lost, 5. Control P07 lost 3, 7; P04 lost 1, 6; P02 not lost, 4; P09 not lost, 0.
#[test]
fn risk_ratio_by_hand() {
    // horizon 2: everyone but P09 is observed 2 months. Treatment lost within 2: P10, P06 (P05
    // at 4 is later): 2 of 4. Control: P04: 1 of 3. Ratio (2/4) / (1/3) = 1.5; se² of its
    // log = 1/2 - 1/4 + 1/1 - 1/3 = 11/12.
    let table = run(
        &DEF,
        "estimate = \"risk_ratio\"\nhorizon = 2",
        &[],
        Window::default(),
    );
    let counts = [
        "n",
        "lost",
        "n_treatment",
        "lost_treatment",
        "n_control",
        "lost_control",
    ];
    assert_eq!(counts.map(|c| int(&table, &[], c)), [7, 3, 4, 2, 3, 1]);
    assert_eq!(int(&table, &[], "n_short"), 1);
    assert_eq!(int(&table, &[], "n_other_arm"), 0);
    assert_eq!(int(&table, &[], "min_cell"), 1);
    assert_eq!(float(&table, &[], "share_treatment"), 0.5);
    assert_eq!(float(&table, &[], "risk_ratio"), 1.5);
    let half = 1.959_963_984_540_054 * (11.0f64 / 12.0).sqrt();
    assert!(close(
        float(&table, &[], "lower"),
        (1.5f64.ln() - half).exp()
    ));
    assert!(close(
        float(&table, &[], "upper"),
        (1.5f64.ln() + half).exp()
    ));
    // The same numbers from statsmodels (confint/test_proportions_2indep, ratio, log).
    let case = &cluster_fixture()["risk_ratio"][0];
    assert_eq!(case["case"], "tiny_h2");
    assert_reference(float(&table, &[], "lower"), f(&case["lower"]), "lower");
    assert_reference(float(&table, &[], "upper"), f(&case["upper"]), "upper");
    assert_reference(float(&table, &[], "p_value"), f(&case["p_value"]), "p");
    // horizon 4: P05 (4) and P07 (3) now count as lost; P02, observed exactly 4, kept it.
    let table = run(
        &DEF,
        "estimate = \"risk_ratio\"\nhorizon = 4",
        &[],
        Window::default(),
    );
    assert_eq!(counts.map(|c| int(&table, &[], c)), [7, 5, 4, 3, 3, 2]);
    assert!(close(float(&table, &[], "risk_ratio"), 1.125));
    // horizon 6: only P06, P05 (treatment) and P07, P04 (control) are observed 6 months, and
    // all lost paid hours: both shares 1, no variance, no ratio; P10 and P06 lost theirs
    // within 6 months but are observed 5 and are left out with the others.
    let table = run(
        &DEF,
        "estimate = \"risk_ratio\"\nhorizon = 6",
        &[],
        Window::default(),
    );
    assert_eq!(counts.map(|c| int(&table, &[], c)), [4, 4, 2, 2, 2, 2]);
    assert_eq!(int(&table, &[], "n_short"), 4);
    assert_eq!(table.cell(&[], "risk_ratio"), Some(&Value::Null));
    assert!(
        table
            .notes
            .iter()
            .any(|n| n.starts_with("everyone: no risk ratio") && n.contains("zero variance")),
        "{:?}",
        table.notes
    );
    // By project, horizon 2: FSM2 has P06 (lost) and P01 vs P02 (not lost; P09 short): no
    // control loss, no ratio.
    let table = run(
        &DEF,
        "estimate = \"risk_ratio\"\nhorizon = 2",
        &["project"],
        Window::default(),
    );
    assert_eq!(int(&table, &["FSM2"], "lost_control"), 0);
    assert_eq!(int(&table, &["FSM2"], "n_short"), 1);
    assert!(table
        .notes
        .iter()
        .any(|n| n.starts_with("FSM2: no risk ratio: no events in the control arm")));
    assert!(table.notes.iter().any(|n| n.contains("within 2 months")));
}

#[test]
fn the_readings_declared_relations_hold() {
    let readings = [
        "spells = \"all\"",
        "estimate = \"risk_ratio\"\nhorizon = 3",
        "estimate = \"risk_ratio\"\nhorizon = 1\nstatus = \"employment\"",
        "spells = \"all\"\nstatus = \"self_support\"",
    ];
    let groupings: [&[&str]; 4] = [&[], &["project"], &["sex", "municipality"], &["arm"]];
    for params in readings {
        for group_by in groupings {
            for w in [Window::default(), window(-4, Some(8))] {
                let table = run(&DEF, params, group_by, w);
                assert_eq!(
                    table.relation_violations(),
                    Vec::<String>::new(),
                    "{params} by {group_by:?}"
                );
                assert_eq!(table.check_references(), Ok(()), "{params}");
            }
        }
    }
    // Break a count: its row's sum and the groups' total both notice.
    let mut table = run(&DEF, "spells = \"all\"", &["project"], Window::default());
    let c = table.column_index("n_spells_control").unwrap();
    table.rows[1][c] = Value::Int(9);
    let violations = table.relation_violations();
    assert_eq!(violations.len(), 2, "{violations:?}");
}

/// Small counts are hidden: the disclosure rules see every count these readings print.
#[test]
fn the_readings_counts_are_suppressed() {
    for params in ["spells = \"all\"", "estimate = \"risk_ratio\"\nhorizon = 2"] {
        let table = run(&DEF, params, &["project"], Window::default());
        let kinds: Vec<_> = table
            .columns
            .iter()
            .filter(|c| c.name != "project")
            .map(|c| (c.name.clone(), c.kind.clone()))
            .collect();
        // Every column is a count of persons, or a statistic hidden with one.
        for (name, kind) in &kinds {
            assert!(
                matches!(
                    kind,
                    crate::table::Kind::Persons
                        | crate::table::Kind::Mean { .. }
                        | crate::table::Kind::Share { .. }
                ),
                "{params}: {name} is {kind:?}"
            );
        }
        let mut suppressed = table.clone();
        suppressed.suppress(5);
        // No count below 5 is released, nor a statistic resting on one (min_cell is at most 2
        // in every row), and each hidden count keeps at least 4 possible values for a reader
        // who knows the relations.
        for (row, cells) in suppressed.rows.iter().enumerate() {
            for (cell, column) in cells.iter().zip(&suppressed.columns) {
                let small = matches!(cell, Value::Int(v) if (1..5).contains(v));
                let statistic = matches!(column.kind, crate::table::Kind::Mean { .. })
                    && ["hazard_ratio", "risk_ratio", "p_value"].contains(&column.name.as_str());
                assert!(
                    !(small || statistic && matches!(cell, Value::Float(_))),
                    "{params}: row {row} {} released as {cell:?}",
                    column.name
                );
            }
        }
        for range in suppressed.audit().unwrap() {
            assert!(range.values().is_none_or(|v| v >= 4), "{params}: {range:?}");
        }
    }
}

#[test]
fn bad_readings_are_named() {
    let w = Window::default();
    let err = check_err(&DEF, "estimate = \"risk_ratio\"", &w);
    assert!(
        err.starts_with("horizon: estimate = \"risk_ratio\" needs horizon"),
        "{err}"
    );
    let err = check_err(&DEF, "estimate = \"risk_ratio\"\nhorizon = 0", &w);
    assert_eq!(err, "horizon = 0: must be at least 1 month");
    let err = check_err(&DEF, "estimate = \"risk_ratio\"\nhorizon = -3", &w);
    assert_eq!(err, "horizon = -3: must be at least 1 month");
    let err = check_err(&DEF, "estimate = \"risk_ratio\"\nhorizon = 5000", &w);
    assert!(
        err.starts_with("horizon = 5000: more than 1200 months"),
        "{err}"
    );
    let err = check_err(&DEF, "horizon = 6", &w);
    assert!(
        err.starts_with("horizon: only estimate = \"risk_ratio\""),
        "{err}"
    );
    let err = check_err(
        &DEF,
        "spells = \"all\"\nestimate = \"risk_ratio\"\nhorizon = 6",
        &w,
    );
    assert!(err.starts_with("spells = \"all\""), "{err}");
    let err = resolve_err(&DEF, "spells = \"every\"");
    assert!(err.contains("spells") && err.contains("`all`"), "{err}");
    let err = resolve_err(&DEF, "estimate = \"odds_ratio\"");
    assert!(
        err.contains("estimate") && err.contains("`risk_ratio`"),
        "{err}"
    );
    let err = resolve_err(&DEF, "estimate = \"risk_ratio\"\nhorizon = 2.5");
    assert!(err.contains("horizon"), "{err}");
}

#[test]
fn resolved_parameters_show_the_reading() {
    let resolved = resolve(&DEF, "").resolved();
    assert_eq!(
        resolved.get("spells").and_then(|v| v.as_str()),
        Some("first")
    );
    assert_eq!(
        resolved.get("estimate").and_then(|v| v.as_str()),
        Some("cox")
    );
    // No default horizon, so none is shown.
    assert!(!resolved.contains_key("horizon"));
    let resolved = resolve(&DEF, "estimate = \"risk_ratio\"\nhorizon = 6").resolved();
    assert_eq!(
        resolved.get("horizon").and_then(|v| v.as_integer()),
        Some(6)
    );
}
