//! Property tests (proptest), run in CI with every `cargo test` (`docs/reliability.md`): the
//! calendar's round trips and the Thursday rule; every reader (CSV cohort, wide and long DREAM,
//! income, Parquet, the manifest, the code table, SAS and Stata) and the query parser with its expression
//! language never panic on arbitrary or mutated input; and the panel's invariants on random
//! registers. Case counts are modest so CI stays fast; `PROPTEST_CASES=N` runs N cases of each
//! property instead, for a longer search by hand.

use proptest::prelude::*;
use proptest::sample::Index;
use std::path::{Path, PathBuf};
use udfald::calendar::{iso_weeks_in_year, parse_date, Month, Week};
use udfald::dataset::Dataset;
use udfald::load::{self, CodeTable, LoadOptions};
use udfald::panel::{self, PanelOptions, StatusParams};
use udfald::progress::Progress;

/// `cases` cases, or `PROPTEST_CASES` when set; failures are not written to files (a failure
/// found becomes a named regression test instead).
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------------
// The calendar

/// Days from 1900-01-01 to 2099-12-31, the range a register date can take and more.
fn any_date() -> impl Strategy<Value = chrono::NaiveDate> {
    let first = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
    (0i64..73_049).prop_map(move |days| first + chrono::Duration::days(days))
}

/// 52 or 53, from the rule ISO 8601 states: a year has week 53 when it begins on a Thursday, or
/// is a leap year beginning on a Wednesday.
fn long_year(year: i32) -> bool {
    use chrono::{Datelike, Weekday};
    let first = chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap()
        .weekday();
    let leap = chrono::NaiveDate::from_ymd_opt(year, 2, 29).is_some();
    first == Weekday::Thu || (leap && first == Weekday::Wed)
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn a_date_lies_in_exactly_one_week_whose_spellings_round_trip(date in any_date()) {
        let week = Week::of_date(date);
        let monday = week.monday();
        prop_assert!(monday <= date && date < monday + chrono::Duration::days(7));
        // The weeks before and after do not hold it.
        prop_assert!(week.prev().monday() + chrono::Duration::days(7) <= date);
        prop_assert!(date < week.next().monday());
        let (year, number) = week.iso();
        prop_assert_eq!(Week::from_iso(year, number), Some(week));
        prop_assert_eq!(Week::parse(&week.to_string()), Ok(week));
        if (1990..2090).contains(&year) {
            prop_assert_eq!(Week::parse(&week.dream_column()[2..]), Ok(week));
        }
        let month = Month::of_date(date);
        prop_assert_eq!(Month::parse(&month.to_string()), Some(month));
        prop_assert!(month.first_day() <= date && date < month.offset(1).first_day());
        prop_assert_eq!(parse_date(&date.to_string()), Some(date));
    }

    #[test]
    fn a_week_belongs_to_the_month_of_its_thursday(date in any_date()) {
        let week = Week::of_date(date);
        let month = week.month();
        prop_assert_eq!(month, Month::of_date(week.thursday()));
        // So to the month holding at least 4 of its 7 days.
        let days_in_month = (0..7)
            .filter(|d| Month::of_date(week.monday() + chrono::Duration::days(*d)) == month)
            .count();
        prop_assert!(days_in_month >= 4, "{} days of {} in {}", days_in_month, week, month);
        let weeks = month.weeks();
        prop_assert!(weeks.contains(&week));
        let n = weeks.end().since(*weeks.start()) + 1;
        prop_assert!(n == 4 || n == 5, "{} has {} weeks", month, n);
        // Months' weeks tile the weeks: the next month starts the week after this one ends.
        prop_assert_eq!(*month.offset(1).weeks().start(), weeks.end().next());
    }

    #[test]
    fn week_53_exists_only_in_long_years(year in 1900i32..2100, week in 0u32..60) {
        let weeks = iso_weeks_in_year(year);
        prop_assert_eq!(weeks == 53, long_year(year));
        prop_assert_eq!(Week::from_iso(year, week).is_some(), (1..=weeks).contains(&week));
        if let Some(w) = Week::from_iso(year, week) {
            prop_assert_eq!(w.iso(), (year, week));
        }
    }

    #[test]
    fn months_count_from_their_index(index in -30_000i32..30_000, offset in -1000i32..1000) {
        let month = Month::from_index(index);
        prop_assert_eq!(Month::new(month.year(), month.month_of_year()), Some(month));
        prop_assert_eq!(month.offset(offset).since(month), offset);
    }

    #[test]
    fn calendar_spellings_never_panic(text in "\\PC{0,12}", digits in "[0-9W-]{0,10}") {
        for text in [&text, &digits] {
            let _ = Week::parse(text);
            let _ = Month::parse(text);
            let _ = parse_date(text);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Readers: arbitrary and mutated bytes give errors, never a panic

/// One change to a file's bytes.
#[derive(Debug, Clone)]
enum Edit {
    /// Replace the byte at a position.
    Set(Index, u8),
    /// Insert bytes at a position.
    Insert(Index, Vec<u8>),
    /// Remove up to n bytes from a position.
    Remove(Index, usize),
    /// Copy up to n bytes from one position to another (repeats a line, a header field).
    Copy(Index, Index, usize),
    /// Cut the file at a position.
    Cut(Index),
}

/// Bytes that matter to the formats more than most: separators, quotes, line ends, digits, the
/// week and date spellings' letters, NUL, a byte that is never UTF-8, and the extremes.
fn telling_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => prop::sample::select(b",;\"\n\r -.0123456789Wy_PE\x00\xff\x7f\x80".to_vec()),
        1 => any::<u8>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<Index>(), telling_byte()).prop_map(|(at, b)| Edit::Set(at, b)),
        3 => (any::<Index>(), prop::collection::vec(telling_byte(), 1..6))
            .prop_map(|(at, bytes)| Edit::Insert(at, bytes)),
        2 => (any::<Index>(), 1usize..40).prop_map(|(at, n)| Edit::Remove(at, n)),
        1 => (any::<Index>(), any::<Index>(), 1usize..200)
            .prop_map(|(from, to, n)| Edit::Copy(from, to, n)),
        1 => any::<Index>().prop_map(Edit::Cut),
    ]
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..6)
}

