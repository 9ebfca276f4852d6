//! The weekly process behind the synthetic data: one person at a time, week by week, a benefit
//! state (what DREAM records) and an employment state (what the income register records), moved
//! only by the scenario's hazards. Nothing here knows the figures the reports publish.
//!
//! Each week, in order: the programme regime is chosen (before start, during the programme,
//! after it), clarification to another benefit, leaving or re-entering benefit, entering an
//! activity spell, then job events; the week's DREAM code and paid hours follow from the state.
//! The output of one person is a `Trajectory`, reused between persons so that simulating a
//! million of them allocates nothing per person. Formatting lives in `write.rs`.

use super::rng::{Rng, WeightedIndex};
use super::scenario::{Category, HoursBand, Scenario};
use crate::calendar::{Month, Week};
use anyhow::Result;
use chrono::{Duration, NaiveDate};

mod life;

/// Stream domains (see `Rng::stream`).
const DOMAIN_LIFE: u64 = 1;
const DOMAIN_INCOME: u64 = 2;
const DOMAIN_MUNICIPALITY: u64 = 3;
/// Project exits draw from their own stream, so switching them on changes no other draw.
const DOMAIN_EXIT: u64 = 4;

/// Activity spells, in the order of `Hazards::activity`. The first three need the person to be
/// on benefit: they are jobcentre offers.
const ACTIVITIES: [Category; 6] = [
    Category::Internship,
    Category::WageSubsidy,
    Category::OtherGuidance,
    Category::Education,
    Category::Sickness,
    Category::Leave,
];
const OFFERS: usize = 3;

/// The DREAM code written for a category. Every code is in `src/load/default_codes.csv`;
/// social assistance and education depend on age, see `Benefit::young_age_below`.
pub(crate) fn code(category: Category, young: bool) -> u16 {
    match category {
        Category::UnemploymentInsurance => 111,
        Category::SocialAssistance if young => 720,
        Category::SocialAssistance => 730,
        Category::ResourceCourse => 810,
        Category::JobClarification => 870,
        Category::Sickness => 890,
        Category::Flexjob => 771,
        Category::FlexjobUnemployment => 740,
        Category::DisabilityPension => 781,
        Category::EarlyRetirement => 621,
        Category::Education if young => 651,
        Category::Education => 661,
        Category::Internship => 737,
        Category::WageSubsidy => 735,
        Category::OtherGuidance => 733,
        Category::Leave => 881,
        Category::OtherBenefit => 760,
    }
}

/// The scenario resolved once for all persons: the week grid, choice tables, names.
pub(crate) struct Plan {
    pub scenario: Scenario,
    /// First simulated week (burn-in included).
    sim_first: Week,
    burn_in: usize,
    /// First DREAM week and the number of DREAM weeks (contiguous).
    pub dream_first: Week,
    pub dream_weeks: usize,
    pub income_through: Month,
    /// Per simulated week: its month (Thursday rule), whether the next week is in another month,
    /// and whether its hours go into the income register.
    week_month: Vec<Month>,
    month_ends: Vec<bool>,
    income_week: Vec<bool>,
    start_from: NaiveDate,
    start_days: u64,
    project_choice: WeightedIndex,
    /// With exact project sizes: the first person index after each project's persons.
    project_ends: Option<Vec<u64>>,
    pub origins: Vec<String>,
    origin_choice: WeightedIndex,
    /// Per project: what its (possibly overridden) scenario resolves to.
    projects: Vec<ProjectPlan>,
}

/// One project's scenario resolved: its start window, benefits, programme effect and job hours.
struct ProjectPlan {
    scenario: Scenario,
    /// Its own start window, when its overrides change the scenario's.
    start_window: Option<(NaiveDate, u64)>,
    /// The share of persons in the opening intake and its length in days, when there is one.
    start_burst: Option<(f64, u64)>,
    municipalities: Vec<String>,
    base_choice: (Vec<Category>, WeightedIndex),
    /// Per municipality: the treatment arm's job-finding multiplier during the programme.
    treatment_effect: Vec<f64>,
    bands: Vec<HoursBand>,
    band_choice: WeightedIndex,
}

