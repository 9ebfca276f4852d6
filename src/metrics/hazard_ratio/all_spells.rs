//! `spells = "all"`: every spell of the status that begins in the window, one Cox observation
//! each, with the variance clustered by person (the rule for where a spell begins is in the
//! module doc of `hazard_ratio`).

use super::{EstimateColumns, HazardRatio, Spell, DEF};
use crate::measure::persons::{cohort_text, Persons};
use crate::metrics::MetricInput;
use crate::stats::cox::hazard_ratio_clustered;
use crate::table::chart::plain;
use crate::table::{Relation, Table, TableBuilder};
use anyhow::{anyhow, Result};
use polars::prelude::*;

impl HazardRatio {
    /// Every spell of each of `persons` (in their order), in time order.
    pub(super) fn all_spells(
        &self,
        input: &MetricInput<'_>,
        persons: &Persons,
    ) -> Result<Vec<Vec<Spell>>> {
        let failed = |err: PolarsError| anyhow!("computing {}: {err}", DEF.name);
        let arm = cohort_text(&input.panel.persons, &self.arm, "arm")?;
        let size = input.panel.persons.height();
        let (person, rel, status) =
            crate::measure::common::person_month_status(&input.months, &self.status)
                .map_err(failed)?;
        let (from, to) = (input.window.from(), input.window.to.unwrap_or(i32::MAX));
        // Each person's observed months in order (the rows' order is not relied on). A month
        // whose status is missing counts as out of S, as for the first spell.
        let mut months: Vec<Vec<(i32, bool)>> = vec![Vec::new(); size];
        for ((p, m), s) in person.iter().zip(rel.iter()).zip(status.iter()) {
            if let (Some(p), Some(m)) = (p, m) {
                months[p as usize].push((m, s == Some(true)));
            }
        }
        let mut out = Vec::with_capacity(persons.len());
        for (&p, last) in persons.ids.iter().zip(&persons.followup) {
            let p = p as usize;
            let treated = self.treated(arm[p].as_deref());
            let own = &mut months[p];
            own.sort_unstable();
            let mut spells = Vec::new();
            // The first month of the running spell. A month in S outside the window begins
            // nothing; the first in-window month in S after a month out (or at the window's
            // start, or at the first observed month) begins a spell, which runs on past
            // window.to to the first month out.
            let mut start: Option<i32> = None;
            for &(m, in_s) in own.iter() {
                match (start, in_s) {
                    (None, true) if m >= from && m <= to => start = Some(m),
                    (Some(s), false) => {
                        spells.push((s, m - s, true));
                        start = None;
                    }
                    _ => {}
                }
            }
            if let (Some(s), Some(last)) = (start, *last) {
                spells.push((s, last.max(s) - s, false));
            }
            out.push(
                spells
                    .into_iter()
                    .map(|(s, time, lost)| Spell {
                        time: time as u32,
                        lost,
                        treated,
                        followed: last.map_or(time, |last| (last - s).max(time)) as u32,
                    })
                    .collect(),
            );
        }
        Ok(out)
    }

