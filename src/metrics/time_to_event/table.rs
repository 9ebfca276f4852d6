//! The table of a time-to-event result: its columns, their relations, and the rows of one
//! group (the Kaplan–Meier curve by month, then the summary).

use super::*;

impl TimeToEvent {
    pub(super) fn columns(&self, t: &mut TableBuilder, group_by: &[String]) -> Cols {
        let groups: Vec<Col> = t.groups(group_by);
        let row = t.text("row");
        let from_month = t.number("from_month", 0);
        let rel_month = t.number("rel_month", 0);
        let [n_at_risk, events, censored, events_cumulative, min_cell] = [
            "n_at_risk",
            "events",
            "censored",
            "events_cumulative",
            "min_cell",
        ]
        .map(|name| t.persons(name));
        let [share_reached, lower, upper] =
            ["share_reached", "lower", "upper"].map(|name| t.mean(name, min_cell, 4));
        let [n, events_total, censored_total] =
            ["n", "events_total", "censored_total"].map(|name| t.persons(name));
        let [median, median_lower, median_upper, q25, q75] =
            ["median", "median_lower", "median_upper", "q25", "q75"]
                .map(|name| t.mean(name, events_total, 1));
        let n_not_observed = t.persons("n_not_observed");
        let n_already = self.exclude_already.then(|| t.persons("n_already"));
        let chi2 = t.mean("chi2", events_total, 3);
        let df = t.number("df", 0);
        let p_value = t.mean("p_value", events_total, 4);
        let cols = Cols {
            groups,
            row,
            from_month,
            rel_month,
            n_at_risk,
            events,
            censored,
            events_cumulative,
            min_cell,
            share_reached,
            lower,
            upper,
            n,
            events_total,
            censored_total,
            median,
            median_lower,
            median_upper,
            q25,
            q75,
            n_not_observed,
            n_already,
            chi2,
            df,
            p_value,
        };
        self.relations(t, &cols);
        cols
    }

    /// Printed as three tables: the curve (the month rows), the summary (a row per group) and,
    /// when the groups were compared (`tested`), the test, held on the total's summary row.
    pub(super) fn parts(&self, t: &mut TableBuilder, c: &Cols, tested: bool) {
        let curve = [
            c.from_month,
            c.rel_month,
            c.n_at_risk,
            c.events,
            c.censored,
            c.events_cumulative,
            c.min_cell,
            c.share_reached,
            c.lower,
            c.upper,
        ];
        let mut summary = vec![
            c.n,
            c.events_total,
            c.censored_total,
            c.median,
            c.median_lower,
            c.median_upper,
            c.q25,
            c.q75,
            c.n_not_observed,
        ];
        summary.extend(c.n_already);
        let grouped =
            |columns: &[Col]| -> Vec<Col> { c.groups.iter().chain(columns).copied().collect() };
        t.part("curve", &[(c.row, "month")], &grouped(&curve));
        t.part("summary", &[(c.row, "summary")], &grouped(&summary));
        if tested {
            let total: Vec<(Col, &str)> = std::iter::once((c.row, "summary"))
                .chain(c.groups.iter().map(|&g| (g, ALL)))
                .collect();
            t.part("test", &total, &[c.chi2, c.df, c.p_value]);
        }
    }

    /// The linear relations among the counts. Within a group, along its month rows (told apart
    /// from the summary row by `row`): events_cumulative is the running sum of events, and the
    /// next month's n_at_risk is this month's less its events and censored. The month rows'
    /// events and censored add up to the summary row's events_total and censored_total (every
    /// time lies in months 0..=the last month), and n = events_total + censored_total. Every
    /// person is in one group: the groups' counts add up to `(all)`'s, month by month and on the
    /// summary rows. (min_cell, a minimum, is in no linear relation.)
    pub(super) fn relations(&self, t: &mut TableBuilder, c: &Cols) {
        let name = |col: Col| t.name(col);
        let mut per_group: Vec<String> = c.groups.iter().map(|&g| name(g)).collect();
        per_group.push(name(c.row));
        let along = name(c.rel_month);
        let mut relations = vec![
            Relation::RunningSum {
                keys: per_group.clone(),
                along: along.clone(),
                column: name(c.events),
                cumulative: name(c.events_cumulative),
            },
            Relation::RiskSet {
                keys: per_group,
                along: along.clone(),
                at_risk: name(c.n_at_risk),
                leaving: vec![name(c.events), name(c.censored)],
            },
        ];
        let groups: Vec<String> = c.groups.iter().map(|&g| name(g)).collect();
        for (month, summary) in [(c.events, c.events_total), (c.censored, c.censored_total)] {
            relations.push(Relation::RowsSumToRow {
                keys: groups.clone(),
                label: name(c.row),
                parts: vec!["month".into()],
                column: name(month),
                whole: "summary".into(),
                whole_column: name(summary),
                whole_label: None,
            });
        }
        relations.push(Relation::Sum {
            parts: vec![name(c.events_total), name(c.censored_total)],
            whole: name(c.n),
        });
        // Everyone in the analysis is at risk at the start of the first period (from month 0).
        relations.push(Relation::RowsSumToRow {
            keys: groups.clone(),
            label: name(c.from_month),
            parts: vec!["0".into()],
            column: name(c.n_at_risk),
            whole: "summary".into(),
            whole_column: name(c.n),
            whole_label: Some(name(c.row)),
        });
        // A group's persons are in the analysis (n) or left out, as not observed or already
        // there at month 0.
        let mut everyone = vec![name(c.n), name(c.n_not_observed)];
        everyone.extend(c.n_already.map(name));
        relations.push(Relation::Population {
            columns: everyone,
            rows: Some(CellIs {
                column: name(c.row),
                value: "summary".into(),
            }),
            arm: None,
            subset: None,
        });
        if let Some(&first) = c.groups.first() {
            // With several group columns the rows are their combinations and `(all)` is
            // `(all)` in each: the rows not `(all)` in the first are all the combinations.
            let mut columns = vec![
                c.n_at_risk,
                c.events,
                c.censored,
                c.events_cumulative,
                c.n,
                c.events_total,
                c.censored_total,
                c.n_not_observed,
            ];
            columns.extend(c.n_already);
            relations.push(Relation::GroupsSumToTotal {
                group: name(first),
                keys: vec![name(c.row), along],
                columns: columns.into_iter().map(name).collect(),
            });
        }
        for relation in relations {
            t.relation(relation);
        }
    }

