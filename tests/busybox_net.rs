//! Busybox's network applets natively and under emu386, against peers on loopback that the test
//! runs itself (a TCP sink, a TCP source, an HTTP server). Both runs must agree: exit status,
//! output, and what the peer saw. Cases run one at a time (a listener of one case must not show up
//! in another's `netstat`), each bounded in time.

mod common;

use common::{build_fixture, command, run, Outcome, EMU386};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

/// One case at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn busybox() -> PathBuf {
    let path = std::env::var_os("EMU386_BUSYBOX")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::workspace().join("target/busybox/bin/busybox"));
    assert!(path.exists(), "{} is missing: run tests/fetch-busybox.sh", path.display());
    path
}

/// `busybox ARGS` natively (`emulated` false) or under emu386, in a fresh directory.
fn applet(args: &[&str], stdin: &[u8], emulated: bool) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = if emulated {
        let mut c = command(EMU386, dir.path());
        c.arg(busybox());
        c
    } else {
        command(busybox(), dir.path())
    };
    cmd.args(args);
    run(cmd, stdin)
}

/// Both runs, asserting they agree after `normalise`.
fn same(args: &[&str], normalise: impl Fn(&str) -> String) -> Outcome {
    let native = applet(args, b"", false);
    let emulated = applet(args, b"", true);
    let (n, e) = (normalise(&native.stdout_str()), normalise(&emulated.stdout_str()));
    assert_eq!(
        native.status,
        emulated.status,
        "{args:?}: status\nnative stderr: {}\nemu386 stderr: {}",
        native.stderr_str(),
        emulated.stderr_str()
    );
    assert_eq!(n, e, "{args:?}: stdout differs");
    assert_eq!(native.stderr_str(), emulated.stderr_str(), "{args:?}: stderr differs");
    native
}

fn exact(s: &str) -> String {
    s.to_string()
}

/// Traffic counters change between the two runs: digits after "packets:", "bytes:" and the like.
fn counters(s: &str) -> String {
    s.lines()
        .map(|l| {
            if l.contains("packets") || l.contains("bytes") || l.contains("collisions") {
                l.chars().map(|c| if c.is_ascii_digit() { 'N' } else { c }).collect()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Deterministic test data.
fn data(len: usize) -> Vec<u8> {
    let mut x = 0x2545_f491_u32;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

#[test]
fn ip_shows_the_same_interfaces_routes_and_rules() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for args in [
        &["ip", "addr"][..],
        &["ip", "link"],
        &["ip", "route"],
        &["ip", "rule"],
        &["ip", "-6", "addr"],
        &["ip", "-6", "route"],
        &["ip", "-o", "-4", "addr", "show", "dev", "lo"],
        &["ip", "addr", "show", "dev", "no-such-dev"],
    ] {
        same(args, exact);
    }
}

#[test]
fn ifconfig_and_netstat_agree() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    same(&["ifconfig"], counters);
    same(&["ifconfig", "lo"], counters);
    same(&["ifconfig", "no-such-dev"], exact);
    same(&["netstat", "-tln"], exact);
    same(&["netstat", "-uln"], exact);
    same(&["hostname"], exact);
}

/// A TCP peer that reads `expect` bytes, answers `reply` and closes; joined for what it read.
fn sink(expect: usize, reply: &'static [u8]) -> (u16, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut got = vec![0u8; expect];
        conn.read_exact(&mut got).unwrap();
        conn.write_all(reply).unwrap();
        got
    });
    (port, handle)
}

#[test]
fn nc_sends_a_large_stream() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let payload = data(3 << 20);
    let mut outcomes = Vec::new();
    for emulated in [false, true] {
        let (port, peer) = sink(payload.len(), b"thanks\n");
        let port = port.to_string();
        let out = applet(&["nc", "127.0.0.1", &port], &payload, emulated);
        let got = peer.join().unwrap();
        assert!(got == payload, "emulated={emulated}: the peer received different bytes");
        outcomes.push(out);
    }
    assert_eq!(outcomes[0], outcomes[1]);
    assert_eq!(outcomes[1].stdout_str(), "thanks\n");
}

