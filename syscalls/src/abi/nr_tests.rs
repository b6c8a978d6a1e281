//! nr.rs is exactly what gen-nr.sh writes from the installed <asm/unistd_32.h> and nr-newer.txt.

use super::NAMES;
use std::path::Path;
use std::process::Command;

fn here() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/abi"))
}

#[test]
fn the_table_is_what_the_generator_writes() {
    let out = Command::new("sh").arg(here().join("gen-nr.sh")).output().expect("run sh");
    assert!(out.status.success(), "gen-nr.sh: {}", String::from_utf8_lossy(&out.stderr));
    let generated = String::from_utf8(out.stdout).unwrap();
    let checked_in = std::fs::read_to_string(here().join("nr.rs")).unwrap();
    assert!(generated == checked_in, "nr.rs is stale: run `sh syscalls/src/abi/gen-nr.sh > syscalls/src/abi/nr.rs`");
}

/// Every number the installed header and nr-newer.txt give is the name NAMES has there (the
/// generator keeps the header's line when both give a number).
#[test]
fn every_number_agrees_with_its_source() {
    let header = ["/usr/include/x86_64-linux-gnu/asm/unistd_32.h", "/usr/include/asm/unistd_32.h"]
        .into_iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .expect("<asm/unistd_32.h> (linux-libc-dev)");
    let mut seen = 0;
    for line in header.lines() {
        let mut words = line.split_whitespace();
        if let (Some("#define"), Some(name), Some(number)) = (words.next(), words.next(), words.next()) {
            if let (Some(name), Ok(number)) = (name.strip_prefix("__NR_"), number.parse::<usize>()) {
                assert_eq!(NAMES[number], name, "header: {line}");
                seen += 1;
            }
        }
    }
    assert!(seen > 400, "only {seen} numbers in the header");
    let newer = std::fs::read_to_string(here().join("nr-newer.txt")).unwrap();
    for line in newer.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let mut words = line.split_whitespace();
        let number: usize = words.next().unwrap().parse().unwrap();
        assert_eq!(Some(NAMES[number]), words.next(), "nr-newer.txt: {line}");
    }
}
