//! Kaplan–Meier estimate of the survival function S(t) = P(T > t) for right-censored times, with
//! Greenwood's variance, the log-log (Kalbfleisch–Prentice) confidence interval, quantiles by R
//! survival's rule, and the numbers at risk, events and censored.
//!
//! For `time_to_event`, T is the month of first reaching a status and S(t) the share not yet
//! there; the cumulative share reaching it is 1 − S(t), with interval (1 − upper, 1 − lower).
//!
//! Conventions (see `docs/statistics.md`):
//! - Events and censorings at the same time: the censored persons count as at risk at that time
//!   (censoring happens just after the events).
//! - Where S = 1 (no event yet) the interval is the point [1, 1]; where S = 0 (the last persons at
//!   risk all had the event) it is [0, 0] and Greenwood's infinite term for that time is left out,
//!   so the standard error is 0. lifelines does the same; R survival ≥ 3 reports NA for both.
//! - Quantile p is the time by which a share p has reached the status: the smallest t with
//!   1 − S(t) ≥ p, except that where the curve is flat at exactly 1 − S = p (within √ε) the
//!   midpoint of the flat segment is taken, and a flat lasting to the end of follow-up takes the
//!   midpoint with the last follow-up time (R survival's `quantile.survfit`). `None` = not reached.

use serde::Serialize;

use super::{check_lengths, check_level, check_times, group_indices, z_for_level, StatsError};

/// One distinct observed time (an event or a censoring time).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmStep {
    pub time: f64,
    /// Persons with follow-up time >= `time`.
    pub n_risk: usize,
    pub n_event: usize,
    pub n_censor: usize,
    /// S(time): the share not yet having had the event after this time.
    pub survival: f64,
    /// Greenwood standard error of `survival`.
    pub std_err: f64,
    pub lower: f64,
    pub upper: f64,
}

impl KmStep {
    /// The cumulative share having had the event by `time`, 1 − S.
    pub fn share_reached(&self) -> f64 {
        1.0 - self.survival
    }

    /// The interval for [`share_reached`](Self::share_reached).
    pub fn share_reached_ci(&self) -> super::Interval {
        super::Interval {
            lower: 1.0 - self.upper,
            upper: 1.0 - self.lower,
        }
    }
}

/// The time by which a share `prob` has had the event, with its confidence limits (the same
/// quantile of the lower and of the upper confidence curve, Brookmeyer–Crowley style as in R).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmQuantile {
    pub prob: f64,
    /// `None`: not reached within follow-up.
    pub time: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// A row of a table at requested times (R's `summary(fit, times = ...)`): S and its interval at
/// `time`, persons at risk at `time`, and events and censorings in (previous time, `time`].
pub type KmRow = KmStep;

/// A Kaplan–Meier fit for one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KaplanMeier {
    pub level: f64,
    pub n: usize,
    pub n_events: usize,
    pub n_censored: usize,
    /// The last follow-up time (event or censoring).
    pub max_time: f64,
    /// One step per distinct observed time, ascending.
    pub steps: Vec<KmStep>,
    /// Quartiles of the time to event: shares 0.25, 0.5 (the median) and 0.75 reached.
    pub quartiles: [KmQuantile; 3],
}

/// R survival's tolerance for "exactly at the quantile".
const QUANTILE_TOL: f64 = 1.490_116_119_384_765_6e-8; // sqrt(f64::EPSILON)

/// Fits the Kaplan–Meier estimator with a `level` (e.g. 0.95) log-log confidence interval.
/// `event[i]` is true when person i had the event at `time[i]`, false when censored then.
pub fn kaplan_meier(time: &[f64], event: &[bool], level: f64) -> Result<KaplanMeier, StatsError> {
    check_lengths("event", time.len(), event.len())?;
    if time.is_empty() {
        return Err(StatsError::Empty("Kaplan–Meier"));
    }
    check_times(time)?;
    check_level(level)?;
    let z = z_for_level(level)?;

    let mut order: Vec<usize> = (0..time.len()).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));

    let mut steps = Vec::new();
    let mut at_risk = time.len();
    let mut survival = 1.0_f64;
    let mut greenwood = 0.0_f64;
    let mut i = 0;
    while i < order.len() {
        let t = time[order[i]];
        let (mut d, mut c) = (0, 0);
        while i < order.len() && time[order[i]] == t {
            if event[order[i]] {
                d += 1;
            } else {
                c += 1;
            }
            i += 1;
        }
        let n = at_risk;
        if d > 0 {
            survival *= 1.0 - d as f64 / n as f64;
            if d < n {
                greenwood += d as f64 / (n as f64 * (n - d) as f64);
            }
        }
        let (lower, upper) = log_log_interval(survival, greenwood, z);
        steps.push(KmStep {
            time: t,
            n_risk: n,
            n_event: d,
            n_censor: c,
            survival,
            std_err: survival * greenwood.sqrt(),
            lower,
            upper,
        });
        at_risk -= d + c;
    }

    let n_events = event.iter().filter(|e| **e).count();
    let max_time = steps.last().map_or(0.0, |s| s.time);
    Ok(KaplanMeier {
        level,
        n: time.len(),
        n_events,
        n_censored: time.len() - n_events,
        max_time,
        quartiles: [0.25, 0.5, 0.75].map(|p| quantile_of(&steps, max_time, p)),
        steps,
    })
}

