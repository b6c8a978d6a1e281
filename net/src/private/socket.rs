//! The operations of a private socket, for one call on one of its fds ([`Call`]; the object that
//! implements [`crate::Socket`] is [`super::object`]'s), in the order of the kernel's checks:
//! `__inet_bind()`, `__inet6_bind()`, `inet_stream_connect()`/`tcp_v4_connect()`,
//! `ip4_datagram_connect()`, `udp_sendmsg()`/`udpv6_sendmsg()`; the transport underneath is the
//! host AF_UNIX socket. This file names, binds, connects, accepts and shuts down; sending and
//! receiving are in [`transfer`].

use super::addr::{self, Endpoint, Ip, Parsed, Proto, AF_INET, AF_INET6, AF_UNIX, SIN6_LEN_RFC2133, SIN_LEN};
use super::object::Private;
use super::{host_name, int_option, network, Kind, Lock, State};
use crate::host::sock;
use crate::socket::NewSocket;
use crate::Errno;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;

mod transfer;

const AF_UNSPEC: u16 = 0;
/// __SO_ACCEPTCON in /proc/net/unix's Flags column.
const SO_ACCEPTCON: u32 = 1 << 16;
/// The largest UDP payload: 65535 less the UDP and IP headers.
const UDP_MAX_V4: usize = 65535 - 8 - 20;
const UDP_MAX_V6: usize = 65535 - 8;

/// One call on a private socket: the host fd the guest named, the socket's object, and its state
/// as the call began (changes go to the object).
pub struct Call<'a> {
    pub fd: BorrowedFd<'a>,
    pub obj: &'a Private,
    pub state: State,
}

/// /proc/sys/net/ipv4/ip_unprivileged_port_start (1024 when unreadable).
fn unprivileged_port_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(1024)
}

/// inet_port_requires_bind_service() without CAP_NET_BIND_SERVICE (approximated by root).
fn port_needs_privilege(port: u16) -> bool {
    port != 0 && port < unprivileged_port_start() && !sock::is_root()
}

/// The endpoints a packet or connection for `ip` may reach, most specific first (the kernel's
/// lookup order: an exact address before a wildcard).
fn candidates(ip: Ip, port: u16) -> Vec<Endpoint> {
    let ep = |ip, v6, only| Endpoint { ip, port, v6, only };
    match ip {
        Ip::V4(_) => {
            vec![
                ep(ip, false, false),
                ep(ip, true, false),
                ep(Ip::V4([0; 4]), false, false),
                ep(Ip::V6([0; 16]), true, false),
            ]
        }
        Ip::V6(_) => vec![ep(ip, true, false), ep(Ip::V6([0; 16]), true, false), ep(Ip::V6([0; 16]), true, true)],
    }
}

