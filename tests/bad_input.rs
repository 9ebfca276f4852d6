//! Bad input (spec `data-formats.md`, "Bad input"): each case edits one cell of a copy of the tiny
//! dataset and checks that the run stops with exit 1 and a message naming file, line, column,
//! value and what was expected.

use crate::harness::{test_cases, udfald, Workdir};

/// Expects validation to fail with exactly these problems, in this order.
fn expect_problems(work: &Workdir, problems: &[&str]) {
    let listed: String = problems.iter().map(|p| format!("\n  {p}")).collect();
    work.run(&["validate"]).expect_error(
        1,
        &format!(
            "the dataset has {} problem(s) that stop the analysis:{listed}\n",
            problems.len()
        ),
    );
}

/// Replaces `from` with `to` in a copy of the tiny dataset's `file` and expects validation to fail
/// with exactly `problems`, in which `{line}` stands for the line holding the edit.
fn edit_fails(file: &str, from: &str, to: &str, problems: &[&str]) {
    let work = Workdir::with_sample("tiny");
    work.replace(file, from, to);
    let line = work.line_of(file, to).to_string();
    let problems: Vec<String> = problems
        .iter()
        .map(|p| p.replace("{line}", &line))
        .collect();
    expect_problems(
        &work,
        &problems.iter().map(String::as_str).collect::<Vec<_>>(),
    );
}

test_cases! {
    start_date_that_is_not_a_date: edit_fails("cohort.csv", "P05,2020-09-14", "P05,2020-13-14", &["cohort.csv, line {line}, column start_date, value \"2020-13-14\": expected a date YYYY-MM-DD"]);
    week_column_not_named_y_yyww: edit_fails("dream.csv", "y_2030,", "y_20x0,", &[
        "dream.csv, header, column y_20x0: a week column must be named y_YYWW (two-digit year and week)",
        "dream.csv, header: week columns must be contiguous: y_2030 is missing between y_2029 and y_2031",
    ]);
    // 2021 has 52 ISO weeks; relabel the last column so the file claims a week 53.
    week_53_of_a_52_week_year: edit_fails("dream.csv", "y_2126,", "y_2153,", &["dream.csv, header, column y_2153: no such week: ISO year 2021 has 52 weeks, so week 53 does not exist"]);
    week_columns_with_a_gap: edit_fails("dream.csv", "y_2053,", "y_2152,", &[
        "dream.csv, header: week columns must be contiguous: y_2053 is missing between y_2052 and y_2101",
        // In week order the relabelled column comes after the last one, y_2126.
        "dream.csv, header: week columns must be contiguous: y_2127 is missing between y_2126 and y_2152",
    ]);
    code_cell_that_is_not_a_code: edit_fails("dream.csv", "P07,740,", "P07,74O,", &["dream.csv, line {line}, column y_2027, value \"74O\": expected a DREAM code (a number of at most 3 digits) or an empty cell"]);
    code_absent_from_the_code_table: edit_fails("dream.csv", "P07,740,740,", "P07,999,999,", &["dream.csv, column y_2027, value \"999\": code 999 is not in the code table: 2 person-week(s) in columns y_2027, y_2028; add it with its category to the dataset's code table (manifest key codes)"]);
    negative_hours: edit_fails("income.csv", "P04,2020-08,E100,148.50", "P04,2020-08,E100,-148.50", &["income.csv, line {line}, column hours, value \"-148.50\": expected paid hours as a number >= 0"]);
    income_month_outside_coverage: edit_fails("income.csv", "P02,2021-05,E210", "P02,2021-06,E210", &["income.csv, line {line}, column month, value \"2021-06\": month outside coverage: the manifest says the register covers months through 2021-05 (income_through)"]);
    missing_required_column: edit_fails("income.csv", "person_id,month,employer_id,hours,wage", "person_id,month,employer,hours,wage", &["income.csv, header: required column missing: expected employer_id (columns present: person_id, month, employer, hours, wage)"]);
    row_with_too_few_fields: edit_fails("cohort.csv", "P09,2021-05-20,control,FSM2,Odense,F,1993", "P09,2021-05-20,control", &["cohort.csv, line {line}: expected 7 fields as in the header, found 3"]);
}

