//! Building a table by construction.

use super::{Chart, Column, Condition, Kind, Part, Relation, Table, Value};

/// A column of a [`TableBuilder`], by position: what shares, means and rows refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Col(usize);

/// Builds a [`Table`] by construction: a share is declared on its count and denominator columns
/// and a mean on its n, by [`Col`], and must rest on count columns (or the build panics, which is
/// a test failure, never a silently unsuppressed column); rows set cells by column and leave the
/// rest `Null`; the linear relations among cells are declared with the columns they relate.
#[derive(Debug, Default)]
pub struct TableBuilder {
    columns: Vec<Column>,
    /// The printed order of the columns (positions in `columns`).
    order: Vec<usize>,
    rows: Vec<Vec<Value>>,
    relations: Vec<Relation>,
    notes: Vec<String>,
    /// Cells (row, column) to hide like a small count ([`Table::sensitive`]).
    sensitive: Vec<(usize, usize)>,
    chart: Option<Chart>,
    parts: Vec<Part>,
}

impl TableBuilder {
    pub fn new() -> TableBuilder {
        TableBuilder::default()
    }

    fn add(&mut self, name: impl Into<String>, kind: Kind) -> Col {
        let name = name.into();
        assert!(
            self.columns.iter().all(|c| c.name != name),
            "column {name} declared twice"
        );
        assert!(self.rows.is_empty(), "column {name} declared after a row");
        self.columns.push(Column { name, kind });
        self.order.push(self.columns.len() - 1);
        Col(self.columns.len() - 1)
    }

    /// Prints `col` here, after the columns declared so far, rather than where it was declared:
    /// for a count that statistics printed before it rest on (which must be declared before
    /// them).
    pub fn place(&mut self, col: Col) {
        assert!(
            self.rows.is_empty(),
            "column {} placed after a row",
            self.columns[col.0].name
        );
        self.order.retain(|&c| c != col.0);
        self.order.push(col.0);
    }

    /// The name of a count column `col` a share or mean rests on; panics on any other.
    fn count_name(&self, col: Col, of: &str) -> String {
        let column = &self.columns[col.0];
        assert!(
            matches!(
                column.kind,
                Kind::Persons | Kind::Number { .. } | Kind::Mean { .. }
            ),
            "{of} rests on {}, which is not a count column",
            column.name
        );
        column.name.clone()
    }

    /// A group column (text; `(all)` in the total row).
    pub fn group(&mut self, name: impl Into<String>) -> Col {
        self.add(name, Kind::Group)
    }

    /// A group column for each of `group_by`, in order.
    pub fn groups(&mut self, group_by: &[String]) -> Vec<Col> {
        group_by.iter().map(|g| self.group(g.as_str())).collect()
    }

    /// A number of persons: suppressed below the threshold.
    pub fn persons(&mut self, name: impl Into<String>) -> Col {
        self.add(name, Kind::Persons)
    }

    /// A share of `numerator` / `denominator`, suppressed with either.
    pub fn share(&mut self, name: impl Into<String>, numerator: Col, denominator: Col) -> Col {
        let name = name.into();
        let kind = Kind::Share {
            numerator: self.count_name(numerator, &name),
            denominator: self.count_name(denominator, &name),
        };
        self.add(name, kind)
    }

    /// A mean (or other statistic) over the persons of `n`, suppressed with it.
    pub fn mean(&mut self, name: impl Into<String>, n: Col, decimals: usize) -> Col {
        let name = name.into();
        let kind = Kind::Mean {
            n: self.count_name(n, &name),
            decimals,
            also: Vec::new(),
        };
        self.add(name, kind)
    }

    /// Declares that the value of `mean` would also bound the count `count` (so it is hidden with
    /// it too): a mean number of spells beside the persons with 2 or more.
    pub fn also_bounds(&mut self, mean: Col, count: Col) {
        let name = self.columns[mean.0].name.clone();
        let count = self.count_name(count, &name);
        match &mut self.columns[mean.0].kind {
            Kind::Mean { also, .. } => also.push(count),
            _ => panic!("{name} is not a mean: only a mean bounds further counts"),
        }
    }

    /// A text column computed from the count in `n` (a traffic light): hidden with it.
    pub fn label(&mut self, name: impl Into<String>, n: Col) -> Col {
        let name = name.into();
        let kind = Kind::Label {
            n: self.count_name(n, &name),
        };
        self.add(name, kind)
    }

