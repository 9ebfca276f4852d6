//! Provenance: everything needed to reproduce a result — udfald's version and commit, each query
//! file's content hash and resolved definition, each dataset file's size and content hash, rows
//! read and rejected, the code table — as a JSON manifest. The run's start time goes only into the
//! `--provenance` file, so results (JSON included) stay byte-identical between identical runs.

use crate::hash::{file_hash, sha256};
use crate::query::Query;
use crate::runner::DatasetRun;
use anyhow::Result;
use serde_json::{json, Value};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const COMMIT: &str = env!("UDFALD_GIT_COMMIT");

fn query_entry(query: &Query) -> Value {
    json!({
        "path": query.path.display().to_string(),
        "name": query.name,
        "source": query.source,
        "sha256": sha256(query.text.as_bytes()),
        "metric": query.metric_def.name,
        "params": serde_json::to_value(query.metric.resolved()).unwrap_or(Value::Null),
        "group_by": query.group_by,
        "population": query.population.iter().map(|f| json!({"column": f.column, "values": f.values})).collect::<Vec<_>>(),
        "at_start": query.at_start.as_ref().map(|s| s.text.clone()),
        "window": serde_json::to_value(&query.window).unwrap_or(Value::Null),
        "definitions": {
            "min_hours": query.definitions.resolve().min_hours,
            "min_weeks_without_benefit": query.definitions.resolve().min_weeks_without_benefit,
        },
        "statuses": query.statuses.iter().map(|s| json!({"name": s.name, "expression": s.text})).collect::<Vec<_>>(),
    })
}

fn dataset_entry(run: &DatasetRun) -> Result<Value> {
    let dataset = &run.dataset;
    let mut files = Vec::new();
    let manifest = dataset.dir.join(crate::dataset::MANIFEST);
    let mut roles = vec![(
        "manifest",
        manifest.clone(),
        crate::dataset::MANIFEST.to_string(),
    )];
    roles.push((
        "cohort",
        dataset.cohort.path.clone(),
        dataset.cohort.name.clone(),
    ));
    roles.push((
        "dream",
        dataset.dream.path.clone(),
        dataset.dream.name.clone(),
    ));
    roles.push((
        "income",
        dataset.income.path.clone(),
        dataset.income.name.clone(),
    ));
    if let Some(codes) = &dataset.codes {
        roles.push(("codes", codes.path.clone(), codes.name.clone()));
    }
    for (role, path, name) in roles {
        let (bytes, hash) = file_hash(&path)?;
        files.push(json!({"role": role, "file": name, "bytes": bytes, "sha256": hash}));
    }
    let report = &run.report;
    Ok(json!({
        "folder": dataset.dir.display().to_string(),
        "name": dataset.name,
        "files": files,
        "code_table": run.code_table,
        "rows_read": {
            "cohort": report.cohort_rows,
            "dream": report.dream.rows,
            "income": report.income.rows,
        },
        "rows_rejected": report.dropped_rows,
        "persons_not_in_cohort": {
            "dream": report.dream.persons_not_in_cohort,
            "income": report.income.persons_not_in_cohort,
        },
    }))
}

/// The manifest of a run, without the start time and the output's hash (what the JSON output
/// carries).
pub fn manifest(queries: &[Query], datasets: &[DatasetRun], run: Value) -> Result<Value> {
    Ok(json!({
        "udfald": {"version": VERSION, "commit": COMMIT},
        "run": run,
        "queries": queries.iter().map(query_entry).collect::<Vec<_>>(),
        "datasets": datasets.iter().map(dataset_entry).collect::<Result<Vec<_>>>()?,
    }))
}
