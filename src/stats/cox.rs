//! Cox proportional-hazards regression (Cox 1972) with Efron's approximation for tied event
//! times (Efron 1977), fitted by Newton–Raphson on the partial log-likelihood. Any number of
//! covariates; the stability comparison uses one, the arm (1 = treatment).
//!
//! Reports each coefficient with its standard error from the inverse observed information, the
//! hazard ratio exp(β) with its Wald interval exp(β ± z·se) and the Wald p-value, plus the
//! three global tests: likelihood ratio, Wald and score (the score test at β = 0 is the log-rank
//! test when there is one binary covariate and no tied event times).
//!
//! The fit starts at β = 0; a step that lowers the log-likelihood is halved (up to 40 times);
//! it stops when the log-likelihood changes by less than 1e-12 relative, then takes one more
//! Newton step to polish. Failures are values: no events, a covariate without variation,
//! collinear covariates (singular information), an infinite estimate (monotone likelihood, e.g.
//! no events in one arm: the log-likelihood levels off while the Newton step stays large), or
//! no convergence within the iteration limit.

use serde::Serialize;

use super::{
    check_lengths, check_level, linalg, normal_two_sided_p, z_for_level, ChiSquareTest, StatsError,
};

/// Fitting options.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CoxOptions {
    /// Confidence level of the hazard-ratio intervals.
    pub level: f64,
    /// Newton–Raphson iterations allowed.
    pub max_iter: usize,
}

impl Default for CoxOptions {
    fn default() -> Self {
        CoxOptions {
            level: 0.95,
            // An infinite estimate takes about 30 iterations to show (the log-likelihood gains
            // e^β per step); 100 leaves room for that and for slow starts.
            max_iter: 100,
        }
    }
}

/// One covariate's estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CoxCoefficient {
    pub coef: f64,
    pub std_err: f64,
    /// exp(coef).
    pub hazard_ratio: f64,
    /// Wald interval for the hazard ratio, exp(coef ± z·se).
    pub lower: f64,
    pub upper: f64,
    pub z: f64,
    /// Two-sided Wald p-value.
    pub p_value: f64,
}

/// A fitted model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoxFit {
    pub level: f64,
    pub n: usize,
    pub n_events: usize,
    /// In the order of the covariates given.
    pub coefficients: Vec<CoxCoefficient>,
    /// Inverse observed information at the estimate (row-major p × p).
    pub covariance: Vec<f64>,
    pub log_likelihood: f64,
    /// At β = 0.
    pub log_likelihood_null: f64,
    pub likelihood_ratio: ChiSquareTest,
    pub wald: ChiSquareTest,
    pub score: ChiSquareTest,
    pub iterations: usize,
}

/// Fits the model. `covariates` holds one slice per covariate, each as long as `time`.
pub fn cox_ph(
    time: &[f64],
    event: &[bool],
    covariates: &[&[f64]],
    options: &CoxOptions,
) -> Result<CoxFit, StatsError> {
    fit_model(time, event, covariates, options).map(|fitted| fitted.fit)
}

/// A fit with what the robust variance needs besides it: the sorted data and the estimate.
struct Fitted {
    fit: CoxFit,
    data: Data,
    beta: Vec<f64>,
}

