//! The person-month panel of the tiny dataset against `tests/fixtures/tiny_panel_expected.csv`,
//! which `tests/reference/tiny_panel.py` computes independently from the spec (and
//! `docs/tiny-dataset.md` checks by hand). The same panel must come out of every input layout and
//! format, and the options must move it the way the spec says.

use crate::harness::{repo, Workdir};
use polars::prelude::*;

type Rows = Vec<std::collections::BTreeMap<String, String>>;

fn read_csv(text: &str) -> (Vec<String>, Rows) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            headers
                .iter()
                .cloned()
                .zip(record.iter().map(String::from))
                .collect()
        })
        .collect();
    (headers, rows)
}

fn expected() -> (Vec<String>, Rows) {
    let path = repo().join("tests/fixtures/tiny_panel_expected.csv");
    read_csv(&std::fs::read_to_string(path).unwrap())
}

/// Runs `panel` on the work dir and returns the CSV it wrote.
fn panel(work: &Workdir, extra: &[&str]) -> (Vec<String>, Rows) {
    read_csv(&work.panel(extra).1)
}

/// Compares cell by cell and lists every difference.
fn assert_same_panel(actual: &(Vec<String>, Rows), expected: &(Vec<String>, Rows)) {
    assert_eq!(actual.0, expected.0, "columns differ");
    assert_eq!(actual.1.len(), expected.1.len(), "row count differs");
    let mut diffs = Vec::new();
    for (got, want) in actual.1.iter().zip(&expected.1) {
        for (column, value) in want {
            if got[column] != *value {
                diffs.push(format!(
                    "{} {} {column}: got {:?}, want {value:?}",
                    want["person_id"], want["month"], got[column]
                ));
            }
        }
    }
    assert!(
        diffs.is_empty(),
        "{} cell(s) differ:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn tiny_panel_matches_the_reference_cell_by_cell() {
    let work = Workdir::with_sample("tiny");
    assert_same_panel(&panel(&work, &[]), &expected());
}

#[test]
fn hand_checked_cells() {
    // Worked by hand in docs/tiny-dataset.md; restated so a fixture regeneration cannot hide them.
    let work = Workdir::with_sample("tiny");
    let (_, rows) = panel(&work, &[]);
    let row = |person: &str, month: &str| {
        rows.iter()
            .find(|r| r["person_id"] == person && r["month"] == month)
            .unwrap_or_else(|| panic!("no row {person} {month}"))
            .clone()
    };
    // P05, October 2020: 5 weeks, 1 with unemployment insurance, paid hours: 4 weeks without
    // benefit, so employment; November: 4 weeks, 1 on benefit, 3 without: not employment.
    let october = row("P05", "2020-10");
    assert_eq!(
        (october["weeks"].as_str(), october["benefit_weeks"].as_str()),
        ("5", "1")
    );
    assert_eq!(october["employment"], "true");
    let november = row("P05", "2020-11");
    assert_eq!(
        (
            november["weeks"].as_str(),
            november["benefit_weeks"].as_str()
        ),
        ("4", "1")
    );
    assert_eq!(november["employment"], "false");
    assert_eq!(november["paid_hours_on_benefit"], "true");
    // P02 starts Friday 2021-01-01, in ISO week 2020-W53 (a December week by the Thursday
    // rule), but the start month is the date's month: January 2021 is rel_month 0.
    assert_eq!(row("P02", "2021-01")["rel_month"], "0");
    assert_eq!(row("P02", "2020-12")["weeks"], "5");
    // P01 starts Wednesday 2020-09-30: September is rel_month 0.
    assert_eq!(row("P01", "2020-09")["rel_month"], "0");
    // P03 has no register rows at all: every month is self-supporting, nothing else.
    let p03 = row("P03", "2021-02");
    assert_eq!(
        (p03["self_support"].as_str(), p03["paid_hours"].as_str()),
        ("true", "false")
    );
    assert_eq!(p03["hours"], "0.00");
    // P04 has two employers in February 2021, written in reverse order in the register.
    assert_eq!(row("P04", "2021-02")["employers"], "E100;E300");
    assert_eq!(row("P04", "2021-02")["n_employers"], "2");
    // P11 starts after coverage: all rows are before the start.
    assert_eq!(row("P11", "2021-05")["rel_month"], "-1");
}

#[test]
fn long_dream_layout_gives_the_same_panel() {
    let work = Workdir::with_sample("tiny");
    let mut reader = csv::Reader::from_path(work.file("dream.csv")).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let mut long = String::from("person_id,year_week,code\n");
    for record in reader.records() {
        let record = record.unwrap();
        for (column, cell) in headers.iter().zip(record.iter()) {
            if let (Some(week), false) = (column.strip_prefix("y_"), cell.is_empty()) {
                // Alternate the two week spellings the spec allows.
                let week = if week < "2101" {
                    week.to_string()
                } else {
                    format!("20{}-W{}", &week[..2], &week[2..])
                };
                long.push_str(&format!("{},{week},{cell}\n", &record[0]));
            }
        }
    }
    work.write("dream.csv", &long);
    assert_same_panel(&panel(&work, &[]), &expected());
}

/// Rewrites a CSV file of the work dir as Parquet with inferred column types (numbers become
/// numbers), as a SAS or Stata export would.
fn to_parquet(work: &Workdir, name: &str) {
    let path = work.file(name).to_string_lossy().to_string();
    let mut frame = LazyCsvReader::new(PlRefPath::new(path))
        .with_has_header(true)
        .finish()
        .unwrap()
        .collect()
        .unwrap();
    let out = std::fs::File::create(work.file(&name.replace(".csv", ".parquet"))).unwrap();
    ParquetWriter::new(out).finish(&mut frame).unwrap();
}

#[test]
fn parquet_inputs_give_the_same_panel() {
    let work = Workdir::with_sample("tiny");
    for name in ["cohort.csv", "dream.csv", "income.csv"] {
        to_parquet(&work, name);
    }
    let manifest = work.read("dataset.toml").replace(".csv\"", ".parquet\"");
    work.write("dataset.toml", &manifest);
    assert!(work
        .read("dataset.toml")
        .contains("dream = \"dream.parquet\""));
    assert_same_panel(&panel(&work, &[]), &expected());
}

/// Tiny's SAS and Stata twins (`tests/fixtures/delivered/`: register names, day-count dates,
/// numeric codes, yyyymm months, income one file per year) give its panel, cell by cell.
#[test]
fn sas_and_stata_inputs_give_the_same_panel() {
    for extension in ["sas7bdat", "dta"] {
        let work = crate::delivered::binary_tiny(extension);
        assert_same_panel(&panel(&work, &[]), &expected());
    }
}

#[test]
fn parquet_output_holds_the_same_panel() {
    let work = Workdir::with_sample("tiny");
    let out = work.file("panel.parquet");
    work.run(&["panel", "--out", out.to_str().unwrap()])
        .expect_status(0);
    let path = out.to_string_lossy().to_string();
    let frame = LazyFrame::scan_parquet(PlRefPath::new(path), ScanArgsParquet::default())
        .unwrap()
        .collect()
        .unwrap();
    let expected = expected();
    assert_eq!(frame.height(), expected.1.len());
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(names, expected.0);
    let hours: f64 = frame.column("hours").unwrap().f64().unwrap().sum().unwrap();
    let want: f64 = expected
        .1
        .iter()
        .map(|r| r["hours"].parse::<f64>().unwrap())
        .sum();
    assert!((hours - want).abs() < 1e-6, "{hours} vs {want}");
    assert_eq!(
        frame.column("paid_hours").unwrap().bool().unwrap().sum(),
        Some(
            expected
                .1
                .iter()
                .filter(|r| r["paid_hours"] == "true")
                .count() as u32
        )
    );
}

#[test]
fn months_before_cuts_the_history() {
    let work = Workdir::with_sample("tiny");
    let (_, rows) = panel(&work, &["--months-before", "0"]);
    let want: Vec<_> = expected()
        .1
        .into_iter()
        .filter(|r| r["rel_month"].parse::<i32>().unwrap() >= 0)
        .collect();
    assert_eq!(rows.len(), want.len());
    assert_eq!(rows, want);
    // P11 starts after the last observed month, so no row is left.
    assert!(!rows.iter().any(|r| r["person_id"] == "P11"));
}

#[test]
fn status_parameters_move_the_statuses() {
    let work = Workdir::with_sample("tiny");
    let (_, rows) = panel(
        &work,
        &["--min-hours", "100", "--min-weeks-without-benefit", "3"],
    );
    let expected = expected().1;
    for (got, want) in rows.iter().zip(&expected) {
        let hours: f64 = want["hours"].parse().unwrap();
        assert_eq!(got["paid_hours"] == "true", hours >= 100.0, "{got:?}");
        let without: i32 =
            want["weeks"].parse::<i32>().unwrap() - want["benefit_weeks"].parse::<i32>().unwrap();
        assert_eq!(
            got["employment"] == "true",
            hours >= 100.0 && without >= 3,
            "{got:?}"
        );
    }
    // P05 November 2020 (3 weeks without benefit, 100 hours) is employment at 3 weeks.
    let (_, rows) = panel(&work, &["--min-weeks-without-benefit", "3"]);
    let november = rows
        .iter()
        .find(|r| r["person_id"] == "P05" && r["month"] == "2020-11")
        .unwrap();
    assert_eq!(november["employment"], "true");
}

#[test]
fn panel_refuses_an_unknown_output_format() {
    let work = Workdir::with_sample("tiny");
    let out = work.file("panel.xlsx");
    // A usage error, before any register is read (issue 15).
    work.run(&["panel", "--out", out.to_str().unwrap()])
        .expect_error(2, &format!("{}: the panel is written as .parquet or .csv; name the file with one of those extensions", out.display()));
}
