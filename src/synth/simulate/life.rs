//! One person's week: the transitions between benefit, clarification, activities, jobs and
//! flexjob, and the hours each job adds to its month.

use super::*;

impl Life<'_> {
    pub(super) fn total_hours(&self) -> f64 {
        self.jobs[..self.n_jobs].iter().map(|j| j.hours).sum()
    }

    /// Whether the person leaves the project this week (a week after the start week), by the
    /// scenario's `[exit]`; `base_at_start` is the base benefit in the start week. Draws from
    /// `rng` only for the hazards that are on.
    pub(super) fn leaves_project(
        &self,
        exit: &crate::synth::scenario::Exit,
        rng: &mut Rng,
        base_at_start: Option<Category>,
    ) -> bool {
        if exit.at_clarification {
            let clarified = match self.status {
                Status::Disability | Status::EarlyRetirement => true,
                Status::Ordinary => {
                    self.base == Category::ResourceCourse
                        && base_at_start != Some(Category::ResourceCourse)
                }
                Status::Flexjob => false,
            };
            if clarified {
                return true;
            }
        }
        if exit.hazard > 0.0 && rng.bernoulli(exit.hazard) {
            return true;
        }
        let working = self.n_jobs > 0
            || self
                .activity
                .is_some_and(|a| a.kind == Category::WageSubsidy);
        exit.without_work_hazard > 0.0 && !working && rng.bernoulli(exit.without_work_hazard)
    }

    /// Referral: the person is on their base benefit; what contradicts it ends.
    pub(super) fn select_at_start(&mut self) {
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

    pub(super) fn benefit_category(&self) -> Option<Category> {
        match self.status {
            Status::Disability => Some(Category::DisabilityPension),
            Status::EarlyRetirement => Some(Category::EarlyRetirement),
            Status::Flexjob if self.n_jobs > 0 => Some(Category::Flexjob),
            Status::Flexjob => Some(Category::FlexjobUnemployment),
            Status::Ordinary if self.on_benefit => Some(self.base),
            Status::Ordinary => None,
        }
    }

    pub(super) fn code(&self) -> u16 {
        if self.status == Status::Ordinary {
            if let Some(activity) = self.activity {
                return code(activity.kind, self.young);
            }
        }
        self.benefit_category()
            .map_or(0, |category| code(category, self.young))
    }

    pub(super) fn step(&mut self, h: &Hazards, age: i32) {
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
    pub(super) fn step_clarification(&mut self, h: &Hazards, age: i32) -> bool {
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

    pub(super) fn enter_absorbing(&mut self, status: Status) {
        self.status = status;
        self.activity = None;
        self.n_jobs = 0;
        self.on_benefit = true;
    }

    /// Flexjob status, with a flexjob at once or ledighedsydelse until one is found.
    pub(super) fn grant_flexjob(&mut self) {
        self.enter_absorbing(Status::Flexjob);
        if self
            .rng
            .bernoulli(self.s.clarification.flexjob_job_at_entry)
        {
            let employer = self.new_employer();
            self.start_flexjob(employer);
        }
    }

    pub(super) fn start_flexjob(&mut self, employer: u32) {
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

    pub(super) fn step_flexjob(&mut self, h: &Hazards) {
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

    pub(super) fn step_benefit(&mut self) {
        let b = &self.s.benefit;
        if self.on_benefit {
            if self.rng.bernoulli(b.exit_hazard) {
                self.on_benefit = false;
            }
        } else if self.n_jobs == 0 && self.rng.bernoulli(b.reentry_hazard) {
            self.on_benefit = true;
        }
    }

    pub(super) fn step_activity_entry(&mut self, h: &Hazards, age: i32) {
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

    pub(super) fn step_jobs(&mut self, h: &Hazards, may_take_jobs: bool) {
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

    pub(super) fn add_job(&mut self, hours: f64) {
        let employer = self.new_employer();
        self.add_job_at(employer, hours);
    }

    pub(super) fn add_job_at(&mut self, employer: u32, hours: f64) {
        if self.n_jobs == self.jobs.len() {
            return;
        }
        self.jobs[self.n_jobs] = self.new_job(employer, hours);
        self.n_jobs += 1;
        self.after_new_job(hours);
    }

    /// A small job comes with benefit kept (paid hours on benefit) or ends it; a large one ends
    /// it anyway (checked after the week's job events).
    pub(super) fn after_new_job(&mut self, hours: f64) {
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
    pub(super) fn new_job(&mut self, employer: u32, hours: f64) -> Job {
        let share = self.s.jobs.short_share;
        let short = share > 0.0 && self.rng.bernoulli(share);
        Job {
            employer,
            hours,
            short,
        }
    }

    pub(super) fn remove_job(&mut self, i: usize) {
        self.jobs[i] = self.jobs[self.n_jobs - 1];
        self.n_jobs -= 1;
    }

    /// An employer other than the current ones, so a job change is visible as a new employer.
    pub(super) fn new_employer(&mut self) -> u32 {
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

    pub(super) fn draw_hours(&mut self) -> f64 {
        let band = self.project.bands[self.project.band_choice.sample(&mut self.rng)];
        let hours = if band.max > band.min {
            self.rng.uniform_in(band.min, band.max)
        } else {
            band.min
        };
        hours.min(self.s.jobs.full_time_hours)
    }

    /// Adds this week's paid hours per employer to the month's tally.
    pub(super) fn add_hours(&self, month: &mut Vec<(u32, f64)>) {
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
    pub(super) fn end_of_week(&mut self, h: &Hazards) {
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