fn mutate(base: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for edit in edits {
        let len = bytes.len();
        let at = |index: &Index| if len == 0 { 0 } else { index.index(len) };
        match edit {
            Edit::Set(index, byte) if len > 0 => bytes[at(index)] = *byte,
            Edit::Set(..) => {}
            Edit::Insert(index, new) => {
                let at = if len == 0 { 0 } else { index.index(len + 1) };
                bytes.splice(at..at, new.iter().copied());
            }
            Edit::Remove(index, n) => {
                let from = at(index);
                bytes.drain(from..(from + n).min(len));
            }
            Edit::Copy(from, to, n) if len > 0 => {
                let from = at(from);
                let piece = bytes[from..(from + n).min(len)].to_vec();
                let to = to.index(len + 1);
                bytes.splice(to..to, piece);
            }
            Edit::Copy(..) => {}
            Edit::Cut(index) => bytes.truncate(at(index)),
        }
    }
    bytes
}

/// A copy of the tiny dataset (its files, in a temp folder) with `name` holding `bytes`.
fn tiny_with(name: &str, bytes: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo().join("data-samples/tiny")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    std::fs::write(dir.path().join(name), bytes).unwrap();
    dir
}

/// Opens the dataset, loads it (stopping at problems, and dropping invalid rows) and, when it
/// loads, builds its panel. Errors are the expected outcome of bad input; a panic fails.
fn read_everything(dir: &Path) {
    let Ok(dataset) = Dataset::open(dir) else {
        return;
    };
    for drop_invalid in [false, true] {
        let options = LoadOptions {
            drop_invalid,
            max_problems: 50,
        };
        if let Ok(loaded) = load::load(&dataset, &options, &Progress::quiet()) {
            let _ = panel::build(loaded, &PanelOptions::default(), &Progress::quiet());
        }
    }
}

fn tiny_file(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("data-samples/tiny").join(name)).unwrap()
}

