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
    /// Per project with `overrides`: the whole scenario with the overrides merged in.
    #[serde(skip)]
    pub(crate) project_scenarios: Vec<(usize, Scenario)>,
}

/// Top-level keys a project's `overrides` may set. The data window, the burn-in, the projects and
/// the population's names stay common: they shape the files every project shares.
const OVERRIDABLE: [&str; 11] = [
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
];

/// `population` keys a project's `overrides` may set.
const POPULATION_OVERRIDABLE: [&str; 4] = [
    "birth_year_min",
    "birth_year_max",
    "municipalities",
    "municipality_effect_sd",
];

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Population {
    /// Probability of the `treatment` arm (else `control`).
    pub treatment_share: f64,
    /// Probability of sex `F`, unless the project sets its own.
    pub female_share: f64,
    /// Birth years are uniform on `birth_year_min ..= birth_year_max`.
    pub birth_year_min: i32,
    pub birth_year_max: i32,
    /// Relative weights of the `origin` values.
    pub origin: BTreeMap<String, f64>,
    /// A count (named `Kommune 01`, `Kommune 02`, …) or a list of names; persons are spread
    /// uniformly.
    pub municipalities: Municipalities,
    /// Log-scale standard deviation of a per-municipality factor on the programme's extra job
    /// finding, so that the treatment effect differs between jobcentres.
    pub municipality_effect_sd: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Municipalities {
    Count(u32),
    Names(Vec<String>),
}

impl Municipalities {
    pub fn names(&self) -> Vec<String> {
        match self {
            Municipalities::Count(n) => {
                let width = n.to_string().len().max(2);
                (1..=*n).map(|i| format!("Kommune {i:0width$}")).collect()
            }
            Municipalities::Names(names) => names.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Project {
    pub name: String,
    /// Relative weight of the project in the cohort.
    pub share: f64,
    /// Overrides `population.female_share` for this project.
    pub female_share: Option<f64>,
    /// Relative weights of the base benefit a person of this project has (categories from
    /// `Category::BASE`).
    pub benefit_mix: BTreeMap<Category, f64>,
    /// Multiplies the weekly job-finding hazard (distance from the labour market).
    pub job_finding_multiplier: f64,
    /// Multiply the clarification hazards (resource course, flexjob, disability pension).
    pub resource_course_multiplier: f64,
    pub flexjob_multiplier: f64,
    pub disability_multiplier: f64,
    /// An exact number of persons instead of `share` (all projects or none): persons are then
    /// assigned to projects in order, so a cohort of published size has its published split.
    pub persons: Option<u64>,
    /// Scenario keys that differ for this project (see `OVERRIDABLE`), merged key by key over
    /// the scenario's own: e.g. `overrides = { jobs = { loss_hazard = 0.02 } }`.
    pub overrides: Option<toml::Table>,
}

impl Default for Project {
    fn default() -> Project {
        Project {
            name: String::new(),
            share: 1.0,
            female_share: None,
            benefit_mix: BTreeMap::from([(Category::SocialAssistance, 1.0)]),
            job_finding_multiplier: 1.0,
            resource_course_multiplier: 1.0,
            flexjob_multiplier: 1.0,
            disability_multiplier: 1.0,
            persons: None,
            overrides: None,
        }
    }
}

/// Moving on and off the base benefit without a job.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Benefit {
    /// Probability of being on the base benefit in the first simulated week.
    pub initial_on_benefit_share: f64,
    /// Weekly hazard of leaving benefit without a job (supported by a partner, moved, …).
    pub exit_hazard: f64,
    /// Weekly hazard of a person off benefit and without a job returning to benefit.
    pub reentry_hazard: f64,
    /// Probability that a self-supporting person whose last job ends returns to benefit at once.
    pub return_after_job_loss: f64,
    /// Social assistance below this age (at start) is coded as education benefit
    /// (uddannelseshjælp, 702) instead of 701; education then as SU (651) instead of VUS (661).
    pub young_age_below: i32,
}

/// Being clarified to another benefit: resource course, flexjob, disability pension, early
/// retirement. These hazards apply only to persons on benefit.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Clarification {
    /// Weekly hazard of the base benefit turning into resource course.
    pub resource_course_hazard: f64,
    /// Weekly hazard of being granted flexjob status (near-absorbing).
    pub flexjob_hazard: f64,
    /// Weekly hazard of leaving flexjob status, back to the base benefit.
    pub flexjob_exit_hazard: f64,
    /// Probability that a flexjob starts at once on entry (else ledighedsydelse until found).
    pub flexjob_job_at_entry: f64,
    /// Weekly hazard of finding a flexjob while on ledighedsydelse.
    pub flexjob_finding_hazard: f64,
    /// Weekly hazard that a flexjob ends (back to ledighedsydelse); `None`: `jobs.loss_hazard`.
    pub flexjob_loss_hazard: Option<f64>,
    /// Weekly hours of a flexjob are uniform on this range.
    pub flexjob_hours_min: f64,
    pub flexjob_hours_max: f64,
    /// Probability that an internship the company does not turn into an ordinary job ends in
    /// flexjob status with a flexjob at that company (the internship clarified the work ability).
    pub flexjob_after_internship: f64,
    /// Probability that a person whose last job ends is granted flexjob status (an ordinary job
    /// that did not hold).
    pub flexjob_after_job_loss: f64,
    /// Weekly hazard of disability pension (absorbing).
    pub disability_hazard: f64,
    /// From this age on, weekly hazard of voluntary early retirement (absorbing).
    pub early_retirement_age: i32,
    pub early_retirement_hazard: f64,
}

/// A temporary spell: its weekly entry hazard and mean length (geometric).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spell {
    pub hazard: f64,
    pub mean_weeks: f64,
}

/// Temporary spells that show in DREAM over the base benefit.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Activities {
    /// Company internship (virksomhedspraktik), for persons on benefit; unpaid by the employer.
    pub internship: Spell,
    /// Probability of being hired by the internship's company when it ends.
    pub internship_hire_share: f64,
    /// Wage-subsidy job (løntilskud), for persons on benefit; paid hours at a new employer.
    pub wage_subsidy: Spell,
    pub wage_subsidy_hours_min: f64,
    pub wage_subsidy_hours_max: f64,
    /// Probability that the employer keeps the person on ordinary terms when the subsidy ends.
    pub wage_subsidy_hire_share: f64,
    /// Education on SU / VUS (not public support), for anyone.
    pub education: Spell,
    /// Sickness benefit, for anyone; jobs are kept but no hours are worked.
    pub sickness: Spell,
    /// Other guidance and upskilling (ØVO), for persons on benefit.
    pub other_guidance: Spell,
    /// Maternity / childcare leave, for women up to `leave_max_age`; jobs paused.
    pub leave: Spell,
    pub leave_max_age: i32,
    /// Multiplies the leave hazard for men.
    pub leave_men_multiplier: f64,
    /// Log-scale standard deviation of a person-level factor (mean 1) on the jobcentre offers
    /// (internship, wage subsidy, ØVO): some persons get one offer after another, others none.
    pub offer_heterogeneity_sd: f64,
}

