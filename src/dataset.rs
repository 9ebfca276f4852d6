//! The dataset manifest, `dataset.toml` (spec `data-formats.md`, "A dataset"): which files make up
//! a dataset and what they cover. Opening a dataset checks the manifest and that every named file
//! exists with a readable format, before any of them is read.

use crate::calendar::Month;
use crate::error::DataError;
use anyhow::Result;
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "dataset.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    name: String,
    #[serde(default)]
    description: String,
    cohort: String,
    dream: String,
    income: String,
    codes: Option<String>,
    income_through: Option<String>,
    /// udfald extension: first month the income register covers (default: unbounded).
    income_from: Option<String>,
    /// udfald extension: add up duplicate (person, month, employer) income rows instead of
    /// refusing them.
    #[serde(default)]
    sum_duplicate_income: bool,
    /// Cohort columns that identify persons besides `person_id` (a case number, say): never a
    /// group, a category or a parameter's column (spec `disclosure.md` §4).
    #[serde(default)]
    identifiers: Vec<String>,
}

/// A file format, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

/// A file of the dataset, with the name used in messages (its path as the manifest wrote it).
#[derive(Debug, Clone)]
pub struct DataFile {
    pub path: PathBuf,
    pub name: String,
    pub format: Format,
}

#[derive(Debug, Clone)]
pub struct Dataset {
    pub dir: PathBuf,
    pub name: String,
    pub description: String,
    pub cohort: DataFile,
    pub dream: DataFile,
    pub income: DataFile,
    /// `None`: the built-in code table.
    pub codes: Option<DataFile>,
    pub income_through: Option<Month>,
    pub income_from: Option<Month>,
    pub sum_duplicate_income: bool,
    /// Cohort columns that identify persons: `person_id` and `pnr` always, and the manifest's
    /// `identifiers`.
    pub identifiers: Vec<String>,
}

impl Dataset {
    /// Reads `DIR/dataset.toml` and checks that the files it names exist.
    pub fn open(dir: &Path) -> Result<Dataset> {
        let manifest_path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&manifest_path).map_err(|err| {
            DataError::Usage(format!(
                "cannot read the dataset manifest {}: {err}; a dataset is a folder holding {MANIFEST}",
                manifest_path.display()
            ))
        })?;
        let manifest: Manifest = toml::from_str(&text).map_err(|err| {
            DataError::Usage(format!(
                "{}: {}",
                manifest_path.display(),
                err.to_string().trim_end()
            ))
        })?;
        let month = |key: &str, value: &Option<String>| -> Result<Option<Month>> {
            value
                .as_deref()
                .map(|text| {
                    Month::parse(text).ok_or_else(|| {
                        DataError::Usage(format!(
                            "{}: key {key}: value {text:?} is not a month YYYY-MM",
                            manifest_path.display()
                        ))
                        .into()
                    })
                })
                .transpose()
        };
        let file = |key: &str, name: &str| -> Result<DataFile> {
            let path = dir.join(name);
            let format = match path.extension().and_then(|ext| ext.to_str()) {
                Some(ext) if ext.eq_ignore_ascii_case("csv") => Format::Csv,
                Some(ext) if ext.eq_ignore_ascii_case("parquet") => Format::Parquet,
                _ => {
                    return Err(DataError::Usage(format!(
                        "{}: key {key}: {name:?} must end in .csv or .parquet",
                        manifest_path.display()
                    ))
                    .into())
                }
            };
            // A dataset folder is what a user hands over: a manifest may not make udfald read
            // another file, by an absolute path, `..` or a symbolic link.
            let outside = || {
                DataError::Usage(format!(
                    "{}: key {key}: {name:?} is outside the dataset folder {}: paths in a manifest are relative to its folder and stay inside it, after resolving \"..\" and symbolic links (spec data-formats.md, \"Nothing outside the dataset folder\")",
                    manifest_path.display(),
                    dir.display()
                ))
            };
            if Path::new(name).is_absolute() {
                return Err(outside().into());
            }
            if !path.is_file() {
                return Err(DataError::Usage(format!(
                    "{}: key {key}: file {} does not exist",
                    manifest_path.display(),
                    path.display()
                ))
                .into());
            }
            let inside = match (dir.canonicalize(), path.canonicalize()) {
                (Ok(dir), Ok(path)) => path.starts_with(dir),
                _ => false,
            };
            if !inside {
                return Err(outside().into());
            }
            Ok(DataFile {
                path,
                name: name.to_string(),
                format,
            })
        };
        Ok(Dataset {
            dir: dir.to_path_buf(),
            name: manifest.name.clone(),
            description: manifest.description.clone(),
            cohort: file("cohort", &manifest.cohort)?,
            dream: file("dream", &manifest.dream)?,
            income: file("income", &manifest.income)?,
            codes: manifest
                .codes
                .as_deref()
                .map(|name| file("codes", name))
                .transpose()?,
            income_through: month("income_through", &manifest.income_through)?,
            income_from: month("income_from", &manifest.income_from)?,
            sum_duplicate_income: manifest.sum_duplicate_income,
            identifiers: ["person_id", "pnr"]
                .into_iter()
                .map(String::from)
                .chain(manifest.identifiers)
                .collect(),
        })
    }
}
