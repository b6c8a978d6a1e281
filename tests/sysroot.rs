//! Real dynamically linked programs from Debian's i386 packages, in a sysroot made by
//! tests/fetch-sysroot.sh (target/sysroot): each runs natively, through the sysroot's own
//! ld-linux.so.2 with its library directories, and under `emu386 -L target/sysroot`, and the two
//! runs must agree (exit status and output).

mod common;

use common::EMU386;
use std::path::{Path, PathBuf};

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
