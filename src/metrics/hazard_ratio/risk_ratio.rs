//! `estimate = "risk_ratio"`: the share who lost the status within `horizon` months of their
//! first month in it, treatment over control (the rule is in the module doc of `hazard_ratio`).

use super::{EstimateColumns, Fit, HazardRatio};
use crate::measure::persons::Persons;
use crate::metrics::MetricInput;
use crate::stats::proportions::{risk_ratio, Proportion};
use crate::table::chart::plain;
use crate::table::{share, Relation, Table, TableBuilder};
use anyhow::{anyhow, Result};

impl HazardRatio {
    /// The table of the risk-ratio reading.
    pub(super) fn risk_ratio(&self, input: &MetricInput<'_>) -> Result<Table> {
        // check() refuses a risk ratio without a horizon before any register is read.
        let horizon = self
            .horizon
            .ok_or_else(|| anyhow!("horizon: estimate = \"risk_ratio\" needs horizon"))?;
        let persons = Persons::of(input)?;
        let spells = self.spells(input, &persons)?;
        let mut t = TableBuilder::new();
        let groups: Vec<_> = t.groups(input.group_by);
        let declare = |t: &mut TableBuilder, suffix: &str| {
            let n = t.persons(format!("n{suffix}"));
            let lost = t.persons(format!("lost{suffix}"));
            (n, lost)
        };
        let (n, lost) = declare(&mut t, "");
        let (n_treatment, lost_treatment) = declare(&mut t, "_treatment");
        let share_treatment = t.share("share_treatment", lost_treatment, n_treatment);
        let (n_control, lost_control) = declare(&mut t, "_control");
        let share_control = t.share("share_control", lost_control, n_control);
        let n_short = t.persons("n_short");
        let n_other_arm = t.persons("n_other_arm");
        let min_cell = t.persons("min_cell");
        let mut estimate = EstimateColumns::declare(&mut t, "risk_ratio", min_cell);
        // The arms add up to both; the persons who lost S are among n (so n - lost, who kept
        // it, is a count the audit sees too); every person is in one group.
        for (whole, parts) in [
            (n, [n_treatment, n_control]),
            (lost, [lost_treatment, lost_control]),
        ] {
            t.relation(Relation::Sum {
                parts: parts.iter().map(|&c| t.name(c)).collect(),
                whole: t.name(whole),
            });
        }
        for (smaller, larger) in [
            (lost, n),
            (lost_treatment, n_treatment),
            (lost_control, n_control),
        ] {
            t.relation(Relation::AtMost {
                smaller: t.name(smaller),
                larger: t.name(larger),
            });
        }
        if let Some(&first) = groups.first() {
            t.relation(Relation::GroupsSumToTotal {
                group: t.name(first),
                keys: Vec::new(),
                columns: [
                    n,
                    lost,
                    n_treatment,
                    lost_treatment,
                    n_control,
                    lost_control,
                    n_short,
                    n_other_arm,
                ]
                .iter()
                .map(|&c| t.name(c))
                .collect(),
            });
        }
        let horizon_months = u32::try_from(horizon)
            .map_err(|_| anyhow!("horizon = {horizon}: must be at least 1 month"))?;
        let keys = persons.groups.keys();
        for (key, members) in keys.iter().zip(persons.groups.members()) {
            // [control, treatment] × [n, lost]
            let mut counts = [[0u64; 2]; 2];
            let (mut short, mut other) = (0i64, 0i64);
            for i in members {
                let Some(spell) = &spells[i] else {
                    continue;
                };
                match spell.treated {
                    None => other += 1,
                    // Followed fewer than H months after entry: left out, lost or not.
                    Some(_) if spell.followed < horizon_months => short += 1,
                    Some(arm) => {
                        let c = &mut counts[usize::from(arm)];
                        c[0] += 1;
                        c[1] += u64::from(spell.lost && spell.time <= horizon_months);
                    }
                }
            }
            let [c, tr] = counts;
            let mut row = t.row();
            for (&g, k) in groups.iter().zip(key) {
                row.text(g, k.as_str());
            }
            let int = |v: u64| v as i64;
            row.int(n, int(c[0] + tr[0]))
                .int(lost, int(c[1] + tr[1]))
                .int(n_treatment, int(tr[0]))
                .int(lost_treatment, int(tr[1]))
                .set(share_treatment, share(tr[1], tr[0]))
                .int(n_control, int(c[0]))
                .int(lost_control, int(c[1]))
                .set(share_control, share(c[1], c[0]))
                .int(n_short, short)
                .int(n_other_arm, other)
                .int(min_cell, int(tr[1].min(c[1])));
            let fit = match (
                Proportion::from_counts(tr[1], tr[0]),
                Proportion::from_counts(c[1], c[0]),
            ) {
                (Ok(treatment), Ok(control)) => risk_ratio(treatment, control, self.level)
                    .map(|fit| Fit {
                        value: fit.ratio,
                        lower: fit.ci.lower,
                        upper: fit.ci.upper,
                        p_value: fit.p_value,
                    })
                    .map_err(|err| err.to_string()),
                _ => Err(format!(
                    "nobody in the {} arm followed {horizon} months",
                    if tr[0] == 0 { "treatment" } else { "control" }
                )),
            };
            estimate.set(&mut row, key, fit);
        }
        let range = input.window.range();
        let status = &self.status;
        let about = format!(
            "persons whose first month in {status} has rel_month {range} and who are observed at least {horizon} months after it; lost: the first later month not in {status} is at most {horizon} months after the first month in it; n_short: persons with such a first month observed fewer than {horizon} months after it, left out whether or not they lost {status}"
        );
        let method = format!(
            "risk_ratio of losing {status} within {horizon} months, treatment ({arm} = {t}) vs control ({arm} = {c}): share_treatment / share_control; {pct}% Wald interval on the log scale exp(log(risk_ratio) ± z·se), se² = 1/lost_treatment - 1/n_treatment + 1/lost_control - 1/n_control, and two-sided Wald p_value; below 1: the treatment arm loses {status} less often; min_cell (the smaller arm's lost) carries suppression; n_other_arm: persons with a first month in {status} and another {arm}, left out",
            arm = self.arm,
            t = self.treatment,
            c = self.control,
            pct = self.level * 100.0,
        );
        let title = format!(
            "risk ratio of losing {} within {horizon} months, treatment vs control ({}% interval)",
            plain(&self.status),
            self.level * 100.0
        );
        Ok(estimate.finish(t, [about, method], &title))
    }
}
