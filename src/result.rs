//! A query's result as the runner hands it on: the table and the labels that say where it came
//! from. Renderers print it and `check` compares it; neither needs the other to know the type.

use crate::table::Table;

/// One query's result, with what a reader needs to know where it came from.
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub name: String,
    pub title: String,
    pub source: Option<String>,
    pub metric: String,
    pub dataset: String,
    /// Every resolved metric parameter.
    pub params: toml::Table,
    /// The table as released: suppressed when the run suppresses.
    pub table: Table,
    /// The table before suppression, kept only when the run asks for it (`check` compares exact
    /// values, then prints only what the released table shows). Never rendered.
    pub exact: Option<Table>,
    /// Each person's outcome, kept only when the run asks for it (`diff` counts the persons who
    /// change outcome between variants) and the metric has a yes/no one. Never rendered.
    pub outcomes: Option<Outcomes>,
    /// A label shared by the results of one run whose populations are the same persons (spec
    /// `disclosure.md` §3: their tables are one system, which `udfald audit` then audits
    /// together); `None` for a population no other query of the run has.
    pub population: Option<String>,
}

/// A yes/no person-level outcome over a query's population: for each person (by panel index),
/// their group key and whether they are counted (in the numerator of the metric's share).
/// Persons left out of the outcome (censored) are not counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcomes {
    /// What the outcome is, in words ("paid_hours at rel_month 18").
    pub label: String,
    pub persons: Vec<u32>,
    /// Per person, their values of the query's group columns.
    pub groups: Vec<Vec<String>>,
    pub counted: Vec<bool>,
}