/// Jobs and hours. A job is an employer and weekly hours.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Jobs {
    /// Weekly hazard of finding a job for a person without one.
    pub finding_hazard: f64,
    /// Log-scale standard deviation of a person-level factor on the finding hazard (mean 1):
    /// some persons find jobs again and again, most rarely.
    pub finding_heterogeneity_sd: f64,
    /// Multiplies the finding hazard by the person's base benefit at the first simulated week
    /// (a missing benefit: 1), e.g. `{ resource_course = 1.4 }`.
    pub finding_by_benefit: BTreeMap<Category, f64>,
    /// Weekly hazard that a job ends.
    pub loss_hazard: f64,
    /// Probability that a new ordinary job is one that does not hold, and its weekly hazard of
    /// ending (instead of `loss_hazard`): trial jobs that end within weeks.
    pub short_share: f64,
    pub short_loss_hazard: f64,
    /// Weekly hazard of moving straight to a job at another employer.
    pub change_hazard: f64,
    /// Weekly hazard that a person with one job takes a second, small one.
    pub second_job_hazard: f64,
    pub second_job_hours_min: f64,
    pub second_job_hours_max: f64,
    /// Weekly hazard that a job's hours change; up with probability `hours_up_share`, by a
    /// relative step uniform on 5% .. `hours_change_max`.
    pub hours_change_hazard: f64,
    pub hours_up_share: f64,
    pub hours_change_max: f64,
    /// Weekly hours of a new job: a band drawn by share, then uniform in it.
    pub hours_bands: Vec<HoursBand>,
    /// Weekly hours never exceed this.
    pub full_time_hours: f64,
    /// With at least these weekly hours in all, a person leaves benefit (self-support).
    pub self_support_hours: f64,
    /// Probability that a job below `self_support_hours` comes with benefit kept (paid hours on
    /// benefit) rather than leaving benefit.
    pub small_job_keeps_benefit: f64,
    /// Employer ids are drawn uniformly from this many employers.
    pub employers: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursBand {
    pub share: f64,
    pub min: f64,
    pub max: f64,
}

