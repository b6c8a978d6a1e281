//! Generates one differential test per `fixtures/*.c` (see tests/fixtures.rs), so that a fixture
//! cannot exist without its test, and the engine patch level emu386 is built for: the number of
//! patches in `unicorn/series` (cpu.rs checks the linked engine against it).

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
    let out_dir = std::env::var("OUT_DIR").unwrap();
    std::fs::write(Path::new(&out_dir).join("fixture_tests.rs"), out).unwrap();

    let series = Path::new(env!("CARGO_MANIFEST_DIR")).join("unicorn/series");
    println!("cargo:rerun-if-changed={}", series.display());
    let text = std::fs::read_to_string(&series).expect("emu/unicorn/series");
    let patches = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).count();
    std::fs::write(
        Path::new(&out_dir).join("engine_patch_level.rs"),
        format!("/// The number of patches in emu/unicorn/series.\npub const ENGINE_PATCH_LEVEL: u32 = {patches};\n"),
    )
    .unwrap();
}
