//! Person keys must meet (spec `data-formats.md`, "Files as they are delivered"): the cohort and
//! the registers must spell a person's key alike. A key that went through a spreadsheet or a
//! numeric column loses its leading zeros or gains a `.0`, and then matches nobody; a run that
//! said nothing would print a share of the persons who happen to match. So every register counts
//! the cohort persons it holds and the keys that meet no one, and a key that would meet a cohort
//! key once leading zeros and a trailing `.0` are removed stops the run.

use super::cohort::Cohort;
use crate::error::{DataError, Location, Problem, Problems};
use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

/// How many example keys a message names.
const EXAMPLES: usize = 3;

/// How one register's person keys met the cohort's.
#[derive(Debug, Clone, Default)]
pub struct KeyMatch {
    /// Per cohort person: whether the register holds a row of theirs.
    present: Vec<bool>,
    /// Distinct keys that meet no cohort person.
    pub strangers: u64,
    /// First few of those keys.
    pub stranger_examples: Vec<String>,
    /// Of those, the keys that would meet a cohort key without leading zeros or a trailing `.0`.
    pub near: u64,
    pub near_examples: Vec<String>,
}

impl KeyMatch {
    pub fn new(cohort: &Cohort) -> KeyMatch {
        KeyMatch {
            present: vec![false; cohort.len()],
            ..KeyMatch::default()
        }
    }

    /// A row of cohort person `person`.
    pub fn met(&mut self, person: u32) {
        self.present[person as usize] = true;
    }

    /// A key no cohort person has; called once per distinct key.
    pub fn stranger(&mut self, loose: &LooseKeys, key: &str) {
        self.strangers += 1;
        if self.stranger_examples.len() < EXAMPLES {
            self.stranger_examples.push(key.to_string());
        }
        if loose.contains(key) {
            self.near += 1;
            if self.near_examples.len() < EXAMPLES {
                self.near_examples.push(key.to_string());
            }
        }
    }

    /// Cohort persons the register holds.
    pub fn cohort_persons(&self) -> u64 {
        self.present.iter().filter(|&&p| p).count() as u64
    }
}

/// How each file of a role read from several files (income one file a year) met the cohort's
/// keys, for `validate`; empty when the role has one file, whose match is the role's.
#[derive(Debug, Clone, Default)]
pub struct ByFile {
    pub files: Vec<FileKeys>,
}

#[derive(Debug, Clone, Default)]
pub struct FileKeys {
    pub file: String,
    pub keys: KeyMatch,
    /// The distinct keys of this file that met nobody.
    seen: HashSet<String>,
}

impl ByFile {
    pub fn new(files: &[String], cohort: &Cohort) -> ByFile {
        if files.len() < 2 {
            return ByFile::default();
        }
        ByFile {
            files: files
                .iter()
                .map(|file| FileKeys {
                    file: file.clone(),
                    keys: KeyMatch::new(cohort),
                    seen: HashSet::new(),
                })
                .collect(),
        }
    }

    /// A row of cohort person `person` in file `file` (its index in the role's list).
    pub fn met(&mut self, file: usize, person: u32) {
        if let Some(f) = self.files.get_mut(file) {
            f.keys.met(person);
        }
    }

    /// A row in file `file` whose key meets no cohort person.
    pub fn stranger(&mut self, file: usize, loose: &LooseKeys, key: &str) {
        if let Some(f) = self.files.get_mut(file) {
            if f.seen.insert(key.to_string()) {
                f.keys.stranger(loose, key);
            }
        }
    }
}

/// The cohort's keys with leading zeros and a trailing `.0` removed, as hashes: enough to tell
/// whether a key that met nobody would meet someone written the other way.
#[derive(Debug, Clone, Default)]
pub struct LooseKeys(HashSet<u64>);

impl LooseKeys {
    pub fn of(cohort: &Cohort) -> LooseKeys {
        LooseKeys(cohort.person_ids.iter().map(|k| hash(loose(k))).collect())
    }

    fn contains(&self, key: &str) -> bool {
        self.0.contains(&hash(loose(key)))
    }
}

/// A key without its trailing `.0` (or `.00`…) and leading zeros.
fn loose(key: &str) -> &str {
    let key = key.trim();
    let key = match key.rsplit_once('.') {
        Some((digits, zeros)) if !zeros.is_empty() && zeros.bytes().all(|b| b == b'0') => digits,
        _ => key,
    };
    let key = key.trim_start_matches('0');
    if key.is_empty() {
        "0"
    } else {
        key
    }
}

fn hash(key: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// Stops a run whose registers' keys do not meet the cohort's: keys that would meet after
/// removing leading zeros or a `.0`, or fewer than half of the cohort's persons in either
/// register. `registers` are (file, its key match).
pub fn check(
    cohort: &Cohort,
    cohort_file: &str,
    registers: &[(&str, &KeyMatch)],
) -> Result<(), DataError> {
    let mut problems = Problems::default();
    for (file, keys) in registers {
        if keys.near > 0 {
            problems.push(Problem::new(
                *file,
                Location::File,
                format!(
                    "{} person key(s) match no cohort person but would once leading zeros or a trailing \".0\" are removed (e.g. {}): the keys of one file went through a spreadsheet or a numeric column; write person_id as text with its leading zeros in both files",
                    keys.near,
                    quoted(&keys.near_examples)
                ),
            ));
        }
    }
    if problems.is_empty() && !cohort.is_empty() {
        let present = (0..cohort.len())
            .filter(|&p| registers.iter().any(|(_, keys)| keys.present[p]))
            .count();
        if present * 2 < cohort.len() {
            let missing: Vec<String> = (0..cohort.len())
                .filter(|&p| !registers.iter().any(|(_, keys)| keys.present[p]))
                .take(EXAMPLES)
                .map(|p| cohort.person_ids[p].clone())
                .collect();
            let strangers: Vec<String> = registers
                .iter()
                .flat_map(|(_, keys)| keys.stranger_examples.iter().cloned())
                .take(EXAMPLES)
                .collect();
            let registers_said = if strangers.is_empty() {
                "the registers hold no other keys".to_string()
            } else {
                format!("the registers' keys look like {}", quoted(&strangers))
            };
            problems.push(Problem::new(
                cohort_file,
                Location::File,
                format!(
                    "only {present} of the cohort's {} persons appear in either register: the keys do not meet (cohort keys look like {}; {registers_said}); check that both spell person_id alike",
                    cohort.len(),
                    quoted(&missing),
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(DataError::Invalid(problems))
    }
}

fn quoted(keys: &[String]) -> String {
    keys.iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_keys_drop_leading_zeros_and_a_trailing_point_zero() {
        assert_eq!(loose("0101901234"), "101901234");
        assert_eq!(loose("101901234.0"), "101901234");
        assert_eq!(loose(" 007.00 "), "7");
        assert_eq!(loose("000"), "0");
        // Not a trailing .0: a key of its own.
        assert_eq!(loose("12.5"), "12.5");
        assert_eq!(loose("A-01"), "A-01");
    }
}
