//! The private network (`emu386 --net=private[:NAME]`): AF_INET and AF_INET6 stream and datagram
//! sockets on a network that has only `lo`.
//!
//! A private socket is a host AF_UNIX socket of the same type (stream for TCP, datagram for UDP),
//! so every guest fd stays a real host fd: poll/select/epoll, SCM_RIGHTS, splice and sendfile work
//! on it unchanged. Its emulated address is its abstract-namespace name ([`addr`]), which
//! includes the network's name: the abstract namespace is the port table that every emulator of
//! one network shares (separately started emulators of one NAME meet there), and a name vanishes
//! with the last reference to its socket, so nothing is left behind.
//!
//! A provider like the others ([`PROVIDER`]), which takes families over while the mode is on: its
//! rows come first in AF_INET, AF_INET6, AF_UNIX, AF_NETLINK and AF_PACKET and answer "not mine"
//! while the mode is off. TCP and UDP sockets are [`Private`] objects of kind [`Kind::Inet`];
//! the guest's own AF_UNIX sockets are private too (their abstract names are put under the
//! network's prefix), and netlink route sockets show only `lo` ([`netlink`]); raw, packet and
//! ping sockets are refused as a fresh network namespace refuses them to an unprivileged process.
//! An object's [`State`] is shared by the socket's fds (the socket table's business), goes to
//! the next emulator across execve as [`State::encode`]'s bytes, and a private socket the table
//! does not know (an SCM_RIGHTS arrival from another process) is recognised by its host name
//! ([`claim`]).
//!
//! Contract: nothing here touches guest memory (beyond handing the kernel the host ranges over it
//! that the syscall layer passes, as `host.rs` does); with the mode off, the provider answers
//! after one atomic load.

pub mod addr;
pub mod census;
pub mod ioctl;
pub mod netlink;
mod object;
mod options;
mod shared;
pub mod socket;
mod urgent;

use crate::host::sock;
use crate::socket::{Answer, NewSocket, Provider, Request, Socket};
use crate::socket::{
    AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_UNIX, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM,
};
use crate::Errno;
use addr::{Ip, Proto};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};

pub use object::Private;

/// The private network's provider (see the module).
pub static PROVIDER: Provider = Provider { name: "private", create, pair: Some(pair), restore };

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

