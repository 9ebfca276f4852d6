//! The query parser with its status expression language: any text is a query that is accepted or
//! refused with a message, never a panic, a stack overflow or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = udfald::query::Query::parse(Path::new("fuzz.toml"), &text);
});