impl ProjectPlan {
    fn new(
        scenario: &Scenario,
        index: usize,
        common: &super::scenario::Window,
        seed: u64,
    ) -> Result<ProjectPlan> {
        let own = scenario.for_project(index);
        let window = own.window()?;
        let window_days = window.start_days();
        let start_window = (window.start_from != common.start_from
            || window.start_through != common.start_through)
            .then_some((window.start_from, window_days));
        let start_burst = (own.start_burst_share > 0.0).then(|| {
            let days = (7 * u64::from(own.start_burst_weeks)).min(window_days);
            (own.start_burst_share, days)
        });
        let municipalities = own.population.municipalities.names();
        let mix = &scenario.projects[index].benefit_mix;
        let base_choice = (
            mix.keys().copied().collect(),
            WeightedIndex::new(&mix.values().copied().collect::<Vec<_>>()),
        );
        let programme = &own.programme;
        // The factor belongs to a municipality's position, so projects that share the list share
        // their jobcentres' effects.
        let treatment_effect = (0..municipalities.len())
            .map(|m| {
                let mut rng = Rng::stream(seed, DOMAIN_MUNICIPALITY, m as u64);
                let factor = rng.lognormal_factor(own.population.municipality_effect_sd);
                (1.0 + (programme.treatment_effect - 1.0) * factor).max(0.0)
            })
            .collect();
        let bands = own.jobs.hours_bands.clone();
        let band_choice = WeightedIndex::new(&bands.iter().map(|b| b.share).collect::<Vec<_>>());
        Ok(ProjectPlan {
            scenario: own.clone(),
            start_window,
            start_burst,
            municipalities,
            base_choice,
            treatment_effect,
            bands,
            band_choice,
        })
    }
}

impl Plan {
    /// Each project's municipality names, in project order.
    pub fn project_municipalities(&self) -> impl Iterator<Item = &Vec<String>> {
        self.projects.iter().map(|p| &p.municipalities)
    }

    pub fn new(scenario: &Scenario, seed: u64) -> Result<Plan> {
        scenario.validate()?;
        let window = scenario.window()?;
        let dream_first = *window.data_from.weeks().start();
        let dream_last = *window.data_through.weeks().end();
        let dream_weeks = (dream_last.since(dream_first) + 1) as usize;
        let burn_in = scenario.burn_in_weeks as usize;
        let sim_first = dream_first.offset(-(burn_in as i32));
        let total = burn_in + dream_weeks;
        let week_month: Vec<Month> = (0..total)
            .map(|i| sim_first.offset(i as i32).month())
            .collect();
        let month_ends = (0..total)
            .map(|i| i + 1 == total || week_month[i + 1] != week_month[i])
            .collect();
        let income_week = (0..total)
            .map(|i| i >= burn_in && week_month[i] <= window.income_through)
            .collect();

        let projects = &scenario.projects;
        let project_choice =
            WeightedIndex::new(&projects.iter().map(|p| p.share).collect::<Vec<_>>());
        let project_ends = scenario.project_persons().map(|counts| {
            counts
                .iter()
                .scan(0, |end, n| {
                    *end += n;
                    Some(*end)
                })
                .collect()
        });
        let project_plans = (0..projects.len())
            .map(|i| ProjectPlan::new(scenario, i, &window, seed))
            .collect::<Result<Vec<_>>>()?;
        let origins: Vec<String> = scenario.population.origin.keys().cloned().collect();
        let origin_choice = WeightedIndex::new(
            &scenario
                .population
                .origin
                .values()
                .copied()
                .collect::<Vec<_>>(),
        );
        Ok(Plan {
            scenario: scenario.clone(),
            sim_first,
            burn_in,
            dream_first,
            dream_weeks,
            income_through: window.income_through,
            week_month,
            month_ends,
            income_week,
            start_from: window.start_from,
            start_days: window.start_days(),
            project_choice,
            project_ends,
            origins,
            origin_choice,
            projects: project_plans,
        })
    }
}