#[test]
fn duplicate_person_id_in_cohort() {
    let work = Workdir::with_sample("tiny");
    work.replace("cohort.csv", "P07,2020-10-05", "P05,2020-10-05");
    expect_problems(
        &work,
        &[&format!(
            "cohort.csv, line 7, column person_id, value \"P05\": duplicate person key: already on line {}",
            work.line_of("cohort.csv", "P05,2020-09-14")
        )],
    );
}

#[test]
fn dataset_code_table_replaces_the_builtin() {
    let work = Workdir::with_sample("tiny");
    work.replace("dream.csv", "P07,740,740,", "P07,999,999,");
    let builtin = include_str!("../src/load/default_codes.csv");
    work.write(
        "codes.csv",
        &format!("{builtin}999,flexjob_unemployment,,Test code,test\n"),
    );
    work.append("dataset.toml", "codes = \"codes.csv\"\n");
    work.run(&["validate"])
        .expect_status(0)
        .stdout_has(&["codes   codes.csv: 135 codes"]);
}

/// The tiny panel's row of P04 in August 2020 up to its hours: rel_month -3, 4 weeks, none on
/// any benefit.
const P04_AUGUST: &str = "P04,2020-08,-3,4,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,";

fn p04_august(panel: &str) -> &str {
    panel
        .lines()
        .find(|l| l.starts_with("P04,2020-08,"))
        .unwrap()
}

