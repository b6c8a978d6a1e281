//! `emu386 --net=private`: every fixture that uses the network runs under emu386 on a private
//! network and natively in a fresh network namespace with `lo` up (`unshare --net`, the oracle for
//! private mode), and the runs must agree as in tests/fixtures.rs. Then what only a private network
//! promises: two runs bind one fixed port at the same time, a host listener is out of reach,
//! emulators started separately meet on a named network, and nothing is left behind.
//!
//! Last, busybox scenarios (servers and clients, and ifconfig/ip/route/netstat over /proc/net)
//! as one shell script natively in a fresh namespace and under emu386; where Debian's busybox
//! lacks a server (ftpd, tftpd, dnsd), Debian's i386 vsftpd, tftpd-hpa and dnsmasq serve
//! (target/servers, which tests/setup.sh fetches).
//!
//! Needs `unshare --net` (root) for the comparisons: ignored, saying why, without it (emu/build.rs
//! probes it). The other tests need nothing.

mod common;

use common::{build_fixture, build_fixture_as, check_commands, command, run_for, Linking, Outcome, EMU386};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// `PROGRAM ARGS` natively in a fresh network namespace whose `lo` is up.
fn native_in_netns(program: &Path, args: &[String], dir: &Path) -> Command {
    let mut cmd = command("unshare", dir);
    cmd.args(["--net", "sh", "-c", "ip link set lo up && exec \"$0\" \"$@\""]).arg(program).args(args);
    cmd
}

