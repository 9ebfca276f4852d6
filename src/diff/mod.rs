//! One figure under several definitions (spec `metrics.md` §5): a query's variants, each the
//! query with some resolved keys set to other values (`--vary KEY=V1,V2`, a cross product) or
//! two queries of one metric; their figures side by side with the differences from the first
//! ([`side_by_side`]), and the persons who change outcome between them ([`movers`]).
//!
//! A variant is a query like any other: the query file's TOML with the keys set, parsed and
//! checked by `Query::parse`, so every rule a query obeys (and every error it gets) holds for
//! each variant, and a variant's figures are exactly those of a plain `run` of the edited query.
//! The variants run as the queries of one run, so disclosure control sees them together:
//! populations a few persons apart are refused, and tables of the same persons hide alike.

pub mod movers;
pub mod side_by_side;

use crate::error::DataError;
use crate::query::Query;
use std::path::Path;

/// One `--vary KEY=V1,V2,...`.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    pub key: String,
    pub values: Vec<toml::Value>,
}

impl std::str::FromStr for Vary {
    type Err = String;

    /// `KEY=V1,V2,...`: each value read as TOML (`4`, `true`, `"text"`, `["a", "b"]`), or else
    /// as text (`employment`), so a value needs quotes only when it holds a comma.
    fn from_str(text: &str) -> Result<Vary, String> {
        let (key, values) = text.split_once('=').ok_or_else(|| {
            format!("{text:?}: expected KEY=V1,V2,... (e.g. params.status=employment,paid_hours)")
        })?;
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("{text:?}: no key before ="));
        }
        let values: Vec<toml::Value> = split_values(values)
            .iter()
            .map(|v| value(v.trim()))
            .collect();
        if values.iter().any(|v| v.as_str() == Some("")) {
            return Err(format!("{text:?}: an empty value"));
        }
        Ok(Vary {
            key: key.to_string(),
            values,
        })
    }
}

