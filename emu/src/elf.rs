//! The ELF loader: what binfmt_elf does for an i386 program.
//!
//! Only the ELF header and program headers are parsed (goblin), and every offset and size in them
//! is checked before use: a truncated or corrupt file is refused with a reason, never a panic.
//! ET_EXEC loads where it says; static-pie (ET_DYN without PT_INTERP) goes top-down in the mmap
//! area, as the kernel places it. A dynamically linked program (PT_INTERP) is loaded with its
//! interpreter (ld-linux.so.2), as load_elf_binary() does: a PIE program at the base the kernel
//! gives i386 programs without randomisation (0x56555000), the interpreter top-down in the mmap
//! area; the CPU starts at the interpreter's entry, with AT_BASE its load address and AT_ENTRY,
//! AT_PHDR the program's. The interpreter's path is looked up under the sysroot first (`-L`).

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header::{self, Header};
use goblin::elf::program_header::{self, ProgramHeader};
use std::fs::File;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use syscalls::mem::{page_up, Backing, GuestMemory, Prot, PAGE_SIZE};
use syscalls::space::{Mm, VmaKind};

/// Why a file cannot run. `NotFound` is exit status 127, the rest 126.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    NotFound(std::io::Error),
    #[error("{0}")]
    Io(std::io::Error),
    #[error("{0}")]
    NotRunnable(String),
    /// Past the point of no return (the kernel has committed to the program): the process dies of
    /// SIGSEGV, as load_elf_binary() makes it.
    #[error("{0}")]
    Fatal(String),
}

impl LoadError {
    fn bad(why: impl Into<String>) -> Self {
        LoadError::NotRunnable(why.into())
    }
    fn fatal(why: impl Into<String>) -> Self {
        LoadError::Fatal(why.into())
    }
}

/// Where the program landed: what the auxiliary vector describes.
#[derive(Debug, Clone)]
pub struct Image {
    /// The program's entry (AT_ENTRY).
    pub entry: u32,
    /// Where the CPU starts: the interpreter's entry, or the program's.
    pub start: u32,
    /// The interpreter's load address (AT_BASE), 0 without one.
    pub base: u32,
    pub phdr: u32,
    pub phnum: u32,
    pub executable_stack: bool,
}

/// Where binfmt_elf puts a PIE program that has an interpreter, without randomisation, in an i386
/// process on x86-64 (what a native run shows with ASLR off).
const PIE_BASE: u64 = 0x5655_5000;

/// Open `path` for loading with execve's checks (do_open_execat(), in its order): it exists, it
/// is a regular file (anything else is EACCES before it is opened, so a FIFO never blocks), and
/// it may be executed by the effective ids (root too needs an execute bit); the errors as a shell
/// reports them; then ETXTBSY for a file open for writing (`sys::exec::open_for_writing`).
pub fn open(path: &Path) -> Result<File, LoadError> {
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound(e),
        _ => LoadError::Io(e),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(LoadError::Io(std::io::Error::from_raw_os_error(libc::EISDIR)));
    }
    if !meta.is_file() {
        return Err(LoadError::Io(std::io::Error::from_raw_os_error(libc::EACCES)));
    }
    rustix::fs::accessat(rustix::fs::CWD, path, rustix::fs::Access::EXEC_OK, rustix::fs::AtFlags::EACCESS)
        .map_err(|e| io(e.into()))?;
    let file = File::open(path).map_err(io)?;
    // The file may have changed between the checks and the open.
    if !file.metadata().map_err(LoadError::Io)?.is_file() {
        return Err(LoadError::Io(std::io::Error::from_raw_os_error(libc::EACCES)));
    }
    if syscalls::sys::exec::open_for_writing(&file) {
        return Err(LoadError::Io(std::io::Error::from_raw_os_error(libc::ETXTBSY)));
    }
    Ok(file)
}

/// An ELF file's checked headers.
#[derive(Debug)]
struct Headers {
    hdr: Header,
    phdrs: Vec<ProgramHeader>,
    /// PT_INTERP's path, without its NUL.
    interp: Option<Vec<u8>>,
}

