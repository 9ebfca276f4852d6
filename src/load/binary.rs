//! SAS (`.sas7bdat`) and Stata (`.dta`) files as a stream of typed cells, for the loaders to
//! convert and validate cell by cell exactly as they do CSV (spec `data-formats.md`, "Files as they
//! are delivered"). This module only reads: it says what the file holds (a number, a text, a
//! missing value) and leaves what a cell means (a code, an id, a date) to the loaders.
//!
//! Both formats are streamed: a SAS file through the `sas7bdat` crate (page by page with plain
//! reads, decoding only the columns asked for, and numbers a reader reads as plain numbers only
//! when it reads them: [`InPlace`]), a Stata file through the `dta` crate one record at a time. A malformed
//! file is a problem naming the file, never a panic: a panic inside either crate is caught and
//! reported as a damaged file.

use crate::error::{DataError, Location, Problem, Problems};
use anyhow::{Context, Result};
use encoding_rs::Encoding;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::ops::ControlFlow;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use dta::stata::dta::characteristic_reader::CharacteristicReader;
use dta::stata::dta::dta_error::DtaError;
use dta::stata::dta::dta_reader::DtaReader;
use dta::stata::dta::header::Header;
use dta::stata::dta::release::Release;
use dta::stata::dta::schema::Schema;
use dta::stata::dta::value::Value;
use dta::stata::dta::variable_type::VariableType;
use dta::stata::stata_byte::StataByte;
use dta::stata::stata_double::StataDouble;
use dta::stata::stata_float::StataFloat;
use dta::stata::stata_int::StataInt;
use dta::stata::stata_long::StataLong;

/// What is called with each row: its number (1-based), the decoded cells, the numbers read in
/// place.
type VisitRow<'a> = dyn FnMut(u64, &[Cell], InPlace<'_>) -> Result<()> + 'a;

/// A cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// SAS `.` (and special missings), Stata `.`/`.a`–`.z`. An empty string is `Text("")`.
    Missing,
    Number(f64),
    Text(String),
}

/// A column as the file declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct BinaryColumn {
    pub name: String,
    /// True for a numeric column (SAS numeric, any Stata numeric type).
    pub numeric: bool,
    /// The display format as declared, upper-cased, e.g. "DATE9.", "YYMMDD10.", "DATETIME20.",
    /// "%TD", "%TC", "" when none.
    pub format: String,
}

/// An opened SAS or Stata file: its columns are known, its rows not yet read.
pub struct BinaryFile {
    path: PathBuf,
    /// The file's name as the user gave it, for problems.
    name: String,
    columns: Vec<BinaryColumn>,
    rows: u64,
    kind: Kind,
}

impl std::fmt::Debug for BinaryFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BinaryFile")
            .field("path", &self.path)
            .field("columns", &self.columns.len())
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

enum Kind {
    Sas(SasFile),
    Stata(StataFile),
}

struct SasFile {
    dataset: sas7bdat::Dataset,
    text: Text,
}

/// Where a wanted column's cells sit in a SAS row.
struct SasPlace {
    start: usize,
    end: usize,
    numeric: bool,
    /// Read where it sits when a reader asks ([`InPlace`]), not copied into a [`Cell`].
    in_place: bool,
}

/// Where a number read in place sits in a SAS row: `width` bytes from `start`, 0 for a column
/// that is not read in place.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NumberPlace {
    pub(crate) start: usize,
    pub(crate) width: usize,
}

/// The numbers of one row that are read where they sit in the row's bytes, decoded only when a
/// reader asks for one (a SAS DREAM row is some 300 codes: copying each into a [`Cell`] and then
/// into the reader's slot was most of the time a SAS DREAM file took, `docs/performance.md`).
/// A number is decoded exactly as [`BinaryFile::for_each_row`] decodes it into a [`Cell`].
#[derive(Clone, Copy)]
pub struct InPlace<'a> {
    bytes: &'a [u8],
    /// By column index; columns past its end are not read in place.
    places: &'a [NumberPlace],
    endianness: sas7bdat::Endianness,
}

impl InPlace<'static> {
    /// No column read in place (a Stata file, a CSV or Parquet row).
    pub const NONE: InPlace<'static> = InPlace {
        bytes: &[],
        places: &[],
        endianness: sas7bdat::Endianness::Little,
    };
}

