//! Disclosure rules that look across the queries of one run (spec `disclosure.md` §3): two
//! queries on one dataset whose populations differ by a few persons, one nested in the other,
//! publish those persons' outcome as a difference of their tables.

use crate::error::DataError;

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
        populations(&[
            ("a", &everyone),
            ("b", &everyone),
            ("c", &but_five),
            ("d", &low),
            ("e", &high),
        ])
        .check(5)
        .unwrap();
    }
}
