//! Shares and the difference between two: Wilson's score interval for one share (Wilson 1927),
//! Newcombe's hybrid score interval for a difference (Newcombe 1998, method 10) or the Wald
//! interval on request, the pooled two-proportion z-test and the relative difference; and the
//! ratio of two shares (a risk ratio) with its log-scale Wald interval and test.
//!
//! No continuity corrections anywhere. Counts may be fractional: a report that publishes a share
//! and an n (not a count) gives successes = share × n, and every formula here is defined for it.
//! Differences are on the 0–1 scale; percentage points are 100 × these.

use serde::Serialize;

use super::{check_level, normal_two_sided_p, z_for_level, Interval, StatsError};

/// A share: `successes` out of `n` persons.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Proportion {
    pub successes: f64,
    pub n: f64,
}

impl Proportion {
    /// From counts.
    pub fn from_counts(successes: u64, n: u64) -> Result<Self, StatsError> {
        Self::new(successes as f64, n as f64)
    }

    /// From a published share (0–1) and n: successes = share × n, possibly fractional.
    pub fn from_share(share: f64, n: f64) -> Result<Self, StatsError> {
        Self::new(share * n, n)
    }

    pub fn new(successes: f64, n: f64) -> Result<Self, StatsError> {
        if !(n.is_finite() && n > 0.0) {
            return Err(StatsError::InvalidInput(format!(
                "a share needs n > 0, got {n}"
            )));
        }
        if !(successes.is_finite() && (0.0..=n).contains(&successes)) {
            return Err(StatsError::InvalidInput(format!(
                "successes {successes} is not between 0 and n = {n}"
            )));
        }
        Ok(Proportion { successes, n })
    }

    pub fn share(&self) -> f64 {
        self.successes / self.n
    }
}

/// Wilson's score interval for one share (no continuity correction).
pub fn wilson(p: Proportion, level: f64) -> Result<Interval, StatsError> {
    let z = z_for_level(level)?;
    Ok(wilson_z(p, z))
}

fn wilson_z(p: Proportion, z: f64) -> Interval {
    let (phat, n, z2) = (p.share(), p.n, z * z);
    let denom = 1.0 + z2 / n;
    let centre = (phat + z2 / (2.0 * n)) / denom;
    let half = z * (phat * (1.0 - phat) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    // The exact limits at 0 and 1 successes are 0 and 1; the formula reaches them only up to
    // rounding.
    Interval {
        lower: if p.successes == 0.0 {
            0.0
        } else {
            (centre - half).max(0.0)
        },
        upper: if p.successes == p.n {
            1.0
        } else {
            (centre + half).min(1.0)
        },
    }
}

/// Which interval to give for a difference of two shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum DiffInterval {
    /// Newcombe's hybrid score interval (method 10), from the two Wilson intervals.
    #[default]
    Newcombe,
    /// p₁ − p₂ ± z √(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂).
    Wald,
}

impl DiffInterval {
    /// The interval for p₁ − p₂ by this method.
    pub fn interval(
        self,
        treatment: Proportion,
        control: Proportion,
        level: f64,
    ) -> Result<Interval, StatsError> {
        let z = z_for_level(level)?;
        let (p1, p2) = (treatment.share(), control.share());
        let d = p1 - p2;
        Ok(match self {
            // With (l_i, u_i) the Wilson limits:
            // [d − √((p₁−l₁)² + (u₂−p₂)²), d + √((u₁−p₁)² + (p₂−l₂)²)].
            DiffInterval::Newcombe => {
                let (w1, w2) = (wilson_z(treatment, z), wilson_z(control, z));
                Interval {
                    lower: d - ((p1 - w1.lower).powi(2) + (w2.upper - p2).powi(2)).sqrt(),
                    upper: d + ((w1.upper - p1).powi(2) + (p2 - w2.lower).powi(2)).sqrt(),
                }
            }
            // Unpooled variance.
            DiffInterval::Wald => {
                let half = z * (p1 * (1.0 - p1) / treatment.n + p2 * (1.0 - p2) / control.n).sqrt();
                Interval {
                    lower: d - half,
                    upper: d + half,
                }
            }
        })
    }
}

/// The pooled two-proportion z-test of p₁ = p₂.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ZTest {
    /// (p₁ − p₂) / √(p(1−p)(1/n₁ + 1/n₂)), p the pooled share. `None` when p is 0 or 1 (no
    /// variation at all: the test is undefined, as statsmodels' NaN).
    pub z: Option<f64>,
    /// Two-sided.
    pub p_value: Option<f64>,
}

