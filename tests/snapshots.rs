//! The complete stdout of the real binary, snapshotted with insta: `run` in every format on the
//! tiny and the sample dataset, `check` in every report format, `list`, `explain` and `validate`.
//! Any change to a byte of what a user sees fails here until its snapshot is updated.
//!
//! The snapshots are the files in `tests/snapshots/`, one per command, the command line in each
//! header. After an intended change: `INSTA_UPDATE=always cargo test --test tests snapshots`, then
//! review `git diff tests/snapshots/` and commit. Under `CI=true` insta never writes a snapshot, it
//! only fails.
//!
//! Redacted: the git commit the binary was built from (JSON provenance). Everything else printed
//! is a function of the queries and the data files (paths are the relative ones given on the
//! command line, run from the repository root). Insta compares with trailing whitespace trimmed,
//! so each run is also asserted to end in exactly one newline. Only the bundled tiny and sample
//! datasets are read: the report scenarios' datasets are generated into a cache and slow.

use crate::harness::{test_cases, udfald, TINY_STRANGERS};

/// Queries that run on the tiny dataset, covering most metrics: time_to_event, targets (two),
/// funnel and effect from published counts, spell, effect from microdata, requirement,
/// first_outcome (two), monthly_curve, hours_progression, history, share_ever, retention.
const TINY_QUERIES: &[&str] = &[
    "queries/months-to-employment-arm.toml",
    "queries/s0-t.toml",
    "queries/s1-t5.toml",
    "queries/s2-funnel.toml",
    "queries/s3-paid18-published.toml",
    "queries/s3-13wk.toml",
    "queries/s3-13wk-effect.toml",
    "queries/s4-b1-bir.toml",
    "queries/s4-f11.toml",
    "queries/s4-f14.toml",
    "queries/s4-f6-bir.toml",
    "queries/s4-f7.toml",
    "queries/s4-t2.toml",
    "queries/s4-t3-empl.toml",
    "queries/s4-t4-paid.toml",
];

/// Queries that need the sample's columns (origin, benefit_group) and its size: describe,
/// hazard_ratio, history by benefit group, effect by site, outcome_payment, mean_hours, its mean
/// effect, share_at and its share effect.
const SAMPLE_QUERIES: &[&str] = &[
    "queries/s4-t1.toml",
    "queries/s3-stab.toml",
    "queries/s3-hist.toml",
    "queries/s3-site.toml",
    "queries/s2-pay.toml",
    "queries/s3-hours18.toml",
    "queries/s3-hours18-effect.toml",
    "queries/s3-paid18.toml",
    "queries/s3-paid18-effect.toml",
];

/// Queries whose expectations rest on published counts only: `check` reads no dataset for them.
const CHECK_QUERIES: &[&str] = &[
    "queries/s0-t.toml",
    "queries/s2-funnel.toml",
    "queries/s3-paid18-published.toml",
    "queries/s1-t5.toml",
];

