//! Bad input (spec `data-formats.md`, "Bad input"): each case edits one cell of a copy of the tiny
//! dataset and checks that the run stops with exit 1 and a message naming file, line, column,
//! value and what was expected.

use crate::harness::{udfald, Workdir};

fn expect_problem(work: &Workdir, fragments: &[&str]) {
    work.run(&["validate"])
        .expect_status(1)
        .stderr_has(fragments);
}

/// Edits one place of a copy of the tiny dataset and expects validation to fail with `message`,
/// in which `{line}` stands for the line holding the edit.
fn expect_edit_problem(file: &str, from: &str, to: &str, message: &str) {
    let work = Workdir::with_sample("tiny");
    work.replace(file, from, to);
    let line = work.line_of(file, to);
    expect_problem(&work, &[&message.replace("{line}", &line.to_string())]);
}

#[test]
fn start_date_that_is_not_a_date() {
    expect_edit_problem(
        "cohort.csv",
        "P05,2020-09-14",
        "P05,2020-13-14",
        "cohort.csv, line {line}, column start_date, value \"2020-13-14\": expected a date YYYY-MM-DD",
    );
}

#[test]
fn duplicate_person_id_in_cohort() {
    let work = Workdir::with_sample("tiny");
    work.replace("cohort.csv", "P07,2020-10-05", "P05,2020-10-05");
    expect_problem(
        &work,
        &[&format!(
            "cohort.csv, line 7, column person_id, value \"P05\": duplicate person key: already on line {}",
            work.line_of("cohort.csv", "P05,2020-09-14")
        )],
    );
}

#[test]
fn week_column_not_named_y_yyww() {
    expect_edit_problem(
        "dream.csv",
        "y_2030,",
        "y_20x0,",
        "dream.csv, header, column y_20x0: a week column must be named y_YYWW",
    );
}

#[test]
fn week_53_of_a_52_week_year() {
    // 2021 has 52 ISO weeks; relabel the last column so the file claims a week 53.
    expect_edit_problem(
        "dream.csv",
        "y_2126,",
        "y_2153,",
        "dream.csv, header, column y_2153: no such week: ISO year 2021 has 52 weeks, so week 53 does not exist",
    );
}

#[test]
fn week_columns_with_a_gap() {
    expect_edit_problem(
        "dream.csv",
        "y_2053,",
        "y_2152,",
        "dream.csv, header: week columns must be contiguous: y_2053 is missing between y_2052 and y_2101",
    );
}

#[test]
fn code_cell_that_is_not_a_code() {
    expect_edit_problem(
        "dream.csv",
        "P07,750,",
        "P07,75O,",
        "dream.csv, line {line}, column y_2027, value \"75O\": expected a DREAM code",
    );
}

#[test]
fn code_absent_from_the_code_table() {
    expect_edit_problem(
        "dream.csv",
        "P07,750,750,",
        "P07,999,999,",
        "dream.csv, column y_2027, value \"999\": code 999 is not in the code table: 2 person-week(s) in columns y_2027, y_2028",
    );
}

#[test]
fn dataset_code_table_replaces_the_builtin() {
    let work = Workdir::with_sample("tiny");
    work.replace("dream.csv", "P07,750,750,", "P07,999,999,");
    let builtin = include_str!("../src/load/default_codes.csv");
    work.write(
        "codes.csv",
        &format!("{builtin}999,flexjob_unemployment,,Test code,test\n"),
    );
    let manifest = work.read("dataset.toml");
    work.write(
        "dataset.toml",
        &format!("{manifest}codes = \"codes.csv\"\n"),
    );
    work.run(&["validate"])
        .expect_status(0)
        .stdout_has(&["codes   codes.csv: 26 codes"]);
}

#[test]
fn negative_hours() {
    expect_edit_problem(
        "income.csv",
        "P04,2020-08,E100,148.50",
        "P04,2020-08,E100,-148.50",
        "income.csv, line {line}, column hours, value \"-148.50\": expected paid hours as a number >= 0",
    );
}

#[test]
fn income_month_outside_coverage() {
    expect_edit_problem(
        "income.csv",
        "P02,2021-05,E210",
        "P02,2021-06,E210",
        "income.csv, line {line}, column month, value \"2021-06\": month outside coverage: the manifest says the register covers months through 2021-05",
    );
}