pub fn two_proportion_z_test(treatment: Proportion, control: Proportion) -> ZTest {
    let pooled = (treatment.successes + control.successes) / (treatment.n + control.n);
    let se = (pooled * (1.0 - pooled) * (1.0 / treatment.n + 1.0 / control.n)).sqrt();
    if se > 0.0 {
        let z = (treatment.share() - control.share()) / se;
        ZTest {
            z: Some(z),
            p_value: Some(normal_two_sided_p(z)),
        }
    } else {
        ZTest {
            z: None,
            p_value: None,
        }
    }
}

/// Treatment minus control for a share.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProportionDifference {
    pub level: f64,
    pub treatment: Proportion,
    pub control: Proportion,
    pub treatment_share: f64,
    pub control_share: f64,
    pub treatment_ci: Interval,
    pub control_ci: Interval,
    /// p₁ − p₂ (0–1 scale).
    pub difference: f64,
    pub method: DiffInterval,
    pub ci: Interval,
    pub test: ZTest,
    /// (p₁ − p₂) / p₂; `None` when the control share is 0.
    pub relative_difference: Option<f64>,
}

/// Everything `effect` reports for a share.
pub fn compare_proportions(
    treatment: Proportion,
    control: Proportion,
    method: DiffInterval,
    level: f64,
) -> Result<ProportionDifference, StatsError> {
    check_level(level)?;
    let (p1, p2) = (treatment.share(), control.share());
    let ci = method.interval(treatment, control, level)?;
    Ok(ProportionDifference {
        level,
        treatment,
        control,
        treatment_share: p1,
        control_share: p2,
        treatment_ci: wilson(treatment, level)?,
        control_ci: wilson(control, level)?,
        difference: p1 - p2,
        method,
        ci,
        test: two_proportion_z_test(treatment, control),
        relative_difference: (p2 > 0.0).then(|| (p1 - p2) / p2),
    })
}

/// Treatment's share over control's (a risk ratio) with the Wald interval and test on the log
/// scale (the delta method): var log(p₁/p₂) = 1/x₁ − 1/n₁ + 1/x₂ − 1/n₂, as statsmodels'
/// `confint_proportions_2indep(compare="ratio", method="log")`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RiskRatio {
    pub level: f64,
    /// p₁ / p₂.
    pub ratio: f64,
    /// The standard error of log(ratio).
    pub log_se: f64,
    /// exp(log(ratio) ± z·log_se).
    pub ci: Interval,
    /// log(ratio) / log_se.
    pub z: f64,
    /// Two-sided Wald p-value of ratio = 1.
    pub p_value: f64,
}

/// The risk ratio of `treatment` against `control`. Refused (a value, not a panic) when either
/// share is 0 (the log ratio is infinite) or both are 1 (no variance: nothing to test).
pub fn risk_ratio(
    treatment: Proportion,
    control: Proportion,
    level: f64,
) -> Result<RiskRatio, StatsError> {
    let z = z_for_level(level)?;
    if treatment.successes == 0.0 || control.successes == 0.0 {
        let arm = if treatment.successes == 0.0 {
            "treatment"
        } else {
            "control"
        };
        return Err(StatsError::InvalidInput(format!(
            "no events in the {arm} arm: the log risk ratio is infinite"
        )));
    }
    let var =
        1.0 / treatment.successes - 1.0 / treatment.n + 1.0 / control.successes - 1.0 / control.n;
    // Rounding can leave a hair below 0 when both shares are 1.
    if var <= 1e-15 {
        return Err(StatsError::ZeroVariance("the log risk ratio"));
    }
    let ratio = treatment.share() / control.share();
    let log_se = var.sqrt();
    let zstat = ratio.ln() / log_se;
    Ok(RiskRatio {
        level,
        ratio,
        log_se,
        ci: Interval {
            lower: (ratio.ln() - z * log_se).exp(),
            upper: (ratio.ln() + z * log_se).exp(),
        },
        z: zstat,
        p_value: normal_two_sided_p(zstat),
    })
}

#[cfg(test)]
mod tests {
    use super::super::reference::{
        assert_close, assert_close_opt, cluster_fixture, f, fixture, opt,
    };
    use super::*;

