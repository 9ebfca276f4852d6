//! Checking a scenario: every parameter in range, every name known, with messages naming the
//! key and the value.

use super::*;

impl Scenario {
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
        if let Some(total) = self.total_persons() {
            let key = if self.project_persons().is_some() {
                "projects.persons (their sum)"
            } else {
                "persons"
            };
            crate::synth::check_persons(total)
                .map_err(|err| anyhow::anyhow!("{key} = {total}: {err}"))?;
        }
        if let (Some(sum), Some(persons)) = (self.total_persons(), self.persons) {
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
        probability("exit.hazard", self.exit.hazard)?;
        probability("exit.without_work_hazard", self.exit.without_work_hazard)?;
        Ok(())
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