/// Fixture NAME with --net=private against the kernel in a fresh network namespace.
fn check_private(name: &str, linking: Linking) {
    let (bin, args) = build_fixture_as(name, linking);
    let (native_dir, emu_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let native = native_in_netns(&bin, &args, native_dir.path());
    let mut emulated = command(EMU386, emu_dir.path());
    emulated.arg("--net=private").arg(&bin).args(&args);
    check_commands(&format!("{name} --net=private"), native, emulated, b"");
}

/// `setpriv` as `nobody`.
const NOBODY: &[&str] = &["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"];

/// Fixture NAME with --net=private against the kernel in a fresh network namespace, both run as
/// `nobody`: raw and packet sockets answer on a private network as they answer an unprivileged
/// process in a fresh namespace (as root there the native run could open them).
fn check_private_unprivileged(name: &str, linking: Linking) {
    use std::os::unix::fs::PermissionsExt;
    let (bin, args) = build_fixture_as(name, linking);
    let (native_dir, emu_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for dir in [&native_dir, &emu_dir] {
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let mut native = command("unshare", native_dir.path());
    native.args(["--net", "sh", "-c", "ip link set lo up && exec \"$@\"", "sh"]).args(NOBODY).arg(&bin).args(&args);
    let mut emulated = command(NOBODY[0], emu_dir.path());
    emulated.args(&NOBODY[1..]).arg(EMU386).arg("--net=private").arg(&bin).args(&args);
    check_commands(&format!("{name} --net=private as nobody"), native, emulated, b"");
}

macro_rules! private_fixture {
    ($name:ident) => {
        #[test]
        #[cfg_attr(emu386_no_netns, ignore = "no network namespace for the native run here (needs unshare -n)")]
        fn $name() {
            check_private(stringify!($name), Linking::Static);
        }
        mod $name {
            #[test]
            #[cfg_attr(emu386_no_netns, ignore = "no network namespace for the native run here (needs unshare -n)")]
            fn dynamic() {
                super::check_private(stringify!($name), super::Linking::Dynamic);
            }
        }
    };
    ($name:ident, unprivileged) => {
        #[test]
        #[cfg_attr(emu386_no_netns, ignore = "no network namespace or setpriv for the native run here")]
        fn $name() {
            check_private_unprivileged(stringify!($name), Linking::Static);
        }
        mod $name {
            #[test]
            #[cfg_attr(emu386_no_netns, ignore = "no network namespace or setpriv for the native run here")]
            fn dynamic() {
                super::check_private_unprivileged(stringify!($name), super::Linking::Dynamic);
            }
        }
    };
    ($name:ident, $why:literal) => {
        #[test]
        #[ignore = $why]
        fn $name() {
            check_private(stringify!($name), Linking::Static);
        }
    };
}

// Every fixture that names an IP, packet or netlink socket (`uses_the_network` keeps this list
// complete), and what keeps a few from agreeing in private mode.
private_fixture!(dl_modules);
private_fixture!(ipc_mqueue);
private_fixture!(mm_fixed_fail);
private_fixture!(net_bind_rules);
private_fixture!(net_epoll_server);
private_fixture!(net_fork_state);
private_fixture!(net_error_ready);
private_fixture!(net_mmsg);
private_fixture!(net_msg);
private_fixture!(net_packet, unprivileged);
private_fixture!(net_parity);
private_fixture!(net_peer_exec);
private_fixture!(net_raw_icmp, unprivileged);
private_fixture!(net_raw_icmp_exec, unprivileged);
private_fixture!(net_raw_icmp_recv, unprivileged);
private_fixture!(net_select_server);
private_fixture!(net_sock_rw);
private_fixture!(net_socketpair_refused, unprivileged);
private_fixture!(net_socketcall);
private_fixture!(net_tcp_basic);
private_fixture!(net_tcp_urgent);
private_fixture!(net_udp_ipv6);
private_fixture!(net_unix);
private_fixture!(netioctl_if);
private_fixture!(netioctl_sock);
private_fixture!(splice_kinds);

/// The fixtures listed above, by name.
const LISTED: &[&str] = &[
    "dl_modules",
    "ipc_mqueue",
    "mm_fixed_fail",
    "net_bind_rules",
    "net_epoll_server",
    "net_fork_state",
    "net_error_ready",
    "net_mmsg",
    "net_msg",
    "net_packet",
    "net_parity",
    "net_peer_exec",
    "net_raw_icmp",
    "net_raw_icmp_exec",
    "net_raw_icmp_recv",
    "net_select_server",
    "net_sock_rw",
    "net_socketpair_refused",
    "net_socketcall",
    "net_tcp_basic",
    "net_tcp_urgent",
    "net_udp_ipv6",
    "net_unix",
    "netioctl_if",
    "netioctl_sock",
    "splice_kinds",
];

#[test]
fn uses_the_network() {
    let dir = common::workspace().join("fixtures");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "c") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let network = ["AF_INET", "PF_INET", "AF_PACKET", "AF_NETLINK"].iter().any(|w| source.contains(w));
        if network && !LISTED.contains(&name.as_str()) {
            missing.push(name);
        }
    }
    assert!(missing.is_empty(), "fixtures using the network without a private-mode test: {missing:?}");
}

/// `emu386 EMU_ARGS net_peer_exec ARGS`, bounded in time.
fn peer(emu_args: &[&str], args: &[&str]) -> Outcome {
    let (bin, _) = build_fixture("net_peer_exec");
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = command(EMU386, dir.path());
    cmd.args(emu_args).arg(&bin).args(args);
    run_for(cmd, b"", Duration::from_secs(20))
}

/// The abstract names of network `net` the host has now.
fn names_of(net: &str) -> Vec<String> {
    let table = std::fs::read_to_string("/proc/net/unix").unwrap();
    table.lines().filter(|l| l.contains(&format!("@emu386-net/{net}/"))).map(str::to_owned).collect()
}

#[test]
fn two_private_runs_bind_the_same_fixed_port_at_once() {
    // Each run binds 0.0.0.0:8080 for TCP and UDP and holds it for a second.
    let runs: Vec<_> = (0..2)
        .map(|_| std::thread::spawn(|| peer(&["--net=private"], &["hold", "8080", "1000"])))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    for out in &runs {
        assert_eq!(out.status, "exit status 0", "{}", out.stderr_str());
        let text = out.stdout_str();
        assert!(!text.contains("= -1"), "a call failed:\n{text}");
        assert_eq!(text.lines().count(), 9, "{text}");
    }
}

#[test]
fn a_host_listener_is_out_of_reach() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    listener.set_nonblocking(true).unwrap();
    // The host can reach it: the same program in host mode gets the greeting.
    let greeter = std::thread::spawn(move || {
        for _ in 0..400 {
            if let Ok((mut s, _)) = listener.accept() {
                let _ = s.write_all(b"hello");
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    });
    let host = peer(&[], &["connect", &port]);
    assert!(host.stdout_str().contains("got \"hello\""), "host mode: {}", host.stdout_str());
    let _ = greeter.join();
    let private = peer(&["--net=private"], &["connect", &port]);
    assert!(private.stdout_str().starts_with("connect(c, (struct sockaddr *)&a, sizeof a) = -1 ECONNREFUSED\n"));
}

#[test]
fn separately_started_emulators_meet_on_a_named_network() {
    let net = format!("t{}", std::process::id());
    let (bin, _) = build_fixture("net_peer_exec");
    let mut server = Command::new(EMU386)
        .arg(format!("--net=private:{net}"))
        .arg(&bin)
        .args(["listen", "9090", "10000"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(server.stdout.take().unwrap());
    let mut seen = String::new();
    while !seen.ends_with("listening\n") {
        if out.read_line(&mut seen).unwrap() == 0 {
            break;
        }
    }
    assert!(seen.ends_with("listening\n"), "the server did not start: {seen}");
    // Another network does not see it, the same one does.
    let other = peer(&[&format!("--net=private:{net}x")], &["connect", "9090"]);
    assert!(other.stdout_str().contains("ECONNREFUSED"), "{}", other.stdout_str());
    assert!(!names_of(&net).is_empty(), "the listener's name is not in the abstract namespace");
    let client = peer(&[&format!("--net=private:{net}")], &["connect", "9090"]);
    assert!(client.stdout_str().contains("got \"hello\""), "{}", client.stdout_str());
    let mut rest = String::new();
    let _ = out.read_to_string(&mut rest);
    let status = server.wait().unwrap();
    assert!(status.success(), "server: {seen}{rest}");
    assert!(rest.contains("send(s, \"hello\", 5, MSG_NOSIGNAL) = 5"), "server: {seen}{rest}");
    // The last process is gone: so are the names.
    assert_eq!(names_of(&net), Vec::<String>::new());
}

#[test]
fn nothing_is_left_behind() {
    // A fork and an execve on the invocation's own network (named after the top emulator's pid).
    let (bin, _) = build_fixture("net_peer_exec");
    let dir = tempfile::tempdir().unwrap();
    let mut child = command(EMU386, dir.path()).arg("--net=private").arg(&bin).stdout(Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    let mut text = String::new();
    child.stdout.take().unwrap().read_to_string(&mut text).unwrap();
    assert!(child.wait().unwrap().success(), "{text}");
    assert!(text.contains("child got \"reply\""), "{text}");
    let table = std::fs::read_to_string("/proc/net/unix").unwrap();
    let left: Vec<_> = table.lines().filter(|l| l.contains(&format!("@emu386-net/p{pid}-"))).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "files left in the working directory");
}

#[test]
fn suite_cases_on_private_networks_bind_one_port_at_once() {
    let (bin, _) = build_fixture("net_peer_exec");
    let expected = "bind(l, (struct sockaddr *)&any, sizeof any) = 0\nlisten(l, 1) = 0\n\
bind(u, (struct sockaddr *)&any, sizeof any) = 0\nconnect(c, (struct sockaddr *)&a, sizeof a) = 0\ns >= 0 = 1\n\
sendto(c, \"x\", 1, 0, 0, 0) = 1\n\
sendto(socket(AF_INET, SOCK_DGRAM, 0), \"y\", 1, 0, (struct sockaddr *)&a, sizeof a) = 1\n\
recv(s, buf, 1, 0) = 1\nrecv(u, buf, 1, 0) = 1\n";
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = String::new();
    // Two cases say `net = "private"`, two take `emu386 suite --net=private`; all four hold
    // 0.0.0.0:8080 for a second at the same time.
    for (name, key) in [("a", "net = \"private\"\n"), ("b", "net = \"private\"\n"), ("c", ""), ("d", "")] {
        manifest += &format!(
            "[[case]]\nname = \"{name}\"\nprogram = {:?}\nargs = [\"hold\", \"8080\", \"1000\"]\n{key}expect_stdout = {:?}\ntimeout = 15\n",
            bin.display().to_string(),
            expected
        );
    }
    std::fs::write(dir.path().join("m.toml"), manifest).unwrap();
    let mut cmd = command(EMU386, dir.path());
    cmd.args(["suite", "-j", "4", "--net=private", "m.toml"]);
    let out = run_for(cmd, b"", Duration::from_secs(30));
    assert_eq!(out.status, "exit status 0", "{}{}", out.stdout_str(), out.stderr_str());
    assert!(out.stdout_str().ends_with("4 passed, 0 failed\n"), "{}", out.stdout_str());
}

fn busybox() -> std::path::PathBuf {
    let path = std::env::var_os("EMU386_BUSYBOX")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| common::workspace().join("target/busybox/bin/busybox"));
    assert!(path.exists(), "{} is missing: run tests/fetch-busybox.sh", path.display());
    path
}

/// `emu386 --net=private:NET busybox ARGS` started in the background, killed when dropped.
struct Background(std::process::Child);

impl Background {
    fn start(net: &str, args: &[&str], dir: &Path, stdin: Stdio) -> Background {
        let child = command(EMU386, dir)
            .arg(format!("--net=private:{net}"))
            .arg(busybox())
            .args(args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Background(child)
    }

    /// Its output once it has exited (within 10 s; killed otherwise).
    fn output(mut self) -> String {
        for _ in 0..1000 {
            if self.0.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.0.kill();
        let mut text = String::new();
        let _ = self.0.stdout.take().unwrap().read_to_string(&mut text);
        text
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `emu386 --net=private:NET busybox ARGS` with `stdin`, bounded in time.
fn applet(net: &str, args: &[&str], dir: &Path, stdin: &[u8]) -> Outcome {
    let mut cmd = command(EMU386, dir);
    cmd.arg(format!("--net=private:{net}")).arg(busybox()).args(args);
    run_for(cmd, stdin, Duration::from_secs(15))
}

/// Wait until `port` is bound on network `net` (its name is in the abstract namespace).
fn wait_for_port(net: &str, port: u16) {
    for _ in 0..500 {
        if names_of(net).iter().any(|l| l.contains(&format!("/tcp/{port}/"))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("nothing listens on port {port} of network {net}");
}

#[test]
fn busybox_httpd_wget_and_nc_both_ways_on_a_private_network() {
    let net = format!("bb{}", std::process::id());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "hello from httpd\n").unwrap();

    let httpd = Background::start(&net, &["httpd", "-f", "-p", "127.0.0.1:8080", "-h", "."], dir.path(), Stdio::null());
    wait_for_port(&net, 8080);
    let got = applet(&net, &["wget", "-q", "-O", "-", "http://127.0.0.1:8080/index.html"], dir.path(), b"");
    assert_eq!(
        (got.status.as_str(), got.stdout_str().as_str()),
        ("exit status 0", "hello from httpd\n"),
        "{}",
        got.stderr_str()
    );
    // Another network has no server there.
    let other = applet(&format!("{net}x"), &["wget", "-q", "-O", "-", "http://127.0.0.1:8080/"], dir.path(), b"");
    assert_eq!(other.status, "exit status 1");
    assert!(other.stderr_str().contains("Connection refused"), "{}", other.stderr_str());
    drop(httpd);

    // The client sends to the listener.
    let listener = Background::start(&net, &["nc", "-l", "-p", "9000"], dir.path(), Stdio::null());
    wait_for_port(&net, 9000);
    let client = applet(&net, &["nc", "127.0.0.1", "9000"], dir.path(), b"to the listener\n");
    assert_eq!(client.status, "exit status 0", "{}", client.stderr_str());
    assert_eq!(listener.output(), "to the listener\n");

    // The listener sends to the client.
    // The shell's `nc` is the i386 busybox too, which the shell executes under emu386.
    let script = format!("echo to the client | {} nc -l -p 9001", busybox().display());
    let listener = Background::start(&net, &["sh", "-c", &script], dir.path(), Stdio::null());
    wait_for_port(&net, 9001);
    let client = applet(&net, &["nc", "127.0.0.1", "9001"], dir.path(), b"");
    assert_eq!(client.stdout_str(), "to the client\n", "{}", client.stderr_str());
    drop(listener);
    assert_eq!(names_of(&net), Vec::<String>::new(), "names left behind");
}

// ---------------------------------------------------------------------------------------------
// Busybox network scenarios: one shell script (busybox sh, its servers and clients, all i386)
// runs natively in a fresh network namespace and under `emu386 --net=private:NAME`, where every
// program the script starts runs emulated on the same named network. Ports are fixed: the network
// is private. The script ends its own servers, and each step is bounded by busybox `timeout`.

/// The applets of `names` the busybox at hand lacks.
fn missing_applets(names: &[&str]) -> Vec<String> {
    let out = Command::new(busybox()).arg("--list").output().unwrap();
    let list = String::from_utf8_lossy(&out.stdout).into_owned();
    names.iter().filter(|n| !list.lines().any(|l| l == **n)).map(|n| n.to_string()).collect()
}

/// Whether the scenario can run; prints why not when an applet is missing.
fn have_applets(scenario: &str, names: &[&str]) -> bool {
    let missing = missing_applets(names);
    if !missing.is_empty() {
        println!("{scenario}: skipped, this busybox has no {}", missing.join(", "));
    }
    missing.is_empty()
}

/// `busybox sh -c SCRIPT sh BUSYBOX` natively in a fresh network namespace and under emu386 on a
/// private network named after `label`: the same status, stdout and stderr.
fn check_busybox_script(label: &str, script: &str) -> Outcome {
    let bb = busybox();
    let args: Vec<String> = vec!["sh".into(), "-c".into(), script.into(), "sh".into(), bb.display().to_string()];
    let (native_dir, emu_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let native = native_in_netns(&bb, &args, native_dir.path());
    let mut emulated = command(EMU386, emu_dir.path());
    emulated.arg(format!("--net=private:{label}{}", std::process::id())).arg(&bb).args(&args);
    check_commands(&format!("busybox {label} --net=private"), native, emulated, b"")
}

/// Wait (up to 5 s) until TCP port $2 of 127.0.0.1 accepts connections (`nc -z`).
const WAIT_TCP: &str = "wait_tcp() { i=0; while ! $BB nc -z 127.0.0.1 $1 2>/dev/null && [ $i -lt 50 ]; \
                        do $BB sleep 0.1; i=$((i+1)); done; }\n";

#[test]
#[cfg_attr(emu386_no_netns, ignore = "no network namespace for the native run here (needs unshare -n)")]
fn busybox_telnetd_and_telnet_on_a_private_network() {
    if !have_applets("telnetd", &["telnetd", "telnet", "nc", "timeout"]) {
        return;
    }
    // telnetd gives the login program (busybox called "sh") a pty; the client's output goes to a
    // file, and its input sends a line once the prompt is there (typed-ahead input would be echoed
    // by the tty before the shell's line editor takes over: timing) and stays open until telnetd
    // has closed the connection (the shell exited), each wait bounded (10 s). A redraw of the
    // prompt (the window size the client sends, seen by the line editor after the prompt) is
    // timing, and so is the shell's "Terminated" for the server it kills.
    let script = format!(
        "BB=$1\n{WAIT_TCP}ln -s $BB ./sh\n\
         until_seen() {{ i=0; while ! $BB grep -q \"$1\" out && [ $i -lt 100 ]; do $BB sleep 0.1; i=$((i+1)); done; }}\n\
         PS1='PROMPT$ ' $BB telnetd -F -K -p 23 -b 127.0.0.1 -l ./sh -f /dev/null & d=$!\n\
         wait_tcp 23; : >out\n\
         {{ until_seen 'PROMPT\\$ '; printf 'echo marker-$((6*7)); tty >/dev/null && echo has-a-tty; sleep 1; exit 3\\r\\n'; \
         until_seen 'Connection closed'; }} | $BB timeout 20 $BB telnet 127.0.0.1 23 >out\n\
         echo \"telnet: $?\"\n\
         $BB sed \"s/$(printf '\\r')PROMPT\\$ $(printf '\\033')\\[J//g\" out\n\
         {{ kill $d; wait $d; }} 2>/dev/null; echo \"telnetd: $?\"\n"
    );
    let native = check_busybox_script("telnet", &script);
    let text = native.stdout_str();
    assert!(text.contains("\r\nmarker-42\r\nhas-a-tty\r\nConnection closed by foreign host"), "native: {text:?}");
}

/// Debian's i386 servers the busybox at hand may lack (vsftpd, tftpd-hpa, dnsmasq), unpacked
/// with their libraries by tests/fetch-sysroot.sh into target/servers (tests/setup.sh does).
fn servers() -> String {
    let root = common::workspace().join("target/servers");
    assert!(
        root.join(".packages").is_file(),
        "no servers at {}: run `EMU386_SYSROOT_DIR=target/servers tests/fetch-sysroot.sh tftpd-hpa dnsmasq-base vsftpd` (tests/setup.sh does)",
        root.display()
    );
    root.canonicalize().unwrap().display().to_string()
}

/// The servers write to a file, never to the test's pipes: one left running after a failed
/// step cannot keep the test waiting for the end of its output.
/// A script's `run PROGRAM ARGS &`: a program of the servers' sysroot ($2), loaded by its own
/// ld-linux.so.2 with its libraries, natively and (the loader being an i386 program) emulated.
/// It execs, so that `$!` is the server itself, which the script's `kill $d` ends (a server
/// left running would hold the test's output pipe open).
const RUN: &str = "R=$2\nrun() { exec $R/lib/ld-linux.so.2 --library-path $R/lib/i386-linux-gnu:$R/usr/lib/i386-linux-gnu \"$@\"; }\n";

/// Wait (up to 5 s) until `netstat -$1ln` lists port $2 (no packets are sent meanwhile).
const WAIT_LISTEN: &str = "wait_listen() { i=0; while ! $BB netstat -$1ln | $BB grep -q \":$2 \" && [ $i -lt 50 ]; \
                           do $BB sleep 0.1; i=$((i+1)); done; }\n";

/// `busybox sh -c SCRIPT sh BUSYBOX SERVERS` as [`check_busybox_script`] runs it.
fn check_server_script(label: &str, script: &str) -> Outcome {
    let bb = busybox();
    let args: Vec<String> =
        vec!["sh".into(), "-c".into(), script.into(), "sh".into(), bb.display().to_string(), servers()];
    let (native_dir, emu_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let native = native_in_netns(&bb, &args, native_dir.path());
    let mut emulated = command(EMU386, emu_dir.path());
    emulated.arg(format!("--net=private:{label}{}", std::process::id())).arg(&bb).args(&args);
    check_commands(&format!("busybox {label} --net=private"), native, emulated, b"")
}

/// The steps of the FTP scenario once a server listens on 127.0.0.1:21 with a writable `pub`
/// under its root `root`: ftpput stores a file, ftpget fetches one and a missing one.
const FTP_CLIENT: &str = "wait_listen t 21\n\
    $BB timeout 10 $BB ftpput -P 21 127.0.0.1 pub/stored.txt up.txt; echo \"ftpput: $?\"\n\
    $BB timeout 10 $BB ftpget -P 21 127.0.0.1 got.txt pub/there.txt; echo \"ftpget: $?\"\n\
    $BB timeout 10 $BB ftpget -P 21 127.0.0.1 none.txt pub/missing.txt; echo \"ftpget missing: $?\"\n\
    $BB cmp up.txt root/pub/stored.txt && $BB cmp root/pub/there.txt got.txt && echo same content\n\
    { kill $d; wait $d; } 2>/dev/null\n";

#[test]
#[cfg_attr(emu386_no_netns, ignore = "no network namespace for the native run here (needs unshare -n)")]
fn busybox_ftpget_and_ftpput_against_an_ftp_server_on_a_private_network() {
    let setup = "BB=$1\nchmod 755 .; mkdir -p root/pub empty; chmod 755 root empty; chmod 777 root/pub\n\
                 $BB seq 1 20000 > up.txt; $BB seq 5 9999 > root/pub/there.txt\n";
    let script = if missing_applets(&["tcpsvd", "ftpd"]).is_empty() {
        // busybox ftpd (anonymous, writable) under tcpsvd.
        format!("{setup}{WAIT_LISTEN}$BB tcpsvd 127.0.0.1 21 $BB ftpd -w root 2>/dev/null & d=$!\n{FTP_CLIENT}")
    } else {
        // Debian's vsftpd, standalone in the foreground: anonymous as `daemon` (its home must
        // exist: vsftpd enters it before anon_root), uploads allowed, passive ports fixed, no
        // logs, and none of its sandboxes (seccomp, network and pid namespaces).
        format!(
            "{setup}{RUN}{WAIT_LISTEN}cat > vsftpd.conf <<END\n\
             listen=YES\nlisten_address=127.0.0.1\nlisten_port=21\nbackground=NO\n\
             anonymous_enable=YES\nlocal_enable=NO\nanon_root=$PWD/root\nftp_username=daemon\nnopriv_user=nobody\n\
             write_enable=YES\nanon_upload_enable=YES\nanon_umask=022\nsecure_chroot_dir=$PWD/empty\n\
             seccomp_sandbox=NO\nisolate=NO\nisolate_network=NO\nconnect_from_port_20=NO\n\
             pasv_min_port=30000\npasv_max_port=30009\nxferlog_enable=NO\nsyslog_enable=NO\n\
             vsftpd_log_file=/dev/null\ntcp_wrappers=NO\nEND\n\
             run $R/usr/sbin/vsftpd vsftpd.conf >log 2>&1 & d=$!\n{FTP_CLIENT}$BB cat log\n"
        )
    };
    let native = check_server_script("ftp", &script);
    let text = native.stdout_str();
    assert!(text.contains("ftpget missing: 1") && text.contains("same content"), "native: {text}");
}

#[test]
#[cfg_attr(emu386_no_netns, ignore = "no network namespace for the native run here (needs unshare -n)")]
fn busybox_tftp_against_a_tftp_server_on_a_private_network() {
    let setup = "BB=$1\nmkdir root; $BB seq 1 20000 > root/file.txt\n";
    let server = if missing_applets(&["udpsvd", "tftpd"]).is_empty() {
        // busybox tftpd under udpsvd.
        "$BB udpsvd -E 127.0.0.1 69 $BB tftpd root 2>/dev/null & d=$!\n"
    } else {
        // Debian's tftpd-hpa in the foreground, chrooted to root. Bound to the IPv4 wildcard:
        // it resolves an address with getaddrinfo(AI_ADDRCONFIG), which finds no IPv4 address
        // configured where lo is the only interface (natively it exits with 66).
        "run $R/usr/sbin/in.tftpd -L -4 -s -a :69 $PWD/root >log 2>&1 & d=$!\n"
    };
    let script = format!(
        "{setup}{RUN}{WAIT_LISTEN}{server}wait_listen u 69\n\
         $BB timeout 10 $BB tftp -g -r file.txt -l got.txt 127.0.0.1 69; echo \"tftp: $?\"\n\
         $BB timeout 10 $BB tftp -g -r missing.txt -l none.txt 127.0.0.1 69; echo \"tftp missing: $?\"\n\
         $BB cmp root/file.txt got.txt && echo same content\n\
         {{ kill $d; wait $d; }} 2>/dev/null\n: >>log; $BB cat log\n"
    );
    let native = check_server_script("tftp", &script);
    let text = native.stdout_str();
    assert!(text.contains("tftp missing: 1") && text.contains("same content"), "native: {text}");
}

#[test]
#[cfg_attr(emu386_no_netns, ignore = "no network namespace for the native run here (needs unshare -n)")]
fn busybox_nslookup_against_a_dns_server_on_a_private_network() {
    let server = if missing_applets(&["dnsd"]).is_empty() {
        // busybox dnsd answers from a hosts file.
        "echo 'host.private.test 10.1.2.3' > hosts\n$BB dnsd -c hosts -i 127.0.0.1 -p 53 2>/dev/null & d=$!\n"
    } else {
        // Debian's dnsmasq in the foreground on 127.0.0.1:53 only, no configuration files, no
        // upstream: private.test is its own (a name it has not is NXDOMAIN). Its log (stderr)
        // is compared too.
        "run $R/usr/sbin/dnsmasq -d -C /dev/null -u root -p 53 --no-resolv --no-hosts --listen-address=127.0.0.1 \
         --bind-interfaces --pid-file= --local=/private.test/ --address=/host.private.test/10.1.2.3 >log 2>&1 & d=$!\n"
    };
    // The servers' sockets as netstat sees them, then the queries.
    let script = format!(
        "BB=$1\n: >log\n{RUN}{WAIT_LISTEN}{server}wait_listen u 53\n\
         $BB netstat -tuln | $BB sort\n\
         $BB timeout 10 $BB nslookup -type=a host.private.test 127.0.0.1; echo \"nslookup: $?\"\n\
         $BB timeout 10 $BB nslookup missing.private.test 127.0.0.1; echo \"nslookup missing: $?\"\n\
         {{ kill $d; wait $d; }} 2>/dev/null\n$BB cat log\n"
    );
    let native = check_server_script("dns", &script);
    let text = native.stdout_str();
    assert!(text.contains("Address: 10.1.2.3") && text.contains("udp        0      0 127.0.0.1:53"), "native: {text}");
}

#[test]
#[cfg_attr(emu386_no_netns, ignore = "no network namespace for the native run here (needs unshare -n)")]
fn busybox_nslookup_without_a_dns_server_on_a_private_network() {
    if !have_applets("nslookup", &["nslookup", "timeout"]) {
        return;
    }
    // Nothing listens on 127.0.0.1:53: the port-unreachable error of the first query is reported
    // by the send of the second, natively at once.
    let script = "BB=$1\n$BB timeout 10 $BB nslookup host.private.test 127.0.0.1 2>&1; echo \"nslookup: $?\"\n";
    check_busybox_script("nodns", script);
}

#[test]
#[cfg_attr(emu386_no_netns, ignore = "no network namespace for the native run here (needs unshare -n)")]
fn busybox_ifconfig_ip_route_and_netstat_see_the_private_network() {
    if !have_applets("netstat", &["ifconfig", "ip", "route", "netstat", "nc", "httpd", "telnetd", "sed", "sort"]) {
        return;
    }
    // The interfaces, addresses and routes before any traffic (lo's counters: no packets are
    // emulated, and natively none has been sent yet), then three listeners and a connection as
    // netstat and /proc/net show them. Each wait polls netstat (no packets) for at most 5 s.
    // Normalised, because the kernel chooses it differently on each run: an ephemeral port
    // (PORT, ports 32768 and up), the `sl` column and the order of the table lines (hash slots
    // under a per-namespace random mix), inode numbers, the hashed kernel pointer and the TCP
    // internals printed after it (rto, ato, cwnd: timing), and sockstat's host-wide counts
    // (sockets allocated and memory, which natively count the host's sockets too).
    let script = "BB=$1\n\
        wait_netstat() { i=0; while [ \"$($BB netstat $1 | $BB grep -c \"$3\")\" -lt $2 ] && [ $i -lt 50 ]; do $BB sleep 0.1; i=$((i+1)); done; }\n\
        table() { for f; do echo \"== ${f##*/}\"; $BB head -n 1 $f | $BB sed 's/ *$//'; $BB tail -n +2 $f | $BB sed -E \
        's/^ *[0-9]+: /SL: /; s/ [0-9]+ [0-9]+ [0-9a-f]{16}( .*)?$/ INODE/; s/:[89A-F][0-9A-F]{3} /:PORT /g' | $BB sort; done; }\n\
        $BB ifconfig -a; echo \"ifconfig: $?\"\n\
        $BB ip addr; echo \"ip addr: $?\"; $BB ip route; echo \"ip route: $?\"; $BB ip -6 route; echo \"ip -6 route: $?\"\n\
        $BB route; echo \"route: $?\"; $BB route -n -A inet6 2>&1; echo \"route -A inet6: $?\"\n\
        $BB cat /proc/sys/net/ipv4/ip_local_port_range /proc/self/net/if_inet6 /proc/$$/net/route /proc/net/arp\n\
        $BB cat /proc/net/snmp /proc/net/netstat /proc/net/snmp6 | $BB md5sum\n\
        $BB sleep 5 | $BB nc -l -p 9000 >/dev/null & l=$!\n\
        $BB httpd -f -p 127.0.0.1:8080 -h . & h=$!\n\
        $BB telnetd -F -p 2323 -b ::1 -l /bin/true & t=$!\n\
        wait_netstat -tln 3 LISTEN\n\
        $BB netstat -tuln | $BB sort; echo \"netstat -tuln: $?\"\n\
        table /proc/net/tcp /proc/$$/net/tcp6 /proc/self/net/udp /proc/net/udp6\n\
        $BB sed -E 's/(alloc|mem) [0-9]+/\\1 N/g' /proc/net/sockstat /proc/net/sockstat6\n\
        $BB sleep 5 | $BB nc 127.0.0.1 9000 >/dev/null & c=$!\n\
        wait_netstat -tn 2 ESTABLISHED\n\
        $BB netstat -tn | $BB sed -E 's/:[0-9]{5} /:PORT  /' | $BB sort; echo \"netstat -tn: $?\"\n\
        table /proc/net/tcp /proc/net/tcp6\n\
        { kill $l $h $t $c; wait; } 2>/dev/null\n";
    let native = check_busybox_script("netstat", script);
    let text = native.stdout_str();
    for seen in ["inet addr:127.0.0.1", ":::9000", "::1:2323", "127.0.0.1:8080", "::ffff:127.0.0.1:9000"] {
        assert!(text.contains(seen), "native: no {seen} in {text}");
    }
}
