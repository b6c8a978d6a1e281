//! The private network (`emu386 --net=private[:NAME]`): AF_INET and AF_INET6 stream and datagram
//! sockets on a network that has only `lo`.
//!
//! A private socket is a host AF_UNIX socket of the same type (stream for TCP, datagram for UDP),
//! so every guest fd stays a real host fd: read/write, poll/select/epoll, SCM_RIGHTS, splice and
//! sendfile work on it unchanged. Its emulated address is its abstract-namespace name
//! ([`addr`]), which includes the network's name: the abstract namespace is the port table that
//! every emulator of one network shares (separately started emulators of one NAME meet there),
//! and a name vanishes with the last reference to its socket, so nothing is left behind.
//!
//! Which host fds are private sockets: a process-wide map from socket inode to [`State`] (filled
//! at socket(2) and accept(2), copied by fork, carried across execve by [`exec_options`]), and for
//! fds that arrive otherwise, the socket's host name. The guest's own AF_UNIX sockets are
//! private too in this mode: their abstract names are put under the network's prefix, and
//! netlink route sockets show only `lo` ([`netlink`]).
//!
//! Contract: nothing here touches guest memory (beyond handing the kernel the host ranges over it
//! that the syscall layer passes, as `host.rs` does); with the mode off, [`lookup`] is one atomic
//! load.
//!
//! Shaped for a per-process socket table of socket objects: [`State`] is what an object holds
//! (one per socket, shared by its fds), [`create`] is the registry row's constructor, the
//! name-based recognition in [`lookup`] is a provider's claim on an fd the table does not know,
//! and [`Kind`]'s text in [`exec_options`] is the state an execve carries.

pub mod addr;
pub mod ioctl;
pub mod netlink;
mod options;
pub mod socket;

use crate::Errno;
use addr::Proto;
use std::collections::HashMap;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};

pub use socket::Private;

static ON: AtomicBool = AtomicBool::new(false);
static NETWORK: OnceLock<Network> = OnceLock::new();

/// The network this process is on.
#[derive(Debug)]
struct Network {
    name: String,
    /// The lowest fd number the emulator keeps for itself (its helper sockets go there).
    fd_floor: i32,
}

/// The longest network name: the names of sockets must fit `sun_path`.
pub const NAME_MAX: usize = 32;

/// Check a network name given on the command line (`--net=private:NAME`).
pub fn valid_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > NAME_MAX {
        return Err(format!("a network name has 1 to {NAME_MAX} characters"));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
        return Err("a network name is made of letters, digits, '-', '_' and '.'".into());
    }
    Ok(())
}

/// A fresh network name: one per top-level emulator, so that two runs never share a network.
pub fn fresh_name() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("p{}-{nanos:x}", std::process::id())
}

/// Put this process on the private network `name` (at start-up, before the guest runs);
/// `sockets` is what the previous program's [`exec_options`] said.
pub fn enable(name: &str, fd_floor: i32, sockets: Option<&str>) {
    if NETWORK.set(Network { name: name.to_owned(), fd_floor }).is_ok() {
        ON.store(true, Relaxed);
    }
    if let Some(list) = sockets {
        for entry in list.split(',') {
            if let Some((ino, kind)) = entry.split_once(':') {
                if let (Ok(ino), Some(kind)) = (ino.parse::<u64>(), Kind::parse(kind)) {
                    remember(ino, State::new(kind));
                }
            }
        }
    }
}

/// Whether this process is on a private network.
pub fn enabled() -> bool {
    ON.load(Relaxed)
}

/// The network's name, when on one.
pub fn network() -> Option<&'static str> {
    enabled().then(|| NETWORK.get().map(|n| n.name.as_str())).flatten()
}

fn fd_floor() -> i32 {
    NETWORK.get().map_or(0, |n| n.fd_floor)
}

/// What a private socket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An AF_INET (`v6` false) or AF_INET6 socket of TCP or UDP.
    Inet { v6: bool, proto: Proto },
    /// A guest AF_UNIX socket.
    Unix,
    /// A host netlink socket whose route dumps are cut down to `lo` ([`netlink`]).
    Netlink,
}

