//! The statistics core: estimators, intervals and tests behind `time_to_event`, `effect` and the
//! stability (hazard ratio) comparison. Pure functions over slices, returning plain result
//! structs; bad or degenerate input comes back as a [`StatsError`] value, never a panic.
//!
//! One file per estimator family:
//! [`km`] (Kaplan–Meier), [`logrank`] (k-sample log-rank test), [`proportions`] (Wilson, Newcombe,
//! Wald, pooled z-test), [`means`] (Welch) and [`cox`] (Cox proportional hazards, Efron ties).
//! Formulas, conventions and the reference software each is checked against are in
//! `docs/statistics.md`; the reference values come from `tests/reference/stats_reference.py`.

pub mod cox;
pub mod km;
pub mod logrank;
pub mod means;
pub mod proportions;

use std::collections::BTreeMap;

use serde::Serialize;
use statrs::distribution::{ChiSquared, Continuous, ContinuousCDF, Normal, StudentsT};

/// Why a statistic could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    #[error("{what} has {found} values, expected {expected}")]
    LengthMismatch {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    #[error("{0}: no observations")]
    Empty(&'static str),
    #[error("{0}")]
    InvalidInput(String),
    #[error("confidence level {0} is not strictly between 0 and 1")]
    InvalidLevel(f64),
    #[error("{what}: {n} observations, at least {needed} needed")]
    TooFewObservations {
        what: &'static str,
        n: usize,
        needed: usize,
    },
    #[error("no events: nothing to estimate from")]
    NoEvents,
    #[error("a comparison needs at least two groups with persons at risk at an event time, found {found}")]
    TooFewGroups { found: usize },
    #[error("{0}: zero variance, the statistic is undefined")]
    ZeroVariance(&'static str),
    #[error("covariate {covariate} has no variation")]
    NoVariation { covariate: usize },
    #[error("{0} is singular (collinear covariates, or no variation among persons at risk)")]
    Singular(&'static str),
    #[error("the estimate for covariate {covariate} is infinite (monotone likelihood, e.g. no events in one arm)")]
    InfiniteEstimate { covariate: usize },
    #[error("no convergence after {iterations} iterations")]
    NotConverged { iterations: usize },
}

/// A two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
}

/// A chi-square test: statistic, degrees of freedom and upper-tail p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChiSquareTest {
    pub statistic: f64,
    pub df: usize,
    pub p_value: f64,
}

impl ChiSquareTest {
    pub(crate) fn new(statistic: f64, df: usize) -> Self {
        ChiSquareTest {
            statistic,
            df,
            p_value: chi_square_sf(statistic, df),
        }
    }
}

/// The standard normal quantile for a two-sided interval at `level` (1.959964 for 0.95).
pub fn z_for_level(level: f64) -> Result<f64, StatsError> {
    check_level(level)?;
    Ok(std_normal().inverse_cdf(1.0 - (1.0 - level) / 2.0))
}

pub(crate) fn check_level(level: f64) -> Result<(), StatsError> {
    if level.is_finite() && level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidLevel(level))
    }
}

fn std_normal() -> Normal {
    Normal::new(0.0, 1.0).expect("the standard normal has valid parameters")
}

/// Two-sided p-value of a standard normal statistic.
pub(crate) fn normal_two_sided_p(z: f64) -> f64 {
    // sf of |z| rather than 1 - cdf keeps precision for p-values far below 1e-16.
    (2.0 * std_normal().sf(z.abs())).min(1.0)
}

/// Upper-tail probability of a chi-square statistic with `df` degrees of freedom.
pub(crate) fn chi_square_sf(x: f64, df: usize) -> f64 {
    if df == 0 || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    ChiSquared::new(df as f64)
        .map(|d| d.sf(x))
        .unwrap_or(f64::NAN)
}

fn students_t(df: f64) -> Result<StudentsT, StatsError> {
    StudentsT::new(0.0, 1.0, df).map_err(|_| {
        StatsError::InvalidInput(format!("{df} is not a valid number of degrees of freedom"))
    })
}

/// Two-sided p-value of a t statistic with (possibly fractional) `df`.
pub(crate) fn t_two_sided_p(t: f64, df: f64) -> Result<f64, StatsError> {
    Ok((2.0 * students_t(df)?.sf(t.abs())).min(1.0))
}

/// The t quantile for a two-sided interval at `level` with (possibly fractional) `df`.
pub(crate) fn t_for_level(level: f64, df: f64) -> Result<f64, StatsError> {
    check_level(level)?;
    let dist = students_t(df)?;
    let p = 1.0 - (1.0 - level) / 2.0;
    let mut q = dist.inverse_cdf(p);
    // statrs inverts the incomplete beta function to about 1e-9; two Newton steps on the cdf
    // (which statrs evaluates to near machine precision) bring the quantile there too.
    for _ in 0..2 {
        let density = dist.pdf(q);
        if density > 0.0 && density.is_finite() {
            q -= (dist.cdf(q) - p) / density;
        }
    }
    Ok(q)
}

