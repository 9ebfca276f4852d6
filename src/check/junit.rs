//! The check report as JUnit XML, one test case per expectation, for CI systems.

use super::{number, Outcome};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn render(outcomes: &[Outcome], mark: Option<&str>) -> String {
    let failures = outcomes.iter().filter(|o| !o.pass).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    if let Some(mark) = mark {
        // An XML comment may not hold "--".
        out += &format!("<!-- {} -->\n", mark.replace("--", ""));
    }
    out += &format!(
        "<testsuites name=\"udfald check\" tests=\"{}\" failures=\"{failures}\">\n  <testsuite name=\"published figures\" tests=\"{}\" failures=\"{failures}\">\n",
        outcomes.len(),
        outcomes.len()
    );
    for o in outcomes {
        let name = format!("{} {} [{}] {}", o.id, o.query, o.cell, o.column);
        out += &format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape(&o.query),
            escape(&name)
        );
        if o.pass {
            out += "/>\n";
        } else {
            let message = match (&o.problem, o.computed) {
                (Some(problem), _) => problem.clone(),
                (None, _) if o.hidden => format!(
                    "the computed value (hidden: a small cell) lies outside published {} {}",
                    o.published, o.tolerance
                ),
                (None, Some(computed)) => format!(
                    "computed {} outside published {} {}",
                    number(computed),
                    o.published,
                    o.tolerance
                ),
                (None, None) => "no value".into(),
            };
            out += &format!(
                ">\n      <failure message=\"{}\"/>\n    </testcase>\n",
                escape(&message)
            );
        }
    }
    out += "  </testsuite>\n</testsuites>\n";
    out
}