impl Call<'_> {
    fn net(&self) -> &'static str {
        network().unwrap_or("")
    }

    fn inet(&self) -> Option<(bool, Proto)> {
        match self.state.kind {
            Kind::Inet { v6, proto } => Some((v6, proto)),
            Kind::Unix | Kind::Netlink => None,
        }
    }

    fn nonblocking(&self) -> bool {
        sock::nonblocking(self.fd)
    }

    /// The endpoint this socket's host name stands for, if it is bound.
    fn local(&self) -> Option<Endpoint> {
        let name = host_name(self.fd, false).ok()?;
        match addr::parse_name(self.net(), addr::abstract_name(&name)?)? {
            Parsed::Inet(_, ep) => Some(ep),
            Parsed::Unix(_) => None,
        }
    }

    /// Whether the socket has a port.
    pub(crate) fn local_bound(&self) -> bool {
        self.local().is_some()
    }

    /// The endpoint of a host name (`None`: not a private IP name).
    fn endpoint_of(&self, name: &[u8]) -> Option<Endpoint> {
        match addr::parse_name(self.net(), addr::abstract_name(name)?)? {
            Parsed::Inet(_, ep) => Some(ep),
            Parsed::Unix(_) => None,
        }
    }

    /// Bind the host socket to a name for `ep` (port 0: an ephemeral port), deciding conflicts
    /// as inet_csk_get_port()/udp_lib_get_port() do. The network's lock is held throughout.
    fn bind_endpoint(&self, mut ep: Endpoint, proto: Proto) -> Result<(), Errno> {
        let net = self.net();
        let _lock = Lock::take(net);
        let bound = bound_names(net, proto);
        if ep.port == 0 {
            let (lo, hi) = super::port_range();
            let span = u32::from(hi - lo) + 1;
            let mut seed = [0u8; 4];
            let _ = rustix::rand::getrandom(&mut seed[..], rustix::rand::GetRandomFlags::empty());
            let start = u32::from_ne_bytes(seed);
            for i in 0..span {
                ep.port = lo + ((start.wrapping_add(i)) % span) as u16;
                if bound.iter().any(|b| b.0.port == ep.port) {
                    continue;
                }
                match sock::bind(self.fd, &addr::inet_name(net, proto, &ep, None)?) {
                    Err(Errno::ADDRINUSE) => continue,
                    other => return other,
                }
            }
            return Err(Errno::ADDRINUSE);
        }
        let same_port: Vec<_> = bound.iter().filter(|b| b.0.port == ep.port).collect();
        let conflicts: Vec<_> = same_port.iter().filter(|b| b.0.overlaps(&ep)).collect();
        let mut suffix = None;
        if !conflicts.is_empty() {
            // Assumed of the other sockets: the same SO_REUSEPORT/SO_REUSEADDR as this one.
            let shared = self.state.reuseport
                || (self.state.reuseaddr && (proto == Proto::Udp || conflicts.iter().all(|c| !c.2)));
            if !shared {
                return Err(Errno::ADDRINUSE);
            }
            let taken: Vec<u32> = same_port.iter().filter(|b| b.0 == ep).map(|b| b.1.unwrap_or(0)).collect();
            suffix = (if taken.contains(&0) { 1.. } else { 0.. }).find(|k| !taken.contains(k)).filter(|k| *k > 0);
        }
        match sock::bind(self.fd, &addr::inet_name(net, proto, &ep, suffix)?) {
            Err(Errno::INVAL) => Err(Errno::INVAL),
            other => other,
        }
    }

    /// An unbound socket gets an ephemeral port on the source address for `dest` (inet_autobind(),
    /// or the port connect(2) picks).
    fn autobind(&self, dest: Option<Ip>) -> Result<(), Errno> {
        let Some((v6, proto)) = self.inet() else { return Ok(()) };
        if self.state.bound || self.local().is_some() {
            return Ok(());
        }
        let ip = match dest {
            Some(d) => d.source(),
            None if v6 => Ip::V6([0; 16]),
            None => Ip::V4([0; 4]),
        };
        let only = v6 && self.state.v6only && ip.is_wildcard();
        self.bind_endpoint(Endpoint { ip, port: 0, v6, only }, proto)?;
        self.obj.update(|s| s.bound = true);
        Ok(())
    }

    /// The guest's destination address for this socket's family: the IP and port, or the
    /// kernel's errno (EINVAL short, EAFNOSUPPORT other family, ENETUNREACH off loopback).
    fn destination(&self, a: &[u8]) -> Result<(Ip, u16), Errno> {
        let Some((v6, _)) = self.inet() else { return Err(Errno::INVAL) };
        let family = if a.len() >= 2 { u16::from_ne_bytes([a[0], a[1]]) } else { u16::MAX };
        let (ip, port) = if v6 && family == AF_INET {
            // udpv6_sendmsg() passes an AF_INET address on to udp_sendmsg().
            if self.state.v6only {
                return Err(Errno::NETUNREACH);
            }
            if a.len() < SIN_LEN {
                return Err(Errno::INVAL);
            }
            addr::parse_inet(a).ok_or(Errno::INVAL)?
        } else if v6 {
            if a.len() < SIN6_LEN_RFC2133 {
                return Err(Errno::INVAL);
            }
            if family != AF_INET6 {
                return Err(Errno::AFNOSUPPORT);
            }
            let (ip, port) = addr::parse_inet(a).ok_or(Errno::INVAL)?;
            if matches!(ip, Ip::V4(_)) && self.state.v6only {
                return Err(Errno::NETUNREACH);
            }
            (ip, port)
        } else {
            if a.len() < SIN_LEN {
                return Err(Errno::INVAL);
            }
            if family != AF_INET {
                return Err(Errno::AFNOSUPPORT);
            }
            addr::parse_inet(a).ok_or(Errno::INVAL)?
        };
        let ip = ip.as_destination();
        if !ip.is_local() {
            return Err(Errno::NETUNREACH);
        }
        Ok((ip, port))
    }

    /// The host name of the socket that takes traffic for `ip:port` now, if one does (`proto`
    /// decides how a name is probed: a stream connect, a datagram connect).
    fn find(&self, proto: Proto, ip: Ip, port: u16) -> Option<Vec<u8>> {
        let net = self.net();
        candidates(ip, port).into_iter().find_map(|ep| {
            let name = addr::inet_name(net, proto, &ep, None).ok()?;
            exists(&name).then_some(name)
        })
    }

    /// The sockaddr to show the guest for a host name: a private IP socket's, in this socket's
    /// family, or a guest AF_UNIX name without the network's prefix.
    fn shown(&self, host: &[u8]) -> Vec<u8> {
        match self.inet() {
            Some((v6, _)) => match self.endpoint_of(host) {
                Some(ep) => addr::render(ep.ip, ep.port, v6),
                None => addr::render(if v6 { Ip::V6([0; 16]) } else { Ip::V4([0; 4]) }, 0, v6),
            },
            None => unix_out(self.net(), host),
        }
    }
}

