//! `emu386 -g PORT`: gdb attaches, stops at a breakpoint on main, steps, reads memory, and the
//! program's output and exit status are unchanged.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const PROGRAM: &str = r#"
#include <stdio.h>
int some_global = 0x11223344;
int main(void) {
    some_global += 1;
    printf("hello %x\n", some_global);
    return 3;
}
"#;

const LOOP: &str = r#"
#include <stdio.h>
int counter;
void tick(int i) { counter += i; }
int main(int argc, char **argv) {
    for (int i = 0; i < 3; i++) tick(i);
    printf("counter %d\n", counter);
    fflush(stdout);
    if (argc > 1) *(volatile int *)0 = 1;
    return 0;
}
"#;

fn build(dir: &Path) -> PathBuf {
    build_source(dir, PROGRAM)
}

fn build_source(dir: &Path, source: &str) -> PathBuf {
    let src = dir.join("prog.c");
    std::fs::write(&src, source).unwrap();
    let exe = dir.join("prog");
    let ok = Command::new("gcc").args(["-m32", "-static", "-g", "-O0", "-o"]).arg(&exe).arg(&src).status().unwrap();
    assert!(ok.success());
    exe
}

fn symbol(exe: &Path, name: &str) -> u64 {
    let out = Command::new("nm").arg(exe).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.split_whitespace().nth(2) == Some(name)).unwrap();
    u64::from_str_radix(line.split_whitespace().next().unwrap(), 16).unwrap()
}

/// Run the program under `emu386 -g 0` with gdb running `commands`: (gdb's output, the program's
/// stdout, its exit code).
fn debug(exe: &Path, commands: &[&str]) -> (String, String, Option<i32>) {
    debug_args(exe, &[], commands)
}

/// [`debug`] with arguments for the program.
fn debug_args(exe: &Path, args: &[&str], commands: &[&str]) -> (String, String, Option<i32>) {
    let mut emu = Command::new(env!("CARGO_BIN_EXE_emu386"))
        .args(["-g", "0"])
        .arg(exe)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(emu.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let port = line.trim().rsplit(':').next().unwrap().to_string();
    let mut gdb = Command::new("timeout");
    gdb.args(["30", "gdb", "-nx", "-batch", "-ex", &format!("target remote 127.0.0.1:{port}")]);
    for c in commands {
        gdb.args(["-ex", c]);
    }
    let out = gdb.arg(exe).output().unwrap();
    let gdb_out = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = emu.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = emu.kill();
            panic!("emu386 did not end; gdb said:\n{gdb_out}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut emu.stdout.take().unwrap(), &mut stdout).unwrap();
    (gdb_out, stdout, status.code())
}

#[test]
#[cfg_attr(emu386_no_gdb, ignore = "gdb is not installed")]
fn break_at_main_then_continue() {
    let dir = tempfile::tempdir().unwrap();
    let exe = build(dir.path());
    let main = symbol(&exe, "main");
    let (gdb, stdout, code) = debug(&exe, &["break *main", "continue", "info registers eip", "continue"]);
    let eip = gdb.lines().find(|l| l.starts_with("eip")).unwrap_or_else(|| panic!("no eip in:\n{gdb}"));
    let value = eip.split_whitespace().nth(1).unwrap().trim_start_matches("0x");
    assert_eq!(u64::from_str_radix(value, 16).unwrap(), main, "{gdb}");
    assert!(gdb.contains("exited with code 03"), "{gdb}");
    assert_eq!(stdout, "hello 11223345\n");
    assert_eq!(code, Some(3));
}

#[test]
#[cfg_attr(emu386_no_gdb, ignore = "gdb is not installed")]
fn step_and_read_memory() {
    let dir = tempfile::tempdir().unwrap();
    let exe = build(dir.path());
    let main = symbol(&exe, "main");
    let (gdb, stdout, code) =
        debug(&exe, &["break *main", "continue", "stepi", "info registers eip", "x/4xb &some_global", "continue"]);
    let eip = gdb.lines().find(|l| l.starts_with("eip")).unwrap_or_else(|| panic!("no eip in:\n{gdb}"));
    let value = u64::from_str_radix(eip.split_whitespace().nth(1).unwrap().trim_start_matches("0x"), 16).unwrap();
    assert!(value > main && value < main + 16, "{gdb}");
    assert!(gdb.contains("0x44\t0x33\t0x22\t0x11"), "{gdb}");
    assert_eq!(stdout, "hello 11223345\n");
    assert_eq!(code, Some(3));
}

#[test]
#[cfg_attr(emu386_no_gdb, ignore = "gdb is not installed")]
fn a_breakpoint_hit_again_a_variable_set_and_a_fault_reported() {
    let dir = tempfile::tempdir().unwrap();
    let exe = build_source(dir.path(), LOOP);
    let commands =
        ["break tick", "continue", "continue", "print i", "delete", "next", "set var counter = 100", "continue"];
    let (gdb, stdout, code) = debug(&exe, &commands);
    assert!(gdb.contains("tick (i=0)") && gdb.contains("tick (i=1)"), "{gdb}");
    assert!(gdb.contains("$1 = 1"), "{gdb}");
    assert!(gdb.contains("exited normally"), "{gdb}");
    assert_eq!(stdout, "counter 100\n");
    assert_eq!(code, Some(0));

    // A fault stops for gdb with its signal; continuing delivers it and the program dies of it.
    let (gdb, stdout, code) = debug_args(&exe, &["fault"], &["continue", "info registers eip", "continue"]);
    assert!(gdb.contains("Program received signal SIGSEGV"), "{gdb}");
    assert!(gdb.contains("prog.c:9"), "{gdb}");
    assert!(gdb.contains("Program terminated with signal SIGSEGV"), "{gdb}");
    assert_eq!(stdout, "counter 3\n");
    assert_eq!(code, None, "killed by a signal");
}
