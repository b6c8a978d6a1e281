//! The command line as a user meets it: exit statuses, refusals with reasons, options.

mod common;

use common::{build_fixture, command, run, EMU386};
use std::path::Path;

fn emu(args: &[&str]) -> common::Outcome {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = command(EMU386, dir.path());
    cmd.args(args);
    run(cmd, b"")
}

fn fixture(name: &str) -> String {
    build_fixture(name).0.to_string_lossy().into_owned()
}

/// A refusal: the status and a message naming the program and the reason.
fn assert_refused(args: &[&str], status: &str, reason: &str) {
    let out = emu(args);
    assert_eq!(out.status, status, "{args:?}: {}", out.stderr_str());
    assert!(out.stderr_str().contains(reason), "{args:?}: expected {reason:?} in {:?}", out.stderr_str());
    assert!(out.stdout.is_empty());
}

#[test]
fn the_guest_exit_status_is_ours() {
    let hello = fixture("hello");
    let out = emu(&[&hello]);
    assert_eq!(out.status, "exit status 3");
    assert_eq!(out.stdout_str(), "hello from i386\n");
    assert_eq!(emu(&[&fixture("exit_status"), "200"]).status, "exit status 200");
}

#[test]
fn a_missing_program_is_127() {
    assert_refused(&["/nonexistent/prog"], "exit status 127", "No such file or directory");
    assert_refused(&["no-such-program-anywhere"], "exit status 127", "no-such-program-anywhere");
}

#[test]
fn programs_that_cannot_run_as_i386_are_126_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    // Executable files (without an execute bit the kernel refuses them before reading them).
    let write = |path: &Path, bytes: &[u8]| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(path, bytes).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    let text = dir.path().join("text");
    write(&text, b"just some text\n");
    assert_refused(&[text.to_str().unwrap()], "exit status 126", "not an ELF file");

    // A 64-bit program: the host's own.
    let true64 = ["/bin/true", "/usr/bin/true"].into_iter().find(|p| Path::new(p).exists()).unwrap();
    assert_refused(&[true64], "exit status 126", "64-bit ELF");

    // Truncated: the first 40 bytes of a real i386 program.
    let hello = std::fs::read(fixture("hello")).unwrap();
    let cut = dir.path().join("cut");
    write(&cut, &hello[..40]);
    assert_refused(&[cut.to_str().unwrap()], "exit status 126", "truncated");

    // Program headers pointing past the end of the file.
    let mut bad = hello.clone();
    bad[28..32].copy_from_slice(&0x7fff_0000u32.to_le_bytes()); // e_phoff
    let corrupt = dir.path().join("corrupt");
    write(&corrupt, &bad);
    assert_refused(&[corrupt.to_str().unwrap()], "exit status 126", "program headers");

    // Another machine: the same file claiming to be ARM.
    let mut arm = hello.clone();
    arm[18..20].copy_from_slice(&40u16.to_le_bytes());
    let arm_path = dir.path().join("arm");
    write(&arm_path, &arm);
    assert_refused(&[arm_path.to_str().unwrap()], "exit status 126", "not i386");

    // A dynamically linked program whose interpreter does not exist: ENOENT, as execve says.
    let missing = with_interpreter(dir.path(), "missing-interp", b"/no/such/ld-so.so2");
    assert_refused(&[missing.to_str().unwrap()], "exit status 127", "cannot load interpreter /no/such/ld-so.so2");

    // A directory.
    assert_refused(&[dir.path().to_str().unwrap()], "exit status 126", "Is a directory");
}

#[test]
fn environment_options_edit_the_guest_environment() {
    let prog = fixture("args_env");
    let out = emu(&["-E", "FOO=bar", "-E", "LANG=xx", "-U", "TZ", &prog, "a", "-b"]);
    assert_eq!(out.status, "exit status 0", "{}", out.stderr_str());
    let text = out.stdout_str();
    assert!(text.contains("env: FOO=bar\n"), "{text}");
    assert!(text.contains("env: LANG=xx\n"), "{text}");
    assert!(!text.contains("env: TZ="), "{text}");
    assert!(text.contains("argv[1] = \"a\"\nargv[2] = \"-b\"\n"), "{text}");
}

#[test]
fn kernel_release_is_what_uname_reports() {
    let out = emu(&["--kernel-release", "9.9.9-emu", &fixture("uname_release")]);
    assert_eq!(out.stdout_str(), "release=9.9.9-emu\n", "{}", out.stderr_str());
}