/// A guest AF_UNIX address as the host sees it: abstract names under the network's prefix.
fn unix_in(net: &str, guest: &[u8]) -> Result<Vec<u8>, Errno> {
    match addr::abstract_name(guest) {
        Some(name) if guest.len() > 2 + 1 || !name.is_empty() => {
            let mut path = format!("{}{net}/unix/", addr::PREFIX).into_bytes();
            path.extend_from_slice(name);
            // unix_validate_addr(): a name longer than sun_path: EINVAL.
            addr::abstract_addr(&path).map_err(|_| Errno::INVAL)
        }
        _ => Ok(guest.to_vec()),
    }
}

/// A host AF_UNIX address as the guest sees it: the network's prefix removed.
fn unix_out(net: &str, host: &[u8]) -> Vec<u8> {
    match addr::abstract_name(host).and_then(|n| addr::parse_name(net, n)) {
        Some(Parsed::Unix(name)) => {
            let mut out = AF_UNIX.to_ne_bytes().to_vec();
            out.push(0);
            out.extend_from_slice(&name);
            out
        }
        _ => host.to_vec(),
    }
}

/// Whether an abstract name is bound now: a probe socket cannot bind it.
fn exists(name: &[u8]) -> bool {
    let Ok(probe) = sock::socket(AF_UNIX.into(), (libc::SOCK_DGRAM | libc::SOCK_CLOEXEC) as u32, 0) else {
        return false;
    };
    matches!(sock::bind(probe.as_fd(), name), Err(Errno::ADDRINUSE))
}

/// The names bound on network `net`'s `proto` ports: (endpoint, `#K` suffix, listening).
fn bound_names(net: &str, proto: Proto) -> Vec<(Endpoint, Option<u32>, bool)> {
    let Ok(text) = std::fs::read_to_string("/proc/net/unix") else { return Vec::new() };
    let prefix = format!("@{}{net}/{}/", addr::PREFIX, proto.text());
    let mut out = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some(rest) = fields.get(7).and_then(|p| p.strip_prefix(&prefix)) else { continue };
        let listening =
            fields.get(3).and_then(|f| u32::from_str_radix(f, 16).ok()).is_some_and(|f| f & SO_ACCEPTCON != 0);
        let Some((port, ep)) = rest.split_once('/') else { continue };
        let (ep, suffix) = match ep.split_once('#') {
            Some((e, k)) => (e, k.parse().ok()),
            None => (ep, None),
        };
        if let Some(ep) = port.parse().ok().and_then(|p| Endpoint::parse(ep, p)) {
            out.push((ep, suffix, listening));
        }
    }
    out
}