    /// Against statsmodels' `confint_proportions_2indep` / `test_proportions_2indep` with
    /// `compare="ratio", method="log"` (`tests/reference/cox_cluster_reference.py`).
    #[test]
    fn risk_ratio_matches_statsmodels() {
        let cases = cluster_fixture()["risk_ratio"].as_array().unwrap();
        assert_eq!(cases.len(), 4);
        for case in cases {
            let name = case["case"].as_str().unwrap();
            let arm = |v: &serde_json::Value| Proportion::new(f(&v[0]), f(&v[1])).unwrap();
            let r = risk_ratio(arm(&case["treatment"]), arm(&case["control"]), 0.95).unwrap();
            assert_close(r.ratio, f(&case["ratio"]), &format!("{name} ratio"));
            assert_close(r.ci.lower, f(&case["lower"]), &format!("{name} lower"));
            assert_close(r.ci.upper, f(&case["upper"]), &format!("{name} upper"));
            assert_close(r.z, f(&case["z"]), &format!("{name} z"));
            assert_close(r.p_value, f(&case["p_value"]), &format!("{name} p"));
        }
    }

    #[test]
    fn risk_ratio_refuses_zero_shares_and_no_variance() {
        let p = |x: u64, n: u64| Proportion::from_counts(x, n).unwrap();
        let err = risk_ratio(p(0, 5), p(2, 5), 0.95).unwrap_err().to_string();
        assert_eq!(
            err,
            "no events in the treatment arm: the log risk ratio is infinite"
        );
        let err = risk_ratio(p(3, 5), p(0, 5), 0.95).unwrap_err().to_string();
        assert!(err.contains("control arm"), "{err}");
        assert_eq!(
            risk_ratio(p(4, 4), p(7, 7), 0.95),
            Err(StatsError::ZeroVariance("the log risk ratio"))
        );
        assert_eq!(
            risk_ratio(p(1, 4), p(1, 7), 1.0),
            Err(StatsError::InvalidLevel(1.0))
        );
        // By hand: 1 of 2 vs 1 of 4: ratio 2, var 1 - 1/2 + 1 - 1/4 = 1.25.
        let r = risk_ratio(p(1, 2), p(1, 4), 0.95).unwrap();
        assert_eq!(r.ratio, 2.0);
        assert!((r.log_se - 1.25f64.sqrt()).abs() < 1e-15);
    }

    fn arm(v: &serde_json::Value) -> Proportion {
        Proportion::new(f(&v["successes"]), f(&v["n"])).unwrap()
    }

    #[test]
    fn matches_statsmodels() {
        for case in fixture()["proportions"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let (t, c) = (arm(&case["treatment"]), arm(&case["control"]));
            let r = compare_proportions(t, c, DiffInterval::Newcombe, 0.95).unwrap();
            let check = |ci: Interval, key: &str| {
                assert_close(ci.lower, f(&case[key][0]), &format!("{name} {key} lower"));
                assert_close(ci.upper, f(&case[key][1]), &format!("{name} {key} upper"));
            };
            check(r.treatment_ci, "wilson_treatment");
            check(r.control_ci, "wilson_control");
            check(r.ci, "newcombe");
            check(DiffInterval::Wald.interval(t, c, 0.95).unwrap(), "wald");
            assert_close(r.difference, f(&case["diff"]), &format!("{name} diff"));
            assert_close_opt(r.test.z, opt(&case["z"]), &format!("{name} z"));
            assert_close_opt(r.test.p_value, opt(&case["p_value"]), &format!("{name} p"));
            assert_close_opt(
                r.relative_difference,
                opt(&case["relative_difference"]),
                &format!("{name} relative difference"),
            );
            let wald = compare_proportions(t, c, DiffInterval::Wald, 0.95).unwrap();
            check(wald.ci, "wald");
        }
    }

    #[test]
    fn published_shares_give_fractional_counts() {
        let p = Proportion::from_share(0.192, 1847.0).unwrap();
        assert!((p.successes - 354.624).abs() < 1e-9);
        assert_eq!(Proportion::from_counts(3, 10).unwrap().share(), 0.3);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(Proportion::new(1.0, 0.0).is_err());
        assert!(Proportion::new(5.0, 4.0).is_err());
        assert!(Proportion::new(-1.0, 4.0).is_err());
        assert!(Proportion::new(f64::NAN, 4.0).is_err());
        assert!(Proportion::from_share(1.2, 10.0).is_err());
        let p = Proportion::from_counts(1, 2).unwrap();
        assert!(wilson(p, 1.5).is_err());
        assert!(compare_proportions(p, p, DiffInterval::Newcombe, 0.0).is_err());
    }
}
