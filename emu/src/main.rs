//! `emu386`: run an i386 Linux program on an x86-64 Linux host.
//!
//! `unsafe` is confined to the memory (mem.rs, direct.rs) and CPU (cpu.rs, engine.rs) modules,
//! the host-call wrappers (host/), and what is the machine itself in thread.rs and lock.rs (their
//! module docs say what and why); every other module is checked to have none.
#![deny(unsafe_code)]
// The C library calls our `main` directly (see there); the test harness brings its own.
#![cfg_attr(not(test), no_main)]

mod binfmt;
#[allow(unsafe_code)]
mod cpu;
mod diff;
#[allow(unsafe_code)]
mod direct;
mod docs;
mod elf;
#[allow(unsafe_code)]
mod engine;
mod gdb;
#[allow(unsafe_code)]
mod host;
#[allow(unsafe_code)]
mod lock;
#[allow(unsafe_code)]
mod mem;
mod rmw;
mod rseq;
mod run;
mod signal;
mod stack;
mod suite;
#[allow(unsafe_code)]
mod thread;
mod umip;
mod warm;

use clap::Parser;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use syscalls::space::Mm;
use syscalls::trace::Tracer;
use syscalls::{Exit, Task};

/// Run an i386 Linux program (glibc; static, static-pie or dynamically linked) on this x86-64
/// host, with the kernel's system-call behaviour.
///
/// The exit status is the program's; a program killed by signal N kills emu386 with the same
/// signal (a shell shows 128+N). 127: the program does not exist. 126: it cannot run as an i386
/// program (the message says why).
#[derive(Parser, Debug)]
#[command(name = "emu386", version, about, long_about = None)]
#[command(override_usage = "emu386 [OPTIONS] PROGRAM [ARGS]...\n       \
emu386 diff [EMULATOR OPTIONS] [--json] [--no-replay] [--ignore NAME,...] [--] PROGRAM [ARGS]...\n       \
emu386 suite [OPTIONS] MANIFEST.toml\n       \
emu386 binfmt install|uninstall|status\n       \
emu386 manpage | emu386 completions SHELL")]
#[command(after_help = "Everything after PROGRAM goes to the program, options included.\n\n\
Subcommands:\n  \
diff   run PROGRAM natively and under emu386, compare exit status, output and system calls\n  \
suite  run a manifest of i386 programs for CI (emu386 suite --help)\n  \
binfmt make the kernel run i386 programs through emu386 (emu386 binfmt --help)\n  \
manpage, completions SHELL  this page in roff, shell completions (bash, zsh, fish, ...)\n\n\
Set RUST_LOG=warn to see unsupported system calls (answered ENOSYS), RUST_LOG=debug for more.")]
struct Cli {
    /// Print each system call to stderr in strace's format.
    #[arg(long)]
    strace: bool,

    /// Write the --strace output to FILE instead of stderr.
    #[arg(long, value_name = "FILE")]
    strace_file: Option<PathBuf>,

    /// Set VAR=VALUE in the program's environment (repeatable).
    #[arg(short = 'E', value_name = "VAR=VALUE")]
    set_env: Vec<OsString>,

    /// Remove VAR from the program's environment (repeatable).
    #[arg(short = 'U', value_name = "VAR")]
    unset_env: Vec<OsString>,

    /// The release uname(2) reports (default: the host's).
    #[arg(long, value_name = "RELEASE")]
    kernel_release: Option<String>,

    /// argv[0] for the program (default: PROGRAM as given).
    #[arg(short = '0', long = "argv0", value_name = "ARGV0")]
    argv0: Option<OsString>,

    /// (Set by a guest execve.) Trace to this inherited fd, as the previous program did.
    #[arg(long, value_name = "FD", hide = true)]
    strace_fd: Option<i32>,

    /// (Set by a guest execve.) The name the program was executed by (AT_EXECFN, its process name).
    #[arg(long, value_name = "NAME", hide = true)]
    execfn: Option<OsString>,

    /// (For emu386 diff.) Start each trace line with `[pid N] `; carried over by a guest execve.
    #[arg(long, hide = true)]
    strace_pids: bool,

    /// (For emu386 diff.) Replay the native run's inputs recorded in FILE (syscalls::replay);
    /// carried over by a guest execve.
    #[arg(long, value_name = "FILE", hide = true)]
    replay: Option<PathBuf>,