#[test]
fn nc_listens_and_receives_a_large_stream() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let payload = data(2 << 20);
    let mut outcomes = Vec::new();
    for emulated in [false, true] {
        // A free port: bound and released (loopback only; the window is tiny).
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let sent = payload.clone();
        let client = std::thread::spawn(move || {
            for _ in 0..200 {
                if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                    s.write_all(&sent).unwrap();
                    s.shutdown(std::net::Shutdown::Write).unwrap();
                    let mut rest = Vec::new();
                    let _ = s.read_to_end(&mut rest);
                    return;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            panic!("nc never listened on {port}");
        });
        let port = port.to_string();
        let out = applet(&["nc", "-l", "-p", &port, "127.0.0.1"], b"", emulated);
        client.join().unwrap();
        assert!(out.stdout == payload, "emulated={emulated}: nc -l printed different bytes ({})", out.stderr_str());
        outcomes.push(out);
    }
    assert_eq!(outcomes[0].status, outcomes[1].status);
}

/// An HTTP/1.0 server for `count` requests: /file gets `body`, anything else 404.
fn http_server(body: Vec<u8>, count: usize) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        for _ in 0..count {
            let (mut conn, _) = listener.accept().unwrap();
            conn.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") && conn.read(&mut byte).unwrap_or(0) == 1 {
                request.push(byte[0]);
            }
            let text = String::from_utf8_lossy(&request);
            if text.starts_with("GET /file ") {
                let head = format!(
                    "HTTP/1.0 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\n\r\n",
                    body.len()
                );
                conn.write_all(head.as_bytes()).unwrap();
                conn.write_all(&body).unwrap();
            } else {
                conn.write_all(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n").unwrap();
            }
        }
    });
    (port, handle)
}

#[test]
fn wget_fetches_from_a_local_server() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let body = data(1 << 20);
    let mut outcomes = Vec::new();
    for emulated in [false, true] {
        let (port, server) = http_server(body.clone(), 2);
        let ok = applet(&["wget", "-q", "-O", "-", &format!("http://127.0.0.1:{port}/file")], b"", emulated);
        assert!(ok.stdout == body, "emulated={emulated}: wget got different bytes ({})", ok.stderr_str());
        let missing = applet(&["wget", "-q", "-O", "-", &format!("http://127.0.0.1:{port}/missing")], b"", emulated);
        server.join().unwrap();
        let shown = missing.stderr_str().replace(&port.to_string(), "PORT");
        outcomes.push((ok.status, missing.status, shown));
    }
    assert_eq!(outcomes[0], outcomes[1]);
    // A refused connection.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/file");
    let n = applet(&["wget", "-q", "-O", "-", &url], b"", false);
    let e = applet(&["wget", "-q", "-O", "-", &url], b"", true);
    assert_eq!((&n.status, n.stderr_str()), (&e.status, e.stderr_str()));
}

