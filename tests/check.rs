//! `udfald check`: expectations pass and fail as they should, in every report format, and the
//! exit status tells CI.

use crate::harness::{udfald, Workdir};

fn query(work: &Workdir, expect: &str) -> String {
    let path = work.file("q.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"q\"\ntitle = \"Q\"\nmetric = \"share_ever\"\ngroup_by = [\"arm\"]\n[params]\nfollowup = \"available\"\n{expect}"
        ),
    )
    .unwrap();
    path.display().to_string()
}

// On the tiny dataset, paid hours ever from start: treatment 4 of 6, control 4 of 4, all 8 of 10
// (see tests/run.rs).
const PASSING: &str = "[[expect]]\nid = \"T-1\"\ncell = { arm = \"(all)\" }\ncolumn = \"share\"\nvalue = 0.8\ntolerance = 0.001\n";
const FAILING: &str = "[[expect]]\nid = \"T-2\"\ncell = { arm = \"treatment\" }\ncolumn = \"share\"\nmin = 0.7\nmax = 0.9\nnote = \"about three in four\"\n";

#[test]
fn passing_and_failing_expectations() {
    let work = Workdir::with_sample("tiny");
    let data = work.path().display().to_string();
    let q = query(&work, PASSING);
    udfald(&["check", &q, "--data", &data, "--no-suppress"])
        .expect_status(0)
        .stdout_has(&[
            "T-1",
            "arm=(all)",
            "share",
            "0.8",
            "pass",
            "1 passed, 0 failed",
        ]);
    let q = query(&work, &format!("{PASSING}{FAILING}"));
    let run = udfald(&["check", &q, "--data", &data, "--no-suppress"]).expect_status(1);
    // 4 / 6 = 0.6667 lies outside [0.7, 0.9].
    run.stdout_has(&["T-2", "[0.7, 0.9]", "0.6667", "FAIL", "1 passed, 1 failed"]);
}

#[test]
fn suppressed_or_missing_cells_fail_with_a_reason() {
    let work = Workdir::with_sample("tiny");
    let data = work.path().display().to_string();
    let q = query(
        &work,
        &format!("{FAILING}[[expect]]\nid = \"T-3\"\ncell = {{ arm = \"nobody\" }}\ncolumn = \"share\"\nvalue = 0.5\ntolerance = 0.1\n"),
    );
    // Treatment's count of 4 is a small cell: with suppression on, the share cannot be checked.
    udfald(&["check", &q, "--data", &data])
        .expect_status(1)
        .stdout_has(&[
            "FAIL: the cell is suppressed (small cell)",
            "FAIL: no row matches the cell",
        ]);
}

#[test]
fn junit_and_json_reports() {
    let work = Workdir::with_sample("tiny");
    let data = work.path().display().to_string();
    let q = query(&work, &format!("{PASSING}{FAILING}"));
    let junit = udfald(&[
        "check",
        &q,
        "--data",
        &data,
        "--no-suppress",
        "--format",
        "junit",
    ])
    .expect_status(1)
    .stdout;
    assert!(
        junit.contains("<testsuites name=\"udfald check\" tests=\"2\" failures=\"1\">"),
        "{junit}"
    );
    assert!(
        junit.contains(
            "<failure message=\"computed 0.6667 outside published [0.7, 0.9] interval\"/>"
        ),
        "{junit}"
    );
    let json = udfald(&[
        "check",
        &q,
        "--data",
        &data,
        "--no-suppress",
        "--format",
        "json",
    ])
    .expect_status(1)
    .stdout;
    assert!(
        json.contains("\"passed\": 1") && json.contains("\"failed\": 1"),
        "{json}"
    );
    assert!(json.contains("\"note\": \"about three in four\""), "{json}");
}

#[test]
fn malformed_expectation_is_a_usage_error() {
    let work = Workdir::with_sample("tiny");
    let q = query(
        &work,
        "[[expect]]\nid = \"T-4\"\ncolumn = \"share\"\nvalue = 0.5\n",
    );
    udfald(&["check", &q, "--data", work.path().to_str().unwrap()])
        .expect_status(2)
        .stderr_has(&["[[expect]] number 1 (T-4): give value and tolerance (>= 0), or min and/or max for an interval"]);
}

#[test]
fn a_percentage_given_for_a_proportion_is_named() {
    let work = Workdir::with_sample("tiny");
    let q = query(&work, "[[expect]]\nid = \"T-5\"\ncell = { arm = \"(all)\" }\ncolumn = \"share\"\nvalue = 80\ntolerance = 1\n");
    udfald(&[
        "check",
        &q,
        "--data",
        work.path().to_str().unwrap(),
        "--no-suppress",
    ])
    .expect_status(1)
    .stdout_has(&["shares are proportions (19% is 0.19), but the published value is above 1"]);
}