/// Tiny's wide DREAM file in the long layout (`person_id,year_week,code`, a row per coded week).
fn tiny_long_dream() -> Vec<u8> {
    let wide = tiny_file("dream.csv");
    let mut reader = csv::Reader::from_reader(&wide[..]);
    // The week columns (tiny also has a `kommune_kode` column).
    let weeks: Vec<Option<String>> = reader
        .headers()
        .unwrap()
        .iter()
        .skip(1)
        .map(|h| Some(Week::parse(h.strip_prefix("y_")?).ok()?.to_string()))
        .collect();
    let mut out = String::from("person_id,year_week,code\n");
    for record in reader.records() {
        let record = record.unwrap();
        for (week, code) in weeks.iter().zip(record.iter().skip(1)) {
            if let (Some(week), false) = (week, code.is_empty()) {
                out.push_str(&format!("{},{week},{code}\n", &record[0]));
            }
        }
    }
    out.into_bytes()
}

/// A CSV-looking file of up to 12 lines of up to 6 cells drawn from what the registers hold.
fn csv_like() -> impl Strategy<Value = Vec<u8>> {
    let cell = prop_oneof![
        Just(String::new()),
        "P[0-9]{1,2}",
        "(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]",
        "20[12][0-9]-[01][0-9]",
        "y_[0-9]{4}",
        "[0-9]{1,4}(\\.[0-9]{1,2})?",
        "-?[0-9]{1,3}",
        "[a-z_]{1,12}",
        "\\PC{0,6}",
    ];
    prop::collection::vec(prop::collection::vec(cell, 0..6), 0..12).prop_map(|rows| {
        let mut text = String::new();
        for row in rows {
            text.push_str(&row.join(","));
            text.push('\n');
        }
        text.into_bytes()
    })
}

/// A manifest-looking text: keys the manifest knows, with values of any TOML shape.
fn manifest_like() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "name",
        "description",
        "cohort",
        "dream",
        "income",
        "codes",
        "income_through",
        "income_from",
        "sum_duplicate_income",
        "identifiers",
        "encoding",
        "other",
    ]);
    let value = prop_oneof![
        "\"[a-z./*]{0,12}(csv|parquet|dta|sas7bdat|toml)?\"",
        "\"20[0-9]{2}-[0-9]{2}\"",
        "(true|false|-?[0-9]{1,3})",
        "\\[(\"[a-z.*]{1,8}\", ?){0,3}\\]",
        "\"(\\.\\./|/)[a-z/]{0,10}\"",
        "\"(latin1|utf-8|windows-1252|x)\"",
    ];
    let line = (key, value).prop_map(|(k, v)| format!("{k} = {v}\n"));
    let columns = "\\[columns\\.(cohort|dream|income|x)\\]\n([a-z_]{1,10} = (\"[A-Z_]{1,8}\"|\\{ name = \"[A-Z]{1,5}\", format = \"(yyyymm|yyyymmdd|x)\" \\})\n){0,3}";
    (
        prop::collection::vec(line, 0..10),
        prop::option::of(columns),
    )
        .prop_map(|(lines, columns)| lines.concat() + &columns.unwrap_or_default())
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn the_cohort_reader_never_panics(edits in edits()) {
        let dir = tiny_with("cohort.csv", &mutate(&tiny_file("cohort.csv"), &edits));
        read_everything(dir.path());
    }

    #[test]
    fn the_wide_dream_reader_never_panics(edits in edits()) {
        let dir = tiny_with("dream.csv", &mutate(&tiny_file("dream.csv"), &edits));
        read_everything(dir.path());
    }

    #[test]
    fn the_long_dream_reader_never_panics(edits in edits()) {
        let dir = tiny_with("dream.csv", &mutate(&tiny_long_dream(), &edits));
        read_everything(dir.path());
    }

    #[test]
    fn the_income_reader_never_panics(edits in edits()) {
        let dir = tiny_with("income.csv", &mutate(&tiny_file("income.csv"), &edits));
        read_everything(dir.path());
    }

    #[test]
    fn the_registers_never_panic_on_csv_of_any_shape(
        file in prop::sample::select(vec!["cohort.csv", "dream.csv", "income.csv"]),
        bytes in csv_like(),
        keep_header in any::<bool>(),
    ) {
        // With the file's own header kept, the rows reach the cell checks.
        let mut text = Vec::new();
        if keep_header {
            let own = tiny_file(file);
            let header = own.split(|&b| b == b'\n').next().unwrap();
            text.extend_from_slice(header);
            text.push(b'\n');
        }
        text.extend_from_slice(&bytes);
        let dir = tiny_with(file, &text);
        read_everything(dir.path());
    }

    #[test]
    fn the_readers_never_panic_on_arbitrary_bytes(
        file in prop::sample::select(vec!["cohort.csv", "dream.csv", "income.csv", "dataset.toml"]),
        bytes in prop::collection::vec(any::<u8>(), 0..600),
    ) {
        let dir = tiny_with(file, &bytes);
        read_everything(dir.path());
    }

    #[test]
    fn the_manifest_parser_never_panics(edits in edits(), text in manifest_like()) {
        let dir = tiny_with("dataset.toml", &mutate(&tiny_file("dataset.toml"), &edits));
        read_everything(dir.path());
        let dir = tiny_with("dataset.toml", text.as_bytes());
        read_everything(dir.path());
    }

    #[test]
    fn the_code_table_parser_never_panics(
        edits in edits(),
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        rows in prop::collection::vec(
            ("[0-9]{0,4}", "[a-z_]{0,16}", "(true|false|yes|no|1|0|x|)"), 0..8),
    ) {
        let builtin = include_bytes!("../src/load/default_codes.csv");
        let _ = CodeTable::parse("codes.csv", &mutate(builtin, &edits));
        let _ = CodeTable::parse("codes.csv", &bytes);
        let mut text = String::from("code,category,public_support\n");
        for (code, category, public) in rows {
            text.push_str(&format!("{code},{category},{public}\n"));
        }
        let _ = CodeTable::parse("codes.csv", text.as_bytes());
        // A dataset's own table, through the loader.
        let dir = tiny_with("codes.csv", text.as_bytes());
        let manifest = String::from_utf8(tiny_file("dataset.toml")).unwrap();
        std::fs::write(dir.path().join("dataset.toml"), manifest + "codes = \"codes.csv\"\n")
            .unwrap();
        read_everything(dir.path());
    }
}

