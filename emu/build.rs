//! Generates one differential test per `fixtures/*.c` (see tests/fixtures.rs), so that a fixture
//! cannot exist without its test.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    println!("cargo:rerun-if-changed={}", fixtures.display());
    let mut names: Vec<String> = std::fs::read_dir(&fixtures)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".c")).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::new();
    for name in names {
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "fixture name {name:?} must be lowercase letters, digits and underscores"
        );
        writeln!(out, "fixture_test!({name});").unwrap();
    }
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("fixture_tests.rs");
    std::fs::write(dest, out).unwrap();
}
