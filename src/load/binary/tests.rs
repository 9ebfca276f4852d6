//! Reads the delivered-format fixtures (tests/fixtures/delivered, made by
//! scripts/make-delivered-fixtures from data-samples/tiny) and Stata files of each release written
//! here with the `dta` crate, asserting the values the tiny dataset holds.

use super::*;
use std::borrow::Cow;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/delivered")
        .join(name)
}

/// Every row of `path`, cells of the `wanted` columns.
fn rows_of(path: &Path, fallback: &'static Encoding, wanted: &[usize]) -> Result<Vec<Vec<Cell>>> {
    let mut file = BinaryFile::open(path, fallback)?;
    let mut rows = Vec::new();
    let count = file.for_each_row(wanted, |row, cells| {
        assert_eq!(row, rows.len() as u64 + 1, "rows come 1-based, in order");
        rows.push(cells.to_vec());
        Ok(())
    })?;
    assert_eq!(count, rows.len() as u64);
    Ok(rows)
}

fn all_rows(path: &Path) -> Vec<Vec<Cell>> {
    let file = BinaryFile::open(path, encoding_rs::UTF_8).unwrap();
    let wanted: Vec<usize> = (0..file.columns().len()).collect();
    rows_of(path, encoding_rs::UTF_8, &wanted).unwrap()
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_string())
}

/// The one problem an error holds.
fn problem(err: &anyhow::Error) -> &Problem {
    match err.downcast_ref::<DataError>() {
        Some(DataError::Invalid(problems)) => &problems.kept()[0],
        _ => panic!("expected a data problem, got {err:#}"),
    }
}

fn names(file: &BinaryFile) -> Vec<&str> {
    file.columns().iter().map(|c| c.name.as_str()).collect()
}

#[test]
fn cohort_in_both_formats_holds_register_names_dates_as_day_counts_and_utf8_text() {
    for name in ["cohort.sas7bdat", "cohort.dta"] {
        let path = fixture(name);
        let file = BinaryFile::open(&path, encoding_rs::WINDOWS_1252).unwrap();
        assert_eq!(
            names(&file),
            [
                "PNR",
                "VISDATO",
                "arm",
                "project",
                "municipality",
                "sex",
                "birth_year"
            ],
            "{name}"
        );
        let numeric: Vec<bool> = file.columns().iter().map(|c| c.numeric).collect();
        assert_eq!(numeric, [false, true, false, false, false, false, true]);
        assert_eq!(file.row_count(), 11);
        // ReadStat writes no SAS formats, and Stata's default display formats.
        let formats: Vec<&str> = file.columns().iter().map(|c| c.format.as_str()).collect();
        if name.ends_with(".dta") {
            assert_eq!(formats[..2], ["%-9S", "%12.0G"]);
        } else {
            assert!(
                formats.iter().all(|format| format.is_empty()),
                "{formats:?}"
            );
        }

        // The windows-1252 fallback is not used: the SAS file declares UTF-8, and Stata 118 is UTF-8.
        let rows = rows_of(&path, encoding_rs::WINDOWS_1252, &[0, 1, 4, 6]).unwrap();
        assert_eq!(rows.len(), 11);
        // P10 started 2019-11-04: day 21857 since 1960-01-01.
        assert_eq!(
            rows[0],
            [
                text("P10"),
                Cell::Number(21857.0),
                text("Aarhus"),
                Cell::Number(1957.0)
            ]
        );
        assert_eq!(
            rows[10],
            [
                text("P11"),
                Cell::Number(22440.0),
                text("København"),
                Cell::Number(1998.0)
            ]
        );
    }
}

#[test]
fn dream_codes_are_numbers_and_weeks_without_a_code_are_missing() {
    for name in ["dream.sas7bdat", "dream.dta"] {
        let path = fixture(name);
        let file = BinaryFile::open(&path, encoding_rs::UTF_8).unwrap();
        let columns = names(&file);
        assert_eq!(columns.len(), 55, "{name}");
        assert_eq!(columns[..3], ["PNR", "y_2027", "y_2028"]);
        assert_eq!(columns[54], "kommune_kode");
        assert!(file.columns()[1..].iter().all(|column| column.numeric));
        let rows = all_rows(&path);
        assert_eq!(rows.len(), 11);
        let p01 = &rows[0];
        assert_eq!(p01[0], text("P01"));
        assert_eq!(p01[1], Cell::Number(730.0)); // y_2027
        assert_eq!(p01[17], Cell::Number(737.0)); // y_2043
        let y_2107 = columns.iter().position(|&c| c == "y_2107").unwrap();
        assert_eq!(p01[y_2107 - 1], Cell::Number(735.0)); // y_2106
        assert_eq!(p01[y_2107], Cell::Missing);
        assert_eq!(p01[53], Cell::Missing); // y_2126
        assert_eq!(p01[54], Cell::Number(751.0));
    }
}