/// The delivered-format fixture `name`.
fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("tests/fixtures/delivered").join(name)).unwrap()
}

/// Reads every row of every column of a SAS or Stata file, as the loaders would.
fn read_binary(path: &Path) {
    if let Ok(mut file) = load::binary::BinaryFile::open(path, encoding_rs::WINDOWS_1252) {
        let wanted: Vec<usize> = (0..file.columns().len()).collect();
        let _ = file.for_each_row(&wanted, |_, _| Ok(()));
    }
}

/// Tiny as SAS or Stata files (`tests/delivered.rs`'s twin), with one file replaced.
fn binary_tiny_with(extension: &str, name: &str, bytes: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in ["cohort", "dream", "bfl2020", "bfl2021"] {
        let file = format!("{file}.{extension}");
        std::fs::write(dir.path().join(&file), fixture(&file)).unwrap();
    }
    std::fs::write(dir.path().join(name), bytes).unwrap();
    let manifest = format!(
        "name = \"tiny\"\ncohort = \"cohort.{extension}\"\ndream = \"dream.{extension}\"\n\
         income = \"bfl20*.{extension}\"\nincome_through = \"2021-05\"\n\
         [columns.cohort]\nperson_id = \"PNR\"\nstart_date = \"VISDATO\"\n\
         [columns.dream]\nperson_id = \"PNR\"\n\
         [columns.income]\nperson_id = \"PNR\"\nmonth = {{ name = \"AARMD\", format = \"yyyymm\" }}\n\
         employer_id = \"AJO_ARBNR\"\nhours = \"AJO_LOENTIMER\"\nwage = \"AJO_SMALT_LOENBELOEB\"\n"
    );
    std::fs::write(dir.path().join("dataset.toml"), manifest).unwrap();
    dir
}

