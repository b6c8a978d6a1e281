//! Program execution: execve(2) and execveat(2).
//!
//! The checks are the kernel's, in its order (fs/exec.c, 6.x): the path (getname), the open
//! (do_open_execat: flags, lookup, a regular file with execute permission), the argument and
//! environment counts and space (count, bprm_stack_limits), the strings themselves, last to first
//! (copy_strings: EFAULT, E2BIG), then the binary format, which decides what runs:
//!
//! - an i386 ELF program: the emulator executes itself again (a host execve of the emulator binary,
//!   opened at start-up) with the options that carry over, the program and the guest's argv; the
//!   guest's envp is the new environment exactly. Nothing depends on the host running i386 code.
//! - a `#!` script: parsed as binfmt_script does; its interpreter goes through the same decision
//!   (at most 5 levels, then ELOOP), with argv `[interpreter, optional argument, script, argv[1..]]`.
//! - anything else (a host program, or a script whose interpreter is one): the host's execveat with
//!   the guest's own arguments, so the host kernel decides, down to ENOEXEC.
//!
//! Close-on-exec fds are closed by the host execve. The socket table (the objects of sockets that
//! are not plain host sockets) goes to the next emulator as `--sockets`. A failed exec returns
//! the errno and the guest carries on. `/proc/self/exe` names the guest program, as it does for
//! open(2).
//!
//! Not done: a program that may be executed but not read (mode 0111, not root) runs only if it is
//! a host program.

use crate::abi::sched::*;
use crate::entry;
use crate::hostcall::exec;
use crate::mem::{GuestAddr, GuestMemoryExt, PATH_MAX};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{abi::nr, Errno, SysResult};
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::execve, execve, [Str, Argv, Envp]),
    entry!(nr::execveat, execveat, [DirFd, Str, Argv, Envp, Flags(EXECVEAT_NAMES)]),
];

pub use crate::state::Emulator;

const AT_FDCWD: i32 = -100;

/// Implements execve(2).
fn execve(ctx: &mut Ctx, a: &Args) -> SysResult {
    super::fd::bump_for_exec();
    let result = exec(ctx, AT_FDCWD as u32, a[0], a[1], a[2], 0, false);
    super::fd::unbump();
    result
}

/// Implements execveat(2).
fn execveat(ctx: &mut Ctx, a: &Args) -> SysResult {
    super::fd::bump_for_exec();
    let result = exec(ctx, a[0], a[1], a[2], a[3], a[4], true);
    super::fd::unbump();
    result
}

/// One program to start, resolved as far as the kernel resolves it before the point of no return.
struct Request {
    /// The host dirfd and path the guest named (after the `/proc/self/exe` rewrite) and its flags.
    dir: i32,
    path: Vec<u8>,
    flags: u32,
    argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
    /// With `--strace`: the tracer and the call's line, written when the exec is about to happen.
    announce: Option<(crate::trace::Tracer, String)>,
    /// How to run the emulator again (the task's), for an i386 program.
    emulator: Option<std::sync::Arc<Emulator>>,
    /// The caller's seccomp filters, which the executed program keeps.
    seccomp: crate::sys::seccomp::State,
}

impl Request {
    /// The point of no return is next: the trace shows the call.
    fn announce(&self) {
        if let Some((tracer, line)) = &self.announce {
            tracer.line(line);
        }
    }
}