impl<'a> InPlace<'a> {
    /// A row of `bytes` whose column `c` is read in place at `places[c]`, for tests.
    #[cfg(test)]
    pub(crate) fn test_row(
        bytes: &'a [u8],
        places: &'a [NumberPlace],
        endianness: sas7bdat::Endianness,
    ) -> InPlace<'a> {
        InPlace {
            bytes,
            places,
            endianness,
        }
    }

    /// The number in column `column`: `None` when the column is not read in place, `Some(None)`
    /// for a missing value.
    #[inline]
    pub fn number(&self, column: usize) -> Option<Option<f64>> {
        let place = self.places.get(column)?;
        if place.width == 0 {
            return None;
        }
        // The row's length was checked against every place before the row was handed over, so
        // this always finds the bytes; a short row would be missing values, never a panic.
        let bytes = self.bytes.get(place.start..place.start + place.width)?;
        Some(sas_number_value(bytes, self.endianness))
    }
}

/// A SAS numeric cell: an IEEE double in the file's byte order, of which a column narrower than 8
/// bytes keeps only the leading (most significant) bytes. Every missing value (`.`, `._`,
/// `.A`–`.Z`) is a NaN.
fn sas_number(bytes: &[u8], endianness: sas7bdat::Endianness) -> Cell {
    match sas_number_value(bytes, endianness) {
        Some(number) => Cell::Number(number),
        None => Cell::Missing,
    }
}

/// [`sas_number`] as a number, `None` for a missing value. `bytes` is at most 8 long (checked
/// when the file's columns are placed).
#[inline]
fn sas_number_value(bytes: &[u8], endianness: sas7bdat::Endianness) -> Option<f64> {
    let bits = match (bytes.len(), endianness) {
        (0, _) => return None,
        // The usual width, without the copy into a word.
        (8, sas7bdat::Endianness::Little) => u64::from_le_bytes(bytes.try_into().ok()?),
        (8, sas7bdat::Endianness::Big) => u64::from_be_bytes(bytes.try_into().ok()?),
        (width, sas7bdat::Endianness::Little) => {
            let mut word = [0u8; 8];
            word[8usize.checked_sub(width)?..].copy_from_slice(bytes);
            u64::from_le_bytes(word)
        }
        (width, sas7bdat::Endianness::Big) => {
            let mut word = [0u8; 8];
            word.get_mut(..width)?.copy_from_slice(bytes);
            u64::from_be_bytes(word)
        }
    };
    let number = f64::from_bits(bits);
    (!number.is_nan()).then_some(number)
}

struct StataFile {
    /// The encoding given to the reader: UTF-8 for release 118 and later, `fallback` before.
    encoding: &'static Encoding,
    text: Text,
    types: Vec<VariableType>,
    /// Release 117 or later: XML-like sections, and a closing tag at the end of the file.
    xml: bool,
}

/// How a file's text is decoded, and what to say when a cell's bytes are not valid in it.
struct Text {
    /// `None` when a SAS file declares an encoding `encoding_rs` does not know: ASCII text is
    /// still read (every such encoding agrees on ASCII), anything else is a problem.
    encoding: Option<&'static Encoding>,
    /// The encoding's name, as the file declares it or as the fallback is called.
    name: String,
    /// Whether the encoding is the caller's fallback (the file declares none): only then can the
    /// dataset's `encoding` setting change it, and a problem suggest so.
    fallback: bool,
}

impl Text {
    fn new(encoding: &'static Encoding, fallback: bool) -> Text {
        Text {
            encoding: Some(encoding),
            name: encoding.name().to_string(),
            fallback,
        }
    }

    /// The text `bytes` hold, or what is wrong with them, in words.
    fn decode<'a>(&self, bytes: &'a [u8]) -> Result<Cow<'a, str>, String> {
        let decoded = match self.encoding {
            Some(encoding) => encoding.decode_without_bom_handling_and_without_replacement(bytes),
            None if bytes.is_ascii() => std::str::from_utf8(bytes).ok().map(Cow::Borrowed),
            None => {
                return Err(format!(
                    "the file declares its text as {}, which udfald cannot decode (only ASCII text can be read); save the file as UTF-8 or Windows-1252",
                    self.name
                ))
            }
        };
        decoded.ok_or_else(|| self.not_valid())
    }

    /// What is wrong with bytes that are not valid in the encoding, with the setting that would
    /// read them when the setting is what chose the encoding.
    fn not_valid(&self) -> String {
        if self.fallback && self.name.eq_ignore_ascii_case("UTF-8") {
            "the text is not valid UTF-8; if the file is in Windows-1252, set encoding = \"windows-1252\""
                .to_string()
        } else if self.fallback {
            format!(
                "the text is not valid {} (the dataset's encoding setting)",
                self.name
            )
        } else {
            format!(
                "the text is not valid {}, the encoding the file declares",
                self.name
            )
        }
    }
}

