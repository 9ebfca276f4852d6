//! The population's persons as plain vectors, for metrics that walk persons in Rust rather than
//! in polars: one typed view ([`Persons`]), their groups with the total ([`Groups`]), and the one
//! reader of cohort text columns ([`cohort_text`]).

use super::MetricInput;
use crate::table::{ALL, MISSING};
use anyhow::{anyhow, bail, Result};
use polars::prelude::*;

/// The persons of a metric's population, row by row of [`MetricInput::persons`].
pub struct Persons {
    /// Each person's index in the panel (the row of `panel.persons`).
    pub ids: Vec<u32>,
    /// The month index of each person's start month.
    pub start_month: Vec<i32>,
    /// The first observed `rel_month` (`None`: never observed).
    pub first_observed: Vec<Option<i32>>,
    /// The last observed `rel_month`, the end of follow-up (`None`: never observed).
    pub followup: Vec<Option<i32>>,
    /// Each person's group, and the groups in print order.
    pub groups: Groups,
}

impl Persons {
    pub fn of(input: &MetricInput<'_>) -> Result<Persons> {
        let frame = &input.persons;
        let failed =
            |err: PolarsError| anyhow!("internal: reading the population's persons: {err}");
        let ints = |name: &str| -> Result<Vec<Option<i32>>> {
            Ok(frame
                .column(name)
                .and_then(|c| c.cast(&DataType::Int32))
                .map_err(failed)?
                .i32()
                .map_err(failed)?
                .iter()
                .collect())
        };
        let ids = frame
            .column("person")
            .and_then(|c| c.cast(&DataType::UInt32))
            .map_err(failed)?
            .u32()
            .map_err(failed)?
            .iter()
            .map(|p| p.ok_or_else(|| anyhow!("internal: a person without an index")))
            .collect::<Result<Vec<u32>>>()?;
        let start_month = ints("start_month")?
            .into_iter()
            .map(|m| m.ok_or_else(|| anyhow!("internal: a person without a start month")))
            .collect::<Result<Vec<i32>>>()?;
        let columns = input
            .group_by
            .iter()
            .map(|g| cohort_text(frame, g, "group_by"))
            .collect::<Result<Vec<_>>>()?;
        let keys: Vec<Vec<String>> = (0..frame.height())
            .map(|row| {
                columns
                    .iter()
                    .map(|c| c[row].clone().unwrap_or_else(|| MISSING.to_string()))
                    .collect()
            })
            .collect();
        Ok(Persons {
            ids,
            start_month,
            first_observed: ints("first_observed_rel_month")?,
            followup: ints("followup_months")?,
            groups: Groups::new(keys, input.group_by.len()),
        })
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// The groups of a population in print order: each group present, sorted by its key, then the
/// total over everyone, whose key reads [`ALL`] in every group column. Without group columns
/// there is only the total, with an empty key.
pub struct Groups {
    keys: Vec<Vec<String>>,
    /// Per person (row), the index of their group in `keys`.
    of_row: Vec<usize>,
}

impl Groups {
    /// The groups of persons whose group keys are `row_keys`, with `width` group columns.
    pub fn new(row_keys: Vec<Vec<String>>, width: usize) -> Groups {
        if width == 0 {
            return Groups {
                keys: vec![Vec::new()],
                of_row: vec![0; row_keys.len()],
            };
        }
        // Sort references, not the keys: a million persons' keys are copied only once per group.
        let mut distinct: Vec<&Vec<String>> = row_keys.iter().collect();
        distinct.sort();
        distinct.dedup();
        let mut keys: Vec<Vec<String>> = distinct.into_iter().cloned().collect();
        let of_row = row_keys
            .iter()
            .map(|k| keys.binary_search(k).expect("every key is among the keys"))
            .collect();
        keys.push(vec![ALL.to_string(); width]);
        Groups { keys, of_row }
    }

    /// The keys, groups first and the total last.
    pub fn keys(&self) -> &[Vec<String>] {
        &self.keys
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// The index of the total.
    pub fn total(&self) -> usize {
        self.keys.len() - 1
    }

    /// The index of the group with `key`, if any person has it.
    pub fn position(&self, key: &[String]) -> Option<usize> {
        self.keys[..self.total()]
            .binary_search_by(|k| k.as_slice().cmp(key))
            .ok()
    }

    /// The index of the group of person `row`.
    pub fn of_row(&self, row: usize) -> usize {
        self.of_row[row]
    }

    /// The groups person `row` counts in: their own and, when that is not it, the total.
    pub fn counted_in(&self, row: usize) -> impl Iterator<Item = usize> {
        let own = self.of_row[row];
        let total = self.total();
        std::iter::once(own).chain((own != total).then_some(total))
    }

    /// The persons (rows) of each group, in the order of [`Groups::keys`]; the total has everyone.
    pub fn members(&self) -> Vec<Vec<usize>> {
        let mut members = vec![Vec::new(); self.keys.len()];
        for (row, &g) in self.of_row.iter().enumerate() {
            if g != self.total() {
                members[g].push(row);
            }
        }
        members[self.total()] = (0..self.of_row.len()).collect();
        members
    }
}

/// A cohort column (or a column derived from it) as text, one cell per row of `frame`: trimmed,
/// and an empty cell is `None`. `key` is the query key that named the column, for the error.
pub fn cohort_text(frame: &DataFrame, name: &str, key: &str) -> Result<Vec<Option<String>>> {
    let Ok(column) = frame.column(name) else {
        bail!(
            "{key}: the cohort has no column \"{name}\" (its columns: {})",
            cohort_columns(frame).join(", ")
        );
    };
    let failed = |err: PolarsError| anyhow!("internal: reading cohort column {name}: {err}");
    let column = column.cast(&DataType::String).map_err(failed)?;
    Ok(column
        .str()
        .map_err(failed)?
        .iter()
        .map(|v| v.map(str::trim).filter(|v| !v.is_empty()).map(String::from))
        .collect())
}

/// The cohort's own columns among `frame`'s: all but those every panel person has.
pub fn cohort_columns(frame: &DataFrame) -> Vec<String> {
    const FIXED: [&str; 8] = [
        "person",
        "person_id",
        "start_date",
        "start_month",
        "start_week",
        "first_observed_rel_month",
        "followup_months",
        "end_date",
    ];
    frame
        .get_column_names()
        .into_iter()
        .map(|c| c.to_string())
        .filter(|c| !FIXED.contains(&c.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(keys: &[&[&str]]) -> Vec<Vec<String>> {
        keys.iter()
            .map(|k| k.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn groups_are_sorted_with_the_total_last() {
        let groups = Groups::new(keys(&[&["b", "x"], &["a", "y"], &["b", "x"]]), 2);
        assert_eq!(
            groups.keys(),
            keys(&[&["a", "y"], &["b", "x"], &[ALL, ALL]])
        );
        assert_eq!(groups.total(), 2);
        assert_eq!(groups.of_row(0), 1);
        assert_eq!(groups.of_row(1), 0);
        assert_eq!(groups.counted_in(2).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(groups.members(), vec![vec![1], vec![0, 2], vec![0, 1, 2]]);
    }

    #[test]
    fn without_group_columns_there_is_only_the_total() {
        let groups = Groups::new(keys(&[&[], &[]]), 0);
        assert_eq!(groups.keys(), keys(&[&[]]));
        assert_eq!(groups.counted_in(1).collect::<Vec<_>>(), vec![0]);
        assert_eq!(groups.members(), vec![vec![0, 1]]);
    }

    #[test]
    fn an_empty_population_has_the_total_alone() {
        let groups = Groups::new(Vec::new(), 1);
        assert_eq!(groups.keys(), keys(&[&[ALL]]));
        assert_eq!(groups.members(), vec![Vec::<usize>::new()]);
    }

    #[test]
    fn cohort_text_trims_and_reads_empty_as_none() {
        let frame = df!(
            "person" => [0u32, 1, 2],
            "region" => [Some(" Odense "), Some(""), None],
        )
        .unwrap();
        assert_eq!(
            cohort_text(&frame, "region", "group_by").unwrap(),
            vec![Some("Odense".to_string()), None, None]
        );
        let err = cohort_text(&frame, "kommune", "by").unwrap_err();
        assert_eq!(
            err.to_string(),
            "by: the cohort has no column \"kommune\" (its columns: region)"
        );
    }
}
