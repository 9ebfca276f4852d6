use super::*;
use crate::metrics::testing::{check_err, resolve, resolve_err, run_on, strings, tiny_panel};
use crate::metrics::Window;
use crate::panel::Panel;
use crate::table::{Value, ALL};

/// The cell of the row whose group columns are `group` and stage is `stage`.
fn cell<'t>(table: &'t Table, group: &[&str], stage: &str, column: &str) -> &'t Value {
    let c = table.column_index(column).unwrap();
    let s = table.column_index("stage").unwrap();
    table
        .rows
        .iter()
        .find(|r| {
            r[s] == Value::Text(stage.into())
                && group
                    .iter()
                    .enumerate()
                    .all(|(i, g)| r[i] == Value::Text(g.to_string()))
        })
        .map(|r| &r[c])
        .unwrap_or_else(|| panic!("no row {group:?} / {stage}"))
}

const IMPACT60: &str = r#"
    [published]
    referred = 118
    deregistered = 35
    not_started = 18
    active = 65
    full_self_support = 9
    partial_self_support = 7
    reasons = [
        { reason = "not_in_target_group", count = 11 },
        { reason = "never_showed", count = 9 },
        { reason = "moved_to_another_offer", count = 12 },
        { reason = "moved_away", count = 2 },
    ]
"#;

#[test]
fn impact60_from_published_counts() {
    let m = resolve(&DEF, IMPACT60);
    m.check(&Window::default()).unwrap();
    assert!(m.statuses().is_empty());
    // Only the published counts are resolved parameters then.
    assert_eq!(m.resolved().keys().collect::<Vec<_>>(), ["published"]);
    let table = m.published().expect("published counts").unwrap();
    let stages: Vec<&Value> = table.rows.iter().map(|r| &r[0]).collect();
    let labels = [
        "referred",
        "deregistered",
        "deregistered: not_in_target_group",
        "deregistered: never_showed",
        "deregistered: moved_to_another_offer",
        "deregistered: moved_away",
        "not_started",
        "active",
        "full_self_support",
        "partial_self_support",
        "effect",
    ];
    assert_eq!(
        stages,
        labels
            .iter()
            .map(|l| Value::Text(l.to_string()))
            .collect::<Vec<_>>()
            .iter()
            .collect::<Vec<_>>()
    );
    // Effect: (9 + 7) / 65 = 16 / 65 = 24.6%, as printed ("25%").
    assert_eq!(cell(&table, &[], "effect", "count"), &Value::Int(16));
    assert_eq!(cell(&table, &[], "effect", "active"), &Value::Int(65));
    assert_eq!(
        cell(&table, &[], "effect", "share_of_active"),
        &Value::Float(16.0 / 65.0)
    );
    assert_eq!(
        table.format(
            table.column_index("share_of_active").unwrap(),
            cell(&table, &[], "effect", "share_of_active")
        ),
        "24.6"
    );
    // Shares of the 118 referred: 35 / 118, 65 / 118.
    assert_eq!(
        cell(&table, &[], "deregistered", "share_of_referred"),
        &Value::Float(35.0 / 118.0)
    );
    assert_eq!(
        cell(&table, &[], "active", "share_of_referred"),
        &Value::Float(65.0 / 118.0)
    );
    assert_eq!(cell(&table, &[], "active", "share_of_active"), &Value::Null);
    // The stages add up (35 + 18 + 65 = 118), the reasons do not (11 + 9 + 12 + 2 = 34).
    assert!(!table.notes.iter().any(|n| n.contains("do not add up")));
    let note = table
        .notes
        .iter()
        .find(|n| n.contains("reasons sum to"))
        .expect("a note on the reasons");
    assert!(note.contains("sum to 34"), "{note}");
    assert!(note.contains("deregistered total 35"), "{note}");
    assert!(note.contains("35 + 18 + 65 = 118"), "{note}");
}

#[test]
fn published_funnel_that_does_not_add_up_is_noted_and_impossible_one_refused() {
    let m = resolve(
        &DEF,
        "[published]\nreferred = 10\nderegistered = 2\nnot_started = 2\nactive = 5\nfull_self_support = 0\npartial_self_support = 0",
    );
    let table = m.published().expect("published counts").unwrap();
    // 2 + 2 + 5 = 9 of 10; nobody self-supporting: effect 0 / 5 = 0, not Null.
    assert!(table.notes.iter().any(|n| n.contains("= 9, referred = 10")));
    assert_eq!(
        cell(&table, &[], "effect", "share_of_active"),
        &Value::Float(0.0)
    );
    // No active persons: the effect is Null, not NaN.
    let m = resolve(
        &DEF,
        "[published]\nreferred = 3\nderegistered = 3\nnot_started = 0\nactive = 0\nfull_self_support = 0\npartial_self_support = 0",
    );
    let table = m.published().expect("published counts").unwrap();
    assert_eq!(cell(&table, &[], "effect", "share_of_active"), &Value::Null);
    let err = check_err(
        &DEF,
        "[published]\nreferred = 10\nderegistered = 0\nnot_started = 0\nactive = 5\nfull_self_support = 4\npartial_self_support = 2",
        &Window::default(),
    );
    assert!(err.starts_with("published:"), "{err}");
}