#[test]
fn strace_prints_calls_in_strace_format() {
    let out = emu(&["--strace", &fixture("hello")]);
    let trace = out.stderr_str();
    assert!(trace.contains("write(1, \"hello from i386\\n\", 16) = 16\n"), "{trace}");
    assert!(trace.contains("exit_group(3) = ?\n"), "{trace}");
    assert_eq!(out.stdout_str(), "hello from i386\n");
    assert_eq!(out.status, "exit status 3");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trace.txt");
    let out = emu(&["--strace-file", file.to_str().unwrap(), &fixture("hello")]);
    assert!(out.stderr.is_empty(), "{}", out.stderr_str());
    let trace = std::fs::read_to_string(&file).unwrap();
    assert!(trace.contains("exit_group(3) = ?"), "{trace}");
}

#[test]
fn help_and_version() {
    let out = emu(&["--help"]);
    assert_eq!(out.status, "exit status 0");
    assert!(out.stdout_str().contains("--strace"));
    assert!(out.stdout_str().contains("--kernel-release"));
    // The subcommands are there too.
    assert!(out.stdout_str().contains("emu386 diff "), "{}", out.stdout_str());
    assert!(out.stdout_str().contains("emu386 suite "), "{}", out.stdout_str());
    let out = emu(&["--version"]);
    assert_eq!(out.status, "exit status 0");
    assert!(out.stdout_str().starts_with("emu386 "));
}

/// A guest execve of an i386 program runs the emulator binary again, found through
/// /proc/self/exe when the guest calls execve: it works after the binary was deleted (or replaced
/// by a rebuild) while the guest ran, and the emulator holds no fd of its own meanwhile (one at
/// the top of RLIMIT_NOFILE would make every fork copy an fd table that large).
#[test]
fn execve_works_after_the_emulator_binary_is_deleted() {
    let busybox = std::env::var_os("EMU386_BUSYBOX")
        .map_or_else(|| common::workspace().join("target/busybox/bin/busybox"), std::path::PathBuf::from);
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("emu386-copy");
    std::fs::copy(EMU386, &copy).unwrap();
    // Another test thread's fork may still hold the copy's write fd for a moment (until its child
    // execs): exec would then fail with ETXTBSY. Wait until the copy runs.
    for _ in 0..100 {
        match std::process::Command::new(&copy).arg("--version").output() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            _ => break,
        }
    }
    let bb = busybox.to_str().unwrap();
    let script =
        format!("ls /proc/$$/fd; while [ -e {0} ]; do sleep 0.05; done; exec {1} echo still runs", copy.display(), bb);
    let mut cmd = command(&copy, dir.path());
    cmd.args([bb, "sh", "-c", &script]);
    let child = std::thread::spawn(move || run(cmd, b""));
    std::thread::sleep(std::time::Duration::from_millis(300));
    std::fs::remove_file(&copy).unwrap();
    let out = child.join().unwrap();
    assert_eq!(out.status, "exit status 0", "{}", out.stderr_str());
    let stdout = out.stdout_str();
    let (fds, rest) = stdout.split_at(stdout.find("still").unwrap_or(0));
    assert_eq!(rest, "still runs\n");
    // The emulator's own fds would sit at RLIMIT_NOFILE - 16 or above (at least 1008).
    assert!(fds.lines().all(|fd| fd.parse::<u32>().is_ok_and(|fd| fd < 1000)), "fds: {fds:?}");
    assert!(fds.lines().count() >= 3, "fds: {fds:?}");
}

/// A dynamic build of fixtures/hello.c in `dir` whose PT_INTERP names `interp` (18 bytes, the
/// length of /lib/ld-linux.so.2, which it replaces in place).
fn with_interpreter(dir: &std::path::Path, name: &str, interp: &[u8; 18]) -> std::path::PathBuf {
    let bin = dir.join(name);
    let ok = std::process::Command::new("gcc")
        .args(["-m32", "-o"])
        .arg(&bin)
        .arg(common::workspace().join("fixtures/hello.c"))
        .status()
        .unwrap()
        .success();
    assert!(ok, "gcc -m32 (dynamic) failed");
    let mut bytes = std::fs::read(&bin).unwrap();
    let at = bytes.windows(19).position(|w| w == b"/lib/ld-linux.so.2\0").expect("PT_INTERP /lib/ld-linux.so.2");
    bytes[at..at + 18].copy_from_slice(interp);
    std::fs::write(&bin, bytes).unwrap();
    bin
}

