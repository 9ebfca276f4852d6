//! A share by month, a line per group: a monthly curve (points joined by lines) or a
//! Kaplan–Meier curve (a step function from 0, with its band), and under the axis the persons
//! behind each month per group (n observed, or the number at risk as survminer prints it).

use super::{colour, cut, dash, escape, legend, open, px, tick_label, ticks, Cell, Cells, Scale};
use crate::table::chart::Curve;
use crate::table::Table;
use std::fmt::Write;

const WIDTH: f64 = 780.0;
const LEFT: f64 = 120.0;
const RIGHT: f64 = 24.0;
const PLOT_HEIGHT: f64 = 300.0;

/// One group's points, in month order: the month's position, the row.
struct Series {
    name: String,
    points: Vec<(f64, usize)>,
}

pub(super) fn draw(table: &Table, curve: &Curve, title: &str) -> String {
    let cells = Cells::new(table);
    let rows: Vec<usize> = (0..table.rows.len())
        .filter(|&r| {
            curve
                .rows
                .as_ref()
                .is_none_or(|(column, value)| cells.text(r, column) == *value)
        })
        .collect();
    // The months: numbers on a linear axis, or calendar-month text in order.
    let numeric = rows
        .iter()
        .all(|&r| matches!(cells.cell(r, &curve.x), Cell::Shown(_)));
    let mut labels: Vec<String> = Vec::new();
    if !numeric {
        for &r in &rows {
            let label = cells.text(r, &curve.x);
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
        labels.sort();
    }
    let position = |r: usize| -> f64 {
        match cells.cell(r, &curve.x) {
            Cell::Shown(v) if numeric => v,
            _ => {
                let label = cells.text(r, &curve.x);
                labels.iter().position(|l| *l == label).unwrap_or(0) as f64
            }
        }
    };
    // A line per group; the total is drawn only when it is the only line.
    let mut series: Vec<Series> = Vec::new();
    let any_groups = rows.iter().any(|&r| !cells.is_total(r));
    for &r in &rows {
        if any_groups && cells.is_total(r) {
            continue;
        }
        let name = cells.group(r);
        let point = (position(r), r);
        match series.iter_mut().find(|s| s.name == name) {
            Some(s) => s.points.push(point),
            None => series.push(Series {
                name,
                points: vec![point],
            }),
        }
    }
    let starts = |s: &Series| -> f64 {
        curve
            .step
            .as_ref()
            .and_then(|step| {
                s.points
                    .first()
                    .and_then(|&(_, r)| cells.cell(r, &step.column).shown())
            })
            .unwrap_or_else(|| s.points.first().map_or(0.0, |p| p.0))
    };
    let (x_lo, x_hi) = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0).chain([starts(s)]))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
    let (x_lo, x_hi) = if x_lo.is_finite() {
        (x_lo, x_hi.max(x_lo + 1.0))
    } else {
        (0.0, 1.0)
    };
    let y_max = rows
        .iter()
        .flat_map(|&r| {
            let mut values = vec![cells.cell(r, &curve.y)];
            if let Some((_, upper)) = &curve.band {
                values.push(cells.cell(r, upper));
            }
            values
        })
        .filter_map(Cell::shown)
        .fold(0.0f64, f64::max);
    let y_ticks = ticks(0.0, if y_max > 0.0 { y_max } else { 1.0 }, 5);
    let y_top = y_ticks.last().copied().unwrap_or(1.0);

    let mut out = String::new();
    let names: Vec<String> = series.iter().map(|s| s.name.clone()).collect();
    // Legend first, to know where the plot starts.
    let mut legend_svg = String::new();
    let legend_height = if series.len() > 1 {
        legend(
            &mut legend_svg,
            &names,
            LEFT,
            16.0,
            WIDTH - LEFT - RIGHT,
            false,
        )
    } else {
        0.0
    };
    let top = 14.0 + legend_height;
    let bottom = top + PLOT_HEIGHT;
    let x = Scale {
        lo: x_lo,
        hi: x_hi,
        from: LEFT,
        to: WIDTH - RIGHT,
    };
    let y = Scale {
        lo: 0.0,
        hi: y_top,
        from: bottom,
        to: top,
    };
    let x_ticks: Vec<f64> = if numeric {
        ticks(x_lo, x_hi, 12)
            .into_iter()
            .filter(|t| *t >= x_lo - 1e-9 && *t <= x_hi + 1e-9)
            .collect()
    } else {
        let every = labels.len().div_ceil(12).max(1);
        (0..labels.len())
            .filter(|i| i % every == 0)
            .map(|i| i as f64)
            .collect()
    };
    let persons_rows = if curve.n.is_some() { series.len() } else { 0 };
    let height = bottom + 58.0 + persons_rows as f64 * 17.0 + 8.0;
    open(&mut out, "curve", WIDTH, height, title, series.len());
    out.push_str(&legend_svg);

    // Grid and axes.
    for &t in &y_ticks {
        let _ = write!(
            out,
            r##"<line class="tick y" x1="{l}" x2="{r}" y1="{v}" y2="{v}" stroke="#ddd"/><text x="{tx}" y="{ty}" text-anchor="end" fill="#333">{label}</text>"##,
            l = px(LEFT),
            r = px(WIDTH - RIGHT),
            v = px(y.at(t)),
            tx = px(LEFT - 6.0),
            ty = px(y.at(t) + 4.0),
            label = tick_label(t, true)
        );
    }
    for &t in &x_ticks {
        let label = if numeric {
            tick_label(t, false)
        } else {
            labels[t as usize].clone()
        };
        let _ = write!(
            out,
            r##"<line class="tick x" x1="{v}" x2="{v}" y1="{b}" y2="{b5}" stroke="#333"/><text x="{v}" y="{ty}" text-anchor="middle" fill="#333">{label}</text>"##,
            v = px(x.at(t)),
            b = px(bottom),
            b5 = px(bottom + 5.0),
            ty = px(bottom + 18.0),
            label = escape(&label)
        );
    }
    let _ = write!(
        out,
        r##"<line x1="{l}" x2="{r}" y1="{b}" y2="{b}" stroke="#333"/><line x1="{l}" x2="{l}" y1="{t}" y2="{b}" stroke="#333"/>"##,
        l = px(LEFT),
        r = px(WIDTH - RIGHT),
        b = px(bottom),
        t = px(top)
    );
    let _ = write!(
        out,
        r##"<text x="{cx}" y="{ty}" text-anchor="middle" fill="#333">{label}</text>"##,
        cx = px((LEFT + WIDTH - RIGHT) / 2.0),
        ty = px(bottom + 36.0),
        label = escape(&curve.x_label)
    );
    let _ = write!(
        out,
        r##"<text transform="translate(16 {cy}) rotate(-90)" text-anchor="middle" fill="#333">{label}</text>"##,
        cy = px((top + bottom) / 2.0),
        label = escape(&cut(&curve.y_label, 60))
    );

    // Bands under the lines.
    if let Some((lower, upper)) = &curve.band {
        for (i, s) in series.iter().enumerate() {
            for run in runs(s, |r| {
                matches!(
                    (cells.cell(r, lower), cells.cell(r, upper)),
                    (Cell::Shown(_), Cell::Shown(_))
                )
            }) {
                let value = |column: &str| -> Vec<(f64, f64)> {
                    run.iter()
                        .map(|&(p, r)| (p, cells.cell(r, column).shown().unwrap_or(0.0)))
                        .collect()
                };
                let start = (run[0].0 == s.points[0].0).then(|| starts(s));
                let (up, low) = if curve.step.is_some() {
                    (steps(&value(upper), start), steps(&value(lower), start))
                } else {
                    (value(upper), value(lower))
                };
                let mut d = String::new();
                polyline(&mut d, up.iter().chain(low.iter().rev()), &x, &y);
                let _ = write!(
                    out,
                    r#"<path class="band" d="{}Z" fill="{}" fill-opacity="0.15" stroke="none"/>"#,
                    d,
                    colour(i)
                );
            }
        }
    }
    // The lines: a gap where a month is hidden.
    let mut any_censored = false;
    for (i, s) in series.iter().enumerate() {
        let mut d = String::new();
        let mut marks = String::new();
        for run in runs(s, |r| matches!(cells.cell(r, &curve.y), Cell::Shown(_))) {
            let values: Vec<(f64, f64)> = run
                .iter()
                .map(|&(p, r)| (p, cells.cell(r, &curve.y).shown().unwrap_or(0.0)))
                .collect();
            let path = if curve.step.is_some() {
                // A tick where persons were censored (a count the table shows, above 0).
                for (&(p, r), (_, v)) in run.iter().zip(&values) {
                    let censored = curve
                        .censored
                        .as_ref()
                        .and_then(|c| cells.cell(r, c).shown())
                        .unwrap_or(0.0);
                    if censored > 0.0 {
                        any_censored = true;
                        let _ = write!(
                            marks,
                            r#"<line class="censored" x1="{x}" x2="{x}" y1="{}" y2="{}" stroke="{}" stroke-width="1.5"/>"#,
                            px(y.at(*v) - 4.0),
                            px(y.at(*v) + 4.0),
                            colour(i),
                            // Within the month, on the level after its step, where it shows.
                            x = px(x.at((p + 0.5).min(x.hi)))
                        );
                    }
                }
                let start = (run[0].0 == s.points[0].0).then(|| starts(s));
                steps(&values, start)
            } else {
                for (p, v) in &values {
                    let _ = write!(
                        marks,
                        r#"<circle cx="{}" cy="{}" r="2.5" fill="{}"/>"#,
                        px(x.at(*p)),
                        px(y.at(*v)),
                        colour(i)
                    );
                }
                values
            };
            polyline(&mut d, path.iter(), &x, &y);
        }
        let _ = write!(
            out,
            r#"<path class="series" data-name="{}" d="{}" fill="none" stroke="{}" stroke-width="2" stroke-dasharray="{}"/>{}"#,
            escape(&s.name),
            d.trim_end(),
            colour(i),
            dash(i),
            marks
        );
    }

    // The persons behind each month, per group, under the axis.
    if let Some((column, label)) = &curve.n {
        let top_row = bottom + 56.0;
        let _ = write!(
            out,
            r##"<text class="persons-title" x="{}" y="{}" font-weight="600" fill="#333">{}</text>"##,
            px(8.0),
            px(top_row),
            escape(&cut(label, 40))
        );
        for (i, s) in series.iter().enumerate() {
            let row_y = top_row + 17.0 * (i as f64 + 1.0);
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" fill="{}" font-weight="600">{}</text>"#,
                px(8.0),
                px(row_y),
                colour(i),
                escape(&cut(&s.name, 14))
            );
            for &t in &x_ticks {
                // The row of that month; for steps, the period holding it.
                let row = s
                    .points
                    .iter()
                    .find(|&&(p, r)| {
                        (p - t).abs() < 1e-9
                            || curve.step.as_ref().is_some_and(|step| {
                                cells
                                    .cell(r, &step.column)
                                    .shown()
                                    .is_some_and(|from| from <= t && t <= p)
                            })
                    })
                    .map(|&(_, r)| r);
                if let Some(r) = row {
                    let _ = write!(
                        out,
                        r##"<text class="persons" x="{}" y="{}" text-anchor="middle" fill="#333">{}</text>"##,
                        px(x.at(t)),
                        px(row_y),
                        escape(&cells.printed(r, column))
                    );
                }
            }
        }
    }
    // Figures printed with the chart (a test's p).
    let mut caption = Vec::new();
    for (label, column) in &curve.caption {
        let shown = (0..table.rows.len()).find_map(|r| match cells.cell(r, column) {
            Cell::Empty => None,
            Cell::Hidden => Some("hidden (small cells)".to_string()),
            Cell::Shown(_) => Some(cells.printed(r, column)),
        });
        if let Some(shown) = shown {
            caption.push(format!("{label} = {shown}"));
        }
    }
    if any_censored {
        caption.push("ticks: persons censored".to_string());
    }
    if !caption.is_empty() {
        let _ = write!(
            out,
            r##"<text class="caption" x="{}" y="{}" text-anchor="end" fill="#333">{}</text>"##,
            px(WIDTH - RIGHT),
            px(top + 14.0),
            escape(&caption.join("; "))
        );
    }
    out.push_str("</svg>");
    out
}

