//! The inputs cases are made of: deterministic noise and text, small tables, a sample tree.

use crate::case::{case, Case};

/// `len` bytes of deterministic pseudo-random data (xorshift32).
pub(crate) fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// Text lines that compress well but not trivially.
pub(crate) fn text(lines: usize) -> String {
    let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"];
    let r = noise(lines * 4, 7);
    (0..lines)
        .map(|i| {
            let w = |k: usize| words[r[i * 4 + k] as usize % words.len()];
            format!("{} {} {} {}\n", i, w(0), w(1), r[i * 4 + 3])
        })
        .collect()
}

pub(crate) const MIB: usize = 1 << 20;
pub(crate) const NUMBERS: &str = "10\n2\n33\n-4\n2\n100\n7\n";
pub(crate) const TABLE: &str = "carol 35 paris\nalice 30 oslo\nbob 25 rome\nalice 30 oslo\ndave 41 lima\n";

/// A small tree with every kind of entry: files of different modes and times, a hidden file, a
/// nested directory, an empty directory and a symlink.
pub(crate) fn some_tree() -> Case {
    case()
        .file_with("b.txt", "bbbb\n", 0o600, 1_000_000_000)
        .file_with("a.txt", "a\n", 0o644, 1_100_000_000)
        .file_with("run.sh", "#!/bin/sh\necho hi\n", 0o755, 1_200_000_000)
        .file(".hidden", "secret\n")
        .file_with("sub/deep/x.c", "int x;\n", 0o640, 900_000_000)
        .file("sub/y", noise(5000, 5))
        .dir("empty")
        .symlink("link", "a.txt")
}
