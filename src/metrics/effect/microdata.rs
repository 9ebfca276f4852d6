//! Effects from microdata: the arms' tallies per group and `by` value, from the outcome metric's
//! person-level outcome, and the spread of the per-`by` effects.

use super::*;
use crate::measure::persons::{cohort_text, Persons};

fn person_ids(frame: &DataFrame) -> Result<Vec<u32>> {
    let failed = |err: polars::prelude::PolarsError| anyhow!("computing effect: {err}");
    let column = frame
        .column("person")
        .map_err(failed)?
        .cast(&DataType::UInt32)
        .map_err(failed)?;
    column
        .u32()
        .map_err(failed)?
        .iter()
        .map(|p| p.ok_or_else(|| anyhow!("computing effect: a person without an index")))
        .collect()
}

/// The outcome of each person observed; `None` for a person outside the outcome's `among`.
pub(super) fn outcome_values(outcome: &PersonOutcome) -> Result<HashMap<u32, Option<f64>>> {
    let failed = |err: polars::prelude::PolarsError| anyhow!("computing effect: {err}");
    let persons = person_ids(&outcome.frame)?;
    let value = outcome.frame.column("value").map_err(failed)?;
    let values: Vec<Option<f64>> = match outcome.kind {
        OutcomeKind::Share => value
            .bool()
            .map_err(failed)?
            .iter()
            .map(|v| v.map(|v| v as u8 as f64))
            .collect(),
        OutcomeKind::Mean => value
            .cast(&DataType::Float64)
            .map_err(failed)?
            .f64()
            .map_err(failed)?
            .iter()
            .collect(),
    };
    Ok(persons.into_iter().zip(values).collect())
}
impl Effect {
    pub(super) fn compute_data(&self, input: &MetricInput<'_>) -> Result<Table> {
        let p = &self.params;
        let inner = self
            .inner
            .as_ref()
            .ok_or_else(|| anyhow!("outcome: no outcome metric to compute"))?;
        Compute::check_groups(self, input.group_by).map_err(|e| anyhow!(e))?;
        // Indexed by person; an empty arm or `by` cell reads as MISSING, as in a group column.
        let cohort_text = |name: &str, key: &str| -> Result<Vec<String>> {
            Ok(cohort_text(&input.panel.persons, name, key)?
                .into_iter()
                .map(|v| v.unwrap_or_else(|| MISSING.to_string()))
                .collect())
        };
        let arm_of = cohort_text(&p.arm, "arm")?;
        for (key, value) in [("treatment", &p.treatment), ("control", &p.control)] {
            if !arm_of.contains(value) {
                let values: BTreeSet<&String> = arm_of.iter().collect();
                bail!(
                    "{key}: no cohort person has {} = {value:?} (its values: {})",
                    p.arm,
                    values
                        .into_iter()
                        .map(|v| format!("{v:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        let by_of = p.by.as_ref().map(|by| cohort_text(by, "by")).transpose()?;

        let outcome = inner.person_outcome(input)?.ok_or_else(|| {
            anyhow!(
                "outcome: {} with these outcome_params gives no person-level outcome",
                p.outcome
            )
        })?;
        if outcome.kind != self.kind {
            bail!(
                "outcome: {} gave a {} outcome, expected a {}",
                p.outcome,
                kind_name(outcome.kind),
                kind_name(self.kind)
            );
        }
        let values = outcome_values(&outcome)?;

        // The population, in person order (a float sum depends on the order of its terms).
        let persons = Persons::of(input)?;
        let groups = &persons.groups;
        let mut order: Vec<usize> = (0..persons.len()).collect();
        order.sort_by_key(|&i| persons.ids[i]);

        // Per group: the `by` values seen, and the arms' tallies per `by` value (ALL: any).
        let mut by_values: Vec<BTreeSet<String>> = vec![BTreeSet::new(); groups.len()];
        let mut tallies: HashMap<(usize, String), [Arm; 2]> = HashMap::new();
        let mut neither = 0u64;
        for &i in &order {
            let person = persons.ids[i];
            let arm = &arm_of[person as usize];
            let slot = if *arm == p.treatment {
                0
            } else if *arm == p.control {
                1
            } else {
                neither += 1;
                continue;
            };
            let by = by_of.as_ref().map(|b| b[person as usize].clone());
            for g in groups.counted_in(i) {
                let mut bys = vec![ALL.to_string()];
                if let Some(by) = &by {
                    by_values[g].insert(by.clone());
                    bys.push(by.clone());
                }
                for by in bys {
                    let tally = &mut tallies.entry((g, by)).or_default()[slot];
                    tally.population += 1;
                    match values.get(&person) {
                        Some(Some(v)) => tally.values.push(*v),
                        Some(None) => tally.outside += 1,
                        None => {}
                    }
                }
            }
        }
        let mut rows = Vec::new();
        for (g, key) in groups.keys().iter().enumerate() {
            let mut bys: Vec<Option<String>> = Vec::new();
            if p.by.is_some() {
                bys.extend(by_values[g].iter().map(|b| Some(b.clone())));
            }
            bys.push(None);
            for by in bys {
                let arms = tallies
                    .get(&(g, by.clone().unwrap_or_else(|| ALL.to_string())))
                    .cloned()
                    .unwrap_or_default();
                let mut row_key = key.clone();
                if p.by.is_some() {
                    row_key.push(by.unwrap_or_else(|| ALL.to_string()));
                }
                rows.push(Row { key: row_key, arms });
            }
        }

        let mut t = TableBuilder::new();
        let groups: Vec<Col> = t.groups(input.group_by);
        let by = p.by.as_ref().map(|by| t.group(by.as_str()));
        let among = outcome.among.is_some();
        let c = self.stat_columns(&mut t, false, among);
        self.relations(&mut t, &c, &groups, by);
        self.subset_relations(&mut t, &c, &outcome.subsets);
        for row in &rows {
            let mut cells = t.row();
            for (&g, k) in groups.iter().chain(&by).zip(&row.key) {
                cells.text(g, k.as_str());
            }
            self.row_values(&mut cells, &c, &row.arms);
            for col in self.dominated(&c, &row.arms) {
                t.sensitive(col);
            }
        }
        t.note(format!(
            "effect: treatment minus control in {} ({}; outcome {} with its outcome_params); {}",
            outcome.label,
            self.arms_note(),
            p.outcome,
            self.methods()
        ));
        t.note("n_*: persons of the arm the outcome counts; censored_*: persons of the arm it leaves out (not observed long enough), never counted as without the outcome; min_cell: the smallest non-zero count the comparison rests on (the difference, its interval and test are suppressed with it)".to_string());
        if let Some(status) = &outcome.among {
            t.note(match self.kind {
                OutcomeKind::Mean => format!(
                    "not_in_status_*: persons of the arm observed then but without {status}, outside the mean (not censored)"
                ),
                OutcomeKind::Share => format!(
                    "not_in_status_*: persons of the arm without {status}, outside the share (not censored)"
                ),
            });
        }
        if neither > 0 {
            t.note(format!(
                "{neither} persons of the population are in neither arm ({} is neither {:?} nor {:?}) and are left out",
                p.arm, p.treatment, p.control
            ));
        }
        let mut table = t.build();
        if let Some(by) = &p.by {
            self.spread_notes(&mut table, by, input.group_by.len());
        }
        Ok(table)
    }

    /// One note per group on the spread of the per-`by` effects.
    pub(super) fn spread_notes(&self, table: &mut Table, by: &str, group_count: usize) {
        let p = &self.params;
        let column = |name: &str| table.column_index(name).expect("a column of the table");
        let (diff, pval, min) = match self.kind {
            OutcomeKind::Share => (
                column("difference_pp"),
                column("p_value"),
                column("min_cell"),
            ),
            OutcomeKind::Mean => (column("difference"), column("p_value"), column("min_cell")),
        };
        let unit = match self.kind {
            OutcomeKind::Share => " pp",
            OutcomeKind::Mean => "",
        };
        let alpha = 1.0 - p.level;
        let mut notes = Vec::new();
        let mut start = 0;
        while start < table.rows.len() {
            let key = &table.rows[start][..group_count];
            let end = start
                + table.rows[start..]
                    .iter()
                    .take_while(|r| &r[..group_count] == key)
                    .count();
            let group = if group_count == 0 {
                String::new()
            } else {
                let labels: Vec<String> = key
                    .iter()
                    .map(|v| match v {
                        Value::Text(t) => t.clone(),
                        _ => String::new(),
                    })
                    .collect();
                format!(" in group {}", labels.join(", "))
            };
            // Every by-value row but the last ((all)).
            let with_effect: Vec<&Vec<Value>> = table.rows[start..end - 1]
                .iter()
                .filter(|r| r[diff].as_f64().is_some())
                .collect();
            let kept: Vec<(String, f64, Option<f64>)> = with_effect
                .iter()
                .filter(|r| r[min].as_f64().unwrap_or(0.0) >= p.spread_min_cell as f64)
                .map(|r| {
                    let label = match &r[group_count] {
                        Value::Text(t) => t.clone(),
                        _ => String::new(),
                    };
                    (label, r[diff].as_f64().unwrap_or(0.0), r[pval].as_f64())
                })
                .collect();
            let head = format!(
                "spread of the {by} effects{group}: {} of {} {by} values with both arms counted have every cell >= {} persons (spread_min_cell)",
                kept.len(),
                with_effect.len(),
                p.spread_min_cell
            );
            if kept.is_empty() {
                notes.push(format!("{head}; no spread reported"));
            } else {
                let k = kept.len() as f64;
                let mean = kept.iter().map(|e| e.1).sum::<f64>() / k;
                let sd = (kept.len() > 1).then(|| {
                    (kept.iter().map(|e| (e.1 - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt()
                });
                let lowest = kept
                    .iter()
                    .fold(&kept[0], |a, b| if b.1 < a.1 { b } else { a });
                let highest = kept
                    .iter()
                    .fold(&kept[0], |a, b| if b.1 > a.1 { b } else { a });
                let significant = |positive: bool| {
                    kept.iter()
                        .filter(|e| e.2.is_some_and(|pv| pv < alpha) && (e.1 > 0.0) == positive)
                        .count()
                };
                let (up, down) = (significant(true), significant(false));
                notes.push(format!(
                    "{head}; over those: mean {mean:.1}{unit}, sd {}, min {:.1}{unit} ({}), max {:.1}{unit} ({}); significant at p < {alpha:.2}: {} ({up} positive, {down} negative)",
                    sd.map_or("-".to_string(), |sd| format!("{sd:.1}{unit}")),
                    lowest.1,
                    lowest.0,
                    highest.1,
                    highest.0,
                    up + down
                ));
            }
            start = end;
        }
        table.notes.extend(notes);
    }
}
