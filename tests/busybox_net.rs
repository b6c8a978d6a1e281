//! Busybox's network applets natively and under emu386, against peers on loopback that the test
//! runs itself (a TCP sink, a TCP source, an HTTP server). Both runs must agree: exit status,
//! output, and what the peer saw. Cases run one at a time (a listener of one case must not show up
//! in another's `netstat`), each bounded in time.

mod common;

use common::{command, run, Outcome, EMU386};
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
