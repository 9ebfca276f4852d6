//! Files as they are delivered (spec `data-formats.md`): the tiny dataset rewritten as a
//! research server holds it (register names, dates as digits, income one file per year,
//! Windows-1252 text) gives exactly the figures of the plain tiny dataset.

use crate::harness::{repo, udfald, Workdir};

/// Queries on tiny that read every register, in CSV so the figures compare exactly.
fn figures(dataset: &std::path::Path) -> String {
    let queries = ["months-to-employment-arm", "s3-13wk", "s4-f6-bir", "s4-f11"].map(|q| {
        repo()
            .join(format!("queries/{q}.toml"))
            .display()
            .to_string()
    });
    let mut args: Vec<String> = vec!["run".into()];
    args.extend(queries);
    args.extend([
        "--data".into(),
        dataset.display().to_string(),
        "--format".into(),
        "csv".into(),
    ]);
    udfald(&args).expect_status(0).stdout
}

fn plain_tiny() -> String {
    figures(&repo().join("data-samples/tiny"))
}

#[test]
fn windows_1252_text_is_read_when_declared_and_refused_with_a_hint_when_not() {
    let work = Workdir::with_sample("tiny");
    let text = work.read("cohort.csv");
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(bytes.contains(&0xF8), "København's ø as one byte");
    std::fs::write(work.file("cohort.csv"), &bytes).unwrap();
    work.run(&["validate"]).expect_status(1).stderr_has(&[
        "cohort.csv, line 12, column municipality: text is not valid UTF-8; if the file was written on Windows, declare encoding = \"windows-1252\" in dataset.toml",
    ]);
    work.append("dataset.toml", "encoding = \"windows-1252\"\n");
    assert_eq!(figures(work.path()), plain_tiny());
}

/// Tiny as a research server delivers it: register names, start dates as yyyymmdd, income
/// months as yyyymm and one income file per year.
fn delivered_tiny() -> Workdir {
    let work = Workdir::with_sample("tiny");
    let cohort = work.read("cohort.csv");
    let mut lines = cohort.lines();
    let mut out = String::from("PNR,VISDATO,arm,project,municipality,sex,birth_year\n");
    lines.next();
    for line in lines {
        let (id, rest) = line.split_once(',').unwrap();
        let (date, rest) = rest.split_once(',').unwrap();
        out.push_str(&format!("{id},{},{rest}\n", date.replace('-', "")));
    }
    work.write("cohort.csv", &out);
    let dream = work.read("dream.csv");
    work.write("dream.csv", &dream.replacen("pnr,", "PNR,", 1));
    let income = work.read("income.csv");
    let header = "PNR,AARMD,AJO_ARBNR,AJO_LOENTIMER,AJO_SMALT_LOENBELOEB\n";
    for year in ["2020", "2021"] {
        let rows: String = income
            .lines()
            .skip(1)
            .filter(|line| line.split(',').nth(1).unwrap().starts_with(year))
            .map(|line| {
                let mut cells: Vec<String> = line.split(',').map(String::from).collect();
                cells[1] = cells[1].replace('-', "");
                format!("{}\n", cells.join(","))
            })
            .collect();
        work.write(&format!("bfl{year}.csv"), &format!("{header}{rows}"));
    }
    std::fs::remove_file(work.file("income.csv")).unwrap();
    work.replace(
        "dataset.toml",
        "income = \"income.csv\"",
        "income = \"bfl20*.csv\"",
    );
    work.append(
        "dataset.toml",
        r#"
[columns.cohort]
person_id = "PNR"
start_date = { name = "VISDATO", format = "yyyymmdd" }

[columns.dream]
person_id = "PNR"

[columns.income]
person_id = "PNR"
month = { name = "AARMD", format = "yyyymm" }
employer_id = "AJO_ARBNR"
hours = "AJO_LOENTIMER"
wage = "AJO_SMALT_LOENBELOEB"
"#,
    );
    work
}

