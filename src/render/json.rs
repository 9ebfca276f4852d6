//! JSON for scripts: exact values (shares as proportions, not rounded), suppressed cells as the
//! string "suppressed", every resolved parameter. No timestamps, so identical runs give identical
//! bytes. A long table whose rows differ in kind stays one list of rows (its relations and the
//! audit read it whole), each row holding only its own cells, with `parts` saying which rows and
//! columns make each of the tables the other formats print.

use super::notes;
use crate::provenance::Manifest;
use crate::result::QueryResult;
use crate::table::{Kind, Table, Value};
use serde_json::{json, Map, Value as Json};

/// The object `run --format json` writes for one query.
pub fn result(result: &QueryResult) -> Json {
    let table = &result.table;
    // A long table's row holds only the cells of its parts, not the others' blanks.
    let printed = table.printed_cells();
    let rows: Vec<Json> = table
        .rows
        .iter()
        .zip(&printed)
        .map(|(row, printed)| {
            let mut object = Map::new();
            for ((column, cell), _) in table
                .columns
                .iter()
                .zip(row)
                .zip(printed)
                .filter(|(_, printed)| **printed)
            {
                object.insert(column.name.clone(), value(cell));
            }
            Json::Object(object)
        })
        .collect();
    let mut object = json!({
        "name": result.name,
        "title": result.title,
        "source": result.source,
        "metric": result.metric,
        "dataset": result.dataset,
        "params": serde_json::to_value(&result.params).unwrap_or(Json::Null),
        "columns": table.columns,
        "rows": rows,
        "notes": notes(table),
        "relations": table.relations,
        "suppressed": table.suppressed,
    });
    if !table.parts.is_empty() {
        object["parts"] = json!(table.parts);
    }
    if let Some(population) = &result.population {
        object["population"] = json!(population);
    }
    object
}

fn value(value: &Value) -> Json {
    match value {
        Value::Text(text) => Json::String(text.clone()),
        Value::Int(v) => json!(v),
        Value::Float(v) => json!(v),
        Value::Null => Json::Null,
        Value::Suppressed => Json::String("suppressed".into()),
    }
}

pub fn render(results: &[QueryResult], provenance: &Manifest, release: bool) -> String {
    let results: Vec<Json> = results.iter().map(result).collect();
    // A struct keeps its field order: `release` first, where an output checker looks; the rest
    // in the order they always had (a JSON object's keys sorted, as the manifest's are).
    #[derive(serde::Serialize)]
    struct Document<'a> {
        release: bool,
        provenance: Json,
        results: Vec<Json>,
        udfald: &'a str,
    }
    let document = Document {
        release,
        provenance: serde_json::to_value(provenance).unwrap_or(Json::Null),
        results,
        udfald: env!("CARGO_PKG_VERSION"),
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// `udfald diff --format json` (spec `metrics.md` §5): each variant's keys and its result as
/// `run` writes it, then per pair of variants (`from`, `to`: indices into `variants`) and group
/// the persons who change outcome, then the provenance.
pub fn render_diff(
    variants: &[(Vec<(String, toml::Value)>, &QueryResult)],
    movers: Option<&Table>,
    provenance: &Manifest,
    release: bool,
) -> String {
    let variants: Vec<Json> = variants
        .iter()
        .map(|(vary, r)| {
            let vary: Map<String, Json> = vary
                .iter()
                .map(|(key, v)| (key.clone(), serde_json::to_value(v).unwrap_or(Json::Null)))
                .collect();
            json!({"vary": vary, "result": result(r)})
        })
        .collect();
    let movers: Vec<Json> = movers.map_or_else(Vec::new, |table| {
        let index = |name: &str, row: &[Value]| -> Json {
            table
                .column_index(name)
                .and_then(|c| match &row[c] {
                    Value::Text(t) => t.trim_matches(['[', ']']).parse::<usize>().ok(),
                    _ => None,
                })
                .map_or(Json::Null, |i| json!(i - 1))
        };
        table
            .rows
            .iter()
            .map(|row| {
                let group: Map<String, Json> = table
                    .columns
                    .iter()
                    .zip(row)
                    .filter(|(c, _)| c.kind == Kind::Group)
                    .map(|(c, v)| (c.name.clone(), value(v)))
                    .collect();
                let cell = |name: &str| {
                    table
                        .column_index(name)
                        .map_or(Json::Null, |c| value(&row[c]))
                };
                json!({
                    "from": index("from", row),
                    "to": index("to", row),
                    "group": group,
                    "in": cell("in"),
                    "out": cell("out"),
                })
            })
            .collect()
    });
    #[derive(serde::Serialize)]
    struct Document<'a> {
        release: bool,
        variants: Vec<Json>,
        movers: Vec<Json>,
        provenance: Json,
        udfald: &'a str,
    }
    let document = Document {
        release,
        variants,
        movers,
        provenance: serde_json::to_value(provenance).unwrap_or(Json::Null),
        udfald: env!("CARGO_PKG_VERSION"),
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