#[test]
fn duplicate_income_row_refused_or_summed() {
    let work = Workdir::with_sample("tiny");
    let text = work.read("income.csv");
    work.write(
        "income.csv",
        &format!("{text}P04,2020-08,E100,1.50,300.00\n"),
    );
    let last = text.lines().count() + 1;
    let first = work.line_of("income.csv", "P04,2020-08,E100");
    expect_problem(
        &work,
        &[&format!(
            "income.csv, line {last}, column employer_id, value \"E100\": duplicate row for person, month 2020-08 and employer E100 (first on line {first})"
        )],
    );
    let manifest = work.read("dataset.toml");
    work.write(
        "dataset.toml",
        &format!("{manifest}sum_duplicate_income = true\n"),
    );
    let out = work.file("panel.csv");
    work.run(&["panel", "--out", out.to_str().unwrap()])
        .expect_status(0);
    let panel = std::fs::read_to_string(out).unwrap();
    let row = panel
        .lines()
        .find(|l| l.starts_with("P04,2020-08,"))
        .unwrap();
    assert!(
        row.contains(",150.00,30000.00,1,E100,"),
        "148.50 + 1.50 hours: {row}"
    );
}

#[test]
fn missing_required_column() {
    expect_edit_problem(
        "income.csv",
        "person_id,month,employer_id,hours,wage",
        "person_id,month,employer,hours,wage",
        "income.csv, header: required column missing: expected employer_id (columns present: person_id, month, employer, hours, wage)",
    );
}

#[test]
fn row_with_too_few_fields() {
    expect_edit_problem(
        "cohort.csv",
        "P09,2021-05-20,control,FSM2,Odense,F,1993",
        "P09,2021-05-20,control",
        "cohort.csv, line {line}: expected 7 fields as in the header, found 3",
    );
}

#[test]
fn all_problems_listed_not_just_the_first() {
    let work = Workdir::with_sample("tiny");
    work.replace("cohort.csv", "P05,2020-09-14", "P05,14-09-2020");
    work.replace(
        "income.csv",
        "P04,2020-08,E100,148.50",
        "P04,2020-08,E100,lots",
    );
    work.run(&["validate"]).expect_status(1).stderr_has(&[
        "the dataset has 2 problem(s)",
        "value \"14-09-2020\"",
        "value \"lots\"",
    ]);
}

#[test]
fn drop_invalid_drops_and_counts() {
    let work = Workdir::with_sample("tiny");
    work.replace(
        "income.csv",
        "P04,2020-08,E100,148.50",
        "P04,2020-08,E100,lots",
    );
    work.run(&["validate", "--drop-invalid"])
        .expect_status(0)
        .stdout_has(&["dropped 1 row(s) of income.csv", "value \"lots\""]);
    let out = work.file("panel.csv");
    let run = work.run(&["panel", "--drop-invalid", "--out", out.to_str().unwrap()]);
    run.expect_status(0)
        .stderr_has(&["dropped 1 invalid row(s) of income.csv"]);
    let panel = std::fs::read_to_string(out).unwrap();
    let row = panel
        .lines()
        .find(|l| l.starts_with("P04,2020-08,"))
        .unwrap();
    assert!(
        row.contains(",0.00,0.00,0,\"\","),
        "the dropped row leaves no hours: {row}"
    );
}

#[test]
fn manifest_unknown_key_is_a_usage_error() {
    let work = Workdir::with_sample("tiny");
    let manifest = work.read("dataset.toml");
    work.write(
        "dataset.toml",
        &format!("{manifest}incme_through = \"2021-05\"\n"),
    );
    work.run(&["validate"])
        .expect_status(2)
        .stderr_has(&["dataset.toml", "unknown field `incme_through`"]);
}

#[test]
fn manifest_naming_a_missing_file() {
    let work = Workdir::with_sample("tiny");
    std::fs::remove_file(work.file("income.csv")).unwrap();
    work.run(&["validate"])
        .expect_status(2)
        .stderr_has(&["key income: file", "income.csv does not exist"]);
}

#[test]
fn folder_without_manifest() {
    let work = Workdir::empty();
    work.run(&["validate"])
        .expect_status(2)
        .stderr_has(&["cannot read the dataset manifest", "dataset.toml"]);
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    udfald(&["frobnicate"]).expect_status(2);
}