/// Put this process on the private network `name` (at start-up, before the guest runs and
/// before the inherited socket table is taken over).
pub fn enable(name: &str, fd_floor: i32) {
    if NETWORK.set(Network { name: name.to_owned(), fd_floor }).is_ok() {
        shared::init();
        ON.store(true, Relaxed);
        crate::table::claims_on(claim);
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

/// The options a guest execve passes to the next emulator: the network (its sockets go in the
/// socket table's handoff).
pub fn exec_options() -> Vec<String> {
    network().map(|net| vec![format!("--net=private:{net}")]).unwrap_or_default()
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
    /// The kind's byte in the handoff.
    fn code(self) -> u8 {
        match self {
            Kind::Inet { v6: false, proto: Proto::Tcp } => 0,
            Kind::Inet { v6: false, proto: Proto::Udp } => 1,
            Kind::Inet { v6: true, proto: Proto::Tcp } => 2,
            Kind::Inet { v6: true, proto: Proto::Udp } => 3,
            Kind::Unix => 4,
            Kind::Netlink => 5,
        }
    }

    fn from_code(code: u8) -> Option<Kind> {
        Some(match code {
            0 => Kind::Inet { v6: false, proto: Proto::Tcp },
            1 => Kind::Inet { v6: false, proto: Proto::Udp },
            2 => Kind::Inet { v6: true, proto: Proto::Tcp },
            3 => Kind::Inet { v6: true, proto: Proto::Udp },
            4 => Kind::Unix,
            5 => Kind::Netlink,
            _ => return None,
        })
    }
}

/// What the emulator keeps for one private socket (shared by its fds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub kind: Kind,
    pub v6only: bool,
    pub reuseaddr: bool,
    pub reuseport: bool,
    /// A UDP socket's peer, kept here so that connect(2) to a port nobody has bound succeeds as
    /// it does for UDP (the host socket is connected only when the peer exists).
    pub peer: Option<(Ip, u16)>,
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
    /// That connect was refused: until the next connect(2) the socket is as tcp_done() leaves it
    /// (TCP_CLOSE, both directions shut down), which poll reports.
    pub refused: bool,
    /// shutdown(2) of the sending side (SHUT_WR or SHUT_RDWR) was called on this socket: TCP
    /// reports POLLHUP only then (both directions shut down), where the AF_UNIX socket underneath
    /// reports it as soon as its peer is gone.
    pub shut_wr: bool,
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
            refused: false,
            shut_wr: false,
        }
    }

    /// The handoff bytes: the kind; a flags byte (v6only, reuseaddr, reuseport, bound,
    /// connecting, has a peer, has a pending error, refused); a second flags byte (shut_wr); the peer (a family byte, 4 or 16 address
    /// bytes, the port); the pending errno (4 bytes); then each option as level, name (4 bytes
    /// each), length (2) and value. The receive stamp is left behind (SIOCGSTAMP asks about the
    /// last datagram this program received).
    pub fn encode(&self) -> Vec<u8> {
        let flags = [self.v6only, self.reuseaddr, self.reuseport, self.bound, self.connecting]
            .iter()
            .chain([self.peer.is_some(), self.pending.is_some(), self.refused].iter())
            .enumerate()
            .fold(0u8, |f, (i, on)| f | (u8::from(*on) << i));
        let mut out = vec![self.kind.code(), flags, u8::from(self.shut_wr)];
        if let Some((ip, port)) = self.peer {
            match ip {
                Ip::V4(a) => {
                    out.push(4);
                    out.extend_from_slice(&a);
                }
                Ip::V6(a) => {
                    out.push(6);
                    out.extend_from_slice(&a);
                }
            }
            out.extend_from_slice(&port.to_le_bytes());
        }
        if let Some(e) = self.pending {
            out.extend_from_slice(&e.raw_os_error().to_le_bytes());
        }
        for ((level, name), value) in &self.options {
            out.extend_from_slice(&level.to_le_bytes());
            out.extend_from_slice(&name.to_le_bytes());
            out.extend_from_slice(&(value.len().min(usize::from(u16::MAX)) as u16).to_le_bytes());
            out.extend_from_slice(&value[..value.len().min(usize::from(u16::MAX))]);
        }
        out
    }

    /// [`State::encode`]'s bytes back (`None` when they do not parse).
    pub fn decode(bytes: &[u8]) -> Option<State> {
        let mut r = Reader(bytes);
        let mut state = State::new(Kind::from_code(r.byte()?)?);
        let flags = r.byte()?;
        let on = |i: u8| flags & (1 << i) != 0;
        (state.v6only, state.reuseaddr, state.reuseport, state.bound, state.connecting, state.refused) =
            (on(0), on(1), on(2), on(3), on(4), on(7));
        state.shut_wr = r.byte()? & 1 != 0;
        if on(5) {
            let ip = match r.byte()? {
                4 => Ip::V4(r.take(4)?.try_into().ok()?),
                6 => Ip::V6(r.take(16)?.try_into().ok()?),
                _ => return None,
            };
            state.peer = Some((ip, u16::from_le_bytes(r.take(2)?.try_into().ok()?)));
        }
        if on(6) {
            state.pending = Some(Errno::from_raw_os_error(i32::from_le_bytes(r.take(4)?.try_into().ok()?)));
        }
        while !r.0.is_empty() {
            let level = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
            let name = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
            let len = u16::from_le_bytes(r.take(2)?.try_into().ok()?);
            state.options.push(((level, name), r.take(usize::from(len))?.to_vec()));
        }
        Some(state)
    }
}

/// Bytes read in order, each read `None` past the end.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
}

/// IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6.
const IPPROTO_TCP: u32 = 6;
const IPPROTO_UDP: u32 = 17;
const IPPROTO_ICMP: u32 = 1;
const IPPROTO_ICMPV6: u32 = 58;

/// What a fresh network namespace makes of a request (for an unprivileged process: raw and
/// packet sockets EPERM (a packet socket of any type), a ping socket EACCES as `net.ipv4.ping_group_range` is "1 0" there, TCP
/// and UDP protocols other than those EPROTONOSUPPORT), as the kind of private socket to make.
/// `None`: a host socket's business (netlink is a host socket with a private object).
fn kind_for(req: &Request) -> Option<Result<Kind, Errno>> {
    let v6 = req.family == AF_INET6;
    Some(match (req.family, req.kind, req.protocol) {
        (AF_UNIX, _, _) => Ok(Kind::Unix),
        (AF_NETLINK, _, _) => Ok(Kind::Netlink),
        (AF_INET | AF_INET6, SOCK_STREAM, 0 | IPPROTO_TCP) => Ok(Kind::Inet { v6, proto: Proto::Tcp }),
        (AF_INET | AF_INET6, SOCK_DGRAM, 0 | IPPROTO_UDP) => Ok(Kind::Inet { v6, proto: Proto::Udp }),
        (AF_INET, SOCK_DGRAM, IPPROTO_ICMP) | (AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6) => Err(Errno::ACCESS),
        // inet_create(): protocol 0 matches no raw row (EPROTONOSUPPORT) before the capability
        // is checked.
        (AF_INET | AF_INET6, SOCK_RAW, 0) => Err(Errno::PROTONOSUPPORT),
        (AF_INET | AF_INET6, SOCK_RAW, _) | (AF_PACKET, _, _) => Err(Errno::PERM),
        (AF_INET | AF_INET6, _, _) => Err(Errno::PROTONOSUPPORT),
        _ => return None,
    })
}

/// The registry rows' constructor: a private socket while the mode is on, else not mine.
fn create(req: &Request) -> Answer {
    if !enabled() {
        return Answer::NotMine;
    }
    let kind = match kind_for(req) {
        None => return Answer::NotMine,
        Some(Err(e)) => return Answer::Refused(e),
        Some(Ok(kind)) => kind,
    };
    let host = match kind {
        // The host's own netlink socket; only what it receives is cut down.
        Kind::Netlink => crate::host::socket(req.family, req.kind | req.flags, req.protocol),
        // unix_create() takes SOCK_RAW as SOCK_DGRAM.
        Kind::Unix if req.kind == SOCK_RAW => crate::host::socket(libc::AF_UNIX as u32, SOCK_DGRAM | req.flags, 0),
        Kind::Unix => crate::host::socket(libc::AF_UNIX as u32, req.kind | req.flags, req.protocol),
        Kind::Inet { .. } => crate::host::socket(libc::AF_UNIX as u32, req.kind | req.flags, 0),
    };
    match host {
        Ok(fd) => Answer::Made(NewSocket { fd, ops: Some(object(State::new(kind))) }),
        Err(e) => Answer::Refused(e),
    }
}

/// socketpair(2) while the mode is on: the guest's AF_UNIX sockets, or a fresh namespace's
/// refusal of the sockets (__sys_socketpair() makes them before it asks the family for a pair);
/// the other families' EOPNOTSUPP is the host's.
fn pair(family: u32, kind: u32, protocol: u32) -> Option<Result<(NewSocket, NewSocket), Errno>> {
    if !enabled() {
        return None;
    }
    let req = Request { family, kind: kind & 0xf, flags: kind & !0xf, protocol, refused: None };
    match kind_for(&req)? {
        Err(e) => return Some(Err(e)),
        Ok(Kind::Unix) => {}
        Ok(_) => return None,
    }
    let made = crate::host::socketpair(family, kind, protocol).map(|(a, b)| {
        let new = |fd| NewSocket { fd, ops: Some(object(State::new(Kind::Unix))) };
        (new(a), new(b))
    });
    Some(made)
}