    /// (With --replay.) This process's place in the run: PATH,GENERATION,NEXT-CHILD.
    #[arg(long, value_name = "PLACE", hide = true)]
    replay_place: Option<String>,

    /// (Set by a guest execve.) SIGPIPE was ignored: it stays ignored across execve.
    #[arg(long, hide = true)]
    sigpipe_ignored: bool,

    /// (Set by a guest execve.) The program's RLIMIT_NOFILE, SOFT:HARD (the host's limit is
    /// raised above it for the emulator's own fds).
    #[arg(long, value_name = "SOFT:HARD", hide = true, value_parser = parse_nofile)]
    nofile: Option<(u64, u64)>,

    /// (Set by a guest execve.) The program's RLIMIT_AS, SOFT:HARD (kept by the emulator: the
    /// host's limit is the emulator's own).
    #[arg(long, value_name = "SOFT:HARD", hide = true, value_parser = parse_nofile)]
    as_limit: Option<(u64, u64)>,

    /// (Set by a guest execve.) The socket table of the program that executed this one: the
    /// sockets that are not plain host sockets, with their state (net::table::export).
    #[arg(long, value_name = "TABLE", hide = true)]
    sockets: Option<String>,

    /// (Set by a guest execve.) The seccomp mode and filters of the program that executed this
    /// one (syscalls::sys::seccomp::State::for_exec).
    #[arg(long, value_name = "FILTERS", hide = true)]
    seccomp: Option<String>,

    /// The network the program and everything it forks or executes sees: `host` (the default)
    /// or `private[:NAME]`, a network of its own with only a loopback interface (emulators given
    /// the same NAME share one; without a NAME the network is this invocation's own).
    #[arg(long, value_name = "MODE", value_parser = parse_net)]
    net: Option<Net>,

    /// Wait for gdb on 127.0.0.1:PORT before the first instruction (0: any free port; the port
    /// is printed on stderr).
    #[arg(short = 'g', value_name = "PORT")]
    gdb: Option<u16>,
    /// Sysroot, as qemu-i386's -L: absolute paths the program uses (its interpreter, libraries,
    /// files) resolve under DIR when the file exists there.
    #[arg(short = 'L', value_name = "DIR", env = "EMU386_LD_PREFIX")]
    sysroot: Option<PathBuf>,

    /// The i386 program to run.
    program: PathBuf,

    /// Arguments for the program: everything after PROGRAM, options included, goes to it.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<OsString>,
}

/// Split the command line where qemu-i386 stops parsing: at PROGRAM, the first word that is not
/// an option or an option's value (or the word after `--`). Answers emu386's words, PROGRAM
/// included, and the program's arguments, which clap never sees (`emu386 ./prog -h` passes -h).
/// Which options take a value comes from the clap definitions.
fn split_at_program(words: &[OsString]) -> (Vec<OsString>, Vec<OsString>) {
    use clap::CommandFactory;
    let command = Cli::command();
    let takes_value = |word: &str| {
        command.get_arguments().filter(|a| a.get_action().takes_values() && !a.is_positional()).any(|a| {
            a.get_short().is_some_and(|c| word == format!("-{c}"))
                || a.get_long().is_some_and(|l| word == format!("--{l}"))
        })
    };
    let mut i = 1;
    while let Some(word) = words.get(i) {
        let text = word.to_string_lossy();
        if text == "--" {
            i += 1;
            break;
        }
        if !text.starts_with('-') || text == "-" {
            break;
        }
        i += if takes_value(&text) { 2 } else { 1 };
    }
    let end = (i + 1).min(words.len());
    (words[..end].to_vec(), words[end..].to_vec())
}

/// Find the program as a shell would: a name with a slash as is, else the current directory, then
/// $PATH.
fn resolve(program: &Path) -> PathBuf {
    if program.as_os_str().as_bytes().contains(&b'/') || program.exists() {
        return program.to_path_buf();
    }
    std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| p.is_file()))
        .unwrap_or_else(|| program.to_path_buf())
}

