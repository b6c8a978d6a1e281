//! `/proc/PID/status` and `statm`: the host's file with task_mem()'s memory lines computed
//! for the guest's VMAs (fs/proc/task_mmu.c, fs/proc/array.c).

use super::smaps::{is_shmem, PageInfo};
use super::{visible, Space};
use crate::mem::Prot;
use crate::space::{vm, VmaKind};
use std::fmt::Write as _;

/// task_mem()'s and task_statm()'s numbers for the guest (bytes).
#[derive(Debug, Default)]
struct MemSummary {
    rss_anon: u64,
    rss_file: u64,
    rss_shmem: u64,
    swap: u64,
    data: u64,
    stack: u64,
    exec: u64,
    /// Executable mappings of the program itself (its text).
    text: u64,
    pte: u64,
    /// Bytes mapped (total_vm, the stack as grown).
    total: u64,
}

fn summary(space: &Space) -> MemSummary {
    let pages = PageInfo::open(space);
    let mut m = MemSummary::default();
    let mut tables = std::collections::BTreeSet::new();
    let exe = rustix::fs::stat(&space.exe).map(|st| (st.st_dev, st.st_ino)).ok();
    for v in &visible(space) {
        m.total += v.end - u64::from(v.start);
        let size = v.end - u64::from(v.start);
        let st = pages.stats(v.start, v.end);
        m.rss_anon += st.anon;
        if is_shmem(v) {
            m.rss_shmem += st.file;
        } else {
            m.rss_file += st.file;
        }
        m.swap += st.swap;
        // is_data_mapping(), is_stack_mapping(), is_exec_mapping().
        let (write, growsdown) = (v.prot.contains(Prot::WRITE), v.flags & vm::GROWSDOWN != 0);
        if write && v.flags & vm::SHARED == 0 && !growsdown {
            m.data += size;
        }
        if growsdown {
            m.stack += size;
        }
        if v.prot.contains(Prot::EXEC) && !write && !growsdown {
            m.exec += size;
            if matches!(&v.kind, VmaKind::File { dev, ino, .. } if exe == Some((*dev, *ino))) {
                m.text += size;
            }
        }
        if st.rss + st.swap > 0 {
            // A page-table page per 2 MiB with pages in it.
            for t in u64::from(v.start) >> 21..=(v.end - 1) >> 21 {
                tables.insert(t);
            }
        }
    }
    // The middle level adds a page per GiB in use.
    let upper: std::collections::BTreeSet<u64> = tables.iter().map(|t| t >> 9).collect();
    m.pte = (tables.len() + upper.len()) as u64 * 4096;
    m
}

/// The guest's `/proc/self/status`: the host's, with the memory lines (task_mem()) computed from
/// the guest's VMAs and pages. `None` when the host file cannot be read.
pub fn status(mm: &Space) -> Option<String> {
    let host = std::fs::read_to_string(format!("{}/status", mm.proc_dir())).ok()?;
    let m = summary(mm);
    let rss = m.rss_anon + m.rss_file + m.rss_shmem;
    let total = m.total;
    // The peak as the kernel would have counted it, without the stack's unused part.
    let hidden = mm.total_vm() - total;
    let lines = [
        ("VmPeak", mm.hiwater_vm.saturating_sub(hidden).max(total)),
        ("VmSize", total),
        ("VmLck", mm.locked_vm()),
        ("VmPin", 0),
        ("VmHWM", rss),
        ("VmRSS", rss),
        ("RssAnon", m.rss_anon),
        ("RssFile", m.rss_file),
        ("RssShmem", m.rss_shmem),
        ("VmData", m.data),
        ("VmStk", m.stack),
        ("VmExe", m.text),
        ("VmLib", m.exec - m.text),
        ("VmPTE", m.pte),
        ("VmSwap", m.swap),
    ];
    let mut out = String::new();
    for l in host.lines() {
        let name = l.split(':').next().unwrap_or("");
        if name == "Seccomp" || name == "Seccomp_filters" {
            let value = if name == "Seccomp" { mm.seccomp.0 } else { mm.seccomp.1 };
            let _ = writeln!(out, "{name}:\t{value}");
            continue;
        }
        if name == "Threads" {
            // The emulator's own helper threads (named emu386-…) are not the guest's.
            let host_threads: u64 = l[name.len() + 1..].trim().parse().unwrap_or(1);
            let _ = writeln!(out, "Threads:\t{}", host_threads.saturating_sub(helper_threads(mm)).max(1));
            continue;
        }
        match lines.iter().find(|(n, _)| *n == name) {
            Some((n, bytes)) => {
                let _ = writeln!(out, "{n}:\t{:>8} kB", bytes >> 10);
            }
            None => {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    Some(out)
}

/// This process's threads that the emulator started for itself (the preemption thread, the
/// helpers of processes that share memory): their names start with `emu386-`.
fn helper_threads(mm: &Space) -> u64 {
    let Ok(dir) = std::fs::read_dir(format!("{}/task", mm.proc_dir())) else {
        return 0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| std::fs::read(e.path().join("comm")).is_ok_and(|c| c.starts_with(b"emu386-")))
        .count() as u64
}

/// The guest's `/proc/self/statm` (task_statm(), in pages): size, resident, shared (file and
/// shmem), text, lib (0), data (data and stack), dt (0).
pub fn statm(space: &Space) -> String {
    let m = summary(space);
    let p = |bytes: u64| bytes / 4096;
    let shared = m.rss_file + m.rss_shmem;
    format!("{} {} {} {} 0 {} 0\n", p(m.total), p(shared + m.rss_anon), p(shared), p(m.text), p(m.data + m.stack))
}