#[test]
fn register_names_digit_dates_and_income_per_year_give_the_same_figures() {
    let work = delivered_tiny();
    assert_eq!(figures(work.path()), plain_tiny());
    // The files of a glob are read in sorted order; a list names them the same way.
    work.replace(
        "dataset.toml",
        "income = \"bfl20*.csv\"",
        "income = [\"bfl2020.csv\", \"bfl2021.csv\"]",
    );
    assert_eq!(figures(work.path()), plain_tiny());
    // validate says how each year's file met the cohort: 2020 holds P01, P04-P07 and P10, and
    // P91, who is in no cohort; 2021 holds eight cohort persons.
    work.run(&["validate"]).expect_status(0).stdout_has(&[
        "          keys: 8 cohort persons matched, 1 key(s) matched no cohort person (e.g. \"P91\")\n            bfl2020.csv: keys: 6 cohort persons matched, 1 key(s) matched no cohort person (e.g. \"P91\")\n            bfl2021.csv: keys: 8 cohort persons matched, 0 key(s) matched no cohort person\n",
    ]);
}

#[test]
fn problems_in_delivered_files_name_the_file_and_its_own_column() {
    let work = delivered_tiny();
    // A month that is not yyyymm, in the second year's file.
    work.replace("bfl2021.csv", "P01,202101,", "P01,2021-1,");
    work.run(&["validate"]).expect_status(1).stderr_has(&[
        "bfl2021.csv, line 2, column AARMD, value \"2021-1\": expected a date written as yyyymm (the column's format in dataset.toml)",
    ]);
}

#[test]
fn a_mapped_name_the_file_lacks_and_files_that_disagree_are_refused() {
    let work = delivered_tiny();
    work.replace(
        "dataset.toml",
        "hours = \"AJO_LOENTIMER\"",
        "hours = \"LOENTIMER\"",
    );
    work.run(&["validate"]).expect_status(1).stderr_has(&[
        "bfl2020.csv, header, column LOENTIMER: [columns.income] key hours names column \"LOENTIMER\", which the file does not have (columns: PNR, AARMD, AJO_ARBNR, AJO_LOENTIMER, AJO_SMALT_LOENBELOEB)",
    ]);
    let work = delivered_tiny();
    let second = work.read("bfl2021.csv");
    work.write("bfl2021.csv", &second.replacen("AJO_ARBNR", "ARBNR", 1));
    work.run(&["validate"]).expect_status(1).stderr_has(&[
        "bfl2021.csv, header: its columns (PNR, AARMD, ARBNR, AJO_LOENTIMER, AJO_SMALT_LOENBELOEB) differ from those of bfl2020.csv (PNR, AARMD, AJO_ARBNR, AJO_LOENTIMER, AJO_SMALT_LOENBELOEB): the files of income are read as one table and must agree",
    ]);
    let work = delivered_tiny();
    work.replace(
        "dataset.toml",
        "income = \"bfl20*.csv\"",
        "income = \"bfl19*.csv\"",
    );
    work.run(&["validate"])
        .expect_status(2)
        .stderr_has(&["key income: pattern \"bfl19*.csv\" matches no file in"]);
    let work = Workdir::with_sample("tiny");
    work.append("dataset.toml", "encoding = \"ebcdic\"\n");
    work.run(&["validate"]).expect_status(2).stderr_has(&[
        "key encoding: \"ebcdic\" is not an encoding udfald reads: \"utf-8\" (the default) or \"windows-1252\" (\"latin1\" is read as windows-1252)",
    ]);
}