/// Times and round-trip statistics differ between runs: every number on lines that carry them.
fn timings(s: &str) -> String {
    s.lines()
        .map(|l| {
            if l.contains(" ms") || l.contains("time=") {
                let mut out = String::new();
                let mut in_number = false;
                for c in l.chars() {
                    if c.is_ascii_digit() || (in_number && c == '.') {
                        if !in_number {
                            out.push('N');
                        }
                        in_number = true;
                    } else {
                        in_number = false;
                        out.push(c);
                    }
                }
                out
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn ping_ping6_and_traceroute_on_loopback() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    same(&["ping", "-c", "2", "-i", "0.2", "-W", "2", "127.0.0.1"], timings);
    same(&["ping6", "-c", "1", "-W", "2", "::1"], timings);
    same(&["ping", "-c", "1", "-s", "1000", "-W", "2", "127.0.0.1"], timings);
    same(&["traceroute", "-n", "-q", "1", "-w", "1", "-m", "2", "127.0.0.1"], timings);
}

/// ping and ping6 without CAP_NET_RAW: emu386 gives the raw ICMP socket a ping socket underneath
/// and the program cannot tell. The emulated ping runs as `nobody` in a private network namespace
/// whose `ping_group_range` admits everyone; the reference is busybox run natively as root there,
/// and natively as `nobody` busybox gets no socket at all. Needs root, unshare(1) and setpriv(1):
/// ignored, saying why, without them (emu/build.rs probes it).
#[test]
#[cfg_attr(emu386_no_netns, ignore = "no private network namespace here (needs root, unshare -n and setpriv)")]
fn ping_without_cap_net_raw_uses_ping_sockets() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let bb = busybox();
    let bb = bb.to_str().unwrap();
    let nobody = "setpriv --reuid 65534 --regid 65534 --clear-groups";
    // A raw ICMP socket read with recvmsg, read, readv and recvmmsg (the IPv4 header included).
    let (raw, _) = build_fixture("net_raw_icmp_recv");
    let raw = raw.to_str().unwrap();
    let script = format!(
        "{bb} ip link set lo up && echo '0 2147483647' > /proc/sys/net/ipv4/ping_group_range || exit 99
         echo '== native root'; {bb} ping -c 2 -i 0.2 -W 2 127.0.0.1; echo \"status $?\"
         {bb} ping6 -c 1 -W 2 ::1; echo \"status $?\"
         echo '== native nobody'; {nobody} {bb} ping -c 1 -W 2 127.0.0.1 2>&1; echo \"status $?\"
         echo '== emulated nobody'; {nobody} {emu} {bb} ping -c 2 -i 0.2 -W 2 127.0.0.1; echo \"status $?\"
         {nobody} {emu} {bb} ping6 -c 1 -W 2 ::1; echo \"status $?\"
         echo '== native root recvmsg'; {raw}; echo \"status $?\"
         echo '== emulated nobody recvmsg'; {nobody} {emu} {raw}; echo \"status $?\"",
        emu = EMU386
    );
    let out =
        std::process::Command::new("timeout").args(["30", "unshare", "-n", "sh", "-c", &script]).output().unwrap();
    let text = timings(&String::from_utf8_lossy(&out.stdout));
    assert_ne!(out.status.code(), Some(99), "cannot set up the namespace:\n{text}");
    let part = |name: &str| {
        let start = text.find(&format!("== {name}\n")).map(|i| i + name.len() + 4).unwrap_or(text.len());
        let rest = &text[start..];
        rest[..rest.find("== ").unwrap_or(rest.len())].trim_end().to_string()
    };
    assert!(part("native nobody").contains("permission denied"), "the host refuses raw sockets to nobody:\n{text}");
    assert!(part("native root").contains("2 packets received"), "{text}");
    assert_eq!(part("native root"), part("emulated nobody"), "{text}");
    assert!(part("native root recvmsg").contains("header-checksum-ok 1"), "{text}");
    assert_eq!(part("native root recvmsg"), part("emulated nobody recvmsg"), "{text}");
}

/// A raw ICMP socket without CAP_NET_RAW that sends with sendmsg(2) and is handed across execve
/// (fixtures/net_raw_icmp_exec.c): emulated as `nobody` (a ping socket underneath, its state in the
/// socket table the exec carries) against native root, in a private network namespace whose
/// `ping_group_range` admits everyone. Needs root, unshare(1) and setpriv(1), as above.
#[test]
#[cfg_attr(emu386_no_netns, ignore = "no private network namespace here (needs root, unshare -n and setpriv)")]
fn ping_socket_state_survives_execve() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let nobody = "setpriv --reuid 65534 --regid 65534 --clear-groups";
    let mut parts = Vec::new();
    for linking in [common::Linking::Static, common::Linking::Dynamic] {
        let (prog, _) = common::build_fixture_as("net_raw_icmp_exec", linking);
        let prog = prog.display();
        let bb = busybox();
        let script = format!(
            "{bb} ip link set lo up && echo '0 2147483647' > /proc/sys/net/ipv4/ping_group_range || exit 99
             echo '== native nobody'; {nobody} {prog} 2>&1 | head -3; echo \"status $?\"
             echo '== native root'; {prog}; echo \"status $?\"
             echo '== emulated nobody'; {nobody} {emu} {prog}; echo \"status $?\"",
            bb = bb.display(),
            emu = EMU386
        );
        let out =
            std::process::Command::new("timeout").args(["30", "unshare", "-n", "sh", "-c", &script]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert_ne!(out.status.code(), Some(99), "cannot set up the namespace:\n{text}");
        parts.push(text);
    }
    for text in parts {
        let part = |name: &str| {
            let start = text.find(&format!("== {name}\n")).map(|i| i + name.len() + 4).unwrap_or(text.len());
            let rest = &text[start..];
            rest[..rest.find("== ").unwrap_or(rest.len())].trim_end().to_string()
        };
        assert!(part("native nobody").contains("EPERM"), "the host refuses raw sockets to nobody:\n{text}");
        assert!(part("native root").contains("after execve"), "{text}");
        assert!(part("native root").contains("seq 3, identifier ours"), "{text}");
        assert_eq!(part("native root"), part("emulated nobody"), "{text}");
    }
}

/// busybox syslogd on /dev/log (an AF_UNIX datagram socket at a fixed path) with logger sending
/// to it: natively, emulated, and each emulated against the other native. The path is fixed, so
/// each run gets a private mount namespace with a fresh /dev. Needs root and unshare(1): ignored,
/// saying why, without them (emu/build.rs probes it).
#[test]
#[cfg_attr(emu386_no_mntns, ignore = "no private mount namespace here (needs root and unshare -m)")]
fn syslogd_and_logger_over_dev_log() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let bb = busybox();
    let bb = bb.to_str().unwrap().to_string();
    const SCRIPT: &str = r#"
        set -e
        SERVER="$1"; CLIENT="$2"; BB="$3"; D=$(mktemp -d)
        mkdir -p $D/olddev; mount --bind /dev $D/olddev; mount -t tmpfs none /dev
        for n in null zero urandom; do touch /dev/$n; mount --bind $D/olddev/$n /dev/$n; done
        $SERVER $BB syslogd -n -O $D/log &
        pid=$!
        for i in $(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done
        $CLIENT $BB logger -t mytag "hello from logger"
        $CLIENT $BB logger -t mytag -p local3.warn "second message"
        $CLIENT $BB logger -p daemon.err -t a-longer-tag "an error"
        echo "via stdin" | $CLIENT $BB logger -t other
        sleep 0.3
        kill $pid; wait $pid 2>/dev/null || true
        sed 's/^[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* //' $D/log
        rm -rf $D/log
    "#;
    let run = |server: &str, client: &str| {
        let out = std::process::Command::new("timeout")
            .args(["30", "unshare", "-m", "sh", "-c", SCRIPT, "sh", server, client, &bb])
            .output()
            .unwrap();
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    };
    let native = run("", "");
    assert!(native.contains("local3.warn mytag: second message"), "{native}");
    assert!(native.contains("daemon.err a-longer-tag: an error"), "{native}");
    assert_eq!(native, run(EMU386, EMU386), "both emulated");
    assert_eq!(native, run(EMU386, ""), "syslogd emulated");
    assert_eq!(native, run("", EMU386), "logger emulated");
}

/// A DNS responder on loopback: A queries get 127.0.0.42, AAAA ::1, names under "missing."
/// NXDOMAIN; until `stop` is set.
fn dns_responder(stop: std::sync::Arc<std::sync::atomic::AtomicBool>) -> (u16, JoinHandle<()>) {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    socket.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let handle = std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let Ok((n, from)) = socket.recv_from(&mut buf) else { continue };
            let query = &buf[..n];
            if n < 17 {
                continue;
            }
            // The question: labels up to the zero byte, then type and class.
            let mut at = 12;
            let mut labels = Vec::new();
            while at < n && query[at] != 0 {
                let len = query[at] as usize;
                labels.push(String::from_utf8_lossy(&query[at + 1..(at + 1 + len).min(n)]).into_owned());
                at += 1 + len;
            }
            let qend = (at + 5).min(n);
            let qtype = u16::from_be_bytes([query[qend - 4], query[qend - 3]]);
            let missing = labels.first().is_some_and(|l| l == "missing");
            let mut reply = Vec::new();
            reply.extend_from_slice(&query[..2]);
            reply.extend_from_slice(if missing { &[0x81, 0x83] } else { &[0x81, 0x80] });
            let answers: u16 = if missing || !(qtype == 1 || qtype == 28) { 0 } else { 1 };
            reply.extend_from_slice(&[0, 1]);
            reply.extend_from_slice(&answers.to_be_bytes());
            reply.extend_from_slice(&[0, 0, 0, 0]);
            reply.extend_from_slice(&query[12..qend]);
            if answers == 1 {
                reply.extend_from_slice(&[0xc0, 0x0c]);
                reply.extend_from_slice(&qtype.to_be_bytes());
                reply.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
                if qtype == 1 {
                    reply.extend_from_slice(&[0, 4, 127, 0, 0, 42]);
                } else {
                    reply.extend_from_slice(&[0, 16]);
                    reply.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
                }
            }
            let _ = socket.send_to(&reply, from);
        }
    });
    (port, handle)
}

