//! The columns of an effect table: declaring them, the comparison statistics of one row, and
//! the relations among the counts.

use super::*;

/// The smallest non-zero count: the `n` of every statistic that rests on all of them.
pub(super) fn min_cell(counts: &[u64]) -> Value {
    Value::Int(counts.iter().copied().filter(|c| *c > 0).min().unwrap_or(0) as i64)
}

pub(super) fn opt(value: Option<f64>) -> Value {
    value
        .filter(|v| v.is_finite())
        .map_or(Value::Null, Value::Float)
}

impl Effect {
    pub(super) fn methods(&self) -> String {
        let level = format!("{}%", self.params.level * 100.0);
        match self.kind {
            OutcomeKind::Share => {
                let interval = match self.params.interval {
                    IntervalMethod::Newcombe => "Newcombe's hybrid score interval (Newcombe 1998, method 10: from the two Wilson score intervals, no continuity correction)",
                    IntervalMethod::Wald => "the Wald interval (unpooled variance, no continuity correction)",
                };
                format!(
                    "share outcome: difference = treatment share - control share in percentage points; {level} CI: {interval}; test: pooled two-proportion z-test, two-sided; relative_difference = difference / control share"
                )
            }
            OutcomeKind::Mean => format!(
                "mean outcome: difference = treatment mean - control mean; {level} CI and test: Welch's t-test (unequal variances, Welch-Satterthwaite degrees of freedom), two-sided; relative_difference = difference / control mean (interval applies to shares only)"
            ),
        }
    }

    pub(super) fn arms_note(&self) -> String {
        format!(
            "treatment: {} = {:?}; control: {} = {:?}",
            self.params.arm, self.params.treatment, self.params.arm, self.params.control
        )
    }

    pub(super) fn diff_interval(&self) -> DiffInterval {
        match self.params.interval {
            IntervalMethod::Newcombe => DiffInterval::Newcombe,
            IntervalMethod::Wald => DiffInterval::Wald,
        }
    }

    /// Declares the statistic columns after the group columns; `among`: the outcome is taken
    /// among a status, and the persons outside it are reported apart.
    pub(super) fn stat_columns(
        &self,
        t: &mut TableBuilder,
        published: bool,
        among: bool,
    ) -> StatCols {
        // The statistics rest on min_cell, printed after them.
        let min_cell = t.persons("min_cell");
        let arms = ["treatment", "control"];
        let per_arm = |t: &mut TableBuilder, i: usize| -> [Col; 3] {
            let arm = arms[i];
            let n = t.persons(format!("n_{arm}"));
            match self.kind {
                OutcomeKind::Share if published => {
                    // A published share × n is an implied count, possibly fractional: a mean
                    // suppressed with n, and the share rests on it.
                    let count = t.mean(format!("count_{arm}"), n, 1);
                    [n, count, t.share(format!("share_{arm}"), count, n)]
                }
                OutcomeKind::Share => {
                    let count = t.persons(format!("count_{arm}"));
                    [n, count, t.share(format!("share_{arm}"), count, n)]
                }
                OutcomeKind::Mean => [
                    n,
                    t.mean(format!("mean_{arm}"), n, 2),
                    t.mean(format!("sd_{arm}"), n, 2),
                ],
            }
        };
        let [nt, vt, st] = per_arm(t, 0);
        let [nc, vc, sc] = per_arm(t, 1);
        let (suffix, decimals, statistic) = match self.kind {
            OutcomeKind::Share => ("_pp", 1, "z"),
            OutcomeKind::Mean => ("", 2, "t"),
        };
        let difference = t.mean(format!("difference{suffix}"), min_cell, decimals);
        let ci_lower = t.mean(format!("ci_lower{suffix}"), min_cell, decimals);
        let ci_upper = t.mean(format!("ci_upper{suffix}"), min_cell, decimals);
        t.chart(Chart::Forest(Forest::new(
            &format!("difference{suffix}"),
            &format!("ci_lower{suffix}"),
            &format!("ci_upper{suffix}"),
            0.0,
            match self.kind {
                OutcomeKind::Share => "treatment minus control, percentage points (95% interval)",
                OutcomeKind::Mean => "treatment minus control, difference in means (95% interval)",
            },
        )));
        let statistic = t.mean(statistic, min_cell, 2);
        let df = (self.kind == OutcomeKind::Mean).then(|| t.mean("df", min_cell, 1));
        let p_value = t.mean("p_value", min_cell, 4);
        let relative_difference = t.mean("relative_difference", min_cell, 3);
        t.place(min_cell);
        let censored = (!published).then(|| {
            [
                t.persons("censored_treatment"),
                t.persons("censored_control"),
            ]
        });
        let not_in_status = among.then(|| {
            [
                t.persons("not_in_status_treatment"),
                t.persons("not_in_status_control"),
            ]
        });
        StatCols {
            n: [nt, nc],
            value: [vt, vc],
            spread: [st, sc],
            difference,
            ci_lower,
            ci_upper,
            statistic,
            df,
            p_value,
            relative_difference,
            min_cell,
            censored,
            not_in_status,
        }
    }

