#!/usr/bin/env bash
# Benchmark emu386 against native execution and qemu-i386 on this machine, in one run.
#
# Usage: tests/bench/run.sh [-n REPS] [--no-build] [--cpu-only]
#
#   -n REPS     repetitions per program and runner (default 5; hello runs 4×REPS times); the table
#               shows the median wall time of the repetitions (the CPU basket: of min(REPS, 3))
#   --no-build  use target/release/emu386 as it is instead of running `cargo build --release` first
#   --cpu-only  only the CPU basket, the thread/code-churn program and the memory per thread
#
# Environment: EMU386 (default target/release/emu386), QEMU (default qemu-i386).
#
# Builds tests/bench/*.c with `gcc -m32 -static -O2` into target/bench/, then runs each program
# natively, under qemu-i386 and under emu386. Programs:
#   hello    printf + exit: start-up cost (hello-dyn: the same, dynamically linked)
#   cpu      FNV-1a over ~400 MB in guest code: translation/execution speed
#   getppid  1,000,000 getppid() calls: syscall round trip; ns/call = (getppid − hello) / 10^6
#   tcpbulk  1 GiB over loopback TCP between two processes under the same runner: throughput
#   udprtt   200,000 UDP round trips between two processes under the same runner
#   forkwait fork + _exit + waitpid cycles per second
#   httpd    busybox httpd (a fork per request) under wrk, 16 connections, 8 s (needs wrk)
#   httpload 5,000 GETs without keep-alive from 4 processes to busybox httpd, both under emu386 in
#            host mode and both on one private network (--net=private: wrk cannot reach it)
#   tcpbulk and udprtt run a third time under emu386 --net=private (both processes on one private
#   network), compared with emu386's host mode
# The CPU basket, user CPU time (/usr/bin/time %U) of each runner, and the ratio to qemu-i386's,
# with their geometric mean: busybox gzip -c, sha256sum and md5sum of a 30 MB file of generated text,
# busybox bc -l computing pi to 2000 digits (scale=2000; 4*a(1)), and the cpu program over 128 MB.
#   churn      1,000 threads created and joined while another thread maps, runs and unmaps small
#              code buffers (wall time)
#   threadmem  host memory per live guest thread: peak RSS with 200 threads waiting, less with none
#   faults     20,000 SIGSEGVs raised by a load from a PROT_NONE page and handled (the handler steps
#              over the load): fault delivery, wall time against native
# Also shows the peak RSS of hello under each runner (/usr/bin/time -f %M) and the targets emu386 is
# held to. Needs: gcc-multilib (gcc -m32), qemu-user (qemu-i386), time (/usr/bin/time). This is a
# measurement, not a test: it exits 0 whatever the ratios are, non-zero only when it cannot run.
set -euo pipefail

reps=5
build=1
cpu_only=0
while [ $# -gt 0 ]; do
    case $1 in
        -n) reps=${2:?-n needs a number}; shift 2 ;;
        --no-build) build=0; shift ;;
        --cpu-only) cpu_only=1; shift ;;
        -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
case $reps in ''|*[!0-9]*|0) echo "run.sh: -n needs a positive number" >&2; exit 2 ;; esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
emu=${EMU386:-$root/target/release/emu386}
qemu=${QEMU:-qemu-i386}
out=$root/target/bench