/// Turning weekly hours into the monthly income register.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Income {
    /// Person-level hourly wage (DKK): normal, floored at `hourly_wage_min`.
    pub hourly_wage_mean: f64,
    pub hourly_wage_sd: f64,
    pub hourly_wage_min: f64,
    /// Relative standard deviation of monthly hours per employer around the weekly sum.
    pub hours_noise_sd: f64,
    /// Relative standard deviation of the monthly wage around hours × hourly wage.
    pub wage_noise_sd: f64,
}

/// What the programme changes from the start week for `duration_weeks` weeks. Activity
/// multipliers apply in full to the treatment arm and by `control_activation` to the control arm.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Programme {
    pub duration_weeks: u32,
    /// Multiplies the job-finding hazard of the treatment arm.
    pub treatment_effect: f64,
    /// Multiplies the job-finding hazard of the control arm.
    pub control_effect: f64,
    /// Multiplies the job-loss hazard of the treatment arm (support after hiring).
    pub treatment_job_loss_multiplier: f64,
    /// Fraction of each activity multiplier's excess over 1 that the control arm gets
    /// (0: controls keep the base hazards; 1: same activation as treatment).
    pub control_activation: f64,
    pub internship_multiplier: f64,
    pub wage_subsidy_multiplier: f64,
    pub other_guidance_multiplier: f64,
    pub education_multiplier: f64,
    pub resource_course_multiplier: f64,
    pub flexjob_multiplier: f64,
    pub disability_multiplier: f64,
}

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
            project_scenarios: Vec::new(),
        }
    }
}

impl Default for Population {
    fn default() -> Population {
        Population {
            treatment_share: 0.5,
            female_share: 0.55,
            birth_year_min: 1957,
            birth_year_max: 2000,
            origin: BTreeMap::from([
                ("danish".to_string(), 0.62),
                ("western".to_string(), 0.06),
                ("non_western".to_string(), 0.32),
            ]),
            municipalities: Municipalities::Count(30),
            municipality_effect_sd: 0.4,
        }
    }
}

fn default_projects() -> Vec<Project> {
    use Category::*;
    vec![
        Project {
            name: "FSM2".to_string(),
            share: 0.45,
            female_share: Some(0.58),
            benefit_mix: BTreeMap::from([
                (SocialAssistance, 0.9),
                (UnemploymentInsurance, 0.04),
                (ResourceCourse, 0.03),
                (Sickness, 0.03),
            ]),
            job_finding_multiplier: 1.0,
            resource_course_multiplier: 0.5,
            flexjob_multiplier: 0.3,
            disability_multiplier: 0.3,
            ..Project::default()
        },
        Project {
            name: "BIR".to_string(),
            share: 0.2,
            female_share: Some(0.35),
            benefit_mix: BTreeMap::from([
                (ResourceCourse, 0.65),
                (SocialAssistance, 0.2),
                (JobClarification, 0.1),
                (OtherBenefit, 0.05),
            ]),
            job_finding_multiplier: 0.3,
            resource_course_multiplier: 0.0,
            flexjob_multiplier: 1.5,
            disability_multiplier: 1.0,
            ..Project::default()
        },
        Project {
            name: "AP".to_string(),
            share: 0.35,
            female_share: Some(0.5),
            benefit_mix: BTreeMap::from([(SocialAssistance, 0.97), (Sickness, 0.03)]),
            job_finding_multiplier: 0.2,
            resource_course_multiplier: 1.5,
            flexjob_multiplier: 1.0,
            disability_multiplier: 3.0,
            ..Project::default()
        },
    ]
}

impl Default for Benefit {
    fn default() -> Benefit {
        Benefit {
            initial_on_benefit_share: 0.8,
            exit_hazard: 0.004,
            reentry_hazard: 0.03,
            return_after_job_loss: 0.7,
            young_age_below: 30,
        }
    }
}

impl Default for Clarification {
    fn default() -> Clarification {
        Clarification {
            resource_course_hazard: 0.0008,
            flexjob_hazard: 0.0008,
            flexjob_exit_hazard: 0.002,
            flexjob_job_at_entry: 0.6,
            flexjob_finding_hazard: 0.03,
            flexjob_loss_hazard: None,
            flexjob_hours_min: 8.0,
            flexjob_hours_max: 25.0,
            flexjob_after_internship: 0.0,
            flexjob_after_job_loss: 0.0,
            disability_hazard: 0.0006,
            early_retirement_age: 60,
            early_retirement_hazard: 0.004,
        }
    }
}