fn fit_model(
    time: &[f64],
    event: &[bool],
    covariates: &[&[f64]],
    options: &CoxOptions,
) -> Result<Fitted, StatsError> {
    check_lengths("event", time.len(), event.len())?;
    for x in covariates {
        check_lengths("covariate", time.len(), x.len())?;
    }
    if time.is_empty() {
        return Err(StatsError::Empty("Cox model"));
    }
    if covariates.is_empty() {
        return Err(StatsError::InvalidInput(
            "a Cox model needs a covariate".into(),
        ));
    }
    if time.iter().any(|t| !t.is_finite())
        || covariates
            .iter()
            .flat_map(|x| x.iter())
            .any(|v| !v.is_finite())
    {
        return Err(StatsError::InvalidInput(
            "a time or covariate value is not a finite number".into(),
        ));
    }
    check_level(options.level)?;
    let n_events = event.iter().filter(|e| **e).count();
    if n_events == 0 {
        return Err(StatsError::NoEvents);
    }
    for (k, x) in covariates.iter().enumerate() {
        if x.iter().all(|v| *v == x[0]) {
            return Err(StatsError::NoVariation { covariate: k });
        }
    }

    let data = Data::new(time, event, covariates);
    let p = data.p;
    let mut beta = vec![0.0; p];
    let mut cur = data.evaluate(&beta);
    let null = cur.clone();
    let mut iterations = 0;
    loop {
        if iterations >= options.max_iter {
            return Err(StatsError::NotConverged { iterations });
        }
        iterations += 1;
        let step = newton_step(&cur, p, &beta)?;

        let mut scale = 1.0;
        let mut accepted = None;
        for _ in 0..=40 {
            let candidate: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + scale * s).collect();
            let e = data.evaluate(&candidate);
            // Rounding can make the log-likelihood at the optimum dip by an ulp or so; that is
            // not a worse point.
            if e.loglik.is_finite() && e.loglik >= cur.loglik - 1e-14 * cur.loglik.abs().max(1.0) {
                accepted = Some((candidate, e));
                break;
            }
            scale /= 2.0;
        }
        let Some((candidate, e)) = accepted else {
            return Err(StatsError::NotConverged { iterations });
        };
        let gain = e.loglik - cur.loglik;
        beta = candidate;
        cur = e;
        if gain.abs() <= 1e-12 * cur.loglik.abs().max(1.0) {
            break;
        }
    }

    // Converged in the log-likelihood. A finite optimum leaves a Newton step of the order of the
    // last step squared; a coefficient running off to infinity leaves a step of order 1.
    let step = newton_step(&cur, p, &beta)?;
    if let Some((k, _)) = step
        .iter()
        .zip(&beta)
        .map(|(s, b)| s.abs() / b.abs().max(1.0))
        .enumerate()
        .filter(|(_, r)| *r > 1e-4)
        .max_by(|a, b| a.1.total_cmp(&b.1))
    {
        return Err(StatsError::InfiniteEstimate { covariate: k });
    }
    let polished: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + s).collect();
    let e = data.evaluate(&polished);
    if e.loglik.is_finite() && e.loglik >= cur.loglik {
        beta = polished;
        cur = e;
    }

    let chol =
        linalg::cholesky(&cur.info, p).ok_or(StatsError::Singular("the information matrix"))?;
    let covariance = linalg::inverse(&chol, p);
    let coefficients = wald_coefficients(&beta, &covariance, options.level)?;

    // Wald: βᵀ I(β̂) β. Score: U(0)ᵀ I(0)⁻¹ U(0).
    let i_beta: Vec<f64> = (0..p)
        .map(|r| linalg::dot(&cur.info[r * p..(r + 1) * p], &beta))
        .collect();
    let wald = linalg::dot(&beta, &i_beta);
    let null_chol = linalg::cholesky(&null.info, p)
        .ok_or(StatsError::Singular("the information matrix at 0"))?;
    let score = linalg::dot(&null.score, &linalg::solve(&null_chol, p, &null.score));

    let fit = CoxFit {
        level: options.level,
        n: time.len(),
        n_events,
        coefficients,
        covariance,
        log_likelihood: cur.loglik,
        log_likelihood_null: null.loglik,
        likelihood_ratio: ChiSquareTest::new(2.0 * (cur.loglik - null.loglik), p),
        wald: ChiSquareTest::new(wald, p),
        score: ChiSquareTest::new(score, p),
        iterations,
    };
    Ok(Fitted { fit, data, beta })
}

/// Each coefficient with its standard error from `covariance` (row-major p × p), the hazard
/// ratio, its Wald interval at `level` and the two-sided Wald p-value.
fn wald_coefficients(
    beta: &[f64],
    covariance: &[f64],
    level: f64,
) -> Result<Vec<CoxCoefficient>, StatsError> {
    let p = beta.len();
    let z = z_for_level(level)?;
    Ok((0..p)
        .map(|k| {
            let se = covariance[k * p + k].sqrt();
            let zk = beta[k] / se;
            CoxCoefficient {
                coef: beta[k],
                std_err: se,
                hazard_ratio: beta[k].exp(),
                lower: (beta[k] - z * se).exp(),
                upper: (beta[k] + z * se).exp(),
                z: zk,
                p_value: normal_two_sided_p(zk),
            }
        })
        .collect())
}

/// The arm as a covariate: 1 for treatment, 0 for control.
fn arm_covariate(treated: &[bool]) -> Vec<f64> {
    treated.iter().map(|&t| if t { 1.0 } else { 0.0 }).collect()
}