#[test]
fn nslookup_asks_a_local_responder() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (port, responder) = dns_responder(stop.clone());
    let server = format!("127.0.0.1:{port}");
    let strip_port = |s: &str| s.replace(&port.to_string(), "PORT");
    same(&["nslookup", "host.example.test", &server], strip_port);
    same(&["nslookup", "-type=a", "host.example.test", &server], strip_port);
    same(&["nslookup", "missing.example.test", &server], strip_port);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    responder.join().unwrap();
}

// ---------------------------------------------------------------------------------------------
// Forking servers: busybox httpd (a child per connection, CGI through a shell), telnetd (a pty and
// a login shell per connection), nc -e, timeout. Each server runs natively and under emu386 in its
// own process group, which the guard kills with SIGKILL.

/// A free loopback port: bound to port 0 and released (the window is tiny).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Whether something listens on `port` (over IPv4 or IPv6, any local address), read from
/// /proc/net/tcp{,6}, so no connection is made that a forking server would serve.
fn listening(port: u16) -> bool {
    let suffix = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|table| {
        let table = std::fs::read_to_string(table).unwrap_or_default();
        table.lines().skip(1).any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.get(1).is_some_and(|local| local.ends_with(&suffix)) && f.get(3) == Some(&"0A")
        })
    })
}