impl BinaryFile {
    /// Opens `path` by its extension (.sas7bdat or .dta, case-insensitive). `fallback` is the
    /// encoding for character data when the file declares none (SAS files declare one; use it;
    /// Stata 118+ is UTF-8 by definition; Stata 117 and older has no declaration: use `fallback`).
    pub fn open(path: &Path, fallback: &'static Encoding) -> Result<BinaryFile> {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let extension = path
            .extension()
            .map(|extension| extension.to_string_lossy().to_ascii_lowercase());
        // Opened here first so that a missing or unreadable file is an I/O error with the path,
        // as for CSV, and not a "damaged file" problem.
        File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let file = match extension.as_deref() {
            Some("sas7bdat") => open_sas(path, name, fallback)?,
            Some("dta") => open_stata(path, name, fallback)?,
            _ => {
                return Err(DataError::Usage(format!(
                    "{name}: not a SAS (.sas7bdat) or Stata (.dta) file"
                ))
                .into())
            }
        };
        file.check_names()?;
        Ok(file)
    }

    pub fn columns(&self) -> &[BinaryColumn] {
        &self.columns
    }

    /// Rows the file's header promises (for SAS, without the rows it marks deleted, which no
    /// reader delivers).
    pub fn row_count(&self) -> u64 {
        self.rows
    }

    /// Calls `visit(row, cells)` for every row in file order, `row` 1-based, with `cells[i]` the
    /// cell of column `wanted[i]`; only those columns need decoding. Returns the number of rows read.
    /// A file holding fewer rows than its header promises (truncated) is an error naming the row
    /// count promised and found. Text that is not valid in its encoding is an error naming the
    /// row and column.
    pub fn for_each_row(
        &mut self,
        wanted: &[usize],
        mut visit: impl FnMut(u64, &[Cell]) -> Result<()>,
    ) -> Result<u64> {
        self.for_each_row_in_place(wanted, &[], |row, cells, _| visit(row, cells))
    }

    /// Whether [`BinaryFile::for_each_row_in_place`] can read numbers in place (a SAS file).
    pub fn reads_in_place(&self) -> bool {
        matches!(self.kind, Kind::Sas(_))
    }

