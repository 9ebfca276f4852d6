//! The check that a table's declared [`Relation::Population`] identities hold: each names
//! columns that add up to the persons of the query's population in a row's groups, a count the
//! joint audit of a run's tables treats as one unknown shared by every table of the same persons
//! (spec `disclosure.md` §3). A declaration that is false would let that audit miss what a reader
//! can compute, or see links that are not there, so the runner checks every table against the
//! persons it was computed from before anything is suppressed.
//!
//! [`Relation::Population`]: crate::table::Relation::Population

use super::common::person_index;
use super::persons::cohort_text;
use super::MetricInput;
use crate::table::{is_subset_pair, PersonsOf, PopulationInstance, SubsetAt, Table, MISSING};
use anyhow::{anyhow, Result};
use polars::prelude::{DataType, Int32Chunked, PolarsError};
use std::collections::HashMap;

/// The declared population identities of `table` that the persons of `input` contradict, in
/// words (empty: all hold). An instance with a cell that is not a number (a share of nobody)
/// says nothing and is skipped, as the audit skips it.
pub fn population_violations(table: &Table, input: &MetricInput<'_>) -> Result<Vec<String>> {
    let instances = table.population_instances();
    if instances.is_empty() {
        return Ok(Vec::new());
    }
    let internal = |err: PolarsError| anyhow!("internal: the population's persons: {err}");
    // The cohort's columns by panel person: an arm need not be a group column.
    let members: Vec<usize> = person_index(&input.persons)
        .map_err(internal)?
        .iter()
        .map(|p| p.map(|p| p as usize))
        .collect::<Option<_>>()
        .ok_or_else(|| anyhow!("internal: a person without an index"))?;
    // Every column any instance names, read once; then the persons counted once per distinct
    // combination of their values (few), so that each instance sums a handful of counts rather
    // than walking every person.
    let mut columns: Vec<&String> = instances
        .iter()
        .flat_map(|i| i.persons.iter())
        .filter(|pair| !is_subset_pair(pair))
        .map(|(column, _)| column)
        .collect();
    columns.sort();
    columns.dedup();
    let values: Vec<Vec<String>> = columns
        .iter()
        .map(|column| -> Result<Vec<String>> {
            Ok(cohort_text(&input.panel.persons, column, "group_by")?
                .into_iter()
                .map(|v| v.unwrap_or_else(|| MISSING.to_string()))
                .collect())
        })
        .collect::<Result<_>>()?;
    let mut combinations: Vec<(Vec<&str>, i64)> = Vec::new();
    let mut combination_ids: HashMap<Vec<&str>, usize> = HashMap::new();
    // Each panel person's combination (usize::MAX: not of the population).
    let mut combination_of = vec![usize::MAX; input.panel.persons.height()];
    for &p in &members {
        let combination: Vec<&str> = values.iter().map(|v| v[p].as_str()).collect();
        let next = combination_ids.len();
        let id = *combination_ids.entry(combination.clone()).or_insert(next);
        if id == combinations.len() {
            combinations.push((combination, 0));
        }
        combinations[id].1 += 1;
        combination_of[p] = id;
    }
    let subsets = subset_counts(&instances, input, &combination_of, combinations.len())?;
    // The persons of `of` (of them, those of `subset`): the combinations that have its values.
    let count_of = |of: &PersonsOf, subset: Option<&SubsetAt>| -> i64 {
        let wanted: Vec<(usize, &str)> = of
            .iter()
            .filter(|pair| !is_subset_pair(pair))
            .map(|(column, value)| {
                let at = columns.binary_search(&column).unwrap_or(0);
                (at, value.as_str())
            })
            .collect();
        combinations
            .iter()
            .enumerate()
            .filter(|(_, (combination, _))| wanted.iter().all(|&(at, v)| combination[at] == v))
            .map(|(id, (_, count))| match subset {
                None => *count,
                Some(subset) => subsets[subset][id],
            })
            .sum()
    };
    let mut violations = Vec::new();
    for instance in &instances {
        let row = &table.rows[instance.row];
        let Some(sum) = instance
            .columns
            .iter()
            .map(|&c| row[c].as_f64())
            .sum::<Option<f64>>()
        else {
            continue;
        };
        let expected = count_of(&instance.persons, instance.subset.as_ref());
        if sum != expected as f64 {
            let names: Vec<&str> = instance
                .columns
                .iter()
                .map(|&c| table.columns[c].name.as_str())
                .collect();
            violations.push(format!(
                "{}: {} = {sum}, but the population has {expected} persons{}",
                table.describe_row(instance.row),
                names.join(" + "),
                describe_persons(&instance.persons),
            ));
        }
    }
    // The joint audit also reads that the groups a table lists are all its population has.
    for partition in table.population_partitions(&instances) {
        let subset = partition.subset.as_ref();
        let listed: i64 = partition.parts.iter().map(|p| count_of(p, subset)).sum();
        let everyone = count_of(&partition.whole, subset);
        if listed != everyone {
            violations.push(format!(
                "its groups hold {listed} of the {everyone} persons{}: a group is missing",
                describe_persons(&partition.whole)
            ));
        }
    }
    Ok(violations)
}

