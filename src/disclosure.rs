//! Disclosure rules that look across the queries of one run (spec `disclosure.md` §3): two
//! queries on one dataset whose populations differ by a few persons, one nested in the other,
//! publish those persons' outcome as a difference of their tables; and tables of the same
//! persons are one system, so a count one of them hides must not be shown by another.

use crate::error::DataError;
use crate::table::{joint_audit, joint_range, JointRange, Kind, Table, Value, ALL};

/// The populations of a run's queries on one dataset, as sets of panel person indices.
pub struct Populations {
    persons: usize,
    members: Vec<(String, Vec<u64>, usize)>,
}

impl Populations {
    /// For a dataset of `persons` panel persons.
    pub fn new(persons: usize) -> Populations {
        Populations {
            persons,
            members: Vec::new(),
        }
    }

    /// Records the population of query `name`: its persons' panel indices.
    pub fn add(&mut self, name: &str, persons: impl IntoIterator<Item = u32>) {
        let mut bits = vec![0u64; self.persons.div_ceil(64)];
        let mut size = 0;
        for p in persons {
            let (word, bit) = (p as usize / 64, p as usize % 64);
            if bits[word] & (1 << bit) == 0 {
                bits[word] |= 1 << bit;
                size += 1;
            }
        }
        self.members.push((name.to_string(), bits, size));
    }

    /// The name of the `i`-th query added.
    pub fn name(&self, i: usize) -> &str {
        &self.members[i].0
    }