/// The object of a socket carried across execve.
fn restore(bytes: &[u8]) -> Option<Arc<dyn Socket>> {
    Some(object(State::decode(bytes)?))
}

fn object(state: State) -> Arc<dyn Socket> {
    Arc::new(Private::new(state))
}

/// A socket the table does not know, while the mode is on: an AF_UNIX socket is a private IP
/// socket when its host name says so (an SCM_RIGHTS arrival from another process on the
/// network), else the guest's own AF_UNIX socket; a netlink socket is filtered.
fn claim(fd: BorrowedFd) -> Option<Arc<dyn Socket>> {
    if !enabled() {
        return None;
    }
    match int_option(fd, libc::SOL_SOCKET, libc::SO_DOMAIN)? {
        libc::AF_UNIX => {}
        libc::AF_NETLINK => return Some(object(State::new(Kind::Netlink))),
        _ => return None,
    }
    let net = network()?;
    let parsed =
        host_name(fd, false).ok().and_then(|n| addr::abstract_name(&n).and_then(|name| addr::parse_name(net, name)));
    let state = match parsed {
        Some(addr::Parsed::Inet(proto, ep)) => {
            State { v6only: ep.only, bound: true, ..State::new(Kind::Inet { v6: ep.v6, proto }) }
        }
        _ => State::new(Kind::Unix),
    };
    Some(object(state))
}

/// The host's name of a socket (`peer`: its peer's), as raw sockaddr bytes.
fn host_name(fd: BorrowedFd, peer: bool) -> Result<Vec<u8>, Errno> {
    let mut buf = [0u8; 128];
    let len = sock::name(fd, peer, &mut buf)?;
    Ok(buf[..len.min(buf.len())].to_vec())
}

fn int_option(fd: BorrowedFd, level: i32, name: i32) -> Option<i32> {
    sock::int_option(fd, level, name).ok()
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
        let Ok(fd) = sock::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) else {
            return Lock { _held: None };
        };
        for i in 0..20_000u32 {
            match sock::bind(fd.as_fd(), &name) {
                Ok(()) => return Lock { _held: Some(fd) },
                Err(Errno::ADDRINUSE) => {}
                Err(_) => break,
            }
            std::thread::sleep(std::time::Duration::from_micros(if i < 100 { 20 } else { 500 }));
        }
        log::warn!("private network {net}: its lock stayed taken; going on without it");
        Lock { _held: None }
    }
}

/// The network's `ip_local_port_range`: a fresh network namespace's, 32768-60999
/// (net/ipv4/af_inet.c `inet_init_net()`), whatever the host's is.
pub fn port_range() -> (u16, u16) {
    (32768, 60999)
}