/// One month's paid hours at one employer, as the income register holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct IncomeRow {
    pub month: Month,
    pub employer: u32,
    /// Hours in hundredths, so that the written value is exact.
    pub centihours: u64,
    /// Whole DKK.
    pub wage: u64,
}

/// Everything written about one person; buffers are reused between persons.
#[derive(Debug, Default)]
pub(crate) struct Trajectory {
    pub index: u64,
    pub start_date: NaiveDate,
    pub treatment: bool,
    pub project: usize,
    pub municipality: usize,
    pub female: bool,
    pub birth_year: i32,
    pub origin: usize,
    /// The benefit the person was on in the start week (`None`: none).
    pub benefit_group: Option<Category>,
    /// When the person left the project (the Thursday of the week), with `[exit]` on.
    pub end_date: Option<NaiveDate>,
    /// False for persons who never had a benefit and so have no DREAM row.
    pub in_dream: bool,
    /// One DREAM code per data week, 0 for no benefit.
    pub codes: Vec<u16>,
    pub income: Vec<IncomeRow>,
    month_hours: Vec<(u32, f64)>,
}

/// Weekly hazards in one regime (before start, during the programme, after it).
#[derive(Debug, Clone, Copy)]
struct Hazards {
    job_finding: f64,
    job_loss: f64,
    /// Weekly hazard that a flexjob ends (back to ledighedsydelse).
    flexjob_loss: f64,
    activity: [f64; 6],
    resource_course: f64,
    flexjob: f64,
    disability: f64,
    early_retirement: f64,
    /// Probabilities of flexjob status when an internship ends without hiring, and when the
    /// last job ends.
    flexjob_after_internship: f64,
    flexjob_after_job_loss: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Status {
    Ordinary,
    Flexjob,
    Disability,
    EarlyRetirement,
}

#[derive(Debug, Clone, Copy)]
struct Job {
    employer: u32,
    hours: f64,
    /// A job that does not hold: it ends with `jobs.short_loss_hazard`.
    short: bool,
}

#[derive(Debug, Clone, Copy)]
struct Activity {
    kind: Category,
    weeks_left: u32,
    /// The company of an internship or wage-subsidy job (0 otherwise).
    employer: u32,
    /// Paid weekly hours (wage subsidy only).
    hours: f64,
}

/// A person's state while being simulated.
struct Life<'p> {
    /// The person's project's scenario.
    s: &'p Scenario,
    project: &'p ProjectPlan,
    rng: Rng,
    status: Status,
    on_benefit: bool,
    never_benefit: bool,
    base: Category,
    young: bool,
    activity: Option<Activity>,
    jobs: [Job; 2],
    n_jobs: usize,
}