pub(crate) fn check_lengths(
    what: &'static str,
    expected: usize,
    found: usize,
) -> Result<(), StatsError> {
    if expected == found {
        Ok(())
    } else {
        Err(StatsError::LengthMismatch {
            what,
            expected,
            found,
        })
    }
}

/// Follow-up times must be finite and not negative: they count months from the start month.
pub(crate) fn check_times(time: &[f64]) -> Result<(), StatsError> {
    match time.iter().find(|t| !t.is_finite() || **t < 0.0) {
        None => Ok(()),
        Some(t) => Err(StatsError::InvalidInput(format!(
            "time {t} is not a finite number >= 0"
        ))),
    }
}

/// The row indices of each group, groups in their label order.
pub fn group_indices<G: Ord + Clone>(group: &[G]) -> Vec<(G, Vec<usize>)> {
    let mut map: BTreeMap<G, Vec<usize>> = BTreeMap::new();
    for (i, g) in group.iter().enumerate() {
        map.entry(g.clone()).or_default().push(i);
    }
    map.into_iter().collect()
}

/// Small dense symmetric matrices (row-major, `n × n`): enough linear algebra for a Cox model
/// with a handful of covariates and a log-rank test with a handful of groups.
pub(crate) mod linalg {
    /// Lower-triangular Cholesky factor of a symmetric positive-definite matrix, or `None` when
    /// the matrix is not (numerically) positive definite.
    pub fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
        let mut l = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let mut s = a[i * n + j];
                for k in 0..j {
                    s -= l[i * n + k] * l[j * n + k];
                }
                if i == j {
                    // The pivot over the diagonal entry is 1 - R² of this column on the earlier
                    // ones: near 0 means collinear (or, when the diagonal is 0, no variation),
                    // whatever the column's scale.
                    if !s.is_finite() || s <= a[i * n + i] * 1e-12 {
                        return None;
                    }
                    l[i * n + i] = s.sqrt();
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
        Some(l)
    }

    /// Solves `L Lᵀ x = b` given the Cholesky factor `L`.
    pub fn solve(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; n];
        for i in 0..n {
            let mut s = b[i];
            for k in 0..i {
                s -= l[i * n + k] * y[k];
            }
            y[i] = s / l[i * n + i];
        }
        let mut x = vec![0.0; n];
        for i in (0..n).rev() {
            let mut s = y[i];
            for k in i + 1..n {
                s -= l[k * n + i] * x[k];
            }
            x[i] = s / l[i * n + i];
        }
        x
    }

    /// The inverse, from the Cholesky factor.
    pub fn inverse(l: &[f64], n: usize) -> Vec<f64> {
        let mut inv = vec![0.0; n * n];
        let mut e = vec![0.0; n];
        for j in 0..n {
            e.iter_mut().for_each(|v| *v = 0.0);
            e[j] = 1.0;
            let col = solve(l, n, &e);
            for i in 0..n {
                inv[i * n + j] = col[i];
            }
        }
        inv
    }

    pub fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }
}

/// Shared by the reference tests of every estimator file: the fixture written by
/// `tests/reference/stats_reference.py`, and a relative-tolerance comparison.
#[cfg(test)]
pub(crate) mod reference {
    use serde_json::Value;
    use std::sync::OnceLock;