    /// One group's Kaplan–Meier fit, its rows by whole month 0..=`last_month`, and the persons
    /// left out.
    pub(super) fn fit_group(&self, members: &[&Fate], last_month: Option<u32>) -> Result<GroupFit> {
        let mut time = Vec::new();
        let mut event = Vec::new();
        let (mut not_observed, mut already) = (0, 0);
        for fate in members {
            match fate {
                Fate::NotObserved => not_observed += 1,
                Fate::Already => already += 1,
                Fate::Timed(t, e) => {
                    time.push(f64::from(*t));
                    event.push(*e);
                }
            }
        }
        let fit: Option<KaplanMeier> = if time.is_empty() {
            None
        } else {
            Some(
                kaplan_meier(&time, &event, self.level)
                    .map_err(|err| anyhow!("computing {}: {err}", DEF.name))?,
            )
        };
        let months = match (&fit, last_month) {
            (Some(f), Some(last)) => Some(f.monthly_table(last)),
            _ => None,
        };
        Ok(GroupFit {
            fit,
            months,
            not_observed,
            already,
        })
    }

    /// The period rows and the summary row of one group.
    pub(super) fn group_rows(
        &self,
        t: &mut TableBuilder,
        c: &Cols,
        key: &[String],
        group: &GroupFit,
        periods: &Periods,
        test: Option<(f64, usize, f64)>,
    ) -> Result<()> {
        let pool_below = periods.pool_below;
        let GroupFit {
            fit,
            months,
            not_observed,
            already,
        } = group;
        // Totals, quartiles, left-out counts and the test belong to the summary row, the month
        // columns to the period rows: the rest of each row stays empty.
        let mut cumulative = 0usize;
        for &(from, to) in &periods.spans {
            let mut row = t.row();
            for (&g, k) in c.groups.iter().zip(key) {
                row.text(g, k.as_str());
            }
            row.text(c.row, "month")
                .int(c.from_month, i64::from(from))
                .int(c.rel_month, i64::from(to));
            match months {
                Some(months) => {
                    let period = &months[from as usize..=to as usize];
                    let (first, end) = (&period[0], &period[period.len() - 1]);
                    let events: usize = period.iter().map(|r| r.n_event).sum();
                    let censored: usize = period.iter().map(|r| r.n_censor).sum();
                    cumulative += events;
                    // The curve's point rests on every count of the period: the smallest
                    // non-zero one carries suppression, so a small period count hides the point
                    // (otherwise S at the period's end and n_at_risk would give it back).
                    let min_cell = [first.n_risk, cumulative, events, censored]
                        .into_iter()
                        .filter(|&count| count > 0)
                        .min()
                        .unwrap_or(0);
                    row.set(c.n_at_risk, int(first.n_risk))
                        .set(c.events, int(events))
                        .set(c.censored, int(censored))
                        .set(c.events_cumulative, int(cumulative))
                        .set(c.min_cell, int(min_cell));
                    // Past the group's follow-up (nobody at risk) the curve is not estimated.
                    if end.n_risk > 0 {
                        let ci = end.share_reached_ci();
                        row.set(c.share_reached, Value::Float(end.share_reached()))
                            .set(c.lower, Value::Float(ci.lower))
                            .set(c.upper, Value::Float(ci.upper));
                    }
                }
                None => {
                    for col in [
                        c.n_at_risk,
                        c.events,
                        c.censored,
                        c.events_cumulative,
                        c.min_cell,
                    ] {
                        row.int(col, 0);
                    }
                }
            }
        }
        let quantile = |q: Option<f64>| match (&fit, q) {
            (None, _) => Value::Null,
            (Some(_), Some(t)) => Value::Float(t),
            (Some(_), None) => Value::Text(NOT_REACHED.into()),
        };
        let mut row = t.row();
        for (&g, k) in c.groups.iter().zip(key) {
            row.text(g, k.as_str());
        }
        row.text(c.row, "summary");
        match &fit {
            Some(f) => row
                .set(c.n, int(f.n))
                .set(c.events_total, int(f.n_events))
                .set(c.censored_total, int(f.n_censored)),
            None => row
                .int(c.n, 0)
                .int(c.events_total, 0)
                .int(c.censored_total, 0),
        };
        let [q25, median, q75]: [Option<&KmQuantile>; 3] = match &fit {
            Some(f) => [
                Some(&f.quartiles[0]),
                Some(&f.quartiles[1]),
                Some(&f.quartiles[2]),
            ],
            None => [None, None, None],
        };
        row.set(c.median, quantile(median.and_then(|q| q.time)))
            .set(c.median_lower, quantile(median.and_then(|q| q.lower)))
            .set(c.median_upper, quantile(median.and_then(|q| q.upper)))
            .set(c.q25, quantile(q25.and_then(|q| q.time)))
            .set(c.q75, quantile(q75.and_then(|q| q.time)))
            .set(c.n_not_observed, int(*not_observed));
        if let Some(n_already) = c.n_already {
            row.set(n_already, int(*already));
        }
        if let Some((chi2, df, p)) = test {
            row.set(c.chi2, Value::Float(chi2))
                .int(c.df, df as i64)
                .set(c.p_value, Value::Float(p));
        }
        // A quantile of the curve is a property of the curve, not a person's time, only with
        // enough events on each side of it (spec `disclosure.md` §2): otherwise it is hidden
        // like a small count.
        if let (Some(threshold), Some(months)) = (pool_below, months) {
            let total: usize = months.iter().map(|r| r.n_event).sum();
            let quantiles = [
                (c.median, median.and_then(|q| q.time)),
                (c.median_lower, median.and_then(|q| q.lower)),
                (c.median_upper, median.and_then(|q| q.upper)),
                (c.q25, q25.and_then(|q| q.time)),
                (c.q75, q75.and_then(|q| q.time)),
            ];
            for (col, time) in quantiles {
                let Some(time) = time else { continue };
                let before: usize = months
                    .iter()
                    .filter(|r| r.time <= time)
                    .map(|r| r.n_event)
                    .sum();
                if (before as u64) < threshold || ((total - before) as u64) < threshold {
                    t.sensitive(col);
                }
            }
        }
        Ok(())
    }
}