    /// [`BinaryFile::for_each_row`] where the numeric columns `in_place` (of `wanted`) are not
    /// decoded into cells but read from the row's bytes when the caller asks ([`InPlace`]):
    /// `cells` holds the other wanted columns, in order. Only a SAS file reads in place
    /// ([`BinaryFile::reads_in_place`]). A row is checked as in `for_each_row`, every wanted
    /// column in order, so the same file gives the same problem either way.
    pub fn for_each_row_in_place(
        &mut self,
        wanted: &[usize],
        in_place: &[usize],
        mut visit: impl FnMut(u64, &[Cell], InPlace<'_>) -> Result<()>,
    ) -> Result<u64> {
        if let Some(&index) = wanted.iter().find(|&&index| index >= self.columns.len()) {
            anyhow::bail!(
                "{}: column index {index} asked for, but the file has {} columns",
                self.name,
                self.columns.len()
            );
        }
        if let Some(&index) = in_place
            .iter()
            .find(|&&index| !wanted.contains(&index) || !self.columns[index].numeric)
        {
            anyhow::bail!(
                "{}: column {index} asked for in place, but it is not a wanted numeric column",
                self.name
            );
        }
        if !in_place.is_empty() && !self.reads_in_place() {
            anyhow::bail!("{}: only a SAS file reads numbers in place", self.name);
        }
        let eager = wanted.iter().filter(|c| !in_place.contains(c)).count();
        let mut cells = vec![Cell::Missing; eager];
        // A panic in the caller's `visit` is the caller's and must go on unwinding; only one from
        // inside a crate means a damaged file. This records which side the unwinding started on.
        let mut in_visit = false;
        let mut counted = |row: u64, cells: &[Cell], numbers: InPlace<'_>| {
            in_visit = true;
            let outcome = visit(row, cells, numbers);
            in_visit = false;
            outcome
        };
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| match &self.kind {
            Kind::Sas(sas) => self.sas_rows(sas, wanted, in_place, &mut cells, &mut counted),
            Kind::Stata(stata) => self.stata_rows(stata, wanted, &mut cells, &mut |row, cells| {
                counted(row, cells, InPlace::NONE)
            }),
        }));
        match outcome {
            Ok(result) => result,
            Err(payload) if in_visit => panic::resume_unwind(payload),
            Err(payload) => Err(self.problem(
                Location::File,
                format!(
                    "the file is damaged: its reader failed ({})",
                    panic_message(&payload)
                ),
            )),
        }
    }

    fn sas_rows(
        &self,
        sas: &SasFile,
        wanted: &[usize],
        in_place: &[usize],
        cells: &mut [Cell],
        visit: &mut VisitRow<'_>,
    ) -> Result<u64> {
        let dataset = &sas.dataset;
        let endianness = dataset.metadata().endianness;
        let places: Vec<SasPlace> = wanted
            .iter()
            .map(|&index| {
                let column = &dataset.columns()[index];
                let place = SasPlace {
                    start: column.offset as usize,
                    end: column.offset as usize + column.physical_width as usize,
                    numeric: column.logical_type.is_numeric(),
                    in_place: in_place.contains(&index),
                };
                // A SAS number is a double cut to 3–8 bytes; a wider one is no number.
                if place.numeric && place.end - place.start > 8 {
                    return Err(self.problem(
                        Location::Header,
                        format!(
                            "the file is damaged: numeric column {} is {} bytes wide (at most 8)",
                            column.name, column.physical_width
                        ),
                    ));
                }
                Ok(place)
            })
            .collect::<Result<_>>()?;
        // The columns decoded into cells, with the index of each.
        let eager: Vec<(&SasPlace, usize)> = places
            .iter()
            .zip(wanted.iter().copied())
            .filter(|(place, _)| !place.in_place)
            .collect();
        let mut numbers = vec![NumberPlace::default(); self.columns.len()];
        for (place, &index) in places.iter().zip(wanted) {
            if place.in_place {
                numbers[index] = NumberPlace {
                    start: place.start,
                    width: place.end - place.start,
                };
            }
        }
        // A row at least this long holds every wanted cell: checked once a row instead of once a
        // cell.
        let needed = places.iter().map(|place| place.end).max().unwrap_or(0);
        // The crate finds the rows (page types, compression, deleted rows) and hands over each
        // row's bytes; a cell is read here at the offset and width the file declares. Its own
        // row decoding builds two vectors of every cell a row, which was a third of the time a
        // DREAM file took (`docs/performance.md`). Text is decoded here so a bad byte can name
        // its row and column (the crate's strict mode names neither).
        let mut row = 0u64;
        let mut failure: Option<anyhow::Error> = None;
        let scanned = dataset
            .scan()
            .with_parallelism(sas7bdat::Parallelism::None)
            .visit_raw_rows(|raw| {
                row += 1;
                let read = if raw.bytes.len() >= needed {
                    self.sas_cells(sas, &eager, raw.bytes, cells, row)
                } else {
                    self.short_sas_row(sas, &places, wanted, raw.bytes, cells, row)
                };
                if let Err(err) = read {
                    failure = Some(err);
                    return Ok(ControlFlow::Break(()));
                }
                let numbers = InPlace {
                    bytes: raw.bytes,
                    places: &numbers,
                    endianness,
                };
                match visit(row, cells, numbers) {
                    Ok(()) => Ok(ControlFlow::Continue(())),
                    Err(err) => {
                        failure = Some(err);
                        Ok(ControlFlow::Break(()))
                    }
                }
            });
        if let Some(err) = failure {
            return Err(err);
        }
        if let Err(err) = scanned {
            return Err(self.cut_short(row, &err.to_string()));
        }
        if row != self.rows {
            return Err(self.cut_short(row, ""));
        }
        Ok(row)
    }

    /// Decodes the cells of the columns not read in place from a row that holds every wanted
    /// column.
    fn sas_cells(
        &self,
        sas: &SasFile,
        eager: &[(&SasPlace, usize)],
        bytes: &[u8],
        cells: &mut [Cell],
        row: u64,
    ) -> Result<()> {
        for (cell, &(place, index)) in cells.iter_mut().zip(eager) {
            let bytes = bytes.get(place.start..place.end).unwrap_or_default();
            self.sas_cell(sas, place, bytes, cell, row, index)?;
        }
        Ok(())
    }

    /// Puts one SAS cell's value, from its bytes, into `cell`.
    fn sas_cell(
        &self,
        sas: &SasFile,
        place: &SasPlace,
        bytes: &[u8],
        cell: &mut Cell,
        row: u64,
        index: usize,
    ) -> Result<()> {
        if place.numeric {
            *cell = sas_number(bytes, sas.dataset.metadata().endianness);
            Ok(())
        } else {
            self.sas_text(&sas.text, bytes, cell, row, index)
        }
    }

    /// A row shorter than its wanted columns (a damaged file): the first problem in column
    /// order, a cell that cannot be read or the first column the row does not reach, as when
    /// every cell was read in turn.
    fn short_sas_row(
        &self,
        sas: &SasFile,
        places: &[SasPlace],
        wanted: &[usize],
        bytes: &[u8],
        cells: &mut [Cell],
        row: u64,
    ) -> Result<()> {
        let mut cells = cells.iter_mut();
        for (place, &index) in places.iter().zip(wanted) {
            let Some(bytes) = bytes.get(place.start..place.end) else {
                return Err(self.problem_at(
                    row,
                    index,
                    "the file is damaged: the row is shorter than its columns",
                ));
            };
            if place.in_place {
                continue;
            }
            let Some(cell) = cells.next() else {
                break;
            };
            self.sas_cell(sas, place, bytes, cell, row, index)?;
        }
        Ok(())
    }

    /// Puts the text of one SAS character cell into `cell`.
    fn sas_text(
        &self,
        text: &Text,
        bytes: &[u8],
        cell: &mut Cell,
        row: u64,
        index: usize,
    ) -> Result<()> {
        // SAS pads text to the column's width, with blanks (SAS) or NULs (other writers).
        let end = bytes
            .iter()
            .rposition(|&byte| byte != b' ' && byte != 0)
            .map_or(0, |last| last + 1);
        let bytes = &bytes[..end];
        let decoded = text
            .decode(bytes)
            .map_err(|message| self.cell_problem(row, index, bytes, message))?;
        set_text(cell, &decoded);
        Ok(())
    }

    fn stata_rows(
        &self,
        stata: &StataFile,
        wanted: &[usize],
        cells: &mut [Cell],
        visit: &mut dyn FnMut(u64, &[Cell]) -> Result<()>,
    ) -> Result<u64> {
        let types = &stata.types;
        let (_, characteristics) = stata_schema(&self.path, &self.name, Some(stata.encoding))?;
        let wants_long_strings = wanted
            .iter()
            .any(|&index| types[index] == VariableType::LongString);
        // Long strings (strL) sit after the records, each found by (variable, first observation).
        // Only those of wanted columns are read first, and held; registers rarely have any.
        let (mut records, long_strings) = if wants_long_strings {
            let mut reader = characteristics
                .seek_long_strings()
                .map_err(|err| self.stata_problem(Location::File, err))?;
            let mut table: HashMap<(u32, u64), Vec<u8>> = HashMap::new();
            while let Some(entry) = reader
                .read_long_string()
                .map_err(|err| self.stata_problem(Location::File, err))?
            {
                let column = usize::try_from(entry.variable()).unwrap_or(0);
                if column > 0 && wanted.contains(&(column - 1)) {
                    table.insert(
                        (entry.variable(), entry.observation()),
                        entry.data().to_vec(),
                    );
                }
            }
            let records = reader
                .seek_records()
                .map_err(|err| self.stata_problem(Location::File, err))?;
            (records, table)
        } else {
            let mut characteristics = characteristics;
            characteristics
                .skip_to_end()
                .map_err(|err| self.stata_problem(Location::File, err))?;
            let records = characteristics
                .into_record_reader()
                .map_err(|err| self.stata_problem(Location::File, err))?;
            (records, HashMap::new())
        };
        let mut row = 0u64;
        loop {
            let record = match records.read_lazy_record() {
                Ok(Some(record)) => record,
                Ok(None) => break,
                Err(err) => return Err(self.cut_short(row, &err.to_string())),
            };
            row += 1;
            for (cell, &index) in cells.iter_mut().zip(wanted) {
                match record.value(index) {
                    Ok(value) => {
                        self.stata_cell(&stata.text, value, cell, row, index, &long_strings)?;
                    }
                    Err(err) => {
                        // The crate keeps the bytes of text it cannot decode to itself, so the
                        // problem names the row and column but not the value.
                        let message = match types[index] {
                            VariableType::FixedString(_) => stata.text.not_valid(),
                            _ => format!("the value cannot be read: {err}"),
                        };
                        return Err(self.problem_at(row, index, message));
                    }
                }
            }
            visit(row, cells)?;
        }
        if row != self.rows {
            return Err(self.cut_short(row, ""));
        }
        // Only the records are read, so a file cut after them (in its long strings or value
        // labels) would pass unseen; a file of release 117 or later ends with a closing tag.
        if stata.xml && !ends_with(&self.path, STATA_END)? {
            return Err(self.problem(
                Location::File,
                format!(
                    "the file ends without Stata's closing tag {}: it looks cut short (a truncated copy) after its {row} rows; copy it again",
                    String::from_utf8_lossy(STATA_END)
                ),
            ));
        }
        Ok(row)
    }

    /// Puts the crate's value for one Stata cell into `cell`.
    fn stata_cell(
        &self,
        text: &Text,
        value: Value<'_>,
        cell: &mut Cell,
        row: u64,
        index: usize,
        long_strings: &HashMap<(u32, u64), Vec<u8>>,
    ) -> Result<()> {
        *cell = match value {
            Value::Byte(StataByte::Present(number)) => Cell::Number(f64::from(number)),
            Value::Int(StataInt::Present(number)) => Cell::Number(f64::from(number)),
            Value::Long(StataLong::Present(number)) => Cell::Number(f64::from(number)),
            Value::Float(StataFloat::Present(number)) => Cell::Number(float_as_shown(number)),
            Value::Double(StataDouble::Present(number)) => Cell::Number(number),
            Value::Byte(StataByte::Missing(_))
            | Value::Int(StataInt::Missing(_))
            | Value::Long(StataLong::Missing(_))
            | Value::Float(StataFloat::Missing(_))
            | Value::Double(StataDouble::Missing(_)) => Cell::Missing,
            Value::String(decoded) => {
                set_text(cell, &decoded);
                return Ok(());
            }
            Value::LongStringRef(reference) => {
                // (0, 0) is Stata's reference for an empty strL.
                if (reference.variable(), reference.observation()) == (0, 0) {
                    set_text(cell, "");
                    return Ok(());
                }
                let Some(bytes) =
                    long_strings.get(&(reference.variable(), reference.observation()))
                else {
                    return Err(self.problem_at(
                        row,
                        index,
                        format!(
                            "the long string (strL) this cell refers to (variable {}, observation {}) is not in the file",
                            reference.variable(),
                            reference.observation()
                        ),
                    ));
                };
                // Text strLs end with a NUL.
                let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
                let decoded = text
                    .decode(bytes)
                    .map_err(|message| self.cell_problem(row, index, bytes, message))?;
                set_text(cell, &decoded);
                return Ok(());
            }
        };
        Ok(())
    }

    /// Column names must be unique, as in a CSV header: a loader finds a column by its name.
    fn check_names(&self) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for column in &self.columns {
            if !seen.insert(column.name.as_str()) {
                return Err(self.problem_with(
                    Problem::new(
                        &self.name,
                        Location::Header,
                        "the column name appears twice",
                    )
                    .column(&column.name),
                ));
            }
        }
        Ok(())
    }

    /// The file ends (or breaks) after `found` rows of the ones its header promises.
    fn cut_short(&self, found: u64, cause: &str) -> anyhow::Error {
        let mut message = format!(
            "the file's header promises {} rows but only {found} could be read: the file looks cut short (a truncated copy) or damaged; copy it again",
            self.rows
        );
        if found >= self.rows {
            message = format!(
                "the file is damaged after its {found} rows (the header promises {})",
                self.rows
            );
        }
        if !cause.is_empty() {
            message.push_str(&format!(" (reader: {cause})"));
        }
        let location = if found < self.rows {
            Location::Row(found + 1)
        } else {
            Location::File
        };
        self.problem(location, message)
    }

    fn problem(&self, location: Location, message: impl Into<String>) -> anyhow::Error {
        self.problem_with(Problem::new(&self.name, location, message))
    }

    fn problem_at(&self, row: u64, index: usize, message: impl Into<String>) -> anyhow::Error {
        self.problem_with(
            Problem::new(&self.name, Location::Row(row), message).column(&self.columns[index].name),
        )
    }

    fn cell_problem(
        &self,
        row: u64,
        index: usize,
        bytes: &[u8],
        message: impl Into<String>,
    ) -> anyhow::Error {
        self.problem_with(
            Problem::new(&self.name, Location::Row(row), message)
                .column(&self.columns[index].name)
                .value(String::from_utf8_lossy(bytes)),
        )
    }

    fn problem_with(&self, problem: Problem) -> anyhow::Error {
        invalid(problem)
    }

    fn stata_problem(&self, location: Location, err: DtaError) -> anyhow::Error {
        stata_error(&self.name, location, err)
    }
}