    /// The table of the all-spells reading.
    pub(super) fn all_spells_cox(&self, input: &MetricInput<'_>) -> Result<Table> {
        let persons = Persons::of(input)?;
        let spells = self.all_spells(input, &persons)?;
        let mut t = TableBuilder::new();
        let groups: Vec<_> = t.groups(input.group_by);
        // Per arm (and both): persons with a spell, their spells (a count of spells shown as a
        // statistic over those persons, hidden with them, as mean_hours' person-months), the
        // persons who lost S at least once, and the spells that ended (over those persons).
        let declare = |t: &mut TableBuilder, suffix: &str| {
            let n_persons = t.persons(format!("n_persons{suffix}"));
            let n_spells = t.mean(format!("n_spells{suffix}"), n_persons, 0);
            let persons_lost = t.persons(format!("persons_lost{suffix}"));
            let events = t.mean(format!("events{suffix}"), persons_lost, 0);
            [n_persons, n_spells, persons_lost, events]
        };
        let all = declare(&mut t, "");
        let treatment = declare(&mut t, "_treatment");
        let control = declare(&mut t, "_control");
        let n_other_arm = t.persons("n_other_arm");
        let min_cell = t.persons("min_cell");
        let mut estimate = EstimateColumns::declare(&mut t, "hazard_ratio", min_cell);
        // Each of the four counts of both arms is the two arms' sum; every person (with their
        // spells) is in one group, so the groups add up to (all). min_cell is in no relation.
        for k in 0..4 {
            t.relation(Relation::Sum {
                parts: vec![t.name(treatment[k]), t.name(control[k])],
                whole: t.name(all[k]),
            });
        }
        if let Some(&first) = groups.first() {
            let mut columns: Vec<String> = [all, treatment, control]
                .iter()
                .flatten()
                .map(|&c| t.name(c))
                .collect();
            columns.push(t.name(n_other_arm));
            t.relation(Relation::GroupsSumToTotal {
                group: t.name(first),
                keys: Vec::new(),
                columns,
            });
        }
        let keys = persons.groups.keys();
        for (key, members) in keys.iter().zip(persons.groups.members()) {
            let (mut time, mut lost, mut treated, mut cluster) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let mut other = 0i64;
            // [control, treatment] × [persons, spells, persons who lost S, spells ended]
            let mut counts = [[0i64; 4]; 2];
            for i in members {
                let Some(first) = spells[i].first() else {
                    continue;
                };
                let Some(arm) = first.treated else {
                    other += 1;
                    continue;
                };
                let c = &mut counts[usize::from(arm)];
                c[0] += 1;
                c[2] += i64::from(spells[i].iter().any(|s| s.lost));
                for spell in &spells[i] {
                    time.push(f64::from(spell.time));
                    lost.push(spell.lost);
                    treated.push(arm);
                    cluster.push(i as u64);
                    c[1] += 1;
                    c[3] += i64::from(spell.lost);
                }
            }
            let [c, tr] = counts;
            let mut row = t.row();
            for (&g, k) in groups.iter().zip(key) {
                row.text(g, k.as_str());
            }
            for k in 0..4 {
                row.int(all[k], c[k] + tr[k])
                    .int(treatment[k], tr[k])
                    .int(control[k], c[k]);
            }
            row.int(n_other_arm, other).int(min_cell, tr[2].min(c[2]));
            let fit = if time.is_empty() {
                Err("nobody with a spell in the status in either arm".to_string())
            } else {
                hazard_ratio_clustered(&time, &lost, &treated, &cluster, self.level)
                    .map(|fit| fit.coefficients[0].into())
                    .map_err(|err| err.to_string())
            };
            estimate.set(&mut row, key, fit);
        }
        let range = input.window.range();
        let status = &self.status;
        let about = format!(
            "every spell of {status} beginning at rel_month {range}: a spell begins in a month in {status} whose previous observed month is not in {status}, is before the window or does not exist; time 0 = its first month; event = the first later month not in {status}, at its distance in months (the spell's length); the last spell censored at the last observed month while still in {status}; each spell one observation on its own clock"
        );
        let method = format!(
            "hazard_ratio of losing {status}, treatment ({arm} = {t}) vs control ({arm} = {c}): Cox proportional hazards with the arm as the only covariate, Efron's method for tied times; variance robust to a person's spells being alike, clustered by person (Lin & Wei 1989 sandwich from Efron score residuals, no small-sample factor); {pct}% Wald interval exp(beta ± z·se) and two-sided Wald p_value from it; n_persons, n_spells: persons with a spell and their spells; persons_lost: persons who lost {status} at least once; events: spells that ended; min_cell (the smaller arm's persons_lost) carries suppression; n_other_arm: persons with another {arm}, left out",
            arm = self.arm,
            t = self.treatment,
            c = self.control,
            pct = self.level * 100.0,
        );
        let title = format!(
            "hazard ratio of losing {}, every spell, treatment vs control ({}% interval)",
            plain(&self.status),
            self.level * 100.0
        );
        Ok(estimate.finish(t, [about, method], &title))
    }
}
