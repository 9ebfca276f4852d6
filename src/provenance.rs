//! Provenance: everything needed to reproduce a result — udfald's version and commit, what the run
//! was asked to do, each query file's content hash and resolved definition, each dataset file's
//! size and content hash, rows read and rejected, the code table — as a JSON manifest. The run's
//! start time and the output's hash go only into the `--provenance` file, so results (JSON
//! included) stay byte-identical between identical runs.
//!
//! The manifest's structs declare their fields in alphabetical order: the manifest used to be a
//! `serde_json` object, whose keys come out sorted, and existing manifests and JSON results keep
//! their exact bytes that way (a test checks it).

use crate::dataset::MANIFEST;
use crate::error::DataError;
use crate::hash::{file_hash, sha256};
use crate::query::Query;
use crate::runner::DatasetRun;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const COMMIT: &str = env!("UDFALD_GIT_COMMIT");

/// A run's manifest. The JSON output carries it without `started` and `output_sha256`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub datasets: Vec<DatasetEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_sha256: Option<String>,
    pub queries: Vec<QueryEntry>,
    pub run: RunSpec,
    /// When the run started (RFC 3339, seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    pub udfald: Build,
}

/// What a run is, as the command line asked for it: what `reproduce` re-runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// The CSV dialect's name (`danish`); `None` for the default dialect, and in manifests
    /// written before there was a choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csv_dialect: Option<String>,
    /// A dataset for every query instead of their own.
    pub data: Option<PathBuf>,
    pub drop_invalid: bool,
    /// The output format's name (`table`, `csv`, `json`, `markdown`, `xlsx`).
    pub format: String,
    pub queries: Vec<PathBuf>,
    /// The small-cell threshold; `None` when suppression was off.
    pub suppress_below: Option<u64>,
}

/// The udfald that made a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Build {
    pub commit: String,
    pub version: String,
}

impl Build {
    pub fn current() -> Build {
        Build {
            commit: COMMIT.to_string(),
            version: VERSION.to_string(),
        }
    }

    /// As one line of JSON, the way `reproduce` names a changed udfald.
    fn as_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A query file as run: its hash and everything it resolved to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryEntry {
    pub at_start: Option<String>,
    pub definitions: Definitions,
    pub group_by: Vec<String>,
    pub metric: String,
    pub name: String,
    /// Every resolved metric parameter; a JSON object, so its keys are sorted whatever the
    /// metric's parameter order.
    pub params: Value,
    pub path: String,
    pub population: Vec<PopulationFilter>,
    pub sha256: String,
    pub source: Option<String>,
    pub statuses: Vec<StatusEntry>,
    /// The window as a JSON object (sorted keys, unset bounds as `null`).
    pub window: Value,
}

/// The status definitions' parameters as resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definitions {
    pub min_hours: f64,
    pub min_weeks_without_benefit: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationFilter {
    pub column: String,
    pub values: Vec<String>,
}

/// A query's own status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusEntry {
    pub expression: String,
    pub name: String,
}

