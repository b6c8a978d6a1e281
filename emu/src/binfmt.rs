//! `emu386 binfmt install|uninstall|status`: make the kernel run i386 programs through emu386
//! (binfmt_misc, Documentation/admin-guide/binfmt-misc.rst), so that `./tool` just works on a host
//! whose kernel cannot run i386 code, and the invocation that results.
//!
//! The entry matches the ELF header of every i386 program, ET_EXEC and ET_DYN (static, static-pie,
//! dynamic), as qemu-user's packaging matches it, with the flags a user needs: `P` (the program's
//! own argv[0] is kept), `O` (the kernel opens the program: execute-only programs run), `C` (the
//! credentials of a set-user-ID program are the program's, as natively) and `F` (the kernel opens
//! emu386 at registration: it works inside containers and chroots that lack it).
//!
//! The kernel then starts `emu386 PROGRAM-PATH ARGV0 ARGS...` with AT_EXECFD (the open program)
//! and AT_FLAGS' preserve-argv0 bit in the auxiliary vector; [`invocation`] turns that into an
//! ordinary emu386 command line, and closes the fd, which the program must not see.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The entry's name in the binfmt_misc directory.
const NAME: &str = "emu386-i386";
/// ELF header bytes 0..20 of an i386 program: ELFCLASS32, little-endian, version 1, any OS/ABI
/// byte, ET_EXEC or ET_DYN (bit 0 masked), EM_386.
const MAGIC: &[u8; 20] = b"\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00";
const MASK: &[u8; 20] = b"\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff";
const FLAGS: &str = "POCF";
/// Where binfmt_misc is mounted on every distribution.
const DEFAULT_DIR: &str = "/proc/sys/fs/binfmt_misc";

/// `AT_FLAGS` bit the kernel sets when the `P` flag preserved argv[0] (since Linux 5.12).
const AT_FLAGS_PRESERVE_ARGV0: libc::c_ulong = 1;

/// The register line: `:name:type:offset:magic:mask:interpreter:flags`, bytes as `\xHH`.
fn register_line(interpreter: &Path) -> String {
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("\\x{b:02x}")).collect::<String>();
    format!(":{NAME}:M::{}:{}:{}:{FLAGS}", hex(MAGIC), hex(MASK), interpreter.display())
}

const USAGE: &str = "usage: emu386 binfmt install|uninstall|status [--dir DIR]

Register emu386 with the kernel's binfmt_misc (DIR, default /proc/sys/fs/binfmt_misc) as the
handler of i386 ELF programs, so that ./program runs through emu386; remove that entry; or show it.
install writes one entry, emu386-i386, with flags P (argv[0] preserved), O (the kernel opens the
program), C (set-user-ID credentials from the program) and F (emu386 is opened now, so the entry
works in containers and chroots). Needs root (or a user namespace with its own binfmt_misc).";

/// `emu386 binfmt ...`.
pub fn main(args: &[OsString]) -> ExitCode {
    // A command-line tool: output into a closed pipe ends it quietly.
    crate::host::process::set_sigpipe(false);
    let mut dir = PathBuf::from(DEFAULT_DIR);
    let mut action = None;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        match word.to_str() {
            Some("--dir") => match words.next() {
                Some(d) => dir = PathBuf::from(d),
                None => return usage_error("--dir needs a directory"),
            },
            Some("-h" | "--help") => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Some(a @ ("install" | "uninstall" | "status")) if action.is_none() => action = Some(a),
            _ => return usage_error(&format!("unexpected {word:?}")),
        }
    }
    let result = match action {
        Some("install") => install(&dir),
        Some("uninstall") => uninstall(&dir),
        Some("status") => status(&dir),
        _ => return usage_error("install, uninstall or status?"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("emu386 binfmt: {e}");
            ExitCode::from(1)
        }
    }
}

fn usage_error(why: &str) -> ExitCode {
    eprintln!("emu386 binfmt: {why}\n{USAGE}");
    ExitCode::from(2)
}

/// The binfmt_misc directory, or why it cannot be used.
fn mounted(dir: &Path) -> Result<(), String> {
    if dir.join("register").exists() {
        Ok(())
    } else {
        Err(format!(
            "binfmt_misc is not mounted at {} (mount -t binfmt_misc binfmt_misc {})",
            dir.display(),
            dir.display()
        ))
    }
}