/// The hazard ratio of treatment (`treated[i]` true) against control: a one-covariate model.
pub fn hazard_ratio(
    time: &[f64],
    event: &[bool],
    treated: &[bool],
    level: f64,
) -> Result<CoxFit, StatsError> {
    let arm = arm_covariate(treated);
    cox_ph(
        time,
        event,
        &[&arm],
        &CoxOptions {
            level,
            ..CoxOptions::default()
        },
    )
}

/// A fit whose variance is clustered: observations of one cluster (the spells of one person)
/// may be dependent, so the variance is Lin and Wei's (1989) robust sandwich rather than the
/// inverse information.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusteredCoxFit {
    /// The ordinary fit: the estimate, likelihood and tests, with the naive (model-based)
    /// covariance and standard errors.
    pub fit: CoxFit,
    /// Clusters with at least one observation.
    pub clusters: usize,
    /// V = I⁻¹ (Σ_c U_c U_cᵀ) I⁻¹ (row-major p × p), U_c the sum of cluster c's score
    /// residuals, I the observed information at the estimate. No small-sample factor, as R's
    /// `coxph(... + cluster(id))` and statsmodels' `PHReg.fit(groups=)`.
    pub robust_covariance: Vec<f64>,
    /// Each coefficient with its robust standard error, Wald interval and p-value.
    pub coefficients: Vec<CoxCoefficient>,
    /// The global Wald test with the robust covariance: βᵀ V⁻¹ β.
    pub robust_wald: ChiSquareTest,
}

/// Fits the model and clusters the variance by `cluster` (one label per observation, as long
/// as `time`): the Lin–Wei robust variance with Efron score residuals, the residuals of the
/// likelihood that was maximised (they sum to its score, 0 at the estimate). This is R's
/// `coxph(Surv(time, event) ~ x + cluster(id), ties = "efron")`; statsmodels' `PHReg` with
/// `groups` uses Breslow's residuals even with Efron ties, which differ where event times tie
/// (`docs/statistics.md`).
pub fn cox_ph_clustered(
    time: &[f64],
    event: &[bool],
    covariates: &[&[f64]],
    cluster: &[u64],
    options: &CoxOptions,
) -> Result<ClusteredCoxFit, StatsError> {
    clustered(time, event, covariates, cluster, options, Residuals::Efron)
}

/// The hazard ratio of treatment against control, its variance clustered by `cluster`.
pub fn hazard_ratio_clustered(
    time: &[f64],
    event: &[bool],
    treated: &[bool],
    cluster: &[u64],
    level: f64,
) -> Result<ClusteredCoxFit, StatsError> {
    let arm = arm_covariate(treated);
    cox_ph_clustered(
        time,
        event,
        &[&arm],
        cluster,
        &CoxOptions {
            level,
            ..CoxOptions::default()
        },
    )
}

/// How score residuals treat tied events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Residuals {
    /// Each of d tied events counts 1/d at each of Efron's d sub-steps, where it is at risk
    /// with weight 1 − l/d (R's `coxscore`): consistent with Efron's likelihood.
    Efron,
    /// One step per time over the whole risk set (statsmodels' `score_residuals`); the same as
    /// Efron's where no event times tie. Only the tests use it, to check the sandwich against
    /// statsmodels on tied data.
    #[cfg_attr(not(test), allow(dead_code))]
    Breslow,
}

fn clustered(
    time: &[f64],
    event: &[bool],
    covariates: &[&[f64]],
    cluster: &[u64],
    options: &CoxOptions,
    residuals: Residuals,
) -> Result<ClusteredCoxFit, StatsError> {
    check_lengths("cluster", time.len(), cluster.len())?;
    let Fitted { fit, data, beta } = fit_model(time, event, covariates, options)?;
    let p = data.p;
    // Σ_c U_c U_cᵀ over the clusters' summed residuals (BTreeMap: the sum's order, and so its
    // last bits, does not depend on hashing).
    let mut sums: std::collections::BTreeMap<u64, Vec<f64>> = Default::default();
    let res = data.score_residuals(&beta, residuals);
    for (row, &i) in data.order.iter().enumerate() {
        let u = sums.entry(cluster[i]).or_insert_with(|| vec![0.0; p]);
        for k in 0..p {
            u[k] += res[row * p + k];
        }
    }
    if sums.len() < 2 {
        return Err(StatsError::TooFewObservations {
            what: "clusters (persons)",
            n: sums.len(),
            needed: 2,
        });
    }
    let mut meat = vec![0.0; p * p];
    for u in sums.values() {
        for j in 0..p {
            for k in 0..p {
                meat[j * p + k] += u[j] * u[k];
            }
        }
    }
    let bread = &fit.covariance;
    let mut half = vec![0.0; p * p];
    let mut robust = vec![0.0; p * p];
    for j in 0..p {
        for k in 0..p {
            half[j * p + k] = (0..p).map(|m| bread[j * p + m] * meat[m * p + k]).sum();
        }
    }
    for j in 0..p {
        for k in 0..p {
            robust[j * p + k] = (0..p).map(|m| half[j * p + m] * bread[m * p + k]).sum();
        }
    }
    let chol = linalg::cholesky(&robust, p)
        .ok_or(StatsError::ZeroVariance("the robust (clustered) variance"))?;
    let wald = linalg::dot(&beta, &linalg::solve(&chol, p, &beta));
    let coefficients = wald_coefficients(&beta, &robust, options.level)?;
    Ok(ClusteredCoxFit {
        clusters: sums.len(),
        robust_covariance: robust,
        coefficients,
        robust_wald: ChiSquareTest::new(wald, p),
        fit,
    })
}