/// Appends the points, in values, as one SVG subpath: a move to the first, lines to the rest.
fn polyline<'a>(
    d: &mut String,
    points: impl Iterator<Item = &'a (f64, f64)>,
    x: &Scale,
    y: &Scale,
) {
    for (k, (p, v)) in points.enumerate() {
        let _ = write!(
            d,
            "{}{} {} ",
            if k == 0 { "M" } else { "L" },
            px(x.at(*p)),
            px(y.at(*v))
        );
    }
}

/// The maximal runs of a series' points where `shown` holds: a line is broken where a month is
/// hidden or empty, so no value is drawn that the table does not show.
fn runs(series: &Series, shown: impl Fn(usize) -> bool) -> Vec<Vec<(f64, usize)>> {
    let mut runs: Vec<Vec<(f64, usize)>> = Vec::new();
    let mut current = Vec::new();
    for &(p, r) in &series.points {
        if shown(r) {
            current.push((p, r));
        } else if !current.is_empty() {
            runs.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// The vertices of a step function through the points: flat until each point's month, then up
/// to its value; from 0 at `start` when the run begins the curve.
fn steps(points: &[(f64, f64)], start: Option<f64>) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len() * 2 + 1);
    let mut level = None;
    if let Some(start) = start {
        out.push((start, 0.0));
        level = Some(0.0);
    }
    for &(p, v) in points {
        if let Some(level) = level {
            if out.last() != Some(&(p, level)) {
                out.push((p, level));
            }
        }
        out.push((p, v));
        level = Some(v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::steps;

    #[test]
    fn a_step_curve_is_flat_until_each_month_then_rises() {
        assert_eq!(
            steps(&[(0.0, 0.1), (2.0, 0.3)], Some(0.0)),
            vec![(0.0, 0.0), (0.0, 0.1), (2.0, 0.1), (2.0, 0.3)]
        );
        // A run after a gap starts at its own first value.
        assert_eq!(
            steps(&[(5.0, 0.4), (6.0, 0.5)], None),
            vec![(5.0, 0.4), (6.0, 0.4), (6.0, 0.5)]
        );
    }
}
