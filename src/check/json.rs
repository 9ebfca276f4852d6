//! The check report as JSON for scripts.

use super::Outcome;
use serde_json::json;

pub fn render(outcomes: &[Outcome], release: bool) -> String {
    let checks: Vec<_> = outcomes
        .iter()
        .map(|o| {
            json!({
                "id": o.id,
                "query": o.query,
                "cell": o.cell,
                "column": o.column,
                "published": o.published,
                "computed": o.computed,
                "difference": o.difference,
                "tolerance": o.tolerance,
                "hidden": o.hidden,
                "pass": o.pass,
                "problem": o.problem,
                "note": o.note,
            })
        })
        .collect();
    let failed = outcomes.iter().filter(|o| !o.pass).count();
    let mut text = serde_json::to_string_pretty(&json!({
        "release": release,
        "passed": outcomes.len() - failed,
        "failed": failed,
        "checks": checks,
    }))
    .unwrap_or_default();
    text.push('\n');
    text
}
