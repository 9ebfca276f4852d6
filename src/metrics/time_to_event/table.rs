//! The table of a time-to-event result: its columns, their relations, and the rows of one
//! group (the Kaplan–Meier curve by month, then the summary).

use super::*;

impl TimeToEvent {
    pub(super) fn columns(&self, t: &mut TableBuilder, group_by: &[String]) -> Cols {
        let groups: Vec<Col> = t.groups(group_by);
        let row = t.text("row");
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
            });
        }
        relations.push(Relation::Sum {
            parts: vec![name(c.events_total), name(c.censored_total)],
            whole: name(c.n),
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

    /// The month rows and the summary row of one group.
    pub(super) fn group_rows(
        &self,
        t: &mut TableBuilder,
        c: &Cols,
        key: &[String],
        members: &[&Fate],
        last_month: Option<u32>,
        test: Option<(f64, usize, f64)>,
    ) -> Result<()> {
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
        // Totals, quartiles, left-out counts and the test belong to the summary row, the month
        // columns to the month rows: the rest of each row stays empty.
        if let Some(last) = last_month {
            let rows = fit.as_ref().map(|f| f.monthly_table(last));
            let mut cumulative = 0usize;
            for m in 0..=last {
                let mut row = t.row();
                for (&g, k) in c.groups.iter().zip(key) {
                    row.text(g, k.as_str());
                }
                row.text(c.row, "month").int(c.rel_month, i64::from(m));
                match rows.as_ref().map(|r| &r[m as usize]) {
                    Some(r) => {
                        cumulative += r.n_event;
                        let min_cell = if cumulative > 0 {
                            r.n_risk.min(cumulative)
                        } else {
                            r.n_risk
                        };
                        row.set(c.n_at_risk, int(r.n_risk))
                            .set(c.events, int(r.n_event))
                            .set(c.censored, int(r.n_censor))
                            .set(c.events_cumulative, int(cumulative))
                            .set(c.min_cell, int(min_cell));
                        // Past the group's follow-up (nobody at risk) the curve is not
                        // estimated.
                        if r.n_risk > 0 {
                            let ci = r.share_reached_ci();
                            row.set(c.share_reached, Value::Float(r.share_reached()))
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
            .set(c.n_not_observed, int(not_observed));
        if let Some(n_already) = c.n_already {
            row.set(n_already, int(already));
        }
        if let Some((chi2, df, p)) = test {
            row.set(c.chi2, Value::Float(chi2))
                .int(c.df, df as i64)
                .set(c.p_value, Value::Float(p));
        }
        Ok(())
    }
}