fn newton_step(e: &Evaluation, p: usize, beta: &[f64]) -> Result<Vec<f64>, StatsError> {
    match linalg::cholesky(&e.info, p) {
        Some(chol) => Ok(linalg::solve(&chol, p, &e.score)),
        // Information lost in one direction while that coefficient is already large is the
        // monotone likelihood again, seen from the other side.
        None => match beta
            .iter()
            .enumerate()
            .filter(|(_, b)| b.abs() > 10.0)
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        {
            Some((k, _)) => Err(StatsError::InfiniteEstimate { covariate: k }),
            None => Err(StatsError::Singular("the information matrix")),
        },
    }
}

/// The data sorted by descending time (so risk sets accumulate), covariates centred.
struct Data {
    p: usize,
    /// Row-major n × p, centred by the column means: exp(xβ) stays in range and the information
    /// sums lose less to cancellation; β and the likelihood are unchanged.
    x: Vec<f64>,
    /// (first row, end row, number of events) for each distinct time, descending; within a time
    /// the events come first.
    blocks: Vec<(usize, usize, usize)>,
    /// The input index of each sorted row.
    order: Vec<usize>,
}

#[derive(Clone)]
struct Evaluation {
    loglik: f64,
    score: Vec<f64>,
    /// Observed information, row-major p × p.
    info: Vec<f64>,
}

impl Data {
    fn new(time: &[f64], event: &[bool], covariates: &[&[f64]]) -> Self {
        let n = time.len();
        let p = covariates.len();
        let mut order: Vec<usize> = (0..n).collect();
        // Descending time; at one time, events before censorings.
        order.sort_by(|&a, &b| time[b].total_cmp(&time[a]).then(event[b].cmp(&event[a])));
        let means: Vec<f64> = covariates
            .iter()
            .map(|x| x.iter().sum::<f64>() / n as f64)
            .collect();
        let mut x = Vec::with_capacity(n * p);
        for &i in &order {
            for k in 0..p {
                x.push(covariates[k][i] - means[k]);
            }
        }
        let mut blocks = Vec::new();
        let mut start = 0;
        while start < n {
            let t = time[order[start]];
            let mut end = start;
            let mut d = 0;
            while end < n && time[order[end]] == t {
                if event[order[end]] {
                    d += 1;
                }
                end += 1;
            }
            blocks.push((start, end, d));
            start = end;
        }
        Data {
            p,
            x,
            blocks,
            order,
        }
    }