#[test]
fn dynamic_programs_run_with_their_interpreter_from_the_host_or_a_sysroot() {
    let dir = tempfile::tempdir().unwrap();
    // As built: /lib/ld-linux.so.2 from the host's libc6-i386.
    let plain = with_interpreter(dir.path(), "plain", b"/lib/ld-linux.so.2");
    let out = emu(&[plain.to_str().unwrap()]);
    assert_eq!((out.status.as_str(), out.stdout_str().as_str()), ("exit status 3", "hello from i386\n"));
    // An interpreter only a sysroot has: -L, or EMU386_LD_PREFIX, finds it there.
    let elsewhere = with_interpreter(dir.path(), "elsewhere", b"/no/such/ld-so.so2");
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("no/such")).unwrap();
    std::os::unix::fs::symlink("/lib/ld-linux.so.2", root.join("no/such/ld-so.so2")).unwrap();
    let out = emu(&["-L", root.to_str().unwrap(), elsewhere.to_str().unwrap()]);
    assert_eq!((out.status.as_str(), out.stdout_str().as_str()), ("exit status 3", "hello from i386\n"));
    let mut cmd = command(EMU386, dir.path());
    cmd.arg(&elsewhere).env("EMU386_LD_PREFIX", &root);
    let out = run(cmd, b"");
    assert_eq!((out.status.as_str(), out.stdout_str().as_str()), ("exit status 3", "hello from i386\n"));
    // The interpreter run as the program, as `ldd` runs it.
    let out = emu(&["/lib/ld-linux.so.2", plain.to_str().unwrap()]);
    assert_eq!((out.status.as_str(), out.stdout_str().as_str()), ("exit status 3", "hello from i386\n"));
    let out = emu(&["/lib/ld-linux.so.2", "--list", plain.to_str().unwrap()]);
    assert_eq!(out.status, "exit status 0", "{}", out.stderr_str());
    assert!(out.stdout_str().contains("libc.so.6 => "), "{}", out.stdout_str());
}

/// qemu-i386 stops parsing at PROGRAM: every word after it is the program's, even one that is an
/// emu386 option.
#[test]
fn options_after_the_program_go_to_the_program() {
    let prog = fixture("args_env");
    let out = emu(&[&prog, "-h", "-V", "-E", "x", "--strace", "--"]);
    assert_eq!(out.status, "exit status 0", "{}", out.stderr_str());
    let text = out.stdout_str();
    let expected = "argv[1] = \"-h\"\nargv[2] = \"-V\"\nargv[3] = \"-E\"\nargv[4] = \"x\"\n\
                    argv[5] = \"--strace\"\nargv[6] = \"--\"\nargv[argc] = NULL\n";
    assert!(text.contains(expected), "{text}");
    assert!(out.stderr.is_empty(), "no trace: {}", out.stderr_str());
    // Options before PROGRAM are emu386's, with `--` ending them.
    let out = emu(&["-E", "FOO=1", "--", &prog, "-E"]);
    let text = out.stdout_str();
    assert!(text.contains("env: FOO=1\n") && text.contains("argv[1] = \"-E\"\n"), "{text}");
}

/// The program gets execve's checks before it is opened (do_open_execat()): a file without an
/// execute bit (root included) and a FIFO are EACCES at once, as natively.
#[test]
fn the_program_passes_the_kernels_exec_checks() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let hello = std::fs::read(fixture("hello")).unwrap();
    for mode in [0o644, 0o000] {
        let path = dir.path().join(format!("hello{mode:o}"));
        std::fs::write(&path, &hello).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        assert_refused(&[path.to_str().unwrap()], "exit status 126", "Permission denied");
    }
    let fifo = dir.path().join("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o755) }, 0);
    // `run` bounds the time: a blocking open would time out.
    assert_refused(&[fifo.to_str().unwrap()], "exit status 126", "Permission denied");
    // Open for writing elsewhere: ETXTBSY, natively and here; runs again once closed.
    let busy = dir.path().join("busy");
    std::fs::write(&busy, &hello).unwrap();
    std::fs::set_permissions(&busy, std::fs::Permissions::from_mode(0o755)).unwrap();
    let writer = std::fs::OpenOptions::new().write(true).open(&busy).unwrap();
    let native = std::process::Command::new(&busy).output().unwrap_err();
    assert_eq!(native.raw_os_error(), Some(libc::ETXTBSY));
    assert_refused(&[busy.to_str().unwrap()], "exit status 126", "Text file busy");
    drop(writer);
    assert_eq!(emu(&[busy.to_str().unwrap()]).status, "exit status 3");
}

