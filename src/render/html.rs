//! The HTML report (`udfald report`): one self-contained file an evaluator can attach to an
//! evaluation. Per query: its title, source and description, a chart where a person would rather
//! look than read, the table as released, its notes, the resolved definition and the published
//! figures it is checked against; then the run's provenance. Inline CSS and SVG only, and a
//! content security policy that forbids every request, so it opens the same on a research
//! server with no network and prints to PDF.

use super::svg::{self, escape};
use super::{formatted, notes};
use crate::provenance::Manifest;
use crate::result::QueryResult;
use crate::runner::not_for_release;
use crate::table::{Kind, Table, Value};
use std::fmt::Write;

/// One query of the report.
pub struct ReportQuery<'a> {
    pub result: &'a QueryResult,
    pub description: String,
    /// The resolved definition, as `udfald explain` prints it.
    pub definition: String,
    pub expectations: Vec<Expected>,
}

/// A published figure compared, as the report prints it (the checker's outcome in words: the
/// computed value is empty where the released table hides the cell).
pub struct Expected {
    pub id: String,
    pub cell: String,
    pub published: String,
    pub computed: String,
    pub tolerance: String,
    pub pass: bool,
    pub note: String,
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0 auto; max-width: 1000px; padding: 24px 32px 48px; line-height: 1.45; font-size: 15px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 0 0 2px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta, .lede { color: #555; margin: 2px 0 10px; }
.release { border: 2px solid #b00020; color: #b00020; padding: 8px 12px; font-weight: 600; }
nav ol { columns: 2; column-gap: 40px; padding-left: 20px; font-size: 14px; }
nav li { break-inside: avoid; }
section.query { border-top: 1px solid #ccc; padding-top: 22px; margin-top: 28px; }
figure { margin: 12px 0; break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 13px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e2e2e2; text-align: left; white-space: nowrap; }
th { background: #f3f3f3; font-weight: 600; }
td.num { text-align: right; }
td.hidden { color: #888; text-align: center; }
tr.total td { font-weight: 600; }
ul.notes { font-size: 13px; color: #444; padding-left: 18px; }
pre.definition { background: #f7f7f7; border: 1px solid #e2e2e2; padding: 10px; font-size: 12px; white-space: pre-wrap; }
.pass { color: #006400; font-weight: 600; }
.fail { color: #b00020; font-weight: 600; }
footer { border-top: 2px solid #222; margin-top: 36px; padding-top: 12px; font-size: 13px; }
footer td { white-space: normal; word-break: break-all; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  section.query { break-before: page; border-top: none; }
  .scroll { overflow: visible; }
  /* A page has no scroll bar: wide tables wrap their cells, headers at any character. */
  table { font-size: 7pt; width: 100%; }
  th, td { padding: 1px 3px; }
  th { white-space: normal; overflow-wrap: anywhere; }
}
"#;

/// The report for the queries, in their order, with the run's provenance.
pub fn report(queries: &[ReportQuery<'_>], provenance: &Manifest) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Nothing may be fetched: the file must read the same without a network.
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        out,
        "<title>udfald report: {} queries</title>",
        queries.len()
    );
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    out.push_str("<header>\n<h1>Outcome report</h1>\n");
    let datasets: Vec<&str> = provenance
        .datasets
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    let _ = writeln!(
        out,
        "<p class=\"lede\">{} {} on {} · udfald {} ({}) · {}</p>",
        queries.len(),
        if queries.len() == 1 {
            "query"
        } else {
            "queries"
        },
        if datasets.is_empty() {
            "published counts".to_string()
        } else {
            escape(&datasets.join(", "))
        },
        escape(&provenance.udfald.version),
        escape(&provenance.udfald.commit),
        escape(&match provenance.run.suppress_below {
            Some(t) => format!(
                "counts of 1 to {} persons and what rests on them are hidden, shown as \".\"",
                t - 1
            ),
            None => "no cell is hidden".to_string(),
        })
    );
    if let Some(mark) = not_for_release(provenance.run.suppress_below) {
        let _ = writeln!(out, "<p class=\"release\">{}</p>", escape(&mark));
    }
    out.push_str("<nav><ol>\n");
    for query in queries {
        let r = query.result;
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            anchor(&r.name),
            escape(&r.title)
        );
    }
    out.push_str("</ol></nav>\n</header>\n");
    let mark = not_for_release(provenance.run.suppress_below);
    for query in queries {
        section(&mut out, query, mark.as_deref());
    }
    footer(&mut out, provenance);
    out.push_str("</body>\n</html>\n");
    out
}

/// An id for a query's section.
fn anchor(name: &str) -> String {
    let id: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("q-{id}")
}

/// A query's section; `mark` (not for release) is repeated in each, since a printed report
/// starts each query on its own page.
fn section(out: &mut String, query: &ReportQuery<'_>, mark: Option<&str>) {
    let r = query.result;
    let _ = writeln!(
        out,
        "<section class=\"query\" id=\"{}\">\n<h2>{}</h2>",
        anchor(&r.name),
        escape(&r.title)
    );
    if let Some(mark) = mark {
        let _ = writeln!(out, "<p class=\"release\">{}</p>", escape(mark));
    }
    let _ = writeln!(
        out,
        "<p class=\"meta\">{}{} · metric {} on {}</p>",
        escape(&r.name),
        r.source
            .as_ref()
            .map(|s| format!(" · source {}", escape(s)))
            .unwrap_or_default(),
        escape(&r.metric),
        escape(&r.dataset)
    );
    if !query.description.trim().is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape(query.description.trim()));
    }
    if let Some(chart) = svg::chart(&r.table, &r.title) {
        let _ = writeln!(
            out,
            "<figure>{chart}<figcaption>Drawn from the table below as released: a hidden cell is a gap, never a zero.</figcaption></figure>"
        );
    }
    for (name, part) in r.table.printed_parts() {
        if let Some(name) = name {
            let _ = writeln!(out, "<h3>{}</h3>", escape(name));
        }
        table(out, &part);
    }
    let notes = notes(&r.table);
    if !notes.is_empty() {
        out.push_str("<ul class=\"notes\">\n");
        for note in notes {
            let _ = writeln!(out, "<li>{}</li>", escape(&note));
        }
        out.push_str("</ul>\n");
    }
    if !query.expectations.is_empty() {
        expectations(out, &query.expectations);
    }
    let _ = writeln!(
        out,
        "<h3>Definition</h3>\n<pre class=\"definition\">{}</pre>\n</section>",
        escape(&query.definition)
    );
}

fn table(out: &mut String, table: &Table) {
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for column in &table.columns {
        let _ = write!(out, "<th>{}</th>", escape(&column.name));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let numeric: Vec<bool> = table
        .columns
        .iter()
        .map(|c| !matches!(c.kind, Kind::Group | Kind::Text | Kind::Label { .. }))
        .collect();
    for (cells, values) in formatted(table).iter().zip(&table.rows) {
        let total = table
            .columns
            .iter()
            .zip(values)
            .any(|(c, v)| c.kind == Kind::Group && *v == Value::Text(crate::table::ALL.into()));
        out.push_str(if total {
            "<tr class=\"total\">"
        } else {
            "<tr>"
        });
        for (c, (cell, value)) in cells.iter().zip(values).enumerate() {
            if *value == Value::Suppressed {
                out.push_str("<td class=\"hidden\" title=\"hidden: fewer persons than the small-cell threshold\">.</td>");
            } else if numeric[c] {
                let _ = write!(out, "<td class=\"num\">{}</td>", escape(cell));
            } else {
                let _ = write!(out, "<td>{}</td>", escape(cell));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

fn expectations(out: &mut String, expected: &[Expected]) {
    out.push_str("<h3>Published figures</h3>\n<div class=\"scroll\"><table>\n<thead><tr><th>id</th><th>cell</th><th>published</th><th>computed</th><th>tolerance</th><th>result</th></tr></thead>\n<tbody>\n");
    for e in expected {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"{}\" title=\"{}\">{}</td></tr>",
            escape(&e.id),
            escape(&e.cell),
            escape(&e.published),
            escape(&e.computed),
            escape(&e.tolerance),
            if e.pass { "pass" } else { "fail" },
            escape(&e.note),
            if e.pass { "reproduced" } else { "not reproduced" }
        );
    }
    out.push_str("</tbody></table></div>\n");
}

fn footer(out: &mut String, provenance: &Manifest) {
    out.push_str("<footer>\n<h3>Provenance</h3>\n");
    let _ = writeln!(
        out,
        "<p>udfald {} (commit {}){}; queries: {}.</p>",
        escape(&provenance.udfald.version),
        escape(&provenance.udfald.commit),
        provenance
            .started
            .as_ref()
            .map(|s| format!("; started {}", escape(s)))
            .unwrap_or_default(),
        escape(
            &provenance
                .run
                .queries
                .iter()
                .map(|q| q.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    );
    for dataset in &provenance.datasets {
        let _ = writeln!(
            out,
            "<p><strong>{}</strong> ({}): rows read: cohort {}, DREAM {}, income {}; persons in a register but not in the cohort: DREAM {}, income {}; code table: {}.</p>",
            escape(&dataset.name),
            escape(&dataset.folder),
            dataset.rows_read.cohort,
            dataset.rows_read.dream,
            dataset.rows_read.income,
            dataset.persons_not_in_cohort.dream,
            dataset.persons_not_in_cohort.income,
            escape(&dataset.code_table)
        );
        if !dataset.rows_rejected.is_empty() {
            let dropped: Vec<String> = dataset
                .rows_rejected
                .iter()
                .map(|(file, rows)| format!("{rows} row(s) of {file}"))
                .collect();
            let _ = writeln!(
                out,
                "<p>--drop-invalid dropped {} for problems.</p>",
                escape(&dropped.join(", "))
            );
        }
        out.push_str("<table><thead><tr><th>role</th><th>file</th><th>bytes</th><th>sha256</th></tr></thead><tbody>\n");
        for file in &dataset.files {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                escape(&file.role),
                escape(&file.file),
                file.bytes,
                escape(&file.sha256)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</footer>\n");
}