fn open_sas(path: &Path, name: String, fallback: &'static Encoding) -> Result<BinaryFile> {
    // Read, not memory-mapped: a mapped file's pages count towards the process's memory as they
    // are touched (an 819 MB DREAM file put the peak at 1.33 GiB against CSV's 0.56 GiB), and the
    // rows are read once, in order, which plain reads serve as fast.
    let options = sas7bdat::OpenOptions::builder()
        .io_backend(sas7bdat::IoBackendPreference::Buffered)
        .build();
    let dataset = catch(&name, || sas7bdat::Dataset::open_with(path, options))?.map_err(|err| {
        invalid(Problem::new(
            &name,
            Location::File,
            format!("not a readable SAS file (damaged or cut short?): {err}"),
        ))
    })?;
    let metadata = dataset.metadata();
    // The crate names encoding code 0 ("not declared", SAS then assumes the session's encoding)
    // WINDOWS-1252 like code 62, so the byte itself is read to tell the two apart.
    let declared = sas_encoding_code(path)? != 0;
    let text = match (&metadata.encoding, declared) {
        (Some(label), true) => Text {
            encoding: encoding_for_label(label),
            name: label.clone(),
            fallback: false,
        },
        _ => Text::new(fallback, true),
    };
    let columns = dataset
        .columns()
        .iter()
        .map(|column| BinaryColumn {
            name: column.name.clone(),
            numeric: column.logical_type.is_numeric(),
            format: sas_format(column),
        })
        .collect();
    let rows = metadata
        .row_count
        .saturating_sub(metadata.deleted_row_count);
    Ok(BinaryFile {
        path: path.to_path_buf(),
        name,
        columns,
        rows,
        kind: Kind::Sas(SasFile { dataset, text }),
    })
}