/// `emu386 binfmt install` makes the kernel run i386 programs through emu386, static and dynamic,
/// with their arguments; `uninstall` undoes it. Only ever inside a private user and mount
/// namespace with its own binfmt_misc instance, never on the host's: ignored, saying why, where
/// that is not allowed (emu/build.rs probes it). `RUST_LOG=emu386=debug` shows which runs went through emu386 (it
/// logs the program it loaded; the kernel's own i386 loader prints nothing).
#[test]
#[cfg_attr(
    emu386_no_binfmt_ns,
    ignore = "no private user namespace with its own binfmt_misc here (unshare -Urm, kernel 6.7+)"
)]
fn binfmt_install_runs_i386_programs_through_emu386_in_a_private_namespace() {
    let args = fixture("args_env");
    let dir = tempfile::tempdir().unwrap();
    let dynamic = with_interpreter(dir.path(), "hello-dyn", b"/lib/ld-linux.so.2");
    let script = format!(
        "set -e; mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; emu=$1; \
         $emu binfmt install; $emu binfmt status; \
         RUST_LOG=emu386=debug {args} one -two 2>&1; RUST_LOG=emu386=debug {dynamic} 2>&1 || echo \"exit $?\"; \
         $emu binfmt uninstall; $emu binfmt status; RUST_LOG=emu386=debug {dynamic} 2>&1 || echo \"native exit $?\"",
        dynamic = dynamic.display()
    );
    let out = std::process::Command::new("timeout")
        .args(["60", "unshare", "--user", "--map-root-user", "--mount", "sh", "-c", &script, "sh", EMU386])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("flags: POCF"), "{text}");
    let emulated: Vec<&str> = text.lines().filter(|l| l.starts_with("[DEBUG emu386] loaded ")).collect();
    assert_eq!(emulated.len(), 2, "two runs through emu386, one native:\n{text}");
    assert!(text.contains("argc = 3\nargv[1] = \"one\"\nargv[2] = \"-two\"\n"), "{text}");
    assert!(text.contains("hello from i386\nexit 3\n"), "{text}");
    assert!(text.contains("emu386-i386 is not registered"), "{text}");
    assert!(text.trim_end().ends_with("hello from i386\nnative exit 3"), "{text}");
}

/// The man page and the completions come from the same definitions as the command line.
#[test]
fn man_page_and_completions_are_generated_from_the_command_line() {
    let man = emu(&["manpage"]);
    assert_eq!(man.status, "exit status 0");
    let text = man.stdout_str();
    assert!(text.contains(".TH emu386 1") && text.contains("\\-\\-kernel\\-release"), "{text}");
    assert!(text.contains("\\fBemu386\\fR binfmt install|uninstall|status"), "{text}");
    for (shell, mark) in [("bash", "_emu386()"), ("zsh", "#compdef emu386"), ("fish", "complete -c emu386")] {
        let out = emu(&["completions", shell]);
        assert_eq!(out.status, "exit status 0", "{shell}");
        assert!(out.stdout_str().contains(mark), "{shell}: {}", out.stdout_str());
        assert!(out.stdout_str().contains("kernel-release"), "{shell}");
    }
    assert_eq!(emu(&["completions", "cmd.exe"]).status, "exit status 2");
}

