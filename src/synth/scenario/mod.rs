//! The scenario: every parameter of the synthetic generator, with defaults that describe an
//! FSM II-like cohort (mostly social-assistance recipients, plus resource-course and
//! clarification projects), read from a TOML file.
//!
//! Parameters describe mechanisms (weekly hazards, spell lengths, hour distributions, programme
//! multipliers), never target figures: what a metric shows on the generated data is an outcome
//! of the process, which is what lets the metrics be tested against it. The documented copy of
//! the defaults is `data-samples/scenarios/default.toml`; a unit test keeps the two identical.

use crate::calendar::{parse_date, Month, Week};
use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

mod params;
mod validate;

pub use params::*;

/// The DREAM categories of the code table (spec `data-formats.md`, "The code table").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    UnemploymentInsurance,
    SocialAssistance,
    ResourceCourse,
    JobClarification,
    Sickness,
    Flexjob,
    FlexjobUnemployment,
    DisabilityPension,
    EarlyRetirement,
    Education,
    Internship,
    WageSubsidy,
    OtherGuidance,
    Leave,
    OtherBenefit,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::UnemploymentInsurance => "unemployment_insurance",
            Category::SocialAssistance => "social_assistance",
            Category::ResourceCourse => "resource_course",
            Category::JobClarification => "job_clarification",
            Category::Sickness => "sickness",
            Category::Flexjob => "flexjob",
            Category::FlexjobUnemployment => "flexjob_unemployment",
            Category::DisabilityPension => "disability_pension",
            Category::EarlyRetirement => "early_retirement",
            Category::Education => "education",
            Category::Internship => "internship",
            Category::WageSubsidy => "wage_subsidy",
            Category::OtherGuidance => "other_guidance",
            Category::Leave => "leave",
            Category::OtherBenefit => "other_benefit",
        }
    }

    /// Categories a person can hold as a lasting income benefit ("base benefit"), as opposed to
    /// activities, absorbing states and education, which the simulation enters by its own rules.
    pub const BASE: [Category; 6] = [
        Category::UnemploymentInsurance,
        Category::SocialAssistance,
        Category::ResourceCourse,
        Category::JobClarification,
        Category::Sickness,
        Category::OtherBenefit,
    ];
}

/// Every parameter of the generator. Missing keys take their defaults; unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Short name, written into the dataset's manifest.
    pub name: String,
    /// Persons to simulate when `synth --persons` is not given, and for a query whose dataset
    /// is this scenario file. With per-project `persons`, their sum (and this must agree).
    pub persons: Option<u64>,
    /// Seed when `synth --seed` is not given, and for a query whose dataset is this file.
    pub seed: Option<u64>,
    /// Name of the cohort column that holds the project (e.g. `pathway`).
    pub project_column: String,
    /// First month of the data window (`YYYY-MM`): DREAM starts at its first Thursday-rule week.
    pub data_from: String,
    /// Last month of the data window (`YYYY-MM`).
    pub data_through: String,
    /// Last month of the income register (`YYYY-MM`); `None` means `data_through`.
    pub income_through: Option<String>,
    /// Start dates are uniform on `start_from ..= start_through` (`YYYY-MM-DD`).
    pub start_from: String,
    pub start_through: String,
    /// Share of persons who start in the first `start_burst_weeks` weeks of the start window (a
    /// project's opening intake); the others start uniformly over the whole window.
    pub start_burst_share: f64,
    pub start_burst_weeks: u32,
    /// Weeks simulated before the data window and not written, so that the first data week
    /// holds settled spells rather than everyone starting fresh.
    pub burn_in_weeks: u32,
    /// Cohort selection: at the start week everyone is on their base benefit (a full-time job or
    /// self-support ends, small jobs are kept), and nobody reaches an absorbing state before start.
    pub on_benefit_at_start: bool,
    /// Share of persons who never receive a benefit and so have no DREAM row at all.
    pub dream_absent_share: f64,
    pub population: Population,
    pub projects: Vec<Project>,
    pub benefit: Benefit,
    pub clarification: Clarification,
    pub activities: Activities,
    pub jobs: Jobs,
    pub income: Income,
    pub programme: Programme,
    pub exit: Exit,
    /// Per project with `overrides`: the whole scenario with the overrides merged in.
    #[serde(skip)]
    pub(crate) project_scenarios: Vec<(usize, Scenario)>,
}

/// Top-level keys a project's `overrides` may set. The data window, the burn-in, the projects and
/// the population's names stay common: they shape the files every project shares.
const OVERRIDABLE: [&str; 12] = [
    "start_from",
    "start_through",
    "start_burst_share",
    "start_burst_weeks",
    "dream_absent_share",
    "benefit",
    "clarification",
    "activities",
    "jobs",
    "income",
    "programme",
    "exit",
];

/// `population` keys a project's `overrides` may set.
const POPULATION_OVERRIDABLE: [&str; 4] = [
    "birth_year_min",
    "birth_year_max",
    "municipalities",
    "municipality_effect_sd",
];