#[test]
fn numbers_read_in_place_are_the_cells_read_in_turn() {
    for name in ["dream.sas7bdat", "income.sas7bdat", "cohort.sas7bdat"] {
        let path = fixture(name);
        let cells = all_rows(&path);
        let mut file = BinaryFile::open(&path, encoding_rs::UTF_8).unwrap();
        assert!(file.reads_in_place());
        let wanted: Vec<usize> = (0..file.columns().len()).collect();
        let in_place: Vec<usize> = wanted
            .iter()
            .copied()
            .filter(|&c| file.columns()[c].numeric)
            .collect();
        assert!(!in_place.is_empty(), "{name}");
        let mut rows = Vec::new();
        file.for_each_row_in_place(&wanted, &in_place, |_, decoded, numbers| {
            let mut decoded = decoded.iter();
            let row: Vec<Cell> = wanted
                .iter()
                .map(|&c| match numbers.number(c) {
                    Some(Some(number)) => Cell::Number(number),
                    Some(None) => Cell::Missing,
                    None => decoded.next().expect("a decoded cell").clone(),
                })
                .collect();
            assert!(decoded.next().is_none());
            rows.push(row);
            Ok(())
        })
        .unwrap();
        assert_eq!(rows, cells, "{name}");
    }
}

#[test]
fn a_narrow_sas_number_reads_alike_in_place_and_as_a_cell() {
    // SAS keeps a number narrower than 8 bytes as its double's leading bytes.
    for number in [730.0, 1998.0, 37.5, -2.5, 0.0] {
        for width in 3..=8 {
            for endianness in [sas7bdat::Endianness::Little, sas7bdat::Endianness::Big] {
                let bytes = match endianness {
                    sas7bdat::Endianness::Little => f64::to_le_bytes(number)[8 - width..].to_vec(),
                    sas7bdat::Endianness::Big => f64::to_be_bytes(number)[..width].to_vec(),
                };
                let places = [NumberPlace { start: 0, width }];
                let in_place = InPlace::test_row(&bytes, &places, endianness).number(0);
                let cell = sas_number(&bytes, endianness);
                assert_eq!(in_place, Some(Some(number)), "{number} in {width} bytes");
                assert_eq!(cell, Cell::Number(number), "{number} in {width} bytes");
            }
        }
    }
    let missing = f64::NAN.to_le_bytes();
    let places = [NumberPlace { start: 0, width: 8 }];
    let numbers = InPlace::test_row(&missing, &places, sas7bdat::Endianness::Little);
    assert_eq!(numbers.number(0), Some(None));
    assert_eq!(numbers.number(1), None, "a column not read in place");
    assert_eq!(InPlace::NONE.number(0), None);
}

#[test]
fn only_wanted_numeric_sas_columns_are_read_in_place() {
    let mut sas = BinaryFile::open(&fixture("dream.sas7bdat"), encoding_rs::UTF_8).unwrap();
    // Column 0 is PNR, text; column 1 is not wanted.
    for (wanted, in_place) in [(&[0usize, 1][..], &[0usize][..]), (&[0, 2][..], &[1][..])] {
        let err = sas
            .for_each_row_in_place(wanted, in_place, |_, _, _| Ok(()))
            .unwrap_err();
        assert!(
            err.to_string().contains("not a wanted numeric column"),
            "{err}"
        );
    }
    let mut stata = BinaryFile::open(&fixture("dream.dta"), encoding_rs::UTF_8).unwrap();
    assert!(!stata.reads_in_place());
    let err = stata
        .for_each_row_in_place(&[1], &[1], |_, _, _| Ok(()))
        .unwrap_err();
    assert!(err.to_string().contains("only a SAS file"), "{err}");
}

