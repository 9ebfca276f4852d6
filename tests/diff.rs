//! `udfald diff`: each variant is exactly a plain `run` of the edited query, the movers add up to
//! the change in counts, the cross product and the two-query form, disclosure control on the
//! movers, and what diff refuses.

use crate::harness::{udfald, Run, Workdir, BY_ARM};
use serde_json::Value as Json;

/// `COMMAND QUERY --data tiny EXTRA`.
fn on_tiny(command: &str, query: &str, extra: &[&str]) -> Run {
    let mut args = vec![command, query, "--data", "data-samples/tiny"];
    args.extend_from_slice(extra);
    udfald(&args)
}

/// `COMMAND QUERY --data tiny EXTRA --format json`, parsed.
fn json_on_tiny(command: &str, query: &str, extra: &[&str]) -> Json {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let run = on_tiny(command, query, &args).expect_status(0);
    serde_json::from_str(&run.stdout).expect("JSON")
}

/// `diff QUERY --data tiny EXTRA --format json`, parsed.
fn diff_json(query: &str, extra: &[&str]) -> Json {
    json_on_tiny("diff", query, extra)
}

/// `diff QUERY --data tiny EXTRA`.
fn diff_on_tiny(query: &str, extra: &[&str]) -> Run {
    on_tiny("diff", query, extra)
}

/// `run QUERY --data tiny EXTRA --format json`'s one result.
fn run_json(query: &str, extra: &[&str]) -> Json {
    json_on_tiny("run", query, extra)["results"][0].clone()
}