/// The tiny panel with two test cohort columns: a deregistration reason and weeks in the
/// programme, by person (cohort order P10 P08 P06 P05 P01 P07 P03 P04 P02 P09 P11).
fn tiny_with_columns(reason: [&str; 11], weeks: [&str; 11]) -> Panel {
    let mut panel = tiny_panel();
    let text = |v: [&str; 11]| -> Vec<Option<String>> {
        v.iter()
            .map(|s| (!s.is_empty()).then(|| s.to_string()))
            .collect()
    };
    panel
        .persons
        .with_column(Column::new("deregistration_reason".into(), text(reason)))
        .unwrap();
    panel
        .persons
        .with_column(Column::new("weeks_in_programme".into(), text(weeks)))
        .unwrap();
    panel
}

fn run(panel: &Panel, params: &str, group_by: &[&str]) -> Result<Table> {
    run_on(&DEF, panel, params, group_by, &Window::default())
}

//                P10   P08  P06  P05   P01  P07  P03  P04    P02  P09  P11
const REASONS: [&str; 11] = ["", "moved", "", "", "", "", "", "no_show", "", "", "moved"];
const WEEKS: [&str; 11] = ["30", "12", "20", "8", "4", "10", "3.5", "", "9", "4", ""];

#[test]
fn funnel_from_the_data_in_the_last_observed_month() {
    // Deregistered: P08, P11 (moved), P04 (no_show) = 3. Not started: P03 (3.5 < 4 weeks)
    // = 1 (P04 has no weeks but is deregistered first). Active (>= 4 weeks): P10, P06, P05,
    // P01, P07, P02, P09 = 7. In 2021-05 (the last observed month):
    // full (self_support): P06 (benefit_weeks 0), P01 (0), P02 (0) = 3;
    // partial (partial_self_support): P07 (flexjob), P09 (25 h on 2 social-assistance
    // weeks) = 2; P10 (early retirement, no hours) and P05 (UI) neither.
    // Effect (3 + 2) / 7 = 5/7.
    let panel = tiny_with_columns(REASONS, WEEKS);
    let table = run(&panel, "", &[]).unwrap();
    let count = |stage: &str| cell(&table, &[], stage, "count").clone();
    assert_eq!(count("referred"), Value::Int(11));
    assert_eq!(count("deregistered"), Value::Int(3));
    assert_eq!(count("deregistered: moved"), Value::Int(2));
    assert_eq!(count("deregistered: no_show"), Value::Int(1));
    assert_eq!(count("not_started"), Value::Int(1));
    assert_eq!(count("active"), Value::Int(7));
    assert_eq!(count("active_not_observed"), Value::Int(0));
    assert_eq!(count("full_self_support"), Value::Int(3));
    assert_eq!(count("partial_self_support"), Value::Int(2));
    assert_eq!(count("effect"), Value::Int(5));
    assert_eq!(
        cell(&table, &[], "effect", "share_of_active"),
        &Value::Float(5.0 / 7.0)
    );
    assert_eq!(
        cell(&table, &[], "active", "share_of_referred"),
        &Value::Float(7.0 / 11.0)
    );
    // Reasons sorted by value.
    let s = table.column_index("stage").unwrap();
    assert_eq!(table.rows[2][s], Value::Text("deregistered: moved".into()));
    assert_eq!(
        table.rows[3][s],
        Value::Text("deregistered: no_show".into())
    );
}

