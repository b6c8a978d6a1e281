//! Debian's bash-static (i386), run natively and under emu386: scripts with command substitution,
//! pipelines, traps, subshells, functions, here-documents, background jobs and coprocesses must
//! give the same stdout, stderr and exit status on both sides. Each script runs in a fresh
//! directory with an empty stdin. The binary comes from `tests/fetch-busybox.sh`
//! (target/bash/bin/bash-static).
//!
//! Scripts print what they see and avoid races the kernel decides (which process of a pipeline
//! exits first, for one): those differ between two native runs too.

mod common;

use common::{command, run, workspace, EMU386};
use std::path::PathBuf;

fn bash() -> PathBuf {
    let path = workspace().join("target/bash/bin/bash-static");
    assert!(path.is_file(), "bash-static not found at {}: run tests/fetch-busybox.sh", path.display());
    path
}

/// Run `script` with bash natively and under emu386; both outcomes must be equal.
fn same(name: &str, script: &str) {
    let native_dir = tempfile::tempdir().unwrap();
    let emu_dir = tempfile::tempdir().unwrap();
    let mut native = command(bash(), native_dir.path());
    native.args(["-c", script, name]);
    let mut emulated = command(EMU386, emu_dir.path());
    emulated.arg(bash()).args(["-c", script, name]);
    let (n, e) = (run(native, b""), run(emulated, b""));
    assert!(n.status != "timed out" && !n.stdout.is_empty(), "{name}: the native run did nothing: {}", n.status);
    assert_eq!(
        (&n.status, n.stdout_str(), n.stderr_str()),
        (&e.status, e.stdout_str(), e.stderr_str()),
        "{name}: (status, stdout, stderr) native vs emulated"
    );
}

#[test]
fn command_substitution_and_pipelines() {
    same(
        "subst",
        r#"
        x=$(echo hello | tr a-z A-Z); echo "subst: $x"
        echo "nested: $(echo $(echo inner) `echo backticks`)"
        printf 'b\na\nc\n' | sort | head -2
        n=$(seq 1 1000 | wc -l); echo "lines: $n"
        echo "status of a pipeline: $(false | true; echo $?) $(true | false; echo $?)"
        set -o pipefail; false | true; echo "pipefail: $?"; set +o pipefail
        echo data | { read -r v; echo "read in a pipeline: $v"; }
        out=$( { echo to-stdout; echo to-stderr >&2; } 2>&1 ); echo "both: $out"
        "#,
    );
}

#[test]
fn traps_and_signals() {
    same(
        "traps",
        r#"
        trap 'echo trapped USR1' USR1
        kill -USR1 $$
        trap 'echo trapped TERM; exit 7' TERM
        trap 'echo on exit $?' EXIT
        trap 'echo err at $LINENO' ERR
        false
        ( trap 'echo child INT' INT; kill -INT $BASHPID; echo child after )
        sleep 5 & pid=$!; kill $pid; wait $pid; echo "killed sleeper: $?"
        trap -p USR1
        kill -TERM $$
        echo not reached
        "#,
    );
}

#[test]
fn functions_subshells_and_redirections() {
    same(
        "functions",
        r#"
        f() { local v=$1; echo "func $v"; return 3; }
        f arg; echo "status $?"
        arr=(one two three); echo "${#arr[@]} ${arr[1]} ${arr[@]:1}"
        declare -A m=([k]=v [x]=y); echo "${m[k]} ${#m[@]}"
        echo $(( 6 * 7 )) $(( 2 ** 10 )) $(( -7 / 2 ))
        ( exit 5 ); echo "subshell $?"
        { echo grouped; echo twice; } > out.txt; cat out.txt; wc -l < out.txt
        exec 3> fd3.txt; echo via-fd3 >&3; exec 3>&-; cat fd3.txt
        read -r line <<< "here string"; echo "$line"
        cat <<END
heredoc $((1+1)) $HOME-is-set-${HOME:+yes}
END
        cat <<'END'
literal $x
END
        shopt -s extglob
        eval 'case abc in +(a|b|c)) echo extglob;; esac'
        for i in 1 2 3; do echo -n "$i "; done; echo
        i=0; while (( i < 3 )); do (( i++ )); done; echo "while $i"
        type echo cd | head -2
        echo "${x:-default} ${PWD:+has-a-pwd}"
        "#,
    );
}

#[test]
fn background_jobs_and_coprocesses() {
    same(
        "jobs",
        r#"
        sleep 0.1 & wait $!; echo "bg done $?"
        (exit 4) & wait $!; echo "bg status $?"
        { for i in 3 1 2; do (echo "job $i") & done; wait; } | sort; echo all done
        coproc { read -r line; echo "coproc got $line"; }
        echo hi >&"${COPROC[1]}"; read -r c <&"${COPROC[0]}"; echo "$c"
        wait $COPROC_PID; echo "coproc status $?"
        echo "$(ulimit -n)" | grep -c .
        "#,
    );
}

/// A command substitution whose output takes bash a while to read: SIGCHLD arrives while it
/// copies (see `asynchronous_signals_during_string_copies` in tests/robustness.rs).
#[test]
fn a_large_command_substitution() {
    same("big", r#"big=$(head -c 200000 /dev/zero | tr '\0' x); echo "big: ${#big}""#);
}
