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

/// Stream domains (see `Rng::stream`).
const DOMAIN_LIFE: u64 = 1;
const DOMAIN_INCOME: u64 = 2;
const DOMAIN_MUNICIPALITY: u64 = 3;

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
        Category::SocialAssistance if young => 702,
        Category::SocialAssistance => 701,
        Category::ResourceCourse => 741,
        Category::JobClarification => 745,
        Category::Sickness => 890,
        Category::Flexjob => 771,
        Category::FlexjobUnemployment => 750,
        Category::DisabilityPension => 781,
        Category::EarlyRetirement => 621,
        Category::Education if young => 651,
        Category::Education => 661,
        Category::Internship => 521,
        Category::WageSubsidy => 531,
        Category::OtherGuidance => 541,
        Category::Leave => 881,
        Category::OtherBenefit => 411,
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

impl Life<'_> {
    fn total_hours(&self) -> f64 {
        self.jobs[..self.n_jobs].iter().map(|j| j.hours).sum()
    }

    /// Referral: the person is on their base benefit; what contradicts it ends.
    fn select_at_start(&mut self) {
        if self.status != Status::Ordinary {
            // Clarified in the start week itself: already on a benefit.
            return;
        }
        let threshold = self.s.jobs.self_support_hours;
        self.on_benefit = true;
        if let Some(activity) = self.activity {
            if matches!(activity.kind, Category::Education | Category::Leave) {
                self.activity = None;
            }
        }
        let mut i = 0;
        while i < self.n_jobs {
            if self.jobs[i].hours >= threshold {
                self.remove_job(i);
            } else {
                i += 1;
            }
        }
        if self.total_hours() >= threshold {
            self.remove_job(0);
        }
    }

    fn benefit_category(&self) -> Option<Category> {
        match self.status {
            Status::Disability => Some(Category::DisabilityPension),
            Status::EarlyRetirement => Some(Category::EarlyRetirement),
            Status::Flexjob if self.n_jobs > 0 => Some(Category::Flexjob),
            Status::Flexjob => Some(Category::FlexjobUnemployment),
            Status::Ordinary if self.on_benefit => Some(self.base),
            Status::Ordinary => None,
        }
    }

    fn code(&self) -> u16 {
        if self.status == Status::Ordinary {
            if let Some(activity) = self.activity {
                return code(activity.kind, self.young);
            }
        }
        self.benefit_category()
            .map_or(0, |category| code(category, self.young))
    }

    fn step(&mut self, h: &Hazards, age: i32) {
        match self.status {
            Status::Disability | Status::EarlyRetirement => {}
            Status::Flexjob => self.step_flexjob(h),
            Status::Ordinary if self.never_benefit => self.step_jobs(h, true),
            Status::Ordinary => {
                if self.step_clarification(h, age) {
                    return;
                }
                if self.activity.is_none() {
                    self.step_benefit();
                    self.step_activity_entry(h, age);
                }
                let may_take_jobs = !matches!(
                    self.activity.map(|a| a.kind),
                    Some(Category::Sickness | Category::Leave | Category::WageSubsidy)
                );
                self.step_jobs(h, may_take_jobs);
            }
        }
    }

    /// Returns true when the person moved to an absorbing or near-absorbing status.
    fn step_clarification(&mut self, h: &Hazards, age: i32) -> bool {
        let in_benefit_spell = self.on_benefit
            && !matches!(
                self.activity.map(|a| a.kind),
                Some(Category::Education | Category::Leave)
            );
        if !in_benefit_spell {
            return false;
        }
        let early_retirement = if age >= self.s.clarification.early_retirement_age {
            h.early_retirement
        } else {
            0.0
        };
        let resource_course = if self.base == Category::ResourceCourse {
            0.0
        } else {
            h.resource_course
        };
        let u = self.rng.uniform();
        let mut threshold = h.disability;
        if u < threshold {
            self.enter_absorbing(Status::Disability);
            return true;
        }
        threshold += early_retirement;
        if u < threshold {
            self.enter_absorbing(Status::EarlyRetirement);
            return true;
        }
        threshold += h.flexjob;
        if u < threshold {
            self.grant_flexjob();
            return true;
        }
        threshold += resource_course;
        if u < threshold {
            self.base = Category::ResourceCourse;
        }
        false
    }

    fn enter_absorbing(&mut self, status: Status) {
        self.status = status;
        self.activity = None;
        self.n_jobs = 0;
        self.on_benefit = true;
    }

    /// Flexjob status, with a flexjob at once or ledighedsydelse until one is found.
    fn grant_flexjob(&mut self) {
        self.enter_absorbing(Status::Flexjob);
        if self
            .rng
            .bernoulli(self.s.clarification.flexjob_job_at_entry)
        {
            let employer = self.new_employer();
            self.start_flexjob(employer);
        }
    }

    fn start_flexjob(&mut self, employer: u32) {
        let c = &self.s.clarification;
        let (min, max) = (c.flexjob_hours_min, c.flexjob_hours_max);
        let hours = self.rng.uniform_in(min, max).max(min);
        self.jobs[0] = Job {
            employer,
            hours,
            short: false,
        };
        self.n_jobs = 1;
    }

    fn step_flexjob(&mut self, h: &Hazards) {
        let c = &self.s.clarification;
        if self.rng.bernoulli(c.flexjob_exit_hazard) {
            self.status = Status::Ordinary;
            self.on_benefit = true;
            self.n_jobs = 0;
        } else if self.n_jobs > 0 {
            if self.rng.bernoulli(h.flexjob_loss) {
                self.n_jobs = 0;
            }
        } else if self.rng.bernoulli(c.flexjob_finding_hazard) {
            let employer = self.new_employer();
            self.start_flexjob(employer);
        }
    }

    fn step_benefit(&mut self) {
        let b = &self.s.benefit;
        if self.on_benefit {
            if self.rng.bernoulli(b.exit_hazard) {
                self.on_benefit = false;
            }
        } else if self.n_jobs == 0 && self.rng.bernoulli(b.reentry_hazard) {
            self.on_benefit = true;
        }
    }

    fn step_activity_entry(&mut self, h: &Hazards, age: i32) {
        let a = &self.s.activities;
        let u = self.rng.uniform();
        let mut threshold = 0.0;
        for (i, &kind) in ACTIVITIES.iter().enumerate() {
            let eligible = match kind {
                _ if i < OFFERS => self.on_benefit,
                Category::Sickness => self.on_benefit || self.n_jobs > 0,
                Category::Leave => age <= a.leave_max_age,
                _ => true,
            };
            if !eligible {
                continue;
            }
            threshold += h.activity[i];
            if u < threshold {
                let spell = match kind {
                    Category::Internship => a.internship,
                    Category::WageSubsidy => a.wage_subsidy,
                    Category::OtherGuidance => a.other_guidance,
                    Category::Education => a.education,
                    Category::Sickness => a.sickness,
                    _ => a.leave,
                };
                let weeks_left = self.rng.geometric(spell.mean_weeks);
                let (employer, hours) = match kind {
                    Category::Internship => (self.new_employer(), 0.0),
                    Category::WageSubsidy => {
                        let employer = self.new_employer();
                        let hours = self
                            .rng
                            .uniform_in(a.wage_subsidy_hours_min, a.wage_subsidy_hours_max);
                        (employer, hours)
                    }
                    _ => (0, 0.0),
                };
                self.activity = Some(Activity {
                    kind,
                    weeks_left,
                    employer,
                    hours,
                });
                return;
            }
        }
    }

    fn step_jobs(&mut self, h: &Hazards, may_take_jobs: bool) {
        let j = &self.s.jobs;
        let mut lost = false;
        let mut i = 0;
        while i < self.n_jobs {
            let u = self.rng.uniform();
            let loss = if self.jobs[i].short {
                j.short_loss_hazard
            } else {
                h.job_loss
            };
            if u < loss {
                self.remove_job(i);
                lost = true;
                continue;
            }
            if u < loss + j.change_hazard {
                let employer = self.new_employer();
                let hours = self.draw_hours();
                self.jobs[i] = self.new_job(employer, hours);
                self.after_new_job(hours);
            } else if u < loss + j.change_hazard + j.hours_change_hazard {
                let step = self.rng.uniform_in(0.05, j.hours_change_max);
                let sign = if self.rng.bernoulli(j.hours_up_share) {
                    1.0
                } else {
                    -1.0
                };
                let hours = self.jobs[i].hours * (1.0 + sign * step);
                self.jobs[i].hours = hours.clamp(1.0, j.full_time_hours);
            }
            i += 1;
        }
        if lost && self.n_jobs == 0 && !self.never_benefit {
            if h.flexjob_after_job_loss > 0.0 && self.rng.bernoulli(h.flexjob_after_job_loss) {
                self.grant_flexjob();
                return;
            }
            if !self.on_benefit {
                let return_share = self.s.benefit.return_after_job_loss;
                self.on_benefit = self.rng.bernoulli(return_share);
            }
        }
        if may_take_jobs {
            if self.n_jobs == 0 {
                if self.rng.bernoulli(h.job_finding) {
                    let hours = self.draw_hours();
                    self.add_job(hours);
                }
            } else if self.n_jobs == 1 && self.rng.bernoulli(j.second_job_hazard) {
                let hours = self
                    .rng
                    .uniform_in(j.second_job_hours_min, j.second_job_hours_max);
                self.add_job(hours);
            }
        }
        if self.total_hours() >= j.self_support_hours {
            self.on_benefit = false;
        }
    }

    fn add_job(&mut self, hours: f64) {
        let employer = self.new_employer();
        self.add_job_at(employer, hours);
    }

    fn add_job_at(&mut self, employer: u32, hours: f64) {
        if self.n_jobs == self.jobs.len() {
            return;
        }
        self.jobs[self.n_jobs] = self.new_job(employer, hours);
        self.n_jobs += 1;
        self.after_new_job(hours);
    }

    /// A small job comes with benefit kept (paid hours on benefit) or ends it; a large one ends
    /// it anyway (checked after the week's job events).
    fn after_new_job(&mut self, hours: f64) {
        let j = &self.s.jobs;
        if self.on_benefit
            && (hours >= j.self_support_hours || !self.rng.bernoulli(j.small_job_keeps_benefit))
        {
            self.on_benefit = false;
        }
        if self.total_hours() >= j.self_support_hours {
            self.on_benefit = false;
        }
    }

    /// An ordinary job; whether it is a short one is drawn only when the scenario has them.
    fn new_job(&mut self, employer: u32, hours: f64) -> Job {
        let share = self.s.jobs.short_share;
        let short = share > 0.0 && self.rng.bernoulli(share);
        Job {
            employer,
            hours,
            short,
        }
    }

    fn remove_job(&mut self, i: usize) {
        self.jobs[i] = self.jobs[self.n_jobs - 1];
        self.n_jobs -= 1;
    }

    /// An employer other than the current ones, so a job change is visible as a new employer.
    fn new_employer(&mut self) -> u32 {
        let employers = u64::from(self.s.jobs.employers);
        loop {
            let employer = self.rng.below(employers) as u32 + 1;
            if !self.jobs[..self.n_jobs]
                .iter()
                .any(|j| j.employer == employer)
            {
                return employer;
            }
        }
    }

    fn draw_hours(&mut self) -> f64 {
        let band = self.project.bands[self.project.band_choice.sample(&mut self.rng)];
        let hours = if band.max > band.min {
            self.rng.uniform_in(band.min, band.max)
        } else {
            band.min
        };
        hours.min(self.s.jobs.full_time_hours)
    }

    /// Adds this week's paid hours per employer to the month's tally.
    fn add_hours(&self, month: &mut Vec<(u32, f64)>) {
        let mut add = |employer: u32, hours: f64| {
            if let Some(entry) = month.iter_mut().find(|(e, _)| *e == employer) {
                entry.1 += hours;
            } else {
                month.push((employer, hours));
            }
        };
        match self.status {
            Status::Disability | Status::EarlyRetirement => {}
            Status::Flexjob | Status::Ordinary => {
                let paused = matches!(
                    self.activity.map(|a| a.kind),
                    Some(Category::Sickness | Category::Leave)
                );
                if !paused {
                    for job in &self.jobs[..self.n_jobs] {
                        add(job.employer, job.hours);
                    }
                }
                if let Some(activity) = self.activity {
                    if activity.kind == Category::WageSubsidy {
                        add(activity.employer, activity.hours);
                    }
                }
            }
        }
    }

    /// Counts down the activity spell; at its end an internship or wage-subsidy company may hire,
    /// or an internship may end in a flexjob at its company.
    fn end_of_week(&mut self, h: &Hazards) {
        let Some(activity) = self.activity.as_mut() else {
            return;
        };
        activity.weeks_left -= 1;
        if activity.weeks_left > 0 {
            return;
        }
        let ended = *activity;
        self.activity = None;
        let a = &self.s.activities;
        match ended.kind {
            Category::Internship if self.rng.bernoulli(a.internship_hire_share) => {
                let hours = self.draw_hours();
                self.add_job_at(ended.employer, hours);
            }
            Category::Internship
                if h.flexjob_after_internship > 0.0
                    && self.rng.bernoulli(h.flexjob_after_internship) =>
            {
                self.enter_absorbing(Status::Flexjob);
                self.start_flexjob(ended.employer);
            }
            Category::WageSubsidy if self.rng.bernoulli(a.wage_subsidy_hire_share) => {
                self.add_job_at(ended.employer, ended.hours);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes_in_table() -> Vec<u16> {
        include_str!("../load/default_codes.csv")
            .lines()
            .skip(1)
            .filter_map(|line| line.split(',').next()?.trim().parse().ok())
            .collect()
    }

    #[test]
    fn every_category_maps_to_a_code_in_the_default_table() {
        let table = codes_in_table();
        let categories = [
            Category::UnemploymentInsurance,
            Category::SocialAssistance,
            Category::ResourceCourse,
            Category::JobClarification,
            Category::Sickness,
            Category::Flexjob,
            Category::FlexjobUnemployment,
            Category::DisabilityPension,
            Category::EarlyRetirement,
            Category::Education,
            Category::Internship,
            Category::WageSubsidy,
            Category::OtherGuidance,
            Category::Leave,
            Category::OtherBenefit,
        ];
        for category in categories {
            for young in [false, true] {
                let code = code(category, young);
                assert!(table.contains(&code), "{category:?} -> {code}");
            }
        }
    }

    #[test]
    fn a_person_is_the_same_whatever_came_before() {
        let plan = Plan::new(&Scenario::default(), 11).unwrap();
        let mut first = Trajectory::default();
        let mut second = Trajectory::default();
        simulate(&plan, 11, 5, &mut first);
        for other in 0..5 {
            simulate(&plan, 11, other, &mut second);
        }
        simulate(&plan, 11, 5, &mut second);
        assert_eq!(first.codes, second.codes);
        assert_eq!(first.income, second.income);
        assert_eq!(first.codes.len(), plan.dream_weeks);
    }

    #[test]
    fn cohort_is_on_benefit_at_start() {
        let plan = Plan::new(&Scenario::default(), 3).unwrap();
        let mut t = Trajectory::default();
        for index in 0..300 {
            simulate(&plan, 3, index, &mut t);
            let start = Week::of_date(t.start_date).since(plan.dream_first) as usize;
            assert_ne!(
                t.codes[start], 0,
                "person {index} has no code in the start week"
            );
            assert!(t.benefit_group.is_some());
        }
    }

    #[test]
    fn starts_at_the_edges_of_the_window_are_simulated() {
        let scenario = Scenario {
            burn_in_weeks: 0,
            start_from: "2017-01-02".to_string(),
            start_through: "2017-01-02".to_string(),
            ..Scenario::default()
        };
        let plan = Plan::new(&scenario, 1).unwrap();
        let mut t = Trajectory::default();
        simulate(&plan, 1, 0, &mut t);
        assert_ne!(t.codes[0], 0);
        let scenario = Scenario {
            start_from: "2022-06-30".to_string(),
            start_through: "2022-06-30".to_string(),
            ..Scenario::default()
        };
        let plan = Plan::new(&scenario, 1).unwrap();
        simulate(&plan, 1, 0, &mut t);
        assert_ne!(*t.codes.last().unwrap(), 0);
        assert!(t.benefit_group.is_some());
    }
}

#[cfg(test)]
mod mechanism_tests {
    use super::*;

    fn plan(text: &str) -> Plan {
        Plan::new(&Scenario::from_toml_str(text).unwrap(), 5).unwrap()
    }

    fn people(plan: &Plan, n: u64) -> Vec<Trajectory> {
        (0..n)
            .map(|index| {
                let mut t = Trajectory::default();
                simulate(plan, 5, index, &mut t);
                t
            })
            .collect()
    }

    #[test]
    fn an_opening_intake_starts_in_its_first_weeks() {
        let text = "start_from = \"2020-01-06\"\nstart_through = \"2021-06-30\"\n";
        let everyone = plan(&format!(
            "{text}start_burst_share = 1.0\nstart_burst_weeks = 2\n"
        ));
        let from = NaiveDate::from_ymd_opt(2020, 1, 6).unwrap();
        for t in people(&everyone, 200) {
            assert!((0..14).contains(&(t.start_date - from).num_days()), "{t:?}");
        }
        // Half in the intake: far more than the 2 of 77 weeks a uniform draw would put there.
        let half = plan(&format!(
            "{text}start_burst_share = 0.5\nstart_burst_weeks = 2\n"
        ));
        let early = people(&half, 1000)
            .iter()
            .filter(|t| (t.start_date - from).num_days() < 14)
            .count();
        assert!((450..560).contains(&early), "{early} of 1000 in the intake");
    }

    #[test]
    fn a_project_can_have_its_own_municipalities() {
        let plan = plan(
            "[[projects]]\nname = \"A\"\npersons = 100\n\
             [[projects]]\nname = \"B\"\npersons = 100\n\
             overrides = { population = { municipalities = 3 } }\n",
        );
        let names: Vec<_> = plan.project_municipalities().map(Vec::len).collect();
        assert_eq!(names, [30, 3]);
        let b: std::collections::BTreeSet<usize> = people(&plan, 200)
            .iter()
            .filter(|t| t.project == 1)
            .map(|t| t.municipality)
            .collect();
        assert_eq!(b.into_iter().collect::<Vec<_>>(), [0, 1, 2]);
    }

    /// Weeks in which the code goes from `from` to `to`.
    fn transitions(people: &[Trajectory], from: u16, to: u16) -> usize {
        people
            .iter()
            .map(|t| t.codes.windows(2).filter(|w| w == &[from, to]).count())
            .sum()
    }

    #[test]
    fn an_internship_can_end_in_a_flexjob_at_its_company() {
        let base = "[activities]\ninternship = { hazard = 0.05, mean_weeks = 4.0 }\n\
                    internship_hire_share = 0.0\n\
                    [clarification]\nflexjob_hazard = 0.0\n";
        let none = people(&plan(base), 100);
        assert_eq!(transitions(&none, 521, 771), 0);
        let text = format!("{base}flexjob_after_internship = 1.0\n");
        let some = people(&plan(&text), 100);
        assert!(transitions(&some, 521, 771) > 20);
        // Never before start: the cohort is selected on being on benefit there.
        for t in &some {
            let start = Week::of_date(t.start_date).since(plan(base).dream_first) as usize;
            assert!(!t.codes[..start].contains(&771), "flexjob before start");
        }
    }

    #[test]
    fn a_lost_job_can_end_in_flexjob_status() {
        let base = "[jobs]\nfinding_hazard = 0.05\nloss_hazard = 0.1\n";
        let none = people(&plan(base), 100);
        let text = format!("{base}[clarification]\nflexjob_hazard = 0.0\n");
        let without = people(&plan(&text), 100);
        let flexjob = |people: &[Trajectory]| {
            people
                .iter()
                .filter(|t| t.codes.iter().any(|&c| c == 771 || c == 750))
                .count()
        };
        assert_eq!(flexjob(&without), 0);
        let with = people(&plan(&format!("{text}flexjob_after_job_loss = 0.5\n")), 100);
        assert!(flexjob(&with) > 40, "{}", flexjob(&with));
        assert!(flexjob(&none) < flexjob(&with));
    }

    #[test]
    fn job_finding_and_offers_follow_the_person() {
        let plan = plan(
            "[jobs]\nfinding_by_benefit = { social_assistance = 2.5 }\n\
             [activities]\noffer_heterogeneity_sd = 0.5\n",
        );
        let person = Trajectory::default();
        let h = |base, offers| {
            let factors = PersonFactors {
                base,
                frailty: 1.0,
                offers,
            };
            hazards(&plan, &person, &factors)[2]
        };
        let assistance = h(Category::SocialAssistance, 1.0);
        let insurance = h(Category::UnemploymentInsurance, 2.0);
        assert!((assistance.job_finding / insurance.job_finding - 2.5).abs() < 1e-12);
        for i in 0..OFFERS {
            assert!((insurance.activity[i] / assistance.activity[i] - 2.0).abs() < 1e-12);
        }
        // Sickness and leave are not offers.
        assert_eq!(insurance.activity[4], assistance.activity[4]);
    }

    #[test]
    fn a_short_job_ends_within_weeks() {
        let text =
            "[jobs]\nfinding_hazard = 0.05\nchange_hazard = 0.0\nhours_change_hazard = 0.0\n\
                    short_share = 1.0\nshort_loss_hazard = 1.0\n\
                    [activities]\nwage_subsidy = { hazard = 0.0, mean_weeks = 20.0 }\n\
                    [clarification]\nflexjob_hazard = 0.0\n";
        let people = people(&plan(text), 100);
        let mut months = std::collections::BTreeMap::new();
        for t in &people {
            for row in &t.income {
                *months.entry((t.index, row.employer)).or_insert(0) += 1;
            }
        }
        assert!(months.len() > 100);
        // One week at an employer lies in one month.
        assert!(months.values().all(|&n| n == 1), "{months:?}");
    }

    #[test]
    fn a_flexjob_can_be_kept_while_ordinary_jobs_end() {
        let text = "[clarification]\nflexjob_hazard = 0.01\nflexjob_job_at_entry = 1.0\n";
        let default = people(&plan(text), 200);
        assert!(transitions(&default, 771, 750) > 0);
        let kept = people(&plan(&format!("{text}flexjob_loss_hazard = 0.0\n")), 200);
        assert!(kept.iter().any(|t| t.codes.contains(&771)));
        assert_eq!(transitions(&kept, 771, 750), 0);
    }
}