impl Kind {
    fn text(self) -> &'static str {
        match self {
            Kind::Inet { v6: false, proto: Proto::Tcp } => "tcp4",
            Kind::Inet { v6: false, proto: Proto::Udp } => "udp4",
            Kind::Inet { v6: true, proto: Proto::Tcp } => "tcp6",
            Kind::Inet { v6: true, proto: Proto::Udp } => "udp6",
            Kind::Unix => "unix",
            Kind::Netlink => "netlink",
        }
    }

    fn parse(text: &str) -> Option<Kind> {
        Some(match text {
            "tcp4" => Kind::Inet { v6: false, proto: Proto::Tcp },
            "udp4" => Kind::Inet { v6: false, proto: Proto::Udp },
            "tcp6" => Kind::Inet { v6: true, proto: Proto::Tcp },
            "udp6" => Kind::Inet { v6: true, proto: Proto::Udp },
            "unix" => Kind::Unix,
            "netlink" => Kind::Netlink,
            _ => return None,
        })
    }
}

/// What the emulator keeps for one private socket (shared by its fds in this process).
#[derive(Debug, Clone)]
pub struct State {
    pub kind: Kind,
    pub v6only: bool,
    pub reuseaddr: bool,
    pub reuseport: bool,
    /// A UDP socket's peer, kept here so that connect(2) to a port nobody has bound succeeds as
    /// it does for UDP (the host socket is connected only when the peer exists).
    pub peer: Option<(addr::Ip, u16)>,
    /// An error to report on the next receive or SO_ERROR (the ICMP port unreachable a UDP send
    /// to nobody brings back).
    pub pending: Option<Errno>,
    /// IP/TCP/UDP-level option values the guest set, as the kernel stored them.
    pub options: Vec<((u32, u32), Vec<u8>)>,
    /// When the last datagram came (seconds, nanoseconds), for SIOCGSTAMP.
    pub stamp: Option<(i64, u32)>,
    /// Known to have a port (a socket never loses it): no need to ask the host's name.
    pub bound: bool,
    /// A non-blocking TCP connect answered EINPROGRESS: the next connect(2) reports its outcome.
    pub connecting: bool,
}

impl State {
    fn new(kind: Kind) -> State {
        // net.ipv6.bindv6only is 0 in a fresh namespace.
        State {
            kind,
            v6only: false,
            reuseaddr: false,
            reuseport: false,
            peer: None,
            pending: None,
            options: Vec::new(),
            stamp: None,
            bound: false,
            connecting: false,
        }
    }
}

static SOCKETS: Mutex<Option<HashMap<u64, State>>> = Mutex::new(None);

/// The socket inode of `fd`, if `fd` is a socket.
fn socket_inode(fd: BorrowedFd) -> Option<u64> {
    let st = rustix::fs::fstat(fd).ok()?;
    (st.st_mode & libc::S_IFMT == libc::S_IFSOCK).then_some(st.st_ino)
}

fn remember(ino: u64, state: State) {
    SOCKETS.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(HashMap::new).insert(ino, state);
}

/// Change the state of the socket `ino`.
fn update(ino: u64, f: impl FnOnce(&mut State)) {
    if let Some(s) = SOCKETS.lock().unwrap_or_else(|e| e.into_inner()).as_mut().and_then(|m| m.get_mut(&ino)) {
        f(s);
    }
}

fn state_of(ino: u64) -> Option<State> {
    SOCKETS.lock().unwrap_or_else(|e| e.into_inner()).as_ref()?.get(&ino).cloned()
}

/// The host's name of a socket (`peer`: its peer's), as raw sockaddr bytes.
fn host_name(fd: BorrowedFd, peer: bool) -> Result<Vec<u8>, Errno> {
    let mut buf = [0u8; 128];
    let mut len = buf.len() as libc::socklen_t;
    // SAFETY: `buf` is writable for `len` bytes.
    let ret = unsafe {
        if peer {
            libc::getpeername(fd.as_raw_fd(), buf.as_mut_ptr().cast(), &mut len)
        } else {
            libc::getsockname(fd.as_raw_fd(), buf.as_mut_ptr().cast(), &mut len)
        }
    };
    if ret < 0 {
        return Err(last_errno());
    }
    Ok(buf[..(len as usize).min(buf.len())].to_vec())
}

pub(crate) fn last_errno() -> Errno {
    Errno::from_raw_os_error(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO))
}