/// A server process group, SIGKILLed (the whole group: the forked children too) when dropped.
struct Server {
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Server {
    /// `busybox ARGS` in `dir` (natively or under emu386), with extra environment, waited for
    /// until it listens on `port`.
    fn start(args: &[&str], env: &[(&str, &str)], port: u16, emulated: bool) -> Server {
        use std::os::unix::process::CommandExt;
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = if emulated {
            let mut c = command(EMU386, dir.path());
            c.arg(busybox());
            c
        } else {
            command(busybox(), dir.path())
        };
        cmd.args(args).envs(env.iter().copied()).process_group(0);
        cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null());
        let child = cmd.spawn().unwrap();
        let server = Server { child, _dir: dir };
        let start = std::time::Instant::now();
        while !listening(port) {
            assert!(start.elapsed() < Duration::from_secs(10), "{args:?} (emulated={emulated}) never listened");
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pgid = self.child.id() as i32;
        // SAFETY: kill(2) on the process group this test created for the server.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// A document root: a static file, a CGI script run by busybox sh (so that both sides stay i386:
/// under emu386 the script's interpreter runs emulated too) and a CGI that fails.
fn document_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let cgi = root.path().join("cgi-bin");
    std::fs::create_dir(&cgi).unwrap();
    std::fs::write(root.path().join("index.html"), "<p>static page</p>\n").unwrap();
    std::fs::write(root.path().join("big.bin"), data(300_000)).unwrap();
    let bb = busybox();
    let script = format!(
        "#!{} sh\necho 'Content-Type: text/plain'\necho\necho \"cgi: method=$REQUEST_METHOD query=$QUERY_STRING\"\n\
         echo \"pid differs from parent: $([ $$ != $PPID ] && echo yes)\"\nread -r line; echo \"body: $line\"\n",
        bb.display()
    );
    let failing = format!("#!{} sh\necho 'Status: 403 Forbidden'\necho\necho nope\n", bb.display());
    use std::os::unix::fs::PermissionsExt;
    for (name, text) in [("x.cgi", script), ("fail.cgi", failing)] {
        let path = cgi.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    root
}

/// What a wget run showed: status, body, and the response headers that do not carry times.
fn fetch(url: &str, post: Option<&str>, emulated: bool) -> (String, Body, String) {
    let mut args = vec!["wget", "-S", "-O", "-"];
    if let Some(body) = post {
        args.extend(["--post-data", body]);
    }
    args.push(url);
    let out = applet(&args, b"", emulated);
    let headers = out
        .stderr_str()
        .lines()
        .filter(|l| !l.contains("Date:") && !l.contains("Last-Modified:") && !l.contains("ETag:"))
        .filter(|l| !l.contains("Connecting to") && !l.contains("writing to") && !l.contains("written to"))
        // The progress meter redraws on a timer: how many lines it prints is timing.
        .filter(|l| !l.trim_end().ends_with(" ETA"))
        .map(|l| l.trim().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    (out.status, Body(out.stdout), headers)
}

/// A response body that prints as its length and first bytes (a failed comparison of large
/// bodies stays readable).
#[derive(PartialEq, Eq)]
struct Body(Vec<u8>);

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let head = &self.0[..self.0.len().min(120)];
        write!(f, "{} bytes {:?}", self.0.len(), String::from_utf8_lossy(head))
    }
}

#[test]
fn httpd_forks_per_connection_and_runs_cgi() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let root = document_root();
    let root_path = root.path().to_str().unwrap().to_string();
    let paths = [
        ("/index.html", None),
        ("/big.bin", None),
        ("/cgi-bin/x.cgi?a=1&b=two", None),
        ("/cgi-bin/x.cgi", Some("posted-line")),
        ("/cgi-bin/fail.cgi", None),
        ("/missing", None),
        ("/cgi-bin/missing.cgi", None),
    ];
    let mut results = Vec::new();
    // Server native and emulated; the client (wget) native and emulated against each.
    for server_emulated in [false, true] {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let server = Server::start(&["httpd", "-f", "-p", &listen, "-h", &root_path], &[], port, server_emulated);
        for client_emulated in [false, true] {
            let mut run = Vec::new();
            for (path, post) in paths {
                let (status, body, headers) = fetch(&format!("http://{listen}{path}"), post, client_emulated);
                run.push((path, status, body, headers.replace(&port.to_string(), "PORT")));
            }
            results.push(((server_emulated, client_emulated), run));
        }
        drop(server);
    }
    let (first, reference) = &results[0];
    assert!(reference[1].2 == Body(data(300_000)), "the static binary file: {:?}", reference[1]);
    assert!(String::from_utf8_lossy(&reference[2].2 .0).contains("query=a=1&b=two"), "{:?}", reference[2]);
    assert!(String::from_utf8_lossy(&reference[3].2 .0).contains("body: posted-line"), "{:?}", reference[3]);
    for (who, run) in &results[1..] {
        for (a, b) in reference.iter().zip(run) {
            assert_eq!(a, b, "{first:?} vs {who:?} (server emulated, client emulated)");
        }
    }
}

/// Telnet option negotiations (IAC …) and the cursor-position query of the shell's line editing
/// out of a session transcript; the rest is text.
fn telnet_text(raw: &[u8]) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if b == 0xff {
            // IAC DO/DONT/WILL/WONT opt: three bytes; IAC SB … IAC SE; IAC other: two.
            match raw.get(i + 1) {
                Some(251..=254) => i += 3,
                Some(250) => {
                    while i < raw.len() && !(raw[i] == 0xff && raw.get(i + 1) == Some(&240)) {
                        i += 1;
                    }
                    i += 2;
                }
                _ => i += 2,
            }
            continue;
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).replace("\x1b[6n", "")
}

