//! Charts as inline SVG, hand-written: the report must open on a machine with no network, so a
//! chart is text inside the HTML file, with no script. One file per kind of chart; this one holds
//! what they share: reading a released table's cells, scales and ticks, colours, escaping.
//!
//! A chart reads only the released table, so a hidden cell is a gap (a broken line, a missing bar
//! marked "hidden"), never a zero.

mod bars;
mod curve;
mod forest;

use crate::table::{Chart, Kind, Table, Value, ALL};
use std::fmt::Write;

/// Draws the table's chart, if it declares one.
pub fn chart(table: &Table, title: &str) -> Option<String> {
    let chart = table.chart.as_ref()?;
    let svg = match chart {
        Chart::Curve(curve) => curve::draw(table, curve, title),
        Chart::Bars(bars) => bars::draw(table, bars, title),
        Chart::Forest(forest) => forest::draw(table, forest, title),
    };
    Some(svg)
}

/// Okabe and Ito's palette, which readers with the common colour-vision deficiencies can tell
/// apart; lines also differ by dash pattern, so no series is told by colour alone.
const PALETTE: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
];
const DASHES: [&str; 4] = ["", "7 4", "2 3", "9 3 2 3"];

fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

fn dash(i: usize) -> &'static str {
    DASHES[(i / PALETTE.len() + i) % DASHES.len()]
}

/// A cell as a chart sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    Shown(f64),
    Hidden,
    Empty,
}

impl Cell {
    fn shown(self) -> Option<f64> {
        match self {
            Cell::Shown(v) => Some(v),
            _ => None,
        }
    }
}

/// Column access by name on a released table.
struct Cells<'a> {
    table: &'a Table,
}

impl<'a> Cells<'a> {
    fn new(table: &'a Table) -> Cells<'a> {
        Cells { table }
    }

    fn index(&self, column: &str) -> usize {
        self.table
            .column_index(column)
            .expect("a chart names columns of its table (checked when the table is built)")
    }

    fn cell(&self, row: usize, column: &str) -> Cell {
        match &self.table.rows[row][self.index(column)] {
            Value::Suppressed => Cell::Hidden,
            value => value.as_f64().map_or(Cell::Empty, Cell::Shown),
        }
    }

    /// The cell as the printed table shows it.
    fn printed(&self, row: usize, column: &str) -> String {
        let c = self.index(column);
        self.table.format(c, &self.table.rows[row][c])
    }

    fn text(&self, row: usize, column: &str) -> String {
        match &self.table.rows[row][self.index(column)] {
            Value::Text(text) => text.clone(),
            other => self.table.format(self.index(column), other),
        }
    }

    fn group_columns(&self) -> Vec<usize> {
        (0..self.table.columns.len())
            .filter(|&c| self.table.columns[c].kind == Kind::Group)
            .collect()
    }

    /// The row's group, as its group columns print it ("all persons" without groups).
    fn group(&self, row: usize) -> String {
        let groups = self.group_columns();
        if groups.is_empty() {
            return "all persons".into();
        }
        groups
            .iter()
            .map(|&c| self.table.format(c, &self.table.rows[row][c]))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// Whether the row is a total over some group column.
    fn is_total(&self, row: usize) -> bool {
        self.group_columns()
            .iter()
            .any(|&c| matches!(&self.table.rows[row][c], Value::Text(t) if t == ALL))
    }
}

/// A linear map from values to pixels.
#[derive(Debug, Clone, Copy)]
struct Scale {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
}

impl Scale {
    fn at(&self, value: f64) -> f64 {
        let span = if self.hi > self.lo {
            self.hi - self.lo
        } else {
            1.0
        };
        self.from + (value - self.lo) / span * (self.to - self.from)
    }
}

/// About `count` round tick values covering [lo, hi]; the first is at or below lo and the last
/// at or above hi, so the axis ends on a tick.
fn ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let span = if hi > lo { hi - lo } else { 1.0 };
    let raw = span / count.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = (lo / step).floor();
    let last = (hi / step).ceil();
    // Round away float noise (3 × 0.2 = 0.6000000000000001) at the step's own decimals.
    let scale = 10f64.powi((1 - step.log10().floor() as i32).max(0));
    (0..=((last - first) as i64))
        .map(|i| ((first + i as f64) * step * scale).round() / scale)
        .collect()
}

/// A tick's label: a share as a whole percentage, other values with no more decimals than needed.
fn tick_label(value: f64, percent: bool) -> String {
    if percent {
        let p = value * 100.0;
        if (p - p.round()).abs() < 1e-9 {
            format!("{}%", p.round())
        } else {
            format!("{p:.1}%")
        }
    } else if (value - value.round()).abs() < 1e-9 {
        format!("{}", value.round())
    } else {
        let text = format!("{value:.2}");
        text.trim_end_matches('0').to_string()
    }
}

/// Text for SVG and HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// A label cut to `max` characters, with an ellipsis.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let kept: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

/// Coordinates to one decimal: enough for a screen, and stable bytes.
fn px(value: f64) -> String {
    let text = format!("{value:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_string)
}

/// The opening of a chart's SVG, with its accessible title.
fn open(out: &mut String, kind: &str, width: f64, height: f64, title: &str, series: usize) {
    let _ = write!(
        out,
        r#"<svg class="chart {kind}" data-series="{series}" xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="12"><title>{title}</title>"#,
        w = px(width),
        h = px(height),
        title = escape(title),
    );
}

/// A horizontal row of legend entries (a line or a box in the series' colour and dash, and its
/// name), from `x` at height `y`; returns the height used.
fn legend(out: &mut String, names: &[String], x: f64, y: f64, width: f64, boxes: bool) -> f64 {
    let mut cx = x;
    let mut cy = y;
    for (i, name) in names.iter().enumerate() {
        let label = cut(name, 40);
        let w = 30.0 + 7.0 * label.chars().count() as f64;
        if cx + w > x + width && cx > x {
            cx = x;
            cy += 18.0;
        }
        if boxes {
            let _ = write!(
                out,
                r#"<rect class="key" x="{}" y="{}" width="14" height="10" fill="{}"/>"#,
                px(cx),
                px(cy - 9.0),
                colour(i)
            );
        } else {
            let _ = write!(
                out,
                r#"<line class="key" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.5" stroke-dasharray="{}"/>"#,
                px(cx),
                px(cy - 4.0),
                px(cx + 22.0),
                px(cy - 4.0),
                colour(i),
                dash(i)
            );
        }
        let _ = write!(
            out,
            r#"<text x="{}" y="{}">{}</text>"#,
            px(cx + 26.0),
            px(cy),
            escape(&label)
        );
        cx += w + 12.0;
    }
    cy - y + 18.0
}

#[cfg(test)]
mod tests;
