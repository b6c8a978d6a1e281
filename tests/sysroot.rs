//! Real dynamically linked programs from Debian's i386 packages, in a sysroot made by
//! tests/fetch-sysroot.sh (target/sysroot): each runs natively, through the sysroot's own
//! ld-linux.so.2 with its library directories, and under `emu386 -L target/sysroot`, and the two
//! runs must agree (exit status and output).

mod common;

use common::EMU386;
use std::path::{Path, PathBuf};
use std::process::Command;

fn sysroot() -> PathBuf {
    let root = common::workspace().join("target/sysroot");
    assert!(
        root.join(".packages").is_file(),
        "no sysroot at {}: run tests/fetch-sysroot.sh (tests/setup.sh does)",
        root.display()
    );
    root.canonicalize().unwrap()
}

/// `program args` natively (the sysroot's ld.so loads it with the sysroot's libraries) and under
/// emu386 -L, in `dir`; both outcomes.
fn both(program: &str, args: &[&str], dir: &Path) -> (common::Outcome, common::Outcome) {
    let root = sysroot();
    let exe = root.join(program.trim_start_matches('/'));
    let libs = format!("{0}/lib/i386-linux-gnu:{0}/usr/lib/i386-linux-gnu", root.display());
    let mut native = common::command(root.join("lib/ld-linux.so.2"), dir);
    native.arg("--library-path").arg(&libs).arg(&exe).args(args);
    let mut emulated = common::command(EMU386, dir);
    emulated.arg("-L").arg(&root).arg(&exe).args(args);
    (common::run(native, b""), common::run(emulated, b""))
}

fn agree(program: &str, args: &[&str], dir: &Path) -> String {
    let (native, emulated) = both(program, args, dir);
    assert_eq!(
        native.status,
        emulated.status,
        "{program} {args:?}: {}\n{}",
        native.stderr_str(),
        emulated.stderr_str()
    );
    assert_eq!(native.stdout_str(), emulated.stdout_str(), "{program} {args:?}");
    native.stdout_str()
}

#[test]
fn wget_fetches_from_a_local_server() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let body = "hello over loopback\n".repeat(500);
    let served = body.clone();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming().take(2) {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let reply = format!(
                "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{served}",
                served.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/file.txt");
    let out = agree("/usr/bin/wget", &["-q", "-O", "-", &url], dir.path());
    assert_eq!(out, body);
}

#[test]
fn python_runs_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let script = "import os, sys\n\
        class Acc:\n    def __init__(self): self.items = []\n    def add(self, x): self.items.append(x * x)\n\
        a = Acc()\n[a.add(i) for i in range(1000)]\n\
        print(sum(a.items), max(a.items), sorted('emulation')[:4])\n\
        with open('data.txt', 'w') as f: f.write('\\n'.join(str(i) for i in range(100)))\n\
        print(len(open('data.txt').read().split()), sorted(os.listdir('.')))\n\
        try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    print('caught', e)\n\
        print(sys.version_info[:2], 2 ** 100, f'{3.141592653589793:.6f}')\n";
    std::fs::write(dir.path().join("script.py"), script).unwrap();
    let out = agree("/usr/bin/python3.11", &["-S", "script.py"], dir.path());
    assert!(out.contains("332833500 998001"), "{out}");
}

