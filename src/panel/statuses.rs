//! The derived statuses of the person-month panel (spec `metrics.md` §2), each a boolean polars
//! expression over the panel's count columns. They are defined here once; metrics name them.

use polars::prelude::*;

/// The definitional parameters of the statuses, with the spec's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusParams {
    /// `paid_hours`: at least this many paid hours in the month.
    pub min_hours: f64,
    /// `employment`: at least this many weeks of the month without a public-support code.
    pub min_weeks_without_benefit: u32,
}

impl Default for StatusParams {
    fn default() -> Self {
        StatusParams {
            min_hours: 1.0,
            min_weeks_without_benefit: 4,
        }
    }
}

/// Refuses a `min_hours` that would make every month paid (0 or below) or none (NaN).
pub fn check_min_hours(hours: f64) -> Result<(), String> {
    if hours.is_finite() && hours > 0.0 {
        Ok(())
    } else {
        Err(format!("{hours} is not a number of hours above 0"))
    }
}

/// Refuses a `min_weeks_without_benefit` no month reaches: a month has 4 or 5 weeks (those whose
/// Thursday falls in it), so above 5 no month would be one of employment.
pub fn check_min_weeks_without_benefit(weeks: u32) -> Result<(), String> {
    if weeks <= 5 {
        Ok(())
    } else {
        Err(format!(
            "{weeks} is more weeks than a month has (4 or 5), so no month would count"
        ))
    }
}

/// The statuses in the panel's column order.
pub const STATUSES: [&str; 13] = [
    "paid_hours",
    "employment",
    "employment_strict",
    "paid_hours_on_benefit",
    "flexjob",
    "education",
    "internship",
    "company_based",
    "self_support",
    "partial_self_support",
    "other_benefit",
    "upskilling",
    "any_result",
];

fn weeks_of(category: &str) -> Expr {
    col(format!("weeks_{category}").as_str()).cast(DataType::Int32)
}

fn any_week(category: &str) -> Expr {
    weeks_of(category).gt_eq(lit(1))
}

/// One expression per status, aliased to its name, in [`STATUSES`] order. Each is written over the
/// count columns only, so all can be added in one `with_columns`.
pub fn status_exprs(params: &StatusParams) -> Vec<Expr> {
    let benefit_weeks = col("benefit_weeks").cast(DataType::Int32);
    let paid_hours = col("hours").gt_eq(lit(params.min_hours));
    let weeks_without_benefit = col("weeks").cast(DataType::Int32) - benefit_weeks.clone();
    let employment = paid_hours
        .clone()
        .and(weeks_without_benefit.gt_eq(lit(params.min_weeks_without_benefit as i32)));
    let paid_hours_on_benefit = paid_hours.clone().and(benefit_weeks.clone().gt_eq(lit(1)));
    let flexjob = any_week("flexjob");
    let education = any_week("education");
    let internship = any_week("internship");
    let exprs = [
        paid_hours.clone(),
        employment.clone(),
        paid_hours.clone().and(benefit_weeks.clone().eq(lit(0))),
        paid_hours_on_benefit.clone(),
        flexjob.clone(),
        education.clone(),
        internship.clone(),
        internship
            .or(any_week("wage_subsidy"))
            .or(paid_hours.clone()),
        benefit_weeks.eq(lit(0)),
        flexjob.clone().or(paid_hours_on_benefit),
        any_week("resource_course").or(any_week("disability_pension")),
        any_week("other_guidance"),
        employment.or(education).or(paid_hours).or(flexjob),
    ];
    exprs
        .into_iter()
        .zip(STATUSES)
        .map(|(expr, name)| expr.alias(name))
        .collect()
}

/// A built-in status's definition in words, with the parameters filled in (for `explain`).
pub fn definition(status: &str, params: &StatusParams) -> Option<String> {
    let (hours, weeks) = (params.min_hours, params.min_weeks_without_benefit);
    Some(match status {
        "paid_hours" => format!("hours >= {hours} in the month (income register, all employers)"),
        "employment" => format!("paid_hours (>= {hours} h) and weeks - benefit_weeks >= {weeks}"),
        "employment_strict" => format!("paid_hours (>= {hours} h) and benefit_weeks == 0"),
        "paid_hours_on_benefit" => format!("paid_hours (>= {hours} h) and benefit_weeks >= 1"),
        "flexjob" => "weeks_flexjob >= 1".into(),
        "education" => "weeks_education >= 1 (SU, VUS/SVU, adult apprentice)".into(),
        "internship" => "weeks_internship >= 1 (company internship)".into(),
        "company_based" => {
            format!("weeks_internship + weeks_wage_subsidy >= 1, or paid_hours (>= {hours} h)")
        }
        "self_support" => {
            "benefit_weeks == 0 (no public-support code in any week of the month)".into()
        }
        "partial_self_support" => "flexjob or paid_hours_on_benefit".into(),
        "other_benefit" => "weeks_resource_course + weeks_disability_pension >= 1".into(),
        "upskilling" => "weeks_other_guidance >= 1 (ØVO)".into(),
        "any_result" => "employment or education or paid_hours or flexjob".into(),
        _ => return None,
    })
}