fn exec(ctx: &mut Ctx, dirfd: u32, path_ptr: u32, argv_ptr: u32, envp_ptr: u32, flags: u32, at: bool) -> SysResult {
    // getname_uflags(): AT_EMPTY_PATH lets the name be empty.
    let empty_ok = at && flags & AT_EMPTY_PATH != 0;
    let path = if empty_ok {
        ctx.mem.read_cstr(path_ptr, PATH_MAX - 1, Errno::NAMETOOLONG)?
    } else {
        ctx.mem.read_path(path_ptr)?
    };
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::INVAL.into());
    }
    let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
    let dir = if dirfd as i32 == AT_FDCWD { AT_FDCWD } else { crate::sys::fd::host_fd(dirfd) };
    // The name as the guest gave it (AT_EXECFN and comm say `exe` for /proc/self/exe).
    let named = path.clone();
    let path = match crate::sys::procfs::rewrite(&ctx.task.exe, &path, follow) {
        Some(own) => own,
        None => crate::sys::fs::in_sysroot(ctx.task.sysroot.as_deref(), path),
    };
    let mut file = open_exec(dir, &path, follow)?;
    if is_emulator(ctx.task.emulator.as_deref(), &file) {
        // A path that reached the emulator binary some other way (a symlink to /proc/self/exe)
        // meant the guest program.
        file = open_exec(AT_FDCWD, ctx.task.exe.as_os_str().as_encoded_bytes(), true)?;
    }

    // alloc_bprm(): the name the new program is known by (AT_EXECFN, comm).
    let relative = dirfd as i32 != AT_FDCWD && named.first() != Some(&b'/');
    let filename = if !relative {
        named
    } else if named.is_empty() {
        format!("/dev/fd/{}", dirfd as i32).into_bytes()
    } else {
        [format!("/dev/fd/{}/", dirfd as i32).as_bytes(), &named].concat()
    };
    let inaccessible = relative && exec::fd_flags(dir).is_ok_and(|f| f > 0);

    let argc = count(ctx, argv_ptr)?;
    let envc = count(ctx, envp_ptr)?;
    let mut space = ArgSpace::new(argc, envc)?;
    space.take(filename.len() + 1)?;
    let envp = copy_strings(ctx, envp_ptr, envc, &mut space)?;
    let argv = copy_strings(ctx, argv_ptr, argc, &mut space)?;
    if argv.is_empty() {
        space.take(1)?;
    }
    // A successful exec does not return to be traced: its line (strace's, with the argument
    // strings as they are now) is written just before the host exec.
    let announce = ctx.task.tracer.as_ref().map(|t| {
        let (nr, args) = if at {
            (nr::execveat, [dirfd, path_ptr, argv_ptr, envp_ptr, flags, 0])
        } else {
            (nr::execve, [path_ptr, argv_ptr, envp_ptr, 0, 0, 0])
        };
        let text = ENTRIES
            .iter()
            .find(|e| e.call.nr == nr)
            .map(|e| crate::trace::format_call(&e.call, &args, &*ctx.mem, Some(0), &Default::default()))
            .unwrap_or_default();
        (t.share(), text + "\n")
    });
    let request = Request {
        dir,
        path,
        flags,
        argv,
        envp,
        announce,
        emulator: ctx.task.emulator.clone(),
        seccomp: ctx.task.seccomp.clone(),
    };
    start(file, filename, inaccessible, space, request)
}

/// do_open_execat(): the file, opened `O_PATH`, if it may be executed.
fn open_exec(dir: i32, path: &[u8], follow: bool) -> Result<OwnedFd, Errno> {
    let file = if path.is_empty() {
        if dir == AT_FDCWD {
            exec::open_path(AT_FDCWD, c".", true)?
        } else {
            exec::dup_cloexec(dir)?
        }
    } else {
        let cpath = CString::new(path).map_err(|_| Errno::NOENT)?;
        exec::open_path(dir, &cpath, follow)?
    };
    // may_open(): the type first, then the permission.
    let stat = rustix::fs::fstat(&file)?;
    match stat.st_mode & libc::S_IFMT {
        libc::S_IFLNK => return Err(Errno::LOOP),
        libc::S_IFREG => {}
        _ => return Err(Errno::ACCESS),
    }
    exec::may_execute(file.as_fd())?;
    Ok(file)
}

/// Whether `file` is the emulator binary itself.
fn is_emulator(emulator: Option<&Emulator>, file: &OwnedFd) -> bool {
    match (emulator, rustix::fs::fstat(file)) {
        (Some(e), Ok(st)) => e.id() == Some((st.st_dev, st.st_ino)),
        _ => false,
    }
}

/// count(): the number of pointers before the NULL one (a NULL array has none).
fn count(ctx: &Ctx, base: u32) -> Result<u32, Errno> {
    if base == 0 {
        return Ok(0);
    }
    let mut i: u32 = 0;
    loop {
        let ptr = ctx.mem.read_u32(GuestAddr::new(base).index::<u32>(i)?)?;
        if ptr == 0 {
            return Ok(i);
        }
        if i >= MAX_ARG_STRINGS {
            return Err(Errno::TOOBIG);
        }
        i += 1;
    }
}

/// The room for argument strings: bprm_stack_limits(), then every string taken from it.
struct ArgSpace {
    left: u64,
}

