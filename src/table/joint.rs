//! The audit of several tables of the same persons as one system (spec `disclosure.md` §3: "a
//! curve and a share table of the same persons are one system"). Each table declares, by
//! [`Relation::Population`], which of its counts add up to the persons of a group: a number no
//! table need print, but the same in all of them. A reader who holds every table of a run knows
//! it is one number, so a count hidden in one table may be given back by the counts another
//! shows beside the same group (`describe`'s n of a group against `share_at`'s n and
//! n_censored). Here each such group's persons are one unknown shared by the tables, beside
//! each table's own hidden cells and constraints (`Table::reader_constraints`), and a hidden
//! count whose system reaches another table through one is audited again over all of them.
//!
//! [`Relation::Population`]: super::Relation::Population

use super::audit::{extreme, whole_range, Bound, Constraint, HiddenRange, Unsolved};
use super::relations::PersonsOf;
use super::{Kind, Table, Value};
use std::collections::{BTreeMap, BTreeSet};

/// An unknown of the tables' joint system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Unknown {
    /// A hidden cell: (table, row, column).
    Cell(usize, usize, usize),
    /// The persons of a group (an index into the groups met).
    Persons(usize),
}

/// A hidden count the joint system narrows further than its own table does: too narrow, with
/// the groups whose persons link it to the other tables.
#[derive(Debug, Clone, PartialEq)]
pub struct JointRange {
    pub table: usize,
    pub range: HiddenRange,
    /// The groups (as [`PersonsOf`]) in the count's system.
    pub persons: Vec<PersonsOf>,
}

/// The tables of the same persons as one linear system: every table's constraints on its
/// hidden cells, and the groups' persons they share, split into the systems unknowns linked by
/// constraints form.
struct Joint<'t> {
    tables: &'t [Table],
    /// Each group met, by the index of the unknown of its persons.
    groups: Vec<PersonsOf>,
    /// Each constraint with the table that declares it.
    constraints: Vec<(usize, Constraint<Unknown>)>,
    /// Each constraint's system (its root unknown).
    roots: Vec<Unknown>,
    systems: UnionFind,
    /// The tables with a constraint in each system.
    tables_of: BTreeMap<Unknown, Vec<usize>>,
}