/// The `count` of the row whose `arm` is `arm`.
fn count(result: &Json, arm: &str) -> i64 {
    result["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["arm"] == arm)
        .unwrap_or_else(|| panic!("no row {arm}"))["count"]
        .as_i64()
        .unwrap_or_else(|| panic!("{arm}: count not shown"))
}

#[test]
fn each_variant_is_a_plain_run_of_the_edited_query_and_movers_add_up() {
    let work = Workdir::empty();
    let query = work.query(BY_ARM);
    let diff = diff_json(
        &query,
        &[
            "--vary",
            "params.status=paid_hours,employment",
            "--no-suppress",
        ],
    );
    let variants = diff["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    for (variant, status) in variants.iter().zip(["paid_hours", "employment"]) {
        assert_eq!(
            variant["vary"],
            serde_json::json!({"params.status": status})
        );
        let edited = work.query(&format!("{BY_ARM}status = \"{status}\"\n"));
        let plain = run_json(&edited, &["--no-suppress"]);
        let result = &variant["result"];
        for key in ["columns", "rows", "notes", "relations", "params"] {
            assert_eq!(result[key], plain[key], "{status}: {key}");
        }
    }
    let results: Vec<&Json> = variants.iter().map(|v| &v["result"]).collect();
    // Paid hours ever from start on tiny (counted by hand, docs/tiny-dataset.md): treatment 4,
    // control 4, all 8.
    assert_eq!(
        ["treatment", "control", "(all)"].map(|arm| count(results[0], arm)),
        [4, 4, 8]
    );
    let movers = diff["movers"].as_array().unwrap();
    assert_eq!(movers.len(), 3, "{movers:?}");
    for mover in movers {
        let (from, to) = (
            mover["from"].as_u64().unwrap(),
            mover["to"].as_u64().unwrap(),
        );
        assert_eq!((from, to), (0, 1));
        let arm = mover["group"]["arm"].as_str().unwrap();
        let (moved_in, moved_out) = (
            mover["in"].as_i64().unwrap(),
            mover["out"].as_i64().unwrap(),
        );
        assert_eq!(
            moved_in - moved_out,
            count(results[1], arm) - count(results[0], arm),
            "{arm}"
        );
        // Employment needs paid hours: nobody employed is without them, so nobody moves in.
        assert_eq!(moved_in, 0, "{arm}");
    }
}

#[test]
fn vary_twice_is_the_cross_product_in_order() {
    let work = Workdir::empty();
    let query = work.query(BY_ARM);
    let diff = diff_json(
        &query,
        &[
            "--vary",
            "params.status=paid_hours,employment",
            "--vary",
            "window.to=6,12",
            "--no-suppress",
        ],
    );
    let vary: Vec<String> = diff["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["vary"].to_string())
        .collect();
    assert_eq!(
        vary,
        [
            r#"{"params.status":"paid_hours","window.to":6}"#,
            r#"{"params.status":"paid_hours","window.to":12}"#,
            r#"{"params.status":"employment","window.to":6}"#,
            r#"{"params.status":"employment","window.to":12}"#,
        ]
    );
    // Every pair: 4 variants make 6, each with the arms and the total.
    assert_eq!(diff["movers"].as_array().unwrap().len(), 6 * 3);
    let names: Vec<&str> = diff["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["result"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["q[1]", "q[2]", "q[3]", "q[4]"]);
}

#[test]
fn an_unset_parameter_can_be_varied() {
    // share_at without `at` averages over the window; `at` is unset, so explain cannot print
    // it, yet it is the metric's parameter: each variant is the plain run with `at` set.
    let work = Workdir::empty();
    work.write(
        "at.toml",
        "name = \"q\"\ntitle = \"Q\"\nmetric = \"share_at\"\ngroup_by = [\"arm\"]\n[window]\nfrom = 0\nto = 3\n",
    );
    let query = work.file("at.toml").display().to_string();
    let diff = diff_json(&query, &["--vary", "params.at=0,2", "--no-suppress"]);
    for (v, at) in ["0", "2"].iter().enumerate() {
        work.write(
            "plain.toml",
            &format!("name = \"q\"\ntitle = \"Q\"\nmetric = \"share_at\"\ngroup_by = [\"arm\"]\n[window]\nfrom = 0\nto = 3\n[params]\nat = {at}\n"),
        );
        let plain = run_json(
            work.file("plain.toml").to_str().unwrap(),
            &["--no-suppress"],
        );
        let variant = &diff["variants"][v]["result"];
        for arm in ["treatment", "control"] {
            assert_eq!(count(variant, arm), count(&plain, arm), "at = {at}, {arm}");
        }
    }
    // A parameter the metric does not have is still refused, by name.
    diff_on_tiny(&query, &["--vary", "params.att=1"])
        .expect_status(2)
        .stderr_has(&["--vary params.att: query q has no such key"]);
}

#[test]
fn the_table_sets_figures_side_by_side_with_differences() {
    let work = Workdir::empty();
    let query = work.query(BY_ARM);
    let run = udfald(&[
        "diff",
        &query,
        "--data",
        "data-samples/tiny",
        "--vary",
        "params.status=paid_hours,employment",
        "--no-suppress",
        "--format",
        "csv",
    ])
    .expect_status(0);
    let diff = diff_json(
        &query,
        &[
            "--vary",
            "params.status=paid_hours,employment",
            "--no-suppress",
        ],
    );
    let first = &diff["variants"][0]["result"];
    let second = &diff["variants"][1]["result"];
    let lines: Vec<&str> = run.stdout.lines().collect();
    let header = lines
        .iter()
        .find(|l| l.starts_with("arm,"))
        .expect("a header");
    assert!(
        header.starts_with("arm,n [1],count [1],share [1],n_censored [1],n [2],count [2],share [2],n_censored [2],Δ n [2],Δ count [2],Δ share [2],Δ n_censored [2]"),
        "{header}"
    );
    let total = lines
        .iter()
        .find(|l| l.starts_with("(all),"))
        .expect("the total row");
    let cells: Vec<&str> = total.split(',').collect();
    let delta = count(second, "(all)") - count(first, "(all)");
    assert_eq!(cells[10], delta.to_string(), "{total}");
    assert_eq!(cells[2], count(first, "(all)").to_string(), "{total}");
    run.stdout_has(&[
        "# note: [1]: params.status = \"paid_hours\" (the differences Δ are from it)",
        "# note: [2]: params.status = \"employment\"",
        "in,out",
    ]);
}

#[test]
fn two_queries_are_labelled_by_the_keys_that_differ() {
    let work = Workdir::empty();
    work.write(
        "a.toml",
        &format!("name = \"a\"\ntitle = \"A\"\nmetric = \"share_ever\"\n{BY_ARM}"),
    );
    work.write(
        "b.toml",
        &format!(
            "name = \"b\"\ntitle = \"B\"\nmetric = \"share_ever\"\n{BY_ARM}status = \"employment\"\n[definitions]\nmin_weeks_without_benefit = 0\n"
        ),
    );
    let (a, b) = (work.file("a.toml"), work.file("b.toml"));
    let run = udfald(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--data",
        "data-samples/tiny",
        "--no-suppress",
    ])
    .expect_status(0);
    run.stdout_has(&[
        "note: [1]: params.status = \"paid_hours\", definitions.min_weeks_without_benefit = 4 (the differences Δ are from it)",
        "note: [2]: params.status = \"employment\", definitions.min_weeks_without_benefit = 0",
    ]);
}

#[test]
fn movers_show_in_and_out_together_or_neither() {
    let work = Workdir::empty();
    let query = work.query(BY_ARM);
    let diff = diff_json(
        &query,
        &[
            "--vary",
            "params.status=paid_hours,employment",
            "--min-cell",
            "3",
        ],
    );
    assert_eq!(diff["release"], false);
    let movers = diff["movers"].as_array().unwrap();
    let hidden = |v: &Json| v == "suppressed";
    let mut any_hidden = false;
    for mover in movers {
        assert_eq!(hidden(&mover["in"]), hidden(&mover["out"]), "{mover}");
        any_hidden |= hidden(&mover["out"]);
    }
    // Tiny's arms are small: some mover count is hidden, so the rule was put to the test.
    assert!(any_hidden, "{movers:?}");
}

#[test]
fn diff_refuses_what_it_cannot_do() {
    let work = Workdir::empty();
    let query = work.query(BY_ARM);
    let q = work.file("q.toml").display().to_string();
    let diff = |extra: &[&str]| diff_on_tiny(&query, extra);
    diff(&["--vary", "params.nope=1"]).expect_error(
        2,
        &format!("{q}: --vary params.nope: query q has no such key; the keys explain prints: params.status, params.followup, params.followup_end, definitions.min_hours, definitions.min_weeks_without_benefit, window.from, window.to, window.from_month, window.to_month, population.<column>, statuses.<name>"),
    );
    diff(&["--vary", "group_by=project"]).expect_error(
        2,
        &format!("{q}: --vary group_by: not a definition; the variants are one query's figures under other definitions (group_by, metric and dataset stay)"),
    );
    diff(&["--vary", "window.to=6", "--vary", "window.to=12"]).expect_error(
        2,
        &format!("{q}: --vary window.to: the key is varied twice"),
    );
    diff(&["--vary", "params.status=paid_hours,nonsense"])
        .expect_status(2)
        .stderr_has(&["variant params.status = \"nonsense\"", "nonsense"]);
    diff(&[]).expect_error(
        2,
        "diff: give --vary KEY=V1,V2,... for one query, or two query files",
    );
    udfald(&["diff", query.as_str(), "queries/s1-m9.toml"]).expect_error(
        2,
        "queries/s1-m9.toml: metric monthly_curve is not q's metric share_ever: diff compares two queries of one metric",
    );
    diff(&["--vary", "window.to=6,12", "--format", "xlsx"]).expect_error(
        2,
        "--format xlsx writes a workbook, not text: give --out FILE.xlsx",
    );
}

#[test]
fn variants_whose_populations_differ_by_a_few_persons_are_refused() {
    // Tiny's FSM2 has 4 persons: leaving the project out makes a population 4 persons smaller,
    // whose difference from the first would be their outcome.
    let work = Workdir::empty();
    let query = work.query(
        "[params]\nfollowup = \"available\"\n[population]\nproject = [\"AP\", \"BIR\", \"FSM2\"]\n",
    );
    diff_on_tiny(
        &query,
        &[
            "--vary",
            "population.project=[\"AP\", \"BIR\", \"FSM2\"],[\"AP\", \"BIR\"]",
        ],
    )
    .expect_error(
        2,
        "queries q[1] and q[2]: the population of q[2] is that of q[1] less 4 person(s), fewer than 5: the difference of their tables would publish those persons' outcome (spec disclosure.md §3); widen or narrow one population, or leave one query out of this run",
    );
}