#[test]
fn income_months_are_yyyymm_numbers_and_the_years_split_into_files_add_up() {
    for format in ["sas7bdat", "dta"] {
        let path = fixture(&format!("income.{format}"));
        let file = BinaryFile::open(&path, encoding_rs::UTF_8).unwrap();
        assert_eq!(
            names(&file),
            [
                "PNR",
                "AARMD",
                "AJO_ARBNR",
                "AJO_LOENTIMER",
                "AJO_SMALT_LOENBELOEB"
            ]
        );
        let whole = all_rows(&path);
        assert_eq!(whole.len(), 42);
        assert_eq!(
            whole[0],
            [
                text("P01"),
                Cell::Number(202012.0),
                text("E500"),
                Cell::Number(80.0),
                Cell::Number(14400.0)
            ]
        );
        let mut split = Vec::new();
        for (year, rows) in [("2020", 19), ("2021", 23)] {
            let path = fixture(&format!("bfl{year}.{format}"));
            assert_eq!(
                BinaryFile::open(&path, encoding_rs::UTF_8)
                    .unwrap()
                    .row_count(),
                rows
            );
            let year_rows = all_rows(&path);
            assert!(year_rows.iter().all(|row| match row[1] {
                Cell::Number(month) => (month / 100.0).floor().to_string() == year,
                _ => false,
            }));
            split.extend(year_rows);
        }
        // The tiny register's rows are by person, then month, so the years interleave.
        let key = |row: &Vec<Cell>| format!("{row:?}");
        let mut whole_sorted: Vec<String> = whole.iter().map(key).collect();
        let mut split_sorted: Vec<String> = split.iter().map(key).collect();
        whole_sorted.sort();
        split_sorted.sort();
        assert_eq!(whole_sorted, split_sorted);
    }
}

#[test]
fn wanted_columns_come_back_alone_in_the_order_asked_repeats_included() {
    for name in ["cohort.sas7bdat", "cohort.dta"] {
        let path = fixture(name);
        let rows = rows_of(&path, encoding_rs::UTF_8, &[6, 0, 6]).unwrap();
        assert_eq!(
            rows[1],
            [Cell::Number(1966.0), text("P08"), Cell::Number(1966.0)],
            "{name}"
        );
        // No columns at all still walks (and counts) every row.
        let rows = rows_of(&path, encoding_rs::UTF_8, &[]).unwrap();
        assert_eq!(rows.len(), 11);
        assert!(rows.iter().all(|row| row.is_empty()));
        // A column the file does not have is an error, not a panic.
        let mut file = BinaryFile::open(&path, encoding_rs::UTF_8).unwrap();
        let err = file.for_each_row(&[7], |_, _| Ok(())).unwrap_err();
        assert!(err.to_string().contains("column index 7"), "{err:#}");
    }
}

#[test]
fn an_error_from_visit_stops_the_walk_and_comes_back_unchanged() {
    for name in ["dream.sas7bdat", "dream.dta"] {
        let mut file = BinaryFile::open(&fixture(name), encoding_rs::UTF_8).unwrap();
        let mut seen = 0;
        let err = file
            .for_each_row(&[0], |row, _| {
                seen += 1;
                anyhow::ensure!(row < 3, "stop at row {row}");
                Ok(())
            })
            .unwrap_err();
        assert_eq!(err.to_string(), "stop at row 3");
        assert_eq!(seen, 3);
    }
}

#[test]
fn a_truncated_file_is_an_error_naming_rows_promised_and_read() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "dream.sas7bdat",
        "dream.dta",
        "cohort.sas7bdat",
        "cohort.dta",
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for cut in [1, 100, 4096] {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes[..bytes.len() - cut]).unwrap();
            let err = BinaryFile::open(&path, encoding_rs::UTF_8)
                .and_then(|mut file| file.for_each_row(&[0, 1], |_, _| Ok(())))
                .unwrap_err();
            let problem = problem(&err);
            assert_eq!(problem.file, name);
            // Cut in its rows, the file names how many it promised and read; cut before them,
            // it cannot be opened; cut after them (Stata's labels), it lacks its closing tag.
            let message = &problem.message;
            assert!(
                message.contains("promises 11 rows but only")
                    || message.contains("not a readable")
                    || message.contains("closing tag"),
                "{name} cut {cut}: {err:#}"
            );
        }
    }
    // A cut in the middle of DREAM's records: Stata reads the rows before it.
    let bytes = std::fs::read(fixture("dream.dta")).unwrap();
    let path = dir.path().join("dream.dta");
    std::fs::write(&path, &bytes[..bytes.len() - 4096]).unwrap();
    let err = rows_of(&path, encoding_rs::UTF_8, &[0]).unwrap_err();
    let problem = problem(&err);
    assert_eq!(problem.location, Location::Row(2));
    assert!(
        problem
            .message
            .starts_with("the file's header promises 11 rows but only 1 could be read"),
        "{err:#}"
    );
}