/// A helper host socket of the guest's family, type and protocol, out of the guest's fd range,
/// to ask the kernel how an IP socket answers an option.
fn helper(v6: bool, proto: Proto) -> Result<OwnedFd, Errno> {
    let (family, kind, protocol) = match proto {
        Proto::Tcp => (if v6 { libc::AF_INET6 } else { libc::AF_INET }, libc::SOCK_STREAM, libc::IPPROTO_TCP),
        Proto::Udp => (if v6 { libc::AF_INET6 } else { libc::AF_INET }, libc::SOCK_DGRAM, libc::IPPROTO_UDP),
    };
    let fd = sock::socket(family as u32, (kind | libc::SOCK_CLOEXEC) as u32, protocol as u32)?;
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
    // The helpers are never closed (close-on-exec ends them with the emulator).
    static HELPERS: Mutex<[Option<&'static OwnedFd>; 4]> = Mutex::new([None; 4]);
    let slot = (v6 as usize) * 2 + (proto == Proto::Udp) as usize;
    let mut helpers = HELPERS.lock().unwrap_or_else(|e| e.into_inner());
    let fd = match helpers[slot] {
        Some(fd) => fd,
        None => {
            let fd: &'static OwnedFd = Box::leak(Box::new(helper(v6, proto).ok()?));
            helpers[slot] = Some(fd);
            fd
        }
    };
    Some(fd.as_fd())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(family: u32, kind: u32, protocol: u32) -> Request {
        Request { family, kind, flags: 0, protocol, refused: None }
    }

    #[test]
    fn a_private_network_answers_as_a_fresh_namespace() {
        let tcp4 = Kind::Inet { v6: false, proto: Proto::Tcp };
        let udp6 = Kind::Inet { v6: true, proto: Proto::Udp };
        assert_eq!(kind_for(&req(AF_INET, SOCK_STREAM, 0)), Some(Ok(tcp4)));
        assert_eq!(kind_for(&req(AF_INET6, SOCK_DGRAM, IPPROTO_UDP)), Some(Ok(udp6)));
        assert_eq!(kind_for(&req(AF_UNIX, 5, 0)), Some(Ok(Kind::Unix)));
        assert_eq!(kind_for(&req(AF_NETLINK, SOCK_RAW, 0)), Some(Ok(Kind::Netlink)));
        assert_eq!(kind_for(&req(AF_INET, SOCK_RAW, 1)), Some(Err(Errno::PERM)));
        assert_eq!(kind_for(&req(AF_PACKET, SOCK_DGRAM, 0)), Some(Err(Errno::PERM)));
        assert_eq!(kind_for(&req(AF_PACKET, SOCK_STREAM, 0)), Some(Err(Errno::PERM)));
        assert_eq!(kind_for(&req(AF_INET6, SOCK_RAW, 0)), Some(Err(Errno::PROTONOSUPPORT)));
        assert_eq!(kind_for(&req(AF_INET, SOCK_DGRAM, 1)), Some(Err(Errno::ACCESS)));
        assert_eq!(kind_for(&req(AF_INET6, SOCK_DGRAM, 58)), Some(Err(Errno::ACCESS)));
        assert_eq!(kind_for(&req(AF_INET, SOCK_STREAM, 262)), Some(Err(Errno::PROTONOSUPPORT)));
        assert_eq!(kind_for(&req(AF_INET, SOCK_STREAM, IPPROTO_UDP)), Some(Err(Errno::PROTONOSUPPORT)));
    }

    #[test]
    fn with_the_mode_off_nothing_is_mine() {
        // (The mode is never turned on in this test binary: it is process-wide.)
        assert!(matches!(create(&req(AF_INET, SOCK_STREAM, 0)), Answer::NotMine));
        assert!(matches!(create(&req(AF_INET, SOCK_RAW, 1)), Answer::NotMine));
        assert!(pair(AF_UNIX, SOCK_STREAM, 0).is_none());
        assert!(exec_options().is_empty());
    }

    #[test]
    fn state_survives_its_handoff_bytes() {
        let full = State {
            kind: Kind::Inet { v6: true, proto: Proto::Udp },
            v6only: true,
            reuseaddr: false,
            reuseport: true,
            peer: Some((Ip::V6(std::net::Ipv6Addr::LOCALHOST.octets()), 8080)),
            pending: Some(Errno::CONNREFUSED),
            options: vec![((1, 2), vec![1, 0, 0, 0]), ((41, 49), vec![])],
            stamp: None,
            bound: true,
            connecting: true,
            refused: true,
            shut_wr: true,
        };
        let v4_peer = State {
            peer: Some((Ip::V4([127, 0, 0, 2]), 1)),
            ..State::new(Kind::Inet { v6: false, proto: Proto::Tcp })
        };
        for st in [full, v4_peer, State::new(Kind::Unix), State::new(Kind::Netlink)] {
            assert_eq!(State::decode(&st.encode()), Some(st));
        }
        assert_eq!(State::decode(&[]), None);
        assert_eq!(State::decode(&[9, 0]), None, "no such kind");
        assert_eq!(State::decode(&[1, 1 << 5, 0, 4, 127]), None, "a peer cut short");
        assert_eq!(State::decode(&[1, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 5, 0, 1]), None, "an option cut short");
    }
}