/// Simulates person `index` (0-based) under `seed` into `out`.
pub(crate) fn simulate(plan: &Plan, seed: u64, index: u64, out: &mut Trajectory) {
    let mut rng = Rng::stream(seed, DOMAIN_LIFE, index);

    out.index = index;
    out.start_date = plan.start_from + Duration::days(rng.below(plan.start_days) as i64);
    out.treatment = rng.bernoulli(plan.scenario.population.treatment_share);
    // Drawn even with exact project sizes, so that the draws after it are the same either way.
    let drawn = plan.project_choice.sample(&mut rng);
    out.project = match &plan.project_ends {
        Some(ends) => ends.partition_point(|&end| end <= index),
        None => drawn,
    };
    let project_plan = &plan.projects[out.project];
    let s = &project_plan.scenario;
    // A project with its own referral window draws its start again, after the common draw, so
    // that scenarios without such windows keep their random streams (and their bytes).
    if let Some((from, days)) = project_plan.start_window {
        out.start_date = from + Duration::days(rng.below(days) as i64);
    }
    // Likewise drawn only when the scenario has an opening intake.
    if let Some((share, days)) = project_plan.start_burst {
        if rng.bernoulli(share) {
            let from = project_plan
                .start_window
                .map_or(plan.start_from, |(from, _)| from);
            out.start_date = from + Duration::days(rng.below(days) as i64);
        }
    }
    let project = &s.projects[out.project];
    out.municipality = rng.below(project_plan.municipalities.len() as u64) as usize;
    out.female = rng.bernoulli(project.female_share.unwrap_or(s.population.female_share));
    let years = (s.population.birth_year_max - s.population.birth_year_min + 1) as u64;
    out.birth_year = s.population.birth_year_min + rng.below(years) as i32;
    out.origin = plan.origin_choice.sample(&mut rng);
    let never_benefit = rng.bernoulli(s.dream_absent_share);
    let (bases, base_choice) = &project_plan.base_choice;
    let base = bases[base_choice.sample(&mut rng)];
    let frailty = rng.lognormal_factor(s.jobs.finding_heterogeneity_sd);
    let hourly_wage = (s.income.hourly_wage_mean + s.income.hourly_wage_sd * rng.normal())
        .max(s.income.hourly_wage_min);
    let on_benefit = !never_benefit && rng.bernoulli(s.benefit.initial_on_benefit_share);
    let offers_sd = s.activities.offer_heterogeneity_sd;
    let offers = if offers_sd > 0.0 {
        rng.lognormal_factor(offers_sd)
    } else {
        1.0
    };

    let start_week = Week::of_date(out.start_date);
    let start = start_week.since(plan.sim_first) as usize;
    let programme_end = start + s.programme.duration_weeks as usize;
    let age_at_start = start_week.month().year() - out.birth_year;
    let person = PersonFactors {
        base,
        frailty,
        offers,
    };
    let [before, during, after] = hazards(plan, out, &person);

    let mut income_rng = Rng::stream(seed, DOMAIN_INCOME, index);
    let mut life = Life {
        s,
        project: project_plan,
        rng,
        status: Status::Ordinary,
        on_benefit,
        never_benefit,
        base,
        young: age_at_start < s.benefit.young_age_below,
        activity: None,
        jobs: [Job {
            employer: 0,
            hours: 0.0,
            short: false,
        }; 2],
        n_jobs: 0,
    };
    out.in_dream = !never_benefit;
    out.benefit_group = None;
    out.end_date = None;
    let exit = &s.exit;
    let mut exit_rng = exit.is_on().then(|| Rng::stream(seed, DOMAIN_EXIT, index));
    let mut base_at_start = None;
    out.codes.clear();
    out.income.clear();
    out.month_hours.clear();

    for week in 0..plan.week_month.len() {
        let regime = if week < start {
            &before
        } else if week < programme_end {
            &during
        } else {
            &after
        };
        let age = plan.week_month[week].year() - out.birth_year;
        life.step(regime, age);
        if week == start {
            // After the week's events, so that the start week itself shows the benefit.
            if s.on_benefit_at_start && !never_benefit {
                life.select_at_start();
            }
            out.benefit_group = life.benefit_category();
            base_at_start = Some(life.base);
        }
        if let Some(rng) = exit_rng.as_mut() {
            if week > start
                && out.end_date.is_none()
                && life.leaves_project(exit, rng, base_at_start)
            {
                let thursday = plan.sim_first.offset(week as i32).thursday();
                out.end_date = Some(thursday);
            }
        }
        if week >= plan.burn_in {
            out.codes.push(life.code());
        }
        if plan.income_week[week] {
            life.add_hours(&mut out.month_hours);
            if plan.month_ends[week] {
                flush_month(
                    plan,
                    plan.week_month[week],
                    hourly_wage,
                    &mut income_rng,
                    out,
                );
            }
        }
        life.end_of_week(regime);
    }
}

/// What makes one person's hazards differ from another's in the same project.
struct PersonFactors {
    /// The base benefit at the first simulated week.
    base: Category,
    /// On job finding.
    frailty: f64,
    /// On the jobcentre offers.
    offers: f64,
}