/// The program's environment: ours, edited by -E and -U.
fn environment(cli: &Cli) -> Vec<Vec<u8>> {
    // Exactly as it came (std::env::vars_os drops entries such as "=x" or "x").
    let mut env = host::process::raw_environment();
    let name_of = |entry: &[u8]| entry.split(|&b| b == b'=').next().unwrap_or_default().to_vec();
    for var in &cli.unset_env {
        env.retain(|e| name_of(e) != var.as_bytes());
    }
    for setting in &cli.set_env {
        let name = name_of(setting.as_bytes());
        env.retain(|e| name_of(e) != name);
        env.push(setting.as_bytes().to_vec());
    }
    env
}

/// Stack size: RLIMIT_STACK as the kernel sizes the stack, within sane bounds.
fn stack_size() -> u32 {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Stack).current;
    let size = limit.unwrap_or(8 << 20).clamp(128 << 10, 256 << 20);
    (size as u32) & !4095
}

/// A close-on-exec copy of `fd` at the top of the fd range, out of the way of guest fds (which are
/// host fds, allocated lowest first).
fn out_of_guest_range(fd: &impl std::os::fd::AsFd) -> std::io::Result<std::fs::File> {
    Ok(rustix::io::fcntl_dupfd_cloexec(fd, syscalls::sys::fd::fd_floor())?.into())
}

/// The trace fd a guest execve handed over (see `syscalls::sys::exec`), moved out of the guest's way.
fn inherited_trace_fd(fd: i32) -> std::io::Result<std::fs::File> {
    // The previous emulator left it open for us and nothing else owns it.
    out_of_guest_range(&host::process::adopt_fd(fd)?)
}

/// How a guest execve of an i386 program starts the emulator again: this binary (its identity, to
/// know it again), with the options that carry over.
fn reexec_setup(cli: &Cli, trace_fd: Option<i32>) -> syscalls::sys::exec::Emulator {
    let mut options: Vec<OsString> =
        cli.kernel_release.iter().map(|r| OsString::from(format!("--kernel-release={r}"))).collect();
    if cli.strace_pids {
        options.push("--strace-pids".into());
    }
    if let Some(root) = &cli.sysroot {
        let mut option = OsString::from("-L");
        option.push(root);
        options.push(option);
    }
    syscalls::sys::exec::Emulator::new(options, trace_fd)
}

/// Die of `signal` as the guest did, so that our parent sees what it would have seen natively.
fn die_of(signal: i32) -> ! {
    syscalls::replay::flush();
    // No host core dump of the emulator.
    host::process::raise_default(signal);
    std::process::exit(128 + signal)
}

/// The network given by `--net`.
#[derive(Debug, Clone)]
enum Net {
    Host,
    /// A private network, by name (`None`: a fresh one).
    Private(Option<String>),
}

/// `--net host|private|private:NAME`.
fn parse_net(s: &str) -> Result<Net, String> {
    match s.split_once(':') {
        None if s == "host" => Ok(Net::Host),
        None if s == "private" => Ok(Net::Private(None)),
        Some(("private", name)) => {
            net::private::valid_name(name)?;
            Ok(Net::Private(Some(name.to_owned())))
        }
        _ => Err("expected host, private or private:NAME".into()),
    }
}

/// `--nofile SOFT:HARD`.
fn parse_nofile(s: &str) -> Result<(u64, u64), String> {
    let (soft, hard) = s.split_once(':').ok_or("expected SOFT:HARD")?;
    Ok((soft.parse().map_err(|e| format!("{e}"))?, hard.parse().map_err(|e| format!("{e}"))?))
}

/// The process's entry, called by the C library's start-up code with the emulator's own
/// arguments (std has them already, from its `.init_array` hook). emu386 has no Rust `fn main`,
/// so std's runtime start-up does not run before it: that start-up read and parsed
/// /proc/self/maps (glibc's pthread_getattr_np, to find the main thread's stack guard), asked
/// for the CPU affinity, and mapped an alternate signal stack and installed a stack-overflow
/// handler that the fault filter of direct guest addressing replaced anyway: about 0.08 ms of
/// every start, 5% of a guest that only calls exit(2). What of it matters to the emulator is in
/// [`host::process::runtime_start`]; a panic ends the process with status 101 as under std's
/// start-up, and `std::process::exit` flushes stdout as returning from `fn main` did.
#[cfg(not(test))]
#[allow(unsafe_code)] // #[no_mangle]: the one C `main` symbol of the program.
#[no_mangle]
extern "C" fn main(_argc: std::ffi::c_int, _argv: *const *const std::ffi::c_char) -> std::ffi::c_int {
    host::process::runtime_start();
    let code = std::panic::catch_unwind(run).unwrap_or(ExitCode::from(101));
    std::process::exit(exit_status(code))
}