#[test]
fn funnel_by_group_and_at_a_rel_month_with_censoring() {
    // At rel_month 4 (each person's start month + 4): the active persons' rows:
    // P10 not observed there (its panel starts at rel_month 8): active_not_observed.
    // P06 rel 4 = 2020-12, benefit 0: full. P05 rel 4 = 2021-01, 4 UI weeks: neither.
    // P01 rel 4 = 2021-01, social assistance with 120 h: partial.
    // P07 rel 4 = 2021-02, flexjob: partial. P02 rel 4 = 2021-05, benefit 0: full.
    // P09: rel 4 is after its follow-up (last rel_month 0): active_not_observed.
    // By arm: treatment active P10, P06, P05, P01 (P08 deregistered, P03 not started):
    //   full 1 (P06), partial 1 (P01), not observed 1 (P10): effect 2 / 3 observed.
    // control active P07, P02, P09 (P04, P11 deregistered):
    //   full 1 (P02), partial 1 (P07), not observed 1 (P09): effect 2 / 2.
    let panel = tiny_with_columns(REASONS, WEEKS);
    let table = run(&panel, "measured_month = 4", &["arm"]).unwrap();
    let t = |stage: &str, column: &str| cell(&table, &["treatment"], stage, column).clone();
    assert_eq!(t("active", "count"), Value::Int(4));
    assert_eq!(t("active_not_observed", "count"), Value::Int(1));
    assert_eq!(t("full_self_support", "count"), Value::Int(1));
    assert_eq!(t("partial_self_support", "count"), Value::Int(1));
    assert_eq!(t("effect", "active"), Value::Int(3));
    assert_eq!(t("effect", "share_of_active"), Value::Float(2.0 / 3.0));
    assert_eq!(t("deregistered: no_show", "count"), Value::Int(0));
    let c = |stage: &str, column: &str| cell(&table, &["control"], stage, column).clone();
    assert_eq!(c("referred", "count"), Value::Int(5));
    assert_eq!(c("deregistered", "count"), Value::Int(2));
    assert_eq!(c("active_not_observed", "count"), Value::Int(1));
    assert_eq!(c("effect", "share_of_active"), Value::Float(1.0));
    // The total: effect 4 / 5 observed active persons.
    assert_eq!(
        cell(&table, &[ALL], "effect", "share_of_active"),
        &Value::Float(4.0 / 5.0)
    );
    // Groups in order, total last; every group has every reason row.
    let arms: Vec<&Value> = table.rows.iter().map(|r| &r[0]).collect();
    assert_eq!(arms.first(), Some(&&Value::Text("control".into())));
    assert_eq!(arms.last(), Some(&&Value::Text(ALL.into())));
    // referred, deregistered, 2 reasons, not_started, active, active_not_observed, full,
    // partial, effect: 10 rows for each of control, treatment and the total.
    assert_eq!(table.rows.len(), 3 * 10);
}

#[test]
fn a_calendar_month_and_nobody_active() {
    // Calendar month 2020-10: P06 (benefit 0) full; P05 (96 h, 1 UI week) partial; P01
    // (social assistance and internship) neither; P07 (flexjob) partial; P10 (UI) neither;
    // P02 (UI) neither; P09 (UI) neither: effect 3 / 7 (everyone is in the panel then).
    let panel = tiny_with_columns(REASONS, WEEKS);
    let table = run(&panel, "measured_month = \"2020-10\"", &[]).unwrap();
    assert_eq!(
        cell(&table, &[], "full_self_support", "count"),
        &Value::Int(1)
    );
    assert_eq!(
        cell(&table, &[], "partial_self_support", "count"),
        &Value::Int(2)
    );
    assert_eq!(
        cell(&table, &[], "effect", "share_of_active"),
        &Value::Float(3.0 / 7.0)
    );
    // With a threshold nobody reaches, no one is active: the effect is Null, not NaN.
    let table = run(&panel, "active_weeks = 100", &[]).unwrap();
    assert_eq!(cell(&table, &[], "active", "count"), &Value::Int(0));
    assert_eq!(cell(&table, &[], "not_started", "count"), &Value::Int(8));
    assert_eq!(cell(&table, &[], "effect", "share_of_active"), &Value::Null);
}

/// The relations of a funnel grouped by `group_by` whose reasons are `reasons` (`None`:
/// they do not add up) and whose stages add up or not.
fn expected_relations(
    group_by: &[&str],
    stages_add_up: bool,
    reasons: Option<&[&str]>,
) -> Vec<Relation> {
    let sum = |parts: Vec<String>, whole: &str| Relation::RowsSumToRow {
        keys: strings(group_by),
        label: "stage".into(),
        parts,
        column: "count".into(),
        whole: whole.into(),
        whole_column: "count".into(),
        whole_label: None,
    };
    let mut relations = Vec::new();
    if stages_add_up {
        relations.push(sum(
            strings(&["deregistered", "not_started", "active"]),
            "referred",
        ));
    }
    if let Some(reasons) = reasons.filter(|r| !r.is_empty()) {
        let parts = reasons
            .iter()
            .map(|r| format!("deregistered: {r}"))
            .collect();
        relations.push(sum(parts, "deregistered"));
    }
    relations.push(sum(
        strings(&["full_self_support", "partial_self_support"]),
        "effect",
    ));
    if let Some(first) = group_by.first() {
        relations.push(Relation::GroupsSumToTotal {
            group: first.to_string(),
            keys: strings(&["stage"]),
            columns: strings(&["count", "referred", "active"]),
        });
    }
    relations
}

