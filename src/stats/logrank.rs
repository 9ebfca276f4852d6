//! The k-sample log-rank test (Mantel 1966; Peto & Peto 1972): are the groups' event-time
//! distributions the same? At every event time each group's expected events are the total events
//! shared in proportion to the persons at risk; the statistic is (O − E)ᵀ V⁻¹ (O − E) over k − 1
//! groups, V the hypergeometric covariance (which accounts for tied event times), referred to a
//! chi-square with k − 1 degrees of freedom. Unweighted (no Wilcoxon/Fleming–Harrington weights).
//!
//! Groups that nobody in is at risk at any event time (expected = 0) carry no information and are
//! left out of the statistic and the degrees of freedom, as R survival's `survdiff` does; they
//! still appear in the per-group table.

use serde::Serialize;

use super::{check_lengths, check_times, group_indices, linalg, ChiSquareTest, StatsError};

/// One group's row: persons, observed and expected events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRankGroup<G> {
    pub label: G,
    pub n: usize,
    pub observed: usize,
    pub expected: f64,
}

/// The test across all groups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRank<G> {
    /// In label order.
    pub groups: Vec<LogRankGroup<G>>,
    /// Chi-square statistic, df = (groups with expected > 0) − 1, and p-value.
    pub test: ChiSquareTest,
    /// The k × k covariance of O − E (row-major, label order).
    pub variance: Vec<f64>,
}

/// Log-rank test of `time`/`event` across the groups in `group`.
pub fn logrank<G: Ord + Clone>(
    time: &[f64],
    event: &[bool],
    group: &[G],
) -> Result<LogRank<G>, StatsError> {
    check_lengths("event", time.len(), event.len())?;
    check_lengths("group", time.len(), group.len())?;
    if time.is_empty() {
        return Err(StatsError::Empty("log-rank test"));
    }
    check_times(time)?;
    let groups = group_indices(group);
    let k = groups.len();
    if k < 2 {
        return Err(StatsError::TooFewGroups { found: k });
    }
    if !event.iter().any(|e| *e) {
        return Err(StatsError::NoEvents);
    }

    let mut gi = vec![0; time.len()];
    for (j, (_, idx)) in groups.iter().enumerate() {
        for &i in idx {
            gi[i] = j;
        }
    }
    let mut order: Vec<usize> = (0..time.len()).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));

    let mut at_risk: Vec<f64> = groups.iter().map(|(_, idx)| idx.len() as f64).collect();
    let mut observed = vec![0usize; k];
    let mut expected = vec![0.0; k];
    let mut variance = vec![0.0; k * k];
    let mut deaths = vec![0usize; k];
    let mut leaving = vec![0.0; k];
    let mut i = 0;
    while i < order.len() {
        let t = time[order[i]];
        deaths.iter_mut().for_each(|d| *d = 0);
        leaving.iter_mut().for_each(|l| *l = 0.0);
        while i < order.len() && time[order[i]] == t {
            let j = gi[order[i]];
            if event[order[i]] {
                deaths[j] += 1;
            }
            leaving[j] += 1.0;
            i += 1;
        }
        let d: usize = deaths.iter().sum();
        if d > 0 {
            let n: f64 = at_risk.iter().sum();
            let d = d as f64;
            for j in 0..k {
                observed[j] += deaths[j];
                expected[j] += d * at_risk[j] / n;
            }
            // With one person at risk the hypergeometric factor is 0/0; its limit (and the
            // covariance term it multiplies) is 0.
            if n > 1.0 {
                let factor = d * (n - d) / (n - 1.0) / (n * n);
                for a in 0..k {
                    for b in 0..k {
                        let delta = if a == b { n } else { 0.0 };
                        variance[a * k + b] += factor * at_risk[a] * (delta - at_risk[b]);
                    }
                }
            }
        }
        for j in 0..k {
            at_risk[j] -= leaving[j];
        }
    }

    let informative: Vec<usize> = (0..k).filter(|&j| expected[j] > 0.0).collect();
    if informative.len() < 2 {
        return Err(StatsError::TooFewGroups {
            found: informative.len(),
        });
    }
    // O − E and V sum to zero over the groups, so one group is redundant; dropping any one gives
    // the same statistic. Drop the first informative group.
    let kept = &informative[1..];
    let m = kept.len();
    let u: Vec<f64> = kept
        .iter()
        .map(|&j| observed[j] as f64 - expected[j])
        .collect();
    let mut v = vec![0.0; m * m];
    for (a, &ja) in kept.iter().enumerate() {
        for (b, &jb) in kept.iter().enumerate() {
            v[a * m + b] = variance[ja * k + jb];
        }
    }
    let chol = linalg::cholesky(&v, m).ok_or(StatsError::Singular("the log-rank variance"))?;
    let statistic = linalg::dot(&u, &linalg::solve(&chol, m, &u));

    Ok(LogRank {
        groups: groups
            .into_iter()
            .enumerate()
            .map(|(j, (label, idx))| LogRankGroup {
                label,
                n: idx.len(),
                observed: observed[j],
                expected: expected[j],
            })
            .collect(),
        test: ChiSquareTest::new(statistic, m),
        variance,
    })
}