/// The values of `V1,V2,...`, split at commas outside brackets and quotes.
fn split_values(text: &str) -> Vec<String> {
    let (mut values, mut current) = (Vec::new(), String::new());
    let (mut depth, mut quoted) = (0i32, None::<char>);
    for c in text.chars() {
        match (c, quoted) {
            ('"' | '\'', None) => quoted = Some(c),
            (q, Some(open)) if q == open => quoted = None,
            ('[', None) => depth += 1,
            (']', None) => depth -= 1,
            (',', None) if depth == 0 => {
                values.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    values.push(current);
    values
}

/// A value as TOML, or as text when it does not read as TOML.
fn value(text: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut table| table.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}

/// A value as `explain` and the variants' labels print it.
pub fn shown(value: &toml::Value) -> String {
    value.to_string()
}

/// One variant: the keys set, and the query they make.
pub struct Variant {
    pub vary: Vec<(String, toml::Value)>,
    pub query: Query,
}

impl Variant {
    /// `KEY = V, KEY = V` (or "as written" for a query run as it is).
    pub fn label(&self) -> String {
        label(&self.vary)
    }
}

/// The keys of a variant as its label says them.
pub fn label(set: &[(String, toml::Value)]) -> String {
    if set.is_empty() {
        return "as written".into();
    }
    set.iter()
        .map(|(key, value)| format!("{key} = {}", shown(value)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every resolved key of a query, as `KEY` (the query file's dotted path) and its value: what
/// `explain` prints and `--vary` may set. `group_by` is not among them: variants grouped
/// differently have no rows to set side by side.
pub fn resolved_keys(query: &Query) -> Vec<(String, toml::Value)> {
    let mut keys: Vec<(String, toml::Value)> = query
        .metric
        .resolved()
        .into_iter()
        .map(|(key, value)| (format!("params.{key}"), value))
        .collect();
    if query.metric_def.followup_end {
        keys.push((
            "params.followup_end".into(),
            toml::Value::String(query.followup_end.as_str().into()),
        ));
    }
    let statuses = query.definitions.resolve();
    keys.push((
        "definitions.min_hours".into(),
        toml::Value::Float(statuses.min_hours),
    ));
    keys.push((
        "definitions.min_weeks_without_benefit".into(),
        toml::Value::Integer(i64::from(statuses.min_weeks_without_benefit)),
    ));
    let window = &query.window;
    let int = |v: Option<i32>| v.map(|v| toml::Value::Integer(i64::from(v)));
    let text = |v: &Option<String>| v.clone().map(toml::Value::String);
    for (key, value) in [
        ("window.from", int(window.from)),
        ("window.to", int(window.to)),
        ("window.from_month", text(&window.from_month)),
        ("window.to_month", text(&window.to_month)),
    ] {
        keys.push((
            key.into(),
            value.unwrap_or(toml::Value::String(String::new())),
        ));
    }
    for filter in &query.population {
        keys.push((
            format!("population.{}", filter.column),
            toml::Value::Array(
                filter
                    .values
                    .iter()
                    .map(|v| toml::Value::String(v.clone()))
                    .collect(),
            ),
        ));
    }
    if let Some(at_start) = &query.at_start {
        keys.push((
            "population.at_start".into(),
            toml::Value::String(at_start.text.clone()),
        ));
    }
    for status in &query.statuses {
        keys.push((
            format!("statuses.{}", status.name),
            toml::Value::String(status.text.clone()),
        ));
    }
    keys
}

fn usage(path: &Path, message: impl std::fmt::Display) -> anyhow::Error {
    DataError::Usage(format!("{}: {message}", path.display())).into()
}

/// Whether `--vary` may set `key` to `value` on `query`: a resolved key, a window key or
/// `params.followup_end` the metric reads, a population column, a status definition, or a
/// parameter of the metric that is unset (`at`), which `explain` cannot print.
fn settable(query: &Query, key: &str, value: &toml::Value) -> bool {
    resolved_keys(query).iter().any(|(k, _)| k == key)
        || key.starts_with("population.")
        || key.starts_with("statuses.")
        || key.strip_prefix("params.").is_some_and(|name| {
            // Alone, the key can only be refused as unknown or for its value's type; a bad
            // value is named later, by the variant's own check.
            let one = toml::Table::from_iter([(name.to_string(), value.clone())]);
            match (query.metric_def.resolve)(&one) {
                Ok(_) => true,
                Err(err) => !err.contains("unknown field"),
            }
        })
}

/// The variants of `query` (read from `path`, text `text`), one per combination of the values of
/// `varies`, in order: the first key's values change slowest.
pub fn vary(path: &Path, text: &str, varies: &[Vary]) -> anyhow::Result<Vec<Variant>> {
    let query = Query::parse(path, text)?;
    let mut document: toml::Table =
        toml::from_str(text).map_err(|err| usage(path, err.to_string().trim_end()))?;
    for (index, vary) in varies.iter().enumerate() {
        if vary.key == "group_by" || vary.key == "metric" || vary.key == "dataset" {
            return Err(usage(
                path,
                format!(
                    "--vary {}: not a definition; the variants are one query's figures under other definitions (group_by, metric and dataset stay)",
                    vary.key
                ),
            ));
        }
        if !settable(&query, &vary.key, &vary.values[0]) {
            let keys: Vec<String> = resolved_keys(&query).into_iter().map(|(k, _)| k).collect();
            return Err(usage(
                path,
                format!(
                    "--vary {}: query {} has no such key; the keys explain prints: {}, population.<column>, statuses.<name>",
                    vary.key,
                    query.name,
                    keys.join(", ")
                ),
            ));
        }
        if varies[..index].iter().any(|v| v.key == vary.key) {
            return Err(usage(
                path,
                format!("--vary {}: the key is varied twice", vary.key),
            ));
        }
    }
    let mut combinations: Vec<Vec<(String, toml::Value)>> = vec![Vec::new()];
    for vary in varies {
        combinations = combinations
            .into_iter()
            .flat_map(|set| {
                vary.values.iter().map(move |value| {
                    let mut set = set.clone();
                    set.push((vary.key.clone(), value.clone()));
                    set
                })
            })
            .collect();
    }
    // The TOML of a key `a.b` is `[a] b = ...`: the document's table `a`, made if missing.
    document.remove("expect");
    let mut variants = Vec::new();
    for set in combinations {
        let mut edited = document.clone();
        for (key, value) in &set {
            let mut table = &mut edited;
            let mut parts: Vec<&str> = key.split('.').collect();
            let last = parts.pop().unwrap_or_default();
            for part in parts {
                table = table
                    .entry(part.to_string())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                    .as_table_mut()
                    .ok_or_else(|| usage(path, format!("--vary {key}: {part} is not a table")))?;
            }
            table.insert(last.to_string(), value.clone());
        }
        let name = format!("{}[{}]", query.name, variants.len() + 1);
        edited.insert("name".into(), toml::Value::String(name));
        let text = toml::to_string(&edited).map_err(|err| usage(path, err))?;
        let parsed = Query::parse(path, &text)
            .map_err(|err| anyhow::Error::from(err).context(format!("variant {}", label(&set))))?;
        variants.push(Variant {
            vary: set,
            query: parsed,
        });
    }
    Ok(variants)
}

/// Two queries of one metric as the variants of a diff: each labelled with the resolved keys
/// whose values differ between them (as `explain` prints them).
pub fn pair(a: Query, b: Query) -> anyhow::Result<Vec<Variant>> {
    if a.metric_def.name != b.metric_def.name {
        return Err(usage(
            &b.path,
            format!(
                "metric {} is not {}'s metric {}: diff compares two queries of one metric",
                b.metric_def.name, a.name, a.metric_def.name
            ),
        ));
    }
    if a.group_by != b.group_by {
        return Err(usage(
            &b.path,
            format!(
                "group_by [{}] is not {}'s [{}]: the figures of differently grouped queries have no rows to set side by side",
                b.group_by.join(", "),
                a.name,
                a.group_by.join(", ")
            ),
        ));
    }
    let (keys_a, keys_b) = (resolved_keys(&a), resolved_keys(&b));
    let empty = toml::Value::String(String::new());
    let mut differing: Vec<&String> = Vec::new();
    for (key, _) in keys_a.iter().chain(&keys_b) {
        let of = |keys: &[(String, toml::Value)]| {
            keys.iter()
                .find(|(k, _)| k == key)
                .map_or(empty.clone(), |(_, v)| v.clone())
        };
        if of(&keys_a) != of(&keys_b) && !differing.contains(&key) {
            differing.push(key);
        }
    }
    let set = |keys: &[(String, toml::Value)]| -> Vec<(String, toml::Value)> {
        differing
            .iter()
            .map(|key| {
                let value = keys
                    .iter()
                    .find(|(k, _)| k == *key)
                    .map_or(empty.clone(), |(_, v)| v.clone());
                ((*key).clone(), value)
            })
            .collect()
    };
    let (set_a, set_b) = (set(&keys_a), set(&keys_b));
    let (mut a, mut b) = (a, b);
    if a.name == b.name {
        b.name = format!("{}[2]", b.name);
        a.name = format!("{}[1]", a.name);
    }
    Ok(vec![
        Variant {
            vary: set_a,
            query: a,
        },
        Variant {
            vary: set_b,
            query: b,
        },
    ])
}

#[cfg(test)]
mod tests;