/// Read and check the headers as load_elf_binary() does before it commits to the new program:
/// `read(offset, buf)` reads the file (a short read is the file's end). The header is read as the
/// i386 layout whatever e_ident says (the kernel checks neither EI_CLASS nor EI_DATA), then e_type,
/// e_machine (elf_check_arch(): EM_386 or EM_486), and the program header table (load_elf_phdrs():
/// 32-byte entries, at most 64 KiB of them, all within the file), and the interpreter's path.
fn headers(read: &dyn Fn(u64, &mut [u8]) -> usize) -> Result<Headers, LoadError> {
    let mut ehdr = [0u8; header::header32::SIZEOF_EHDR];
    let got = read(0, &mut ehdr);
    if got < 4 || &ehdr[..4] != b"\x7fELF" {
        return Err(LoadError::bad("not an ELF file"));
    }
    if got < ehdr.len() {
        return Err(LoadError::bad("truncated ELF header"));
    }
    let machine = u16::from_le_bytes([ehdr[18], ehdr[19]]);
    if ehdr[header::EI_CLASS] == header::ELFCLASS64 && machine != header::EM_386 && machine != EM_486 {
        return Err(LoadError::bad("64-bit ELF file, not i386"));
    }
    let mut as_i386 = ehdr;
    as_i386[header::EI_CLASS] = header::ELFCLASS32;
    as_i386[header::EI_DATA] = header::ELFDATA2LSB;
    let hdr =
        goblin::elf::Elf::parse_header(&as_i386).map_err(|e| LoadError::bad(format!("corrupt ELF header ({e})")))?;
    match hdr.e_type {
        header::ET_EXEC | header::ET_DYN => {}
        header::ET_CORE => return Err(LoadError::bad("ELF core dump, not a program")),
        header::ET_REL => return Err(LoadError::bad("ELF relocatable object, not a program")),
        t => return Err(LoadError::bad(format!("ELF file of unknown type {t}"))),
    }
    if hdr.e_machine != header::EM_386 && hdr.e_machine != EM_486 {
        return Err(LoadError::bad(format!(
            "ELF file for machine {} ({}), not i386",
            header::machine_to_str(hdr.e_machine),
            hdr.e_machine
        )));
    }
    let size = usize::from(hdr.e_phnum) * usize::from(hdr.e_phentsize);
    if usize::from(hdr.e_phentsize) != program_header::program_header32::SIZEOF_PHDR || size == 0 || size > 65536 {
        return Err(LoadError::bad("corrupt ELF program headers"));
    }
    let mut table = vec![0u8; size];
    if read(hdr.e_phoff, &mut table) < size {
        return Err(LoadError::bad("truncated ELF program headers"));
    }
    let ctx = Ctx::new(Container::Little, Endian::Little);
    let phdrs = ProgramHeader::parse(&table, 0, usize::from(hdr.e_phnum), ctx)
        .map_err(|e| LoadError::bad(format!("corrupt ELF program headers ({e})")))?;
    // load_elf_binary(): the path must be within the file (it reads it) and end with its NUL.
    let interp = match phdrs.iter().find(|p| p.p_type == program_header::PT_INTERP) {
        None => None,
        Some(p) => {
            let bad = || LoadError::bad("corrupt ELF interpreter path");
            let size = usize::try_from(p.p_filesz).map_err(|_| bad())?;
            if !(2..=PATH_MAX).contains(&size) {
                return Err(bad());
            }
            let mut name = vec![0u8; size];
            if read(p.p_offset, &mut name) < size {
                return Err(bad());
            }
            match name.split_last() {
                Some((0, path)) => Some(path.split(|&b| b == 0).next().unwrap_or_default().to_vec()),
                _ => return Err(bad()),
            }
        }
    };
    Ok(Headers { hdr, phdrs, interp })
}

/// EM_486, which elf_check_arch() accepts for i386 as well.
const EM_486: u16 = 6;

/// The longest interpreter path binfmt_elf reads (PATH_MAX).
const PATH_MAX: usize = 4096;

fn prot_of(flags: u32) -> Prot {
    let mut prot = Prot::empty();
    if flags & program_header::PF_R != 0 {
        prot |= Prot::READ;
    }
    if flags & program_header::PF_W != 0 {
        prot |= Prot::WRITE;
    }
    if flags & program_header::PF_X != 0 {
        prot |= Prot::EXEC;
    }
    prot
}

