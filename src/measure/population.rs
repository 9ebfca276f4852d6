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
use crate::table::{PersonsOf, Table, MISSING};
use anyhow::{anyhow, Result};
use std::collections::HashMap;

/// The declared population identities of `table` that the persons of `input` contradict, in
/// words (empty: all hold). An instance with a cell that is not a number (a share of nobody)
/// says nothing and is skipped, as the audit skips it.
pub fn population_violations(table: &Table, input: &MetricInput<'_>) -> Result<Vec<String>> {
    let instances = table.population_instances();
    if instances.is_empty() {
        return Ok(Vec::new());
    }
    // The cohort's columns by panel person: an arm need not be a group column.
    let members: Vec<usize> = person_index(&input.persons)
        .map_err(|err| anyhow!("internal: the population's persons: {err}"))?
        .iter()
        .map(|p| p.map(|p| p as usize))
        .collect::<Option<_>>()
        .ok_or_else(|| anyhow!("internal: a person without an index"))?;
    // Every column any instance names, read once; then the persons counted once per distinct
    // combination of their values (few), so that each instance sums a handful of counts rather
    // than walking every person.
    let mut columns: Vec<&String> = instances
        .iter()
        .flat_map(|i| i.persons.iter().map(|(column, _)| column))
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
    let mut combinations: HashMap<Vec<&str>, i64> = HashMap::new();
    for &p in &members {
        let combination: Vec<&str> = values.iter().map(|v| v[p].as_str()).collect();
        *combinations.entry(combination).or_default() += 1;
    }
    // The persons of `of`: the combinations that have its values.
    let count_of = |of: &PersonsOf| -> i64 {
        let wanted: Vec<(usize, &str)> = of
            .iter()
            .map(|(column, value)| {
                let at = columns.binary_search(&column).unwrap_or(0);
                (at, value.as_str())
            })
            .collect();
        combinations
            .iter()
            .filter(|(combination, _)| wanted.iter().all(|&(at, v)| combination[at] == v))
            .map(|(_, count)| count)
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
        let expected = count_of(&instance.persons);
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
    for (whole, parts) in table.population_partitions() {
        let listed: i64 = parts.iter().map(&count_of).sum();
        let everyone = count_of(&whole);
        if listed != everyone {
            violations.push(format!(
                "its groups hold {listed} of the {everyone} persons{}: a group is missing",
                describe_persons(&whole)
            ));
        }
    }
    Ok(violations)
}

/// ` with arm = treatment, sex = F`, or nothing for the whole population.
fn describe_persons(persons: &PersonsOf) -> String {
    if persons.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = persons.iter().map(|(c, v)| format!("{c} = {v}")).collect();
    format!(" with {}", pairs.join(", "))
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
            ["row 1 (arm=control): n + n_censored = 6, but the population has 5 persons with arm = control"]
        );
        // A table that leaves a group out no longer lists all of its population's persons.
        table.rows[0][n] = Value::Int(control);
        table.rows.remove(0);
        assert_eq!(
            population_violations(&table, &input).unwrap(),
            ["its groups hold 6 of the 11 persons: a group is missing"]
        );
    }
}