/// Runs `udfald args` from the repository root, expects exit `status` and nothing on stderr but
/// the note every run on tiny gives (its register persons outside the cohort, an edge case of the
/// fixture), and compares the whole stdout (redacted) with the snapshot `name`.
fn snapshot(name: &str, args: &[&str], status: i32) {
    let run = udfald(args).expect_status(status);
    let stderr = run.stderr.replace(TINY_STRANGERS, "");
    assert_eq!(stderr, "", "udfald {}: stderr", args.join(" "));
    assert_eq!(
        run.stdout,
        format!("{}\n", run.stdout.trim_end()),
        "udfald {}: stdout must end in exactly one newline (insta trims trailing whitespace)",
        args.join(" ")
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(format!("udfald {} (exit {status})", args.join(" ")));
    settings.bind(|| insta::assert_snapshot!(name, redact(&run.stdout)));
}

/// Replaces the value of every JSON `"commit": "..."` (the git commit the binary was built from,
/// 40 hex digits or `unknown`) with `[commit]`.
fn redact(stdout: &str) -> String {
    const KEY: &str = "\"commit\": \"";
    let mut out = String::with_capacity(stdout.len());
    let mut rest = stdout;
    while let Some(at) = rest.find(KEY) {
        let start = at + KEY.len();
        let end = start
            + rest[start..]
                .find('"')
                .expect("closing quote of the commit");
        let commit = &rest[start..end];
        assert!(
            commit == "unknown"
                || (commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
            "not a commit: {commit:?}"
        );
        out.push_str(&rest[..start]);
        out.push_str("[commit]");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `run QUERIES --data DATA OPTIONS`.
fn run_args<'a>(queries: &[&'a str], data: &'a str, options: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run"];
    args.extend_from_slice(queries);
    args.extend_from_slice(&["--data", data]);
    args.extend_from_slice(options);
    args
}

/// Queries of `TINY_QUERIES` whose groups are too fine for tiny's few persons to be released
/// (spec `disclosure.md` §4: more values than persons / T), with the lowest threshold that
/// refuses them: 2 municipalities among 3 persons at any T ≥ 3 (2 × 3 > 3); 3 projects among 11
/// persons from T = 4 (3 × 4 > 11). Runs that show everything take them all.
const TINY_TOO_FINE: &[(&str, u64)] = &[
    ("queries/s4-b1-bir.toml", 3),
    ("queries/s4-f14.toml", 4),
    ("queries/s4-f7.toml", 4),
    ("queries/s4-t2.toml", 4),
    ("queries/s4-t3-empl.toml", 4),
    ("queries/s4-t4-paid.toml", 4),
];

/// `options` with a threshold: `--no-suppress` (none), `--min-cell N` or the default 5.
fn run_tiny(name: &str, threshold: Option<u64>, options: &[&str]) {
    let queries: Vec<&str> = TINY_QUERIES
        .iter()
        .copied()
        .filter(|query| {
            !TINY_TOO_FINE
                .iter()
                .any(|&(q, lowest)| q == *query && threshold.is_some_and(|t| t >= lowest))
        })
        .collect();
    snapshot(name, &run_args(&queries, "data-samples/tiny", options), 0);
}

fn run_sample(name: &str, format: &str) {
    snapshot(
        name,
        &run_args(SAMPLE_QUERIES, "data-samples/sample", &["--format", format]),
        0,
    );
}

test_cases! {
    run_tiny_table: run_tiny("run_tiny_table", Some(5), &["--format", "table"]);
    run_tiny_csv: run_tiny("run_tiny_csv", Some(5), &["--format", "csv"]);
    run_tiny_json: run_tiny("run_tiny_json", Some(5), &["--format", "json"]);
    run_tiny_markdown: run_tiny("run_tiny_markdown", Some(5), &["--format", "markdown"]);
    run_tiny_no_suppress: run_tiny("run_tiny_no_suppress_table", None, &["--no-suppress"]);
    run_tiny_min_cell_3: run_tiny("run_tiny_min_cell_3_table", Some(3), &["--min-cell", "3"]);
    run_sample_table: run_sample("run_sample_table", "table");
    run_sample_csv: run_sample("run_sample_csv", "csv");
    run_sample_json: run_sample("run_sample_json", "json");
    run_sample_markdown: run_sample("run_sample_markdown", "markdown");
}

#[test]
fn check_published_in_every_format() {
    for format in ["table", "junit", "json"] {
        let mut args = vec!["check"];
        args.extend_from_slice(CHECK_QUERIES);
        args.extend_from_slice(&["--format", format]);
        snapshot(&format!("check_published_{format}"), &args, 0);
    }
}

#[test]
fn check_failures_in_every_format() {
    // One pass; a suppressed cell, a cell no row matches and a value outside its tolerance fail.
    for format in ["table", "junit", "json"] {
        snapshot(
            &format!("check_failures_{format}"),
            &[
                "check",
                "tests/fixtures/check-tiny.toml",
                "--data",
                "data-samples/tiny",
                "--format",
                format,
            ],
            1,
        );
    }
}

#[test]
fn list_queries() {
    snapshot("list_queries", &["list", "queries/"], 0);
}

#[test]
fn explain_two_queries() {
    snapshot(
        "explain_s4_t3_empl",
        &["explain", "queries/s4-t3-empl.toml"],
        0,
    );
    snapshot(
        "explain_months_to_employment_arm",
        &["explain", "queries/months-to-employment-arm.toml"],
        0,
    );
}

#[test]
fn validate_tiny() {
    snapshot(
        "validate_tiny",
        &["validate", "--data", "data-samples/tiny"],
        0,
    );
}