fn int_option(fd: BorrowedFd, level: i32, name: i32) -> Option<i32> {
    let mut v = 0i32;
    let mut len = size_of::<i32>() as libc::socklen_t;
    // SAFETY: an int-sized option into `v`.
    let ret = unsafe { libc::getsockopt(fd.as_raw_fd(), level, name, (&raw mut v).cast(), &mut len) };
    (ret == 0).then_some(v)
}

/// The guest fd `fd` as a private socket, when this process is on a private network and it is one
/// (a private IP socket, or any AF_UNIX socket: the guest's own).
pub fn lookup(fd: BorrowedFd<'_>) -> Option<Private<'_>> {
    if !enabled() {
        return None;
    }
    let ino = socket_inode(fd)?;
    if let Some(state) = state_of(ino) {
        return Some(Private { fd, ino, state });
    }
    // An fd that arrived by SCM_RIGHTS, or an AF_UNIX socket the map does not know: its name says.
    match int_option(fd, libc::SOL_SOCKET, libc::SO_DOMAIN)? {
        libc::AF_UNIX => {}
        libc::AF_NETLINK => {
            let state = State::new(Kind::Netlink);
            remember(ino, state.clone());
            return Some(Private { fd, ino, state });
        }
        _ => return None,
    }
    let net = network()?;
    let kind = host_name(fd, false)
        .ok()
        .and_then(|n| addr::abstract_name(&n).and_then(|name| addr::parse_name(net, name)))
        .map_or(Kind::Unix, |p| match p {
            addr::Parsed::Inet(proto, ep) => Kind::Inet { v6: ep.v6, proto },
            addr::Parsed::Unix(_) => Kind::Unix,
        });
    let mut state = State::new(kind);
    if let Some(addr::Parsed::Inet(_, ep)) =
        host_name(fd, false).ok().and_then(|n| addr::abstract_name(&n).and_then(|name| addr::parse_name(net, name)))
    {
        state.v6only = ep.only;
    }
    remember(ino, state.clone());
    Some(Private { fd, ino, state })
}

/// The sockfs device, learnt from the first private socket (0: none yet).
static SOCKFS_DEV: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The guest fd `fd` as a private socket the map knows, with one fstat and nothing else: an fd on
/// the sockfs device whose inode is a private socket's is that socket (the syscall layer's hot
/// paths skip their own is-it-a-socket check with it; the host's call on the fd still refuses an
/// O_PATH fd, with EBADF).
pub fn known(fd: BorrowedFd<'_>) -> Option<Private<'_>> {
    if !enabled() {
        return None;
    }
    let st = rustix::fs::fstat(fd).ok()?;
    let dev = SOCKFS_DEV.load(Relaxed);
    if st.st_mode & libc::S_IFMT != libc::S_IFSOCK || dev == 0 || st.st_dev != dev {
        return None;
    }
    state_of(st.st_ino).map(|state| Private { fd, ino: st.st_ino, state })
}

/// socket(2) for a private socket: `family` AF_INET or AF_INET6 (`proto` TCP or UDP) or AF_UNIX,
/// `kind` the guest's type with its flags.
pub fn create(kind_of: Kind, kind: u32) -> Result<OwnedFd, Errno> {
    // SAFETY: plain syscall; the result is a new fd we own.
    let raw = unsafe { libc::socket(libc::AF_UNIX, kind as i32, 0) };
    if raw < 0 {
        return Err(last_errno());
    }
    // SAFETY: `raw` was just returned by socket(2).
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    if let Ok(st) = rustix::fs::fstat(&fd) {
        SOCKFS_DEV.store(st.st_dev, Relaxed);
        remember(st.st_ino, State::new(kind_of));
    }
    Ok(fd)
}

/// The options a guest execve passes to the next emulator: the network, and the private sockets
/// among the fds that stay open (those are the only ones whose kind a name may not tell).
pub fn exec_options() -> Vec<String> {
    let Some(net) = network() else { return Vec::new() };
    let mut options = vec![format!("--net=private:{net}")];
    let map = SOCKETS.lock().unwrap_or_else(|e| e.into_inner());
    let Some(map) = map.as_ref() else { return options };
    let mut list = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc/self/fd") {
        for entry in dir.flatten() {
            let Ok(meta) = std::fs::metadata(entry.path()) else { continue };
            let ino = std::os::unix::fs::MetadataExt::ino(&meta);
            if let Some(state) = map.get(&ino) {
                let item = format!("{ino}:{}", state.kind.text());
                if !list.contains(&item) {
                    list.push(item);
                }
            }
        }
    }
    if !list.is_empty() {
        options.push(format!("--net-sockets={}", list.join(",")));
    }
    options
}

/// The network's lock, held while a port is chosen and bound: an abstract name that one socket
/// at a time can hold (it vanishes if its holder dies).
struct Lock {
    _held: Option<OwnedFd>,
}

impl Lock {
    fn take(net: &str) -> Lock {
        let Ok(name) = addr::abstract_addr(format!("{}{net}/lock", addr::PREFIX).as_bytes()) else {
            return Lock { _held: None };
        };
        // SAFETY: plain syscall.
        let raw = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if raw < 0 {
            return Lock { _held: None };
        }
        // SAFETY: `raw` was just returned by socket(2).
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        for i in 0..20_000u32 {
            // SAFETY: `name` is a sockaddr_un of its length.
            if unsafe { libc::bind(fd.as_raw_fd(), name.as_ptr().cast(), name.len() as u32) } == 0 {
                return Lock { _held: Some(fd) };
            }
            if last_errno() != Errno::ADDRINUSE {
                break;
            }
            std::thread::sleep(std::time::Duration::from_micros(if i < 100 { 20 } else { 500 }));
        }
        log::warn!("private network {net}: its lock stayed taken; going on without it");
        Lock { _held: None }
    }
}

/// /proc/sys/net/ipv4/ip_local_port_range (32768-60999 when unreadable, the kernel's default).
pub(crate) fn port_range() -> (u16, u16) {
    static RANGE: OnceLock<(u16, u16)> = OnceLock::new();
    *RANGE.get_or_init(|| {
        let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
        let mut it = text.split_whitespace().filter_map(|w| w.parse::<u16>().ok());
        match (it.next(), it.next()) {
            (Some(lo), Some(hi)) if lo <= hi && lo > 0 => (lo, hi),
            _ => (32768, 60999),
        }
    })
}

/// A helper host socket of the guest's family, type and protocol, out of the guest's fd range,
/// to ask the kernel how an IP socket answers an option.
fn helper(v6: bool, proto: Proto) -> Result<OwnedFd, Errno> {
    let (family, kind, protocol) = match proto {
        Proto::Tcp => (if v6 { libc::AF_INET6 } else { libc::AF_INET }, libc::SOCK_STREAM, libc::IPPROTO_TCP),
        Proto::Udp => (if v6 { libc::AF_INET6 } else { libc::AF_INET }, libc::SOCK_DGRAM, libc::IPPROTO_UDP),
    };
    // SAFETY: plain syscall.
    let raw = unsafe { libc::socket(family, kind | libc::SOCK_CLOEXEC, protocol) };
    if raw < 0 {
        return Err(last_errno());
    }
    // SAFETY: `raw` was just returned by socket(2).
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let floor = fd_floor();
    if floor > 0 {
        if let Ok(high) = rustix::io::fcntl_dupfd_cloexec(&fd, floor) {
            return Ok(high);
        }
    }
    Ok(fd)
}

/// A pristine helper per (family, protocol), kept for the defaults of options never set.
fn pristine(v6: bool, proto: Proto) -> Option<BorrowedFd<'static>> {
    static HELPERS: Mutex<[Option<i32>; 4]> = Mutex::new([None; 4]);
    let slot = (v6 as usize) * 2 + (proto == Proto::Udp) as usize;
    let mut helpers = HELPERS.lock().unwrap_or_else(|e| e.into_inner());
    let raw = match helpers[slot] {
        Some(raw) => raw,
        None => {
            let fd = helper(v6, proto).ok()?;
            let raw = std::os::fd::IntoRawFd::into_raw_fd(fd);
            helpers[slot] = Some(raw);
            raw
        }
    };
    // SAFETY: the helper is never closed (close-on-exec ends it with the emulator).
    Some(unsafe { BorrowedFd::borrow_raw(raw) })
}