    /// A number that is not about persons (an index, a threshold, a test statistic).
    pub fn number(&mut self, name: impl Into<String>, decimals: usize) -> Col {
        self.add(name, Kind::Number { decimals })
    }

    /// Free text.
    pub fn text(&mut self, name: impl Into<String>) -> Col {
        self.add(name, Kind::Text)
    }

    /// A new row, every cell `Null` until set.
    pub fn row(&mut self) -> Row<'_> {
        self.rows.push(vec![Value::Null; self.columns.len()]);
        let row = self.rows.last_mut().expect("a row was just pushed");
        Row { cells: row }
    }

    /// The name of a declared column: for relations, which name columns.
    pub fn name(&self, col: Col) -> String {
        self.columns[col.0].name.clone()
    }

    pub fn relation(&mut self, relation: Relation) {
        self.relations.push(relation);
    }

    /// Marks the last row's `col` to be hidden like a small count (a quantile too close to the
    /// ends of its persons' times).
    pub fn sensitive(&mut self, col: Col) {
        let row = self.rows.len().checked_sub(1).expect("a row to mark");
        self.sensitive.push((row, col.0));
    }

    /// How the report draws the table (checked against the columns when built).
    pub fn chart(&mut self, chart: Chart) {
        self.chart = Some(chart);
    }

    /// Prints the rows whose text columns read as `rows` says (each `(column, text)`) as a table
    /// of their own, named `name`, with `columns`: a long table whose rows differ in kind is
    /// printed as one table per kind ([`Part`]).
    pub fn part(&mut self, name: &str, rows: &[(Col, &str)], columns: &[Col]) {
        let rows = rows
            .iter()
            .map(|&(column, equals)| Condition::Is {
                column: self.name(column),
                equals: equals.into(),
            })
            .collect();
        self.add_part(name, rows, columns);
    }

    /// As [`TableBuilder::part`], for the rows whose `kind` reads anything but `equals`.
    pub fn part_not(&mut self, name: &str, kind: Col, equals: &str, columns: &[Col]) {
        let rows = vec![Condition::IsNot {
            column: self.name(kind),
            equals: equals.into(),
        }];
        self.add_part(name, rows, columns);
    }

    fn add_part(&mut self, name: &str, rows: Vec<Condition>, columns: &[Col]) {
        let columns = columns.iter().map(|&c| self.name(c)).collect();
        self.parts.push(Part {
            name: name.into(),
            rows,
            columns,
        });
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The table, with its columns in printed order. Panics when a relation names a column the
    /// table does not have (a test failure, never a relation silently left unchecked).
    pub fn build(self) -> Table {
        for relation in &self.relations {
            for name in relation.columns() {
                assert!(
                    self.columns.iter().any(|c| &c.name == name),
                    "a relation names no column {name}"
                );
            }
        }
        let order = self.order;
        // Marked cells follow their column to its printed place.
        let sensitive = self
            .sensitive
            .iter()
            .map(|&(r, c)| (r, order.iter().position(|&o| o == c).expect("a column")))
            .collect();
        let in_order = |mut cells: Vec<Value>| -> Vec<Value> {
            order
                .iter()
                .map(|&c| std::mem::replace(&mut cells[c], Value::Null))
                .collect()
        };
        let mut columns: Vec<Option<Column>> = self.columns.into_iter().map(Some).collect();
        let table = Table {
            columns: order
                .iter()
                .map(|&c| columns[c].take().expect("each column once"))
                .collect(),
            rows: self.rows.into_iter().map(in_order).collect(),
            notes: self.notes,
            suppressed: 0,
            sensitive,
            relations: self.relations,
            chart: None,
            parts: self.parts,
        };
        match self.chart {
            Some(chart) => table.with_chart(chart),
            None => table,
        }
    }
}

/// A row being filled.
pub struct Row<'a> {
    cells: &'a mut Vec<Value>,
}

impl Row<'_> {
    pub fn set(&mut self, col: Col, value: Value) -> &mut Self {
        self.cells[col.0] = value;
        self
    }

    pub fn text(&mut self, col: Col, text: impl Into<String>) -> &mut Self {
        self.set(col, Value::Text(text.into()))
    }

    pub fn int(&mut self, col: Col, value: i64) -> &mut Self {
        self.set(col, Value::Int(value))
    }
}
