//! The scenario's parameter groups and their defaults: one struct per mechanism of the
//! weekly process.

use super::*;

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
    /// (uddannelseshjælp, 720) instead of 730; education then as SU (651) instead of VUS (661).
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

pub(super) fn default_projects() -> Vec<Project> {
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

/// Leaving the project after start (its `end_date` in the cohort): exemptions, moves, a
/// clarification to another benefit that takes the person out of the target group. Off (no
/// `end_date` column, no random draws) unless one of the keys is set.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Exit {
    /// Weekly hazard of leaving the project, in any week after the start week.
    pub hazard: f64,
    /// Further weekly hazard of leaving in a week after the start week without paid hours (no
    /// job and no wage-subsidy job): exemption from the intervention mostly meets persons far
    /// from work.
    pub without_work_hazard: f64,
    /// Leave the project in the first week after the start week in which the person is
    /// clarified to another benefit: disability pension, early retirement, or resource course
    /// for a person who was not on it in the start week.
    pub at_clarification: bool,
}

impl Exit {
    /// Whether any project exit is simulated.
    pub fn is_on(&self) -> bool {
        self.hazard > 0.0 || self.without_work_hazard > 0.0 || self.at_clarification
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
