//! xlsx: an Excel workbook, for evaluators whose tables go on in Excel. One sheet per query, named
//! after the query (cut to Excel's 31 characters, characters Excel forbids replaced, made
//! unique), then `definitions` (each query's resolved definition, as `udfald explain` prints it)
//! and `provenance` (the run's manifest: inputs, hashes, rows read and rejected, versions,
//! threshold).
//!
//! A query's sheet: its heading (name, source id, title) and where it was computed, the table
//! under a header row, then its notes and a legend for hidden cells. Numbers are stored as
//! numbers: counts as integers, shares as proportions shown with a percent format, means and
//! other numbers with their column's decimals. A hidden cell holds the text `.` and a note saying
//! why. Output that may not be released has a banner row at the top of every sheet.
//!
//! Identical runs give identical bytes (`udfald reproduce` compares them): the workbook's creation
//! time is fixed, and the run's start time is only in the `--provenance` file.

use super::heading;
use crate::provenance::Manifest;
use crate::result::QueryResult;
use crate::table::{Kind, Table, Value};
use anyhow::{Context, Result};
use rust_xlsxwriter::{
    ColNum, Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Note, RowNum,
    Workbook, Worksheet, XlsxError,
};

/// Excel's longest sheet name, in characters.
const SHEET_NAME_MAX: usize = 31;
/// Characters Excel refuses in a sheet name.
const FORBIDDEN: &[char] = &['[', ']', ':', '*', '?', '/', '\\'];
const DEFINITIONS: &str = "definitions";
const PROVENANCE: &str = "provenance";
/// A name Excel keeps for itself.
const RESERVED: &str = "history";

pub fn render(
    results: &[QueryResult],
    provenance: &Manifest,
    definitions: &[String],
    mark: Option<&str>,
) -> Result<Vec<u8>> {
    workbook(results, provenance, definitions, mark).context("cannot make the xlsx workbook")
}

fn workbook(
    results: &[QueryResult],
    provenance: &Manifest,
    definitions: &[String],
    mark: Option<&str>,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    // A fixed creation time, the zip format's epoch (the date the archive's parts carry too), so
    // that the same run gives the same bytes.
    let created = ExcelDateTime::from_ymd(1980, 1, 1)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title("udfald results")
            .set_author("udfald")
            .set_creation_datetime(&created),
    );
    let styles = Styles::new();
    let threshold = provenance.run.suppress_below;
    let names = sheet_names(results.iter().map(|r| r.name.as_str()));
    for (result, name) in results.iter().zip(names) {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        query_sheet(sheet, result, threshold, mark, &styles)?;
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name(DEFINITIONS)?;
    definitions_sheet(sheet, definitions, mark, &styles)?;
    let sheet = workbook.add_worksheet();
    sheet.set_name(PROVENANCE)?;
    provenance_sheet(sheet, provenance, mark, &styles)?;
    workbook.save_to_buffer()
}

/// The cell formats the sheets share.
struct Styles {
    banner: Format,
    title: Format,
    bold: Format,
    header: Format,
    header_number: Format,
    count: Format,
    share: Format,
    hidden: Format,
    text: Format,
    definition: Format,
}

impl Styles {
    fn new() -> Styles {
        let header = Format::new()
            .set_bold()
            .set_border_bottom(FormatBorder::Thin);
        Styles {
            banner: Format::new()
                .set_bold()
                .set_font_color(Color::White)
                .set_background_color(Color::RGB(0xC0_00_00)),
            title: Format::new().set_bold().set_font_size(12),
            bold: Format::new().set_bold(),
            header_number: header.clone().set_align(FormatAlign::Right),
            header,
            count: Format::new().set_num_format("0"),
            share: Format::new().set_num_format("0.0%"),
            hidden: Format::new().set_align(FormatAlign::Right),
            text: Format::new(),
            definition: Format::new().set_font_name("Courier New"),
        }
    }
}

/// Excel's number format for `decimals` fixed decimals: `0`, `0.0`, `0.00`, ...
fn decimals_format(decimals: usize) -> Format {
    let format = if decimals == 0 {
        "0".to_string()
    } else {
        format!("0.{}", "0".repeat(decimals))
    };
    Format::new().set_num_format(format)
}

/// Whether a column holds numbers (right-aligned, as in the other formats).
fn is_numeric(kind: &Kind) -> bool {
    !matches!(kind, Kind::Group | Kind::Text | Kind::Label { .. })
}

fn column(c: usize) -> Result<ColNum, XlsxError> {
    ColNum::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)
}

fn row_number(r: usize) -> Result<RowNum, XlsxError> {
    RowNum::try_from(r).map_err(|_| XlsxError::RowColumnLimitError)
}