impl Default for Activities {
    fn default() -> Activities {
        Activities {
            internship: Spell {
                hazard: 0.005,
                mean_weeks: 8.0,
            },
            internship_hire_share: 0.12,
            wage_subsidy: Spell {
                hazard: 0.001,
                mean_weeks: 20.0,
            },
            wage_subsidy_hours_min: 15.0,
            wage_subsidy_hours_max: 37.0,
            wage_subsidy_hire_share: 0.25,
            education: Spell {
                hazard: 0.0008,
                mean_weeks: 30.0,
            },
            sickness: Spell {
                hazard: 0.0015,
                mean_weeks: 10.0,
            },
            other_guidance: Spell {
                hazard: 0.002,
                mean_weeks: 10.0,
            },
            leave: Spell {
                hazard: 0.0015,
                mean_weeks: 40.0,
            },
            leave_max_age: 45,
            leave_men_multiplier: 0.2,
            offer_heterogeneity_sd: 0.0,
        }
    }
}

impl Default for Jobs {
    fn default() -> Jobs {
        Jobs {
            finding_hazard: 0.004,
            finding_heterogeneity_sd: 0.9,
            finding_by_benefit: BTreeMap::new(),
            loss_hazard: 0.025,
            short_share: 0.0,
            short_loss_hazard: 0.25,
            change_hazard: 0.004,
            second_job_hazard: 0.003,
            second_job_hours_min: 3.0,
            second_job_hours_max: 12.0,
            hours_change_hazard: 0.015,
            hours_up_share: 0.6,
            hours_change_max: 0.5,
            hours_bands: vec![
                HoursBand {
                    share: 0.55,
                    min: 5.0,
                    max: 20.0,
                },
                HoursBand {
                    share: 0.2,
                    min: 20.0,
                    max: 32.0,
                },
                HoursBand {
                    share: 0.25,
                    min: 37.0,
                    max: 37.0,
                },
            ],
            full_time_hours: 37.0,
            self_support_hours: 30.0,
            small_job_keeps_benefit: 0.8,
            employers: 200_000,
        }
    }
}

impl Default for Income {
    fn default() -> Income {
        Income {
            hourly_wage_mean: 175.0,
            hourly_wage_sd: 30.0,
            hourly_wage_min: 115.0,
            hours_noise_sd: 0.06,
            wage_noise_sd: 0.03,
        }
    }
}

impl Default for Programme {
    fn default() -> Programme {
        Programme {
            duration_weeks: 104,
            treatment_effect: 1.8,
            control_effect: 1.0,
            treatment_job_loss_multiplier: 0.8,
            control_activation: 0.3,
            internship_multiplier: 4.0,
            wage_subsidy_multiplier: 2.0,
            other_guidance_multiplier: 6.0,
            education_multiplier: 1.5,
            resource_course_multiplier: 4.0,
            flexjob_multiplier: 2.0,
            disability_multiplier: 1.5,
        }
    }
}

/// The scenario's window, parsed. Validation guarantees these parse.
pub(crate) struct Window {
    pub data_from: Month,
    pub data_through: Month,
    pub income_through: Month,
    pub start_from: chrono::NaiveDate,
    pub start_through: chrono::NaiveDate,
}