/// The encoding byte of a SAS header (offset 70): 0 when the file declares none.
fn sas_encoding_code(path: &Path) -> Result<u8> {
    let mut head = [0u8; 71];
    File::open(path)
        .and_then(|mut file| file.read_exact(&mut head))
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(head[70])
}

/// A SAS format as SAS writes it, `NAMEw.d`: "DATE9.", "DATETIME23.3", "8.2", "DATE." when the
/// format has no width; "" when the column has no format.
fn sas_format(column: &sas7bdat::ColumnMeta) -> String {
    let name = column.format.as_deref().unwrap_or("").trim();
    if name.is_empty() && column.format_width == 0 {
        return String::new();
    }
    let mut format = name.to_ascii_uppercase();
    if column.format_width > 0 {
        format.push_str(&column.format_width.to_string());
    }
    format.push('.');
    if column.format_digits > 0 {
        format.push_str(&column.format_digits.to_string());
    }
    format
}

/// `encoding_rs`'s encoding for a SAS encoding name (`UTF-8`, `WINDOWS-1252`, `ISO-8859-15`, …).
fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    let label = label.trim().to_ascii_lowercase();
    Encoding::for_label(label.as_bytes())
        .or_else(|| Encoding::for_label(label.replace('_', "-").as_bytes()))
        .or_else(|| (label == "macroman").then_some(encoding_rs::MACINTOSH))
}