/// A dataset folder holding tiny's SAS or Stata twins (`tests/fixtures/delivered/`, made by
/// `scripts/make-delivered-fixtures`): register names, day-count start dates, numeric codes and
/// yyyymm months, income one file per year.
pub(crate) fn binary_tiny(extension: &str) -> Workdir {
    let work = Workdir::empty();
    let fixtures = repo().join("tests/fixtures/delivered");
    for name in ["cohort", "dream", "bfl2020", "bfl2021"] {
        let file = format!("{name}.{extension}");
        std::fs::copy(fixtures.join(&file), work.file(&file)).unwrap();
    }
    work.write(
        "dataset.toml",
        &format!(
            r#"name = "tiny"
cohort = "cohort.{extension}"
dream = "dream.{extension}"
income = "bfl20*.{extension}"
income_through = "2021-05"

[columns.cohort]
person_id = "PNR"
start_date = "VISDATO"

[columns.dream]
person_id = "PNR"

[columns.income]
person_id = "PNR"
month = {{ name = "AARMD", format = "yyyymm" }}
employer_id = "AJO_ARBNR"
hours = "AJO_LOENTIMER"
wage = "AJO_SMALT_LOENBELOEB"
"#
        ),
    );
    work
}

#[test]
fn sas_and_stata_twins_of_tiny_give_its_figures() {
    let plain = plain_tiny();
    for extension in ["sas7bdat", "dta"] {
        let work = binary_tiny(extension);
        assert_eq!(figures(work.path()), plain, "{extension}");
    }
}

#[test]
fn a_sas_or_stata_file_cut_short_is_bad_input() {
    for extension in ["sas7bdat", "dta"] {
        let work = binary_tiny(extension);
        let bytes = std::fs::read(work.file(&format!("bfl2021.{extension}"))).unwrap();
        std::fs::write(
            work.file(&format!("bfl2021.{extension}")),
            &bytes[..bytes.len() * 2 / 3],
        )
        .unwrap();
        let run = work.run(&["validate"]).expect_status(1);
        run.stderr_has(&[&format!("bfl2021.{extension}")]);
    }
}

#[test]
fn a_person_in_two_cohort_files_is_a_duplicate_naming_both_files() {
    let work = Workdir::with_sample("tiny");
    let cohort = work.read("cohort.csv");
    let mut lines = cohort.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    // The second file repeats the first file's last person (on its line 7).
    work.write(
        "cohort1.csv",
        &format!("{header}\n{}\n", rows[..6].join("\n")),
    );
    work.write(
        "cohort2.csv",
        &format!("{header}\n{}\n{}\n", rows[5], rows[6..].join("\n")),
    );
    std::fs::remove_file(work.file("cohort.csv")).unwrap();
    work.replace(
        "dataset.toml",
        "cohort = \"cohort.csv\"",
        "cohort = \"cohort*.csv\"",
    );
    let key = rows[5].split(',').next().unwrap();
    work.run(&["validate"]).expect_status(1).stderr_has(&[&format!(
        "cohort2.csv, line 2, column person_id, value \"{key}\": duplicate person key: already on line 7 of cohort1.csv"
    )]);
}

