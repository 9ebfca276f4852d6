//! Effects from a report's printed figures: checking them, and the table they give.

use super::*;

pub(super) fn kind_name(kind: OutcomeKind) -> &'static str {
    match kind {
        OutcomeKind::Share => "share",
        OutcomeKind::Mean => "mean",
    }
}

/// The registry's metrics with a person-level outcome, as a list for messages.
pub(super) fn outcome_names() -> String {
    crate::metrics::REGISTRY
        .iter()
        .filter(|def| def.outcome.is_some())
        .map(|def| def.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Published {
    /// The kind of figures both arms give; the error names the key.
    pub(super) fn kind(&self) -> Result<OutcomeKind, String> {
        let arm_kind = |name: &str, arm: &PublishedArm| -> Result<OutcomeKind, String> {
            let key = format!("published.{name}");
            if arm.n == 0 {
                return Err(format!("{key}.n: must be at least 1"));
            }
            let share_like = arm.share.is_some() || arm.count.is_some();
            let mean_like = arm.mean.is_some() || arm.sd.is_some();
            match (share_like, mean_like) {
                (true, true) => Err(format!(
                    "{key}: give either share (or count) for a share, or mean (and sd) for a mean, not both"
                )),
                (false, false) => Err(format!(
                    "{key}: give share (0-1) or count for a share, or mean and sd for a mean, with n"
                )),
                (true, false) => {
                    if arm.share.is_some() && arm.count.is_some() {
                        return Err(format!("{key}: give share or count, not both"));
                    }
                    if let Some(share) = arm.share {
                        if !(0.0..=1.0).contains(&share) {
                            return Err(format!(
                                "{key}.share: {share} is not between 0 and 1 (a share, not a percentage: 19.2% is 0.192)"
                            ));
                        }
                    }
                    if let Some(count) = arm.count {
                        if count > arm.n {
                            return Err(format!(
                                "{key}.count: {count} is more than n = {}",
                                arm.n
                            ));
                        }
                    }
                    Ok(OutcomeKind::Share)
                }
                (false, true) => {
                    let Some(mean) = arm.mean else {
                        return Err(format!("{key}.mean: sd is given but no mean"));
                    };
                    if !mean.is_finite() {
                        return Err(format!("{key}.mean: {mean} is not a number"));
                    }
                    if let Some(sd) = arm.sd {
                        if !(sd.is_finite() && sd >= 0.0) {
                            return Err(format!("{key}.sd: {sd} must be a number >= 0"));
                        }
                    }
                    Ok(OutcomeKind::Mean)
                }
            }
        };
        let treatment = arm_kind("treatment", &self.treatment)?;
        let control = arm_kind("control", &self.control)?;
        if treatment != control {
            return Err(format!(
                "published: treatment gives a {} and control a {}; give the same kind of figures for both arms",
                kind_name(treatment),
                kind_name(control)
            ));
        }
        Ok(treatment)
    }
}

impl Effect {
    pub(super) fn compute_published(&self, published: &Published) -> Result<Table> {
        let p = &self.params;
        let mut builder = TableBuilder::new();
        let cols = self.stat_columns(&mut builder, true, false);
        let mut row = builder.row();
        let (t, c) = (&published.treatment, &published.control);
        let describe = match self.kind {
            OutcomeKind::Share => {
                let implied = |arm: &PublishedArm| -> (f64, f64) {
                    match (arm.count, arm.share) {
                        (Some(count), _) => (count as f64, count as f64 / arm.n as f64),
                        (None, share) => {
                            let share = share.unwrap_or(0.0);
                            (share * arm.n as f64, share)
                        }
                    }
                };
                let ((xt, st), (xc, sc)) = (implied(t), implied(c));
                for (i, (n, x, s)) in [(t.n, xt, st), (c.n, xc, sc)].into_iter().enumerate() {
                    row.int(cols.n[i], n as i64)
                        .set(cols.value[i], Value::Float(x))
                        .set(cols.spread[i], Value::Float(s));
                }
                let proportion = |x: f64, n: u64| Proportion::new(x, n as f64).ok();
                self.share_stats(&mut row, &cols, proportion(xt, t.n), proportion(xc, c.n));
                format!(
                    "treatment {:.1}% of {} (count {xt:.1}), control {:.1}% of {} (count {xc:.1}); the interval and test take share × n as the count (fractional counts allowed)",
                    st * 100.0,
                    t.n,
                    sc * 100.0,
                    c.n
                )
            }
            OutcomeKind::Mean => {
                let (mt, mc) = (t.mean.unwrap_or(0.0), c.mean.unwrap_or(0.0));
                for (i, (n, m, sd)) in [(t.n, mt, t.sd), (c.n, mc, c.sd)].into_iter().enumerate() {
                    row.int(cols.n[i], n as i64)
                        .set(cols.value[i], Value::Float(m))
                        .set(cols.spread[i], opt(sd));
                }
                self.mean_stats(
                    &mut row,
                    &cols,
                    (t.n, Some(mt), t.sd),
                    (c.n, Some(mc), c.sd),
                );
                format!(
                    "treatment mean {mt} (n {}, sd {}), control mean {mc} (n {}, sd {}){}",
                    t.n,
                    t.sd.map_or("not given".to_string(), |s| s.to_string()),
                    c.n,
                    c.sd.map_or("not given".to_string(), |s| s.to_string()),
                    if t.sd.is_some() && c.sd.is_some() {
                        ""
                    } else {
                        "; without both sds there is no interval or test, only the difference and its relative"
                    }
                )
            }
        };
        row.set(cols.min_cell, min_cell(&[t.n, c.n]));
        // Public figures in one row: no relation among counts is declared (count_* is share ×
        // n, a float, and min_cell a minimum).
        builder.note(format!(
            "effect from published figures, not microdata: {describe}; {}",
            self.methods()
        ));
        if !p.outcome.is_empty() {
            let params = toml::Value::Table(p.outcome_params.clone());
            builder.note(format!(
                "the figures stand for outcome {} with {params} ({}); no data was read",
                p.outcome,
                self.arms_note()
            ));
        }
        Ok(builder.build())
    }
}