    /// The comparison of two shares (counts may be fractional for published figures), in
    /// difference_pp .. relative_difference; left empty when there is none.
    pub(super) fn share_stats(
        &self,
        row: &mut Cells<'_>,
        c: &StatCols,
        treatment: Option<Proportion>,
        control: Option<Proportion>,
    ) {
        let result = match (treatment, control) {
            (Some(t), Some(c)) => {
                compare_proportions(t, c, self.diff_interval(), self.params.level).ok()
            }
            _ => None,
        };
        if let Some(r) = result {
            row.set(c.difference, Value::Float(r.difference * 100.0))
                .set(c.ci_lower, Value::Float(r.ci.lower * 100.0))
                .set(c.ci_upper, Value::Float(r.ci.upper * 100.0))
                .set(c.statistic, opt(r.test.z))
                .set(c.p_value, opt(r.test.p_value))
                .set(c.relative_difference, opt(r.relative_difference));
        }
    }

    /// The comparison of two means, in difference .. relative_difference. Welch needs an sd in
    /// both arms (n >= 2) and some variation; without, only the difference and its relative.
    pub(super) fn mean_stats(
        &self,
        row: &mut Cells<'_>,
        c: &StatCols,
        treatment: (u64, Option<f64>, Option<f64>),
        control: (u64, Option<f64>, Option<f64>),
    ) {
        let (Some(m1), Some(m2)) = (treatment.1, control.1) else {
            return;
        };
        let difference = m1 - m2;
        let relative = (m2 != 0.0).then(|| difference / m2);
        let test = match (treatment.2, control.2) {
            (Some(s1), Some(s2)) => SampleSummary::new(treatment.0 as usize, m1, s1)
                .and_then(|t| {
                    SampleSummary::new(control.0 as usize, m2, s2)
                        .and_then(|c| welch(t, c, self.params.level))
                })
                .ok(),
            _ => None,
        };
        match test {
            Some(r) => {
                row.set(c.difference, Value::Float(r.difference))
                    .set(c.ci_lower, Value::Float(r.ci.lower))
                    .set(c.ci_upper, Value::Float(r.ci.upper))
                    .set(c.statistic, Value::Float(r.t))
                    .set(c.p_value, Value::Float(r.p_value))
                    .set(c.relative_difference, opt(r.relative_difference));
                if let Some(df) = c.df {
                    row.set(df, Value::Float(r.df));
                }
            }
            None => {
                row.set(c.difference, Value::Float(difference))
                    .set(c.relative_difference, opt(relative));
            }
        }
    }

    /// The cells of a row the (1, 85%) dominance rule hides (spec `disclosure.md` §2): where one
    /// person makes up more than 85% of an arm's sum of a magnitude, that arm's mean and sd, and
    /// the comparison, which would give the mean back.
    pub(super) fn dominated(&self, c: &StatCols, arms: &[Arm; 2]) -> Vec<Col> {
        if self.kind != OutcomeKind::Mean {
            return Vec::new();
        }
        let mut cells = Vec::new();
        for (i, arm) in arms.iter().enumerate() {
            let total: f64 = arm.values.iter().map(|v| v.abs()).sum();
            let top = arm.values.iter().map(|v| v.abs()).fold(0.0, f64::max);
            if total > 0.0 && top / total > crate::table::DOMINANCE {
                cells.extend([c.value[i], c.spread[i]]);
            }
        }
        if !cells.is_empty() {
            cells.extend([
                c.difference,
                c.ci_lower,
                c.ci_upper,
                c.statistic,
                c.p_value,
                c.relative_difference,
            ]);
            cells.extend(c.df);
        }
        cells
    }