/// Tiny with its cohort, DREAM and income files as Parquet (every column text, as `synth
/// --format parquet` writes them), `name` replaced by `bytes`.
fn parquet_tiny_with(name: &str, bytes: &[u8]) -> tempfile::TempDir {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    for file in ["cohort", "dream", "income"] {
        let csv = repo().join(format!("data-samples/tiny/{file}.csv"));
        let mut frame = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(csv))
            .unwrap()
            .finish()
            .unwrap();
        let out = std::fs::File::create(dir.path().join(format!("{file}.parquet"))).unwrap();
        ParquetWriter::new(out).finish(&mut frame).unwrap();
    }
    let manifest = String::from_utf8(tiny_file("dataset.toml")).unwrap();
    std::fs::write(
        dir.path().join("dataset.toml"),
        manifest.replace(".csv", ".parquet"),
    )
    .unwrap();
    if !bytes.is_empty() {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

/// Runs `validate` on tiny as Parquet with `name` replaced by the damaged fixture of that name;
/// expects exit 1 and the one problem `problem` about it.
fn validate_damaged_parquet(name: &str, problem: &str) {
    let dir = parquet_tiny_with(name, &[]);
    std::fs::copy(
        repo().join("tests/fixtures/damaged").join(name),
        dir.path().join(name),
    )
    .unwrap();
    let data = dir.path().to_str().unwrap();
    let run = crate::harness::udfald(&["validate", "--data", data]).expect_status(1);
    run.stderr_has(&[&format!(
        "udfald: error: the dataset has 1 problem(s) that stop the analysis:\n  {name}: {problem}\n"
    )]);
}

/// Found by `the_parquet_reader_never_panics_on_mutated_files`: one byte of tiny's DREAM file as
/// Parquet changed in the footer's column statistics (byte 14839, 3 to 46) made polars panic
/// ("thrift bool field") while udfald read the header, and the run crash with exit 101. The
/// panic is now caught (its own message still shows on stderr above the error).
#[test]
fn a_parquet_footer_polars_panics_on_is_bad_input() {
    validate_damaged_parquet(
        "dream.parquet",
        "the file is damaged: its reader failed (thrift bool field)",
    );
}

/// Found the same way (a few edits of tiny's cohort as Parquet, kept whole): a footer placing a
/// row group past the file's end made polars slice out of bounds unchecked, undefined behaviour
/// that aborted the process (SIGABRT) in a debug build, and cannot be caught. The extents are
/// checked before polars reads the file.
#[test]
fn a_parquet_footer_placing_data_outside_the_file_is_bad_input() {
    validate_damaged_parquet(
        "cohort.parquet",
        "the file is damaged: its footer places row group 1 at bytes 4..3323, but the file has 2757 bytes",
    );
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn the_parquet_reader_never_panics_on_mutated_files(
        file in prop::sample::select(vec!["cohort", "dream", "income"]),
        edits in edits(),
    ) {
        let name = format!("{file}.parquet");
        let whole = parquet_tiny_with(&name, &[]);
        let bytes = mutate(&std::fs::read(whole.path().join(&name)).unwrap(), &edits);
        let dir = parquet_tiny_with(&name, &bytes);
        read_everything(dir.path());
    }

    #[test]
    fn the_sas_and_stata_readers_never_panic_on_mutated_files(
        extension in prop::sample::select(vec!["sas7bdat", "dta"]),
        file in prop::sample::select(vec!["cohort", "dream", "bfl2021"]),
        edits in edits(),
    ) {
        let name = format!("{file}.{extension}");
        let bytes = mutate(&fixture(&name), &edits);
        let dir = binary_tiny_with(extension, &name, &bytes);
        read_binary(&dir.path().join(&name));
        read_everything(dir.path());
    }

    #[test]
    fn the_sas_and_stata_readers_never_panic_on_arbitrary_bytes(
        extension in prop::sample::select(vec!["sas7bdat", "dta"]),
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("x.{extension}"));
        std::fs::write(&path, &bytes).unwrap();
        read_binary(&path);
    }
}

// ---------------------------------------------------------------------------------------------
// The query parser and the expression language