/// One telnet session: connect, send the window size, wait for the shell's prompt, send `line`,
/// read until the connection closes (the shell exits) or 10 s pass. The transcript from the
/// prompt on, as text (what comes before depends on how fast the shell starts: typed-ahead input
/// is echoed by the tty before the shell's line editor takes over).
fn telnet_session(port: u16, line: &str) -> String {
    const PROMPT: &str = "PROMPT$ ";
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // The window size (NAWS: 100 columns, 40 rows), which telnetd sets on the pty (TIOCSWINSZ).
    conn.write_all(&[0xff, 0xfb, 0x1f, 0xff, 0xfa, 0x1f, 0, 100, 0, 40, 0xff, 0xf0]).unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let mut sent = false;
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if !sent && telnet_text(&raw).contains(PROMPT) {
            conn.write_all(line.as_bytes()).unwrap();
            sent = true;
        }
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    let text = telnet_text(&raw);
    let from_prompt = text.find(PROMPT).map_or("", |at| &text[at..]);
    // A redraw of the prompt (a window size change seen by the line editor) is timing.
    from_prompt.replace("\rPROMPT$ \x1b[J", "")
}

#[test]
fn telnetd_gives_a_shell_on_a_pty() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // The login program is busybox called "sh" (a symlink), so that its argv[0] picks the shell.
    let links = tempfile::tempdir().unwrap();
    let sh = links.path().join("sh");
    std::os::unix::fs::symlink(busybox(), &sh).unwrap();
    let sh = sh.to_str().unwrap().to_string();
    // The shell reads this after its prompt: a marker computed by the shell (so the echo of the
    // line does not contain it), facts about its terminal, then exit after a pause: telnetd stops
    // reading the pty once the shell is gone, natively too, so output still in flight would be lost.
    let line = "echo marker-$((6*7)); tty >/dev/null && echo has-a-tty; stty size; \
                echo job-control-$(set -o | grep -c monitor); trap 'echo got-winch' WINCH; \
                stty -icanon; stty -g | cut -d: -f4; sleep 1; exit 3\r\n";
    let mut transcripts = Vec::new();
    for emulated in [false, true] {
        let port = free_port();
        let p = port.to_string();
        let server = Server::start(
            &["telnetd", "-F", "-K", "-p", &p, "-b", "127.0.0.1", "-l", &sh, "-f", "/dev/null"],
            &[("PS1", "PROMPT$ ")],
            port,
            emulated,
        );
        transcripts.push(telnet_session(port, line));
        drop(server);
    }
    let expected = "\r\nmarker-42\r\nhas-a-tty\r\n40 100\r\njob-control-1\r\n";
    assert!(transcripts[0].contains(expected), "native: {:?}", transcripts[0]);
    assert_eq!(transcripts[0], transcripts[1], "telnet sessions differ (native, emulated)");
}