    /// Each sorted row's score residual at `beta` (row-major n × p): its own term of the score,
    /// Σ over the event times it is at risk at of (x_i − x̄(t)) (dN_i(t) − r_i dΛ(t)). With
    /// Efron's ties a time of d tied events is d sub-steps l = 0..d−1; at each, every tied event
    /// has dN = 1/d and is at risk with weight 1 − l/d, the rest of the risk set with weight 1,
    /// and x̄, dΛ are taken over that weighted risk set (φ_l = S0 − (l/d)·D0). The residuals
    /// add up to the score `evaluate` returns.
    fn score_residuals(&self, beta: &[f64], residuals: Residuals) -> Vec<f64> {
        let p = self.p;
        let n = self.x.len() / p.max(1);
        let eta: Vec<f64> = (0..n)
            .map(|i| linalg::dot(&self.x[i * p..(i + 1) * p], beta))
            .collect();
        let top = eta.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let risk: Vec<f64> = eta.iter().map(|e| (e - top).exp()).collect();
        let nb = self.blocks.len();
        // Per block: Σ_l 1/φ_l and Σ_l x̄_l/φ_l over its sub-steps (the compensator at weight
        // 1), Σ_l f_l/φ_l and Σ_l f_l x̄_l/φ_l (what a tied event's weight 1 − f_l takes back),
        // and Σ_l x̄_l / d (the events' own mean).
        let mut c0 = vec![0.0; nb];
        let mut c1 = vec![0.0; nb * p];
        let mut g0 = vec![0.0; nb];
        let mut g1 = vec![0.0; nb * p];
        let mut mean = vec![0.0; nb * p];
        let (mut s0, mut s1) = (0.0, vec![0.0; p]);
        for (b, &(start, end, d)) in self.blocks.iter().enumerate() {
            let (mut d0, mut d1) = (0.0, vec![0.0; p]);
            for (i, &r) in risk.iter().enumerate().take(end).skip(start) {
                let xi = &self.x[i * p..(i + 1) * p];
                s0 += r;
                for k in 0..p {
                    s1[k] += r * xi[k];
                }
                if i < start + d {
                    d0 += r;
                    for k in 0..p {
                        d1[k] += r * xi[k];
                    }
                }
            }
            for l in 0..d {
                let f = match residuals {
                    Residuals::Efron => l as f64 / d as f64,
                    Residuals::Breslow => 0.0,
                };
                let phi = s0 - f * d0;
                c0[b] += 1.0 / phi;
                g0[b] += f / phi;
                for k in 0..p {
                    let xbar = (s1[k] - f * d1[k]) / phi;
                    c1[b * p + k] += xbar / phi;
                    g1[b * p + k] += f * xbar / phi;
                    mean[b * p + k] += xbar / d as f64;
                }
            }
        }
        // Blocks are in descending time: a row is at risk at its own block's time and every
        // earlier one, the blocks after it here. Running sums from the end give that.
        for b in (0..nb.saturating_sub(1)).rev() {
            c0[b] += c0[b + 1];
            for k in 0..p {
                c1[b * p + k] += c1[(b + 1) * p + k];
            }
        }
        let mut out = vec![0.0; n * p];
        for (b, &(start, end, d)) in self.blocks.iter().enumerate() {
            for i in start..end {
                let xi = &self.x[i * p..(i + 1) * p];
                let r = risk[i];
                for k in 0..p {
                    let mut u = -r * (xi[k] * c0[b] - c1[b * p + k]);
                    if i < start + d {
                        u += xi[k] - mean[b * p + k] + r * (xi[k] * g0[b] - g1[b * p + k]);
                    }
                    out[i * p + k] = u;
                }
            }
        }
        out
    }