    /// A row of microdata: the arms' tallies and the comparison.
    pub(super) fn row_values(&self, row: &mut Cells<'_>, c: &StatCols, arms: &[Arm; 2]) {
        let [t, k] = arms;
        match self.kind {
            OutcomeKind::Share => {
                for (i, arm) in arms.iter().enumerate() {
                    row.int(c.n[i], arm.n() as i64)
                        .int(c.value[i], arm.count() as i64)
                        .set(c.spread[i], crate::table::share(arm.count(), arm.n()));
                }
                let proportion = |arm: &Arm| Proportion::from_counts(arm.count(), arm.n()).ok();
                self.share_stats(row, c, proportion(t), proportion(k));
                row.set(c.min_cell, min_cell(&[t.n(), t.count(), k.n(), k.count()]));
            }
            OutcomeKind::Mean => {
                let summary = |arm: &Arm| {
                    let sd = SampleSummary::from_data(&arm.values).ok().map(|s| s.sd);
                    (arm.n(), arm.mean(), sd)
                };
                let (st, sc) = (summary(t), summary(k));
                for (i, s) in [st, sc].into_iter().enumerate() {
                    row.int(c.n[i], s.0 as i64)
                        .set(c.value[i], opt(s.1))
                        .set(c.spread[i], opt(s.2));
                }
                self.mean_stats(row, c, st, sc);
                row.set(c.min_cell, min_cell(&[t.n(), k.n()]));
            }
        }
        if let Some([ct, cc]) = c.censored {
            row.int(ct, t.censored() as i64)
                .int(cc, k.censored() as i64);
        }
        if let Some([ot, oc]) = c.not_in_status {
            row.int(ot, t.outside as i64).int(oc, k.outside as i64);
        }
    }

    /// The linear relations among the counts of a table from microdata. Every person is in one
    /// group and has one `by` value (empty: `(missing)`), so the groups' counts add up to
    /// `(all)`'s for each `by` value, and the `by` values' to `(all)`'s within each group.
    /// Within a row nothing adds up on the table: an arm's population (n + censored +
    /// not_in_status) is no column, count is at most n, and min_cell is a minimum.
    pub(super) fn relations(
        &self,
        t: &mut TableBuilder,
        c: &StatCols,
        groups: &[Col],
        by: Option<Col>,
    ) {
        let mut counts: Vec<Col> = Vec::new();
        for i in 0..2 {
            counts.push(c.n[i]);
            if self.kind == OutcomeKind::Share {
                counts.push(c.value[i]);
            }
        }
        counts.extend(c.censored.into_iter().flatten());
        counts.extend(c.not_in_status.into_iter().flatten());
        let columns: Vec<String> = counts.iter().map(|&col| t.name(col)).collect();
        if let Some(&first) = groups.first() {
            // With several group columns the rows are their combinations and `(all)` is `(all)`
            // in each: the rows not `(all)` in the first are all the combinations.
            t.relation(Relation::GroupsSumToTotal {
                group: t.name(first),
                keys: by.iter().map(|&b| t.name(b)).collect(),
                columns: columns.clone(),
            });
        }
        if let Some(by) = by {
            t.relation(Relation::GroupsSumToTotal {
                group: t.name(by),
                keys: groups.iter().map(|&g| t.name(g)).collect(),
                columns,
            });
        }
        // An arm's persons in the row's groups are counted (n), censored, or outside the
        // status: a count no column of this table prints, but a table of the same persons by
        // the arm may.
        for (i, value) in [&self.params.treatment, &self.params.control]
            .into_iter()
            .enumerate()
        {
            let mut columns = vec![t.name(c.n[i])];
            columns.extend(c.censored.map(|cols| t.name(cols[i])));
            columns.extend(c.not_in_status.map(|cols| t.name(cols[i])));
            t.relation(Relation::Population {
                columns,
                rows: None,
                arm: Some(CellIs {
                    column: self.params.arm.clone(),
                    value: value.clone(),
                }),
                subset: None,
            });
        }
    }

    /// The arms' counts of persons another table may count too: observed at the outcome's month
    /// (or in its status then), where the outcome says its persons are such a subset.
    pub(super) fn subset_relations(
        &self,
        t: &mut TableBuilder,
        c: &StatCols,
        subsets: &OutcomeSubsets,
    ) {
        for (i, value) in [&self.params.treatment, &self.params.control]
            .into_iter()
            .enumerate()
        {
            let mut declare = |columns: Vec<Col>, subset: &Option<Subset>| {
                if let Some(subset) = subset {
                    t.relation(Relation::Population {
                        columns: columns.iter().map(|&col| t.name(col)).collect(),
                        rows: None,
                        arm: Some(CellIs {
                            column: self.params.arm.clone(),
                            value: value.clone(),
                        }),
                        subset: Some(subset.clone()),
                    });
                }
            };
            declare(vec![c.n[i]], &subsets.valued);
            // Outside the status the persons observed are apart; with no status, n is all.
            if let Some(outside) = c.not_in_status {
                declare(vec![c.n[i], outside[i]], &subsets.observed);
            }
            if self.kind == OutcomeKind::Share {
                declare(vec![c.value[i]], &subsets.positive);
            }
        }
    }
}