#[cfg(test)]
mod tests {
    use super::super::reference::{assert_close, bools, f, fixture, floats, strings};
    use super::*;

    #[test]
    fn matches_lifelines_and_statsmodels() {
        for case in fixture()["logrank"].as_array().unwrap() {
            let name = case["dataset"].as_str().unwrap();
            let d = &fixture()["survival_datasets"][name];
            let (t, e, g) = (floats(&d["time"]), bools(&d["event"]), strings(&d["group"]));
            let keep: Vec<usize> = match case["groups"].as_array() {
                None => (0..t.len()).collect(),
                Some(only) => (0..t.len())
                    .filter(|&i| only.iter().any(|x| x.as_str() == Some(&g[i])))
                    .collect(),
            };
            let time: Vec<f64> = keep.iter().map(|&i| t[i]).collect();
            let event: Vec<bool> = keep.iter().map(|&i| e[i]).collect();
            let group: Vec<&str> = keep.iter().map(|&i| g[i].as_str()).collect();
            let what = format!("{name} {}", case["groups"]);

            let lr = logrank(&time, &event, &group).unwrap();
            let labels = strings(&case["labels"]);
            assert_eq!(
                lr.groups
                    .iter()
                    .map(|g| g.label.to_string())
                    .collect::<Vec<_>>(),
                labels
            );
            for (j, row) in lr.groups.iter().enumerate() {
                assert_eq!(row.observed as f64, f(&case["observed"][j]), "{what}");
                assert_close(row.expected, f(&case["expected"][j]), &format!("{what} E"));
            }
            assert_eq!(lr.test.df as u64, case["df"].as_u64().unwrap(), "{what} df");
            assert_close(
                lr.test.statistic,
                f(&case["chi_square"]),
                &format!("{what} chi2"),
            );
            assert_close(lr.test.p_value, f(&case["p_value"]), &format!("{what} p"));
        }
    }

    #[test]
    fn a_group_never_at_risk_at_an_event_is_left_out_of_the_df() {
        let time = [1.0, 2.0, 3.0, 1.0, 4.0, 4.0, 0.5];
        let event = [true, false, true, true, true, false, false];
        let with = logrank(&time, &event, &["a", "a", "a", "b", "b", "b", "z"]).unwrap();
        let without = logrank(&time[..6], &event[..6], &["a", "a", "a", "b", "b", "b"]).unwrap();
        assert_eq!(with.groups[2].expected, 0.0);
        assert_eq!(with.test.df, 1);
        assert!((with.test.statistic - without.test.statistic).abs() < 1e-12);
    }

    #[test]
    fn edge_inputs_are_values_not_panics() {
        assert!(matches!(
            logrank::<u8>(&[], &[], &[]),
            Err(StatsError::Empty(_))
        ));
        assert!(matches!(
            logrank(&[1.0, 2.0], &[true, true], &[1, 1]),
            Err(StatsError::TooFewGroups { found: 1 })
        ));
        assert_eq!(
            logrank(&[1.0, 2.0], &[false, false], &[1, 2]),
            Err(StatsError::NoEvents)
        );
        // Everyone at risk has the event at the one event time: the variance is 0.
        assert_eq!(
            logrank(&[3.0, 3.0, 3.0], &[true, true, true], &[1, 2, 2]),
            Err(StatsError::Singular("the log-rank variance"))
        );
        // Two groups of one.
        let lr = logrank(&[1.0, 2.0], &[true, true], &["a", "b"]).unwrap();
        assert_eq!(lr.test.df, 1);
        assert!(lr.test.p_value > 0.0 && lr.test.p_value <= 1.0);
    }
}