#[test]
fn the_declared_relations_hold() {
    let panel = tiny_with_columns(REASONS, WEEKS);
    let reasons: &[&str] = &["moved", "no_show"];
    let cases: [(&str, &[&str]); 5] = [
        ("", &[]),
        ("measured_month = 4", &["arm"]),
        ("measured_month = \"2020-10\"", &["sex", "project"]),
        ("active_weeks = 100", &["municipality"]),
        ("measured_month = 9\nactive_weeks = 8", &["project"]),
    ];
    for (params, group_by) in cases {
        let table = run(&panel, params, group_by).unwrap();
        let case = format!("{params} by {group_by:?}");
        assert_eq!(table.relation_violations(), Vec::<String>::new(), "{case}");
        assert_eq!(
            table.relations,
            expected_relations(group_by, true, Some(reasons)),
            "{case}"
        );
    }
    // Nobody deregistered: no reason rows, no relation of theirs.
    let panel = tiny_with_columns([""; 11], WEEKS);
    let table = run(&panel, "", &["arm"]).unwrap();
    assert_eq!(table.relation_violations(), Vec::<String>::new());
    assert_eq!(
        table.relations,
        expected_relations(&["arm"], true, Some(&[]))
    );
    // Published counts: only the sums that hold in them. IMPACT60's stages add up, its
    // reasons do not (34 of 35).
    let published = |params: &str| {
        resolve(&DEF, params)
            .published()
            .expect("published counts")
            .unwrap()
    };
    let table = published(IMPACT60);
    assert_eq!(table.relation_violations(), Vec::<String>::new());
    assert_eq!(table.relations, expected_relations(&[], true, None));
    let table = published(&IMPACT60.replace("count = 2 }", "count = 3 }"));
    assert_eq!(table.relation_violations(), Vec::<String>::new());
    let all = [
        "not_in_target_group",
        "never_showed",
        "moved_to_another_offer",
        "moved_away",
    ];
    assert_eq!(table.relations, expected_relations(&[], true, Some(&all)));
    let table = published(
        "[published]\nreferred = 10\nderegistered = 2\nnot_started = 2\nactive = 5\nfull_self_support = 0\npartial_self_support = 0",
    );
    assert_eq!(table.relation_violations(), Vec::<String>::new());
    assert_eq!(table.relations, expected_relations(&[], false, Some(&[])));
    // Each is checked: one more active person in the control arm breaks the stages' sum
    // and the groups' sum.
    let mut table = run(&tiny_with_columns(REASONS, WEEKS), "", &["arm"]).unwrap();
    let (s, c) = (
        table.column_index("stage").unwrap(),
        table.column_index("count").unwrap(),
    );
    let r = table
        .rows
        .iter()
        .position(|r| r[0] == Value::Text("control".into()) && r[s] == Value::Text("active".into()))
        .unwrap();
    table.rows[r][c] = Value::Int(4);
    assert_eq!(
        table.relation_violations(),
        [
            "row 0: count of the rows deregistered + not_started + active adds up to 6, not count 5",
            "row 25: the groups of count add up to 8, not 7",
        ]
    );
}

#[test]
fn bad_data_and_parameters_name_the_key() {
    let panel = tiny_with_columns(REASONS, WEEKS);
    let err = run(&panel, "active_column = \"weeks\"", &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("active_column: the cohort has no column \"weeks\""),
        "{err}"
    );
    let mut weeks = WEEKS;
    weeks[2] = "four";
    let panel = tiny_with_columns(REASONS, weeks);
    let err = run(&panel, "", &[]).unwrap_err().to_string();
    assert!(err.starts_with("active_column:"), "{err}");
    assert!(err.contains("\"four\" (person_id P06)"), "{err}");
    let err = run(&panel, "partial_status = \"small_job\"", &[])
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("partial_status:"), "{err}");

    let resolve_err = |params: &str| resolve_err(&DEF, params);
    let err = resolve_err("measured_month = \"Sept 2019\"");
    assert!(err.contains("measured_month: expected"), "{err}");
    let err = resolve_err("active_wekes = 4");
    assert!(err.contains("unknown field `active_wekes`"), "{err}");
    let err = resolve_err("[published]\nreferred = 1");
    assert!(err.contains("missing field"), "{err}");
    let err = check_err(&DEF, "active_weeks = -1", &Window::default());
    assert!(err.starts_with("active_weeks:"), "{err}");
}

#[test]
fn measured_month_round_trips() {
    for text in [
        "measured_month = 4",
        "measured_month = -2",
        "measured_month = \"2019-09\"",
        "measured_month = \"last\"",
    ] {
        let m = resolve(&DEF, text);
        let resolved = m.resolved();
        let back: toml::Table = toml::from_str(text).unwrap();
        assert_eq!(resolved["measured_month"], back["measured_month"], "{text}");
    }
}