/// Per subset the instances name, the persons of each combination in it: one pass over the
/// population's months, counting a person observed at a month (with the status, when the
/// subset has one) in the subsets of that month: of its `rel_month`, and of its calendar month
/// when the `rel_month` lies in the subset's window.
fn subset_counts(
    instances: &[PopulationInstance],
    input: &MetricInput<'_>,
    combination_of: &[usize],
    combinations: usize,
) -> Result<HashMap<SubsetAt, Vec<i64>>> {
    let mut subsets: Vec<SubsetAt> = Vec::new();
    for subset in instances.iter().filter_map(|i| i.subset.as_ref()) {
        if !subsets.contains(subset) {
            subsets.push(subset.clone());
        }
    }
    if subsets.is_empty() {
        return Ok(HashMap::new());
    }
    let internal = |err: PolarsError| anyhow!("internal: counting the subsets' persons: {err}");
    let months = &input.months;
    let int_column = |name: &str| -> Result<Int32Chunked> {
        let column = months
            .column(name)
            .and_then(|c| c.cast(&DataType::Int32))
            .map_err(internal)?;
        Ok(column.i32().map_err(internal)?.clone())
    };
    let persons = person_index(months).map_err(internal)?;
    let (rel_months, calendar_months) = (int_column("rel_month")?, int_column("month")?);
    // Each subset's status as a value per month row, read once (a curve's subsets meet every row).
    let mut statuses: Vec<(&str, Vec<bool>)> = Vec::new();
    let mut status_of: Vec<Option<usize>> = Vec::new();
    for subset in &subsets {
        status_of.push(match subset.status.as_deref() {
            None => None,
            Some(status) => Some(match statuses.iter().position(|(s, _)| *s == status) {
                Some(k) => k,
                None => {
                    let column = months.column(status).map_err(internal)?;
                    let values = column.bool().map_err(internal)?;
                    statuses.push((status, values.iter().map(|v| v == Some(true)).collect()));
                    statuses.len() - 1
                }
            }),
        });
    }
    let by_rel_month = MonthSlots::new(&subsets, false);
    let by_calendar_month = MonthSlots::new(&subsets, true);
    let mut counts = vec![vec![0i64; combinations]; subsets.len()];
    let rows = persons
        .iter()
        .zip(rel_months.iter())
        .zip(calendar_months.iter());
    for (row, ((person, rel_month), month)) in rows.enumerate() {
        let (Some(person), Some(rel_month)) = (person, rel_month) else {
            continue;
        };
        let id = combination_of[person as usize];
        if id == usize::MAX {
            continue;
        }
        let of_calendar_month = month
            .map_or(&[][..], |month| by_calendar_month.at(month))
            .iter()
            .filter(|&&s| subsets[s].calendar.is_some_and(|w| w.contains(rel_month)));
        for &s in by_rel_month.at(rel_month).iter().chain(of_calendar_month) {
            if status_of[s].is_none_or(|k| statuses[k].1[row]) {
                counts[s][id] += 1;
            }
        }
    }
    Ok(subsets.into_iter().zip(counts).collect())
}

