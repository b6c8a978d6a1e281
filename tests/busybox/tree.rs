//! Directory trees: fixed modification times, walking, and a comparable listing.

use std::fmt::Write as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

/// Sets the access and modification times of `path` (not following a symlink) to `secs`.
pub(crate) fn set_mtime(path: &Path, secs: i64) {
    use rustix::fs::{AtFlags, Timespec, Timestamps, CWD};
    let t = Timespec { tv_sec: secs, tv_nsec: 0 };
    rustix::fs::utimensat(CWD, path, &Timestamps { last_access: t, last_modification: t }, AtFlags::SYMLINK_NOFOLLOW)
        .unwrap_or_else(|e| panic!("utimensat {}: {e}", path.display()));
}

/// Every path under `dir` (not `dir` itself), sorted, not following symlinks.
pub(crate) fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(p.clone());
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

/// A listing of the tree: type, permission bits, size and a content digest (or link target).
pub(crate) fn describe_tree(dir: &Path) -> String {
    let mut out = String::new();
    for p in walk(dir) {
        let rel = p.strip_prefix(dir).unwrap_or(&p).display().to_string();
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        let mode = m.mode() & 0o7777;
        if m.file_type().is_symlink() {
            let target = std::fs::read_link(&p).map(|t| t.display().to_string()).unwrap_or_default();
            let _ = writeln!(out, "{rel} -> {target}");
        } else if m.is_dir() {
            let _ = writeln!(out, "{rel}/ {mode:o}");
        } else {
            let data = std::fs::read(&p).unwrap_or_default();
            let _ = writeln!(out, "{rel} {mode:o} {} bytes, fnv {:016x}", data.len(), fnv1a(&data));
        }
    }
    out
}

/// The 64-bit FNV-1a hash of `data`: a content digest for the listing.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}