    /// The queries (by the order they were added) in groups of identical populations, each group
    /// of two or more.
    pub fn alike(&self) -> Vec<Vec<usize>> {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, (_, bits, _)) in self.members.iter().enumerate() {
            match groups.iter_mut().find(|g| &self.members[g[0]].1 == bits) {
                Some(group) => group.push(i),
                None => groups.push(vec![i]),
            }
        }
        groups.retain(|g| g.len() > 1);
        groups
    }

    /// Refuses two populations of which one holds the other and 1 to `threshold − 1` persons
    /// more: their tables' difference is those persons' outcome.
    pub fn check(&self, threshold: u64) -> Result<(), DataError> {
        for (i, (big, big_bits, big_size)) in self.members.iter().enumerate() {
            for (small, small_bits, small_size) in &self.members[i + 1..] {
                let (outer, outer_bits, inner, inner_bits, difference) = if big_size >= small_size {
                    (big, big_bits, small, small_bits, big_size - small_size)
                } else {
                    (small, small_bits, big, big_bits, small_size - big_size)
                };
                if difference == 0 || difference as u64 >= threshold {
                    continue;
                }
                let nested = inner_bits
                    .iter()
                    .zip(outer_bits)
                    .all(|(inner, outer)| inner & !outer == 0);
                if nested {
                    return Err(DataError::Usage(format!(
                        "queries {outer} and {inner}: the population of {inner} is that of {outer} less {difference} person(s), fewer than {threshold}: the difference of their tables would publish those persons' outcome (spec disclosure.md §3); widen or narrow one population, or leave one query out of this run"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Refuses a column printed as a group or category (`key` names where the query lists it) whose
/// `distinct` values among the population's `persons` are more than `persons / threshold`
/// (spec `disclosure.md` §4): so fine a column (individual dates, free text) singles persons
/// out, whatever suppression then hides. A binned column (a month, a year, an age band) passes.
pub fn check_fineness(
    key: &str,
    column: &str,
    distinct: usize,
    persons: usize,
    threshold: u64,
) -> Result<(), DataError> {
    if distinct <= 1 || distinct as u64 * threshold <= persons as u64 {
        return Ok(());
    }
    Err(DataError::Usage(format!(
        "{key}: column {column:?} has {distinct} distinct values among the population's {persons} persons, more than {persons} / {threshold}: a column this fine singles persons out (individual dates, free text), so it is never a group or category of released output (spec disclosure.md §4); group by a coarser column (a month, a year, an age band) or leave it out"
    )))
}

/// The released tables of one dataset's queries: `exact` are their tables before suppression,
/// in the order their populations were added to `populations`, and `alike` the sets of them of
/// the same persons ([`Populations::alike`]). Each is suppressed, and those of the same persons
/// together ([`hide_jointly`], whose marks stay on `exact`). An error is a joint system no
/// further hiding protects: a bug, reported, never written.
pub fn release(
    exact: &mut [Table],
    populations: &Populations,
    alike: &[Vec<usize>],
    threshold: u64,
) -> Result<Vec<Table>, String> {
    let mut released: Vec<Option<Table>> = vec![None; exact.len()];
    for alike in alike {
        let mut tables: Vec<Table> = alike.iter().map(|&i| exact[i].clone()).collect();
        let suppressed = hide_jointly(&mut tables, threshold).map_err(|err| {
            let names: Vec<&str> = alike.iter().map(|&i| populations.name(i)).collect();
            format!("queries {}: {err}", names.join(", "))
        })?;
        for ((&i, marked), suppressed) in alike.iter().zip(tables).zip(suppressed) {
            exact[i] = marked;
            released[i] = Some(suppressed);
        }
    }
    Ok(exact
        .iter()
        .zip(released)
        .map(|(table, released)| {
            released.unwrap_or_else(|| {
                let mut table = table.clone();
                table.suppress(threshold);
                table
            })
        })
        .collect())
}

/// Tables of the same persons suppressed as one system: [`hide_alike`], then the joint audit
/// ([`joint_audit`]), which reads the tables together with each group's persons as one unknown
/// they share; while it finds a hidden count narrower than the threshold allows, shown counts
/// that pin that group's persons are marked to be hidden too ([`mark_linked`]), and all is
/// suppressed again. Each round marks a cell more, so this ends.
pub fn hide_jointly(exact: &mut [Table], threshold: u64) -> Result<Vec<Table>, String> {
    loop {
        let released = hide_alike(exact, threshold);
        let narrow = joint_audit(&released, threshold)?;
        let Some(first) = narrow.first() else {
            return Ok(released);
        };
        // One count at a time: a mark that widens one may widen the others.
        if !mark_linked(exact, &released, first, threshold)? {
            return Err(format!(
                "the disclosure audit of the tables of the same persons found table {}'s {} narrowed to {}, with nothing left to hide; nothing was written. This is a bug in udfald's suppression: please report it with the queries",
                first.table + 1,
                released[first.table].describe_cell(first.range.row, first.range.column),
                first.range
            ));
        }
    }
}

/// Marks to be hidden ([`Table::sensitive`]) shown counts through which the persons of
/// `joint`'s groups pin its count. The candidates are those in the count's own row, then in its
/// table, then in the other tables (the one with the fewest first); the first whose hiding
/// alone widens the count enough is marked. When none does, all of the first place that has any
/// are (the next round sees whether that did). False when every such count is hidden or
/// marked.
fn mark_linked(
    exact: &mut [Table],
    released: &[Table],
    joint: &JointRange,
    threshold: u64,
) -> Result<bool, String> {
    let linked = |t: usize, row: Option<usize>| -> Vec<(usize, usize)> {
        let mut cells: Vec<(usize, usize)> = released[t]
            .population_instances()
            .into_iter()
            .filter(|i| joint.persons.contains(&i.persons) && row.is_none_or(|r| i.row == r))
            .flat_map(|i| i.columns.into_iter().map(move |c| (i.row, c)))
            .filter(|&(r, c)| {
                released[t].rows[r][c].as_f64().is_some() && !exact[t].sensitive.contains(&(r, c))
            })
            .collect();
        cells.sort();
        cells.dedup();
        cells
    };
    let own = joint.table;
    let mut others: Vec<(usize, Vec<(usize, usize)>)> = (0..released.len())
        .filter(|&t| t != own)
        .map(|t| (t, linked(t, None)))
        .filter(|(_, cells)| !cells.is_empty())
        .collect();
    others.sort_by_key(|(_, cells)| cells.len());
    let places: Vec<(usize, Vec<(usize, usize)>)> = [
        (own, linked(own, Some(joint.range.row))),
        (own, linked(own, None)),
    ]
    .into_iter()
    .chain(others)
    .filter(|(_, cells)| !cells.is_empty())
    .collect();
    let (row, column) = (joint.range.row, joint.range.column);
    // The own row's counts are among its table's: each is tried once.
    let mut tried: Vec<(usize, (usize, usize))> = Vec::new();
    for (t, cells) in &places {
        for &cell in cells {
            if tried.contains(&(*t, cell)) {
                continue;
            }
            tried.push((*t, cell));
            let mut trial = exact[*t].clone();
            trial.sensitive.push(cell);
            trial.suppress(threshold);
            let mut tables = released.to_vec();
            tables[*t] = trial;
            let widened = joint_range(&tables, own, row, column)?
                .is_none_or(|range| !range.too_narrow(threshold));
            if widened {
                exact[*t].sensitive.push(cell);
                return Ok(true);
            }
        }
    }
    match places.into_iter().next() {
        Some((t, cells)) => {
            exact[t].sensitive.extend(cells);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Tables of the same persons (spec `disclosure.md` §3: "a curve and a share table of the same
/// persons are one system"): where one table hides a count that another shows with the same
/// value, in a row of the same groups and a column of the same name, the other would give it
/// back, so it is marked there to be hidden too ([`Table::sensitive`]), until no table shows what
/// another hides. A row at `(all)` in a grouping is of the same persons as the row of a table
/// without that grouping. `exact` are the tables before suppression; the marks go on them.
/// Returns the tables suppressed with every mark. Matching by name and value may link two counts
/// that only happen to be equal: that hides a cell more, never one less.
pub fn hide_alike(exact: &mut [Table], threshold: u64) -> Vec<Table> {
    loop {
        let released: Vec<Table> = exact
            .iter()
            .map(|table| {
                let mut table = table.clone();
                table.suppress(threshold);
                table
            })
            .collect();
        let mut changed = false;
        for (_, (b, row, column)) in same_counts(exact, &released) {
            if !exact[b].sensitive.contains(&(row, column)) {
                exact[b].sensitive.push((row, column));
                changed = true;
            }
        }
        if !changed {
            return released;
        }
    }
}

/// A cell of one of several tables: (table, row, column).
type TableCell = (usize, usize, usize);

/// Pairs of person counts of two tables of the same persons, the first hidden and the second
/// shown, that a reader would take for the same count: in columns of the same name, in rows of
/// the same groups, and (in the exact tables) of the same value.
fn same_counts(exact: &[Table], released: &[Table]) -> Vec<(TableCell, TableCell)> {
    let mut pairs = Vec::new();
    for (a, hiding) in released.iter().enumerate() {
        for (r, c) in hidden_counts(hiding) {
            let value = &exact[a].rows[r][c];
            // A zero is linked only to a row of exactly the same groups: zeros are common, and
            // tying every table's zeros through their `(all)` rows hides cells no audit can
            // then widen.
            let across_groupings = value.as_f64().is_some_and(|v| v != 0.0);
            let key = group_key(hiding, r, across_groupings);
            let name = &hiding.columns[c].name;
            for (b, showing) in released.iter().enumerate() {
                let Some(col) = showing.column_index(name) else {
                    continue;
                };
                if b == a || showing.columns[col].kind != Kind::Persons {
                    continue;
                }
                for row in 0..showing.rows.len() {
                    if showing.rows[row][col] != Value::Suppressed
                        && exact[b].rows[row][col] == *value
                        && group_key(showing, row, across_groupings) == key
                    {
                        pairs.push(((a, r, c), (b, row, col)));
                    }
                }
            }
        }
    }
    pairs
}

/// The hidden person counts of a released table.
fn hidden_counts(table: &Table) -> Vec<(usize, usize)> {
    (0..table.rows.len())
        .flat_map(|r| (0..table.columns.len()).map(move |c| (r, c)))
        .filter(|&(r, c)| {
            table.columns[c].kind == Kind::Persons && table.rows[r][c] == Value::Suppressed
        })
        .collect()
}

/// A row's groups: each group column's name and value; `across_groupings` leaves out those at
/// `(all)`, so that a row of one table by `arm` and a row of another by `arm` and `municipality`
/// at `(all)` are of the same persons.
fn group_key(table: &Table, row: usize, across_groupings: bool) -> Vec<(&str, &Value)> {
    table
        .columns
        .iter()
        .zip(&table.rows[row])
        .filter(|(column, value)| {
            column.kind == Kind::Group
                && !(across_groupings && matches!(value, Value::Text(text) if text == ALL))
        })
        .map(|(column, value)| (column.name.as_str(), value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn populations(sets: &[(&str, &[u32])]) -> Populations {
        let mut populations = Populations::new(130);
        for (name, persons) in sets {
            populations.add(name, persons.iter().copied());
        }
        populations
    }

    #[test]
    fn a_population_nested_in_another_by_a_few_persons_is_refused() {
        let everyone: Vec<u32> = (0..130).collect();
        let but_two: Vec<u32> = (2..130).collect();
        let err = populations(&[("all", &everyone), ("most", &but_two)])
            .check(5)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "queries all and most: the population of most is that of all less 2 person(s), fewer than 5: the difference of their tables would publish those persons' outcome (spec disclosure.md §3); widen or narrow one population, or leave one query out of this run"
        );
        // In either order.
        let err = populations(&[("most", &but_two), ("all", &everyone)])
            .check(5)
            .unwrap_err();
        assert!(err.to_string().starts_with("queries all and most:"));
    }

    #[test]
    fn equal_far_apart_or_overlapping_populations_pass() {
        let everyone: Vec<u32> = (0..130).collect();
        let but_five: Vec<u32> = (5..130).collect();
        let low: Vec<u32> = (0..64).collect();
        // 66 persons, 2 more than `low` but not holding it: no difference is one group.
        let high: Vec<u32> = (64..130).collect();
        let run = populations(&[
            ("a", &everyone),
            ("b", &everyone),
            ("c", &but_five),
            ("d", &low),
            ("e", &high),
        ]);
        run.check(5).unwrap();
        // a and b are the same persons: their tables are one system.
        assert_eq!(run.alike(), [[0, 1]]);
    }

    /// A table of `n` by `arm`, with the arms adding up to `(all)`.
    fn by_arm(counts: &[(&str, i64)]) -> Table {
        let mut t = crate::table::TableBuilder::new();
        let arm = t.group("arm");
        let n = t.persons("n");
        t.relation(crate::table::Relation::GroupsSumToTotal {
            group: "arm".into(),
            keys: vec![],
            columns: vec!["n".into()],
        });
        for &(group, count) in counts {
            t.row().text(arm, group).int(n, count);
        }
        t.build()
    }

    #[test]
    fn a_count_one_table_hides_is_hidden_in_another_of_the_same_persons() {
        // Table 0 hides a (3) and, so that a is not 13 − 10, b (10). Table 1, of the same
        // persons, shows b = 10 beside other counts: with it, table 0's a is 13 − 10 = 3. So b is
        // hidden in table 1 too (and, by its own relation, the smallest other: a = 12).
        let mut tables = vec![
            by_arm(&[("a", 3), ("b", 10), (crate::table::ALL, 13)]),
            by_arm(&[("a", 12), ("b", 10), (crate::table::ALL, 22)]),
        ];
        hide_alike(&mut tables, 5);
        assert_eq!(tables[0].sensitive, []);
        assert_eq!(tables[1].sensitive, [(1, 1)]);
        let mut released = tables[1].clone();
        released.suppress(5);
        let shown: Vec<String> = released
            .rows
            .iter()
            .map(|row| released.format(1, &row[1]))
            .collect();
        assert_eq!(shown, [".", ".", "22"]);
    }

    #[test]
    fn a_row_at_all_in_another_grouping_is_the_same_count() {
        // Table 1 is by arm and region, its rows at region (all): its b is table 0's b, hidden
        // there, so it is marked to be hidden here too. Its a (4) is not table 0's a (3).
        let mut t = crate::table::TableBuilder::new();
        let arm = t.group("arm");
        let region = t.group("region");
        let n = t.persons("n");
        for (group, count) in [("a", 4), ("b", 10)] {
            t.row()
                .text(arm, group)
                .text(region, crate::table::ALL)
                .int(n, count);
        }
        let exact = vec![
            by_arm(&[("a", 3), ("b", 10), (crate::table::ALL, 13)]),
            t.build(),
        ];
        let mut released = exact.clone();
        for (r, c) in [(0, 1), (1, 1)] {
            released[0].rows[r][c] = Value::Suppressed;
        }
        assert_eq!(same_counts(&exact, &released), [((0, 1, 1), (1, 1, 2))]);
    }

    /// A table by arm of person counts `columns`, which add up to each arm's persons and, over
    /// the arms, to `(all)`.
    fn persons_by_arm(columns: &[&str], rows: &[(&str, &[i64])]) -> Table {
        let mut t = crate::table::TableBuilder::new();
        let arm = t.group("arm");
        let cols: Vec<_> = columns.iter().map(|&c| t.persons(c)).collect();
        let names: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        t.relation(crate::table::Relation::GroupsSumToTotal {
            group: "arm".into(),
            keys: vec![],
            columns: names.clone(),
        });
        t.relation(crate::table::Relation::Population {
            columns: names,
            rows: None,
            arm: None,
            subset: None,
        });
        for &(group, values) in rows {
            let mut row = t.row();
            row.text(arm, group);
            for (&col, &value) in cols.iter().zip(values) {
                row.int(col, value);
            }
        }
        t.build()
    }

    #[test]
    fn tables_of_the_same_persons_are_suppressed_until_read_together_they_hide_enough() {
        // Alone, the share table hides control's n_censored (2) and, so that it is not 22 − 20,
        // treatment's: each passes its own audit. But the characteristics table shows each
        // arm's persons, and n + n_censored is those persons: 50 − 48 = 2. Suppressed together,
        // the share table hides the n beside the small count as well.
        let mut exact = vec![
            persons_by_arm(
                &["n", "n_censored"],
                &[
                    ("control", &[48, 2]),
                    ("treatment", &[30, 20]),
                    (ALL, &[78, 22]),
                ],
            ),
            persons_by_arm(
                &["n"],
                &[("control", &[50]), ("treatment", &[50]), (ALL, &[100])],
            ),
        ];
        let alone: Vec<Table> = exact
            .iter()
            .map(|t| {
                let mut t = t.clone();
                t.suppress(5);
                t
            })
            .collect();
        assert_eq!(
            joint_audit(&alone, 5).unwrap()[0].range.to_string(),
            "exactly 2"
        );
        let released = hide_jointly(&mut exact, 5).unwrap();
        assert!(joint_audit(&released, 5).unwrap().is_empty());
        for table in &released {
            assert!(table.audit().unwrap().iter().all(|r| !r.too_narrow(5)));
        }
        let shown = |t: usize| -> Vec<String> {
            released[t]
                .rows
                .iter()
                .flat_map(|row| (1..row.len()).map(|c| released[t].format(c, &row[c])))
                .collect()
        };
        assert_eq!(shown(0), [".", ".", ".", ".", "78", "22"]);
        assert_eq!(shown(1), ["50", "50", "100"]);
        // Marked: control's n, beside its hidden n_censored, the one count whose hiding widens
        // it; suppression hides treatment's with it, or the arms' n would give it back.
        assert_eq!(exact[0].sensitive, [(0, 1)]);
    }
}