fn open_stata(path: &Path, name: String, fallback: &'static Encoding) -> Result<BinaryFile> {
    // The release, and so the encoding, is known only once the header is read: a first look
    // without an encoding says which release, and a file before 118 is then read again with
    // `fallback` (the crate would otherwise assume Windows-1252).
    let (mut header, mut characteristics) = stata_schema(path, &name, None)?;
    let (encoding, fallback_used) = if header.release() >= Release::V118 {
        (encoding_rs::UTF_8, false)
    } else {
        (header, characteristics) = stata_schema(path, &name, Some(fallback))?;
        (fallback, true)
    };
    let schema: &Schema = characteristics.schema();
    let columns = schema
        .variables()
        .iter()
        .map(|variable| BinaryColumn {
            name: variable.name().to_string(),
            numeric: !matches!(
                variable.variable_type(),
                VariableType::FixedString(_) | VariableType::LongString
            ),
            format: variable.format().trim().to_uppercase(),
        })
        .collect();
    let types = schema
        .variables()
        .iter()
        .map(|variable| variable.variable_type())
        .collect();
    Ok(BinaryFile {
        path: path.to_path_buf(),
        name,
        columns,
        rows: header.observation_count(),
        kind: Kind::Stata(StataFile {
            encoding,
            text: Text::new(encoding, fallback_used),
            types,
            xml: header.release().is_xml_like(),
        }),
    })
}

