//! The check report as an aligned table, a line per expectation, and a summary line.

use super::Outcome;

pub fn render(outcomes: &[Outcome]) -> String {
    let header = [
        "id",
        "query",
        "cell",
        "column",
        "published",
        "computed",
        "difference",
        "tolerance",
        "result",
    ];
    let rows: Vec<[String; 9]> = outcomes
        .iter()
        .map(|o| {
            [
                o.id.clone(),
                o.query.clone(),
                o.cell.clone(),
                o.column.clone(),
                o.published.clone(),
                o.shown(o.computed),
                o.shown(o.difference),
                o.tolerance.clone(),
                match (&o.problem, o.pass) {
                    (Some(problem), _) => format!("FAIL: {problem}"),
                    (None, true) => "pass".into(),
                    (None, false) => "FAIL".into(),
                },
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .enumerate()
            .map(|(c, v)| format!("{v:<w$}", w = widths[c]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = line(header.to_vec()) + "\n";
    for row in &rows {
        out += &line(row.iter().map(|s| s.as_str()).collect());
        out.push('\n');
    }
    let failed = outcomes.iter().filter(|o| !o.pass).count();
    out += &format!("\n{} passed, {} failed\n", outcomes.len() - failed, failed);
    out
}