impl<'t> Joint<'t> {
    fn new(tables: &'t [Table]) -> Joint<'t> {
        let mut groups: BTreeMap<PersonsOf, usize> = BTreeMap::new();
        let mut group = |key: &PersonsOf| {
            let next = groups.len();
            *groups.entry(key.clone()).or_insert(next)
        };
        let mut constraints: Vec<(usize, Constraint<Unknown>)> = Vec::new();
        // The (subset, outer) pairs of groups already constrained.
        let mut nested: BTreeSet<(usize, usize)> = BTreeSet::new();
        for (t, table) in tables.iter().enumerate() {
            for constraint in table.reader_constraints() {
                constraints.push((
                    t,
                    Constraint {
                        terms: constraint
                            .terms
                            .iter()
                            .map(|&((r, c), k)| (Unknown::Cell(t, r, c), k))
                            .collect(),
                        low: constraint.low,
                        high: constraint.high,
                    },
                ));
            }
            let instances = table.population_instances();
            for instance in &instances {
                let persons = group(&instance.persons);
                // A subset's persons are among its group's (and, in a status at a month, among
                // those observed then): a reader knows that without any table.
                for outer in &instance.within {
                    let outer = group(outer);
                    if !nested.insert((persons, outer)) {
                        continue;
                    }
                    constraints.push((
                        t,
                        Constraint {
                            terms: vec![
                                (Unknown::Persons(persons), 1.0),
                                (Unknown::Persons(outer), -1.0),
                            ],
                            low: f64::NEG_INFINITY,
                            high: 0.0,
                        },
                    ));
                }
                // The shown cells move to the right-hand side; a cell that is no number (a share
                // of nobody) leaves the instance out, as `Table::fold_shown` does.
                let mut terms = vec![(Unknown::Persons(persons), -1.0)];
                let mut shown = 0.0;
                let mut usable = true;
                for &c in &instance.columns {
                    match &table.rows[instance.row][c] {
                        Value::Suppressed => terms.push((Unknown::Cell(t, instance.row, c), 1.0)),
                        value => match value.as_f64() {
                            Some(v) => shown += v,
                            None => usable = false,
                        },
                    }
                }
                if usable {
                    constraints.push((
                        t,
                        Constraint {
                            terms,
                            low: -shown,
                            high: -shown,
                        },
                    ));
                }
            }
            for partition in table.population_partitions(&instances) {
                let mut terms = vec![(Unknown::Persons(group(&partition.whole)), -1.0)];
                for part in &partition.parts {
                    terms.push((Unknown::Persons(group(part)), 1.0));
                }
                constraints.push((
                    t,
                    Constraint {
                        terms,
                        low: 0.0,
                        high: 0.0,
                    },
                ));
            }
        }
        // Systems: unknowns linked by constraints; only those that reach a second table through a
        // group's persons are new.
        let mut systems = UnionFind::default();
        for (_, constraint) in &constraints {
            systems.join(&constraint.terms);
        }
        let roots: Vec<Unknown> = constraints
            .iter()
            .map(|(_, constraint)| systems.root(constraint.terms[0].0))
            .collect();
        let mut tables_of: BTreeMap<Unknown, Vec<usize>> = BTreeMap::new();
        for ((t, _), root) in constraints.iter().zip(&roots) {
            let seen = tables_of.entry(*root).or_default();
            if !seen.contains(t) {
                seen.push(*t);
            }
        }
        let mut names = vec![PersonsOf::new(); groups.len()];
        for (key, index) in groups {
            names[index] = key;
        }
        Joint {
            tables,
            groups: names,
            constraints,
            roots,
            systems,
            tables_of,
        }
    }

    /// The system of hidden count (t, r, c), by its root; `None` when it stays within its own
    /// table (that table's own audit reads it).
    fn system(&mut self, t: usize, r: usize, c: usize) -> Option<Unknown> {
        let root = self.systems.root(Unknown::Cell(t, r, c));
        (self.tables_of.get(&root)?.len() >= 2).then_some(root)
    }

    /// The constraints of the system with root `root`.
    fn members(&self, root: Unknown) -> Vec<&Constraint<Unknown>> {
        self.constraints
            .iter()
            .zip(&self.roots)
            .filter(|(_, r)| **r == root)
            .map(|((_, constraint), _)| constraint)
            .collect()
    }

    /// The range of hidden count (t, r, c) with every table read together; `None` when its
    /// system stays within its own table. An error is a system no values satisfy, or a solver
    /// failure: both bugs.
    fn range(&mut self, t: usize, r: usize, c: usize) -> Result<Option<HiddenRange>, String> {
        let Some(root) = self.system(t, r, c) else {
            return Ok(None);
        };
        let (tables, members) = (self.tables, self.members(root));
        let target = Unknown::Cell(t, r, c);
        let bound = |v: Unknown| match v {
            Unknown::Cell(t, _, c) => Bound::of(&tables[t].columns[c].kind),
            Unknown::Persons(_) => Bound::Count,
        };
        let table = &tables[t];
        let solve = |greatest| {
            extreme(&members, target, greatest, bound).map_err(|unsolved| match unsolved {
                Unsolved::Infeasible => format!(
                    "{}: no values of the hidden cells agree with the shown ones of the tables of the same persons",
                    table.describe_cell(r, c)
                ),
                Unsolved::Failed(why) => why,
            })
        };
        let (low, high) = whole_range(solve(false)?, solve(true)?);
        Ok(Some(HiddenRange {
            row: r,
            column: c,
            low,
            high,
        }))
    }

    /// The groups whose persons are in the system of hidden count (t, r, c).
    fn groups_of(&mut self, t: usize, r: usize, c: usize) -> Vec<PersonsOf> {
        let Some(root) = self.system(t, r, c) else {
            return Vec::new();
        };
        let mut persons: Vec<PersonsOf> = self
            .members(root)
            .iter()
            .flat_map(|constraint| &constraint.terms)
            .filter_map(|&(v, _)| match v {
                Unknown::Persons(g) => Some(self.groups[g].clone()),
                Unknown::Cell(..) => None,
            })
            .collect();
        persons.sort();
        persons.dedup();
        persons
    }
}

/// The hidden counts of `tables` (released, all of the same persons) whose range, with every
/// table read together, spans fewer than `threshold − 1` values. Counts whose system stays
/// within one table are that table's own audit's: they are not solved again. An error is a
/// system no values satisfy, or a solver failure: both bugs.
pub fn joint_audit(tables: &[Table], threshold: u64) -> Result<Vec<JointRange>, String> {
    let mut joint = Joint::new(tables);
    let mut narrow = Vec::new();
    for (t, table) in tables.iter().enumerate() {
        for r in 0..table.rows.len() {
            for c in 0..table.columns.len() {
                if table.columns[c].kind != Kind::Persons || table.rows[r][c] != Value::Suppressed {
                    continue;
                }
                if let Some(range) = joint.range(t, r, c)? {
                    if range.too_narrow(threshold) {
                        narrow.push(JointRange {
                            table: t,
                            range,
                            persons: joint.groups_of(t, r, c),
                        });
                    }
                }
            }
        }
    }
    Ok(narrow)
}

/// The range of hidden count (row, column) of table `t` with every table read together; `None`
/// when no other table reaches it. Errors as [`joint_audit`]'s.
pub fn joint_range(
    tables: &[Table],
    t: usize,
    row: usize,
    column: usize,
) -> Result<Option<HiddenRange>, String> {
    Joint::new(tables).range(t, row, column)
}

/// Union–find over unknowns.
#[derive(Default)]
struct UnionFind {
    parent: BTreeMap<Unknown, Unknown>,
}

impl UnionFind {
    fn root(&mut self, v: Unknown) -> Unknown {
        let mut v = v;
        while let Some(&parent) = self.parent.get(&v) {
            if parent == v {
                break;
            }
            v = parent;
        }
        v
    }