/// The last bytes of a Stata file of release 117 or later.
const STATA_END: &[u8] = b"</stata_dta>";

/// Whether the file at `path` ends with `tail`.
fn ends_with(path: &Path, tail: &[u8]) -> Result<bool> {
    use std::io::{Seek, SeekFrom};
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let length = file
        .seek(SeekFrom::End(0))
        .with_context(|| format!("cannot read {}", path.display()))?;
    if length < tail.len() as u64 {
        return Ok(false);
    }
    let mut last = vec![0u8; tail.len()];
    file.seek(SeekFrom::End(-(tail.len() as i64)))
        .and_then(|_| file.read_exact(&mut last))
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(last == tail)
}

type StataCharacteristics = CharacteristicReader<BufReader<File>>;

/// Reads a Stata file's header and schema, leaving the reader at its characteristics.
fn stata_schema(
    path: &Path,
    name: &str,
    encoding: Option<&'static Encoding>,
) -> Result<(Header, StataCharacteristics)> {
    let length = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    let reader = match encoding {
        Some(encoding) => DtaReader::new().encoding(encoding),
        None => DtaReader::new(),
    };
    catch(name, || {
        let schema = reader
            .from_path(path)
            .and_then(|header| header.read_header())
            .map_err(|err| stata_error(name, Location::File, err))?;
        let header = schema.header().clone();
        // The crate sets aside room for every declared column before reading any, so a damaged
        // count would ask for gigabytes; every column takes more than one byte of the file.
        if u64::from(header.variable_count()) > length {
            return Err(invalid(Problem::new(
                name,
                Location::Header,
                format!(
                    "the header declares {} columns, more than the file's {length} bytes can hold: the file is damaged",
                    header.variable_count()
                ),
            )));
        }
        let characteristics = schema
            .read_schema()
            .map_err(|err| stata_error(name, Location::Header, err))?;
        Ok((header, characteristics))
    })?
}

fn stata_error(name: &str, location: Location, err: DtaError) -> anyhow::Error {
    invalid(Problem::new(
        name,
        location,
        format!("not a readable Stata file (damaged or cut short?): {err}"),
    ))
}

/// Runs a crate call that might panic on a malformed file, turning the panic into a problem.
fn catch<T>(name: &str, call: impl FnOnce() -> T) -> Result<T> {
    panic::catch_unwind(AssertUnwindSafe(call)).map_err(|payload| {
        invalid(Problem::new(
            name,
            Location::File,
            format!(
                "the file is damaged: its reader failed ({})",
                panic_message(&payload)
            ),
        ))
    })
}

/// The text of a caught panic (a crate's message about a damaged file).
pub(crate) fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|message| message.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}

fn invalid(problem: Problem) -> anyhow::Error {
    let mut problems = Problems::default();
    problems.push(problem);
    DataError::Invalid(problems).into()
}

/// A Stata float as Stata shows it: 0.1f32 is 0.1, not 0.10000000149011612. Whole numbers
/// (codes, counts) convert exactly and skip the decimal round trip.
fn float_as_shown(number: f32) -> f64 {
    if number.fract() == 0.0 || !number.is_finite() {
        return f64::from(number);
    }
    number
        .to_string()
        .parse()
        .unwrap_or_else(|_| f64::from(number))
}

/// Sets `cell` to `text`, reusing its string's allocation when it already holds text.
fn set_text(cell: &mut Cell, text: &str) {
    match cell {
        Cell::Text(existing) => {
            existing.clear();
            existing.push_str(text);
        }
        _ => *cell = Cell::Text(text.to_string()),
    }
}

#[cfg(test)]
mod tests;
