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
}