#[test]
fn garbage_named_sas_or_stata_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let garbage: Vec<u8> = (0..20_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    for name in ["junk.sas7bdat", "JUNK.DTA", "empty.dta", "empty.sas7bdat"] {
        let path = dir.path().join(name);
        let bytes = if name.starts_with("empty") {
            &[][..]
        } else {
            &garbage[..]
        };
        std::fs::write(&path, bytes).unwrap();
        let err = BinaryFile::open(&path, encoding_rs::UTF_8)
            .err()
            .unwrap_or_else(|| panic!("{name} opened"));
        let message = format!("{err:#}");
        assert!(message.contains(name), "{message}");
    }
    let path = dir.path().join("cohort.csv");
    std::fs::write(&path, "PNR\n").unwrap();
    let err = BinaryFile::open(&path, encoding_rs::UTF_8).unwrap_err();
    assert!(matches!(
        err.downcast_ref::<DataError>(),
        Some(DataError::Usage(_))
    ));
}

#[test]
fn sas_text_is_decoded_in_the_encoding_the_file_declares() {
    // The sas7bdat crate's own fixture (tests/fixtures/delivered/README.md): WINDOWS-1252, its
    // first GENDER byte 0xE9, "é"; the UTF-8 fallback must not be used for it.
    let path = fixture("people_nonascii.sas7bdat");
    let file = BinaryFile::open(&path, encoding_rs::UTF_8).unwrap();
    assert_eq!(names(&file), ["ID", "SBP", "DBP", "GENDER", "AGE", "WT"]);
    assert_eq!(file.row_count(), 5);
    let rows = rows_of(&path, encoding_rs::UTF_8, &[0, 3, 1]).unwrap();
    assert_eq!(rows[0], [text("1"), text("é"), Cell::Number(120.0)]);
    assert_eq!(rows[1], [text("2"), text("F"), Cell::Number(130.0)]);
}

#[test]
fn sas_text_not_valid_in_its_encoding_names_row_column_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(fixture("cohort.sas7bdat")).unwrap();
    let at = bytes
        .windows(3)
        .position(|w| w == "Kø".as_bytes().get(..3).unwrap())
        .unwrap();
    bytes[at + 1] = 0xFF; // "K\xFF\xB8benhavn": not UTF-8, which the file declares.
    let path = dir.path().join("cohort.sas7bdat");
    std::fs::write(&path, &bytes).unwrap();
    let err = rows_of(&path, encoding_rs::UTF_8, &[0, 4]).unwrap_err();
    let problem = problem(&err);
    assert_eq!(problem.file, "cohort.sas7bdat");
    assert_eq!(problem.location, Location::Row(11));
    assert_eq!(problem.column.as_deref(), Some("municipality"));
    assert_eq!(problem.value.as_deref(), Some("K\u{FFFD}\u{FFFD}benhavn"));
    assert!(problem
        .message
        .contains("UTF-8, the encoding the file declares"));
    // Not asked for, the column is not decoded, and the file reads.
    assert_eq!(
        rows_of(&path, encoding_rs::UTF_8, &[0, 1]).unwrap().len(),
        11
    );
}

#[test]
fn a_sas_file_declaring_no_encoding_is_read_in_the_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(fixture("cohort.sas7bdat")).unwrap();
    assert_eq!(bytes[70], 20, "ReadStat declares UTF-8 (SAS code 20)");
    bytes[70] = 0;
    let path = dir.path().join("cohort.sas7bdat");
    std::fs::write(&path, &bytes).unwrap();
    let last = |fallback| rows_of(&path, fallback, &[4]).unwrap().pop().unwrap();
    assert_eq!(last(encoding_rs::UTF_8), [text("København")]);
    // The UTF-8 bytes of "ø" read as Windows-1252.
    assert_eq!(last(encoding_rs::WINDOWS_1252), [text("KÃ¸benhavn")]);
}