/// The status `code` stands for: `ExitCode` keeps its value private, and emu386 makes each of
/// its codes with `From<u8>`.
#[cfg_attr(test, allow(dead_code))]
fn exit_status(code: ExitCode) -> i32 {
    (0..=u8::MAX).find(|&n| ExitCode::from(n) == code).map_or(1, i32::from)
}

/// What emu386 does: a subcommand, or run the program its command line names.
#[cfg_attr(test, allow(dead_code))]
fn run() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("error")).init();
    // The testing tools are subcommands; anything else is a program to run (`./diff` runs a
    // program called diff).
    let mut words: Vec<OsString> = std::env::args_os().collect();
    // Started by the kernel for an i386 program (emu386 binfmt install): its command line.
    if let Some(program) = binfmt::invocation(&words) {
        words = program;
    } else {
        match words.get(1).and_then(|w| w.to_str()) {
            Some("diff") => return diff::main(&words[2..]),
            Some("suite") => return suite::main(&words[2..]),
            Some("binfmt") => return binfmt::main(&words[2..]),
            Some("manpage") => return docs::manpage(<Cli as clap::CommandFactory>::command()),
            Some("completions") => return docs::completions(<Cli as clap::CommandFactory>::command(), &words[2..]),
            _ => {}
        }
    }
    let (ours, program_args) = split_at_program(&words);
    let mut cli = Cli::parse_from(ours);
    cli.args = program_args;
    prepare_process(&cli);
    match emulate(&cli) {
        Ok(Exit::Status(s)) => end(s as u8),
        Ok(Exit::Signal(sig)) => die_of(sig),
        Err(code) => code,
    }
}

/// What the whole process needs before the emulator opens anything of its own: SIGPIPE's
/// disposition, the guest's RLIMIT_NOFILE and fd range, its address-space limit, the network and
/// the socket table a guest execve handed over.
fn prepare_process(cli: &Cli) {
    // The guest starts with default dispositions, or ignoring what its execve caller ignored;
    // `runtime_start` ignored SIGPIPE whatever it inherited, as Rust's runtime start-up does.
    host::process::set_sigpipe(cli.sigpipe_ignored);
    // Fix the guest's RLIMIT_NOFILE and fd range before the emulator opens anything of its own.
    let own_fds = cli.strace || cli.strace_file.is_some() || cli.strace_fd.is_some() || cli.gdb.is_some();
    syscalls::sys::fd::init_nofile(cli.nofile, own_fds);
    if let Some((soft, hard)) = cli.as_limit {
        syscalls::space::set_address_space_limit(soft, hard);
    }
    // The network first: the inherited socket table may hold its sockets.
    if let Some(Net::Private(name)) = &cli.net {
        let name = name.clone().unwrap_or_else(net::private::fresh_name);
        net::private::enable(&name, syscalls::sys::fd::fd_floor());
    }
    if let Some(table) = &cli.sockets {
        syscalls::sys::socket::inherit_table(table);
    }
}

