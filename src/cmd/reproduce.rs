//! `udfald reproduce`: re-run what a provenance manifest records and say whether the result is
//! byte-identical; when it is not, say which input changed (udfald, a query file, a data file).

use crate::error::{DataError, DEFAULT_PROBLEM_CAP, EXIT_DATA, EXIT_OK};
use anyhow::Result;
use clap::Args;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// A manifest written by `udfald run --provenance FILE`.
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,
}

/// Lists the differences between two manifests' inputs.
fn changed_inputs(old: &Value, new: &Value) -> Vec<String> {
    let mut changes = Vec::new();
    if old["udfald"] != new["udfald"] {
        changes.push(format!(
            "udfald: was {}, now {}",
            old["udfald"], new["udfald"]
        ));
    }
    let hashes = |manifest: &Value, list: &str, key: &str| -> Vec<(String, String)> {
        manifest[list]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .flat_map(|item| {
                        if list == "datasets" {
                            item["files"]
                                .as_array()
                                .cloned()
                                .unwrap_or_default()
                                .into_iter()
                                .map(|f| {
                                    (
                                        format!(
                                            "{}/{}",
                                            item["folder"].as_str().unwrap_or(""),
                                            f["file"].as_str().unwrap_or("")
                                        ),
                                        f["sha256"].as_str().unwrap_or("").to_string(),
                                    )
                                })
                                .collect::<Vec<_>>()
                        } else {
                            vec![(
                                item[key].as_str().unwrap_or("").to_string(),
                                item["sha256"].as_str().unwrap_or("").to_string(),
                            )]
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    for list in ["queries", "datasets"] {
        let before = hashes(old, list, "path");
        let after = hashes(new, list, "path");
        for (name, hash) in &before {
            match after.iter().find(|(n, _)| n == name) {
                Some((_, now)) if now != hash => changes.push(format!("{name}: content changed")),
                None => changes.push(format!("{name}: no longer part of the run")),
                _ => {}
            }
        }
    }
    changes
}

pub fn run(args: &ReproduceArgs) -> Result<i32> {
    let text = std::fs::read_to_string(&args.manifest).map_err(|err| {
        DataError::Usage(format!("cannot read {}: {err}", args.manifest.display()))
    })?;
    let recorded: Value = serde_json::from_str(&text).map_err(|err| {
        DataError::Usage(format!(
            "{}: not a udfald provenance manifest: {err}",
            args.manifest.display()
        ))
    })?;
    let spec: super::run::RunSpec =
        serde_json::from_value(recorded["run"].clone()).map_err(|err| {
            DataError::Usage(format!(
                "{}: the manifest's run section is unreadable: {err}",
                args.manifest.display()
            ))
        })?;
    let (bytes, provenance) = super::run::execute(&spec, DEFAULT_PROBLEM_CAP)?;
    let hash = crate::hash::sha256(&bytes);
    let expected = recorded["output_sha256"].as_str().unwrap_or("");
    if hash == expected {
        println!("identical: the result reproduces byte for byte (sha256 {hash})");
        return Ok(EXIT_OK);
    }
    println!("differs: the result's sha256 is {hash}, the manifest recorded {expected}");
    let changes = changed_inputs(&recorded, &provenance);
    if changes.is_empty() {
        println!("no recorded input changed");
    }
    for change in changes {
        println!("  changed input: {change}");
    }
    Ok(EXIT_DATA)
}