/// Writes a Stata file of `release` with every storage type, a date and a datetime format, tagged
/// missing values and a long string (strL), its text in `text_encoding`.
fn write_stata(path: &Path, release: Release, text_encoding: &'static Encoding) {
    use dta::stata::dta::byte_order::ByteOrder;
    use dta::stata::dta::dta_writer::DtaWriter;
    use dta::stata::dta::long_string::LongStringContent;
    use dta::stata::dta::long_string_table::LongStringTable;
    use dta::stata::dta::variable::Variable;
    use dta::stata::missing_value::MissingValue;

    let schema = Schema::builder()
        .add_variable(Variable::builder(VariableType::FixedString(8), "PNR").format("%8s"))
        .add_variable(Variable::builder(VariableType::Long, "VISDATO").format("%td"))
        .add_variable(Variable::builder(VariableType::Byte, "kode").format("%8.0g"))
        .add_variable(Variable::builder(VariableType::Int, "aar").format("%8.0g"))
        .add_variable(Variable::builder(VariableType::Float, "timer").format("%9.0g"))
        .add_variable(Variable::builder(VariableType::Double, "tid").format("%tc"))
        .add_variable(Variable::builder(VariableType::LongString, "note").format("%9s"))
        .build()
        .unwrap();
    let header = dta::stata::dta::header::Header::builder(release, ByteOrder::LittleEndian).build();
    let mut long_strings = LongStringTable::for_writing();
    let (note, _, _) = text_encoding.encode("Ærø kommune");
    let mut note = note.into_owned();
    note.push(0);
    let note = long_strings.get_or_insert(7, 1, LongStringContent::Text(Cow::Owned(note)));
    let mut records = DtaWriter::new()
        .encoding(text_encoding)
        .from_path(path)
        .unwrap()
        .write_header(header)
        .unwrap()
        .write_schema(schema)
        .unwrap()
        .into_record_writer()
        .unwrap();
    records
        .write_record(&[
            Value::string("Ærø"),
            Value::Long(StataLong::Present(22440)),
            Value::Byte(StataByte::Present(5)),
            Value::Int(StataInt::Present(2021)),
            Value::Float(StataFloat::Present(37.5)),
            Value::Double(StataDouble::Present(1_938_758_400_000.0)),
            Value::LongStringRef(note),
        ])
        .unwrap();
    records
        .write_record(&[
            Value::string(""),
            Value::Long(StataLong::Missing(MissingValue::System)),
            Value::Byte(StataByte::Missing(MissingValue::A)),
            Value::Int(StataInt::Missing(MissingValue::Z)),
            Value::Float(StataFloat::Present(0.1)),
            Value::Double(StataDouble::Missing(MissingValue::B)),
            Value::LongStringRef(note),
        ])
        .unwrap();
    let mut long_string_writer = records.into_long_string_writer().unwrap();
    long_string_writer
        .write_long_string_table(&long_strings)
        .unwrap();
    long_string_writer
        .into_value_label_writer()
        .unwrap()
        .finish()
        .unwrap();
}