impl Window {
    /// Days in `start_from ..= start_through`.
    pub fn start_days(&self) -> u64 {
        (self.start_through - self.start_from).num_days() as u64 + 1
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

    /// Persons to simulate: the projects' sum, else `persons`.
    pub fn total_persons(&self) -> Option<u64> {
        self.project_persons()
            .map(|counts| counts.iter().sum())
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

    /// Checks every parameter; the message names the key and the value.
    pub fn validate(&self) -> Result<()> {
        let window = self.window()?;
        if window.data_through < window.data_from {
            bail!(
                "data_through ({}) is before data_from ({})",
                self.data_through,
                self.data_from
            );
        }
        if window.income_through < window.data_from || window.income_through > window.data_through {
            bail!(
                "income_through ({}) must lie in the data window {} .. {}",
                window.income_through,
                window.data_from,
                window.data_through
            );
        }
        if window.start_through < window.start_from {
            bail!(
                "start_through ({}) is before start_from ({})",
                self.start_through,
                self.start_from
            );
        }
        // A start week outside DREAM's weeks would have no start-week state to select on.
        let first_week = *window.data_from.weeks().start();
        let last_week = *window.data_through.weeks().end();
        if Week::of_date(window.start_from) < first_week
            || Week::of_date(window.start_through) > last_week
        {
            bail!(
                "start dates {} .. {} must lie in the data window's weeks {first_week} .. {last_week} ({} .. {})",
                self.start_from,
                self.start_through,
                first_week.monday(),
                last_week.monday() + chrono::Duration::days(6)
            );
        }
        check_name("name", &self.name)?;
        probability("start_burst_share", self.start_burst_share)?;
        if self.start_burst_weeks == 0 {
            bail!("start_burst_weeks must be at least 1");
        }
        probability("dream_absent_share", self.dream_absent_share)?;

        let p = &self.population;
        probability("population.treatment_share", p.treatment_share)?;
        probability("population.female_share", p.female_share)?;
        if p.birth_year_min > p.birth_year_max || p.birth_year_min < 1900 || p.birth_year_max > 2100
        {
            bail!(
                "population.birth_year_min .. birth_year_max ({} .. {}) must be an increasing range of years in 1900 .. 2100",
                p.birth_year_min,
                p.birth_year_max
            );
        }
        weights(
            "population.origin",
            p.origin.iter().map(|(k, v)| (k.as_str(), *v)),
        )?;
        for name in p.origin.keys() {
            check_name("population.origin", name)?;
        }
        let municipalities = p.municipalities.names();
        if municipalities.is_empty() {
            bail!("population.municipalities must name at least one municipality");
        }
        unique_names("population.municipalities", &municipalities)?;
        non_negative(
            "population.municipality_effect_sd",
            p.municipality_effect_sd,
        )?;

        if self.projects.is_empty() {
            bail!("projects: at least one [[projects]] entry is needed");
        }
        let names: Vec<String> = self.projects.iter().map(|p| p.name.clone()).collect();
        unique_names("projects.name", &names)?;
        check_name("project_column", &self.project_column)?;
        let given = self.projects.iter().filter(|p| p.persons.is_some()).count();
        if given != 0 && given != self.projects.len() {
            bail!(
                "projects.persons: give persons for every project or for none ({given} of {} do)",
                self.projects.len()
            );
        }
        if let (Some(counts), Some(persons)) = (self.project_persons(), self.persons) {
            let sum: u64 = counts.iter().sum();
            if sum != persons {
                bail!(
                    "persons = {persons} disagrees with the projects' persons, which sum to {sum}"
                );
            }
        }
        weights(
            "projects.share",
            self.projects.iter().map(|p| (p.name.as_str(), p.share)),
        )?;
        for project in &self.projects {
            let key = |field: &str| format!("projects[{}].{field}", project.name);
            if let Some(share) = project.female_share {
                probability(&key("female_share"), share)?;
            }
            for category in project.benefit_mix.keys() {
                base_benefit(&key("benefit_mix"), *category)?;
            }
            weights(
                &key("benefit_mix"),
                project.benefit_mix.iter().map(|(k, v)| (k.name(), *v)),
            )?;
            non_negative(
                &key("job_finding_multiplier"),
                project.job_finding_multiplier,
            )?;
            non_negative(
                &key("resource_course_multiplier"),
                project.resource_course_multiplier,
            )?;
            non_negative(&key("flexjob_multiplier"), project.flexjob_multiplier)?;
            non_negative(&key("disability_multiplier"), project.disability_multiplier)?;
        }

        let b = &self.benefit;
        probability(
            "benefit.initial_on_benefit_share",
            b.initial_on_benefit_share,
        )?;
        probability("benefit.exit_hazard", b.exit_hazard)?;
        probability("benefit.reentry_hazard", b.reentry_hazard)?;
        probability("benefit.return_after_job_loss", b.return_after_job_loss)?;

        let c = &self.clarification;
        probability(
            "clarification.resource_course_hazard",
            c.resource_course_hazard,
        )?;
        probability("clarification.flexjob_hazard", c.flexjob_hazard)?;
        probability("clarification.flexjob_exit_hazard", c.flexjob_exit_hazard)?;
        probability("clarification.flexjob_job_at_entry", c.flexjob_job_at_entry)?;
        probability(
            "clarification.flexjob_finding_hazard",
            c.flexjob_finding_hazard,
        )?;
        if let Some(hazard) = c.flexjob_loss_hazard {
            probability("clarification.flexjob_loss_hazard", hazard)?;
        }
        hours_range(
            "clarification.flexjob_hours_min",
            c.flexjob_hours_min,
            c.flexjob_hours_max,
        )?;
        probability(
            "clarification.flexjob_after_internship",
            c.flexjob_after_internship,
        )?;
        probability(
            "clarification.flexjob_after_job_loss",
            c.flexjob_after_job_loss,
        )?;
        probability("clarification.disability_hazard", c.disability_hazard)?;
        probability(
            "clarification.early_retirement_hazard",
            c.early_retirement_hazard,
        )?;

        let a = &self.activities;
        spell("activities.internship", a.internship)?;
        probability("activities.internship_hire_share", a.internship_hire_share)?;
        spell("activities.wage_subsidy", a.wage_subsidy)?;
        hours_range(
            "activities.wage_subsidy_hours_min",
            a.wage_subsidy_hours_min,
            a.wage_subsidy_hours_max,
        )?;
        probability(
            "activities.wage_subsidy_hire_share",
            a.wage_subsidy_hire_share,
        )?;
        spell("activities.education", a.education)?;
        spell("activities.sickness", a.sickness)?;
        spell("activities.other_guidance", a.other_guidance)?;
        spell("activities.leave", a.leave)?;
        non_negative("activities.leave_men_multiplier", a.leave_men_multiplier)?;
        non_negative(
            "activities.offer_heterogeneity_sd",
            a.offer_heterogeneity_sd,
        )?;

        let j = &self.jobs;
        probability("jobs.finding_hazard", j.finding_hazard)?;
        non_negative("jobs.finding_heterogeneity_sd", j.finding_heterogeneity_sd)?;
        for (category, multiplier) in &j.finding_by_benefit {
            base_benefit("jobs.finding_by_benefit", *category)?;
            non_negative(
                &format!("jobs.finding_by_benefit.{}", category.name()),
                *multiplier,
            )?;
        }
        probability("jobs.loss_hazard", j.loss_hazard)?;
        probability("jobs.short_share", j.short_share)?;
        probability("jobs.short_loss_hazard", j.short_loss_hazard)?;
        probability("jobs.change_hazard", j.change_hazard)?;
        probability("jobs.second_job_hazard", j.second_job_hazard)?;
        hours_range(
            "jobs.second_job_hours_min",
            j.second_job_hours_min,
            j.second_job_hours_max,
        )?;
        probability("jobs.hours_change_hazard", j.hours_change_hazard)?;
        probability("jobs.hours_up_share", j.hours_up_share)?;
        if !(0.05..=1.0).contains(&j.hours_change_max) {
            bail!(
                "jobs.hours_change_max must be in 0.05 .. 1 (got {})",
                j.hours_change_max
            );
        }
        if j.loss_hazard.max(j.short_loss_hazard) + j.change_hazard + j.hours_change_hazard > 1.0 {
            bail!(
                "jobs.loss_hazard (and short_loss_hazard) + change_hazard + hours_change_hazard must not exceed 1"
            );
        }
        if j.hours_bands.is_empty() {
            bail!("jobs.hours_bands: at least one band is needed");
        }
        for (i, band) in j.hours_bands.iter().enumerate() {
            hours_range(&format!("jobs.hours_bands[{i}].min"), band.min, band.max)?;
        }
        weights(
            "jobs.hours_bands.share",
            j.hours_bands.iter().map(|band| ("band", band.share)),
        )?;
        if !(j.full_time_hours > 0.0 && j.full_time_hours <= 100.0) {
            bail!(
                "jobs.full_time_hours must be in (0, 100] (got {})",
                j.full_time_hours
            );
        }
        if !(j.self_support_hours > 0.0 && j.self_support_hours <= j.full_time_hours) {
            bail!(
                "jobs.self_support_hours must be in (0, full_time_hours] (got {})",
                j.self_support_hours
            );
        }
        probability("jobs.small_job_keeps_benefit", j.small_job_keeps_benefit)?;
        if j.employers < 10 {
            bail!("jobs.employers must be at least 10 (got {})", j.employers);
        }

        let i = &self.income;
        if !(i.hourly_wage_min > 0.0 && i.hourly_wage_mean.is_finite()) {
            bail!(
                "income.hourly_wage_min must be > 0 (got {})",
                i.hourly_wage_min
            );
        }
        non_negative("income.hourly_wage_sd", i.hourly_wage_sd)?;
        non_negative("income.hours_noise_sd", i.hours_noise_sd)?;
        non_negative("income.wage_noise_sd", i.wage_noise_sd)?;

        let g = &self.programme;
        for (key, value) in [
            ("programme.treatment_effect", g.treatment_effect),
            ("programme.control_effect", g.control_effect),
            (
                "programme.treatment_job_loss_multiplier",
                g.treatment_job_loss_multiplier,
            ),
            ("programme.internship_multiplier", g.internship_multiplier),
            (
                "programme.wage_subsidy_multiplier",
                g.wage_subsidy_multiplier,
            ),
            (
                "programme.other_guidance_multiplier",
                g.other_guidance_multiplier,
            ),
            ("programme.education_multiplier", g.education_multiplier),
            (
                "programme.resource_course_multiplier",
                g.resource_course_multiplier,
            ),
            ("programme.flexjob_multiplier", g.flexjob_multiplier),
            ("programme.disability_multiplier", g.disability_multiplier),
        ] {
            non_negative(key, value)?;
        }
        probability("programme.control_activation", g.control_activation)?;
        Ok(())
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

fn base_benefit(key: &str, category: Category) -> Result<()> {
    if !Category::BASE.contains(&category) {
        bail!(
            "{key}: {} cannot be a base benefit (use one of: {})",
            category.name(),
            Category::BASE.map(Category::name).join(", ")
        );
    }
    Ok(())
}

fn probability(key: &str, value: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&value) {
        bail!("{key} must be a probability in 0 .. 1 (got {value})");
    }
    Ok(())
}

fn non_negative(key: &str, value: f64) -> Result<()> {
    if !(value >= 0.0 && value.is_finite()) {
        bail!("{key} must be a finite number >= 0 (got {value})");
    }
    Ok(())
}

fn spell(key: &str, spell: Spell) -> Result<()> {
    probability(&format!("{key}.hazard"), spell.hazard)?;
    if !(spell.mean_weeks >= 1.0 && spell.mean_weeks <= 10_000.0) {
        bail!(
            "{key}.mean_weeks must be in 1 .. 10000 (got {})",
            spell.mean_weeks
        );
    }
    Ok(())
}

/// `key` names the `_min` field; the `_max` field is its sibling.
fn hours_range(key: &str, min: f64, max: f64) -> Result<()> {
    if !(min > 0.0 && min <= max && max <= 100.0) {
        bail!("{key} .. max must satisfy 0 < min <= max <= 100 weekly hours (got {min} .. {max})");
    }
    Ok(())
}

fn weights<'a>(key: &str, items: impl Iterator<Item = (&'a str, f64)>) -> Result<()> {
    let mut total = 0.0;
    for (name, weight) in items {
        if !(weight >= 0.0 && weight.is_finite()) {
            bail!("{key}: weight of {name} must be a finite number >= 0 (got {weight})");
        }
        total += weight;
    }
    if total <= 0.0 {
        bail!("{key}: the weights must not all be zero");
    }
    Ok(())
}

/// Names end up as CSV cells and in TOML; control characters would corrupt both.
fn check_name(key: &str, name: &str) -> Result<()> {
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        bail!("{key}: {name:?} must be non-empty and free of control characters");
    }
    Ok(())
}