impl ArgSpace {
    fn new(argc: u32, envc: u32) -> Result<Self, Errno> {
        let stack = rustix::process::getrlimit(rustix::process::Resource::Stack).current.unwrap_or(u64::MAX);
        let limit = (STK_LIM / 4 * 3).min(stack / 4).max(ARG_MAX);
        // The kernel's pointers are 8 bytes, whatever the task.
        let ptr_size = (u64::from(argc.max(1)) + u64::from(envc)) * 8;
        if limit <= ptr_size {
            return Err(Errno::TOOBIG);
        }
        Ok(ArgSpace { left: limit - ptr_size })
    }

    /// valid_arg_len() and the argmin check for a string of `len` bytes, NUL included.
    fn take(&mut self, len: usize) -> Result<(), Errno> {
        let len = len as u64;
        if len > MAX_ARG_STRLEN as u64 || len > self.left {
            return Err(Errno::TOOBIG);
        }
        self.left -= len;
        Ok(())
    }

    fn give_back(&mut self, len: usize) {
        self.left += len as u64;
    }
}

/// copy_strings(): the `n` strings of the array at `base`, read last to first.
fn copy_strings(ctx: &Ctx, base: u32, n: u32, space: &mut ArgSpace) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = vec![Vec::new(); n as usize];
    for i in (0..n).rev() {
        // count() read every pointer already, so the address is in range.
        let ptr = ctx.mem.read_u32(GuestAddr::new(base).index::<u32>(i)?)?;
        let s = ctx.mem.read_cstr(ptr, MAX_ARG_STRLEN - 1, Errno::TOOBIG)?;
        space.take(s.len() + 1)?;
        if let Some(slot) = out.get_mut(i as usize) {
            *slot = s;
        }
    }
    Ok(out)
}

/// What the start of a file says it is.
#[derive(Debug, PartialEq, Eq)]
enum Format {
    /// An i386 ELF executable: the emulator runs it.
    I386,
    /// `#!interpreter [argument]`.
    Script(Vec<u8>, Option<Vec<u8>>),
    /// Something the host decides about.
    Host,
}