    /// Efron's partial log-likelihood, its gradient and the observed information at `beta`.
    fn evaluate(&self, beta: &[f64]) -> Evaluation {
        let p = self.p;
        let n = self.x.len() / p.max(1);
        let eta: Vec<f64> = (0..n)
            .map(|i| linalg::dot(&self.x[i * p..(i + 1) * p], beta))
            .collect();
        // The likelihood is unchanged by adding a constant to every η; subtracting the largest
        // keeps every exp(η) <= 1.
        let top = eta.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let risk: Vec<f64> = eta.iter().map(|e| (e - top).exp()).collect();

        let mut loglik = 0.0;
        let mut score = vec![0.0; p];
        let mut info = vec![0.0; p * p];
        // Risk-set sums: Σ r, Σ r x, Σ r x xᵀ.
        let mut s0 = 0.0;
        let mut s1 = vec![0.0; p];
        let mut s2 = vec![0.0; p * p];
        // The same over the tied events of one time.
        let mut d1 = vec![0.0; p];
        let mut d2 = vec![0.0; p * p];
        let mut a = vec![0.0; p];
        for &(start, end, d) in &self.blocks {
            let mut d0 = 0.0;
            d1.iter_mut().for_each(|v| *v = 0.0);
            d2.iter_mut().for_each(|v| *v = 0.0);
            for i in start..end {
                let xi = &self.x[i * p..(i + 1) * p];
                let r = risk[i];
                s0 += r;
                for j in 0..p {
                    s1[j] += r * xi[j];
                    for k in 0..p {
                        s2[j * p + k] += r * xi[j] * xi[k];
                    }
                }
                // Events sort first within a time.
                if i < start + d {
                    d0 += r;
                    loglik += eta[i] - top;
                    for j in 0..p {
                        d1[j] += r * xi[j];
                        score[j] += xi[j];
                        for k in 0..p {
                            d2[j * p + k] += r * xi[j] * xi[k];
                        }
                    }
                }
            }
            // Efron: the l-th of the d tied events sees the risk set with l/d of each tied
            // event's weight removed.
            for l in 0..d {
                let f = l as f64 / d as f64;
                let phi = s0 - f * d0;
                loglik -= phi.ln();
                for j in 0..p {
                    a[j] = s1[j] - f * d1[j];
                    score[j] -= a[j] / phi;
                }
                for j in 0..p {
                    for k in 0..p {
                        let b = s2[j * p + k] - f * d2[j * p + k];
                        info[j * p + k] += b / phi - a[j] * a[k] / (phi * phi);
                    }
                }
            }
        }
        Evaluation {
            loglik,
            score,
            info,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::reference::{assert_close, bools, cluster_fixture, f, fixture, floats};
    use super::*;

    #[test]
    fn matches_lifelines_and_statsmodels() {
        for case in fixture()["cox"].as_array().unwrap() {
            let name = case["dataset"].as_str().unwrap();
            let time = floats(&case["time"]);
            let event = bools(&case["event"]);
            let cols: Vec<Vec<f64>> = case["covariates"]
                .as_array()
                .unwrap()
                .iter()
                .map(floats)
                .collect();
            let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
            let fit = cox_ph(&time, &event, &refs, &CoxOptions::default()).unwrap();
            for (k, c) in fit.coefficients.iter().enumerate() {
                let w = format!("{name} covariate {k}");
                assert_close(c.coef, f(&case["coef"][k]), &format!("{w} coef"));
                assert_close(c.std_err, f(&case["se"][k]), &format!("{w} se"));
                assert_close(
                    c.hazard_ratio,
                    f(&case["hazard_ratio"][k]),
                    &format!("{w} HR"),
                );
                assert_close(c.lower, f(&case["lower"][k]), &format!("{w} lower"));
                assert_close(c.upper, f(&case["upper"][k]), &format!("{w} upper"));
                assert_close(c.z, f(&case["z"][k]), &format!("{w} z"));
                assert_close(c.p_value, f(&case["p_value"][k]), &format!("{w} p"));
            }
            let p = cols.len();
            for r in 0..p {
                for c in 0..p {
                    assert_close(
                        fit.covariance[r * p + c],
                        f(&case["covariance"][r][c]),
                        &format!("{name} covariance {r},{c}"),
                    );
                }
            }
            assert_close(
                fit.log_likelihood,
                f(&case["log_likelihood"]),
                &format!("{name} LL"),
            );
            assert_close(
                fit.log_likelihood_null,
                f(&case["log_likelihood_null"]),
                &format!("{name} LL0"),
            );
            for (test, key) in [
                (fit.likelihood_ratio, "likelihood_ratio"),
                (fit.wald, "wald"),
                (fit.score, "score"),
            ] {
                let r = &case[key];
                assert_eq!(test.df as u64, r["df"].as_u64().unwrap());
                assert_close(test.statistic, f(&r["statistic"]), &format!("{name} {key}"));
                assert_close(test.p_value, f(&r["p_value"]), &format!("{name} {key} p"));
            }
        }
    }

    /// The clustered cases of `tests/fixtures/cox_cluster_reference.json` with their covariates
    /// and clusters.
    fn clustered_case(case: &serde_json::Value) -> (Vec<f64>, Vec<bool>, Vec<Vec<f64>>, Vec<u64>) {
        let cols = case["covariates"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        let cluster = case["cluster"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .collect();
        (floats(&case["time"]), bools(&case["event"]), cols, cluster)
    }

    fn assert_matrix(actual: &[f64], expected: &serde_json::Value, what: &str) {
        let p = expected.as_array().unwrap().len();
        for r in 0..p {
            for c in 0..p {
                assert_close(
                    actual[r * p + c],
                    f(&expected[r][c]),
                    &format!("{what} {r},{c}"),
                );
            }
        }
    }

    /// The robust variance against R's `coxph(... + cluster(id), ties = "efron")` (Efron score
    /// residuals); with no tied events the script has checked that statsmodels agrees.
    #[test]
    fn clustered_variance_matches_r_survival() {
        let cases = cluster_fixture()["cox_clustered"].as_array().unwrap();
        assert_eq!(cases.len(), 3);
        for case in cases {
            let name = case["dataset"].as_str().unwrap();
            let (time, event, cols, cluster) = clustered_case(case);
            let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
            let fit =
                cox_ph_clustered(&time, &event, &refs, &cluster, &CoxOptions::default()).unwrap();
            for (k, c) in fit.coefficients.iter().enumerate() {
                assert_close(c.coef, f(&case["coef"][k]), &format!("{name} coef {k}"));
                let var = f(&case["robust_covariance"][k][k]);
                assert_close(c.std_err, var.sqrt(), &format!("{name} robust se {k}"));
                let z = c.coef / var.sqrt();
                assert_close(c.z, z, &format!("{name} z {k}"));
                let half = 1.959_963_984_540_054 * var.sqrt();
                assert_close(c.lower, (c.coef - half).exp(), &format!("{name} lower {k}"));
                assert_close(c.upper, (c.coef + half).exp(), &format!("{name} upper {k}"));
                // The ordinary fit is untouched: its se is the naive one.
                let naive = f(&case["naive_covariance"][k][k]).sqrt();
                assert_close(
                    fit.fit.coefficients[k].std_err,
                    naive,
                    &format!("{name} naive se"),
                );
            }
            assert_matrix(&fit.robust_covariance, &case["robust_covariance"], name);
            assert_matrix(&fit.fit.covariance, &case["naive_covariance"], name);
            assert_close(fit.fit.log_likelihood, f(&case["log_likelihood"]), name);
            let clusters: std::collections::BTreeSet<u64> = cluster.iter().copied().collect();
            assert_eq!(fit.clusters, clusters.len());
        }
    }

    /// statsmodels' `PHReg(ties="efron").fit(groups=)` takes Breslow's score residuals; the same
    /// sandwich with those residuals matches it on the tied data too, which checks the
    /// clustering and the sandwich through a second program.
    #[test]
    fn clustered_variance_with_breslow_residuals_matches_statsmodels() {
        for case in cluster_fixture()["cox_clustered"].as_array().unwrap() {
            let name = case["dataset"].as_str().unwrap();
            let (time, event, cols, cluster) = clustered_case(case);
            let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
            let fit = clustered(
                &time,
                &event,
                &refs,
                &cluster,
                &CoxOptions::default(),
                Residuals::Breslow,
            )
            .unwrap();
            let reference = &case["breslow_residuals"]["robust_covariance"];
            assert_matrix(
                &fit.robust_covariance,
                reference,
                &format!("{name} statsmodels"),
            );
            if !case["tied_events"].as_bool().unwrap() {
                assert_matrix(&fit.robust_covariance, &case["robust_covariance"], name);
            }
        }
    }

    /// The residuals add up to the score at any β (so to 0 at the estimate); one cluster per
    /// observation with no ties gives the plain Lin–Wei sandwich; one cluster is refused.
    #[test]
    fn clustered_residuals_and_degenerate_clusters() {
        let case = &cluster_fixture()["cox_clustered"][2];
        let (time, event, cols, cluster) = clustered_case(case);
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let data = Data::new(&time, &event, &refs);
        for beta in [[0.0, 0.0], [0.3, -0.7], [-1.2, 0.4]] {
            let score = data.evaluate(&beta).score;
            let res = data.score_residuals(&beta, Residuals::Efron);
            for k in 0..2 {
                let sum: f64 = (0..time.len()).map(|i| res[i * 2 + k]).sum();
                assert!(
                    (sum - score[k]).abs() < 1e-12,
                    "{beta:?} {k}: {sum} vs {}",
                    score[k]
                );
            }
        }
        let opts = CoxOptions::default();
        assert_eq!(
            cox_ph_clustered(&time, &event, &refs, &vec![7; time.len()], &opts),
            Err(StatsError::TooFewObservations {
                what: "clusters (persons)",
                n: 1,
                needed: 2
            })
        );
        assert!(matches!(
            cox_ph_clustered(&time, &event, &refs, &cluster[1..], &opts),
            Err(StatsError::LengthMismatch { .. })
        ));
        // Clusters of one: still a sandwich (not the naive variance), and the labels' values
        // do not matter, only which observations share one.
        let singletons: Vec<u64> = (0..time.len() as u64).map(|i| 1000 - i).collect();
        let fit = cox_ph_clustered(&time, &event, &refs, &singletons, &opts).unwrap();
        assert_eq!(fit.clusters, time.len());
        let relabelled: Vec<u64> = cluster.iter().map(|c| c * 31 + 5).collect();
        let a = cox_ph_clustered(&time, &event, &refs, &cluster, &opts).unwrap();
        let b = cox_ph_clustered(&time, &event, &refs, &relabelled, &opts).unwrap();
        assert_eq!(a.robust_covariance, b.robust_covariance);
        let treated: Vec<bool> = cols[0].iter().map(|v| *v == 1.0).collect();
        let one = hazard_ratio_clustered(&time, &event, &treated, &cluster, 0.9).unwrap();
        assert_eq!(one.fit.level, 0.9);
        assert_eq!(one.coefficients.len(), 1);
    }

    #[test]
    fn hazard_ratio_is_the_one_covariate_model() {
        let case = &fixture()["cox"][0];
        assert_eq!(case["dataset"], "ties_arm");
        let treated: Vec<bool> = floats(&case["covariates"][0])
            .iter()
            .map(|v| *v == 1.0)
            .collect();
        let fit = hazard_ratio(
            &floats(&case["time"]),
            &bools(&case["event"]),
            &treated,
            0.95,
        )
        .unwrap();
        assert_close(
            fit.coefficients[0].hazard_ratio,
            f(&case["hazard_ratio"][0]),
            "HR",
        );
    }

    #[test]
    fn edge_inputs_are_values_not_panics() {
        let time = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let arm = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let opts = CoxOptions::default();

        assert_eq!(
            cox_ph(&time, &[false; 6], &[&arm], &opts),
            Err(StatsError::NoEvents)
        );
        assert_eq!(
            cox_ph(&time, &[true; 6], &[&[2.0; 6]], &opts),
            Err(StatsError::NoVariation { covariate: 0 })
        );
        let double: Vec<f64> = arm.iter().map(|a| 2.0 * a + 1.0).collect();
        assert!(matches!(
            cox_ph(&time, &[true; 6], &[&arm, &double], &opts),
            Err(StatsError::Singular(_))
        ));
        assert!(matches!(
            cox_ph(&time, &[true; 5], &[&arm], &opts),
            Err(StatsError::LengthMismatch { .. })
        ));
        assert!(cox_ph(&[], &[], &[&[]], &opts).is_err());
        assert!(cox_ph(&time, &[true; 6], &[], &opts).is_err());
        assert!(cox_ph(&[f64::NAN; 6], &[true; 6], &[&arm], &opts).is_err());

        // No events among the treated: the hazard ratio is 0, the estimate infinite.
        let event = [false, true, false, true, false, true];
        assert_eq!(
            cox_ph(&time, &event, &[&arm], &opts),
            Err(StatsError::InfiniteEstimate { covariate: 0 })
        );
        // Every treated person has the event before every control: infinite the other way.
        let time2 = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let arm2 = [1.0, 1.0, 1.0, 0.0, 0.0, 0.0];
        assert_eq!(
            cox_ph(&time2, &[true; 6], &[&arm2], &opts),
            Err(StatsError::InfiniteEstimate { covariate: 0 })
        );
        // The same with a second, well-behaved covariate alongside.
        let age = [30.0, 41.0, 35.0, 52.0, 28.0, 44.0];
        assert_eq!(
            cox_ph(&time, &event, &[&age, &arm], &opts),
            Err(StatsError::InfiniteEstimate { covariate: 1 })
        );

        assert_eq!(
            cox_ph(
                &time,
                &[true; 6],
                &[&arm],
                &CoxOptions {
                    max_iter: 1,
                    ..opts
                }
            ),
            Err(StatsError::NotConverged { iterations: 1 })
        );

        // A treated arm of one person, with the event.
        let one = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0];
        let fit = cox_ph(&time, &[true; 6], &[&one], &opts).unwrap();
        assert!(fit.coefficients[0].std_err.is_finite());

        // All events at one time: finite, and the fit is symmetric in the arm coding.
        let t1 = [2.0, 2.0, 2.0, 2.0, 5.0, 5.0];
        let e1 = [true, true, true, true, false, false];
        let a1 = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0];
        let flipped: Vec<f64> = a1.iter().map(|a| 1.0 - a).collect();
        let f1 = cox_ph(&t1, &e1, &[&a1], &opts).unwrap();
        let f2 = cox_ph(&t1, &e1, &[&flipped], &opts).unwrap();
        assert!((f1.coefficients[0].coef + f2.coefficients[0].coef).abs() < 1e-10);
    }
}