#[test]
fn nc_runs_a_program_per_connection() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let bb = busybox();
    let bb = bb.to_str().unwrap();
    let payload = data(200_000);
    let mut outcomes = Vec::new();
    for emulated in [false, true] {
        let port = free_port();
        let p = port.to_string();
        // -e runs busybox cat with the connection as its stdin and stdout.
        let server = Server::start(&["nc", "-l", "-p", &p, "-e", bb, "cat"], &[], port, emulated);
        let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let sent = payload.clone();
        let mut writer = conn.try_clone().unwrap();
        let send = std::thread::spawn(move || {
            writer.write_all(&sent).unwrap();
            writer.shutdown(std::net::Shutdown::Write).unwrap();
        });
        let mut echoed = Vec::new();
        let _ = conn.read_to_end(&mut echoed);
        send.join().unwrap();
        assert!(echoed == payload, "emulated={emulated}: cat through nc -e echoed {} bytes", echoed.len());
        outcomes.push(echoed.len());
        drop(server);
    }
    assert_eq!(outcomes[0], outcomes[1]);
}

#[test]
fn timeout_kills_a_slow_program() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let bb = busybox();
    let bb = bb.to_str().unwrap();
    // busybox timeout execs the program in its own process and forks the watcher, which signals it.
    let slow = same(&["timeout", "1", bb, "sleep", "5"], exact);
    assert_eq!(slow.status, format!("killed by signal {}", libc::SIGTERM));
    let killed = same(&["timeout", "-s", "KILL", "1", bb, "sleep", "5"], exact);
    assert_eq!(killed.status, format!("killed by signal {}", libc::SIGKILL));
    let quick = same(&["timeout", "5", bb, "true"], exact);
    assert_eq!(quick.status, "exit status 0");
    same(&["timeout", "5", bb, "sh", "-c", "exit 7"], exact);
    same(&["timeout", "5", "/no/such/program"], exact);
}
