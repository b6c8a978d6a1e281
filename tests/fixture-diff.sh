#!/usr/bin/env bash
# Diff one fixture natively vs under emu386: tests/fixture-diff.sh NAME [ARGS...]
# (The test suite does the same for every fixture; this is the quick loop while writing one.)
set -u
name=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/target/fixtures; mkdir -p "$out"
flags=$(sed -n 's|^// cflags: ||p' "$root/fixtures/$name.c")
link=-static; case " $flags " in *" -static-pie "*) link=; esac
gcc -m32 $link -O1 -Wall -o "$out/$name" "$root/fixtures/$name.c" $flags || exit 2
# Run in a subshell so that bash's "Segmentation fault" report (which names the pid) is not printed.
run() { local d; d=$(mktemp -d); (cd "$d" && (timeout 10 "$@" </dev/null); echo "exit status $?") 2>&1 | sed 's/^.*line [0-9]*: *[0-9]* //'; rm -rf "$d"; }
native=$(run "$out/$name" "$@")
emulated=$(run "$root/target/release/emu386" "$out/$name" "$@")
# A run that timed out proves nothing, even when both did.
case "$native$emulated" in *"exit status 124"*) echo "$name: timed out"; exit 1 ;; esac
diff <(echo "$native") <(echo "$emulated") && echo "$name: same"