/// Load the program, build its first thread and run it to its end; the exit code when it cannot
/// start.
fn emulate(cli: &Cli) -> Result<Exit, ExitCode> {
    let path = resolve(&cli.program);
    let shown = cli.program.display();
    let file = match elf::open(&path) {
        Ok(f) => f,
        Err(elf::LoadError::NotFound(e)) => {
            eprintln!("emu386: {shown}: {e}");
            return Err(ExitCode::from(127));
        }
        Err(e) => {
            eprintln!("emu386: {shown}: {e}");
            return Err(ExitCode::from(126));
        }
    };
    let exe = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    let execfn = cli.execfn.clone().map_or_else(|| path.clone(), PathBuf::from);
    name_process(&execfn);
    let release = cli
        .kernel_release
        .clone()
        .unwrap_or_else(|| String::from_utf8_lossy(rustix::system::uname().release().to_bytes()).into_owned());
    let mut space = guest_space(cli)?;
    if let Some(file) = cli.replay.clone() {
        let place = cli.replay_place.as_deref().and_then(syscalls::replay::Place::parse);
        syscalls::replay::load(file, place.unwrap_or_else(syscalls::replay::Place::root));
    }
    let stack_size = stack_size();
    let mut task = first_task(cli, exe, release, stack_size)?;
    // The only thread takes the emulator lock for good (threads it starts queue for it).
    let mut held = lock::lock();
    let mm = task.mm.get_mut(&mut held);
    let image = loaded_or_exit(elf::load(&file, &path, &mut space, mm, cli.sysroot.as_deref()), &shown)?;
    drop(file);
    log::debug!("loaded {}: {image:x?}", path.display());
    keep_vdso_place(mm);

    let argv0 = cli.argv0.clone().unwrap_or_else(|| cli.program.clone().into_os_string());
    let argv: Vec<Vec<u8>> =
        std::iter::once(argv0).chain(cli.args.iter().cloned()).map(OsStringExt::into_vec).collect();
    let envp = environment(cli);
    host::argv::show_guest_argv(&argv);
    let info = stack::StartInfo { argv: &argv, envp: &envp, execfn: execfn.as_os_str().as_bytes(), stack_size };
    let esp = match stack::build(&mut space, mm, &image, &info) {
        Ok(sp) => sp,
        Err(e) => {
            eprintln!("emu386: {shown}: cannot set up the stack: {e}");
            return Err(ExitCode::from(126));
        }
    };

    let trace_fd = open_trace(cli, &mut task)?;
    task.emulator = Some(std::sync::Arc::new(reexec_setup(cli, trace_fd)));

    let cpu = first_cpu(cli, &mut space, image.start, esp)?;
    let (exit, mut tracer) = run::run(cpu, run::Guest::new(space, task, held));
    if let Some(t) = tracer.as_mut() {
        syscalls::trace::exited(t, exit);
    }
    Ok(exit)
}

/// Name the process after the file it executes, as the kernel does (comm, 15 bytes):
/// /proc/self/comm, PR_GET_NAME and ps show the guest, not the emulator.
fn name_process(execfn: &Path) {
    if let Some(name) = execfn.file_name() {
        let comm: Vec<u8> = name.as_bytes().iter().copied().take(15).collect();
        if let Ok(comm) = std::ffi::CString::new(comm) {
            let _ = rustix::thread::set_name(&comm);
        }
    }
}

/// The guest address space, reserved; the exit code when it cannot be.
fn guest_space(cli: &Cli) -> Result<mem::GuestSpace, ExitCode> {
    // Direct guest addressing (emu/src/direct.rs; EMU386_DIRECT=0 turns it off): host protections
    // follow guest permissions from the first mapping on, and the host fault handler is in place
    // before the guest runs.
    mem::set_direct(direct::wanted(cli.gdb.is_some()));
    log::info!("direct guest addressing {}", if mem::direct() { "on" } else { "off: the soft MMU" });
    if mem::direct() {
        direct::install();
    }
    mem::GuestSpace::new().map_err(|e| {
        eprintln!("emu386: cannot reserve the guest address space: {e}");
        ExitCode::from(126)
    })
}

/// The first task: its memory layout below a stack of `stack_size`, the host's signal
/// dispositions, and the seccomp filters and sysroot it was executed with; the exit code when the
/// filters cannot be restored.
fn first_task(cli: &Cli, exe: PathBuf, release: String, stack_size: u32) -> Result<Task, ExitCode> {
    let mmap_base = stack::STACK_TOP - stack_size.max(128 << 20);
    let mut task = Task::new(Mm::new(mmap_base), syscalls::sys::signal::Signals::from_host(), exe, release);
    // The filters the program was executed under: without them it must not run at all.
    if let Some(text) = cli.seccomp.as_deref() {
        match syscalls::sys::seccomp::State::from_exec(text) {
            Some(state) => task.seccomp = state,
            None => {
                eprintln!("emu386: --seccomp: not a seccomp state: {text}");
                return Err(ExitCode::from(126));
            }
        }
    }
    task.sysroot = cli.sysroot.clone();
    Ok(task)
}