missing=()
command -v gcc >/dev/null || missing+=("gcc-multilib (gcc)")
command -v "$qemu" >/dev/null || missing+=("qemu-user (qemu-i386)")
[ -x /usr/bin/time ] || missing+=("time (/usr/bin/time)")
if [ ${#missing[@]} -gt 0 ]; then
    echo "run.sh: missing tools; apt-get install:" "${missing[@]}" >&2
    exit 1
fi
if [ "$build" = 1 ] && [ -z "${EMU386:-}" ]; then
    (cd "$root" && cargo build --release --quiet) || { echo "run.sh: cargo build --release failed" >&2; exit 1; }
fi
[ -x "$emu" ] || { echo "run.sh: $emu not found (cargo build --release)" >&2; exit 1; }

mkdir -p "$out"
programs=(hello hello-dyn cpu getppid)
for p in hello cpu getppid tcpbulk udprtt forkwait churn threadmem faults httpload; do
    gcc -m32 -static -O2 -Wall -pthread -o "$out/$p" "$here/$p.c" || {
        echo "run.sh: gcc -m32 failed for $p.c (apt-get install gcc-multilib)" >&2
        exit 1
    }
done
# The same hello, dynamically linked: start-up through ld-linux.so.2 and the host's i386 glibc.
gcc -m32 -O2 -Wall -o "$out/hello-dyn" "$here/hello.c" || { echo "run.sh: gcc -m32 failed for hello.c" >&2; exit 1; }

# Wall seconds of one run of "$@" (stdout discarded), microsecond resolution, via $EPOCHREALTIME.
wall() {
    local t0 t1
    t0=$EPOCHREALTIME
    "$@" >/dev/null || { echo "run.sh: '$*' failed" >&2; return 1; }
    t1=$EPOCHREALTIME
    echo "$t0 $t1" | awk '{ printf "%.6f\n", $2 - $1 }'
}

# Median wall seconds over N runs of "$@".
median() {
    local n=$1; shift
    local i
    for ((i = 0; i < n; i++)); do wall "$@"; done | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Peak RSS in KiB of one run of "$@".
rss() {
    local f
    f=$(mktemp)
    /usr/bin/time -o "$f" -f %M "$@" >/dev/null
    tail -n 1 "$f"
    rm -f "$f"
}

runners=(native qemu emu)
declare -A cmd=([native]="" [qemu]="$qemu" [emu]="$emu" [private]="$emu --net=private:bench$$")
declare -A t

# User CPU seconds of one run of "$@" (stdout discarded).
user_time() {
    local f
    f=$(mktemp)
    /usr/bin/time -o "$f" -f %U "$@" >/dev/null </dev/null || { echo "run.sh: '$*' failed" >&2; rm -f "$f"; return 1; }
    tail -n 1 "$f"
    rm -f "$f"
}

# The CPU basket: real compute in busybox and the cpu program, user CPU time per runner.
cpu_basket() {
    local busybox=${BUSYBOX:-$root/target/busybox/bin/busybox}
    [ -x "$busybox" ] || { echo "run.sh: the CPU basket needs $busybox (tests/fetch-busybox.sh)" >&2; exit 1; }
    local data=$out/text30m bcfile=$out/pi.bc
    if [ ! -s "$data" ]; then
        # 30 MB of text from a fixed vocabulary and seed: compressible as prose is, the same bytes
        # on every machine.
        python3 - "$data" <<'PY'
import random, sys
rng = random.Random(386)
words = [''.join(rng.choice('etaoinshrdlucmfwypvbgkqjxz') for _ in range(rng.randint(1, 9))) for _ in range(5000)]
with open(sys.argv[1], 'w') as f:
    size = 0
    while size < 30 * 1000 * 1000:
        line = ' '.join(rng.choice(words) for _ in range(rng.randint(4, 16))) + '.\n'
        f.write(line)
        size += len(line)
PY
    fi
    echo 'scale=2000; 4*a(1)' >"$bcfile"
    basket_names=(gzip sha256sum md5sum bc cpu)
    declare -gA basket_cmd=(
        [gzip]="$busybox gzip -c $data" [sha256sum]="$busybox sha256sum $data"
        [md5sum]="$busybox md5sum $data" [bc]="$busybox bc -l $bcfile" [cpu]="$out/cpu 128")
    local n=$((reps < 3 ? reps : 3)) b r i
    for b in "${basket_names[@]}"; do
        for r in "${runners[@]}"; do
            # shellcheck disable=SC2086
            t[basket.$b.$r]=$(for ((i = 0; i < n; i++)); do user_time ${cmd[$r]} ${basket_cmd[$b]}; done |
                sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
        done
    done
    # Threads and code churn (wall time) and host memory per live thread (peak RSS).
    for r in "${runners[@]}"; do
        # shellcheck disable=SC2086
        t[churn.$r]=$(median "$n" ${cmd[$r]} "$out/churn" 1000)
        # shellcheck disable=SC2086
        t[faults.$r]=$(median "$n" ${cmd[$r]} "$out/faults")
        # shellcheck disable=SC2086
        t[threadmem.$r]=$(awk -v a="$(rss ${cmd[$r]} "$out/threadmem" 200)" -v b="$(rss ${cmd[$r]} "$out/threadmem" 0)" \
            'BEGIN { printf "%.0f", (a - b) / 200 }')
    done
}

print_basket() {
    echo "CPU basket: user CPU seconds, median of $((reps < 3 ? reps : 3)) runs"
    local fmt="%-10s %10s %10s %10s %10s %10s   %s\n" b ratios=()
    # shellcheck disable=SC2059
    printf "$fmt" workload native qemu-i386 emu386 emu/qemu emu/native "target (emu/qemu)"
    for b in "${basket_names[@]}"; do
        local rq rn target="" verdict=""
        rq=$(awk -v e="${t[basket.$b.emu]}" -v q="${t[basket.$b.qemu]}" 'BEGIN { printf "%.2f", (q > 0) ? e / q : 0 }')
        rn=$(awk -v e="${t[basket.$b.emu]}" -v n="${t[basket.$b.native]}" 'BEGIN { printf "%.2f", (n > 0) ? e / n : 0 }')
        ratios+=("$rq")
        if [ "$b" = cpu ]; then
            target="<= 1.15x: $(awk -v r="$rq" 'BEGIN { print (r <= 1.15) ? "met" : "MISSED" }')"
        else
            target="<= 1.2x: $(awk -v r="$rq" 'BEGIN { print (r <= 1.2) ? "met" : "MISSED" }')"
        fi
        # shellcheck disable=SC2059
        printf "$fmt" "$b" "${t[basket.$b.native]} s" "${t[basket.$b.qemu]} s" "${t[basket.$b.emu]} s" "${rq}x" "${rn}x" "$target"
    done
    local geo
    geo=$(printf '%s\n' "${ratios[@]}" | awk '{ s += log($1) } END { printf "%.2f", exp(s / NR) }')
    # shellcheck disable=SC2059
    printf "$fmt" "geomean" "" "" "" "${geo}x" "" "<= 1.0x: $(awk -v r="$geo" 'BEGIN { print (r <= 1.0) ? "met" : "MISSED" }')"
    local churn_ratio
    churn_ratio=$(awk -v e="${t[churn.emu]}" -v q="${t[churn.qemu]}" 'BEGIN { printf "%.2f", e / q }')
    # shellcheck disable=SC2059
    printf "$fmt" "churn" "$(printf %.2f "${t[churn.native]}") s" "$(printf %.2f "${t[churn.qemu]}") s" "$(printf %.2f "${t[churn.emu]}") s" "${churn_ratio}x" "" \
        "wall, <= 2x: $(awk -v r="$churn_ratio" 'BEGIN { print (r <= 2.0) ? "met" : "MISSED" }')"
    local faults_q faults_n
    faults_q=$(awk -v e="${t[faults.emu]}" -v q="${t[faults.qemu]}" 'BEGIN { printf "%.2f", e / q }')
    faults_n=$(awk -v e="${t[faults.emu]}" -v n="${t[faults.native]}" 'BEGIN { printf "%.2f", e / n }')
    # shellcheck disable=SC2059
    printf "$fmt" "faults" "$(printf %.3f "${t[faults.native]}") s" "$(printf %.3f "${t[faults.qemu]}") s" "$(printf %.3f "${t[faults.emu]}") s" \
        "${faults_q}x" "${faults_n}x" "20,000 SIGSEGVs, wall, emu/native <= 1.5x: $(awk -v r="$faults_n" 'BEGIN { print (r <= 1.5) ? "met" : "MISSED" }')"
    # shellcheck disable=SC2059
    printf "$fmt" "KiB/thread" "${t[threadmem.native]}" "${t[threadmem.qemu]}" "${t[threadmem.emu]}" "" "" \
        "host memory per live thread, <= 512 KiB: $(awk -v m="${t[threadmem.emu]}" 'BEGIN { print (m <= 512) ? "met" : "MISSED" }')"
}

if [ "$cpu_only" = 1 ]; then
    cpu_basket
    echo "emu386 benchmark (CPU only): $(uname -srm), $(nproc) CPUs"
    echo "emu386: $emu"
    echo "qemu:   $($qemu --version | head -n 1)"
    echo
    print_basket
    exit 0
fi

for p in "${programs[@]}"; do
    n=$reps
    case $p in hello | hello-dyn) n=$((reps * 4)) ;; esac
    for r in "${runners[@]}"; do
        # shellcheck disable=SC2086 # cmd[native] is empty on purpose
        ${cmd[$r]} "$out/$p" >/dev/null # warm the page cache
        t[$p.$r]=$(median "$n" ${cmd[$r]} "$out/$p")
    done
done
# Two-process programs: a server under the runner in the background, the timed client under the
# same runner. Median wall time of the client. Server and client are pinned to different CPUs for
# every runner: loopback throughput and latency otherwise depend mostly on where the scheduler
# happens to put the two processes.
pin_server=""
pin_client=""
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    pin_server="taskset -c 0"
    pin_client="taskset -c 1"
fi
pair() {
    local runner=$1 prog=$2 arg=$3 portfile port server
    portfile=$(mktemp)
    rm -f "$portfile"
    # shellcheck disable=SC2086
    $pin_server ${cmd[$runner]} "$out/$prog" server "$portfile" >/dev/null &
    server=$!
    for _ in $(seq 200); do [ -s "$portfile" ] && break; sleep 0.01; done
    port=$(cat "$portfile")
    # shellcheck disable=SC2086
    wall $pin_client ${cmd[$runner]} "$out/$prog" client "$port" "$arg"
    wait "$server"
    rm -f "$portfile"
}
bulk_mib=1024
rtt_count=200000
for r in "${runners[@]}" private; do
    t[tcpbulk.$r]=$(for ((i = 0; i < reps; i++)); do pair "$r" tcpbulk "$bulk_mib"; done | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    t[udprtt.$r]=$(for ((i = 0; i < reps; i++)); do pair "$r" udprtt "$rtt_count"; done | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
done

# Processes: fork + _exit + waitpid cycles per second, and busybox httpd (a fork per request)
# answering wrk with 16 connections for 8 seconds (long enough for 5,000+ requests under emu386).
fork_count=2000
for r in "${runners[@]}"; do
    # shellcheck disable=SC2086
    t[forkwait.$r]=$(median "$reps" ${cmd[$r]} "$out/forkwait" "$fork_count")
done
busybox=${BUSYBOX:-$root/target/busybox/bin/busybox}
declare -A rps fails
if [ -x "$busybox" ] && command -v wrk >/dev/null; then
    www=$(mktemp -d)
    head -c 1024 /dev/zero | tr '\0' x >"$www/index.html"
    for r in "${runners[@]}"; do
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        # shellcheck disable=SC2086
        ${cmd[$r]} "$busybox" httpd -f -p "127.0.0.1:$port" -h "$www" &
        httpd=$!
        for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.02; done
        report=$(wrk -t 2 -c 16 -d 8s "http://127.0.0.1:$port/index.html" 2>&1)
        kill -KILL "$httpd" 2>/dev/null
        wait "$httpd" 2>/dev/null || true
        rps[$r]=$(echo "$report" | awk '/Requests\/sec/ { print $2 }')
        total=$(echo "$report" | awk '/requests in/ { print $1 }')
        errors=$(echo "$report" | awk '/Socket errors|Non-2xx/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i } END { print n + 0 }')
        fails[$r]="$total requests, $errors failed"
    done
    rm -rf "$www"
fi
# The private network's httpd target: busybox httpd and httpload (a connection per request, from
# 4 processes) under the same runner, emu386 in host mode and on a private network (a fixed port
# there: the network is the run's own). Median requests/s of the repetitions.
load_count=5000
declare -A load load_fails
if [ -x "$busybox" ]; then
    www=$(mktemp -d)
    head -c 1024 /dev/zero | tr '\0' x >"$www/index.html"
    # Host mode and private mode alternate, so that a change in the machine's load hits both.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    declare -A results=([emu]="" [private]="")
    for ((i = 0; i < reps; i++)); do
        for r in emu private; do
            p=$port
            [ "$r" = private ] && p=8080
            # shellcheck disable=SC2086
            ${cmd[$r]} "$busybox" httpd -f -p "127.0.0.1:$p" -h "$www" &
            httpd=$!
            # shellcheck disable=SC2086
            results[$r]+="$(${cmd[$r]} "$out/httpload" "$p" "$load_count" 4 || echo "0 $load_count")"$'\n'
            kill -KILL "$httpd" 2>/dev/null
            wait "$httpd" 2>/dev/null || true
        done
    done
    for r in emu private; do
        load[$r]=$(printf '%s' "${results[$r]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
        load_fails[$r]=$(printf '%s' "${results[$r]}" | awk '{ n += $2 } END { print n + 0 }')
    done
    rm -rf "$www"
fi

cpu_basket

declare -A m
for r in "${runners[@]}"; do
    # shellcheck disable=SC2086
    m[$r]=$(rss ${cmd[$r]} "$out/hello")
done

echo "emu386 benchmark: $(uname -srm), $(nproc) CPUs, median of $reps runs (hello: $((reps * 4)))"
echo "emu386: $emu"
echo "qemu:   $($qemu --version | head -n 1)"
echo
fmt="%-10s %12s %12s %12s %10s %10s   %s\n"
# shellcheck disable=SC2059
printf "$fmt" program native qemu-i386 emu386 emu/qemu emu/native "target (emu/qemu)"
declare -A target=([hello]="<= 0.4" [hello-dyn]="<= 0.5" [cpu]="<= 1.15" [getppid]="<= 0.75")
for p in "${programs[@]}"; do
    read -r ratio_q ratio_n < <(awk -v e="${t[$p.emu]}" -v q="${t[$p.qemu]}" -v n="${t[$p.native]}" \
        'BEGIN { printf "%.2f %.2f\n", e / q, e / n }')
    verdict=$(awk -v r="$ratio_q" -v lim="${target[$p]#<= }" 'BEGIN { print (r <= lim) ? "met" : "MISSED" }')
    # shellcheck disable=SC2059
    printf "$fmt" "$p" \
        "$(awk -v s="${t[$p.native]}" 'BEGIN { printf "%.2f ms", s * 1000 }')" \
        "$(awk -v s="${t[$p.qemu]}" 'BEGIN { printf "%.2f ms", s * 1000 }')" \
        "$(awk -v s="${t[$p.emu]}" 'BEGIN { printf "%.2f ms", s * 1000 }')" \
        "${ratio_q}x" "${ratio_n}x" "${target[$p]}x: $verdict"
done
echo
per_call() { awk -v g="${t[getppid.$1]}" -v h="${t[hello.$1]}" 'BEGIN { printf "%.0f ns", (g - h) * 1000 }'; }
# shellcheck disable=SC2059
printf "$fmt" "getppid()" "$(per_call native)" "$(per_call qemu)" "$(per_call emu)" "" "" "per call, start-up subtracted"
rss_verdict=$(awk -v e="${m[emu]}" -v q="${m[qemu]}" 'BEGIN { print (e < q) ? "met" : "MISSED" }')
# shellcheck disable=SC2059
printf "$fmt" "hello RSS" "${m[native]} KiB" "${m[qemu]} KiB" "${m[emu]} KiB" \
    "$(awk -v e="${m[emu]}" -v q="${m[qemu]}" 'BEGIN { printf "%.2fx", e / q }')" "" "< qemu-i386: $rss_verdict"
echo
# shellcheck disable=SC2059
printf "$fmt" "socket pair" native qemu-i386 emu386 emu/qemu emu/native "target (emu/qemu)"
mibs() { awk -v s="${t[tcpbulk.$1]}" -v m="$bulk_mib" 'BEGIN { printf "%.0f MiB/s", m / s }'; }
tcp_ratio=$(awk -v e="${t[tcpbulk.emu]}" -v q="${t[tcpbulk.qemu]}" 'BEGIN { printf "%.2f", q / e }')
tcp_native=$(awk -v e="${t[tcpbulk.emu]}" -v n="${t[tcpbulk.native]}" 'BEGIN { printf "%.2f", n / e }')
tcp_verdict=$(awk -v r="$tcp_ratio" 'BEGIN { print (r >= 1.0) ? "met" : "MISSED" }')
# shellcheck disable=SC2059
printf "$fmt" "TCP bulk" "$(mibs native)" "$(mibs qemu)" "$(mibs emu)" "${tcp_ratio}x" "${tcp_native}x" \
    "throughput >= 1.0x: $tcp_verdict"
rtt() { awk -v s="${t[udprtt.$1]}" -v c="$rtt_count" 'BEGIN { printf "%.1f us", s / c * 1e6 }'; }
udp_ratio=$(awk -v e="${t[udprtt.emu]}" -v q="${t[udprtt.qemu]}" 'BEGIN { printf "%.2f", e / q }')
udp_native=$(awk -v e="${t[udprtt.emu]}" -v n="${t[udprtt.native]}" 'BEGIN { printf "%.2f", e / n }')
udp_verdict=$(awk -v r="$udp_ratio" 'BEGIN { print (r <= 0.9) ? "met" : "MISSED" }')
# shellcheck disable=SC2059
printf "$fmt" "UDP RTT" "$(rtt native)" "$(rtt qemu)" "$(rtt emu)" "${udp_ratio}x" "${udp_native}x" \
    "time <= 0.9x: $udp_verdict"
# The private network (--net=private) against emu386's host mode.
priv_tcp=$(awk -v p="${t[tcpbulk.private]}" -v e="${t[tcpbulk.emu]}" 'BEGIN { printf "%.2f", e / p }')
priv_udp=$(awk -v p="${t[udprtt.private]}" -v e="${t[udprtt.emu]}" 'BEGIN { printf "%.2f", p / e }')
# shellcheck disable=SC2059
printf "$fmt" "TCP, private" "" "" "$(mibs private)" "" "" \
    "throughput ${priv_tcp}x host mode's, >= 1.0x: $(awk -v r="$priv_tcp" 'BEGIN { print (r >= 1.0) ? "met" : "MISSED" }')"
# shellcheck disable=SC2059
printf "$fmt" "UDP, private" "" "" "$(rtt private)" "" "" \
    "time ${priv_udp}x host mode's, <= 1.0x: $(awk -v r="$priv_udp" 'BEGIN { print (r <= 1.0) ? "met" : "MISSED" }')"
echo
# shellcheck disable=SC2059
printf "$fmt" "processes" native qemu-i386 emu386 "emu/qemu" "" "target (emu/qemu)"
cps() { awk -v s="${t[forkwait.$1]}" -v c="$fork_count" 'BEGIN { printf "%.0f /s", c / s }'; }
fork_ratio=$(awk -v e="${t[forkwait.emu]}" -v q="${t[forkwait.qemu]}" 'BEGIN { printf "%.2f", q / e }')
fork_verdict=$(awk -v r="$fork_ratio" 'BEGIN { print (r >= 3.0) ? "met" : "MISSED" }')
# shellcheck disable=SC2059
printf "$fmt" "fork+wait" "$(cps native)" "$(cps qemu)" "$(cps emu)" "${fork_ratio}x" "" "rate >= 3x: $fork_verdict"
if [ -n "${rps[emu]:-}" ]; then
    httpd_ratio=$(awk -v e="${rps[emu]}" -v q="${rps[qemu]}" 'BEGIN { printf "%.2f", (q > 0) ? e / q : 0 }')
    httpd_verdict=$(awk -v r="$httpd_ratio" 'BEGIN { print (r >= 5.0) ? "met" : "MISSED" }')
    # shellcheck disable=SC2059
    printf "$fmt" "httpd req/s" "${rps[native]}" "${rps[qemu]}" "${rps[emu]}" "${httpd_ratio}x" "" "rate >= 5x: $httpd_verdict"
    echo "httpd: native ${fails[native]}; qemu-i386 ${fails[qemu]}; emu386 ${fails[emu]}"
else
    echo "httpd: skipped (needs $busybox from tests/fetch-busybox.sh and wrk: apt-get install wrk)"
fi
if [ -n "${load[private]:-}" ]; then
    load_ratio=$(awk -v p="${load[private]}" -v e="${load[emu]}" 'BEGIN { printf "%.2f", (e > 0) ? p / e : 0 }')
    # shellcheck disable=SC2059
    printf "$fmt" "httpd, private" "" "" "${load[private]} /s" "" "" \
        "httpload: ${load_ratio}x host mode's ${load[emu]} /s, >= 0.9x: $(awk -v r="$load_ratio" 'BEGIN { print (r >= 0.9) ? "met" : "MISSED" }')"
    echo "httpload: $((reps * load_count)) requests each; failed: host mode ${load_fails[emu]}, private ${load_fails[private]}"
else
    echo "httpd, private: skipped (needs $busybox from tests/fetch-busybox.sh)"
fi

echo
print_basket
