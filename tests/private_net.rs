//! `emu386 --net=private`: every fixture that uses the network runs under emu386 on a private
//! network and natively in a fresh network namespace with `lo` up (`unshare --net`, the oracle for
//! private mode), and the runs must agree as in tests/fixtures.rs. Then what only a private network
//! promises: two runs bind one fixed port at the same time, a host listener is out of reach,
//! emulators started separately meet on a named network, and nothing is left behind.
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
private_fixture!(net_epoll_server);
private_fixture!(net_mmsg);
private_fixture!(net_msg);
private_fixture!(
    net_packet,
    "the native run is root in its namespace and opens packet sockets; private mode answers as an unprivileged process in a fresh namespace: EPERM"
);
private_fixture!(net_parity);
private_fixture!(net_peer_exec);
private_fixture!(
    net_raw_icmp,
    "the native run is root in its namespace and opens raw sockets; private mode answers as an unprivileged process in a fresh namespace: EPERM (no ping socket either: ping_group_range is \"1 0\" there)"
);
private_fixture!(
    net_raw_icmp_recv,
    "the native run is root in its namespace and opens raw sockets; private mode answers as an unprivileged process in a fresh namespace: EPERM"
);
private_fixture!(net_select_server);
private_fixture!(net_socketcall);
private_fixture!(net_tcp_basic);
private_fixture!(net_udp_ipv6);
private_fixture!(net_unix);
private_fixture!(netioctl_if);
private_fixture!(
    netioctl_sock,
    "TCP urgent data: SIOCINQ counts the out-of-band byte on the AF_UNIX stream socket underneath (2), TCP does not (1)"
);
private_fixture!(
    splice_kinds,
    "splice(2) from a TCP socket that is not connected: ENOTCONN natively, EINVAL from the AF_UNIX stream socket underneath (splice does not go through the socket layer)"
);

/// The fixtures listed above, by name.
const LISTED: &[&str] = &[
    "dl_modules",
    "ipc_mqueue",
    "mm_fixed_fail",
    "net_epoll_server",
    "net_mmsg",
    "net_msg",
    "net_packet",
    "net_parity",
    "net_peer_exec",
    "net_raw_icmp",
    "net_raw_icmp_recv",
    "net_select_server",
    "net_socketcall",
    "net_tcp_basic",
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