/// The shipped query files' texts.
fn shipped_queries() -> Vec<String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(repo().join("queries"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Text made of the expression language's own pieces, so most of it gets past the tokenizer.
fn expression_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        prop::sample::select(vec![
            "paid_hours",
            "employment",
            "hours",
            "weeks",
            "benefit_weeks",
            "rel_month",
            "wage",
            "weeks_flexjob",
            "n_employers",
            "self_support",
            "unknown_name",
            "and",
            "or",
            "not",
            "(",
            ")",
            "==",
            "!=",
            ">=",
            "<=",
            ">",
            "<",
            "+",
            "-",
            "*",
            "/",
            "=",
            "!",
            "&&",
            "true",
            "false",
        ])
        .prop_map(String::from),
        "-?[0-9]{1,6}(\\.[0-9]{0,3})?(e[+-]?[0-9]{1,3})?",
        "\\PC{1,3}",
    ];
    prop::collection::vec(token, 0..24).prop_map(|tokens| tokens.join(" "))
}

/// The tiny dataset's panel months, built once.
fn tiny_months() -> &'static polars::prelude::DataFrame {
    static MONTHS: std::sync::OnceLock<polars::prelude::DataFrame> = std::sync::OnceLock::new();
    MONTHS.get_or_init(|| {
        let dataset = Dataset::open(&repo().join("data-samples/tiny")).unwrap();
        let loaded = load::load(&dataset, &LoadOptions::default(), &Progress::quiet()).unwrap();
        panel::build(loaded, &PanelOptions::default(), &Progress::quiet())
            .unwrap()
            .months
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn the_expression_language_never_panics(text in expression_like(), raw in "\\PC{0,80}") {
        use polars::prelude::IntoLazy;
        let known = panel::expression_columns();
        let numeric = panel::numeric_columns();
        for text in [&text, &raw] {
            // What parses is evaluated on a real panel, as a status or population would be.
            if let Ok(expr) = udfald::query::expr::parse(text, &known, &numeric) {
                let _ = tiny_months().clone().lazy().filter(expr).collect();
            }
        }
    }

    #[test]
    fn the_query_parser_never_panics(
        query in any::<Index>(),
        edits in edits(),
        raw in "\\PC{0,200}",
        expression in expression_like(),
    ) {
        let queries = shipped_queries();
        let base = &queries[query.index(queries.len())];
        let path = Path::new("queries/q.toml");
        if let Ok(text) = String::from_utf8(mutate(base.as_bytes(), &edits)) {
            let _ = udfald::query::Query::parse(path, &text);
        }
        let _ = udfald::query::Query::parse(path, &raw);
        // An expression where the query file takes one.
        let text = format!(
            "name = \"q\"\ntitle = \"t\"\nmetric = \"share_ever\"\n\
             [statuses]\ns = {expression:?}\n\
             [population]\nat_start = {expression:?}\n[params]\nstatus = \"s\"\n"
        );
        let _ = udfald::query::Query::parse(path, &text);
    }
}

// ---------------------------------------------------------------------------------------------
// The panel's invariants on random registers

/// DREAM codes of the built-in table, and a blank for a week without benefit.
const CODES: &[&str] = &[
    "", "", "", "730", "737", "733", "735", "810", "771", "890", "651", "781", "111", "412", "740",
];

/// Random registers: `persons` persons starting 2019–2021, DREAM weeks 2018-W40..2021-W30 with
/// random codes, income rows with random hours (some 0, some exactly on a threshold).
#[derive(Debug, Clone)]
struct Registers {
    /// Per person: start day (days after 2019-01-01), and a code index per week.
    persons: Vec<(u16, Vec<u8>)>,
    /// (person, month offset from 2018-10 (through 2021-06), employer, hours in hundredths)
    income: Vec<(usize, u8, u8, u32)>,
}

const FIRST_WEEK: (i32, u32) = (2018, 40);
const N_WEEKS: usize = 150;

fn registers() -> impl Strategy<Value = Registers> {
    (1usize..12).prop_flat_map(|persons| {
        (
            prop::collection::vec(
                (
                    0u16..1000,
                    prop::collection::vec(0u8..CODES.len() as u8, N_WEEKS),
                ),
                persons,
            ),
            prop::collection::vec(
                (
                    0..persons,
                    0u8..33,
                    0u8..3,
                    prop_oneof![Just(0u32), Just(100), 0u32..20_000],
                ),
                0..60,
            ),
        )
            .prop_map(|(persons, income)| Registers { persons, income })
    })
}

impl Registers {
    fn first_week() -> Week {
        Week::from_iso(FIRST_WEEK.0, FIRST_WEEK.1).unwrap()
    }

    fn start(&self, person: usize) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2019, 1, 1).unwrap()
            + chrono::Duration::days(self.persons[person].0 as i64)
    }

    fn month(offset: u8) -> Month {
        Month::new(2018, 10).unwrap().offset(offset as i32)
    }

    /// Income rows, unique by (person, month, employer): later duplicates are dropped.
    fn income_rows(&self) -> Vec<(usize, Month, u8, u32)> {
        let mut seen = std::collections::HashSet::new();
        self.income
            .iter()
            .filter(|(p, m, e, _)| seen.insert((*p, *m, *e)))
            .map(|&(p, m, e, h)| (p, Registers::month(m), e, h))
            .collect()
    }

    fn write(&self, dir: &Path) {
        let mut cohort = String::from("person_id,start_date,arm\n");
        let mut dream = String::from("pnr");
        for w in 0..N_WEEKS {
            dream.push(',');
            dream.push_str(&Registers::first_week().offset(w as i32).dream_column());
        }
        dream.push('\n');
        for (p, (_, codes)) in self.persons.iter().enumerate() {
            let arm = if p % 2 == 0 { "treatment" } else { "control" };
            cohort.push_str(&format!("Q{p},{},{arm}\n", self.start(p)));
            dream.push_str(&format!("Q{p}"));
            for &code in codes {
                dream.push(',');
                dream.push_str(CODES[code as usize]);
            }
            dream.push('\n');
        }
        let mut income = String::from("person_id,month,employer_id,hours,wage\n");
        for (p, month, employer, hours) in self.income_rows() {
            income.push_str(&format!(
                "Q{p},{month},E{employer},{}.{:02},{}\n",
                hours / 100,
                hours % 100,
                hours * 2
            ));
        }
        std::fs::write(dir.join("cohort.csv"), cohort).unwrap();
        std::fs::write(dir.join("dream.csv"), dream).unwrap();
        std::fs::write(dir.join("income.csv"), income).unwrap();
        std::fs::write(
            dir.join("dataset.toml"),
            "name = \"random\"\ncohort = \"cohort.csv\"\ndream = \"dream.csv\"\n\
             income = \"income.csv\"\nincome_through = \"2021-06\"\n",
        )
        .unwrap();
    }
}