/// The periods the curve is shown for, as (first month, last month): each month its own period,
/// unless the run suppresses below `pool_below` persons. Then adjacent months are pooled until,
/// in every group, the period's events and its censored are each 0 or at least `pool_below`
/// (spec `disclosure.md` §3; the months after the last such period join it): a month's small count is never printed, and the Kaplan–Meier step
/// `events = n_at_risk × (1 − S(t)/S(t−1))` across a period gives back only that period's
/// events, which are shown anyway. The periods are the same for every group, so the groups still
/// add up to `(all)` period by period. A group too small for any safe period is left to
/// suppression.
pub(super) fn periods(groups: &[GroupFit], last_month: u32, pool_below: Option<u64>) -> Periods {
    Periods {
        spans: spans(groups, last_month, pool_below),
        pool_below,
    }
}

/// The periods of a curve, and the threshold they were pooled for (`None`: not pooled).
pub(super) struct Periods {
    pub spans: Vec<(u32, u32)>,
    pub pool_below: Option<u64>,
}

fn spans(groups: &[GroupFit], last_month: u32, pool_below: Option<u64>) -> Vec<(u32, u32)> {
    let Some(threshold) = pool_below else {
        return (0..=last_month).map(|m| (m, m)).collect();
    };
    let safe = |count: usize| count == 0 || count as u64 >= threshold;
    let mut periods = Vec::new();
    let mut from = 0;
    for to in 0..=last_month {
        let closes = groups.iter().all(|group| {
            group.months.as_ref().is_none_or(|months| {
                let period = &months[from as usize..=to as usize];
                safe(period.iter().map(|r| r.n_event).sum())
                    && safe(period.iter().map(|r| r.n_censor).sum())
            })
        });
        if closes {
            periods.push((from, to));
            from = to + 1;
        }
    }
    // Months left over at the end that never made a safe period join the last one (which is
    // safe again: its counts only grow); with no safe period at all, the curve is one period.
    if from <= last_month {
        match periods.last_mut() {
            Some(last) => last.1 = last_month,
            None => periods.push((0, last_month)),
        }
    }
    periods
}
