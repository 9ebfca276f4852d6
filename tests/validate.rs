//! `udfald validate` on the tiny dataset: the summary's facts are those of
//! `tests/fixtures/tiny_summary_expected.toml`, counted by hand in `docs/tiny-dataset.md`.

use crate::harness::{Run, Workdir};

/// Validates a copy of the tiny dataset whose manifest's `income_through` line is `line`.
fn validate_with_income_through(line: &str) -> Run {
    let work = Workdir::with_sample("tiny");
    work.replace("dataset.toml", "income_through = \"2021-05\"", line);
    work.run(&["validate"]).expect_status(0)
}

#[test]
fn summary_counts_persons_coverage_and_strangers() {
    let work = Workdir::with_sample("tiny");
    let run = work.run(&["validate"]).expect_status(0);
    run.stdout_has(&[
        "cohort  cohort.csv: 11 rows, 11 persons",
        // P90 is in DREAM only; P03 is in the cohort but not in DREAM.
        "dream   dream.csv: wide layout, 11 rows: 10 cohort persons, 1 person(s) not in the cohort (not used)",
        "weeks 2020-W27 .. 2021-W26 (53 weeks)",
        "pass-through columns: kommune_kode",
        // P91 has 2 income rows and no cohort row.
        "income  income.csv: 42 rows: 40 rows of 8 cohort persons, 2 rows of 1 person(s) not in the cohort (not used)",
        "covers through 2021-05 (income_through)",
        "observed months 2020-07 .. 2021-05 (11 months)",
        "problems: none",
    ]);
}

#[test]
fn income_coverage_defaults_to_the_last_month_present() {
    validate_with_income_through("").stdout_has(&["covers through 2021-05 (last month present)"]);
}

#[test]
fn dream_coverage_limits_the_observed_months() {
    // Without the income limit the last whole DREAM month is June 2021: 2021-W26 is a July week.
    validate_with_income_through("income_through = \"2021-12\"")
        .stdout_has(&["observed months 2020-07 .. 2021-06 (12 months)"]);
}

#[test]
fn person_weeks_by_category() {
    let work = Workdir::with_sample("tiny");
    let run = work.run(&["validate"]).expect_status(0);
    // Education (SU) is the one category that is not public support by default.
    let education = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("education"))
        .unwrap();
    assert!(education.ends_with("not public support"), "{education}");
    // Every covered person-week is counted once: 11 cohort persons × 53 weeks.
    let total: u64 = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("person-weeks"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| {
            l.split_whitespace()
                .find_map(|w| w.parse::<u64>().ok())
                .unwrap()
        })
        .sum();
    assert_eq!(total, 11 * 53);
}

#[test]
fn bundled_sample_validates() {
    // The README's main job runs on this sample; it must stay valid.
    crate::harness::udfald(&["validate", "--data", "data-samples/sample"])
        .expect_status(0)
        .stdout_has(&["cohort.csv: 2000 rows, 2000 persons", "problems: none"]);
}