/// Kaplan–Meier per group, groups in label order.
pub fn kaplan_meier_by_group<G: Ord + Clone>(
    time: &[f64],
    event: &[bool],
    group: &[G],
    level: f64,
) -> Result<Vec<(G, KaplanMeier)>, StatsError> {
    check_lengths("event", time.len(), event.len())?;
    check_lengths("group", time.len(), group.len())?;
    group_indices(group)
        .into_iter()
        .map(|(g, idx)| {
            let t: Vec<f64> = idx.iter().map(|&i| time[i]).collect();
            let e: Vec<bool> = idx.iter().map(|&i| event[i]).collect();
            kaplan_meier(&t, &e, level).map(|fit| (g, fit))
        })
        .collect()
}

/// The log-log interval S^exp(±z·σ/ln S), σ² = Greenwood's sum Σ d/(n(n−d)) (the variance of
/// ln S); degenerate at S = 1 and S = 0 (see the module notes).
fn log_log_interval(survival: f64, greenwood: f64, z: f64) -> (f64, f64) {
    if survival >= 1.0 || survival <= 0.0 {
        return (survival, survival);
    }
    let log_s = survival.ln();
    let shift = z * greenwood.sqrt() / log_s;
    let base = (-log_s).ln();
    ((-(base - shift).exp()).exp(), (-(base + shift).exp()).exp())
}

impl KaplanMeier {
    /// The step in force at `t` (the last step at or before `t`), if any.
    fn step_at(&self, t: f64) -> Option<&KmStep> {
        let k = self.steps.partition_point(|s| s.time <= t);
        k.checked_sub(1).map(|k| &self.steps[k])
    }

    /// S(t) (1 before the first observed time).
    pub fn survival_at(&self, t: f64) -> f64 {
        self.step_at(t).map_or(1.0, |s| s.survival)
    }

    /// Rows at the requested `times` (ascending): as R's `summary(fit, times = ...)`.
    pub fn table(&self, times: &[f64]) -> Result<Vec<KmRow>, StatsError> {
        if times.windows(2).any(|w| w[0] >= w[1]) || times.iter().any(|t| t.is_nan()) {
            return Err(StatsError::InvalidInput(
                "table times must be strictly increasing".into(),
            ));
        }
        let mut rows = Vec::with_capacity(times.len());
        let mut prev = f64::NEG_INFINITY;
        for &t in times {
            let in_window = self.steps.iter().filter(|s| s.time > prev && s.time <= t);
            let (n_event, n_censor) =
                in_window.fold((0, 0), |(d, c), s| (d + s.n_event, c + s.n_censor));
            let n_risk = self
                .steps
                .iter()
                .find(|s| s.time >= t)
                .map_or(0, |s| s.n_risk);
            let (survival, std_err, lower, upper) = match self.step_at(t) {
                Some(s) => (s.survival, s.std_err, s.lower, s.upper),
                None => (1.0, 0.0, 1.0, 1.0),
            };
            rows.push(KmRow {
                time: t,
                n_risk,
                n_event,
                n_censor,
                survival,
                std_err,
                lower,
                upper,
            });
            prev = t;
        }
        Ok(rows)
    }

    /// One row per whole month 0, 1, …, `last_month`: the per-month table of `time_to_event`.
    pub fn monthly_table(&self, last_month: u32) -> Vec<KmRow> {
        let times: Vec<f64> = (0..=last_month).map(f64::from).collect();
        self.table(&times)
            .expect("whole months are strictly increasing")
    }

    /// The time by which a share `prob` (in (0, 1)) has had the event; see the module notes.
    pub fn quantile(&self, prob: f64) -> KmQuantile {
        quantile_of(&self.steps, self.max_time, prob)
    }
}

fn quantile_of(steps: &[KmStep], max_time: f64, prob: f64) -> KmQuantile {
    let times: Vec<f64> = steps.iter().map(|s| s.time).collect();
    let reached = |f: fn(&KmStep) -> f64| -> Option<f64> {
        let curve: Vec<f64> = steps.iter().map(|s| 1.0 - f(s)).collect();
        find_quantile(&times, &curve, prob, max_time)
    };
    KmQuantile {
        prob,
        time: reached(|s| s.survival),
        // The lower survival curve reaches a share sooner: it gives the lower time limit.
        lower: reached(|s| s.lower),
        upper: reached(|s| s.upper),
    }
}