/// Under `emu386 diff`: natively the kernel mapped the vDSO top-down after the program and its
/// interpreter; emu386 maps none, but keeps its place free, so that the mappings that follow
/// land at the same addresses (and what glibc derives from them, such as the trimming of a
/// thread's malloc arena to a 1 MiB boundary, is the same).
fn keep_vdso_place(mm: &mut Mm) {
    if let Some((start, end)) = syscalls::replay::vdso_range() {
        if mm.is_free(start.into(), end.into()) {
            mm.reserved = Some((start, end));
        }
    }
}

/// The tracer's output (`--strace`, `--strace-file`, `--strace-fd`), given to `task`: its fd, for
/// the emulator a guest execve starts; the exit code when it cannot be opened.
fn open_trace(cli: &Cli, task: &mut Task) -> Result<Option<i32>, ExitCode> {
    if !(cli.strace || cli.strace_file.is_some() || cli.strace_fd.is_some()) {
        return Ok(None);
    }
    let out = match (&cli.strace_file, cli.strace_fd) {
        (_, Some(fd)) => inherited_trace_fd(fd),
        (Some(p), None) => std::fs::File::create(p).and_then(|f| out_of_guest_range(&f)),
        (None, None) => out_of_guest_range(&rustix::stdio::stderr()),
    };
    match out {
        Ok(f) => {
            let fd = std::os::fd::AsRawFd::as_raw_fd(&f);
            task.tracer = Some(if cli.strace_pids { Tracer::with_pids(f) } else { Tracer::new(f) });
            Ok(Some(fd))
        }
        Err(e) => {
            eprintln!("emu386: cannot open the trace file: {e}");
            Err(ExitCode::from(126))
        }
    }
}

/// The first thread's CPU at `eip` and `esp`, after gdb's listener if asked for (with gdb attached
/// the CPU keeps Unicorn's exit checks); the exit code when either cannot be set up.
fn first_cpu(cli: &Cli, space: &mut mem::GuestSpace, eip: u32, esp: u32) -> Result<cpu::Cpu, ExitCode> {
    if let Some(port) = cli.gdb {
        if let Err(e) = gdb::listen(port, space) {
            eprintln!("emu386: gdb: {e}");
            return Err(ExitCode::from(126));
        }
    }
    match cpu::new_cpu(space, eip, esp, false, gdb::active()) {
        Ok(c) => Ok(c),
        Err(unicorn_engine::uc_error::VERSION) => {
            eprintln!(
                "emu386: the CPU engine linked in is not Unicorn with emu386's patch series \
                 (level {}; see emu/unicorn/PATCHES.md)",
                cpu::ENGINE_PATCH_LEVEL
            );
            Err(ExitCode::from(126))
        }
        Err(e) => {
            eprintln!("emu386: cannot set up the CPU: {e:?}");
            Err(ExitCode::from(126))
        }
    }
}

/// The loaded program, or how the emulator ends when it could not be loaded: 127 for a missing
/// interpreter (execve's ENOENT), SIGSEGV for a fault the kernel would take after the point of no
/// return, 126 otherwise.
fn loaded_or_exit(
    loaded: Result<elf::Image, elf::LoadError>,
    shown: &std::path::Display,
) -> Result<elf::Image, ExitCode> {
    match loaded {
        Ok(i) => Ok(i),
        Err(elf::LoadError::NotFound(e)) => {
            // The interpreter is missing: execve fails with ENOENT, as for a missing program.
            eprintln!("emu386: {shown}: {e}");
            Err(ExitCode::from(127))
        }
        Err(elf::LoadError::Fatal(why)) => {
            log::debug!("{shown}: {why}: SIGSEGV");
            die_of(libc::SIGSEGV);
        }
        Err(e) => {
            eprintln!("emu386: {shown}: {e}");
            Err(ExitCode::from(126))
        }
    }
}

/// End the process with `status` as exit_group(2) does, without the C library's exit handlers
/// and library destructors: nothing of the emulator's is left buffered (the tracer writes straight
/// to its file), and in a short-lived forked child those handlers cost more page faults than the
/// guest's own run.
fn end(status: u8) -> ! {
    syscalls::replay::flush();
    let _ = std::io::Write::flush(&mut std::io::stdout());
    host::process::exit_now(i32::from(status))
}