/// The three regimes' hazards for this person.
fn hazards(plan: &Plan, person: &Trajectory, factors: &PersonFactors) -> [Hazards; 3] {
    let s = &plan.projects[person.project].scenario;
    let project = &s.projects[person.project];
    let a = &s.activities;
    let c = &s.clarification;
    let leave_sex = if person.female {
        1.0
    } else {
        a.leave_men_multiplier
    };
    let by_benefit = s.jobs.finding_by_benefit.get(&factors.base);
    let after = Hazards {
        job_finding: s.jobs.finding_hazard
            * factors.frailty
            * project.job_finding_multiplier
            * by_benefit.copied().unwrap_or(1.0),
        job_loss: s.jobs.loss_hazard,
        flexjob_loss: c.flexjob_loss_hazard.unwrap_or(s.jobs.loss_hazard),
        activity: [
            a.internship.hazard * factors.offers,
            a.wage_subsidy.hazard * factors.offers,
            a.other_guidance.hazard * factors.offers,
            a.education.hazard,
            a.sickness.hazard,
            a.leave.hazard * leave_sex,
        ],
        resource_course: c.resource_course_hazard * project.resource_course_multiplier,
        flexjob: c.flexjob_hazard * project.flexjob_multiplier,
        disability: c.disability_hazard * project.disability_multiplier,
        early_retirement: c.early_retirement_hazard,
        flexjob_after_internship: c.flexjob_after_internship,
        flexjob_after_job_loss: c.flexjob_after_job_loss,
    };
    let mut before = after;
    if s.on_benefit_at_start {
        // The cohort is selected on being on benefit at start: nobody got there from an
        // absorbing state.
        before.flexjob = 0.0;
        before.flexjob_after_internship = 0.0;
        before.flexjob_after_job_loss = 0.0;
        before.disability = 0.0;
        before.early_retirement = 0.0;
    }
    let g = &s.programme;
    let arm = |multiplier: f64| {
        if person.treatment {
            multiplier
        } else {
            1.0 + g.control_activation * (multiplier - 1.0)
        }
    };
    let mut during = after;
    during.activity[0] *= arm(g.internship_multiplier);
    during.activity[1] *= arm(g.wage_subsidy_multiplier);
    during.activity[2] *= arm(g.other_guidance_multiplier);
    during.activity[3] *= arm(g.education_multiplier);
    during.resource_course *= arm(g.resource_course_multiplier);
    during.flexjob *= arm(g.flexjob_multiplier);
    during.disability *= arm(g.disability_multiplier);
    if person.treatment {
        during.job_finding *= plan.projects[person.project].treatment_effect[person.municipality];
        during.job_loss *= g.treatment_job_loss_multiplier;
        during.flexjob_loss *= g.treatment_job_loss_multiplier;
    } else {
        during.job_finding *= g.control_effect;
    }
    let mut regimes = [before, during, after];
    for h in &mut regimes {
        for p in [
            &mut h.job_finding,
            &mut h.job_loss,
            &mut h.flexjob_loss,
            &mut h.resource_course,
            &mut h.flexjob,
            &mut h.disability,
            &mut h.early_retirement,
        ] {
            *p = p.min(1.0);
        }
        for p in &mut h.activity {
            *p = p.min(1.0);
        }
    }
    regimes
}

/// Writes the month's hours per employer as income rows, with noise on hours and wage.
fn flush_month(plan: &Plan, month: Month, hourly_wage: f64, rng: &mut Rng, out: &mut Trajectory) {
    let income = &plan.projects[out.project].scenario.income;
    for &(employer, hours) in &out.month_hours {
        let hours_factor = (1.0 + income.hours_noise_sd * rng.normal()).max(0.0);
        let wage_factor = (1.0 + income.wage_noise_sd * rng.normal()).max(0.0);
        let centihours = (hours * hours_factor * 100.0).round();
        if centihours < 1.0 {
            continue;
        }
        let wage = (centihours / 100.0 * hourly_wage * wage_factor).round();
        out.income.push(IncomeRow {
            month,
            employer,
            centihours: centihours as u64,
            wage: wage as u64,
        });
    }
    out.month_hours.clear();
}

#[cfg(test)]
mod tests;