/// A dataset as read: its files' hashes and what loading it found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetEntry {
    pub code_table: String,
    pub files: Vec<FileEntry>,
    pub folder: String,
    pub name: String,
    pub persons_not_in_cohort: RegisterCounts,
    pub rows_read: RowsRead,
    /// Rows dropped per file (`--drop-invalid`).
    pub rows_rejected: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub bytes: u64,
    pub file: String,
    /// `manifest`, `cohort`, `dream`, `income` or `codes`.
    pub role: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterCounts {
    pub dream: u64,
    pub income: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowsRead {
    pub cohort: u64,
    pub dream: u64,
    pub income: u64,
}

impl QueryEntry {
    fn of(query: &Query) -> QueryEntry {
        let definitions = query.definitions.resolve();
        QueryEntry {
            at_start: query.at_start.as_ref().map(|s| s.text.clone()),
            definitions: Definitions {
                min_hours: definitions.min_hours,
                min_weeks_without_benefit: definitions.min_weeks_without_benefit,
            },
            group_by: query.group_by.clone(),
            metric: query.metric_def.name.to_string(),
            name: query.name.clone(),
            params: serde_json::to_value(query.resolved_params()).unwrap_or(Value::Null),
            path: query.path.display().to_string(),
            population: query
                .population
                .iter()
                .map(|f| PopulationFilter {
                    column: f.column.clone(),
                    values: f.values.clone(),
                })
                .collect(),
            sha256: sha256(query.text.as_bytes()),
            source: query.source.clone(),
            statuses: query
                .statuses
                .iter()
                .map(|s| StatusEntry {
                    expression: s.text.clone(),
                    name: s.name.clone(),
                })
                .collect(),
            window: serde_json::to_value(&query.window).unwrap_or(Value::Null),
        }
    }
}

impl DatasetEntry {
    fn of(run: &DatasetRun) -> Result<DatasetEntry> {
        let dataset = &run.dataset;
        let mut roles = vec![("manifest", dataset.dir.join(MANIFEST), MANIFEST.to_string())];
        for source in [&dataset.cohort, &dataset.dream, &dataset.income] {
            for file in &source.files {
                roles.push((source.role, file.path.clone(), file.name.clone()));
            }
        }
        if let Some(codes) = &dataset.codes {
            roles.push(("codes", codes.path.clone(), codes.name.clone()));
        }
        let files = roles
            .into_iter()
            .map(|(role, path, file)| {
                let (bytes, sha256) = file_hash(&path)?;
                Ok(FileEntry {
                    bytes,
                    file,
                    role: role.to_string(),
                    sha256,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let report = &run.report;
        Ok(DatasetEntry {
            code_table: run.code_table.clone(),
            files,
            folder: dataset.dir.display().to_string(),
            name: dataset.name.clone(),
            persons_not_in_cohort: RegisterCounts {
                dream: report.dream.persons_not_in_cohort,
                income: report.income.persons_not_in_cohort,
            },
            rows_read: RowsRead {
                cohort: report.cohort_rows,
                dream: report.dream.rows,
                income: report.income.rows,
            },
            rows_rejected: report.dropped_rows.clone(),
        })
    }
}

impl Manifest {
    /// The manifest of a run, without the start time and the output's hash (what the JSON output
    /// carries).
    pub fn new(queries: &[Query], datasets: &[DatasetRun], run: RunSpec) -> Result<Manifest> {
        Ok(Manifest {
            datasets: datasets
                .iter()
                .map(DatasetEntry::of)
                .collect::<Result<_>>()?,
            output_sha256: None,
            queries: queries.iter().map(QueryEntry::of).collect(),
            run,
            started: None,
            udfald: Build::current(),
        })
    }

    /// Reads a manifest written by `udfald run --provenance`; a file that is not one is a usage
    /// error.
    pub fn read(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| DataError::Usage(format!("cannot read {}: {err}", path.display())))?;
        Ok(serde_json::from_str(&text).map_err(|err| {
            DataError::Usage(format!(
                "{}: not a udfald provenance manifest: {err}",
                path.display()
            ))
        })?)
    }

    /// Writes the manifest as pretty JSON with a final newline (whole or not at all, see
    /// [`crate::output::AtomicFile`]).
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)? + "\n";
        crate::output::write_file(path, text.as_bytes())
    }

    /// The inputs that differ between this (recorded) manifest and `now`'s: udfald itself, a
    /// query file, a data file, or one that is no longer read.
    pub fn changed_inputs(&self, now: &Manifest) -> Vec<String> {
        let mut changes = Vec::new();
        if self.udfald != now.udfald {
            changes.push(format!(
                "udfald: was {}, now {}",
                self.udfald.as_json(),
                now.udfald.as_json()
            ));
        }
        for (before, after) in [
            (self.query_hashes(), now.query_hashes()),
            (self.file_hashes(), now.file_hashes()),
        ] {
            for (name, hash) in &before {
                match after.iter().find(|(n, _)| n == name) {
                    Some((_, now)) if now != hash => {
                        changes.push(format!("{name}: content changed"))
                    }
                    None => changes.push(format!("{name}: no longer part of the run")),
                    _ => {}
                }
            }
        }
        changes
    }

    /// Each query file's path and hash.
    fn query_hashes(&self) -> Vec<(String, String)> {
        self.queries
            .iter()
            .map(|q| (q.path.clone(), q.sha256.clone()))
            .collect()
    }

    /// Each data file as `folder/file` and its hash.
    fn file_hashes(&self) -> Vec<(String, String)> {
        self.datasets
            .iter()
            .flat_map(|d| {
                d.files
                    .iter()
                    .map(|f| (format!("{}/{}", d.folder, f.file), f.sha256.clone()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            datasets: vec![DatasetEntry {
                code_table: "built-in DREAM code table".into(),
                files: vec![FileEntry {
                    bytes: 198,
                    file: "dataset.toml".into(),
                    role: "manifest".into(),
                    sha256: "be3d".into(),
                }],
                folder: "data-samples/tiny".into(),
                name: "tiny".into(),
                persons_not_in_cohort: RegisterCounts {
                    dream: 0,
                    income: 1,
                },
                rows_read: RowsRead {
                    cohort: 10,
                    dream: 10,
                    income: 40,
                },
                rows_rejected: BTreeMap::from([("income.csv".to_string(), 2)]),
            }],
            output_sha256: Some("00ff".into()),
            queries: vec![QueryEntry {
                at_start: None,
                definitions: Definitions {
                    min_hours: 1.0,
                    min_weeks_without_benefit: 4,
                },
                group_by: vec!["arm".into()],
                metric: "share_ever".into(),
                name: "q".into(),
                params: serde_json::json!({"status": "paid_hours", "followup": "available"}),
                path: "q.toml".into(),
                population: vec![PopulationFilter {
                    column: "sex".into(),
                    values: vec!["F".into()],
                }],
                sha256: "abcd".into(),
                source: None,
                statuses: vec![StatusEntry {
                    expression: "hours >= 37".into(),
                    name: "full_time".into(),
                }],
                window: serde_json::json!({"from": 0, "to": null}),
            }],
            run: RunSpec {
                csv_dialect: None,
                data: None,
                drop_invalid: false,
                format: "json".into(),
                queries: vec!["queries/".into()],
                suppress_below: Some(5),
            },
            started: Some("2025-01-01T00:00:00Z".into()),
            udfald: Build::current(),
        }
    }

    /// The structs write the bytes a sorted JSON object would: the field order is alphabetical.
    #[test]
    fn serialises_with_sorted_keys() {
        let manifest = manifest();
        let direct = serde_json::to_string_pretty(&manifest).unwrap();
        let sorted =
            serde_json::to_string_pretty(&serde_json::to_value(&manifest).unwrap()).unwrap();
        assert_eq!(direct, sorted);
    }

    #[test]
    fn reads_back_what_it_writes() {
        let manifest = manifest();
        let text = serde_json::to_string_pretty(&manifest).unwrap();
        let read: Manifest = serde_json::from_str(&text).unwrap();
        assert_eq!(read, manifest);
    }

    /// The CSV dialect is recorded only when it is not the default: a manifest written before
    /// there was a choice reads as the default dialect, and a default run's manifest has the
    /// bytes it always had.
    #[test]
    fn csv_dialect_is_recorded_only_when_chosen() {
        let mut manifest = manifest();
        let text = serde_json::to_string_pretty(&manifest).unwrap();
        assert!(!text.contains("csv_dialect"));
        assert_eq!(serde_json::from_str::<Manifest>(&text).unwrap(), manifest);
        manifest.run.csv_dialect = Some("danish".into());
        let text = serde_json::to_string_pretty(&manifest).unwrap();
        assert!(text.contains("\"run\": {\n    \"csv_dialect\": \"danish\",\n    \"data\": null,"));
        assert_eq!(serde_json::from_str::<Manifest>(&text).unwrap(), manifest);
    }

    #[test]
    fn names_changed_and_missing_inputs() {
        let recorded = manifest();
        let mut now = manifest();
        assert!(recorded.changed_inputs(&now).is_empty());
        now.queries[0].sha256 = "ef01".into();
        now.datasets[0].files.clear();
        now.udfald.version = "9.9.9".into();
        assert_eq!(
            recorded.changed_inputs(&now),
            [
                format!(
                    "udfald: was {{\"commit\":\"{COMMIT}\",\"version\":\"{VERSION}\"}}, now {{\"commit\":\"{COMMIT}\",\"version\":\"9.9.9\"}}"
                ),
                "q.toml: content changed".to_string(),
                "data-samples/tiny/dataset.toml: no longer part of the run".to_string(),
            ]
        );
    }
}