/// The subsets of each month (a `rel_month`, or a calendar month's index), by position from
/// the least: a lookup per month row, not a search.
struct MonthSlots {
    first: i32,
    slots: Vec<Vec<usize>>,
}

impl MonthSlots {
    fn new(subsets: &[SubsetAt], calendar: bool) -> MonthSlots {
        let mine = || {
            subsets
                .iter()
                .enumerate()
                .filter(move |(_, s)| s.calendar.is_some() == calendar)
        };
        let first = mine().map(|(_, s)| s.month).min().unwrap_or(0);
        let last = mine().map(|(_, s)| s.month).max().unwrap_or(-1);
        let mut slots = vec![Vec::new(); (last - first + 1).max(0) as usize];
        for (k, subset) in mine() {
            slots[(subset.month - first) as usize].push(k);
        }
        MonthSlots { first, slots }
    }

    fn at(&self, month: i32) -> &[usize] {
        usize::try_from(month - self.first)
            .ok()
            .and_then(|i| self.slots.get(i))
            .map_or(&[], Vec::as_slice)
    }
}

/// ` with arm = treatment, sex = F`, or nothing for the whole population.
fn describe_persons(persons: &PersonsOf) -> String {
    if persons.is_empty() {
        return String::new();
    }
    let (subsets, columns): (Vec<_>, Vec<_>) = persons.iter().partition(|p| is_subset_pair(p));
    let mut words: Vec<String> = Vec::new();
    if !columns.is_empty() {
        let pairs: Vec<String> = columns.iter().map(|(c, v)| format!("{c} = {v}")).collect();
        words.push(format!(" with {}", pairs.join(", ")));
    }
    words.extend(subsets.iter().map(|(_, subset)| format!(" {subset}")));
    words.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Window;
    use crate::metrics::share_at::DEF;
    use crate::metrics::testing::{input, resolve, tiny_panel};
    use crate::table::Value;

    #[test]
    fn a_declared_identity_that_does_not_hold_is_named() {
        // Tiny: 5 persons in control, 6 in treatment, 11 in all.
        let panel = tiny_panel();
        let input = input(&panel, &["arm"], Window::default());
        let mut table = resolve(&DEF, "at = 3").compute(&input).unwrap();
        assert_eq!(
            population_violations(&table, &input).unwrap(),
            Vec::<String>::new()
        );
        let n = table.column_index("n").unwrap();
        let Value::Int(control) = table.rows[0][n] else {
            panic!("control's n: {:?}", table.rows[0][n]);
        };
        table.rows[0][n] = Value::Int(control + 1);
        assert_eq!(
            population_violations(&table, &input).unwrap(),
            [
                "row 1 (arm=control): n + n_censored = 6, but the population has 5 persons with arm = control",
                "row 1 (arm=control): n = 4, but the population has 3 persons with arm = control, observed at rel_month 3",
            ]
        );
        // The persons in the status at the month: control has 2 with paid hours at 3.
        table.rows[0][n] = Value::Int(control);
        let count = table.column_index("count").unwrap();
        assert_eq!(table.rows[0][count], Value::Int(2));
        table.rows[0][count] = Value::Int(3);
        assert_eq!(
            population_violations(&table, &input).unwrap(),
            ["row 1 (arm=control): count = 3, but the population has 2 persons with arm = control, observed at rel_month 3 with paid_hours"]
        );
        table.rows[0][count] = Value::Int(2);
        // A table that leaves a group out no longer lists all of its population's persons.
        table.rows[0][n] = Value::Int(control);
        table.rows.remove(0);
        assert_eq!(
            population_violations(&table, &input).unwrap(),
            [
                "its groups hold 6 of the 11 persons: a group is missing",
                "its groups hold 5 of the 8 persons observed at rel_month 3: a group is missing",
                "its groups hold 3 of the 5 persons observed at rel_month 3 with paid_hours: a group is missing",
            ]
        );
    }
}