/// R survival's `findq`: the time at which a nondecreasing cumulative curve `reached` (given at
/// `times`, starting from 0 at time 0) first reaches `p`, with the midpoint rule for flats at
/// exactly `p`.
fn find_quantile(times: &[f64], reached: &[f64], p: f64, max_time: f64) -> Option<f64> {
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    // The curve's jump points: the origin, then each time the level changes (censoring-only
    // times repeat the previous level and are dropped).
    let mut xs = vec![0.0];
    let mut ys = vec![0.0];
    for (&t, &y) in times.iter().zip(reached) {
        if !ys.contains(&y) {
            xs.push(t);
            ys.push(y);
        }
    }
    // R first returns NA when max(y) < p exactly; without that guard a flat that rounding
    // leaves a hair below p still counts, consistently with the tolerance below.
    let first = |shift: f64| ys.iter().position(|&y| y + shift >= p);
    let i1 = first(QUANTILE_TOL)?;
    let last = *ys.last().expect("the origin is always there");
    if (p - last).abs() < QUANTILE_TOL {
        return Some((xs[i1] + max_time) / 2.0);
    }
    let i2 = first(-QUANTILE_TOL)?;
    Some((xs[i1] + xs[i2]) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::super::reference::{
        assert_close, assert_close_opt, bools, f, fixture, floats, opt, strings,
    };
    use super::*;

    fn group_data(dataset: &str, group: &str) -> (Vec<f64>, Vec<bool>) {
        let d = &fixture()["survival_datasets"][dataset];
        let (t, e, g) = (floats(&d["time"]), bools(&d["event"]), strings(&d["group"]));
        let idx: Vec<usize> = (0..t.len()).filter(|&i| g[i] == group).collect();
        (
            idx.iter().map(|&i| t[i]).collect(),
            idx.iter().map(|&i| e[i]).collect(),
        )
    }

    #[test]
    fn matches_lifelines_and_statsmodels() {
        let cases = fixture()["kaplan_meier"].as_array().unwrap();
        assert!(cases.len() >= 14);
        for case in cases {
            let (ds, g) = (
                case["dataset"].as_str().unwrap(),
                case["group"].as_str().unwrap(),
            );
            let (time, event) = group_data(ds, g);
            let fit = kaplan_meier(&time, &event, 0.95).unwrap();
            let what = format!("{ds}/{g}");
            assert_eq!(fit.n, case["n"].as_u64().unwrap() as usize, "{what}");
            assert_eq!(fit.n_events, case["n_events"].as_u64().unwrap() as usize);

            let steps = case["steps"].as_array().unwrap();
            assert_eq!(fit.steps.len(), steps.len(), "{what}: number of steps");
            for (s, r) in fit.steps.iter().zip(steps) {
                let w = format!("{what} t={}", s.time);
                assert_eq!(s.time, f(&r["time"]), "{w}");
                assert_eq!(s.n_risk as u64, r["n_risk"].as_u64().unwrap(), "{w} n_risk");
                assert_eq!(
                    s.n_event as u64,
                    r["n_event"].as_u64().unwrap(),
                    "{w} n_event"
                );
                assert_eq!(
                    s.n_censor as u64,
                    r["n_censor"].as_u64().unwrap(),
                    "{w} n_censor"
                );
                assert_close(s.survival, f(&r["survival"]), &format!("{w} survival"));
                assert_close(s.std_err, f(&r["std_err"]), &format!("{w} std_err"));
                assert_close(s.lower, f(&r["lower"]), &format!("{w} lower"));
                assert_close(s.upper, f(&r["upper"]), &format!("{w} upper"));
            }

            for (q, r) in fit
                .quartiles
                .iter()
                .zip(case["quantiles"].as_array().unwrap())
            {
                let w = format!("{what} quantile {}", q.prob);
                assert_eq!(q.prob, f(&r["prob"]));
                assert_close_opt(q.time, opt(&r["time"]), &w);
                assert_close_opt(q.lower, opt(&r["lower"]), &format!("{w} lower"));
                assert_close_opt(q.upper, opt(&r["upper"]), &format!("{w} upper"));
            }

            let table = case["table"].as_array().unwrap();
            let last = f(&table.last().unwrap()["time"]) as u32;
            let rows = fit.monthly_table(last);
            assert_eq!(rows.len(), table.len());
            for (row, r) in rows.iter().zip(table) {
                let w = format!("{what} month {}", row.time);
                assert_eq!(row.time, f(&r["time"]));
                assert_eq!(
                    row.n_risk as u64,
                    r["n_risk"].as_u64().unwrap(),
                    "{w} n_risk"
                );
                assert_eq!(row.n_event as u64, r["n_event"].as_u64().unwrap(), "{w}");
                assert_eq!(row.n_censor as u64, r["n_censor"].as_u64().unwrap(), "{w}");
                assert_close(row.survival, f(&r["survival"]), &format!("{w} survival"));
                assert_close(row.lower, f(&r["lower"]), &format!("{w} lower"));
                assert_close(row.upper, f(&r["upper"]), &format!("{w} upper"));
            }
        }
    }

    #[test]
    fn r_quantile_rule_differs_from_lifelines_only_on_exact_flats() {
        // S = .75, .5, .25, 0 at months 1..4, flat at exactly each quartile level: R's midpoint
        // rule gives 1.5, 2.5, 3.5. lifelines (smallest t with S(t) <= 1 - p) gives the start of
        // the flat or, where its floating-point S lands a hair above the level, the next time:
        // 2, 2, 3 (recorded in the fixture as `lifelines_time`).
        let fit = kaplan_meier(&[1.0, 2.0, 3.0, 4.0], &[true; 4], 0.95).unwrap();
        let times: Vec<_> = fit.quartiles.iter().map(|q| q.time).collect();
        assert_eq!(times, vec![Some(1.5), Some(2.5), Some(3.5)]);
        // Flat at exactly 0.5 until the last follow-up at month 4: midpoint of 2 and 4.
        let fit = kaplan_meier(&[1.0, 2.0, 3.0, 4.0], &[true, true, false, false], 0.95).unwrap();
        assert_eq!(fit.quartiles[1].time, Some(3.0));
        assert_eq!(fit.quartiles[2].time, None);
    }

    #[test]
    fn edge_inputs_are_values_not_panics() {
        assert_eq!(
            kaplan_meier(&[], &[], 0.95),
            Err(StatsError::Empty("Kaplan–Meier"))
        );
        assert!(matches!(
            kaplan_meier(&[1.0], &[true, false], 0.95),
            Err(StatsError::LengthMismatch { .. })
        ));
        assert!(matches!(
            kaplan_meier(&[f64::NAN], &[true], 0.95),
            Err(StatsError::InvalidInput(_))
        ));
        assert!(matches!(
            kaplan_meier(&[-1.0], &[true], 0.95),
            Err(StatsError::InvalidInput(_))
        ));

        // One person, with the event: S drops to 0, the interval is [0, 0], every quartile is
        // the event time.
        let one = kaplan_meier(&[4.0], &[true], 0.95).unwrap();
        assert_eq!(one.steps.len(), 1);
        assert_eq!(
            (
                one.steps[0].survival,
                one.steps[0].lower,
                one.steps[0].upper
            ),
            (0.0, 0.0, 0.0)
        );
        assert!(one.quartiles.iter().all(|q| q.time == Some(4.0)));

        // No events: S = 1 throughout, nothing reached.
        let none = kaplan_meier(&[1.0, 3.0, 3.0], &[false; 3], 0.95).unwrap();
        assert!(none
            .steps
            .iter()
            .all(|s| s.survival == 1.0 && s.lower == 1.0));
        assert!(none
            .quartiles
            .iter()
            .all(|q| q.time.is_none() && q.lower.is_none()));

        // Everyone at one time with the event.
        let all = kaplan_meier(&[2.0; 5], &[true; 5], 0.95).unwrap();
        assert_eq!(all.steps.len(), 1);
        assert_eq!(all.steps[0].survival, 0.0);
        assert_eq!(all.steps[0].std_err, 0.0);

        // Before the first time, and a table before any data.
        assert_eq!(all.survival_at(1.0), 1.0);
        let rows = all.table(&[0.0, 2.0, 5.0]).unwrap();
        assert_eq!(
            rows.iter()
                .map(|r| (r.n_risk, r.n_event))
                .collect::<Vec<_>>(),
            vec![(5, 0), (5, 5), (0, 0)]
        );
        assert!(all.table(&[2.0, 1.0]).is_err());
    }

    #[test]
    fn by_group_splits_in_label_order() {
        let fits = kaplan_meier_by_group(
            &[1.0, 2.0, 3.0, 4.0],
            &[true, false, true, true],
            &["t", "c", "t", "c"],
            0.95,
        )
        .unwrap();
        assert_eq!(fits.iter().map(|(g, _)| *g).collect::<Vec<_>>(), ["c", "t"]);
        assert_eq!(fits[0].1.n, 2);
        assert_eq!(fits[1].1.n_events, 2);
    }
}
