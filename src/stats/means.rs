//! The difference of two means by Welch's t-test (Welch 1947): unequal variances, standard error
//! √(s₁²/n₁ + s₂²/n₂), Welch–Satterthwaite degrees of freedom (fractional), the t interval and
//! the two-sided p-value. From microdata or from published summaries (n, mean, sd per arm).

use serde::Serialize;

use super::{check_level, t_for_level, t_two_sided_p, Interval, StatsError};

/// n, mean and standard deviation (n − 1 denominator) of one arm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SampleSummary {
    pub n: usize,
    pub mean: f64,
    pub sd: f64,
}

impl SampleSummary {
    /// From the values; needs two or more (one value has no standard deviation).
    pub fn from_data(x: &[f64]) -> Result<Self, StatsError> {
        if x.iter().any(|v| !v.is_finite()) {
            return Err(StatsError::InvalidInput(
                "a value is not a finite number".into(),
            ));
        }
        if x.len() < 2 {
            return Err(StatsError::TooFewObservations {
                what: "a standard deviation",
                n: x.len(),
                needed: 2,
            });
        }
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        // Two passes: the corrected sum of squares, plus the (tiny) correction for the rounding
        // in the mean, avoids the cancellation of Σx² − n·mean².
        let dev: f64 = x.iter().map(|v| v - mean).sum();
        let ss: f64 = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() - dev * dev / n;
        Ok(SampleSummary {
            n: x.len(),
            mean,
            sd: (ss.max(0.0) / (n - 1.0)).sqrt(),
        })
    }

    /// From published figures.
    pub fn new(n: usize, mean: f64, sd: f64) -> Result<Self, StatsError> {
        if n < 2 {
            return Err(StatsError::TooFewObservations {
                what: "a standard deviation",
                n,
                needed: 2,
            });
        }
        if !mean.is_finite() || !sd.is_finite() || sd < 0.0 {
            return Err(StatsError::InvalidInput(format!(
                "mean {mean} and sd {sd} must be finite, sd >= 0"
            )));
        }
        Ok(SampleSummary { n, mean, sd })
    }
}

/// Treatment minus control for a mean.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeanDifference {
    pub level: f64,
    pub treatment: SampleSummary,
    pub control: SampleSummary,
    pub difference: f64,
    pub std_err: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    pub t: f64,
    /// Two-sided.
    pub p_value: f64,
    pub ci: Interval,
    /// (m₁ − m₂) / m₂; `None` when the control mean is 0.
    pub relative_difference: Option<f64>,
}

/// Welch's t-test from summaries.
pub fn welch(
    treatment: SampleSummary,
    control: SampleSummary,
    level: f64,
) -> Result<MeanDifference, StatsError> {
    check_level(level)?;
    for s in [treatment, control] {
        SampleSummary::new(s.n, s.mean, s.sd)?;
    }
    let v1 = treatment.sd.powi(2) / treatment.n as f64;
    let v2 = control.sd.powi(2) / control.n as f64;
    let se = (v1 + v2).sqrt();
    if se.is_nan() || se <= 0.0 {
        return Err(StatsError::ZeroVariance("Welch's t-test"));
    }
    let df =
        (v1 + v2).powi(2) / (v1 * v1 / (treatment.n - 1) as f64 + v2 * v2 / (control.n - 1) as f64);
    let diff = treatment.mean - control.mean;
    let t = diff / se;
    let q = t_for_level(level, df)?;
    Ok(MeanDifference {
        level,
        treatment,
        control,
        difference: diff,
        std_err: se,
        df,
        t,
        p_value: t_two_sided_p(t, df)?,
        ci: Interval {
            lower: diff - q * se,
            upper: diff + q * se,
        },
        relative_difference: (control.mean != 0.0).then(|| diff / control.mean),
    })
}

/// Welch's t-test from the values of each arm.
pub fn welch_from_data(
    treatment: &[f64],
    control: &[f64],
    level: f64,
) -> Result<MeanDifference, StatsError> {
    welch(
        SampleSummary::from_data(treatment)?,
        SampleSummary::from_data(control)?,
        level,
    )
}

#[cfg(test)]
mod tests {
    use super::super::reference::{assert_close, assert_close_opt, f, fixture, floats, opt};
    use super::*;

    fn check(r: &MeanDifference, case: &serde_json::Value) {
        let name = case["name"].as_str().unwrap();
        assert_close(r.difference, f(&case["diff"]), &format!("{name} diff"));
        assert_close(r.t, f(&case["t"]), &format!("{name} t"));
        assert_close(r.df, f(&case["df"]), &format!("{name} df"));
        assert_close(r.p_value, f(&case["p_value"]), &format!("{name} p"));
        assert_close(r.ci.lower, f(&case["ci"][0]), &format!("{name} ci lower"));
        assert_close(r.ci.upper, f(&case["ci"][1]), &format!("{name} ci upper"));
        assert_close_opt(
            r.relative_difference,
            opt(&case["relative_difference"]),
            &format!("{name} relative difference"),
        );
    }

    #[test]
    fn microdata_matches_statsmodels() {
        for case in fixture()["means_data"].as_array().unwrap() {
            let r = welch_from_data(&floats(&case["treatment"]), &floats(&case["control"]), 0.95)
                .unwrap();
            check(&r, case);
        }
    }

    #[test]
    fn summaries_match_scipy() {
        for case in fixture()["means_summary"].as_array().unwrap() {
            let arm = |v: &serde_json::Value| {
                SampleSummary::new(
                    v["n"].as_u64().unwrap() as usize,
                    f(&v["mean"]),
                    f(&v["sd"]),
                )
                .unwrap()
            };
            let r = welch(arm(&case["treatment"]), arm(&case["control"]), 0.95).unwrap();
            check(&r, case);
        }
    }

    #[test]
    fn edge_inputs_are_values_not_panics() {
        assert!(matches!(
            welch_from_data(&[1.0], &[1.0, 2.0], 0.95),
            Err(StatsError::TooFewObservations { n: 1, .. })
        ));
        assert!(matches!(
            welch_from_data(&[], &[1.0, 2.0], 0.95),
            Err(StatsError::TooFewObservations { n: 0, .. })
        ));
        assert_eq!(
            welch_from_data(&[2.0, 2.0], &[3.0, 3.0, 3.0], 0.95),
            Err(StatsError::ZeroVariance("Welch's t-test"))
        );
        assert!(welch_from_data(&[1.0, f64::INFINITY], &[1.0, 2.0], 0.95).is_err());
        assert!(SampleSummary::new(10, 1.0, -1.0).is_err());
        assert!(welch_from_data(&[1.0, 2.0], &[1.0, 3.0], 1.0).is_err());
        // A control mean of 0 has no relative difference.
        let r = welch_from_data(&[1.0, 2.0], &[-1.0, 1.0], 0.95).unwrap();
        assert_eq!(r.relative_difference, None);
    }
}
