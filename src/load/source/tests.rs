//! The typed path reads a SAS or Stata number exactly as the text path reads its text: the
//! readers' checks and messages must not depend on which path a cell took (decision 96).

use super::*;
use crate::load::binary::NumberPlace;

fn record(slots: &[Slot]) -> Record<'_> {
    Record {
        file: "register.sas7bdat",
        cells: Cells::Binary {
            slots,
            numbers: InPlace::NONE,
        },
        problems: &[],
    }
}

/// Numbers at every edge a code, an amount or a month can have.
const EDGES: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    5.0,
    99.0,
    701.0,
    999.0,
    1000.0,
    -1.0,
    -5.0,
    701.5,
    0.1,
    37.5,
    1e-7,
    -2.5,
    123_456.78,
    20820.0,
    202_103.0,
    999_999_999_999_999.0,
    1e15,
    1e20,
    -1e20,
    f64::MAX,
    f64::MIN_POSITIVE,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
];

#[test]
fn a_number_read_as_a_number_reads_as_its_text() {
    for &number in EDGES {
        let typed = [Slot::Number(number)];
        let text = [Slot::Text(plain_number(number))];
        let (typed, text) = (record(&typed), record(&text));
        assert_eq!(typed.text(0), text.get(0), "{number}");
        assert_eq!(typed.code(0).ok(), text.code(0).ok(), "code from {number}");
        assert_eq!(
            typed.amount(0).map(f64::to_bits),
            text.amount(0).map(f64::to_bits),
            "amount from {number}"
        );
        assert_eq!(typed.month(0), text.month(0), "month from {number}");
    }
}

#[test]
fn a_sas_number_read_in_place_reads_as_its_text() {
    let places = [NumberPlace { start: 0, width: 8 }];
    for &number in EDGES {
        for (bytes, endianness) in [
            (number.to_le_bytes(), sas7bdat::Endianness::Little),
            (number.to_be_bytes(), sas7bdat::Endianness::Big),
        ] {
            let slots = [Slot::Text(String::new())];
            let in_place = Record {
                file: "register.sas7bdat",
                cells: Cells::Binary {
                    slots: &slots,
                    numbers: InPlace::test_row(&bytes, &places, endianness),
                },
                problems: &[],
            };
            // Every NaN is SAS's missing value, an empty cell.
            let text = match number.is_nan() {
                true => [Slot::Text(String::new())],
                false => [Slot::Text(plain_number(number))],
            };
            let text = record(&text);
            assert_eq!(in_place.text(0), text.get(0), "{number}");
            assert_eq!(in_place.get(0), "", "{number}");
            assert_eq!(in_place.code(0).ok(), text.code(0).ok(), "code {number}");
            assert_eq!(
                in_place.amount(0).map(f64::to_bits),
                text.amount(0).map(f64::to_bits),
                "amount from {number}"
            );
            assert_eq!(in_place.month(0), text.month(0), "month from {number}");
        }
    }
}

#[test]
fn codes_are_whole_numbers_from_0_to_999() {
    let code = |number: f64| record(&[Slot::Number(number)]).code(0).ok();
    assert_eq!(code(0.0), Some(Some(0)));
    assert_eq!(code(-0.0), Some(Some(0)));
    assert_eq!(code(701.0), Some(Some(701)));
    assert_eq!(code(999.0), Some(Some(999)));
    for bad in [1000.0, -1.0, 701.5, 0.1, 1e20, f64::INFINITY] {
        assert_eq!(code(bad), None, "{bad}");
    }
}

#[test]
fn a_day_count_read_as_a_month_is_its_calendar_month() {
    // 20820 days after 1960-01-01 is 2017-01-01; 20850 is 2017-01-31.
    for (days, month) in [
        (20820.0, "2017-01"),
        (20850.0, "2017-01"),
        (20851.5, "2017-02"),
    ] {
        let date = day_count_date(days, false).unwrap();
        let slots = [Slot::Month(Month::of_date(date))];
        let typed = record(&slots);
        assert_eq!(typed.month(0), Month::parse(month));
        assert_eq!(typed.text(0), month);
    }
    // Seconds for a datetime column: 2017-01-01 00:00 and one second before it.
    assert_eq!(
        day_count_date(20820.0 * 86_400.0, true)
            .unwrap()
            .to_string(),
        "2017-01-01"
    );
    assert_eq!(
        day_count_date(20820.0 * 86_400.0 - 1.0, true)
            .unwrap()
            .to_string(),
        "2016-12-31"
    );
}

#[test]
fn a_day_count_outside_the_registers_years_says_what_it_would_be() {
    assert_eq!(
        day_count_date(100_000.0, false).unwrap_err(),
        "read as days since 1960-01-01 (the SAS/Stata convention) this is 2233-10-16, outside 1900–2100; if the column holds digits like 20210315, give it format = \"yyyymmdd\" (or \"yyyymm\") in [columns] of dataset.toml"
    );
    assert_eq!(
        day_count_date(1e12, false).unwrap_err(),
        "not a date read as days since 1960-01-01 (the SAS/Stata convention)"
    );
    assert_eq!(
        day_count_date(f64::INFINITY, true).unwrap_err(),
        "not a date read as seconds since 1960-01-01 (a SAS/Stata datetime)"
    );
}

#[test]
fn numbers_as_text_keep_the_rules_of_decision_57() {
    let text = |number: f64, kind: NumberKind| {
        let mut text = String::new();
        number_text(number, kind, &mut text).map(|()| text)
    };
    assert_eq!(text(651.0, NumberKind::Plain).unwrap(), "651");
    assert_eq!(text(37.5, NumberKind::Plain).unwrap(), "37.5");
    assert_eq!(text(-0.0, NumberKind::Plain).unwrap(), "0");
    assert_eq!(text(12345.0, NumberKind::Key).unwrap(), "12345");
    assert_eq!(
        text(12345.5, NumberKind::Key).unwrap_err(),
        "expected a whole number as a key (a key with decimals is no key)"
    );
    assert_eq!(
        text(22440.0, NumberKind::Date { seconds: false }).unwrap(),
        "2021-06-09"
    );
    assert_eq!(
        text(22440.0, NumberKind::Month { seconds: false }).unwrap(),
        "2021-06"
    );
    assert!(text(-25_000.0, NumberKind::Date { seconds: false })
        .unwrap_err()
        .contains("this is 1891-07-21, outside 1900–2100"));
}
