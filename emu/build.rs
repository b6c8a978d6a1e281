//! Generates one differential test per `fixtures/*.c` (see tests/fixtures.rs), so that a fixture
//! cannot exist without its test, and the engine patch level emu386 is built for: the number of
//! patches in `unicorn/series` (cpu.rs checks the linked engine against it).
//!
//! It also probes what this machine lets the tests do (trace with strace, debug with gdb, make
//! private namespaces) and sets a `cfg` for each thing it cannot: the tests that need it are then
//! `#[ignore]`d with the reason, so `cargo test` reports them as ignored, saying why, instead of
//! passing without having run. The probes run again when a program is installed or removed.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    println!("cargo:rerun-if-changed={}", fixtures.display());
    let mut names: Vec<String> = std::fs::read_dir(&fixtures)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".c")).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::new();
    for name in names {
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "fixture name {name:?} must be lowercase letters, digits and underscores"
        );
        writeln!(out, "fixture_test!({name});").unwrap();
    }
    let out_dir = std::env::var("OUT_DIR").unwrap();
    std::fs::write(Path::new(&out_dir).join("fixture_tests.rs"), out).unwrap();

    probe_test_capabilities();

    // emu386 itself is linked as a position-dependent executable: as a PIE, ld.so applied 11,148
    // R_X86_64_RELATIVE relocations at every start (and copied the pages they touch), about a
    // fifth of the start-up cost of a guest that only calls exit(2). The objects stay PIC (the
    // proc-macros built with the same flags need that); only the final link of the binary changes,
    // and `-no-pie` after rustc's `-pie` wins in the compiler driver.
    println!("cargo:rustc-link-arg-bins=-no-pie");
    // The unwinder (panics, backtraces) is linked in from libgcc_eh.a, as gcc's -static-libgcc
    // does, so libgcc_s.so.1 (which --as-needed then drops) is not loaded at every start: ld.so
    // mapped and relocated it, and its constructor (__cpu_indicator_init) ran CPUID several
    // times, a trap to the hypervisor each on a virtual machine. Whole-archive, because std's
    // references to the `_Unwind_*` functions come after this library on the command line.
    println!("cargo:rustc-link-lib=static:+whole-archive,-bundle=gcc_eh");

    let series = Path::new(env!("CARGO_MANIFEST_DIR")).join("unicorn/series");
    println!("cargo:rerun-if-changed={}", series.display());
    let text = std::fs::read_to_string(&series).expect("emu/unicorn/series");
    let patches = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).count();
    std::fs::write(
        Path::new(&out_dir).join("engine_patch_level.rs"),
        format!("/// The number of patches in emu/unicorn/series.\npub const ENGINE_PATCH_LEVEL: u32 = {patches};\n"),
    )
    .unwrap();
}

/// Whether `program args...` runs here and exits with status 0 (output discarded).
fn succeeds(program: &str, args: &[&str]) -> bool {
    std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// One `cfg` per capability a test needs and this machine lacks (see the module comment).
fn probe_test_capabilities() {
    for dir in ["/usr/bin", "/usr/sbin", "/usr/local/bin"] {
        if Path::new(dir).is_dir() {
            println!("cargo:rerun-if-changed={dir}");
        }
    }
    /// A cfg, and a probe that says whether the capability is there.
    type Probe = (&'static str, fn() -> bool);
    let probes: [Probe; 5] = [
        ("emu386_no_strace", || succeeds("strace", &["-f", "-o", "/dev/null", "true"])),
        ("emu386_no_gdb", || succeeds("gdb", &["--version"])),
        ("emu386_no_netns", || succeeds("unshare", &["-n", "true"]) && succeeds("setpriv", &["--help"])),
        ("emu386_no_mntns", || succeeds("unshare", &["-m", "true"])),
        ("emu386_no_binfmt_ns", || {
            succeeds(
                "unshare",
                &[
                    "--user",
                    "--map-root-user",
                    "--mount",
                    "sh",
                    "-c",
                    "mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc",
                ],
            )
        }),
    ];
    for (cfg, works) in probes {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if !works() {
            println!("cargo:rustc-cfg={cfg}");
        }
    }
}