/// ld.so's environment: LD_LIBRARY_PATH finds a library in a directory of the test's, LD_PRELOAD
/// puts another before it, and without either the program fails to start; each natively and
/// under emu386, with the same outcome.
#[test]
fn ld_library_path_and_ld_preload_work_as_natively() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gcc = |args: &[&str]| {
        let ok = std::process::Command::new("gcc").args(args).current_dir(d).status().unwrap().success();
        assert!(ok, "gcc {args:?}");
    };
    std::fs::write(d.join("probe.c"), "int emu386_probe(void) { return 42; }\n").unwrap();
    std::fs::write(d.join("pre.c"), "int emu386_probe(void) { return 7; }\n").unwrap();
    std::fs::write(
        d.join("main.c"),
        "#include <stdio.h>\nint emu386_probe(void);\nint main(void) { printf(\"probe %d\\n\", emu386_probe()); return 0; }\n",
    )
    .unwrap();
    gcc(&["-m32", "-shared", "-fPIC", "-o", "libprobe.so", "probe.c"]);
    gcc(&["-m32", "-shared", "-fPIC", "-o", "libpre.so", "pre.c"]);
    gcc(&["-m32", "-o", "main", "main.c", "-L.", "-lprobe"]);
    let main = d.join("main");
    let lib_dir = d.to_str().unwrap().to_owned();
    let preload = d.join("libpre.so").to_str().unwrap().to_owned();
    let cases: [(&str, Vec<(&str, &str)>); 3] = [
        ("library path", vec![("LD_LIBRARY_PATH", lib_dir.as_str())]),
        ("preload", vec![("LD_LIBRARY_PATH", lib_dir.as_str()), ("LD_PRELOAD", preload.as_str())]),
        ("neither", vec![]),
    ];
    for (what, env) in cases {
        let mut native = command(&main, d);
        let mut emulated = command(EMU386, d);
        emulated.arg(&main);
        for (k, v) in &env {
            native.env(k, v);
            emulated.env(k, v);
        }
        let (n, e) = (run(native, b""), run(emulated, b""));
        assert_eq!(
            (n.status.as_str(), n.stdout_str()),
            (e.status.as_str(), e.stdout_str()),
            "{what}: {}",
            e.stderr_str()
        );
        match what {
            "library path" => assert_eq!(n.stdout_str(), "probe 42\n"),
            "preload" => assert_eq!(n.stdout_str(), "probe 7\n"),
            _ => assert_eq!(n.status, "exit status 127", "{}", n.stderr_str()),
        }
    }
}

/// A traced emulator keeps an fd of its own (the trace file). Without CAP_SYS_RESOURCE it cannot
/// place it above the guest's hard limit; with a soft limit below the hard one it sits in the last
/// 16 fds under the hard limit, so the program still has its whole soft limit (fixture fd_limit
/// agrees), and a program that raises its soft limit meets EMFILE only in those last 16. (With
/// the soft limit equal to the hard one there is no room: see `fd::init_nofile`.)
#[test]
fn a_traced_program_has_its_whole_soft_limit_without_cap_sys_resource() {
    let prog = fixture("fd_limit");
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace");
    let limited = |words: &str| {
        let script = format!("ulimit -Sn 1024 && ulimit -Hn 4096 && exec {words}");
        let mut cmd = command("setpriv", dir.path());
        cmd.args(["--inh-caps=-sys_resource", "--bounding-set=-sys_resource", "sh", "-c", &script]);
        run(cmd, b"")
    };
    let native = limited(&prog);
    let emulated = limited(&format!("{EMU386} --strace-file {} {prog}", trace.display()));
    assert_eq!(native.status, "exit status 0", "{}", native.stderr_str());
    assert_eq!(emulated.stdout_str(), native.stdout_str());
    assert_eq!(emulated.status, native.status, "{}", emulated.stderr_str());
    assert!(std::fs::metadata(&trace).is_ok_and(|m| m.len() > 0), "no trace written");
}

/// Direct guest addressing is on unless `EMU386_DIRECT=0` (which the fixtures' `soft_mmu::` tests
/// and `EMU386_DIRECT=0 bash tests/run.sh` rely on) or the gdb stub, and the program's output is
/// the same either way.
#[test]
fn emu386_direct_0_turns_direct_guest_addressing_off() {
    let hello = fixture("hello");
    for (value, mode) in [(None, "on"), (Some("0"), "off: the soft MMU"), (Some("1"), "on")] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = command(EMU386, dir.path());
        cmd.env_remove(common::DIRECT).env("RUST_LOG", "emu386=info").arg(&hello);
        if let Some(value) = value {
            cmd.env(common::DIRECT, value);
        }
        let out = run(cmd, b"");
        assert_eq!(out.status, "exit status 3", "{value:?}: {}", out.stderr_str());
        let said = format!("direct guest addressing {mode}\n");
        assert!(out.stderr_str().contains(&said), "{value:?}: expected {said:?} in {:?}", out.stderr_str());
        assert_eq!(out.stdout_str(), run(command(&hello, dir.path()), b"").stdout_str());
    }
}