/// A cell of a Stata file written by [`write_stata`].
#[derive(Clone, Copy)]
enum Stata {
    Text(&'static str),
    Number(f64),
    Missing,
}

/// Writes a Stata 118 file: a column holding any text as a string, the others as doubles (dates
/// and months as day counts, format `%td`), as a register extract stores them.
fn write_stata(path: &std::path::Path, names: &[&str], rows: &[Vec<Stata>]) {
    use dta::stata::dta::byte_order::ByteOrder;
    use dta::stata::dta::dta_writer::DtaWriter;
    use dta::stata::dta::header::Header;
    use dta::stata::dta::long_string_table::LongStringTable;
    use dta::stata::dta::release::Release;
    use dta::stata::dta::schema::Schema;
    use dta::stata::dta::value::Value;
    use dta::stata::dta::variable::Variable;
    use dta::stata::dta::variable_type::VariableType;
    use dta::stata::missing_value::MissingValue;
    use dta::stata::stata_double::StataDouble;

    let text = |c: usize| rows.iter().any(|row| matches!(row[c], Stata::Text(_)));
    let mut schema = Schema::builder();
    for (c, name) in names.iter().enumerate() {
        schema = schema.add_variable(if text(c) {
            Variable::builder(VariableType::FixedString(8), *name).format("%8s")
        } else if name.ends_with("date") || *name == "month" {
            Variable::builder(VariableType::Double, *name).format("%td")
        } else {
            Variable::builder(VariableType::Double, *name).format("%10.0g")
        });
    }
    let header = Header::builder(Release::V118, ByteOrder::LittleEndian).build();
    let mut records = DtaWriter::new()
        .from_path(path)
        .unwrap()
        .write_header(header)
        .unwrap()
        .write_schema(schema.build().unwrap())
        .unwrap()
        .into_record_writer()
        .unwrap();
    for row in rows {
        let values: Vec<Value> = row
            .iter()
            .map(|cell| match *cell {
                Stata::Text(text) => Value::string(text),
                Stata::Number(number) => Value::Double(StataDouble::Present(number)),
                Stata::Missing => Value::Double(StataDouble::Missing(MissingValue::System)),
            })
            .collect();
        records.write_record(&values).unwrap();
    }
    let mut long_strings = records.into_long_string_writer().unwrap();
    long_strings
        .write_long_string_table(&LongStringTable::for_writing())
        .unwrap();
    long_strings
        .into_value_label_writer()
        .unwrap()
        .finish()
        .unwrap();
}

/// Days since 1960-01-01, as SAS and Stata store a date.
fn day_count(date: &str) -> f64 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap();
    (date.parse::<chrono::NaiveDate>().unwrap() - epoch).num_days() as f64
}

/// Numbers that are no code, month or amount are refused as their text is (decision 96): the
/// message names the file, row, column and the number as the spec's text.
#[test]
fn numbers_in_a_stata_file_that_are_no_code_month_or_amount_name_row_column_and_value() {
    use Stata::{Missing, Number, Text};
    let work = Workdir::empty();
    let start = Number(day_count("2020-02-03"));
    write_stata(
        &work.file("cohort.dta"),
        &["person_id", "start_date"],
        &[vec![Text("P1"), start], vec![Text("P2"), start]],
    );
    let weeks: Vec<String> = (1..=9).map(|week| format!("y_20{week:02}")).collect();
    let mut names = vec!["pnr"];
    names.extend(weeks.iter().map(String::as_str));
    let mut fine = vec![Text("P1")];
    fine.extend([Number(701.0); 4]);
    fine.extend([Missing; 5]);
    let bad = vec![
        Text("P2"),
        Number(-0.0),
        Number(999.0),
        Number(701.5),
        Number(-5.0),
        Number(1000.0),
        Missing,
        Missing,
        Missing,
        Missing,
    ];
    write_stata(&work.file("dream.dta"), &names, &[fine, bad]);
    let job = |person, month, hours: f64| {
        vec![
            Text(person),
            month,
            Text("E1"),
            Number(hours),
            Number(25_000.0),
        ]
    };
    write_stata(
        &work.file("income.dta"),
        &["person_id", "month", "employer_id", "hours", "wage"],
        &[
            job("P1", Missing, 160.0),
            job("P1", Number(100_000.0), 160.0),
            job("P1", Number(day_count("2020-03-01")), 160.0),
            job("P2", Number(day_count("2020-01-31")), -2.5),
            job("P2", Number(day_count("2020-02-01")), -0.0),
        ],
    );
    work.write(
        "dataset.toml",
        "name = \"edges\"\ncohort = \"cohort.dta\"\ndream = \"dream.dta\"\nincome = \"income.dta\"\nincome_through = \"2020-02\"\n",
    );
    let run = work.run(&["validate"]).expect_status(1);
    run.stderr_has(&[
        "dream.dta, row 2, column y_2003, value \"701.5\": expected a DREAM code (a number of at most 3 digits) or an empty cell",
        "dream.dta, row 2, column y_2004, value \"-5\": expected a DREAM code",
        "dream.dta, row 2, column y_2005, value \"1000\": expected a DREAM code",
        "income.dta, row 1, column month, value \"\": expected a month YYYY-MM",
        "income.dta, row 2, column month, value \"100000\": read as days since 1960-01-01 (the SAS/Stata convention) this is 2233-10-16, outside 1900–2100; if the column holds digits like 20210315, give it format = \"yyyymmdd\" (or \"yyyymm\") in [columns] of dataset.toml",
        "income.dta, row 2, column month, value \"100000\": expected a month YYYY-MM",
        "income.dta, row 3, column month, value \"2020-03\": month outside coverage: the manifest says the register covers months through 2020-02 (income_through)",
        "income.dta, row 4, column hours, value \"-2.5\": expected paid hours as a number >= 0",
    ]);
    // -0.0 and 999 are a code, and -0.0 hours are none: nothing else is refused.
    assert_eq!(
        run.stderr.matches("dream.dta, row").count()
            + run.stderr.matches("income.dta, row").count(),
        8,
        "{}",
        run.stderr
    );
}

