//! One way to walk the rows of a CSV or Parquet file, so that every reader validates cells with the
//! same code whatever the format, and every problem can name its line (CSV) or row (Parquet).
//!
//! CSV is streamed record by record (the csv crate), so a wide DREAM file is never held as strings.
//! Parquet is read with polars and walked in slices whose cells are cast to text one slice at a
//! time, which keeps the text copy small.

use super::binary::{BinaryFile, Cell, InPlace};
use super::codes::{parse_code, NotACode};
use super::income::parse_amount;
use crate::calendar::Month;
use crate::dataset::{DataFile, DateDigits, Format, Source};
use crate::error::{DataError, Location, Problem};
use crate::progress::Progress;
use anyhow::{Context, Result};
use polars::prelude::*;
use std::borrow::Cow;
use std::fmt::Write as _;

/// Bytes that are not UTF-8 where UTF-8 is declared: every byte sequence is valid Windows-1252,
/// the usual encoding of files written on Danish Windows machines, so the hint always applies.
const NOT_UTF8: &str = "text is not valid UTF-8; if the file was written on Windows, declare encoding = \"windows-1252\" in dataset.toml";

/// Rows per Parquet slice cast to text at a time.
const PARQUET_SLICE: usize = 65_536;

/// A row of a table, whatever its format, with the file it is in.
pub struct Record<'a> {
    file: &'a str,
    cells: Cells<'a>,
    problems: &'a [Problem],
}

enum Cells<'a> {
    Csv(&'a csv::StringRecord),
    Columns {
        columns: &'a [StringChunked],
        row: usize,
    },
    /// Cells decoded or converted (another encoding, a date held as digits).
    Owned(&'a [String]),
    /// A SAS or Stata row, one slot a column of the file, but for the numbers a SAS row holds
    /// where the reader reads them (their slots stay empty text).
    Binary {
        slots: &'a [Slot],
        numbers: InPlace<'a>,
    },
}

/// A cell of a SAS or Stata row as a reader takes it. A number a reader reads as a number stays
/// one: turning 86 million DREAM codes into text only to parse them again was most of the time
/// reading these formats took (`docs/performance.md`).
#[derive(Debug, Clone)]
enum Slot {
    /// Text, or a number in the spec's text form (a key, a date, any column read as text).
    Text(String),
    /// A number read through [`Record::code`] or [`Record::amount`].
    Number(f64),
    /// A day count read through [`Record::month`].
    Month(Month),
}

impl Slot {
    /// The slot's text buffer, emptied, keeping its allocation from the row before.
    fn text_buffer(&mut self) -> &mut String {
        if !matches!(self, Slot::Text(_)) {
            *self = Slot::Text(String::new());
        }
        let Slot::Text(text) = self else {
            unreachable!("made text above")
        };
        text.clear();
        text
    }
}

impl Record<'_> {
    /// The cell of column `index`, as text ("" for an empty or null cell).
    pub fn get(&self, index: usize) -> &str {
        match &self.cells {
            Cells::Csv(record) => record.get(index).unwrap_or(""),
            Cells::Columns { columns, row } => columns[index].get(*row).unwrap_or(""),
            Cells::Owned(cells) => cells.get(index).map_or("", |c| c.as_str()),
            // A reader reads a column it declared as numbers through the typed accessors only.
            Cells::Binary { slots, .. } => match slots.get(index) {
                Some(Slot::Text(text)) => text,
                _ => "",
            },
        }
    }

    /// The cell of column `index` as text, also where a reader reads it as a number: what a
    /// problem names as the value.
    pub fn text(&self, index: usize) -> Cow<'_, str> {
        if let Some(Some(number)) = self.in_place(index) {
            return Cow::Owned(plain_number(number));
        }
        match &self.cells {
            Cells::Binary { slots, .. } => match slots.get(index) {
                Some(Slot::Number(number)) => Cow::Owned(plain_number(*number)),
                Some(Slot::Month(month)) => Cow::Owned(month.to_string()),
                _ => Cow::Borrowed(self.get(index)),
            },
            _ => Cow::Borrowed(self.get(index)),
        }
    }

    /// The cell of column `index` as a DREAM code, as [`parse_code`] reads its text.
    pub fn code(&self, index: usize) -> Result<Option<u16>, NotACode> {
        match self.number(index) {
            // The text of a number is its digits when whole, else has a point, sign or exponent:
            // a code is a whole number from 0 to 999. Tested as the number equal to its integer
            // part, which is cheaper than `trunc` (`is_integral`) on a DREAM file's every cell.
            // A NaN or infinity casts to something it does not equal.
            Some(number) => match number as i64 {
                code @ 0..=999 if code as f64 == number => Ok(Some(code as u16)),
                _ => Err(NotACode),
            },
            None => parse_code(&self.text(index)),
        }
    }

    /// The cell of column `index` as an amount (hours, a wage): a non-negative finite number,
    /// as [`parse_amount`] reads its text.
    pub fn amount(&self, index: usize) -> Option<f64> {
        match self.number(index) {
            // Text drops the sign of -0.0 ("0"), so this does too.
            Some(number) => (number.is_finite() && number >= 0.0).then_some(number + 0.0),
            None => parse_amount(&self.text(index)),
        }
    }

    /// The cell of column `index` as a month `YYYY-MM` (or a day count in a SAS or Stata file).
    pub fn month(&self, index: usize) -> Option<Month> {
        match &self.cells {
            Cells::Binary { slots, .. } => match slots.get(index) {
                Some(Slot::Month(month)) => Some(*month),
                _ => Month::parse(&self.text(index)),
            },
            _ => Month::parse(self.get(index)),
        }
    }

    /// The cell of column `index` when it holds a number read as a number (`None` for a
    /// missing one, which reads as an empty cell).
    #[inline]
    fn number(&self, index: usize) -> Option<f64> {
        match &self.cells {
            Cells::Binary { slots, numbers } => match numbers.number(index) {
                Some(number) => number,
                None => match slots.get(index) {
                    Some(Slot::Number(number)) => Some(*number),
                    _ => None,
                },
            },
            _ => None,
        }
    }

    /// The number in column `index` where a SAS row holds it, when it is read in place.
    fn in_place(&self, index: usize) -> Option<Option<f64>> {
        match &self.cells {
            Cells::Binary { numbers, .. } => numbers.number(index),
            _ => None,
        }
    }

    /// The file the row is in, as the manifest names it.
    pub fn file(&self) -> &str {
        self.file
    }

    /// Problems found in converting the row's cells (a date held as digits that is none): the
    /// reader counts them with its own.
    pub fn problems(&self) -> Vec<Problem> {
        self.problems.to_vec()
    }
}