fn install(dir: &Path) -> Result<(), String> {
    mounted(dir)?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the emu386 binary: {e}"))?;
    let entry = dir.join(NAME);
    if entry.exists() {
        std::fs::write(&entry, "-1").map_err(|e| format!("cannot remove the old {}: {e}", entry.display()))?;
        println!("removed the previous {NAME} entry");
    }
    std::fs::write(dir.join("register"), register_line(&exe))
        .map_err(|e| format!("cannot register in {}: {e}", dir.display()))?;
    println!(
        "registered {NAME} in {}: i386 ELF programs (static, static-pie and dynamic) now run through {}\n\
         flags: P (argv[0] preserved), O (the kernel opens the program), C (set-user-ID credentials \
         from the program), F (emu386 opened now: works in containers and chroots)\n\
         undo with: emu386 binfmt uninstall",
        dir.display(),
        exe.display()
    );
    Ok(())
}

fn uninstall(dir: &Path) -> Result<(), String> {
    mounted(dir)?;
    let entry = dir.join(NAME);
    if !entry.exists() {
        println!("{NAME} is not registered in {}: nothing to do", dir.display());
        return Ok(());
    }
    std::fs::write(&entry, "-1").map_err(|e| format!("cannot remove {}: {e}", entry.display()))?;
    println!("removed {NAME} from {}: i386 programs no longer run through emu386", dir.display());
    Ok(())
}

fn status(dir: &Path) -> Result<(), String> {
    mounted(dir)?;
    match std::fs::read_to_string(dir.join(NAME)) {
        Ok(text) => {
            println!("{NAME} is registered in {}:", dir.display());
            print!("{text}");
        }
        Err(_) => println!("{NAME} is not registered in {}", dir.display()),
    }
    Ok(())
}

/// When the kernel started emu386 through binfmt_misc: the equivalent ordinary command line
/// (`emu386 [-0 ARGV0] -- PROGRAM ARGS...`); the program fd it passed is closed. `None` for an
/// ordinary start.
pub fn invocation(words: &[OsString]) -> Option<Vec<OsString>> {
    let execfd = auxval(libc::AT_EXECFD);
    let preserved = auxval(libc::AT_FLAGS).is_some_and(|f| f & AT_FLAGS_PRESERVE_ARGV0 != 0);
    if execfd.is_none() && !preserved {
        return None;
    }
    if let Some(fd) = execfd {
        // The program is found again by its path; the fd would be an extra open file for it.
        // The kernel opened this fd for us (binfmt_misc's O flag); nothing else owns it.
        drop(crate::host::process::adopt_fd(fd as libc::c_int));
    }
    // argv: emu386's path, the program's path, then (with P) its argv[0], then its arguments.
    let mut rest = words.iter().skip(1);
    let program = rest.next()?.clone();
    let mut out = vec![words.first().cloned().unwrap_or_else(|| "emu386".into())];
    if preserved {
        out.push("-0".into());
        out.push(rest.next()?.clone());
    }
    out.push("--".into());
    out.push(program);
    out.extend(rest.cloned());
    Some(out)
}

/// `getauxval(kind)`, or `None` when the auxiliary vector has no such entry.
fn auxval(kind: libc::c_ulong) -> Option<libc::c_ulong> {
    crate::host::process::auxval(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_register_line_matches_i386_elf_headers_only() {
        let line = register_line(Path::new("/usr/bin/emu386"));
        assert!(line.starts_with(":emu386-i386:M::\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00"), "{line}");
        assert!(line.ends_with(":/usr/bin/emu386:POCF"), "{line}");
        let matches = |header: &[u8]| header.iter().zip(MASK).zip(MAGIC).all(|((h, m), want)| h & m == want & m);
        let mut exec = *MAGIC;
        assert!(matches(&exec));
        exec[16] = 3; // ET_DYN
        assert!(matches(&exec));
        exec[7] = 3; // an OS/ABI byte (GNU)
        assert!(matches(&exec));
        exec[18] = 0x3e; // EM_X86_64
        assert!(!matches(&exec));
        let mut elf64 = *MAGIC;
        elf64[4] = 2;
        assert!(!matches(&elf64));
    }
}