/// Writes the not-for-release banner across the first `width` columns of `row`.
fn banner(
    sheet: &mut Worksheet,
    row: RowNum,
    mark: &str,
    width: usize,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(row, 0, mark, &styles.banner)?;
    for c in 1..width.max(1) {
        sheet.write_blank(row, column(c)?, &styles.banner)?;
    }
    Ok(())
}

/// What a hidden cell's note and the legend under a table say.
fn hidden_reason(threshold: Option<u64>) -> String {
    let threshold = threshold.map(|t| format!(" of {t}")).unwrap_or_default();
    format!(
        "suppressed (shown as .): fewer persons than the small-cell threshold{threshold}, or hidden with such a cell so that it cannot be worked out from the cells shown"
    )
}

fn query_sheet(
    sheet: &mut Worksheet,
    result: &QueryResult,
    threshold: Option<u64>,
    mark: Option<&str>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let table = &result.table;
    let mut row: RowNum = 0;
    if let Some(mark) = mark {
        banner(sheet, row, mark, table.columns.len(), styles)?;
        row += 2;
    }
    sheet.write_string_with_format(row, 0, heading(result), &styles.title)?;
    row += 1;
    sheet.write_string(
        row,
        0,
        format!("metric {} on dataset {}", result.metric, result.dataset),
    )?;
    row += 2;
    sheet.set_default_note_author("udfald");
    let note = Note::new(format!("Hidden: {}.", hidden_reason(threshold))).add_author_prefix(false);
    let parts = table.printed_parts();
    for (p, (name, part)) in parts.iter().enumerate() {
        if let Some(name) = name {
            sheet.write_string_with_format(row, 0, *name, &styles.title)?;
            row += 1;
        }
        let header = row;
        if p == 0 {
            sheet.set_freeze_panes(header + 1, 0)?;
            // Printed: landscape, the (first) header row on every page.
            sheet.set_landscape();
            sheet.set_repeat_rows(header, header)?;
        }
        cells(sheet, header, part, &note, styles)?;
        row = header + 1 + row_number(part.rows.len())? + 1;
    }
    widths(sheet, &parts)?;
    for note in &table.notes {
        sheet.write_string(row, 0, note)?;
        row += 1;
    }
    if table.suppressed > 0 {
        let legend = format!("{} cell(s) {}", table.suppressed, hidden_reason(threshold));
        sheet.write_string(row, 0, legend)?;
    }
    Ok(())
}

/// A table's header row at `header` and its rows under it, numbers as numbers and hidden cells
/// as `.` with `note`.
fn cells(
    sheet: &mut Worksheet,
    header: RowNum,
    table: &Table,
    note: &Note,
    styles: &Styles,
) -> Result<(), XlsxError> {
    for (c, col) in table.columns.iter().enumerate() {
        let format = if is_numeric(&col.kind) {
            &styles.header_number
        } else {
            &styles.header
        };
        sheet.write_string_with_format(header, column(c)?, &col.name, format)?;
    }
    let formats: Vec<Format> = table
        .columns
        .iter()
        .map(|col| match &col.kind {
            Kind::Share { .. } => styles.share.clone(),
            Kind::Mean { decimals, .. } | Kind::Number { decimals } => decimals_format(*decimals),
            _ => styles.count.clone(),
        })
        .collect();
    for (r, cells) in table.rows.iter().enumerate() {
        let at = header + 1 + row_number(r)?;
        for (c, value) in cells.iter().enumerate() {
            let col = column(c)?;
            match value {
                Value::Null => {}
                Value::Text(text) => {
                    sheet.write_string(at, col, text)?;
                }
                Value::Suppressed => {
                    let format = if is_numeric(&table.columns[c].kind) {
                        &styles.hidden
                    } else {
                        &styles.text
                    };
                    sheet.write_string_with_format(at, col, ".", format)?;
                    sheet.insert_note(at, col, note)?;
                }
                Value::Int(v) => {
                    sheet.write_number_with_format(at, col, *v as f64, &styles.count)?;
                }
                Value::Float(v) if !v.is_finite() => {
                    sheet.write_string(at, col, table.format(c, value))?;
                }
                Value::Float(v) => match table.columns[c].kind {
                    Kind::Share { .. } | Kind::Mean { .. } | Kind::Number { .. } => {
                        sheet.write_number_with_format(at, col, *v, &formats[c])?;
                    }
                    // A number of a kind with no format of its own, printed as it is.
                    _ => {
                        sheet.write_number(at, col, *v)?;
                    }
                },
            }
        }
    }
    Ok(())
}