/// An opened table, the files of one role read in order as one: its header is known, its rows
/// not yet read.
pub struct Table {
    /// The first file: header problems name it (every file has the same columns).
    pub file: DataFile,
    pub source: Source,
    /// Column names as the files spell them: every problem names these.
    pub headers: Vec<String>,
    /// Column names as the spec knows them: `headers` with `[columns.<role>]` applied.
    pub names: Vec<String>,
    /// Where reading its rows is counted (no bar unless [`Table::reporting`] says).
    progress: Progress,
}

/// What a reader reads of a table. CSV and Parquet are read as text whatever it says; a SAS or
/// Stata file decodes only what is read or can be bad input on its own, and hands the columns
/// read as numbers over without text in between (decision 96).
#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// Columns read with [`Record::get`] or [`Record::text`].
    pub text: Vec<usize>,
    /// Columns read with [`Record::code`], [`Record::amount`] or [`Record::month`].
    pub numbers: Vec<usize>,
}

impl Reading {
    fn reads(&self, c: usize) -> bool {
        self.text.contains(&c) || self.numbers.contains(&c)
    }
}

impl Table {
    pub fn open(source: &Source) -> Result<Table> {
        let mut headers: Option<Vec<String>> = None;
        for file in &source.files {
            let own = file_headers(file, source.encoding)?;
            let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
            for name in &own {
                if !seen.insert(name.as_str()) {
                    return Err(header_problem(
                        file,
                        name,
                        "the column name appears twice".into(),
                    ));
                }
            }
            match &headers {
                None => headers = Some(own),
                Some(first) if *first != own => {
                    return Err(header_problem(
                        file,
                        "",
                        format!(
                            "its columns ({}) differ from those of {} ({}): the files of {} are read as one table and must agree",
                            own.join(", "),
                            source.files[0].name,
                            first.join(", "),
                            source.role
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
        let headers = headers.unwrap_or_default();
        let first = source.files[0].clone();
        // Every mapped name must be in the files.
        for mapped in &source.columns {
            if !headers.contains(&mapped.file) {
                return Err(header_problem(
                    &first,
                    &mapped.file,
                    format!(
                        "[columns.{}] key {} names column {:?}, which the file does not have (columns: {})",
                        source.role,
                        mapped.spec,
                        mapped.file,
                        headers.join(", ")
                    ),
                ));
            }
        }
        let names = headers
            .iter()
            .map(|header| {
                source
                    .columns
                    .iter()
                    .find(|c| c.file == *header)
                    .map_or(header.clone(), |c| c.spec.clone())
            })
            .collect();
        Ok(Table {
            file: first,
            source: source.clone(),
            headers,
            names,
            progress: Progress::default(),
        })
    }

    /// The table, counting the rows [`Table::for_each_row`] reads on `progress`.
    pub fn reporting(self, progress: &Progress) -> Table {
        Table {
            progress: progress.clone(),
            ..self
        }
    }

    /// How a number in column `c` of a SAS or Stata file becomes the spec's text: a date where the
    /// spec reads one (unless the mapping says it is held as digits), a key where it reads a key.
    fn number_kind(&self, c: usize, format: &str) -> NumberKind {
        let spec = self.names[c].as_str();
        let digits = self
            .source
            .columns
            .iter()
            .any(|m| m.spec == spec && m.digits.is_some());
        let seconds = format.starts_with("DATETIME") || format.starts_with("%TC");
        match (self.source.role, spec) {
            _ if digits => NumberKind::Plain,
            ("cohort", "start_date" | "end_date") => NumberKind::Date { seconds },
            ("income", "month") => NumberKind::Month { seconds },
            (_, "person_id" | "pnr" | "employer_id") => NumberKind::Key,
            _ => NumberKind::Plain,
        }
    }

    /// The index of the file `name` (as a record names it) among the table's files.
    /// The names of the role's files, in reading order.
    pub fn file_names(&self) -> Vec<String> {
        self.source.files.iter().map(|f| f.name.clone()).collect()
    }

    pub fn file_index(&self, name: &str) -> u16 {
        match self.source.files.len() {
            1 => 0,
            _ => self
                .source
                .files
                .iter()
                .position(|f| f.name == name)
                .unwrap_or(0) as u16,
        }
    }

    /// The index of the column the spec calls `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The index of the first of `names` present, or a problem naming them all.
    pub fn require_column(&self, names: &[&str]) -> Result<usize, Problem> {
        names
            .iter()
            .find_map(|name| self.column(name))
            .ok_or_else(|| {
                let expected: Vec<&str> = names
                    .iter()
                    .map(|name| self.source.file_column(name))
                    .collect();
                Problem::new(
                    &self.file.name,
                    Location::Header,
                    format!(
                        "required column missing: expected {} (columns present: {})",
                        expected.join(" or "),
                        self.headers.join(", ")
                    ),
                )
            })
    }

    /// Calls `visit` for every row, file by file in order, with every column read as text, and
    /// returns the number of rows. Each file's rows are counted on the table's progress.
    pub fn for_each_row(
        &self,
        visit: impl FnMut(Location, &Record<'_>) -> Result<()>,
    ) -> Result<u64> {
        self.for_each_row_reading(None, visit)
    }

    /// [`Table::for_each_row`] for a reader that reads only the columns `reading` names, some of
    /// them as numbers.
    pub fn for_each_row_reading(
        &self,
        reading: Option<&Reading>,
        mut visit: impl FnMut(Location, &Record<'_>) -> Result<()>,
    ) -> Result<u64> {
        let converted: Vec<(usize, DateDigits)> = self
            .source
            .columns
            .iter()
            .filter_map(|c| Some((self.headers.iter().position(|h| *h == c.file)?, c.digits?)))
            .collect();
        let mut rows = 0;
        for file in &self.source.files {
            let mut read = self.progress.rows(format!("reading {}", file.name), None);
            rows += self.file_rows(file, reading, &converted, &mut |location, record| {
                read.tick();
                visit(location, record)
            })?;
        }
        Ok(rows)
    }

    fn file_rows(
        &self,
        file: &DataFile,
        reading: Option<&Reading>,
        converted: &[(usize, DateDigits)],
        visit: &mut impl FnMut(Location, &Record<'_>) -> Result<()>,
    ) -> Result<u64> {
        let utf8 = self.source.encoding == encoding_rs::UTF_8;
        let mut owned: Vec<String> = Vec::new();
        let mut problems: Vec<Problem> = Vec::new();
        // Cells as text, converted where the mapping says a date is held as digits.
        let convert =
            |location: &Location, cells: &mut Vec<String>, problems: &mut Vec<Problem>| {
                problems.clear();
                for &(c, digits) in converted {
                    if let Some(cell) = cells.get_mut(c) {
                        match from_digits(cell, digits) {
                            Ok(text) => *cell = text,
                            Err(message) => problems.push(
                                Problem::new(&file.name, location.clone(), message)
                                    .column(&self.headers[c])
                                    .value(cell.as_str()),
                            ),
                        }
                    }
                }
            };
        match file.format {
            Format::Csv if utf8 && converted.is_empty() => {
                let mut reader = csv_reader(file)?;
                let mut record = csv::StringRecord::new();
                let (mut rows, mut last_line) = (0, 1);
                loop {
                    match reader.read_record(&mut record) {
                        Ok(false) => break,
                        Ok(true) => {}
                        Err(err) => return Err(csv_problem_in(file, &self.headers, err)),
                    }
                    rows += 1;
                    let line = record.position().map(|p| p.line()).unwrap_or(rows + 1);
                    last_line = line;
                    let row = Record {
                        file: &file.name,
                        cells: Cells::Csv(&record),
                        problems: &[],
                    };
                    visit(Location::Line(line), &row)?;
                }
                check_complete(file, last_line)?;
                Ok(rows)
            }
            Format::Csv => {
                let mut reader = csv_reader(file)?;
                let mut record = csv::ByteRecord::new();
                let (mut rows, mut last_line) = (0, 1);
                loop {
                    match reader.read_byte_record(&mut record) {
                        Ok(false) => break,
                        Ok(true) => {}
                        Err(err) => return Err(csv_problem(file, err)),
                    }
                    rows += 1;
                    let line = record.position().map(|p| p.line()).unwrap_or(rows + 1);
                    last_line = line;
                    let location = Location::Line(line);
                    owned.clear();
                    for (c, bytes) in record.iter().enumerate() {
                        owned.push(decode(
                            file,
                            &location,
                            &self.headers,
                            c,
                            bytes,
                            self.source.encoding,
                        )?);
                    }
                    convert(&location, &mut owned, &mut problems);
                    let row = Record {
                        file: &file.name,
                        cells: Cells::Owned(&owned),
                        problems: &problems,
                    };
                    visit(location, &row)?;
                }
                check_complete(file, last_line)?;
                Ok(rows)
            }
            Format::Sas | Format::Stata => self.binary_rows(file, reading, converted, visit),
            Format::Parquet => {
                let frame = parquet_guarded(file, || {
                    scan_parquet(file)?
                        .collect()
                        .map_err(|err| polars_error(file, err))
                })?;
                let mut offset = 0;
                while offset < frame.height() {
                    let slice = frame.slice(offset as i64, PARQUET_SLICE);
                    let columns = parquet_guarded(file, || {
                        slice
                            .columns()
                            .iter()
                            .map(|column| {
                                let text = column
                                    .as_materialized_series()
                                    .cast(&DataType::String)
                                    .map_err(|err| polars_error(file, err))?;
                                Ok(text.str().expect("cast to text").rechunk().into_owned())
                            })
                            .collect::<Result<Vec<StringChunked>>>()
                    })?;
                    for row in 0..slice.height() {
                        let location = Location::Row((offset + row + 1) as u64);
                        let cells = Cells::Columns {
                            columns: &columns,
                            row,
                        };
                        if converted.is_empty() {
                            let record = Record {
                                file: &file.name,
                                cells,
                                problems: &[],
                            };
                            visit(location, &record)?;
                            continue;
                        }
                        let text = Record {
                            file: &file.name,
                            cells,
                            problems: &[],
                        };
                        owned.clear();
                        owned.extend((0..columns.len()).map(|c| text.get(c).to_string()));
                        convert(&location, &mut owned, &mut problems);
                        let record = Record {
                            file: &file.name,
                            cells: Cells::Owned(&owned),
                            problems: &problems,
                        };
                        visit(location, &record)?;
                    }
                    offset += slice.height();
                }
                Ok(frame.height() as u64)
            }
        }
    }
}

impl Table {
    fn binary_rows(
        &self,
        file: &DataFile,
        reading: Option<&Reading>,
        converted: &[(usize, DateDigits)],
        visit: &mut impl FnMut(Location, &Record<'_>) -> Result<()>,
    ) -> Result<u64> {
        let mut binary = BinaryFile::open(&file.path, self.source.encoding)?;
        let columns = binary.columns().to_vec();
        let kinds: Vec<NumberKind> = columns
            .iter()
            .enumerate()
            .map(|(c, column)| self.number_kind(c, &column.format))
            .collect();
        let held_as_digits = |c: usize| converted.iter().any(|&(d, _)| d == c);
        // A column nobody reads is still decoded when its cells can be bad input on their own:
        // text must be valid in its encoding, keys and dates must convert. Only numbers that
        // convert to any text whatever they hold are skipped, so a file is refused as before.
        let wanted: Vec<usize> = (0..columns.len())
            .filter(|&c| {
                reading.is_none_or(|reading| {
                    reading.reads(c)
                        || !columns[c].numeric
                        || kinds[c] != NumberKind::Plain
                        || held_as_digits(c)
                })
            })
            .collect();
        let as_number: Vec<bool> = (0..columns.len())
            .map(|c| {
                reading.is_some_and(|reading| reading.numbers.contains(&c)) && !held_as_digits(c)
            })
            .collect();
        // A SAS number a reader reads as a plain number (a DREAM code, hours, a wage) is read
        // where the row holds it, when the reader asks: no copy into a cell and a slot first.
        let in_place: Vec<usize> = if binary.reads_in_place() {
            wanted
                .iter()
                .copied()
                .filter(|&c| columns[c].numeric && as_number[c] && kinds[c] == NumberKind::Plain)
                .collect()
        } else {
            Vec::new()
        };
        let decoded: Vec<usize> = wanted
            .iter()
            .copied()
            .filter(|c| !in_place.contains(c))
            .collect();
        let mut slots: Vec<Slot> = vec![Slot::Text(String::new()); columns.len()];
        let mut problems: Vec<Problem> = Vec::new();
        binary.for_each_row_in_place(&wanted, &in_place, |row, cells, numbers| {
            let location = Location::Row(row);
            problems.clear();
            for (cell, &c) in cells.iter().zip(&decoded) {
                let slot = &mut slots[c];
                let number = match cell {
                    Cell::Missing => {
                        slot.text_buffer();
                        continue;
                    }
                    Cell::Text(text) => {
                        slot.text_buffer().push_str(text.trim());
                        continue;
                    }
                    Cell::Number(number) => *number,
                };
                let converted = match (as_number[c], kinds[c]) {
                    (true, NumberKind::Plain) => {
                        *slot = Slot::Number(number);
                        continue;
                    }
                    (true, NumberKind::Month { seconds }) => {
                        day_count_date(number, seconds).map(|date| {
                            *slot = Slot::Month(Month::of_date(date));
                        })
                    }
                    (_, kind) => number_text(number, kind, slot.text_buffer()),
                };
                if let Err(message) = converted {
                    problems.push(
                        Problem::new(&file.name, location.clone(), message)
                            .column(&self.headers[c])
                            .value(number.to_string()),
                    );
                    let text = slot.text_buffer();
                    write!(text, "{number}").expect("writing to a String");
                }
            }
            for &(c, digits) in converted {
                if let Some(Slot::Text(cell)) = slots.get_mut(c) {
                    match from_digits(cell, digits) {
                        Ok(text) => *cell = text,
                        Err(message) => problems.push(
                            Problem::new(&file.name, location.clone(), message)
                                .column(&self.headers[c])
                                .value(cell.as_str()),
                        ),
                    }
                }
            }
            let record = Record {
                file: &file.name,
                cells: Cells::Binary {
                    slots: &slots,
                    numbers,
                },
                problems: &problems,
            };
            visit(location, &record)
        })
    }
}

/// A file's own column names.
fn file_headers(file: &DataFile, encoding: &'static encoding_rs::Encoding) -> Result<Vec<String>> {
    Ok(match file.format {
        Format::Csv => {
            let mut reader = csv_reader(file)?;
            let header = reader
                .byte_headers()
                .map_err(|err| csv_problem(file, err))?
                .clone();
            header
                .iter()
                .enumerate()
                .map(|(c, bytes)| {
                    decode(file, &Location::Header, &[], c, bytes, encoding)
                        .map(|name| name.trim().to_string())
                })
                .collect::<Result<Vec<String>>>()?
        }
        Format::Parquet => parquet_guarded(file, || {
            check_parquet_extents(file)?;
            scan_parquet(file)?
                .collect_schema()
                .map_err(|err| polars_error(file, err))
        })?
        .iter_names()
        .map(|name| name.to_string())
        .collect(),
        Format::Sas | Format::Stata => BinaryFile::open(&file.path, encoding)?
            .columns()
            .iter()
            .map(|column| column.name.trim().to_string())
            .collect(),
    })
}

/// A cell's bytes as text in the source's encoding. Bytes that are not UTF-8, where UTF-8 is
/// declared, are bad input naming the cell, and the message suggests Windows-1252, the usual
/// encoding of files written on Danish Windows machines (every byte is valid there).
fn decode(
    file: &DataFile,
    location: &Location,
    headers: &[String],
    column: usize,
    bytes: &[u8],
    encoding: &'static encoding_rs::Encoding,
) -> Result<String> {
    if encoding == encoding_rs::UTF_8 {
        return match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_string()),
            Err(_) => Err(DataError::Invalid(one_problem(
                Problem::new(&file.name, location.clone(), NOT_UTF8)
                    .column(headers.get(column).map_or("", |h| h.as_str()))
                    .value(String::from_utf8_lossy(bytes).into_owned()),
            ))
            .into()),
        };
    }
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    Ok(text.into_owned())
}

/// What a number in a SAS or Stata column stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberKind {
    /// A count of days (or, with a datetime format, seconds) since 1960-01-01.
    Date { seconds: bool },
    /// Such a date, read as its month.
    Month { seconds: bool },
    /// A person or employer key: its integer digits.
    Key,
    /// Anything else (a code, hours, a year): its digits, without a `.0`.
    Plain,
}

/// Whether a number's text is its digits: whole, and small enough to print without an exponent.
fn is_integral(number: f64) -> bool {
    number.fract() == 0.0 && number.abs() < 1e15
}

/// A number read as plain text: `651.0` is `651`, `37.5` stays `37.5`.
fn plain_number(number: f64) -> String {
    let mut text = String::new();
    number_text(number, NumberKind::Plain, &mut text).expect("plain numbers always convert");
    text
}

/// The date a day count (or, with `seconds`, a count of seconds) since 1960-01-01 stands for, the
/// SAS/Stata convention, or why it stands for none a register can hold.
fn day_count_date(number: f64, seconds: bool) -> Result<chrono::NaiveDate, String> {
    let days = if seconds { number / 86_400.0 } else { number };
    let rule = if seconds {
        "seconds since 1960-01-01 (a SAS/Stata datetime)"
    } else {
        "days since 1960-01-01 (the SAS/Stata convention)"
    };
    let epoch = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).expect("a date");
    let date = (days.is_finite() && days.abs() < 1e7)
        .then(|| epoch.checked_add_signed(chrono::Duration::days(days.floor() as i64)))
        .flatten();
    match date {
        Some(date) if (1900..=2100).contains(&chrono::Datelike::year(&date)) => Ok(date),
        Some(date) => Err(format!(
            "read as {rule} this is {date}, outside 1900–2100; if the column holds digits like 20210315, give it format = \"yyyymmdd\" (or \"yyyymm\") in [columns] of dataset.toml"
        )),
        None => Err(format!("not a date read as {rule}")),
    }
}

/// A number from a SAS or Stata file as the spec's text, written into `text`: `651.0` is `651`, a
/// day count is its date (SAS and Stata count days from 1960-01-01), `37.5` stays `37.5`.
fn number_text(number: f64, kind: NumberKind, text: &mut String) -> Result<(), String> {
    use chrono::Datelike;
    let written = match kind {
        NumberKind::Date { seconds } => {
            let date = day_count_date(number, seconds)?;
            write!(
                text,
                "{:04}-{:02}-{:02}",
                date.year(),
                date.month(),
                date.day()
            )
        }
        NumberKind::Month { seconds } => {
            let date = day_count_date(number, seconds)?;
            write!(text, "{:04}-{:02}", date.year(), date.month())
        }
        NumberKind::Key if !is_integral(number) => {
            return Err("expected a whole number as a key (a key with decimals is no key)".into())
        }
        _ if is_integral(number) => write!(text, "{}", number as i64),
        _ => write!(text, "{number}"),
    };
    written.expect("writing to a String");
    Ok(())
}

/// A date or month held as digits (`20210315`, `202103`, also as a number `20210315.0`) in the
/// spec's text form (`2021-03-15`, `2021-03`); an empty cell stays empty.
fn from_digits(cell: &str, digits: DateDigits) -> Result<String, String> {
    let text = cell.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    let text = text.strip_suffix(".0").unwrap_or(text);
    let (width, rule) = match digits {
        DateDigits::Yyyymmdd => (8, "yyyymmdd"),
        DateDigits::Yyyymm => (6, "yyyymm"),
    };
    let fail =
        || format!("expected a date written as {rule} (the column's format in dataset.toml)");
    if text.len() != width || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail());
    }
    let year: i32 = text[..4].parse().map_err(|_| fail())?;
    if !(1900..=2100).contains(&year) {
        return Err(format!(
            "year {year} outside 1900–2100 when read as {rule} (the column's format in dataset.toml)"
        ));
    }
    Ok(match digits {
        DateDigits::Yyyymmdd => format!("{}-{}-{}", &text[..4], &text[4..6], &text[6..]),
        DateDigits::Yyyymm => format!("{}-{}", &text[..4], &text[4..]),
    })
}

/// A problem with a file's header, as an error.
fn header_problem(file: &DataFile, column: &str, message: String) -> anyhow::Error {
    let mut problem = Problem::new(&file.name, Location::Header, message);
    if !column.is_empty() {
        problem = problem.column(column);
    }
    DataError::Invalid(one_problem(problem)).into()
}

/// A CSV file must end with a line break: one that does not was most likely cut short while
/// copied, and its last line's last value with it (`1998` read as `19`), which no check of the
/// value can tell. `last_line` is the last line read, named in the problem.
fn check_complete(file: &DataFile, last_line: u64) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut handle = std::fs::File::open(&file.path)
        .with_context(|| format!("cannot open {}", file.path.display()))?;
    let length = handle
        .seek(SeekFrom::End(0))
        .with_context(|| format!("cannot read {}", file.path.display()))?;
    if length == 0 {
        return Ok(());
    }
    let mut last = [0u8];
    handle
        .seek(SeekFrom::End(-1))
        .and_then(|_| handle.read_exact(&mut last))
        .with_context(|| format!("cannot read {}", file.path.display()))?;
    if last[0] == b'\n' {
        return Ok(());
    }
    Err(DataError::Invalid(one_problem(Problem::new(
        &file.name,
        Location::Line(last_line),
        "the file ends inside this line, without a line break: the file looks cut short (a truncated copy), and this line's last value with it; copy the file again, or end it with a line break if the line is complete",
    )))
    .into())
}

fn csv_reader(file: &DataFile) -> Result<csv::Reader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .buffer_capacity(1 << 20)
        .from_path(&file.path)
        .with_context(|| format!("cannot open {}", file.path.display()))
}

fn scan_parquet(file: &DataFile) -> Result<LazyFrame> {
    let path = file.path.to_string_lossy().to_string();
    LazyFrame::scan_parquet(PlRefPath::new(path), ScanArgsParquet::default())
        .map_err(|err| polars_error(file, err))
}

/// Runs a polars read of a Parquet file, turning a panic inside polars into a problem naming the
/// file, as `binary.rs` does for SAS and Stata: a damaged file's metadata can make polars panic
/// (a mutated footer did, in the property tests: `tests/fixtures/damaged/`).
fn parquet_guarded<T>(file: &DataFile, read: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|payload| {
        let message = format!(
            "the file is damaged: its reader failed ({})",
            super::binary::panic_message(&payload)
        );
        Err(DataError::Invalid(one_problem(Problem::new(
            &file.name,
            Location::File,
            message,
        )))
        .into())
    })
}

/// Refuses a Parquet file whose footer places data outside the file. Polars slices the file by
/// these ranges without checking them (`polars-stream` 0.55, `row_group_data_fetch.rs`: undefined
/// behaviour, an abort in a debug build), so they are checked here, before any scan: the property
/// tests found a one-byte change that did it.
fn check_parquet_extents(file: &DataFile) -> Result<()> {
    let opened = std::fs::File::open(&file.path)
        .with_context(|| format!("cannot open {}", file.path.display()))?;
    let size = opened.metadata()?.len();
    let metadata = ParquetReader::new(opened)
        .get_metadata()
        .map_err(|err| polars_error(file, err))?
        .clone();
    for (index, group) in metadata.row_groups.iter().enumerate() {
        let ranges = std::iter::once(group.full_byte_range()).chain(group.byte_ranges_iter());
        for range in ranges {
            if range.start > range.end || range.end > size {
                let message = format!(
                    "the file is damaged: its footer places row group {} at bytes {}..{}, but the file has {size} bytes",
                    index + 1,
                    range.start,
                    range.end
                );
                return Err(DataError::Invalid(one_problem(Problem::new(
                    &file.name,
                    Location::File,
                    message,
                )))
                .into());
            }
        }
    }
    Ok(())
}

fn one_problem(problem: Problem) -> crate::error::Problems {
    let mut problems = crate::error::Problems::default();
    problems.push(problem);
    problems
}

/// A malformed CSV row as a located problem, naming the column where the error has one (text
/// that is not UTF-8).
fn csv_problem_in(file: &DataFile, headers: &[String], err: csv::Error) -> anyhow::Error {
    if let csv::ErrorKind::Utf8 {
        pos: Some(pos),
        err: utf8,
    } = err.kind()
    {
        let problem = Problem::new(&file.name, Location::Line(pos.line()), NOT_UTF8)
            .column(headers.get(utf8.field()).map_or("", |h| h.as_str()));
        return DataError::Invalid(one_problem(problem)).into();
    }
    csv_problem(file, err)
}

/// A malformed CSV file (wrong field count, bad UTF-8, unreadable) as a located problem.
fn csv_problem(file: &DataFile, err: csv::Error) -> anyhow::Error {
    let line = err.position().map(|p| p.line());
    let message = match err.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields as in the header, found {len}"),
        csv::ErrorKind::Utf8 { .. } => NOT_UTF8.to_string(),
        _ => err.to_string(),
    };
    let location = line.map(Location::Line).unwrap_or(Location::File);
    DataError::Invalid(one_problem(Problem::new(&file.name, location, message))).into()
}

/// A polars failure on a file, without the raw debug dump.
pub fn polars_error(file: &DataFile, err: PolarsError) -> anyhow::Error {
    anyhow::anyhow!("cannot read {}: {err}", file.path.display())
}

#[cfg(test)]
mod tests;
