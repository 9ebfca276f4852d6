//! The funnel's stages as a table: from the tallied counts or from a report's printed ones,
//! with the relations among the stages.

use super::*;
use crate::table::chart::Bars;
use crate::table::Chart;

impl Funnel {
    pub(super) fn stages(counts: &Counts, reasons: &[String], data: bool) -> Vec<Stage> {
        let stage = |label: &str, count: u64, of_active: bool| Stage {
            label: label.to_string(),
            count,
            of_active,
        };
        let mut stages = vec![
            stage("referred", counts.referred, false),
            stage("deregistered", counts.deregistered, false),
        ];
        for reason in reasons {
            stages.push(stage(
                &format!("deregistered: {reason}"),
                counts.reasons.get(reason).copied().unwrap_or(0),
                false,
            ));
        }
        stages.push(stage("not_started", counts.not_started, false));
        stages.push(stage("active", counts.active, false));
        if data {
            stages.push(stage(
                "active_not_observed",
                counts.active_not_observed,
                false,
            ));
        }
        stages.extend([
            stage("full_self_support", counts.full, true),
            stage("partial_self_support", counts.partial, true),
            stage("effect", counts.full + counts.partial, true),
        ]);
        stages
    }

    /// The table: per group (in order), one row per stage. `adds_up`: whether referred =
    /// deregistered + not_started + active, and whether the reasons add up to deregistered
    /// (always from microdata; a report's counts may disagree).
    pub(super) fn table(
        &self,
        group_by: &[String],
        groups: &[(Vec<String>, Counts)],
        reasons: &[String],
        data: bool,
        adds_up: (bool, bool),
    ) -> Table {
        let mut t = TableBuilder::new();
        let group_cols: Vec<Col> = t.groups(group_by);
        let stage = t.text("stage");
        let count = t.persons("count");
        let referred = t.persons("referred");
        let share_of_referred = t.share("share_of_referred", count, referred);
        let active = t.persons("active");
        let share_of_active = t.share("share_of_active", count, active);
        self.relations(
            &mut t,
            &group_cols,
            [stage, count, referred, active],
            reasons,
            adds_up,
        );
        for (key, counts) in groups {
            let active_observed = counts.active - counts.active_not_observed;
            for s in Self::stages(counts, reasons, data) {
                let mut row = t.row();
                for (&g, k) in group_cols.iter().zip(key) {
                    row.text(g, k.as_str());
                }
                row.text(stage, s.label)
                    .int(count, s.count as i64)
                    .int(referred, counts.referred as i64)
                    .set(share_of_referred, share(s.count, counts.referred));
                if s.of_active {
                    row.int(active, active_observed as i64)
                        .set(share_of_active, share(s.count, active_observed));
                }
            }
        }
        t.note(format!(
            "effect = (full + partial self-support) / active persons (>= {} weeks in the programme){}; share_of_referred = count / referred",
            fmt(self.active_weeks),
            if data { " observed in the measured month" } else { "" }
        ));
        t.chart(Chart::Bars(
            Bars::shares(
                &[("share_of_referred", "of the referred")],
                Some("count"),
                "persons at each stage, of the referred (%)",
            )
            .labelled_by("stage"),
        ));
        t.build()
    }

    /// The linear relations among the counts, by stage row within each group: the three
    /// exclusive stages add up to referred, the reasons to deregistered (each as `adds_up`
    /// says), and effect is full + partial. Every person is in one group: the groups' counts
    /// add up to `(all)`'s, stage by stage. (The `referred` and `active` columns repeat counts
    /// of the stage rows, which no relation kind states.)
    pub(super) fn relations(
        &self,
        t: &mut TableBuilder,
        groups: &[Col],
        [stage, count, referred, active]: [Col; 4],
        reasons: &[String],
        (stages_add_up, reasons_add_up): (bool, bool),
    ) {
        let keys: Vec<String> = groups.iter().map(|&g| t.name(g)).collect();
        let mut sums: Vec<(Vec<String>, &str)> = Vec::new();
        if stages_add_up {
            sums.push((
                vec!["deregistered".into(), "not_started".into(), "active".into()],
                "referred",
            ));
        }
        if reasons_add_up && !reasons.is_empty() {
            sums.push((
                reasons
                    .iter()
                    .map(|r| format!("deregistered: {r}"))
                    .collect(),
                "deregistered",
            ));
        }
        sums.push((
            vec!["full_self_support".into(), "partial_self_support".into()],
            "effect",
        ));
        for (parts, whole) in sums {
            t.relation(Relation::RowsSumToRow {
                keys: keys.clone(),
                label: t.name(stage),
                parts,
                column: t.name(count),
                whole: whole.into(),
                whole_column: t.name(count),
                whole_label: None,
            });
        }
        if let Some(&first) = groups.first() {
            // With several group columns the rows are their combinations and `(all)` is `(all)`
            // in each: the rows not `(all)` in the first are all the combinations.
            t.relation(Relation::GroupsSumToTotal {
                group: t.name(first),
                keys: vec![t.name(stage)],
                columns: vec![t.name(count), t.name(referred), t.name(active)],
            });
        }
    }

    pub(super) fn published_table(&self, p: &Published) -> Table {
        let counts = Counts {
            referred: p.referred,
            deregistered: p.deregistered,
            reasons: p
                .reasons
                .iter()
                .map(|r| (r.reason.clone(), r.count))
                .collect(),
            not_started: p.not_started,
            active: p.active,
            active_not_observed: 0,
            full: p.full_self_support,
            partial: p.partial_self_support,
        };
        let reasons: Vec<String> = p.reasons.iter().map(|r| r.reason.clone()).collect();
        let stages = p.deregistered + p.not_started + p.active;
        let reason_sum: u64 = p.reasons.iter().map(|r| r.count).sum();
        let adds_up = (stages == p.referred, reason_sum == p.deregistered);
        let mut table = self.table(&[], &[(Vec::new(), counts)], &reasons, false, adds_up);
        table
            .notes
            .push("from the report's published counts (no dataset)".into());
        if stages != p.referred {
            table.notes.push(format!(
                "the published stages do not add up: deregistered + not_started + active = {} + {} + {} = {stages}, referred = {}",
                p.deregistered, p.not_started, p.active, p.referred
            ));
        }
        if !p.reasons.is_empty() {
            let sum: u64 = p.reasons.iter().map(|r| r.count).sum();
            if sum != p.deregistered {
                let agrees = if stages == p.referred {
                    format!(
                        ", which agrees with referred = deregistered + not_started + active ({} + {} + {} = {})",
                        p.deregistered, p.not_started, p.active, p.referred
                    )
                } else {
                    String::new()
                };
                table.notes.push(format!(
                    "the published deregistration reasons sum to {sum}, not to the published deregistered total {}; the table keeps the published total{agrees}",
                    p.deregistered
                ));
            }
        }
        table
    }
}

pub(super) fn fmt(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}
