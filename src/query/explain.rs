//! A query's fully resolved definition as text — every parameter with its value and whether the
//! file gave it or it is the default, the population, window, statuses and their definitions:
//! what `udfald explain` prints and what a run's outputs carry as its method statement (the xlsx
//! `definitions` sheet).

use super::Query;
use crate::panel::statuses::definition;
use std::fmt::Write;

fn given(is_given: bool) -> &'static str {
    if is_given {
        "given"
    } else {
        "default"
    }
}

/// The query's resolved definition as `udfald explain` prints it, line by line. `suppress_below`
/// is the run's small-cell threshold (`None`: suppression off), stated in the last line.
pub fn explain(query: &Query, suppress_below: Option<u64>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "query        {} ({})",
        query.name,
        query.path.display()
    );
    let _ = writeln!(out, "title        {}", query.title);
    if !query.description.trim().is_empty() {
        for line in query.description.trim().lines() {
            let _ = writeln!(out, "             {line}");
        }
    }
    let _ = writeln!(
        out,
        "source       {}",
        query.source.as_deref().unwrap_or("(none)")
    );
    let _ = writeln!(
        out,
        "dataset      {}",
        query
            .dataset
            .as_ref()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| "(none: give --data)".into())
    );
    let _ = writeln!(
        out,
        "metric       {}: {}",
        query.metric_def.name, query.metric_def.summary
    );
    let population: Vec<String> = query
        .population
        .iter()
        .map(|f| format!("{} in [{}]", f.column, f.values.join(", ")))
        .chain(
            query
                .at_start
                .iter()
                .map(|s| format!("at start (rel_month 0): {}", s.text)),
        )
        .collect();
    let _ = writeln!(
        out,
        "population   {}",
        if population.is_empty() {
            "every cohort person".to_string()
        } else {
            population.join("; ")
        }
    );
    let _ = writeln!(
        out,
        "group_by     {}",
        if query.group_by.is_empty() {
            "(none: one total row)".to_string()
        } else {
            query.group_by.join(", ")
        }
    );
    let window = &query.window;
    let _ = writeln!(
        out,
        "window       rel_month {} ({}) .. {} ({})",
        window.from(),
        given(window.from.is_some()),
        window
            .to
            .map_or("end of follow-up".to_string(), |t| t.to_string()),
        given(window.to.is_some())
    );
    if window.from_month.is_some() || window.to_month.is_some() {
        let _ = writeln!(
            out,
            "             calendar months {} .. {}",
            window.from_month.as_deref().unwrap_or("first observed"),
            window.to_month.as_deref().unwrap_or("last observed")
        );
    }
    let _ = writeln!(out, "params");
    for (key, value) in query.metric.resolved() {
        let _ = writeln!(
            out,
            "  {key} = {value} ({})",
            given(query.given_params.contains(&key))
        );
    }
    if query.metric_def.followup_end {
        let _ = writeln!(
            out,
            "  followup_end = \"{}\" ({})",
            query.followup_end.as_str(),
            given(query.given_params.iter().any(|k| k == "followup_end"))
        );
    }
    let params = query.definitions.resolve();
    let _ = writeln!(out, "definitions");
    let _ = writeln!(
        out,
        "  min_hours = {} ({})",
        params.min_hours,
        given(query.definitions.min_hours.is_some())
    );
    let _ = writeln!(
        out,
        "  min_weeks_without_benefit = {} ({})",
        params.min_weeks_without_benefit,
        given(query.definitions.min_weeks_without_benefit.is_some())
    );
    let _ = writeln!(out, "statuses used");
    for status in query.metric.statuses() {
        match query.statuses.iter().find(|s| s.name == status) {
            Some(custom) => {
                let _ = writeln!(out, "  {status}: {} (the query's own)", custom.text);
            }
            None => {
                let _ = writeln!(
                    out,
                    "  {status}: {}",
                    definition(&status, &params).unwrap_or_default()
                );
            }
        }
    }
    for custom in &query.statuses {
        let _ = writeln!(out, "  query status {}: {}", custom.name, custom.text);
    }
    let _ = writeln!(out, "time         weeks belong to the month holding their Thursday; rel_month 0 is the calendar month of start_date");
    let _ = match suppress_below {
        Some(threshold) => writeln!(
            out,
            "small cells  counts of 1 to {} persons and the shares and means resting on them are suppressed, zeros are shown (run --no-suppress for local work)",
            threshold - 1
        ),
        None => writeln!(
            out,
            "small cells  not suppressed (--no-suppress): every cell is shown, for local work only"
        ),
    };
    out
}