#[test]
fn stata_releases_117_to_119_read_alike_with_every_storage_type() {
    let dir = tempfile::tempdir().unwrap();
    for (release, encoding) in [
        (Release::V117, encoding_rs::WINDOWS_1252),
        (Release::V118, encoding_rs::UTF_8),
        (Release::V119, encoding_rs::UTF_8),
    ] {
        let path = dir.path().join(format!("r{release}.dta"));
        write_stata(&path, release, encoding);
        // Release 117 declares no encoding and is read in the fallback; 118+ always as UTF-8.
        let file = BinaryFile::open(&path, encoding_rs::WINDOWS_1252).unwrap();
        assert_eq!(file.row_count(), 2);
        assert_eq!(
            file.columns()[1],
            BinaryColumn {
                name: "VISDATO".into(),
                numeric: true,
                format: "%TD".into()
            }
        );
        let formats: Vec<&str> = file.columns().iter().map(|c| c.format.as_str()).collect();
        assert_eq!(
            formats,
            ["%8S", "%TD", "%8.0G", "%8.0G", "%9.0G", "%TC", "%9S"]
        );
        let numeric: Vec<bool> = file.columns().iter().map(|c| c.numeric).collect();
        assert_eq!(numeric, [false, true, true, true, true, true, false]);
        let rows = rows_of(&path, encoding_rs::WINDOWS_1252, &[0, 1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(
            rows[0],
            [
                text("Ærø"),
                Cell::Number(22440.0),
                Cell::Number(5.0),
                Cell::Number(2021.0),
                Cell::Number(37.5),
                Cell::Number(1_938_758_400_000.0),
                text("Ærø kommune"),
            ],
            "release {release}"
        );
        assert_eq!(
            rows[1],
            [
                text(""),
                Cell::Missing,
                Cell::Missing,
                Cell::Missing,
                // A float as Stata shows it, not 0.10000000149011612.
                Cell::Number(0.1),
                Cell::Missing,
                text("Ærø kommune"),
            ]
        );
    }
}

#[test]
fn stata_117_text_not_valid_in_the_fallback_suggests_windows_1252() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.dta");
    write_stata(&path, Release::V117, encoding_rs::WINDOWS_1252);
    // Without text columns the file reads under any fallback.
    assert_eq!(rows_of(&path, encoding_rs::UTF_8, &[1]).unwrap().len(), 2);
    for (wanted, column) in [(0, "PNR"), (6, "note")] {
        let err = rows_of(&path, encoding_rs::UTF_8, &[wanted]).unwrap_err();
        let problem = problem(&err);
        assert_eq!(problem.file, "old.dta");
        assert_eq!(problem.location, Location::Row(1));
        assert_eq!(problem.column.as_deref(), Some(column));
        assert!(
            problem.message.contains("encoding = \"windows-1252\""),
            "{err:#}"
        );
    }
}

#[test]
fn a_panic_in_visit_is_the_callers_and_unwinds_through() {
    let mut file = BinaryFile::open(&fixture("cohort.sas7bdat"), encoding_rs::UTF_8).unwrap();
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        file.for_each_row(&[0], |_, _| panic!("the caller's own bug"))
    }));
    let payload = caught.expect_err("the panic must not become an error value");
    assert_eq!(panic_message(&payload), "the caller's own bug");
}

#[test]
fn a_stata_header_declaring_more_columns_than_bytes_is_damaged() {
    // The crate would set aside room for every declared column before reading one.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.dta");
    write_stata(&path, Release::V119, encoding_rs::UTF_8);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.windows(3).position(|w| w == b"<K>").unwrap() + 3;
    bytes[at..at + 4].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let err = BinaryFile::open(&path, encoding_rs::UTF_8).unwrap_err();
    let problem = problem(&err);
    assert_eq!(problem.file, "wide.dta");
    assert_eq!(problem.location, Location::Header);
    assert!(
        problem.message.contains("declares 4294967280 columns"),
        "{err:#}"
    );
}

#[test]
fn sas_formats_are_written_as_sas_writes_them() {
    // ReadStat cannot write a SAS format, so the formats are checked on the crate's column
    // description: name, width and decimals, as a SAS program would show them.
    let column = |format: Option<&str>, width, digits| sas7bdat::ColumnMeta {
        index: 0,
        name: "VISDATO".into(),
        logical_type: sas7bdat::LogicalType::Float,
        physical_width: 8,
        offset: 0,
        label: None,
        format: format.map(str::to_string),
        format_width: width,
        format_digits: digits,
    };
    assert_eq!(sas_format(&column(Some("DATE"), 9, 0)), "DATE9.");
    assert_eq!(sas_format(&column(Some("yymmdd"), 10, 0)), "YYMMDD10.");
    assert_eq!(sas_format(&column(Some("DATETIME"), 20, 0)), "DATETIME20.");
    assert_eq!(sas_format(&column(Some("DATETIME"), 23, 3)), "DATETIME23.3");
    assert_eq!(sas_format(&column(Some("DATE"), 0, 0)), "DATE.");
    assert_eq!(sas_format(&column(None, 8, 2)), "8.2");
    assert_eq!(sas_format(&column(None, 0, 0)), "");
    assert_eq!(sas_format(&column(Some("  "), 0, 0)), "");
}