#[test]
fn duplicate_income_row_refused_or_summed() {
    let work = Workdir::with_sample("tiny");
    let last = work.read("income.csv").lines().count() + 1;
    work.append("income.csv", "P04,2020-08,E100,1.50,300.00\n");
    let first = work.line_of("income.csv", "P04,2020-08,E100");
    expect_problems(
        &work,
        &[&format!(
            "income.csv, line {last}, column employer_id, value \"E100\": duplicate row for person, month 2020-08 and employer E100 (first on line {first}); set sum_duplicate_income = true in dataset.toml to add such rows up"
        )],
    );
    work.append("dataset.toml", "sum_duplicate_income = true\n");
    let (_, panel) = work.panel(&[]);
    // 148.50 + 1.50 hours, 29700.00 + 300.00 wage; the statuses stay those of the reference.
    assert_eq!(
        p04_august(&panel),
        format!("{P04_AUGUST}150.00,30000.00,1,E100,true,true,true,false,false,false,false,true,true,false,false,false,true")
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
    expect_problems(
        &work,
        &[
            "cohort.csv, line 5, column start_date, value \"14-09-2020\": expected a date YYYY-MM-DD",
            &format!(
                "income.csv, line {}, column hours, value \"lots\": expected paid hours as a number >= 0",
                work.line_of("income.csv", "lots")
            ),
        ],
    );
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
    let (run, panel) = work.panel(&["--drop-invalid"]);
    run.stderr_is(&format!(
        "udfald: dataset tiny: 1 person(s) in dream.csv and 1 in income.csv are not in the cohort (not used)\nudfald: dropped 1 invalid row(s) of income.csv (--drop-invalid)\nudfald: writing PERSON-LEVEL data (121 person-months of 11 persons) to {}\n",
        work.file("panel.csv").display()
    ));
    // Every output format says so under each table, not only provenance.
    let query = crate::harness::repo().join("queries/months-to-employment-arm.toml");
    let query = query.to_str().unwrap();
    let note = "--drop-invalid: 1 row(s) of income.csv dropped for problems (udfald validate lists them); the figures leave those rows out";
    for (format, line) in [
        ("csv", format!("# note: {note}")),
        ("table", format!("note: {note}")),
        ("markdown", note.to_string()),
        ("json", format!("\"{note}\"")),
    ] {
        work.run(&["run", query, "--drop-invalid", "--format", format])
            .expect_status(0)
            .stdout_has(&[&line]);
    }
    // The dropped row leaves no hours, no employer and no paid-hours status: only self_support.
    assert_eq!(
        p04_august(&panel),
        format!("{P04_AUGUST}0.00,0.00,0,\"\",false,false,false,false,false,false,false,false,true,false,false,false,false")
    );
}

/// Expects validation to stop with exit 2 and `udfald: error: {message}`, in which `{dir}` stands
/// for the dataset's folder.
fn expect_usage_error(work: &Workdir, message: &str) {
    let dir = work.path().display().to_string();
    work.run(&["validate"])
        .expect_error(2, &message.replace("{dir}", &dir));
}

#[test]
fn manifest_unknown_key_is_a_usage_error() {
    let work = Workdir::with_sample("tiny");
    work.append("dataset.toml", "incme_through = \"2021-05\"\n");
    expect_usage_error(
        &work,
        "{dir}/dataset.toml: TOML parse error at line 7, column 1\n  |\n7 | incme_through = \"2021-05\"\n  | ^^^^^^^^^^^^^\nunknown field `incme_through`, expected one of `name`, `description`, `cohort`, `dream`, `income`, `codes`, `income_through`, `income_from`, `sum_duplicate_income`, `identifiers`, `encoding`, `columns`",
    );
}

#[test]
fn manifest_naming_a_missing_file() {
    let work = Workdir::with_sample("tiny");
    std::fs::remove_file(work.file("income.csv")).unwrap();
    expect_usage_error(
        &work,
        "{dir}/dataset.toml: key income: file {dir}/income.csv does not exist",
    );
}

#[test]
fn folder_without_manifest() {
    expect_usage_error(
        &Workdir::empty(),
        "cannot read the dataset manifest {dir}/dataset.toml: No such file or directory (os error 2); a dataset is a folder holding dataset.toml",
    );
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    udfald(&["frobnicate"])
        .expect_status(2)
        .stdout_is("")
        .stderr_is("error: unrecognized subcommand 'frobnicate'\n\nUsage: udfald <COMMAND>\n\nFor more information, try '--help'.\n");
}

#[test]
fn a_group_too_fine_for_its_persons_is_refused_when_suppressing() {
    // s4-f14 groups tiny's 11 persons by 3 projects: more than 11 / 5 values.
    udfald(&["run", "queries/s4-f14.toml", "--data", "data-samples/tiny"])
        .expect_error(
        2,
        "queries/s4-f14.toml: group_by: column \"project\" has 3 distinct values among the population's 11 persons, more than 11 / 5: a column this fine singles persons out (individual dates, free text), so it is never a group or category of released output (spec disclosure.md §4); group by a coarser column (a month, a year, an age band) or leave it out",
    );
    // With a threshold of 3, 3 × 3 ≤ 11: the groups are coarse enough.
    udfald(&[
        "run",
        "queries/s4-f14.toml",
        "--data",
        "data-samples/tiny",
        "--min-cell",
        "3",
    ])
    .expect_status(0);
    // describe's categories follow the same rule; its age bands are binned and pass.
    let work = Workdir::with_sample("tiny");
    work.write(
        "q.toml",
        "name = \"q\"\ntitle = \"Q\"\nmetric = \"describe\"\n[params]\ncategorical = [\"project\"]\n",
    );
    let query = work.file("q.toml").display().to_string();
    work.run(&["run", &query]).expect_status(2).stderr_has(&[
        "q.toml: categorical: column \"project\" has 3 distinct values among the population's 11 persons, more than 11 / 5",
    ]);
    work.write(
        "q.toml",
        "name = \"q\"\ntitle = \"Q\"\nmetric = \"describe\"\n[params]\ncategorical = [\"age_band_at_start\"]\n",
    );
    work.run(&["run", &query]).expect_status(0);
}

/// A copy of tiny whose keys are rewritten: `cohort` and `registers` map each file's text.
fn tiny_with_keys(cohort: impl Fn(&str) -> String, registers: impl Fn(&str) -> String) -> Workdir {
    let work = Workdir::with_sample("tiny");
    work.write("cohort.csv", &cohort(&work.read("cohort.csv")));
    for file in ["dream.csv", "income.csv"] {
        work.write(file, &registers(&work.read(file)));
    }
    work
}

#[test]
fn keys_that_lost_their_leading_zeros_stop_the_run() {
    // The cohort went through a spreadsheet: P01 became 1, while the registers keep 01. P10 and
    // P11 still meet.
    let work = tiny_with_keys(
        |text| text.replace("\nP0", "\n").replace("\nP1", "\n1"),
        |text| text.replace("\nP", "\n"),
    );
    let query = crate::harness::repo().join("queries/months-to-employment-arm.toml");
    work.run(&["run", query.to_str().unwrap()]).expect_status(1).stderr_has(&[
        "dream.csv: 8 person key(s) match no cohort person but would once leading zeros or a trailing \".0\" are removed (e.g. \"01\", \"02\", \"04\")",
        "income.csv: 7 person key(s) match no cohort person",
        "write person_id as text with its leading zeros in both files",
    ]);
    work.run(&["validate"]).expect_status(1);
}

#[test]
fn registers_that_hold_almost_no_cohort_person_stop_the_run() {
    let work = tiny_with_keys(|text| text.to_string(), |text| text.replace("\nP", "\nQ"));
    work.run(&["validate"]).expect_status(1).stderr_has(&[
        "cohort.csv: only 0 of the cohort's 11 persons appear in either register: the keys do not meet (cohort keys look like \"P10\", \"P08\", \"P06\"; the registers' keys look like \"Q01\", \"Q02\", \"Q04\")",
    ]);
}

#[test]
fn a_manifest_path_outside_the_dataset_folder_is_a_usage_error() {
    let work = Workdir::with_sample("tiny");
    let tiny = crate::harness::repo().join("data-samples/tiny/cohort.csv");
    work.replace(
        "dataset.toml",
        "cohort = \"cohort.csv\"",
        &format!("cohort = {:?}", tiny.display().to_string()),
    );
    work.run(&["validate"])
        .expect_status(2)
        .stderr_has(&["key cohort:", "is outside the dataset folder"]);
    work.replace(
        "dataset.toml",
        &format!("cohort = {:?}", tiny.display().to_string()),
        "cohort = \"../x/../cohort.csv\"",
    );
    work.run(&["validate"]).expect_status(2);
    // A symbolic link inside the folder to a file outside it.
    std::os::unix::fs::symlink(&tiny, work.file("linked.csv")).unwrap();
    work.replace(
        "dataset.toml",
        "cohort = \"../x/../cohort.csv\"",
        "cohort = \"linked.csv\"",
    );
    work.run(&["validate"])
        .expect_status(2)
        .stderr_has(&["key cohort: \"linked.csv\" is outside the dataset folder"]);
}

#[test]
fn a_csv_cut_short_is_bad_input_naming_its_last_line() {
    // The last line's birth_year 1998 cut to 19, and no line break after it.
    let work = Workdir::with_sample("tiny");
    let text = work.read("cohort.csv");
    assert!(text.ends_with("1998\n"));
    work.write("cohort.csv", &text[..text.len() - 3]);
    work.run(&["validate"]).expect_status(1).stderr_has(&[
        "cohort.csv, line 12: the file ends inside this line, without a line break: the file looks cut short",
    ]);
}

/// hazard_ratio's risk ratio has no default horizon (the report gives none): a query without one,
/// or with one below a month, is refused by name with exit 2 before any register is read.
#[test]
fn a_risk_ratio_without_a_horizon_is_refused_by_name() {
    let work = Workdir::with_sample("tiny");
    let query = work.file("q.toml").display().to_string();
    let write = |params: &str| {
        work.write(
            "q.toml",
            &format!(
                "name = \"q\"\ntitle = \"Q\"\nmetric = \"hazard_ratio\"\n[params]\n{params}\n"
            ),
        )
    };
    write("estimate = \"risk_ratio\"");
    work.run(&["run", &query]).expect_status(2).stderr_has(&[
        "q.toml: [params] of metric hazard_ratio: horizon: estimate = \"risk_ratio\" needs horizon",
    ]);
    write("estimate = \"risk_ratio\"\nhorizon = -1");
    work.run(&["run", &query]).expect_status(2).stderr_has(&[
        "q.toml: [params] of metric hazard_ratio: horizon = -1: must be at least 1 month",
    ]);
    write("horizon = 6");
    work.run(&["run", &query])
        .expect_status(2)
        .stderr_has(&["horizon: only estimate = \"risk_ratio\" reads it"]);
    write("estimate = \"risk_ratio\"\nhorizon = 2\nspells = \"all\"");
    work.run(&["run", &query]).expect_status(2).stderr_has(&[
        "spells = \"all\": estimate = \"risk_ratio\" compares each person's first spell",
    ]);
    write("estimate = \"risk_ratio\"\nhorizon = 2");
    work.run(&["run", &query]).expect_status(0);
}