/// Load the program in `file` into guest memory, with its interpreter if it names one (looked up
/// under `sysroot` first).
pub fn load(
    file: &File,
    path: &Path,
    mem: &mut dyn GuestMemory,
    mm: &mut Mm,
    sysroot: Option<&Path>,
) -> Result<Image, LoadError> {
    // Before the point of no return (begin_new_exec()): every check, the interpreter opened and
    // its headers read. A failure is the execve's error.
    let Headers { hdr, phdrs, interp } = read_headers(file)?;
    let interpreter = interp.map(|name| open_interpreter(&name, sysroot)).transpose()?;
    // After it: what goes wrong kills the process with SIGSEGV.
    let pie_base = interpreter.as_ref().map(|_| PIE_BASE);
    let program = map_object(file, path, &hdr, &phdrs, mem, mm, pie_base)?;
    mm.brk_start = program.end;
    mm.brk = program.end;
    let bias = program.bias;
    // AT_PHDR: where the PT_LOAD that holds e_phoff put the table (load_elf_binary() in 6.x does
    // not look at PT_PHDR).
    let phdr = phdrs
        .iter()
        .filter(|p| p.p_type == program_header::PT_LOAD)
        .find(|p| p.p_offset <= hdr.e_phoff && hdr.e_phoff < p.p_offset + p.p_filesz)
        .map_or(0, |p| p.p_vaddr + (hdr.e_phoff - p.p_offset))
        + bias;
    let executable_stack = phdrs
        .iter()
        .find(|p| p.p_type == program_header::PT_GNU_STACK)
        .is_none_or(|p| p.p_flags & program_header::PF_X != 0);
    let entry = u32::try_from(hdr.e_entry + bias).map_err(|_| LoadError::fatal("entry outside the address space"))?;
    let (start, base) = match interpreter {
        None => (entry, 0),
        Some(interpreter) => map_interpreter(interpreter, mem, mm)?,
    };
    // load_elf_binary(): ARCH_SETUP_ADDITIONAL_PAGES after the interpreter.
    mm.map_vdso(mem).map_err(|_| LoadError::fatal("cannot map the vDSO"))?;
    Ok(Image { entry, start, base, phdr: phdr as u32, phnum: u32::from(hdr.e_phnum), executable_stack })
}

/// The headers of `file`, read from it where they are (not the whole program).
fn read_headers(file: &File) -> Result<Headers, LoadError> {
    headers(&|offset, buf| {
        let mut done = 0;
        while done < buf.len() {
            match rustix::io::pread(file.as_fd(), &mut buf[done..], offset + done as u64) {
                Ok(0) | Err(_) => break,
                Ok(n) => done += n,
            }
        }
        done
    })
}

/// The interpreter a program names in PT_INTERP, opened and checked (before the point of no return).
struct Interpreter {
    file: File,
    path: std::path::PathBuf,
    headers: Headers,
}

/// The interpreter `name`: opened as open_exec() opens it, under `sysroot` first, its headers read
/// and checked as load_elf_binary() does before it commits to the new program.
fn open_interpreter(name: &[u8], sysroot: Option<&Path>) -> Result<Interpreter, LoadError> {
    use std::os::unix::ffi::OsStringExt;
    // The same rule as every other path the program uses.
    let path =
        std::path::PathBuf::from(std::ffi::OsString::from_vec(syscalls::sys::fs::in_sysroot(sysroot, name.to_vec())));
    let shown = path.display().to_string();
    let in_interp = |e: LoadError| match e {
        LoadError::NotFound(e) => LoadError::NotFound(std::io::Error::new(
            e.kind(),
            format!("cannot load interpreter {shown}: {e} (see -L to give a sysroot)"),
        )),
        LoadError::Io(e) => LoadError::Io(std::io::Error::new(e.kind(), format!("interpreter {shown}: {e}"))),
        LoadError::NotRunnable(why) => LoadError::bad(format!("interpreter {shown}: {why}")),
        fatal @ LoadError::Fatal(_) => fatal,
    };
    let file = open(&path).map_err(in_interp)?;
    let headers = read_headers(&file).map_err(in_interp)?;
    Ok(Interpreter { file, path, headers })
}