fn unique_names(key: &str, names: &[String]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for name in names {
        check_name(key, name)?;
        if !seen.insert(name.as_str()) {
            bail!("{key}: {name:?} appears twice");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_matches_the_documented_file() {
        Scenario::default().validate().unwrap();
        let documented =
            Scenario::from_toml_str(include_str!("../../data-samples/scenarios/default.toml"))
                .unwrap();
        assert_eq!(documented, Scenario::default());
    }

    #[test]
    fn empty_file_means_defaults() {
        assert_eq!(Scenario::from_toml_str("").unwrap(), Scenario::default());
    }

    /// The scenario text must be refused with a message that contains `fragment`.
    fn assert_rejected(text: &str, fragment: &str) {
        let message = format!("{:#}", Scenario::from_toml_str(text).unwrap_err());
        assert!(message.contains(fragment), "{text}: {message}");
    }

    #[test]
    fn unknown_keys_are_rejected_by_name() {
        for (text, key) in [
            ("treatment_efect = 2.0\n", "treatment_efect"),
            ("[programme]\ntreatment_efect = 2.0\n", "treatment_efect"),
            (
                "[activities]\ninternship = { hazard = 0.1, mean_wks = 3 }\n",
                "mean_wks",
            ),
            (
                "[[projects]]\nname = \"X\"\nbenefit_mix = { social_asistance = 1.0 }\n",
                "social_asistance",
            ),
        ] {
            assert_rejected(text, key);
        }
        let dir =
            std::env::temp_dir().join(format!("udfald-synth-scenario-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.toml");
        std::fs::write(&path, "[jobs]\nfinding_hazzard = 0.1\n").unwrap();
        let message = format!("{:#}", Scenario::from_toml_file(&path).unwrap_err());
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            message.contains("finding_hazzard") && message.contains("bad.toml"),
            "{message}"
        );
    }

    #[test]
    fn invalid_values_are_named() {
        let mut scenario = Scenario::default();
        scenario.jobs.loss_hazard = 1.5;
        let message = scenario.validate().unwrap_err().to_string();
        assert!(message.contains("jobs.loss_hazard"), "{message}");

        let scenario = Scenario {
            start_through: "2023-01-01".to_string(),
            ..Scenario::default()
        };
        assert!(scenario
            .validate()
            .unwrap_err()
            .to_string()
            .contains("data window"));
        // 2017-01-01 is a Sunday in 2016-W52, whose Thursday is in December: not a DREAM week.
        let scenario = Scenario {
            start_from: "2017-01-01".to_string(),
            ..Scenario::default()
        };
        assert!(scenario.validate().is_err());
        let scenario = Scenario {
            start_from: "2017-01-02".to_string(),
            burn_in_weeks: 0,
            ..Scenario::default()
        };
        scenario.validate().unwrap();

        let mut scenario = Scenario::default();
        scenario.projects[0]
            .benefit_mix
            .insert(Category::Internship, 1.0);
        assert!(scenario
            .validate()
            .unwrap_err()
            .to_string()
            .contains("base benefit"));
    }

    #[test]
    fn new_mechanisms_name_bad_values() {
        for (text, fragment) in [
            ("start_burst_share = 1.5", "start_burst_share"),
            (
                "start_burst_weeks = 0",
                "start_burst_weeks must be at least 1",
            ),
            (
                "[clarification]\nflexjob_after_internship = -0.1",
                "clarification.flexjob_after_internship",
            ),
            (
                "[jobs]\nfinding_by_benefit = { flexjob = 2.0 }",
                "flexjob cannot be a base benefit",
            ),
            ("[jobs]\nshort_share = 2.0", "jobs.short_share"),
            (
                "[clarification]\nflexjob_loss_hazard = 1.5",
                "clarification.flexjob_loss_hazard",
            ),
            (
                "[jobs]\nfinding_by_benefit = { resource_course = -1.0 }",
                "jobs.finding_by_benefit.resource_course",
            ),
        ] {
            assert_rejected(text, fragment);
        }
    }

    #[test]
    fn municipalities_take_a_count_or_names() {
        let scenario = Scenario::from_toml_str("[population]\nmunicipalities = 3\n").unwrap();
        assert_eq!(
            scenario.population.municipalities.names(),
            ["Kommune 01", "Kommune 02", "Kommune 03"]
        );
        let scenario =
            Scenario::from_toml_str("[population]\nmunicipalities = [\"Aarhus\", \"Odense\"]\n")
                .unwrap();
        assert_eq!(
            scenario.population.municipalities.names(),
            ["Aarhus", "Odense"]
        );
    }

    #[test]
    fn project_overrides_merge_key_by_key() {
        let scenario = Scenario::from_toml_str(
            "[jobs]\nloss_hazard = 0.03\nchange_hazard = 0.002\n\
             [[projects]]\nname = \"A\"\n\
             [[projects]]\nname = \"B\"\n\
             overrides = { jobs = { loss_hazard = 0.01 }, start_from = \"2020-01-06\" }\n",
        )
        .unwrap();
        let (a, b) = (scenario.for_project(0), scenario.for_project(1));
        assert_eq!(a.jobs.loss_hazard, 0.03);
        assert_eq!(b.jobs.loss_hazard, 0.01);
        // Keys the override leaves alone keep the scenario's value, not the default.
        assert_eq!(b.jobs.change_hazard, 0.002);
        assert_eq!(b.start_from, "2020-01-06");
        assert_eq!(a.start_from, Scenario::default().start_from);
        assert_eq!(b.projects.len(), 2);
    }

    #[test]
    fn project_overrides_name_what_cannot_differ() {
        for (over, fragment) in [
            ("data_through = \"2021-01\"", "data_through cannot differ"),
            (
                "population = { origin = { a = 1.0 } }",
                "population.origin cannot differ",
            ),
            ("jobs = { los_hazard = 0.1 }", "los_hazard"),
            ("jobs = { loss_hazard = 2.0 }", "jobs.loss_hazard"),
        ] {
            let text = format!("[[projects]]\nname = \"B\"\noverrides = {{ {over} }}\n");
            let message = format!("{:#}", Scenario::from_toml_str(&text).unwrap_err());
            assert!(
                message.contains("projects[B].overrides") && message.contains(fragment),
                "{over}: {message}"
            );
        }
    }

    #[test]
    fn project_sizes_are_all_or_none_and_agree_with_persons() {
        let two = |a: &str, b: &str| {
            format!("[[projects]]\nname = \"A\"\n{a}\n[[projects]]\nname = \"B\"\n{b}\n")
        };
        let message = Scenario::from_toml_str(&two("persons = 10", ""))
            .unwrap_err()
            .to_string();
        assert!(message.contains("every project or for none"), "{message}");
        let scenario = Scenario::from_toml_str(&two("persons = 10", "persons = 5")).unwrap();
        assert_eq!(scenario.total_persons(), Some(15));
        let text = format!("persons = 20\n{}", two("persons = 10", "persons = 5"));
        let message = Scenario::from_toml_str(&text).unwrap_err().to_string();
        assert!(message.contains("sum to 15"), "{message}");
        assert_eq!(Scenario::default().total_persons(), None);
    }
}
