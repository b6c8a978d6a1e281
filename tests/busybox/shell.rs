//! busybox sh: builtins, pipelines and redirections (fork, execve of busybox itself, pipes, dup2,
//! wait4), xargs and find -exec, and `-L` sysroot paths seen through a shell.

use crate::case::{busybox, case, emulator};
use crate::common;
use crate::inputs::TABLE;

#[test]
fn sh_builtins() {
    case().run(&["sh", "-c", "i=0; while [ $i -lt 5 ]; do i=$((i+1)); echo n$i; done; exit 3"]).check();
}

#[test]
fn sh_pipeline_and_redirect() {
    // fork, execve of busybox itself, pipes, dup2, wait4.
    case()
        .file("t", TABLE)
        .run(&["sh", "-c", "sort t | uniq -c | sort -n > out; cat out; echo $(wc -l < out) lines; false || echo ok"])
        .tree()
        .check();
}

#[test]
fn xargs_and_find_exec() {
    case()
        .file("a", "1\n")
        .file("b", "22\n")
        .run_with(&["xargs", "wc", "-c"], "a b\n")
        .run(&["find", ".", "-type", "f", "-exec", "cat", "{}", ";"])
        .check();
}

/// `-L DIR`: an absolute path the program uses resolves under DIR when the file exists there (as
/// qemu-i386's -L), and on the host otherwise; a guest execve carries the option over.
#[test]
fn sysroot_paths_resolve_under_dash_l_first() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("emu386-sysroot-test")).unwrap();
    std::fs::write(root.join("emu386-sysroot-test/only-here"), "inside the sysroot\n").unwrap();
    let outside = dir.path().join("outside.txt");
    std::fs::write(&outside, "on the host\n").unwrap();
    let run_with = |args: &[&std::ffi::OsStr]| {
        let mut cmd = common::command(emulator(), dir.path());
        cmd.args(args);
        common::run(cmd, b"")
    };
    let bb = busybox();
    // The shell's own open (a redirection), an applet run through a guest execve, a host file.
    let script = format!(
        "read line < /emu386-sysroot-test/only-here; echo \"$line\"; {bb} cat {out} /emu386-sysroot-test/only-here",
        bb = bb.display(),
        out = outside.display()
    );
    let out =
        run_with(&["-L".as_ref(), root.as_os_str(), bb.as_os_str(), "sh".as_ref(), "-c".as_ref(), script.as_ref()]);
    assert_eq!(out.status, "exit status 0", "{}", out.stderr_str());
    assert_eq!(out.stdout_str(), "inside the sysroot\non the host\ninside the sysroot\n");
    // Without -L the path is the host's, where it does not exist.
    let out = run_with(&[bb.as_os_str(), "cat".as_ref(), "/emu386-sysroot-test/only-here".as_ref()]);
    assert_eq!(out.status, "exit status 1");
}