/// The first BINPRM_BUF_SIZE bytes of `file`, zero-padded (None: the file cannot be read).
fn header(file: &OwnedFd) -> Option<[u8; BINPRM_BUF_SIZE]> {
    let f = std::fs::File::open(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()?;
    let mut buf = [0u8; BINPRM_BUF_SIZE];
    let mut done = 0;
    while done < buf.len() {
        match std::os::unix::fs::FileExt::read_at(&f, buf.get_mut(done..)?, done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(buf)
}

/// The binary format of a file starting with `buf`; ENOEXEC for a `#!` line binfmt_script refuses.
fn format(buf: &[u8; BINPRM_BUF_SIZE]) -> Result<Format, Errno> {
    let u16_at = |o: usize| u16::from_le_bytes([buf[o], buf[o + 1]]);
    // ELFCLASS32, little-endian, ET_EXEC or ET_DYN, EM_386.
    if buf.starts_with(b"\x7fELF") && buf[4] == 1 && buf[5] == 1 && matches!(u16_at(16), 2 | 3) && u16_at(18) == 3 {
        return Ok(Format::I386);
    }
    if buf.starts_with(b"#!") {
        let (name, arg) = parse_script(buf)?;
        return Ok(Format::Script(name, arg));
    }
    Ok(Format::Host)
}

/// load_script()'s parse of the `#!` line: the interpreter must not be truncated (a newline, or a
/// space, tab or NUL after its name, within the buffer); the argument is the rest of the line,
/// trimmed, and may be truncated.
fn parse_script(buf: &[u8; BINPRM_BUF_SIZE]) -> Result<(Vec<u8>, Option<Vec<u8>>), Errno> {
    let spacetab = |b: u8| b == b' ' || b == b'\t';
    let terminator = |b: u8| spacetab(b) || b == 0;
    let last = buf.len() - 1;
    let mut end = match buf.iter().position(|&b| b == b'\n') {
        Some(nl) => nl,
        None => {
            let start = (2..last).find(|&i| !spacetab(buf[i])).ok_or(Errno::NOEXEC)?;
            if !(start..last).any(|i| terminator(buf[i])) {
                return Err(Errno::NOEXEC);
            }
            last
        }
    };
    while end > 2 && spacetab(buf[end - 1]) {
        end -= 1;
    }
    let name_start = (2..end).find(|&i| !spacetab(buf[i])).ok_or(Errno::NOEXEC)?;
    let sep = (name_start..end).find(|&i| terminator(buf[i]));
    let name_end = sep.unwrap_or(end);
    let arg = match sep {
        Some(s) if buf[s] != 0 => (s..end).find(|&i| !spacetab(buf[i])).map(|a| &buf[a..end]),
        _ => None,
    };
    // The line is cut at its first NUL, as the kernel's C strings are.
    let cstr = |b: &[u8]| b.split(|&c| c == 0).next().unwrap_or_default().to_vec();
    Ok((cstr(&buf[name_start..name_end]), arg.map(cstr)))
}

/// exec_binprm(): follow interpreters until a program the emulator or the host runs.
fn start(
    mut file: OwnedFd,
    filename: Vec<u8>,
    mut inaccessible: bool,
    mut space: ArgSpace,
    request: Request,
) -> SysResult {
    let mut argv = request.argv.clone();
    if argv.is_empty() {
        argv.push(Vec::new());
    }
    // The name of the current program, which a script's interpreter gets (bprm->interp).
    let mut interp = filename.clone();
    for depth in 0.. {
        if depth > 5 {
            return Err(Errno::LOOP.into());
        }
        let Some(buf) = header(&file) else { return host_exec(&request, false) };
        match format(&buf)? {
            Format::I386 => return emulate(&file, &filename, &argv, &request),
            // Announced only for an ELF file: anything else the host may well refuse (ENOEXEC).
            Format::Host => return host_exec(&request, buf.starts_with(b"\x7fELF")),
            Format::Script(name, arg) => {
                if inaccessible {
                    return Err(Errno::NOENT.into());
                }
                // remove_arg_zero(), then interp, the argument and the interpreter in front.
                if !argv.is_empty() {
                    let zero = argv.remove(0);
                    space.give_back(zero.len() + 1);
                }
                space.take(interp.len() + 1)?;
                argv.insert(0, interp);
                if let Some(arg) = arg {
                    space.take(arg.len() + 1)?;
                    argv.insert(0, arg);
                }
                space.take(name.len() + 1)?;
                argv.insert(0, name.clone());
                file = open_exec(AT_FDCWD, &name, true)?;
                interp = name;
                inaccessible = false;
            }
        }
    }
    Err(Errno::LOOP.into())
}

/// The strings as C strings (one with a NUL inside is EINVAL).
fn c_strings(strings: &[Vec<u8>]) -> Result<Vec<CString>, Errno> {
    let owned = strings.iter().map(|s| CString::new(s.as_slice())).collect::<Result<Vec<_>, _>>();
    owned.map_err(|_| Errno::INVAL)
}

/// Let the host execute what the guest named, with the guest's arguments; `announce`: write the
/// call's trace line first (the host is expected to accept the file).
fn host_exec(r: &Request, announce: bool) -> SysResult {
    let path = CString::new(r.path.as_slice()).map_err(|_| Errno::NOENT)?;
    let argv = c_strings(&r.argv)?;
    let envp = c_strings(&r.envp)?;
    if announce {
        r.announce();
    }
    // The host program gets the guest's RLIMIT_NOFILE, not the emulator's raised one (put back
    // if the execve fails: only a privileged emulator raised its hard limit, so it may again).
    let (soft, hard) = super::fd::guest_nofile();
    let saved = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    let guest = rustix::process::Rlimit { current: Some(soft), maximum: Some(hard) };
    let swapped =
        super::fd::nofile_emulated() && rustix::process::setrlimit(rustix::process::Resource::Nofile, guest).is_ok();
    super::fd::unbump();
    super::signal::dispositions_for_exec(true);
    let e = exec::execveat(r.dir, &path, &argv, &envp, r.flags as libc::c_int);
    super::signal::dispositions_for_exec(false);
    if swapped {
        let _ = rustix::process::setrlimit(rustix::process::Resource::Nofile, saved);
    }
    Err(e.into())
}

/// deny_write_access(): whether someone has `file` open for writing (execve's ETXTBSY). The
/// writer count is not visible from user space, but the lease code checks the same thing: a read
/// lease is refused with EAGAIN while any writer has the file open. Where no lease may be taken
/// (another user's file without CAP_LEASE, a file system without leases) the answer is no.
pub fn open_for_writing(file: &std::fs::File) -> bool {
    exec::read_lease_refused(file.as_fd())
}

/// Execute the emulator again for the i386 program `file`.
fn emulate(file: &OwnedFd, execfn: &[u8], argv: &[Vec<u8>], request: &Request) -> SysResult {
    // deny_write_access() (do_open_execat()): the host kernel does not see this exec.
    let readable = std::fs::File::open(format!("/proc/self/fd/{}", file.as_raw_fd()));
    if readable.is_ok_and(|f| open_for_writing(&f)) {
        return Err(Errno::TXTBSY.into());
    }
    let envp = &request.envp;
    let Some(emulator) = request.emulator.as_deref() else {
        log::warn!("execve of an i386 program: the emulator binary is unknown");
        return Err(Errno::NOEXEC.into());
    };
    let program = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
    let mut args: Vec<Vec<u8>> = vec![b"emu386".to_vec()];
    args.extend(emulator.options.iter().map(|o| o.clone().into_vec()));
    if let Some(fd) = emulator.trace_fd {
        args.push(format!("--strace-fd={fd}").into_bytes());
    }
    if sigpipe_ignored() {
        args.push(b"--sigpipe-ignored".to_vec());
    }
    args.extend(crate::replay::exec_options().into_iter().map(String::into_bytes));
    args.extend(net::exec_options().into_iter().map(String::into_bytes));
    if super::fd::nofile_emulated() {
        let (soft, hard) = super::fd::guest_nofile();
        args.push(format!("--nofile={soft}:{hard}").into_bytes());
    }
    if crate::space::address_space_limit_set() {
        let (soft, hard) = crate::space::address_space_limit();
        args.push(format!("--as-limit={soft}:{hard}").into_bytes());
    }
    if let Some(filters) = request.seccomp.for_exec() {
        args.push(format!("--seccomp={filters}").into_bytes());
    }
    let sockets = super::socket::table_for_exec();
    if !sockets.is_empty() {
        args.push(format!("--sockets={sockets}").into_bytes());
    }
    args.push([b"--execfn=".as_slice(), execfn].concat());
    args.push([b"--argv0=".as_slice(), argv.first().map_or(&[][..], |a| a.as_slice())].concat());
    args.push(b"--".to_vec());
    args.push(program.into_os_string().into_vec());
    args.extend(argv.iter().skip(1).cloned());
    let args = c_strings(&args)?;
    let envp = c_strings(envp)?;
    // The tracer's own fd must stay open across the execve.
    let trace_flags = emulator.trace_fd.map(|fd| {
        let old = exec::fd_flags(fd).unwrap_or(-1);
        let _ = exec::set_fd_flags(fd, old & !libc::FD_CLOEXEC);
        (fd, old)
    });
    let exe = rustix::fs::open(
        "/proc/self/exe",
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )?;
    request.announce();
    super::fd::unbump();
    super::signal::dispositions_for_exec(true);
    let e = exec::execveat(exe.as_raw_fd(), c"", &args, &envp, libc::AT_EMPTY_PATH);
    super::signal::dispositions_for_exec(false);
    if let Some((fd, old)) = trace_flags {
        let _ = exec::set_fd_flags(fd, old);
    }
    Err(e.into())
}

/// Whether SIGPIPE is ignored on the host: an ignored signal stays ignored across execve, but the
/// Rust runtime of the next emulator sets SIGPIPE to ignored before `main` whatever it inherited.
fn sigpipe_ignored() -> bool {
    exec::sigpipe_ignored()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buf(text: &[u8]) -> [u8; BINPRM_BUF_SIZE] {
        let mut b = [0u8; BINPRM_BUF_SIZE];
        b[..text.len()].copy_from_slice(text);
        b
    }

    #[test]
    fn script_lines_parse_as_binfmt_script_parses_them() {
        let parse = |t: &[u8]| parse_script(&buf(t));
        assert_eq!(parse(b"#!/bin/sh\necho"), Ok((b"/bin/sh".to_vec(), None)));
        assert_eq!(parse(b"#! /bin/sh  -e -x \n"), Ok((b"/bin/sh".to_vec(), Some(b"-e -x".to_vec()))));
        assert_eq!(parse(b"#!\t/x\t\n"), Ok((b"/x".to_vec(), None)));
        assert_eq!(parse(b"#!   \n"), Err(Errno::NOEXEC));
        assert_eq!(parse(b"#!/bin/sh"), Ok((b"/bin/sh".to_vec(), None)));
        // No newline and no terminator in the buffer: a truncated interpreter.
        assert_eq!(parse_script(&[b'#'; BINPRM_BUF_SIZE]), Err(Errno::NOEXEC));
    }

    #[test]
    fn formats_are_told_apart_by_their_first_bytes() {
        let mut elf = buf(b"\x7fELF\x01\x01\x01");
        elf[16] = 2;
        elf[18] = 3;
        assert_eq!(format(&elf), Ok(Format::I386));
        elf[18] = 62;
        assert_eq!(format(&elf), Ok(Format::Host));
        assert_eq!(format(&buf(b"hello")), Ok(Format::Host));
    }

    #[test]
    fn argument_space_follows_the_stack_limit_floor() {
        let mut space = ArgSpace { left: 10 };
        assert_eq!(space.take(11), Err(Errno::TOOBIG));
        assert_eq!(space.take(10), Ok(()));
        assert_eq!(space.take(MAX_ARG_STRLEN + 1), Err(Errno::TOOBIG));
    }

    /// execve(2) and execveat(2) through the table with a fake machine, on their failing paths
    /// (a successful one replaces the test process): do_execveat_common()'s order (the name, then
    /// execveat's flags, then opening the file, then argv and envp), nothing asked of the machine,
    /// and the host's fd limit put back after each.
    #[test]
    fn execve_fails_in_the_kernels_order_without_the_machine() {
        use crate::mem::GuestMemoryExt;
        use crate::task::testing::parts;
        use rustix::process::{getrlimit, Resource};
        let (mut mem, mut task, mut machine, mut held) = parts();
        let limit = || {
            let l = getrlimit(Resource::Nofile);
            (l.current, l.maximum)
        };
        let before = limit();
        let mut put = |at: u32, s: &[u8]| mem.write(at, s).unwrap();
        put(0x10000, b"/nonexistent-emu386-test\0");
        put(0x10100, b"/dev/null\0");
        put(0x10200, b"/bin/sh\0");
        put(0x10300, b"\0");
        // argv: a pointer past the end of guest memory, then NULL.
        put(0x10400, &0x3000_0000u32.to_le_bytes());
        put(0x10404, &0u32.to_le_bytes());
        let mut ctx = Ctx { mem: &mut mem, task: &mut task, machine: &mut machine, held: &mut held };
        let errno = |e: Errno| crate::Flow::Return((e.raw_os_error() as u32).wrapping_neg());
        let mut call = |nr: u32, args: [u32; 6]| crate::table::dispatch(&mut ctx, nr, &args);
        // The name first: unreadable is EFAULT, empty ENOENT (without AT_EMPTY_PATH).
        assert_eq!(call(nr::execve, [0x3000_0000, 0, 0, 0, 0, 0]), errno(Errno::FAULT));
        assert_eq!(call(nr::execve, [0x10300, 0, 0, 0, 0, 0]), errno(Errno::NOENT));
        // execveat: the name before the flags, the flags before the file.
        assert_eq!(call(nr::execveat, [AT_FDCWD as u32, 0x3000_0000, 0, 0, 0x1, 0]), errno(Errno::FAULT));
        assert_eq!(call(nr::execveat, [AT_FDCWD as u32, 0x10000, 0, 0, 0x1, 0]), errno(Errno::INVAL));
        // AT_EMPTY_PATH with an empty name: the fd is the file (a bad one: EBADF).
        assert_eq!(call(nr::execveat, [u32::MAX, 0x10300, 0, 0, AT_EMPTY_PATH, 0]), errno(Errno::BADF));
        // The file: missing, not a regular file.
        assert_eq!(call(nr::execve, [0x10000, 0, 0, 0, 0, 0]), errno(Errno::NOENT));
        assert_eq!(call(nr::execve, [0x10100, 0, 0, 0, 0, 0]), errno(Errno::ACCESS));
        // An executable file, then argv and envp: an array past guest memory, or a string in it.
        assert_eq!(call(nr::execve, [0x10200, 0x3000_0000, 0, 0, 0, 0]), errno(Errno::FAULT));
        assert_eq!(call(nr::execve, [0x10200, 0, 0x3000_0000, 0, 0, 0]), errno(Errno::FAULT));
        assert_eq!(call(nr::execve, [0x10200, 0x10400, 0, 0, 0, 0]), errno(Errno::FAULT));
        assert!(machine.started.is_empty() && machine.stack.is_none() && !machine.reloaded);
        assert_eq!(limit(), before);
    }
}
