//! A forest plot: per row (subgroup, municipality, or the whole population) the estimate as a
//! square with its interval as a line, the overall row as a diamond, a dashed line at no effect,
//! and the numbers printed to the right as the table prints them.

use super::{cut, escape, open, px, tick_label, ticks, Cell, Cells, Scale};
use crate::table::chart::Forest;
use crate::table::Table;
use std::fmt::Write;

const WIDTH: f64 = 780.0;
const LEFT: f64 = 210.0;
const NUMBERS: f64 = 190.0;
const ROW: f64 = 24.0;
const COLOUR: &str = "#0072B2";

pub(super) fn draw(table: &Table, forest: &Forest, title: &str) -> String {
    let cells = Cells::new(table);
    let rows: Vec<usize> = (0..table.rows.len()).collect();
    let shown = |r: usize| -> Option<(f64, f64, f64)> {
        match (
            cells.cell(r, &forest.estimate),
            cells.cell(r, &forest.lower),
            cells.cell(r, &forest.upper),
        ) {
            (Cell::Shown(e), Cell::Shown(l), Cell::Shown(u)) => Some((e, l, u)),
            _ => None,
        }
    };
    let (lo, hi) = rows.iter().filter_map(|&r| shown(r)).fold(
        (forest.reference, forest.reference),
        |(lo, hi), (e, l, u)| (lo.min(l).min(e), hi.max(u).max(e)),
    );
    let axis = ticks(lo, if hi > lo { hi } else { lo + 1.0 }, 6);
    let (lo, hi) = (
        axis.first().copied().unwrap_or(lo),
        axis.last().copied().unwrap_or(hi),
    );
    let top = 30.0;
    let bottom = top + ROW * rows.len() as f64 + 6.0;
    let height = bottom + 46.0;
    let x = Scale {
        lo,
        hi,
        from: LEFT,
        to: WIDTH - NUMBERS,
    };
    let mut out = String::new();
    open(&mut out, "forest", WIDTH, height, title, rows.len());
    let _ = write!(
        out,
        r##"<text x="{}" y="18" text-anchor="start" font-weight="600" fill="#333">estimate (95% interval)</text>"##,
        px(WIDTH - NUMBERS + 12.0)
    );
    for &t in &axis {
        let _ = write!(
            out,
            r##"<line class="tick x" x1="{v}" x2="{v}" y1="{t}" y2="{b}" stroke="#e4e4e4"/><line x1="{v}" x2="{v}" y1="{b}" y2="{b5}" stroke="#333"/><text x="{v}" y="{ty}" text-anchor="middle" fill="#333">{label}</text>"##,
            v = px(x.at(t)),
            t = px(top),
            b = px(bottom),
            b5 = px(bottom + 5.0),
            ty = px(bottom + 18.0),
            label = tick_label(t, false)
        );
    }
    let _ = write!(
        out,
        r##"<line x1="{l}" x2="{r}" y1="{b}" y2="{b}" stroke="#333"/><line class="reference" x1="{z}" x2="{z}" y1="{t}" y2="{b}" stroke="#000" stroke-dasharray="5 3"/><text x="{cx}" y="{ty}" text-anchor="middle" fill="#333">{label}</text>"##,
        l = px(LEFT),
        r = px(WIDTH - NUMBERS),
        b = px(bottom),
        z = px(x.at(forest.reference)),
        t = px(top - 6.0),
        cx = px((LEFT + WIDTH - NUMBERS) / 2.0),
        ty = px(bottom + 36.0),
        label = escape(&cut(&forest.axis_label, 80))
    );
    for (k, &r) in rows.iter().enumerate() {
        let cy = top + ROW * (k as f64 + 0.5);
        let total = cells.is_total(r) || cells.group_columns().is_empty();
        let name = if cells.group_columns().is_empty() {
            "all persons".to_string()
        } else if cells.is_total(r) {
            "overall".to_string()
        } else {
            cells.group(r)
        };
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="end" font-weight="{}" fill="#222">{}</text>"##,
            px(LEFT - 10.0),
            px(cy + 4.0),
            if total { "600" } else { "400" },
            escape(&cut(&name, 30))
        );
        match shown(r) {
            Some((e, l, u)) => {
                let _ = write!(
                    out,
                    r#"<line class="interval" x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="{COLOUR}" stroke-width="2"/>"#,
                    px(x.at(l)),
                    px(x.at(u)),
                    y = px(cy)
                );
                let ex = x.at(e);
                if total {
                    let _ = write!(
                        out,
                        r#"<path class="estimate" d="M{} {} L{} {} L{} {} L{} {} Z" fill="{COLOUR}"/>"#,
                        px(ex - 7.0),
                        px(cy),
                        px(ex),
                        px(cy - 6.0),
                        px(ex + 7.0),
                        px(cy),
                        px(ex),
                        px(cy + 6.0)
                    );
                } else {
                    let _ = write!(
                        out,
                        r#"<rect class="estimate" x="{}" y="{}" width="9" height="9" fill="{COLOUR}"/>"#,
                        px(ex - 4.5),
                        px(cy - 4.5)
                    );
                }
                let _ = write!(
                    out,
                    r##"<text x="{}" y="{}" fill="#222">{} ({} to {})</text>"##,
                    px(WIDTH - NUMBERS + 12.0),
                    px(cy + 4.0),
                    escape(&cells.printed(r, &forest.estimate)),
                    escape(&cells.printed(r, &forest.lower)),
                    escape(&cells.printed(r, &forest.upper))
                );
            }
            None => {
                let hidden = [&forest.estimate, &forest.lower, &forest.upper]
                    .iter()
                    .any(|c| cells.cell(r, c) == Cell::Hidden);
                let _ = write!(
                    out,
                    r##"<text class="{}" x="{}" y="{}" fill="#666" font-style="italic">{}</text>"##,
                    if hidden { "hidden" } else { "empty" },
                    px(WIDTH - NUMBERS + 12.0),
                    px(cy + 4.0),
                    if hidden {
                        "hidden (small cells)"
                    } else {
                        "not estimated"
                    }
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}