#[test]
fn ssh_keygen_makes_and_reads_keys() {
    let dir = tempfile::tempdir().unwrap();
    // A key made under emu386 that the native program reads back, and the reverse.
    let root = sysroot();
    let exe = root.join("usr/bin/ssh-keygen");
    let mut make = common::command(EMU386, dir.path());
    make.arg("-L").arg(&root).arg(&exe).args(["-q", "-t", "ed25519", "-N", "", "-C", "emu386", "-f", "emu_key"]);
    let made = common::run(make, b"");
    assert_eq!(made.status, "exit status 0", "{}", made.stderr_str());
    let public = agree("/usr/bin/ssh-keygen", &["-y", "-f", "emu_key"], dir.path());
    let written = std::fs::read_to_string(dir.path().join("emu_key.pub")).unwrap();
    assert_eq!(public.trim_end(), written.trim_end());
    let fingerprint = agree("/usr/bin/ssh-keygen", &["-l", "-f", "emu_key.pub"], dir.path());
    assert!(fingerprint.starts_with("256 SHA256:") && fingerprint.contains("emu386 (ED25519)"), "{fingerprint}");
    // An RSA key (big-number arithmetic in libcrypto) made natively, read by both.
    let (native, _) =
        both("/usr/bin/ssh-keygen", &["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", "rsa_key"], dir.path());
    assert_eq!(native.status, "exit status 0");
    std::fs::remove_file(dir.path().join("rsa_key.pub")).ok();
    agree("/usr/bin/ssh-keygen", &["-y", "-f", "rsa_key"], dir.path());
}

/// A free loopback port (bound to 0, then let go: a server gets it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One HTTP/1.0 request; the status line, the headers but Date, and the body.
fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).ok()?;
    stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").as_bytes()).ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    Some(reply.split("\r\n").filter(|l| !l.starts_with("Date:")).collect::<Vec<_>>().join("\n"))
}

#[test]
fn lighttpd_serves_under_wrk() {
    let root = sysroot();
    let dir = tempfile::tempdir().unwrap();
    let www = dir.path().join("www");
    std::fs::create_dir(&www).unwrap();
    std::fs::write(www.join("index.html"), "<p>served by lighttpd</p>\n".repeat(80)).unwrap();
    let mut replies = Vec::new();
    for emulated in [false, true] {
        let port = free_port();
        let conf = dir.path().join(format!("lighttpd-{port}.conf"));
        std::fs::write(
            &conf,
            format!(
                "server.document-root = \"{}\"\nserver.bind = \"127.0.0.1\"\nserver.port = {port}\n\
                 server.modules = ()\nmimetype.assign = (\".html\" => \"text/html\")\n",
                www.display()
            ),
        )
        .unwrap();
        let exe = root.join("usr/sbin/lighttpd");
        let mut cmd = if emulated {
            let mut c = Command::new(EMU386);
            c.arg("-L").arg(&root).arg(&exe);
            c
        } else {
            let mut c = Command::new(root.join("lib/ld-linux.so.2"));
            c.arg("--library-path")
                .arg(format!("{0}/lib/i386-linux-gnu:{0}/usr/lib/i386-linux-gnu", root.display()))
                .arg(&exe);
            c
        };
        cmd.args(["-D", "-f"]).arg(&conf).current_dir(dir.path());
        let mut server = cmd.spawn().unwrap();
        let mut reply = None;
        for _ in 0..500 {
            reply = http_get(port, "/index.html");
            if reply.is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let missing = http_get(port, "/missing.html");
        let load = Command::new("wrk")
            .args(["-t", "2", "-c", "8", "-d", "2s", &format!("http://127.0.0.1:{port}/index.html")])
            .output();
        let _ = server.kill();
        let _ = server.wait();
        let reply = reply.unwrap_or_else(|| panic!("lighttpd (emulated: {emulated}) never answered"));
        let report = String::from_utf8_lossy(&load.expect("wrk (apt-get install wrk)").stdout).into_owned();
        let requests: u64 = report
            .lines()
            .find(|l| l.contains("requests in"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(requests > 100, "emulated: {emulated}: {report}");
        assert!(!report.contains("Socket errors") && !report.contains("Non-2xx"), "emulated: {emulated}: {report}");
        eprintln!("lighttpd, emulated {emulated}: {requests} requests in 2 s");
        replies.push((reply, missing));
    }
    assert_eq!(replies[0], replies[1], "native and emulated lighttpd answer differently");
    assert!(replies[0].0.starts_with("HTTP/1.0 200 OK"), "{}", replies[0].0);
}