/// Tiny with its own code table `codes.EXTENSION`, copied from `tests/fixtures/delivered/`: the
/// built-in table with 111 counted as sickness and 651 as public support, code and flag stored as
/// numbers in the SAS and Stata files (made by `scripts/make-delivered-fixtures`).
fn tiny_with_codes(extension: &str) -> Workdir {
    let work = Workdir::with_sample("tiny");
    let file = format!("codes.{extension}");
    std::fs::copy(
        repo().join("tests/fixtures/delivered").join(&file),
        work.file(&file),
    )
    .unwrap();
    work.append("dataset.toml", &format!("codes = \"{file}\"\n"));
    work
}

/// The code table is a role like the others (spec `data-formats.md`: every role is read from
/// `.sas7bdat` and `.dta`): a SAS or Stata table gives the figures of its CSV twin, and those are
/// not the built-in table's, so the table was read and used.
#[test]
fn a_code_table_in_sas_or_stata_gives_the_figures_of_its_csv_twin() {
    let csv = figures(tiny_with_codes("csv").path());
    assert_ne!(csv, plain_tiny(), "111 as sickness changes tiny's figures");
    for extension in ["sas7bdat", "dta"] {
        let work = tiny_with_codes(extension);
        assert_eq!(figures(work.path()), csv, "{extension}");
        work.run(&["validate"])
            .expect_status(0)
            .stdout_has(&[&format!("  codes   codes.{extension}: 134 codes")]);
    }
}

/// A bad row of a Stata code table is refused as in a CSV one, naming the row, the column and
/// the value as text (a numeric code with decimals is no code).
#[test]
fn bad_rows_of_a_stata_code_table_name_row_column_and_value() {
    use Stata::{Missing, Number, Text};
    let work = Workdir::with_sample("tiny");
    write_stata(
        &work.file("codes.dta"),
        &["code", "category", "public_support"],
        &[
            vec![Number(890.0), Text("sickness"), Missing],
            vec![Number(651.5), Text("sickness"), Missing],
            vec![Number(890.0), Text("flexjob"), Missing],
            vec![Number(881.0), Text("sick"), Missing],
            vec![Number(893.0), Text("sickness"), Number(2.0)],
            vec![Number(894.0), Text("sickness"), Number(0.0)],
        ],
    );
    work.append("dataset.toml", "codes = \"codes.dta\"\n");
    let run = work.run(&["validate"]).expect_status(1);
    run.stderr_has(&[
        "codes.dta, row 2, column code, value \"651.5\": expected a DREAM code (a number of at most 3 digits)",
        "codes.dta, row 3, column code, value \"890\": code 890 appears twice (first on row 1); a code may appear once",
        "codes.dta, row 4, column category, value \"sick\": unknown category",
        "codes.dta, row 5, column public_support, value \"2\": expected true, false or empty (the category's default)",
    ]);
    assert_eq!(
        run.stderr.matches("codes.dta, row").count(),
        4,
        "{}",
        run.stderr
    );
}
