//! ELF loading as binfmt_elf does it: mutants of a static i386 hello (every header field and
//! every program header field set to unusual values) run natively and under emu386, and must end
//! the same way: refused by execve (emu386: exit 126/127 with its message), killed by the same
//! signal, or exiting with the same status and output.
//!
//! A PT_LOAD whose file range lies past the end of the file is mapped as the kernel maps it and is
//! SIGBUS when touched; an entry point in the top page faults at once.

mod common;

use common::{build_fixture, EMU386};
use std::process::Command;

/// How a run ended; a native run is killed after 10 seconds, an emulated one after 3.
fn outcome(mut cmd: Command, emulated: bool) -> String {
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).stdin(std::process::Stdio::null());
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        // execve refused the file natively (ENOEXEC, EINVAL, EIO...).
        Err(_) => return "refused".into(),
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(if emulated { 3 } else { 10 });
    while child.try_wait().ok().flatten().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return "timed out".into();
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let out = child.wait_with_output().unwrap();
    use std::os::unix::process::ExitStatusExt;
    if emulated && matches!(out.status.code(), Some(126 | 127)) && out.stderr.starts_with(b"emu386:") {
        return "refused".into();
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    match (out.status.code(), out.status.signal()) {
        (Some(code), _) => format!("exit {code}: {text:?}"),
        (None, Some(sig)) => format!("signal {sig}: {text:?}"),
        _ => "unknown".into(),
    }
}

/// The mutants of `src`: (name, bytes).
fn mutants(src: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut put = |name: String, off: usize, value: &[u8]| {
        let mut b = src.to_vec();
        b[off..off + value.len()].copy_from_slice(value);
        out.push((name, b));
    };
    for v in [0u8, 1, 2, 3, 0xff] {
        put(format!("class{v}"), 4, &[v]);
        put(format!("data{v}"), 5, &[v]);
        put(format!("version{v}"), 6, &[v]);
        put(format!("osabi{v}"), 7, &[v]);
    }
    for v in [0u16, 1, 2, 3, 4, 0xfe00, 0xffff] {
        put(format!("type{v}"), 16, &v.to_le_bytes());
    }
    for v in [0u16, 3, 6, 7, 0x3e, 40] {
        put(format!("machine{v}"), 18, &v.to_le_bytes());
    }
    for v in [0u32, 2, 0xffff_ffff] {
        put(format!("version32_{v}"), 20, &v.to_le_bytes());
    }
    for v in [0u32, 0x1000, 0xffff_ffff] {
        put(format!("entry{v:x}"), 24, &v.to_le_bytes());
    }
    for v in [0u32, 1, 0x7fff_0000] {
        put(format!("phoff{v:x}"), 28, &v.to_le_bytes());
    }
    for v in [0u16, 51, 53, 0xffff] {
        put(format!("ehsize{v}"), 40, &v.to_le_bytes());
    }
    for v in [0u16, 31, 33, 0xffff] {
        put(format!("phentsize{v}"), 42, &v.to_le_bytes());
    }
    let phnum = u16::from_le_bytes([src[44], src[45]]);
    for v in [0, 1, phnum - 1, phnum + 1, 0xffff] {
        put(format!("phnum{v}"), 44, &v.to_le_bytes());
    }
    for v in [0u16, 1, 0xffff] {
        put(format!("shnum{v}"), 48, &v.to_le_bytes());
    }
    let phoff = u32::from_le_bytes([src[28], src[29], src[30], src[31]]) as usize;
    for i in 0..usize::from(phnum) {
        let at = phoff + 32 * i;
        for (field, off) in [("offset", 4), ("vaddr", 8), ("filesz", 16), ("memsz", 20), ("flags", 24), ("align", 28)] {
            for v in [0u32, 1, 0x1000, 0xffff_f000] {
                put(format!("ph{i}_{field}_{v:x}"), at + off, &v.to_le_bytes());
            }
        }
        for v in [0u32, 1, 2, 3, 6, 7, 0x6474_e551, 0xffff_ffff] {
            put(format!("ph{i}_type_{v:x}"), at, &v.to_le_bytes());
        }
    }
    for len in [52, 100, 4096] {
        out.push((format!("truncated{len}"), src[..len].to_vec()));
    }
    out
}

#[test]
fn malformed_headers_end_as_natively() {
    let (hello, _) = build_fixture("hello");
    let src = std::fs::read(&hello).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut differ = Vec::new();
    let all = mutants(&src);
    for (name, bytes) in &all {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        // Run directly (Command uses execve: no /bin/sh fallback for a file execve refuses).
        let mut native = Command::new(&path);
        native.current_dir(dir.path());
        let mut emulated = Command::new(EMU386);
        emulated.arg(&path).current_dir(dir.path());
        let (native, emulated) = (outcome(native, false), outcome(emulated, true));
        if native != emulated {
            differ.push(format!("{name}: native {native}, emu386 {emulated}"));
        }
    }
    assert!(differ.is_empty(), "{} of {} mutants end differently:\n{differ:#?}", differ.len(), all.len());
    eprintln!("{} mutants, all ending as natively", all.len());
}