    fn join(&mut self, terms: &[(Unknown, f64)]) {
        let first = self.root(terms[0].0);
        self.parent.entry(first).or_insert(first);
        for &(v, _) in &terms[1..] {
            let root = self.root(v);
            if root != first {
                self.parent.insert(root, first);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Relation, TableBuilder, ALL};

    /// A table by arm of `columns` (person counts) whose sum is each arm's persons, with the
    /// arms adding up to `(all)`; `rows` are (arm, values), `None` for a hidden cell.
    fn by_arm(columns: &[&str], rows: &[(&str, &[Option<i64>])]) -> Table {
        by_arm_declaring(columns, rows, true)
    }

    /// [`by_arm`], declaring that the arms add up to `(all)` only when `sums`.
    fn by_arm_declaring(columns: &[&str], rows: &[(&str, &[Option<i64>])], sums: bool) -> Table {
        let mut t = TableBuilder::new();
        let arm = t.group("arm");
        let cols: Vec<_> = columns.iter().map(|&c| t.persons(c)).collect();
        for &(group, values) in rows {
            let mut row = t.row();
            row.text(arm, group);
            for (&col, value) in cols.iter().zip(values) {
                row.int(col, value.unwrap_or(0));
            }
        }
        if sums {
            t.relation(Relation::GroupsSumToTotal {
                group: "arm".into(),
                keys: vec![],
                columns: columns.iter().map(|c| c.to_string()).collect(),
            });
        }
        t.relation(Relation::Population {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: None,
            arm: None,
            subset: None,
        });
        let mut table = t.build();
        for (r, &(_, values)) in rows.iter().enumerate() {
            for (c, value) in values.iter().enumerate() {
                if value.is_none() {
                    table.rows[r][c + 1] = Value::Suppressed;
                }
            }
        }
        table
    }

    #[test]
    fn a_count_hidden_in_one_table_is_given_back_by_the_persons_another_shows() {
        // Alone, control's n_censored (2) ranges over 0..=22 (the total less treatment's, which
        // is hidden too). The characteristics table shows control's 50 persons: with n = 48
        // shown, n_censored is 50 − 48 = 2 exactly; treatment's is 50 − 30 = 20.
        let shares = by_arm(
            &["n", "n_censored"],
            &[
                ("control", &[Some(48), None]),
                ("treatment", &[Some(30), None]),
                (ALL, &[Some(78), Some(22)]),
            ],
        );
        let alone = shares.audit().unwrap();
        assert_eq!(
            alone.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["0–22", "0–22"]
        );
        let persons = by_arm(
            &["n"],
            &[
                ("control", &[Some(50)]),
                ("treatment", &[Some(50)]),
                (ALL, &[Some(100)]),
            ],
        );
        let narrow = joint_audit(&[shares.clone(), persons.clone()], 5).unwrap();
        let found: Vec<(usize, String, String)> = narrow
            .iter()
            .map(|j| {
                (
                    j.table,
                    shares.describe_cell(j.range.row, j.range.column),
                    j.range.to_string(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    0,
                    "row 1 (arm=control), column n_censored".to_string(),
                    "exactly 2".to_string()
                ),
                (
                    0,
                    "row 2 (arm=treatment), column n_censored".to_string(),
                    "exactly 20".to_string()
                ),
            ]
        );
        // Its system reaches every group's persons: through the arms adding up.
        let arm = |v: &str| vec![("arm".to_string(), v.to_string())];
        assert_eq!(
            narrow[0].persons,
            [vec![], arm("control"), arm("treatment")]
        );
        // With both arms' persons hidden too, control's are 48 to 70 (the total's 100 less
        // treatment's 30 or more), and its n_censored as wide as the table alone says.
        let mut hidden = persons.clone();
        for r in [0, 1] {
            hidden.rows[r][1] = Value::Suppressed;
        }
        assert!(joint_audit(&[shares, hidden], 5).unwrap().is_empty());
    }

    /// Those in paid_hours at rel_month 12.
    fn paid_at_12() -> crate::table::Subset {
        crate::table::Subset {
            rel_month: crate::table::MonthOf::Fixed(12),
            calendar: None,
            status: Some("paid_hours".into()),
            definition: Some("hours >= 1".into()),
            followup: None,
        }
    }

    #[test]
    fn counts_of_one_subset_in_two_tables_are_one_number() {
        // A share at month 12 by arm shows the total's count (9) and hides the arms' (3 and 6);
        // an effect at month 12 shows the treatment arm's count (6). Both are the persons in
        // paid_hours at month 12, of an arm: control's is 9 − 6 = 3.
        let mut shares = by_arm(
            &["count"],
            &[
                ("control", &[None]),
                ("treatment", &[None]),
                (ALL, &[Some(9)]),
            ],
        );
        shares
            .relations
            .retain(|r| !matches!(r, Relation::Population { .. }));
        shares.relations.push(Relation::Population {
            columns: vec!["count".into()],
            rows: None,
            arm: None,
            subset: Some(paid_at_12()),
        });
        let mut t = TableBuilder::new();
        let treated = t.persons("count_treatment");
        let control = t.persons("count_control");
        t.row().int(treated, 6).int(control, 3);
        for (column, arm) in [
            ("count_treatment", "treatment"),
            ("count_control", "control"),
        ] {
            t.relation(Relation::Population {
                columns: vec![column.into()],
                rows: None,
                arm: Some(crate::table::CellIs {
                    column: "arm".into(),
                    value: arm.into(),
                }),
                subset: Some(paid_at_12()),
            });
        }
        let mut effect = t.build();
        effect.rows[0][1] = Value::Suppressed;
        let narrow = joint_audit(&[shares.clone(), effect.clone()], 5).unwrap();
        let found: Vec<(usize, usize, String)> = narrow
            .iter()
            .map(|j| (j.table, j.range.row, j.range.to_string()))
            .collect();
        assert_eq!(
            found,
            [
                (0, 0, "exactly 3".into()),
                (0, 1, "exactly 6".into()),
                (1, 0, "exactly 3".into())
            ]
        );
        // The subset's persons are among the arm's: its group appears in the system.
        let key = |arm: &str| {
            let mut key = vec![("arm".to_string(), arm.to_string())];
            key.push((
                " subset".into(),
                "observed at rel_month 12 with paid_hours (hours >= 1)".into(),
            ));
            key.sort();
            key
        };
        assert!(narrow[0].persons.contains(&key("control")));
        assert!(narrow[0]
            .persons
            .contains(&vec![("arm".into(), "control".into())]));
        // Another status, or another month, is other persons: nothing links.
        for other in [
            crate::table::Subset {
                status: Some("employment".into()),
                ..paid_at_12()
            },
            crate::table::Subset {
                rel_month: crate::table::MonthOf::Fixed(6),
                ..paid_at_12()
            },
        ] {
            let mut apart = effect.clone();
            for relation in &mut apart.relations {
                if let Relation::Population { subset, .. } = relation {
                    *subset = Some(other.clone());
                }
            }
            assert!(joint_audit(&[shares.clone(), apart], 5).unwrap().is_empty());
        }
        // Read together with the effect's count hidden too, the share's range is 0 to 9.
        let mut hidden = effect;
        hidden.rows[0][0] = Value::Suppressed;
        assert!(joint_audit(&[shares, hidden], 5).unwrap().is_empty());
    }

    #[test]
    fn a_best_month_is_the_curve_row_of_that_calendar_month() {
        // A requirement's best month (text) and a curve's month column name the same persons
        // observed in 2021-03, counting rel_month 0..24; a rel_month 3 would be others.
        let subset = |column: &str| crate::table::Subset {
            rel_month: crate::table::MonthOf::Column(column.into()),
            calendar: Some(crate::table::RelWindow {
                from: 0,
                to: Some(24),
            }),
            ..paid_at_12()
        };
        let table = |month: &str, months: &[&str]| {
            let mut t = TableBuilder::new();
            let label = t.text(month);
            let n = t.persons("n");
            for &m in months {
                t.row().text(label, m).int(n, 10);
            }
            t.relation(Relation::Population {
                columns: vec!["n".into()],
                rows: None,
                arm: None,
                subset: Some(subset(month)),
            });
            t.build()
        };
        let keys = |table: &Table| -> Vec<PersonsOf> {
            table
                .population_instances()
                .into_iter()
                .map(|i| i.persons)
                .collect()
        };
        let requirement = table("best_month", &["2021-03", ""]);
        let curve = table("month", &["2021-02", "2021-03"]);
        let found = keys(&requirement);
        assert_eq!(
            found,
            [vec![(
                " subset".to_string(),
                "observed in calendar month 2021-03 (counting rel_month 0..24) with paid_hours (hours >= 1)"
                    .to_string()
            )]]
        );
        assert_eq!(keys(&curve)[1], found[0]);
        assert_ne!(keys(&curve)[0], found[0]);
    }

    #[test]
    fn the_groups_persons_add_up_to_the_total() {
        // The second table shows only the total's persons (100) and treatment's (50), and
        // declares no sum of its cells: a reader still knows control's are the other 50, since
        // a table lists every group.
        let shares = by_arm(
            &["n", "n_censored"],
            &[
                ("control", &[Some(48), None]),
                ("treatment", &[Some(30), Some(20)]),
                (ALL, &[Some(78), None]),
            ],
        );
        let persons = by_arm_declaring(
            &["n"],
            &[
                ("control", &[None]),
                ("treatment", &[Some(50)]),
                (ALL, &[Some(100)]),
            ],
            false,
        );
        assert_eq!(persons.audit().unwrap()[0].to_string(), "0 or more");
        let narrow = joint_audit(&[shares, persons], 5).unwrap();
        assert_eq!(
            narrow
                .iter()
                .map(|j| (j.table, j.range.row, j.range.to_string()))
                .collect::<Vec<_>>(),
            [
                (0, 0, "exactly 2".into()),
                (0, 2, "exactly 22".into()),
                (1, 0, "exactly 50".into())
            ]
        );
    }
}