/// Map the interpreter as load_elf_interp() does (its own PT_INTERP, if any, is not followed);
/// answers where the CPU starts and its load address (AT_BASE).
fn map_interpreter(interp: Interpreter, mem: &mut dyn GuestMemory, mm: &mut Mm) -> Result<(u32, u32), LoadError> {
    let Headers { hdr, phdrs, .. } = &interp.headers;
    let object = map_object(&interp.file, &interp.path, hdr, phdrs, mem, mm, None)?;
    let entry = u32::try_from(hdr.e_entry + object.bias)
        .map_err(|_| LoadError::fatal("the interpreter's entry is outside the address space"))?;
    Ok((entry, object.bias as u32))
}

/// A loaded ELF object: its load bias and the page-rounded end of its highest segment.
struct Loaded {
    bias: u64,
    end: u32,
}

/// The name of `file`, opened at `path`, in the guest's maps: the kernel's d_path() of it,
/// absolute with symlinks resolved. That is the path's canonical form while it still leads to the
/// same file, found with a readlink of each component; otherwise (renamed since, deleted, a
/// memfd reached through /proc/self/fd) what /proc/self/fd says. The canonical form comes first
/// because that readlink of /proc/self/fd/N, a process's first look-up in its /proc directory,
/// took about 16 µs, and this about 3.
fn shown_name(file: &File, path: &Path, meta: &std::fs::Metadata) -> PathBuf {
    use std::os::linux::fs::MetadataExt;
    let same =
        |p: &Path| std::fs::metadata(p).is_ok_and(|m| (m.st_dev(), m.st_ino()) == (meta.st_dev(), meta.st_ino()));
    match std::fs::canonicalize(path) {
        Ok(canonical) if same(&canonical) => canonical,
        _ => std::fs::read_link(format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(file)))
            .unwrap_or_else(|_| path.to_path_buf()),
    }
}