/// Each column as wide as its name or widest printed cell in any of the tables stacked on the
/// sheet, within bounds (long text overflows into the empty cells beside it).
fn widths(sheet: &mut Worksheet, parts: &[(Option<&str>, Table)]) -> Result<(), XlsxError> {
    let width = parts
        .iter()
        .map(|(_, t)| t.columns.len())
        .max()
        .unwrap_or(0);
    for c in 0..width {
        let widest = parts
            .iter()
            .filter(|(_, table)| c < table.columns.len())
            .flat_map(|(_, table)| {
                table
                    .rows
                    .iter()
                    .map(|row| table.format(c, &row[c]).chars().count())
                    .chain(std::iter::once(table.columns[c].name.chars().count()))
            })
            .max()
            .unwrap_or(0);
        sheet.set_column_width(column(c)?, (widest + 2).clamp(6, 40) as f64)?;
    }
    Ok(())
}

fn definitions_sheet(
    sheet: &mut Worksheet,
    definitions: &[String],
    mark: Option<&str>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let mut row: RowNum = 0;
    if let Some(mark) = mark {
        banner(sheet, row, mark, 1, styles)?;
        row += 2;
    }
    sheet.set_column_width(0, 120)?;
    sheet.write_string_with_format(
        row,
        0,
        "Each query's resolved definition, as udfald explain prints it",
        &styles.title,
    )?;
    row += 2;
    for definition in definitions {
        for line in definition.lines() {
            sheet.write_string_with_format(row, 0, line, &styles.definition)?;
            row += 1;
        }
        row += 1;
    }
    Ok(())
}

