//! `udfald check`: expectations pass and fail as they should, in every report format, and the
//! exit status tells CI.

use crate::harness::{Run, Workdir, BY_ARM};

/// Runs `check OPTIONS` on the work dir's dataset for the share_ever query by arm (see
/// [`BY_ARM`]) with these expectations.
fn check(work: &Workdir, expect: &str, options: &[&str]) -> Run {
    let query = work.query(&format!("{BY_ARM}{expect}"));
    let mut args = vec!["check", &query];
    args.extend_from_slice(options);
    work.run(&args)
}

/// The first lines of a report made with `--no-suppress`.
const NO_SUPPRESS: &str = "NOT FOR RELEASE: small-cell suppression is off (--no-suppress); every cell is shown, for local work only\n\n";

const PASSING: &str = "[[expect]]\nid = \"T-1\"\ncell = { arm = \"(all)\" }\ncolumn = \"share\"\nvalue = 0.8\ntolerance = 0.001\n";
const FAILING: &str = "[[expect]]\nid = \"T-2\"\ncell = { arm = \"treatment\" }\ncolumn = \"share\"\nmin = 0.7\nmax = 0.9\nnote = \"about three in four\"\n";

#[test]
fn passing_and_failing_expectations() {
    let work = Workdir::with_sample("tiny");
    check(&work, PASSING, &["--no-suppress"])
        .expect_status(0)
        .stdout_is(&format!(
            "{NO_SUPPRESS}\
id   query  cell       column  published  computed  difference  tolerance  result
T-1  q      arm=(all)  share   0.8        0.8       0           ±0.001     pass

1 passed, 0 failed
"
        ));
    // 4 / 6 = 0.6667 lies outside [0.7, 0.9].
    check(&work, &format!("{PASSING}{FAILING}"), &["--no-suppress"])
        .expect_status(1)
        .stdout_is(&format!(
            "{NO_SUPPRESS}\
id   query  cell           column  published   computed  difference  tolerance  result
T-1  q      arm=(all)      share   0.8         0.8       0           ±0.001     pass
T-2  q      arm=treatment  share   [0.7, 0.9]  0.6667    -           interval   FAIL

1 passed, 1 failed
"
        ));
}

#[test]
fn hidden_cells_are_compared_but_not_printed() {
    let work = Workdir::with_sample("tiny");
    let nobody = "[[expect]]\nid = \"T-3\"\ncell = { arm = \"nobody\" }\ncolumn = \"share\"\nvalue = 0.5\ntolerance = 0.1\n";
    // Treatment's count of 4 is a small cell: its exact share (4 / 6) is compared and fails,
    // but the report, output too, prints neither the share nor the difference.
    check(&work, &format!("{FAILING}{nobody}"), &[])
        .expect_status(1)
        .stdout_is(
            "\
id   query  cell           column  published   computed  difference  tolerance  result
T-2  q      arm=treatment  share   [0.7, 0.9]  .         .           interval   FAIL
T-3  q      arm=nobody     share   0.5         -         -           ±0.1       FAIL: no row matches the cell

0 passed, 2 failed
",
        );
}

#[test]
fn junit_and_json_reports() {
    let work = Workdir::with_sample("tiny");
    let junit = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- NOT FOR RELEASE: small-cell suppression is off (no-suppress); every cell is shown, for local work only -->
<testsuites name="udfald check" tests="2" failures="1">
  <testsuite name="published figures" tests="2" failures="1">
    <testcase classname="q" name="T-1 q [arm=(all)] share"/>
    <testcase classname="q" name="T-2 q [arm=treatment] share">
      <failure message="computed 0.6667 outside published [0.7, 0.9] interval"/>
    </testcase>
  </testsuite>
</testsuites>
"#;
    let json = r#"{
  "checks": [
    {
      "cell": "arm=(all)",
      "column": "share",
      "computed": 0.8,
      "difference": 0.0,
      "hidden": false,
      "id": "T-1",
      "note": "",
      "pass": true,
      "problem": null,
      "published": "0.8",
      "query": "q",
      "tolerance": "±0.001"
    },
    {
      "cell": "arm=treatment",
      "column": "share",
      "computed": 0.6666666666666666,
      "difference": null,
      "hidden": false,
      "id": "T-2",
      "note": "about three in four",
      "pass": false,
      "problem": null,
      "published": "[0.7, 0.9]",
      "query": "q",
      "tolerance": "interval"
    }
  ],
  "failed": 1,
  "passed": 1,
  "release": false
}
"#;
    for (format, expected) in [("junit", junit), ("json", json)] {
        check(
            &work,
            &format!("{PASSING}{FAILING}"),
            &["--no-suppress", "--format", format],
        )
        .expect_status(1)
        .stdout_is(expected);
    }
}

#[test]
fn malformed_expectation_is_a_usage_error() {
    let work = Workdir::with_sample("tiny");
    let run = check(
        &work,
        "[[expect]]\nid = \"T-4\"\ncolumn = \"share\"\nvalue = 0.5\n",
        &[],
    );
    run.expect_error(
        2,
        &format!(
            "{}: [[expect]] number 1 (T-4): give value and tolerance (>= 0), or min and/or max for an interval",
            work.file("q.toml").display()
        ),
    );
}

#[test]
fn a_percentage_given_for_a_proportion_is_named() {
    let work = Workdir::with_sample("tiny");
    check(
        &work,
        "[[expect]]\nid = \"T-5\"\ncell = { arm = \"(all)\" }\ncolumn = \"share\"\nvalue = 80\ntolerance = 1\n",
        &["--no-suppress"],
    )
    .expect_status(1)
    .stdout_is(&format!(
        "{NO_SUPPRESS}\
id   query  cell       column  published  computed  difference  tolerance  result
T-5  q      arm=(all)  share   80         0.8       -79.2       ±1         FAIL: shares are proportions (19% is 0.19), but the published value is above 1

0 passed, 1 failed
"
    ));
}