    pub fn fixture() -> &'static Value {
        static FIXTURE: OnceLock<Value> = OnceLock::new();
        FIXTURE.get_or_init(|| {
            serde_json::from_str(include_str!("../../tests/fixtures/stats_reference.json"))
                .expect("the reference fixture is valid JSON")
        })
    }

    /// The clustered Cox and risk-ratio references (`tests/reference/cox_cluster_reference.py`:
    /// R survival and statsmodels).
    pub fn cluster_fixture() -> &'static Value {
        static FIXTURE: OnceLock<Value> = OnceLock::new();
        FIXTURE.get_or_init(|| {
            serde_json::from_str(include_str!(
                "../../tests/fixtures/cox_cluster_reference.json"
            ))
            .expect("the clustered reference fixture is valid JSON")
        })
    }

    pub fn f(v: &Value) -> f64 {
        v.as_f64()
            .unwrap_or_else(|| panic!("expected a number, got {v}"))
    }

    pub fn opt(v: &Value) -> Option<f64> {
        v.as_f64()
    }

    pub fn floats(v: &Value) -> Vec<f64> {
        v.as_array().expect("an array").iter().map(f).collect()
    }

    pub fn bools(v: &Value) -> Vec<bool> {
        v.as_array()
            .expect("an array")
            .iter()
            .map(|b| b.as_bool().expect("a bool"))
            .collect()
    }

    pub fn strings(v: &Value) -> Vec<String> {
        v.as_array()
            .expect("an array")
            .iter()
            .map(|s| s.as_str().expect("a string").to_string())
            .collect()
    }

    /// The tolerance every reference comparison uses: 1e-9 relative, 1e-12 absolute near zero
    /// (differences that are exactly 0). Everything agrees to 1e-12 except p-values from the
    /// normal distribution, where statrs' erfc is good to about 1e-10.
    pub const REL: f64 = 1e-9;
    const ABS: f64 = 1e-12;

    pub fn close(actual: f64, expected: f64, rel: f64) -> bool {
        if actual == expected {
            return true;
        }
        (actual - expected).abs() <= (rel * actual.abs().max(expected.abs())).max(ABS)
    }

    #[track_caller]
    pub fn assert_close(actual: f64, expected: f64, what: &str) {
        assert!(
            close(actual, expected, REL),
            "{what}: got {actual:e}, reference {expected:e} (rel. diff {:e})",
            ((actual - expected) / expected).abs()
        );
    }

    #[track_caller]
    pub fn assert_close_opt(actual: Option<f64>, expected: Option<f64>, what: &str) {
        match (actual, expected) {
            (Some(a), Some(e)) => assert_close(a, e, what),
            (None, None) => {}
            _ => panic!("{what}: got {actual:?}, reference {expected:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reference::{assert_close, f, fixture};
    use super::*;

    #[test]
    fn distributions_match_scipy() {
        let d = &fixture()["distributions"];
        assert_close(z_for_level(0.95).unwrap(), f(&d["z_975"]), "z 0.975");
        for row in d["chi2_sf"].as_array().unwrap() {
            let (x, k, p) = (f(&row[0]), row[1].as_u64().unwrap() as usize, f(&row[2]));
            assert_close(chi_square_sf(x, k), p, &format!("chi2 sf({x}, {k})"));
        }
        for row in d["t_ppf_975"].as_array().unwrap() {
            let (df, q) = (f(&row[0]), f(&row[1]));
            assert_close(t_for_level(0.95, df).unwrap(), q, &format!("t ppf df {df}"));
        }
    }

    #[test]
    fn bad_levels_are_errors() {
        for level in [0.0, 1.0, -0.5, f64::NAN, 95.0] {
            assert!(matches!(
                z_for_level(level),
                Err(StatsError::InvalidLevel(_))
            ));
        }
    }

    #[test]
    fn cholesky_refuses_singular_matrices() {
        assert!(linalg::cholesky(&[1.0, 1.0, 1.0, 1.0], 2).is_none());
        assert!(linalg::cholesky(&[0.0], 1).is_none());
        let l = linalg::cholesky(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        let inv = linalg::inverse(&l, 2);
        let expected = [0.375, -0.25, -0.25, 0.5];
        for (a, b) in inv.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15);
        }
    }

    /// Thousands of tiny random datasets (ties, all censored, groups of one, constant columns)
    /// through every estimator: each must return a value or an error, never panic, and every
    /// number it returns must be finite where the docs promise a number.
    #[test]
    fn random_small_inputs_never_panic() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        for _ in 0..3000 {
            let n = next(9) as usize;
            let time: Vec<f64> = (0..n).map(|_| next(4) as f64).collect();
            let event: Vec<bool> = (0..n).map(|_| next(3) > 0).collect();
            let group: Vec<u64> = (0..n).map(|_| next(3)).collect();
            let x: Vec<f64> = group.iter().map(|g| (*g == 0) as u8 as f64).collect();
            let w: Vec<f64> = (0..n).map(|_| next(5) as f64).collect();

            if let Ok(fit) = km::kaplan_meier(&time, &event, 0.95) {
                for s in &fit.steps {
                    assert!(s.survival.is_finite() && s.std_err.is_finite());
                    assert!(0.0 <= s.lower && s.lower <= s.survival && s.survival <= s.upper);
                    assert!(s.upper <= 1.0);
                }
                let _ = fit.monthly_table(5);
            }
            if let Ok(lr) = logrank::logrank(&time, &event, &group) {
                assert!(lr.test.statistic >= -1e-12 && lr.test.p_value.is_finite());
            }
            if let Ok(fit) = cox::cox_ph(&time, &event, &[&x, &w], &cox::CoxOptions::default()) {
                assert!(fit.coefficients.iter().all(|c| c.std_err.is_finite()));
            }
            let (a, b) = w.split_at(n / 2);
            if let Ok(r) = means::welch_from_data(a, b, 0.95) {
                assert!(r.p_value.is_finite() && r.ci.lower <= r.ci.upper);
            }
            let ea = event.iter().filter(|e| **e).count() as u64;
            if let (Ok(p1), Ok(p2)) = (
                proportions::Proportion::from_counts(ea, n as u64),
                proportions::Proportion::from_counts(next(4), 3),
            ) {
                let r = proportions::compare_proportions(
                    p1,
                    p2,
                    proportions::DiffInterval::Newcombe,
                    0.95,
                )
                .unwrap();
                assert!(r.ci.lower <= r.difference && r.difference <= r.ci.upper);
                assert!(-1.0 <= r.ci.lower && r.ci.upper <= 1.0);
            }
        }
    }

    #[test]
    fn groups_come_in_label_order() {
        let g = group_indices(&["b", "a", "b", "c"]);
        assert_eq!(g, vec![("a", vec![1]), ("b", vec![0, 2]), ("c", vec![3])]);
    }
}