/// One cell of the provenance sheet.
enum Cell<'a> {
    Text(&'a str),
    Owned(String),
    Count(u64),
    Header(&'a str),
}

/// Writes rows of cells from `row` on, and returns the row after them.
fn lines(
    sheet: &mut Worksheet,
    mut row: RowNum,
    lines: &[Vec<Cell>],
    styles: &Styles,
) -> Result<RowNum, XlsxError> {
    for line in lines {
        for (c, cell) in line.iter().enumerate() {
            let col = column(c)?;
            match cell {
                Cell::Text(text) => sheet.write_string(row, col, *text)?,
                Cell::Owned(text) => sheet.write_string(row, col, text)?,
                Cell::Count(n) => {
                    sheet.write_number_with_format(row, col, *n as f64, &styles.count)?
                }
                Cell::Header(text) => {
                    sheet.write_string_with_format(row, col, *text, &styles.header)?
                }
            };
        }
        row += 1;
    }
    Ok(row)
}

fn provenance_sheet(
    sheet: &mut Worksheet,
    manifest: &Manifest,
    mark: Option<&str>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    use Cell::{Count, Header, Owned, Text};
    let mut row: RowNum = 0;
    if let Some(mark) = mark {
        banner(sheet, row, mark, 5, styles)?;
        row += 2;
    }
    for (c, width) in [26, 36, 28, 16, 66, 16, 16, 16].into_iter().enumerate() {
        sheet.set_column_width(column(c)?, width)?;
    }
    sheet.write_string_with_format(row, 0, "Provenance of this workbook", &styles.title)?;
    row += 2;
    let run = &manifest.run;
    let queries: Vec<String> = run
        .queries
        .iter()
        .map(|q| q.display().to_string())
        .collect();
    let threshold = match run.suppress_below {
        Some(t) => Count(t),
        None => Text("off (--no-suppress): every cell shown, not for release"),
    };
    row = lines(
        sheet,
        row,
        &[
            vec![Text("udfald version"), Text(&manifest.udfald.version)],
            vec![Text("udfald commit"), Text(&manifest.udfald.commit)],
            vec![Text("queries given"), Owned(queries.join("; "))],
            vec![
                Text("dataset given (--data)"),
                Owned(run.data.as_ref().map_or_else(
                    || "(none: each query's own)".to_string(),
                    |d| d.display().to_string(),
                )),
            ],
            vec![
                Text("rows with problems"),
                Text(if run.drop_invalid {
                    "dropped (--drop-invalid)"
                } else {
                    "stop the run"
                }),
            ],
            vec![Text("small-cell threshold"), threshold],
            vec![Text("output format"), Text(&run.format)],
            vec![
                Text("run start time"),
                Text("not in the workbook, so that identical runs give identical files: udfald run --provenance FILE records it"),
            ],
        ],
        styles,
    )?;
    row += 1;
    sheet.write_string_with_format(row, 0, "Datasets", &styles.bold)?;
    let mut datasets = vec![vec![
        Header("dataset"),
        Header("folder"),
        Header("code table"),
        Header("cohort rows read"),
        Header("DREAM rows read"),
        Header("income rows read"),
        Header("DREAM persons not in cohort"),
        Header("income persons not in cohort"),
    ]];
    for d in &manifest.datasets {
        datasets.push(vec![
            Text(&d.name),
            Text(&d.folder),
            Text(&d.code_table),
            Count(d.rows_read.cohort),
            Count(d.rows_read.dream),
            Count(d.rows_read.income),
            Count(d.persons_not_in_cohort.dream),
            Count(d.persons_not_in_cohort.income),
        ]);
    }
    row = lines(sheet, row + 1, &datasets, styles)? + 1;
    sheet.write_string_with_format(row, 0, "Files read", &styles.bold)?;
    let mut files = vec![vec![
        Header("dataset"),
        Header("role"),
        Header("file"),
        Header("bytes"),
        Header("sha256"),
    ]];
    for d in &manifest.datasets {
        for f in &d.files {
            files.push(vec![
                Text(&d.name),
                Text(&f.role),
                Text(&f.file),
                Count(f.bytes),
                Text(&f.sha256),
            ]);
        }
    }
    row = lines(sheet, row + 1, &files, styles)? + 1;
    sheet.write_string_with_format(row, 0, "Rows rejected (--drop-invalid)", &styles.bold)?;
    let mut rejected = vec![vec![
        Header("dataset"),
        Header("file"),
        Header("rows rejected"),
    ]];
    for d in &manifest.datasets {
        for (file, rows) in &d.rows_rejected {
            rejected.push(vec![Text(&d.name), Text(file), Count(*rows)]);
        }
    }
    if rejected.len() == 1 {
        rejected.push(vec![Text("(none)")]);
    }
    row = lines(sheet, row + 1, &rejected, styles)? + 1;
    sheet.write_string_with_format(row, 0, "Queries", &styles.bold)?;
    let mut queries = vec![vec![
        Header("query"),
        Header("file"),
        Header("metric"),
        Header("source"),
        Header("sha256"),
    ]];
    for q in &manifest.queries {
        queries.push(vec![
            Text(&q.name),
            Text(&q.path),
            Text(&q.metric),
            Text(q.source.as_deref().unwrap_or("")),
            Text(&q.sha256),
        ]);
    }
    lines(sheet, row + 1, &queries, styles)?;
    Ok(())
}

/// A sheet name for each query name: Excel's forbidden characters replaced by `_`, apostrophes
/// trimmed from the ends, cut to 31 characters, and made unique (Excel compares names without
/// case; `definitions`, `provenance` and Excel's own `History` are taken) by a ` (2)`, ` (3)`,
/// ... suffix.
fn sheet_names<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut taken: Vec<String> = vec![DEFINITIONS.into(), PROVENANCE.into(), RESERVED.into()];
    names
        .map(|name| {
            let clean: String = name
                .chars()
                .map(|c| {
                    if FORBIDDEN.contains(&c) || c.is_control() {
                        '_'
                    } else {
                        c
                    }
                })
                .collect();
            let cut = |max: usize| -> String {
                let text: String = clean.chars().take(max).collect();
                let text = text.trim_matches('\'');
                if text.is_empty() {
                    "query".to_string()
                } else {
                    text.to_string()
                }
            };
            let mut candidate = cut(SHEET_NAME_MAX);
            let mut n = 1;
            while taken.contains(&candidate.to_lowercase()) {
                n += 1;
                let suffix = format!(" ({n})");
                candidate = format!("{}{suffix}", cut(SHEET_NAME_MAX - suffix.len()));
            }
            taken.push(candidate.to_lowercase());
            candidate
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let long = "a-very-long-query-name-that-goes-on-and-on";
        let names = sheet_names(
            [
                long,
                long,
                "s1/t5: [x]*?",
                "'quoted'",
                "Provenance",
                "history",
                "",
                "q",
                "Q",
            ]
            .into_iter(),
        );
        assert_eq!(
            names,
            [
                "a-very-long-query-name-that-goe",
                "a-very-long-query-name-that (2)",
                "s1_t5_ _x___",
                "quoted",
                "Provenance (2)",
                "history (2)",
                "query",
                "q",
                "Q (2)",
            ]
        );
        for name in &names {
            assert!(name.chars().count() <= SHEET_NAME_MAX, "{name}");
        }
    }

    #[test]
    fn decimals_formats() {
        assert_eq!(decimals_format(0), Format::new().set_num_format("0"));
        assert_eq!(decimals_format(2), Format::new().set_num_format("0.00"));
    }
}
