//! Horizontal bars, a row of the table per bar group: group names (municipalities, stages) stay
//! readable however long, and each row's n is printed beside its name. A hidden value draws no
//! bar and says "hidden"; reference lines mark thresholds and targets.

use super::{colour, cut, escape, legend, open, px, tick_label, ticks, Cell, Cells, Scale};
use crate::table::chart::Bars;
use crate::table::Table;
use std::fmt::Write;

const WIDTH: f64 = 780.0;
const LEFT: f64 = 250.0;
const RIGHT: f64 = 70.0;
const BAR: f64 = 14.0;
const GAP: f64 = 9.0;

pub(super) fn draw(table: &Table, bars: &Bars, title: &str) -> String {
    let cells = Cells::new(table);
    // A row with no value to draw at all (a requirement's total row, which counts groups) is
    // left out; a hidden value is drawn as hidden.
    let rows: Vec<usize> = (0..table.rows.len())
        .filter(|&r| {
            bars.values
                .iter()
                .any(|(c, _)| cells.cell(r, c) != Cell::Empty)
        })
        .collect();
    let name = |r: usize| -> String {
        let mut parts = Vec::new();
        if !cells.group_columns().is_empty() || bars.label.is_empty() {
            parts.push(cells.group(r));
        }
        parts.extend(bars.label.iter().map(|c| cells.text(r, c)));
        parts.join(" · ")
    };
    let value = |r: usize, column: &str| cells.cell(r, column);
    // The scale: from 0 (or below, for negative values) to the largest bar or line.
    let row_total = |r: usize| -> f64 {
        if bars.stacked {
            bars.values
                .iter()
                .filter_map(|(c, _)| value(r, c).shown())
                .sum()
        } else {
            bars.values
                .iter()
                .filter_map(|(c, _)| value(r, c).shown())
                .fold(0.0, f64::max)
        }
    };
    let hi = rows
        .iter()
        .map(|&r| row_total(r))
        .chain(bars.lines.iter().map(|(_, v)| *v))
        .fold(0.0f64, f64::max);
    let lo = rows
        .iter()
        .flat_map(|&r| {
            bars.values
                .iter()
                .filter_map(move |(c, _)| value(r, c).shown())
        })
        .fold(0.0f64, f64::min);
    let axis = ticks(lo, if hi > lo { hi } else { lo + 1.0 }, 6);
    let (lo, hi) = (
        axis.first().copied().unwrap_or(0.0),
        axis.last().copied().unwrap_or(1.0),
    );

    let names: Vec<String> = bars.values.iter().map(|(_, l)| l.clone()).collect();
    let mut legend_svg = String::new();
    let legend_height = if names.len() > 1 {
        legend(
            &mut legend_svg,
            &names,
            LEFT,
            16.0,
            WIDTH - LEFT - RIGHT,
            true,
        )
    } else {
        0.0
    };
    let top = 14.0 + legend_height + if bars.lines.is_empty() { 0.0 } else { 14.0 };
    let per_row = if bars.stacked {
        BAR
    } else {
        BAR * bars.values.len() as f64
    } + GAP;
    let bottom = top + per_row * rows.len() as f64;
    let height = bottom + 46.0;
    let x = Scale {
        lo,
        hi,
        from: LEFT,
        to: WIDTH - RIGHT,
    };
    let mut out = String::new();
    open(&mut out, "bars", WIDTH, height, title, names.len());
    out.push_str(&legend_svg);
    for &t in &axis {
        let _ = write!(
            out,
            r##"<line class="tick x" x1="{v}" x2="{v}" y1="{t}" y2="{b}" stroke="#ddd"/><text x="{v}" y="{ty}" text-anchor="middle" fill="#333">{label}</text>"##,
            v = px(x.at(t)),
            t = px(top),
            b = px(bottom + 4.0),
            ty = px(bottom + 17.0),
            label = tick_label(t, bars.percent)
        );
    }
    let _ = write!(
        out,
        r##"<line x1="{z}" x2="{z}" y1="{t}" y2="{b}" stroke="#333"/><text x="{cx}" y="{ty}" text-anchor="middle" fill="#333">{label}</text>"##,
        z = px(x.at(0.0f64.max(lo))),
        t = px(top),
        b = px(bottom),
        cx = px((LEFT + WIDTH - RIGHT) / 2.0),
        ty = px(bottom + 36.0),
        label = escape(&cut(&bars.axis_label, 90))
    );
    let format_value = |v: f64| -> String {
        if bars.percent {
            format!("{:.1}%", v * 100.0)
        } else {
            format!("{v:.1}")
        }
    };
    for (k, &r) in rows.iter().enumerate() {
        let y0 = top + per_row * k as f64 + GAP / 2.0;
        let mut label = cut(&name(r), 34);
        if let Some(n) = &bars.n {
            let n = cells.printed(r, n);
            if !n.is_empty() {
                label = format!("{label} (n = {n})");
            }
        }
        let weight = if cells.is_total(r) { "600" } else { "400" };
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="end" font-weight="{weight}" fill="#222">{}</text>"##,
            px(LEFT - 8.0),
            px(y0 + (per_row - GAP) / 2.0 + 4.0),
            escape(&label)
        );
        let mut stack = 0.0;
        let mut hidden = false;
        for (i, (column, series)) in bars.values.iter().enumerate() {
            let bar_y = if bars.stacked {
                y0
            } else {
                y0 + BAR * i as f64
            };
            // A stacked part after a hidden one would stand at a position that reveals nothing
            // true: the stack stops at the first hidden part.
            if bars.stacked && hidden {
                continue;
            }
            match value(r, column) {
                Cell::Shown(v) => {
                    let (from, to) = if bars.stacked {
                        (stack, stack + v)
                    } else {
                        (0.0, v)
                    };
                    stack += v;
                    let (a, b) = (x.at(from.min(to)), x.at(from.max(to)));
                    let _ = write!(
                        out,
                        r#"<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>"#,
                        px(a),
                        px(bar_y),
                        px((b - a).max(0.5)),
                        px(BAR - 2.0),
                        colour(i),
                        escape(&format!("{} · {series}", name(r))),
                        format_value(v)
                    );
                    if !bars.stacked {
                        let _ = write!(
                            out,
                            r##"<text x="{}" y="{}" fill="#222" font-size="11">{}</text>"##,
                            px(b + 4.0),
                            px(bar_y + BAR - 4.0),
                            format_value(v)
                        );
                    }
                }
                Cell::Hidden => hidden = true,
                Cell::Empty => {}
            }
        }
        if hidden {
            let _ = write!(
                out,
                r##"<text class="hidden" x="{}" y="{}" fill="#666" font-style="italic" font-size="11">hidden (small cells)</text>"##,
                px(x.at(0.0f64.max(lo))
                    + 4.0
                    + if bars.stacked {
                        x.at(stack) - x.at(0.0)
                    } else {
                        0.0
                    }),
                px(y0 + (per_row - GAP) / 2.0 + 4.0)
            );
        } else if bars.stacked && stack > 0.0 {
            let _ = write!(
                out,
                r##"<text x="{}" y="{}" fill="#222" font-size="11">{}</text>"##,
                px(x.at(stack) + 4.0),
                px(y0 + BAR - 4.0),
                format_value(stack)
            );
        }
    }
    for (label, v) in &bars.lines {
        let _ = write!(
            out,
            r##"<line class="threshold" x1="{x}" x2="{x}" y1="{t}" y2="{b}" stroke="#000" stroke-width="1.5" stroke-dasharray="5 3"/><text x="{x}" y="{ty}" text-anchor="middle" fill="#000" font-size="11">{label}</text>"##,
            x = px(x.at(*v)),
            t = px(top - 4.0),
            b = px(bottom),
            ty = px(top - 7.0),
            label = escape(label)
        );
    }
    out.push_str("</svg>");
    out
}