/// The operations behind [`crate::Socket`]'s for a private socket.
impl Call<'_> {
    pub fn bind(&self, a: &[u8]) -> Result<(), Errno> {
        let Some((v6, proto)) = self.inet() else {
            return sock::bind(self.fd, &unix_in(self.net(), a)?);
        };
        let family = if a.len() >= 2 { u16::from_ne_bytes([a[0], a[1]]) } else { u16::MAX };
        let bound = self.local().is_some();
        let (ip, port) = if v6 {
            // __inet6_bind()
            if a.len() < SIN6_LEN_RFC2133 {
                return Err(Errno::INVAL);
            }
            if family != AF_INET6 {
                return Err(Errno::AFNOSUPPORT);
            }
            let (ip, port) = addr::parse_inet(a).ok_or(Errno::INVAL)?;
            if port_needs_privilege(port) {
                return Err(Errno::ACCESS);
            }
            if bound {
                return Err(Errno::INVAL);
            }
            match ip {
                Ip::V4(_) if self.state.v6only => return Err(Errno::INVAL),
                Ip::V6(b) if b[0] == 0xfe && b[1] & 0xc0 == 0x80 => {
                    // A link-local address names its interface; only lo (1) exists.
                    let scope = a.get(24..28).map_or(0, |s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]));
                    return Err(if scope == 0 {
                        Errno::INVAL
                    } else if scope != 1 {
                        Errno::NODEV
                    } else {
                        Errno::ADDRNOTAVAIL
                    });
                }
                _ => {}
            }
            if !ip.is_wildcard() && !ip.is_local() {
                return Err(Errno::ADDRNOTAVAIL);
            }
            (ip, port)
        } else {
            // __inet_bind()
            if a.len() < SIN_LEN {
                return Err(Errno::INVAL);
            }
            if family != AF_INET && !(family == AF_UNSPEC && a[4..8] == [0; 4]) {
                return Err(Errno::AFNOSUPPORT);
            }
            let ip = Ip::V4([a[4], a[5], a[6], a[7]]);
            let port = u16::from_be_bytes([a[2], a[3]]);
            if !ip.is_wildcard() && !ip.is_local() {
                return Err(Errno::ADDRNOTAVAIL);
            }
            if port_needs_privilege(port) {
                return Err(Errno::ACCESS);
            }
            if bound {
                return Err(Errno::INVAL);
            }
            (ip, port)
        };
        let only = v6 && self.state.v6only && ip.is_wildcard();
        self.bind_endpoint(Endpoint { ip, port, v6, only }, proto)?;
        self.obj.update(|s| s.bound = true);
        Ok(())
    }

    pub fn connect(&self, a: &[u8]) -> Result<(), Errno> {
        let Some((_, proto)) = self.inet() else {
            return sock::connect(self.fd, &unix_in(self.net(), a)?);
        };
        if a.len() < 2 {
            return Err(Errno::INVAL);
        }
        if u16::from_ne_bytes([a[0], a[1]]) == AF_UNSPEC {
            // inet_dgram_connect()/inet_stream_connect(): AF_UNSPEC disconnects.
            self.obj.update(|s| s.peer = None);
            let _ = sock::connect(self.fd, &AF_UNSPEC.to_ne_bytes());
            return Ok(());
        }
        if proto == Proto::Tcp && self.state.connecting {
            // __inet_stream_connect() after EINPROGRESS: the outcome, once (then EISCONN).
            self.obj.update(|s| (s.connecting, s.refused) = (false, false));
            if let Some(e) = self.take_pending() {
                return Err(e);
            }
            if host_name(self.fd, true).is_ok() {
                return Ok(());
            }
            if self.state.refused {
                // sock_error() with the error already taken (SO_ERROR): ECONNABORTED; the
                // socket is disconnected and can connect again.
                return Err(Errno::CONNABORTED);
            }
        }
        if proto == Proto::Tcp && host_name(self.fd, true).is_ok() {
            return Err(Errno::ISCONN);
        }
        let (ip, port) = self.destination(a)?;
        self.autobind(Some(ip))?;
        match proto {
            Proto::Udp => {
                self.obj.update(|s| s.peer = Some((ip, port)));
                match self.find(Proto::Udp, ip, port) {
                    Some(name) => {
                        let _ = sock::connect(self.fd, &name);
                    }
                    None => {
                        let _ = sock::connect(self.fd, &AF_UNSPEC.to_ne_bytes());
                    }
                }
                Ok(())
            }
            Proto::Tcp => {
                let nonblocking = self.nonblocking();
                let net = self.net();
                let mut result = Err(Errno::CONNREFUSED);
                for ep in candidates(ip, port) {
                    result = sock::connect(self.fd, &addr::inet_name(net, Proto::Tcp, &ep, None)?);
                    if result != Err(Errno::CONNREFUSED) {
                        break;
                    }
                }
                match result {
                    // A TCP connect never completes at once, even on loopback.
                    Ok(()) if nonblocking => {
                        self.obj.update(|s| s.connecting = true);
                        Err(Errno::INPROGRESS)
                    }
                    Err(Errno::CONNREFUSED) if nonblocking => {
                        self.obj.update(|s| {
                            s.connecting = true;
                            s.refused = true;
                            s.pending = Some(Errno::CONNREFUSED);
                        });
                        Err(Errno::INPROGRESS)
                    }
                    other => other,
                }
            }
        }
    }

    pub fn listen(&self, backlog: i32) -> Result<(), Errno> {
        if let Some((_, Proto::Tcp)) = self.inet() {
            if host_name(self.fd, true).is_err() {
                self.autobind(None)?;
            }
        }
        sock::listen(self.fd, backlog)
    }

    pub fn accept(&self, flags: u32, addr_out: &mut [u8]) -> Result<(NewSocket, usize), Errno> {
        let mut host = [0u8; 128];
        // unix_accept() on a socket that does not listen: EINVAL, as inet_accept().
        let (new, len) = sock::accept4(self.fd, flags, &mut host)?;
        let state = State {
            peer: None,
            pending: None,
            options: Vec::new(),
            stamp: None,
            connecting: false,
            refused: false,
            ..self.state.clone()
        };
        let shown = self.shown(&host[..len.min(host.len())]);
        let k = shown.len().min(addr_out.len());
        addr_out[..k].copy_from_slice(&shown[..k]);
        Ok((NewSocket { fd: new, ops: Some(Arc::new(Private::new(state))) }, shown.len()))
    }

    pub fn name(&self, peer: bool, addr_out: &mut [u8]) -> Result<usize, Errno> {
        let shown = match self.inet() {
            None => unix_out(self.net(), &host_name(self.fd, peer)?),
            Some((v6, proto)) => {
                let peer_ep = match proto {
                    Proto::Udp => Some(self.obj.snapshot()).and_then(|s| s.peer),
                    Proto::Tcp => {
                        host_name(self.fd, true).ok().and_then(|n| self.endpoint_of(&n)).map(|e| (e.ip, e.port))
                    }
                };
                if peer {
                    let (ip, port) = peer_ep.ok_or(Errno::NOTCONN)?;
                    addr::render(ip, port, v6)
                } else {
                    match self.local() {
                        // A wildcard-bound socket with a peer shows the address it talks from.
                        Some(ep) if ep.ip.is_wildcard() && peer_ep.is_some() => {
                            let ip = peer_ep.map_or(ep.ip, |p| p.0.source());
                            addr::render(ip, ep.port, v6)
                        }
                        Some(ep) => addr::render(ep.ip, ep.port, v6),
                        None => addr::render(if v6 { Ip::V6([0; 16]) } else { Ip::V4([0; 4]) }, 0, v6),
                    }
                }
            }
        };
        let k = shown.len().min(addr_out.len());
        addr_out[..k].copy_from_slice(&shown[..k]);
        Ok(shown.len())
    }

    pub fn shutdown(&self, how: u32) -> Result<(), Errno> {
        if how > 2 {
            return Err(Errno::INVAL);
        }
        if let Some((_, proto)) = self.inet() {
            // inet_shutdown(): a socket that is neither connected nor listening: ENOTCONN.
            let connected = match proto {
                Proto::Tcp => host_name(self.fd, true).is_ok(),
                Proto::Udp => Some(self.obj.snapshot()).is_some_and(|s| s.peer.is_some()),
            };
            let listening = int_option(self.fd, libc::SOL_SOCKET, libc::SO_ACCEPTCONN) == Some(1);
            if !connected && !listening {
                return Err(Errno::NOTCONN);
            }
        }
        let ret = sock::shutdown(self.fd, how);
        if ret.is_ok() && how != libc::SHUT_RD as u32 {
            self.obj.update(|s| s.shut_wr = true);
        }
        match (ret, self.inet()) {
            // A UDP socket connected to nobody on the host.
            (Err(Errno::NOTCONN), Some((_, Proto::Udp))) => Ok(()),
            (r, _) => r,
        }
    }

    pub fn set_option(&self, level: u32, name: u32, value: &[u8]) -> Result<(), Errno> {
        super::options::set(self, level, name, value)
    }

    pub fn get_option(&self, level: u32, name: u32, value: &mut [u8]) -> Result<usize, Errno> {
        super::options::get(self, level, name, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_names_are_prefixed_and_unprefixed() {
        let mut guest = AF_UNIX.to_ne_bytes().to_vec();
        guest.extend_from_slice(b"\0srv");
        let host = unix_in("n", &guest).unwrap();
        assert_eq!(addr::abstract_name(&host).unwrap(), b"emu386-net/n/unix/srv");
        assert_eq!(unix_out("n", &host), guest);
        let mut path = AF_UNIX.to_ne_bytes().to_vec();
        path.extend_from_slice(b"/tmp/x\0");
        assert_eq!(unix_in("n", &path).unwrap(), path);
        let long = [&AF_UNIX.to_ne_bytes()[..], &[0u8; 108]].concat();
        assert_eq!(unix_in("n", &long).unwrap_err(), Errno::INVAL);
    }
}