impl Default for Scenario {
    fn default() -> Scenario {
        Scenario {
            name: "fsm2-like".to_string(),
            persons: None,
            seed: None,
            project_column: "project".to_string(),
            data_from: "2017-01".to_string(),
            data_through: "2022-06".to_string(),
            income_through: None,
            start_from: "2019-01-01".to_string(),
            start_through: "2021-06-30".to_string(),
            start_burst_share: 0.0,
            start_burst_weeks: 4,
            burn_in_weeks: 52,
            on_benefit_at_start: true,
            dream_absent_share: 0.0,
            population: Population::default(),
            projects: default_projects(),
            benefit: Benefit::default(),
            clarification: Clarification::default(),
            activities: Activities::default(),
            jobs: Jobs::default(),
            income: Income::default(),
            programme: Programme::default(),
            exit: Exit::default(),
            project_scenarios: Vec::new(),
        }
    }
}

impl Scenario {
    /// Reads and validates a scenario file; messages name the file and the offending key.
    pub fn from_toml_file(path: &Path) -> Result<Scenario> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read scenario file {}", path.display()))?;
        Scenario::from_toml_str(&text)
            .map_err(|e| anyhow!("scenario file {}: {e:#}", path.display()))
    }

    pub(crate) fn from_toml_str(text: &str) -> Result<Scenario> {
        let raw: toml::Table = toml::from_str(text).map_err(|e| anyhow!("{e}"))?;
        let mut scenario: Scenario = toml::Value::Table(raw.clone())
            .try_into()
            .map_err(|e| anyhow!("{e}"))?;
        scenario.resolve_overrides(&raw)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// The scenario that applies to project `index`: this one, or this one with the project's
    /// `overrides` merged in.
    pub fn for_project(&self, index: usize) -> &Scenario {
        self.project_scenarios
            .iter()
            .find(|(i, _)| *i == index)
            .map_or(self, |(_, scenario)| scenario)
    }

    /// The exact persons per project, when the projects give them.
    pub fn project_persons(&self) -> Option<Vec<u64>> {
        self.projects.iter().map(|p| p.persons).collect()
    }

    /// Whether any project simulates project exits (the cohort then has an `end_date` column).
    pub fn has_exits(&self) -> bool {
        (0..self.projects.len()).any(|i| self.for_project(i).exit.is_on()) || self.exit.is_on()
    }

    /// Persons to simulate: the projects' sum, else `persons`.
    pub fn total_persons(&self) -> Option<u64> {
        self.project_persons()
            .map(|counts| counts.iter().fold(0u64, |sum, &n| sum.saturating_add(n)))
            .or(self.persons)
    }

    fn resolve_overrides(&mut self, raw: &toml::Table) -> Result<()> {
        let mut base = raw.clone();
        for key in ["projects", "persons", "seed"] {
            base.remove(key);
        }
        for (index, project) in self.projects.iter().enumerate() {
            let Some(overrides) = &project.overrides else {
                continue;
            };
            let context = format!("projects[{}].overrides", project.name);
            for (key, value) in overrides {
                if !OVERRIDABLE.contains(&key.as_str()) && key != "population" {
                    bail!(
                        "{context}: {key} cannot differ between projects (allowed: population.{}, {})",
                        POPULATION_OVERRIDABLE.join(", population."),
                        OVERRIDABLE.join(", ")
                    );
                }
                if key == "population" {
                    let keys = value
                        .as_table()
                        .map(|t| t.keys().cloned().collect::<Vec<_>>());
                    for key in keys.unwrap_or_default() {
                        if !POPULATION_OVERRIDABLE.contains(&key.as_str()) {
                            bail!(
                                "{context}: population.{key} cannot differ between projects (allowed: population.{})",
                                POPULATION_OVERRIDABLE.join(", population.")
                            );
                        }
                    }
                }
            }
            let mut merged = base.clone();
            merge(&mut merged, overrides);
            let mut effective: Scenario = toml::Value::Table(merged)
                .try_into()
                .map_err(|e| anyhow!("{context}: {e}"))?;
            effective.projects = self.projects.clone();
            effective
                .validate()
                .map_err(|e| anyhow!("{context}: {e:#}"))?;
            self.project_scenarios.push((index, effective));
        }
        Ok(())
    }

    pub(crate) fn window(&self) -> Result<Window> {
        let month = |key: &str, text: &str| {
            Month::parse(text).ok_or_else(|| anyhow!("{key} = {text:?} is not a month YYYY-MM"))
        };
        let date = |key: &str, text: &str| {
            parse_date(text).ok_or_else(|| anyhow!("{key} = {text:?} is not a date YYYY-MM-DD"))
        };
        let data_from = month("data_from", &self.data_from)?;
        let data_through = month("data_through", &self.data_through)?;
        let income_through = match &self.income_through {
            Some(text) => month("income_through", text)?,
            None => data_through,
        };
        Ok(Window {
            data_from,
            data_through,
            income_through,
            start_from: date("start_from", &self.start_from)?,
            start_through: date("start_through", &self.start_through)?,
        })
    }
}

/// Merges `over` into `base` key by key; tables merge recursively, anything else replaces.
fn merge(base: &mut toml::Table, over: &toml::Table) {
    for (key, value) in over {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(over_inner)) => {
                merge(inner, over_inner)
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests;