/// Map the PT_LOAD segments of `file` (binfmt_elf's elf_map() and padzero()): ET_EXEC where they
/// say, ET_DYN at `base` when given and free, else top-down below the mmap base.
fn map_object(
    file: &File,
    path: &Path,
    hdr: &Header,
    phdrs: &[ProgramHeader],
    mem: &mut dyn GuestMemory,
    mm: &mut Mm,
    base: Option<u64>,
) -> Result<Loaded, LoadError> {
    let corrupt = || LoadError::fatal("corrupt ELF program headers (segment outside the file or address space)");

    let loads: Vec<&ProgramHeader> = phdrs.iter().filter(|p| p.p_type == program_header::PT_LOAD).collect();
    if loads.is_empty() {
        return Err(LoadError::fatal("ELF file has no loadable segments"));
    }
    // Check every segment before mapping any.
    let mut lo = u64::MAX;
    let mut hi = 0u64;
    for p in &loads {
        // A file range past the end of the file is mapped all the same, as elf_map() maps it: its
        // pages are SIGBUS when touched (and padzero() on a writable one fails the exec).
        p.p_offset.checked_add(p.p_filesz).ok_or_else(corrupt)?;
        let mem_end = p.p_vaddr.checked_add(p.p_memsz).ok_or_else(corrupt)?;
        if p.p_filesz > p.p_memsz || mem_end > syscalls::space::TASK_SIZE {
            return Err(corrupt());
        }
        // elf_map() only maps file bytes: a segment without any needs no alignment.
        if p.p_filesz > 0 && p.p_vaddr % u64::from(PAGE_SIZE) != p.p_offset % u64::from(PAGE_SIZE) {
            return Err(LoadError::fatal("corrupt ELF program headers (misaligned segment)"));
        }
        lo = lo.min(p.p_vaddr & !u64::from(PAGE_SIZE - 1));
        hi = hi.max(mem_end);
    }
    let span = u32::try_from(hi - lo).ok().and_then(page_up).ok_or_else(corrupt)?;
    let bias: u64 = if hdr.e_type == header::ET_DYN {
        let fits = |at: u64| at.checked_add(u64::from(span)).is_some_and(|end| end <= u64::from(mm.mmap_base));
        match base.filter(|&at| fits(at) && mm.is_free(at, at + u64::from(span))) {
            Some(at) => at - lo,
            None => {
                let at = mm
                    .find_free_below(span, u64::from(mm.mmap_base))
                    .ok_or_else(|| LoadError::fatal("program too large"))?;
                u64::from(at) - lo
            }
        }
    } else {
        0
    };
    let meta = file.metadata().map_err(LoadError::Io)?;
    let shown = shown_name(file, path, &meta);
    let kind = |offset: u64| VmaKind::File {
        path: shown.clone(),
        offset,
        dev: std::os::linux::fs::MetadataExt::st_dev(&meta),
        ino: std::os::linux::fs::MetadataExt::st_ino(&meta),
    };
    let page = u64::from(PAGE_SIZE);
    let mut brk = 0u64;
    for p in &loads {
        let prot = prot_of(p.p_flags);
        let vaddr = p.p_vaddr + bias;
        let start = vaddr & !(page - 1);
        let file_end = vaddr + p.p_filesz;
        let mem_end = vaddr + p.p_memsz;
        let file_top = file_end.next_multiple_of(page);
        let mem_top = mem_end.next_multiple_of(page);
        let too_high = || LoadError::fatal("segment above the address space");
        if p.p_filesz > 0 {
            let offset = p.p_offset & !(page - 1);
            let size = u32::try_from(file_top - start).map_err(|_| too_high())?;
            let backing = Backing::File { fd: file.as_fd(), offset, shared: false };
            mm.map_fixed(mem, start as u32, size, prot | Prot::WRITE, backing, kind(offset))
                .map_err(|e| LoadError::Fatal(format!("cannot map a segment: {e}")))?;
            // elf_load(): a segment with .bss has the rest of its last file page zeroed to the
            // page's end (padzero()), which fails silently where the segment is not writable. What
            // lies past p_memsz in that page counts too: ld.so's first allocations live there.
            if mem_end > file_end && prot.contains(Prot::WRITE) {
                let tail = (file_top - file_end) as usize;
                mem.slice_mut(file_end as u32, tail)
                    .map_err(|e| LoadError::Fatal(format!("cannot map a segment: {e}")))?
                    .fill(0);
            }
            if !prot.contains(Prot::WRITE) {
                mm.protect(mem, start as u32, size, prot)
                    .map_err(|e| LoadError::Fatal(format!("cannot map a segment: {e}")))?;
            }
        }
        let anon_start = if p.p_filesz > 0 { file_top } else { start };
        if mem_top > anon_start {
            let size = u32::try_from(mem_top - anon_start).map_err(|_| too_high())?;
            mm.map_fixed(mem, anon_start as u32, size, prot, Backing::Anon { shared: false }, VmaKind::Anon)
                .map_err(|e| LoadError::Fatal(format!("cannot map a segment: {e}")))?;
        }
        brk = brk.max(mem_top);
    }
    Ok(Loaded { bias, end: brk as u32 })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `headers` over an in-memory file.
    fn parse(bytes: &[u8]) -> Result<Headers, LoadError> {
        headers(&|offset, buf| {
            let start = usize::try_from(offset).unwrap_or(usize::MAX).min(bytes.len());
            let n = buf.len().min(bytes.len() - start);
            buf[..n].copy_from_slice(&bytes[start..start + n]);
            n
        })
    }

    fn reason(bytes: &[u8]) -> String {
        match parse(bytes) {
            Err(LoadError::NotRunnable(why)) => why,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn refusals_name_the_reason() {
        assert_eq!(reason(b"#!/bin/sh\n"), "not an ELF file");
        let mut x86_64 = vec![0u8; 64];
        x86_64[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
        x86_64[16] = 2; // ET_EXEC
        x86_64[18] = 62; // EM_X86_64
        assert_eq!(reason(&x86_64), "64-bit ELF file, not i386");
        // The kernel reads the header as i386 whatever EI_CLASS says: only e_machine decides.
        assert_eq!(reason(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"), "truncated ELF header");
        assert_eq!(reason(b"\x7fELF\x01"), "truncated ELF header");
        let mut arm = vec![0u8; 52];
        arm[..7].copy_from_slice(b"\x7fELF\x01\x01\x01");
        arm[16] = 2; // ET_EXEC
        arm[18] = 40; // EM_ARM
        assert!(reason(&arm).contains("not i386"), "{}", reason(&arm));
    }

    #[test]
    fn a_truncated_program_header_table_is_refused() {
        let mut h = vec![0u8; 52];
        h[..7].copy_from_slice(b"\x7fELF\x01\x01\x01");
        h[16] = 2;
        h[18] = 3; // EM_386
        h[28] = 52; // e_phoff
        h[42] = 32; // e_phentsize
        h[44] = 4; // e_phnum
        assert_eq!(reason(&h), "truncated ELF program headers");
    }
}