/// A panel column (none has nulls but `wage`) as `f64`s (counts, hours) or booleans (statuses).
fn numbers(frame: &polars::prelude::DataFrame, name: &str) -> Vec<f64> {
    use polars::prelude::*;
    let column = frame
        .column(name)
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap();
    column.f64().unwrap().into_no_null_iter().collect()
}

fn flags(frame: &polars::prelude::DataFrame, name: &str) -> Vec<bool> {
    let column = frame.column(name).unwrap();
    column.bool().unwrap().iter().map(|v| v.unwrap()).collect()
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn panel_counts_fit_their_month_and_statuses_follow_their_definitions(
        registers in registers(),
        min_hours in prop_oneof![Just(1.0), Just(0.01), Just(1.5), 0.5f64..200.0],
        min_weeks in 0u32..6,
        months_before in 0u32..40,
        months_after in prop::option::of(0u32..30),
    ) {
        let dir = tempfile::tempdir().unwrap();
        registers.write(dir.path());
        let dataset = Dataset::open(dir.path()).unwrap();
        let loaded = load::load(&dataset, &LoadOptions::default(), &Progress::quiet()).unwrap();
        let codes = CodeTable::builtin();
        let weeks_matrix = loaded.weeks.clone();
        let options = PanelOptions {
            months_before,
            months_after,
            min_hours_per_employer: 0.0,
            statuses: StatusParams { min_hours, min_weeks_without_benefit: min_weeks },
        };
        let panel = panel::build(loaded, &options, &Progress::quiet()).unwrap();
        let months = &panel.months;
        let column = |name: &str| numbers(months, name);
        let (person, month, rel_month) = (column("person"), column("month"), column("rel_month"));
        let (weeks, benefit_weeks, hours) = (column("weeks"), column("benefit_weeks"), column("hours"));
        let categories: Vec<(String, Vec<f64>)> = load::CATEGORIES
            .iter()
            .map(|c| (c.to_string(), column(&format!("weeks_{c}"))))
            .collect();
        let status = |name: &str| flags(months, name);
        let (paid, employment, strict, on_benefit, self_support, flexjob, any_result) = (
            status("paid_hours"),
            status("employment"),
            status("employment_strict"),
            status("paid_hours_on_benefit"),
            status("self_support"),
            status("flexjob"),
            status("any_result"),
        );
        let income = registers.income_rows();
        for row in 0..months.height() {
            let p = person[row] as usize;
            let m = Month::from_index(month[row] as i32);
            // Rows sorted by person, then month, each month once.
            if row > 0 {
                prop_assert!((person[row - 1], month[row - 1]) < (person[row], month[row]));
            }
            let start = Month::of_date(registers.start(p));
            prop_assert_eq!(rel_month[row] as i32, m.since(start));
            prop_assert!(m.since(start) >= -(months_before as i32));
            if let Some(after) = months_after {
                prop_assert!(m.since(start) <= after as i32);
            }
            // The month's weeks by the Thursday rule, counted here from the weeks themselves.
            let own_weeks: Vec<usize> = (0..N_WEEKS)
                .filter(|&w| Month::of_date(Registers::first_week().offset(w as i32).thursday()) == m)
                .collect();
            prop_assert_eq!(weeks[row] as usize, own_weeks.len());
            prop_assert!(weeks[row] == 4.0 || weeks[row] == 5.0);
            prop_assert!(benefit_weeks[row] <= weeks[row]);
            let mut per_category = vec![0usize; load::CATEGORIES.len()];
            let mut public = 0;
            for &w in &own_weeks {
                let code = CODES[registers.persons[p].1[w] as usize];
                if let Ok(code) = code.parse::<u16>() {
                    let state = codes.state(code).unwrap();
                    per_category[state.category().unwrap()] += 1;
                    public += state.public_support() as usize;
                }
                // The loaded matrix holds the same week.
                let week = Registers::first_week().offset(w as i32);
                prop_assert_eq!(
                    weeks_matrix.get(p as u32, week).category(),
                    code.parse::<u16>().ok().and_then(|c| codes.state(c)).and_then(|s| s.category())
                );
            }
            prop_assert_eq!(benefit_weeks[row] as usize, public);
            let mut all_categories = 0.0;
            for (index, (name, counts)) in categories.iter().enumerate() {
                prop_assert!(counts[row] <= weeks[row], "weeks_{} > weeks", name);
                prop_assert_eq!(counts[row] as usize, per_category[index], "weeks_{}", name);
                all_categories += counts[row];
            }
            prop_assert!(all_categories <= weeks[row]);
            // Hours: the month's income rows, summed.
            let own_hours: u32 = income
                .iter()
                .filter(|(q, month, _, _)| *q == p && *month == m)
                .map(|(_, _, _, h)| h)
                .sum();
            prop_assert!((hours[row] - own_hours as f64 / 100.0).abs() < 1e-6);
            // The statuses' definitions (src/panel/statuses.rs, docs/metrics.md §2).
            prop_assert_eq!(paid[row], hours[row] >= min_hours);
            prop_assert_eq!(
                employment[row],
                paid[row] && weeks[row] - benefit_weeks[row] >= min_weeks as f64
            );
            prop_assert_eq!(strict[row], paid[row] && benefit_weeks[row] == 0.0);
            prop_assert_eq!(on_benefit[row], paid[row] && benefit_weeks[row] >= 1.0);
            prop_assert_eq!(self_support[row], benefit_weeks[row] == 0.0);
            let flex = categories.iter().find(|(n, _)| n == "flexjob").unwrap();
            prop_assert_eq!(flexjob[row], flex.1[row] >= 1.0);
            prop_assert!(!employment[row] || paid[row], "employment without paid_hours");
            prop_assert!(!strict[row] || employment[row] || min_weeks > weeks[row] as u32);
            prop_assert!(!employment[row] || any_result[row]);
            prop_assert!(!paid[row] || any_result[row]);
        }
    }
}
