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
    cohort: Files,
    dream: Files,
    income: Files,
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
    /// Text encoding of CSV files and of SAS/Stata text that declares none.
    encoding: Option<String>,
    /// Per role, the spec's column names mapped to the file's own (`[columns.income]`).
    #[serde(default)]
    columns: std::collections::BTreeMap<String, std::collections::BTreeMap<String, ColumnName>>,
}

/// One file, or several read in order as one (a list, or a glob).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Files {
    One(String),
    Several(Vec<String>),
}

/// A mapped column: the file's own name, with the format of a date held as a number.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ColumnName {
    Plain(String),
    Formatted(FormattedColumn),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormattedColumn {
    name: String,
    format: String,
}

/// How a date or month is written as a number or digits (`[columns.<role>]`'s `format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateDigits {
    /// `20210315`.
    Yyyymmdd,
    /// `202103`.
    Yyyymm,
}

/// A column of a role's files under the spec's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedColumn {
    /// The spec's name (`person_id`, `hours`, …).
    pub spec: String,
    /// The file's own name (`PNR`, `AJO_LOENTIMER`, …).
    pub file: String,
    pub digits: Option<DateDigits>,
}

/// The files of one role (cohort, DREAM, income), read in order as one table.
#[derive(Debug, Clone)]
pub struct Source {
    pub role: &'static str,
    pub files: Vec<DataFile>,
    /// `[columns.<role>]`: the spec's names the files spell otherwise.
    pub columns: Vec<MappedColumn>,
    /// Text encoding of CSV files, and of SAS/Stata text whose file declares none.
    pub encoding: &'static encoding_rs::Encoding,
    /// For messages: the file's name as the manifest gives it, or the files' names joined.
    pub name: String,
}

impl Source {
    /// The column of the files holding the spec's column `spec`: its mapped name, or `spec`.
    pub fn file_column<'a>(&'a self, spec: &'a str) -> &'a str {
        self.columns
            .iter()
            .find(|c| c.spec == spec)
            .map_or(spec, |c| c.file.as_str())
    }
}

/// A file format, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
    /// SAS `.sas7bdat`.
    Sas,
    /// Stata `.dta`.
    Stata,
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
    pub cohort: Source,
    pub dream: Source,
    pub income: Source,
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
                Some(ext) if ext.eq_ignore_ascii_case("sas7bdat") => Format::Sas,
                Some(ext) if ext.eq_ignore_ascii_case("dta") => Format::Stata,
                _ => {
                    return Err(DataError::Usage(format!(
                        "{}: key {key}: {name:?} must end in .csv, .parquet, .sas7bdat or .dta",
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
        let usage = |message: String| -> anyhow::Error {
            DataError::Usage(format!("{}: {message}", manifest_path.display())).into()
        };
        let encoding = match manifest.encoding.as_deref() {
            None => encoding_rs::UTF_8,
            Some(label) => match encoding_rs::Encoding::for_label(label.trim().as_bytes()) {
                Some(e) if e == encoding_rs::UTF_8 || e == encoding_rs::WINDOWS_1252 => e,
                _ => {
                    return Err(usage(format!(
                        "key encoding: {label:?} is not an encoding udfald reads: \"utf-8\" (the default) or \"windows-1252\" (\"latin1\" is read as windows-1252)"
                    )))
                }
            },
        };
        if let Some(role) = manifest
            .columns
            .keys()
            .find(|r| !ROLES.contains(&r.as_str()))
        {
            return Err(usage(format!(
                "[columns.{role}]: no such role; columns are mapped for {}",
                ROLES.join(", ")
            )));
        }
        let source = |role: &'static str, files: &Files| -> Result<Source> {
            let names: Vec<&String> = match files {
                Files::One(name) => vec![name],
                Files::Several(names) => names.iter().collect(),
            };
            if names.is_empty() {
                return Err(usage(format!("key {role}: names no file")));
            }
            let mut found = Vec::new();
            for name in names {
                if !name.contains(['*', '?', '[']) {
                    found.push(file(role, name)?);
                    continue;
                }
                // A glob expands in sorted order, each file checked like one named.
                let pattern = dir.join(name).to_string_lossy().to_string();
                let paths = glob::glob(&pattern)
                    .map_err(|err| usage(format!("key {role}: pattern {name:?}: {err}")))?;
                let mut matched: Vec<String> = paths
                    .filter_map(|path| path.ok())
                    .map(|path| {
                        path.strip_prefix(dir)
                            .unwrap_or(&path)
                            .to_string_lossy()
                            .to_string()
                    })
                    .collect();
                matched.sort();
                if matched.is_empty() {
                    return Err(usage(format!(
                        "key {role}: pattern {name:?} matches no file in {}",
                        dir.display()
                    )));
                }
                for name in matched {
                    found.push(file(role, &name)?);
                }
            }
            let columns = manifest
                .columns
                .get(role)
                .into_iter()
                .flatten()
                .map(|(spec, column)| mapped(role, spec, column).map_err(usage))
                .collect::<Result<Vec<_>>>()?;
            let name = found
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(" + ");
            Ok(Source {
                role,
                files: found,
                columns,
                encoding,
                name,
            })
        };
        Ok(Dataset {
            dir: dir.to_path_buf(),
            name: manifest.name.clone(),
            description: manifest.description.clone(),
            cohort: source("cohort", &manifest.cohort)?,
            dream: source("dream", &manifest.dream)?,
            income: source("income", &manifest.income)?,
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

/// The roles whose files a manifest names, and whose columns it may map.
const ROLES: [&str; 3] = ["cohort", "dream", "income"];

/// A `[columns.<role>]` entry checked: a spec column the role has (any column of the cohort, whose
/// covariates are its own), and a date format only where the spec reads a date or a month.
fn mapped(role: &str, spec: &str, column: &ColumnName) -> Result<MappedColumn, String> {
    let known: &[&str] = match role {
        "dream" => &["person_id", "year_week", "code"],
        "income" => &["person_id", "month", "employer_id", "hours", "wage"],
        _ => &[],
    };
    if !known.is_empty() && !known.contains(&spec) {
        return Err(format!(
            "[columns.{role}] key {spec}: not a column of {role} (columns: {}); DREAM's week columns keep their own y_YYWW names",
            known.join(", ")
        ));
    }
    let (file, format) = match column {
        ColumnName::Plain(name) => (name.clone(), None),
        ColumnName::Formatted(FormattedColumn { name, format }) => (name.clone(), Some(format)),
    };
    let dated = matches!(
        (role, spec),
        ("cohort", "start_date" | "end_date") | ("income", "month")
    );
    let digits = match format.map(|f| f.as_str()) {
        None => None,
        Some(_) if !dated => {
            return Err(format!(
                "[columns.{role}] key {spec}: a format is for a date or month held as digits (cohort start_date and end_date, income month)"
            ))
        }
        Some("yyyymmdd") => Some(DateDigits::Yyyymmdd),
        Some("yyyymm") => Some(DateDigits::Yyyymm),
        Some(other) => {
            return Err(format!(
                "[columns.{role}] key {spec}: format {other:?} is not \"yyyymmdd\" or \"yyyymm\""
            ))
        }
    };
    Ok(MappedColumn {
        spec: spec.to_string(),
        file,
        digits,
    })
}
