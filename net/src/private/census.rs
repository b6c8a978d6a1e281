//! The private network's sockets as `/proc/net/{tcp,tcp6,udp,udp6,unix}` list them: a read-only
//! census of every emulator's sockets on the network, not only this process's.
//!
//! The network's port table is the host's abstract namespace ([`super::addr`]), so the census is a
//! `sock_diag` dump of the host's AF_UNIX sockets (net/unix/diag.c `unix_diag_dump()`: name, peer
//! inode, queue lengths, owner) kept to the names of this network. What each shows:
//!
//! - a TCP listener (`TCP_LISTEN` underneath): `0A`, its pending connections as `rx_queue`
//!   (tcp4_seq_show() shows `sk_ack_backlog` there, unix_diag `udiag_rqueue`);
//! - a connected TCP socket: `01` with its peer's address (an accepted socket carries its
//!   listener's name, so a wildcard listener's connections show 127.0.0.1 or ::1, as
//!   getsockname says), the unread bytes as `rx_queue`; once the peer is gone `08` (CLOSE_WAIT)
//!   with the remote address unknown (0); the side that closed first is gone (no FIN_WAIT or
//!   TIME_WAIT: there is no TCP underneath);
//! - a bound TCP socket that neither listens nor is connected is not listed (the kernel lists
//!   the listening and established hashes only);
//! - a bound UDP socket: `07`, or `01` with the peer it is connected to when that peer is bound
//!   (a UDP peer that was not bound at connect time is the connecting process's own state);
//!   queues 0 (the kernel's are memory counts of socket buffers);
//! - the inode is the host socket's, the one the guest's fstat and `/proc/PID/fd` show.
//!
//! Contract: reads only (a `sock_diag` dump and `/proc/net/unix`); an unreadable host answers an
//! empty census.

use super::addr::{self, Endpoint, Ip, Parsed, Proto};
use super::fd_floor;
use super::netlink::{u16_at, u32_at};
use crate::host::sock;
use crate::Errno;
use std::collections::HashMap;
use std::os::fd::AsFd;

/// One private IP socket as the kernel's `/proc/net/{tcp,udp}{,6}` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InetSock {
    pub proto: Proto,
    /// Held by an AF_INET6 socket (listed in tcp6/udp6).
    pub v6: bool,
    pub local: (Ip, u16),
    pub remote: (Ip, u16),
    /// The TCP state number (`TCP_ESTABLISHED` 1, `TCP_CLOSE_WAIT` 8, `TCP_CLOSE` 7, `TCP_LISTEN` 10).
    pub state: u8,
    pub rx_queue: u32,
    pub uid: u32,
    pub inode: u32,
}

const TCP_ESTABLISHED: u8 = 1;
const TCP_CLOSE: u8 = 7;
const TCP_CLOSE_WAIT: u8 = 8;
const TCP_LISTEN: u8 = 10;

/// The private IP sockets of network `net`, in the order of their inodes.
pub fn inet(net: &str) -> Vec<InetSock> {
    let all = dump().unwrap_or_default();
    let by_inode: HashMap<u32, &Diag> = all.iter().map(|d| (d.inode, d)).collect();
    let endpoint = |d: &Diag| match addr::parse_name(net, d.name.as_deref()?)? {
        Parsed::Inet(proto, ep) => Some((proto, ep)),
        Parsed::Unix(_) => None,
    };
    let mut out = Vec::new();
    for d in &all {
        let Some((proto, ep)) = endpoint(d) else { continue };
        let peer = by_inode.get(&d.peer).and_then(|p| endpoint(p)).map(|(_, e)| e);
        // A connection's wildcard end (an accepted socket carries its listener's name) is the
        // loopback address of the other end's family: what the connection was made to.
        let ends = |peer: Endpoint| {
            let local = if ep.ip.is_wildcard() { peer.ip.source() } else { ep.ip };
            let remote = if peer.ip.is_wildcard() { ep.ip.source() } else { peer.ip };
            ((local, ep.port), (remote, peer.port))
        };
        let unbound = (Ip::V4([0; 4]), 0);
        let (state, (local, remote), rx_queue) = match (proto, peer) {
            (Proto::Tcp, _) if d.state == TCP_LISTEN => (TCP_LISTEN, ((ep.ip, ep.port), unbound), d.rqueue),
            (Proto::Tcp, Some(p)) if d.state == TCP_ESTABLISHED => (TCP_ESTABLISHED, ends(p), d.rqueue),
            (Proto::Tcp, None) if d.state == TCP_ESTABLISHED => {
                (TCP_CLOSE_WAIT, ((ep.ip.as_destination(), ep.port), unbound), d.rqueue)
            }
            (Proto::Tcp, _) => continue,
            (Proto::Udp, Some(p)) => (TCP_ESTABLISHED, ends(p), 0),
            (Proto::Udp, None) => (TCP_CLOSE, ((ep.ip, ep.port), unbound), 0),
        };
        let unspecified = |(ip, port): (Ip, u16)| match (ip, ep.v6) {
            (Ip::V4([0, 0, 0, 0]), true) if port == 0 => (Ip::V6([0; 16]), 0),
            other => (other.0, port),
        };
        out.push(InetSock {
            proto,
            v6: ep.v6,
            local: unspecified(local),
            remote: unspecified(remote),
            state,
            rx_queue,
            uid: d.uid,
            inode: d.inode,
        });
    }
    out.sort_by_key(|s| s.inode);
    out
}

/// The lines of the host's `/proc/net/unix` for the guest AF_UNIX sockets of network `net`
/// (abstract names under the network's prefix, accepted sockets included, which carry their
/// listener's name), the prefix removed: `@NAME` as the guest bound it. The kernel's own
/// columns (refcount, flags, type, state, inode) are the host socket's.
pub fn unix_lines(net: &str) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string("/proc/net/unix") else { return Vec::new() };
    let prefix = format!("@{}{net}/unix/", addr::PREFIX);
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let Some(at) = line.find(&prefix) else { continue };
        out.push(format!("{}@{}", &line[..at], &line[at + prefix.len()..]));
    }
    out
}

/// One host AF_UNIX socket of a `sock_diag` dump.
#[derive(Debug, Default)]
struct Diag {
    inode: u32,
    state: u8,
    /// The abstract name without its NUL (`None`: unnamed or a path).
    name: Option<Vec<u8>>,
    peer: u32,
    rqueue: u32,
    uid: u32,
}

const NETLINK_SOCK_DIAG: i32 = 4;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
/// include/uapi/linux/unix_diag.h: what the dump adds to each socket.
const UDIAG_SHOW_NAME: u32 = 0x01;
const UDIAG_SHOW_PEER: u32 = 0x04;
const UDIAG_SHOW_RQLEN: u32 = 0x10;
const UDIAG_SHOW_UID: u32 = 0x40;
const UNIX_DIAG_NAME: u16 = 0;
const UNIX_DIAG_PEER: u16 = 2;
const UNIX_DIAG_RQLEN: u16 = 4;
const UNIX_DIAG_UID: u16 = 7;
/// sizeof(struct nlmsghdr), sizeof(struct unix_diag_msg).
const NLMSG_HDR: usize = 16;
const UNIX_DIAG_MSG: usize = 16;

/// Every AF_UNIX socket of the host's network namespace, by `sock_diag`.
fn dump() -> Result<Vec<Diag>, Errno> {
    let kind = (libc::SOCK_DGRAM | libc::SOCK_CLOEXEC) as u32;
    let mut fd = sock::socket(libc::AF_NETLINK as u32, kind, NETLINK_SOCK_DIAG as u32)?;
    // Out of the guest's fd range while it is open, as the other helpers.
    if fd_floor() > 0 {
        if let Ok(high) = rustix::io::fcntl_dupfd_cloexec(&fd, fd_floor()) {
            fd = high;
        }
    }
    // struct nlmsghdr + struct unix_diag_req (24 bytes).
    let mut req = Vec::with_capacity(NLMSG_HDR + 24);
    req.extend_from_slice(&((NLMSG_HDR + 24) as u32).to_ne_bytes());
    req.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    req.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    req.extend_from_slice(&1u32.to_ne_bytes());
    req.extend_from_slice(&0u32.to_ne_bytes());
    req.extend_from_slice(&[libc::AF_UNIX as u8, 0, 0, 0]);
    req.extend_from_slice(&u32::MAX.to_ne_bytes()); // udiag_states: all
    req.extend_from_slice(&0u32.to_ne_bytes()); // udiag_ino
    req.extend_from_slice(&(UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID).to_ne_bytes());
    req.extend_from_slice(&[0; 8]); // udiag_cookie
    sock::send(fd.as_fd(), &req, 0)?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = sock::recv(fd.as_fd(), &mut buf, 0)?;
        let data = &buf[..n];
        if data.is_empty() {
            return Ok(out);
        }
        let mut at = 0;
        while let (Some(len), Some(kind)) = (u32_at(data, at), u16_at(data, at + 4)) {
            let len = len as usize;
            let Some(msg) = data.get(at..at + len).filter(|_| len >= NLMSG_HDR) else { return Ok(out) };
            match kind {
                NLMSG_DONE => return Ok(out),
                NLMSG_ERROR => return Err(Errno::from_raw_os_error(-(u32_at(msg, NLMSG_HDR).unwrap_or(0) as i32))),
                SOCK_DIAG_BY_FAMILY => out.extend(parse(&msg[NLMSG_HDR..])),
                _ => {}
            }
            at += len.next_multiple_of(4);
        }
    }
}

/// A `struct unix_diag_msg` and its attributes.
fn parse(msg: &[u8]) -> Option<Diag> {
    let mut d = Diag { state: *msg.get(2)?, inode: u32_at(msg, 4)?, ..Diag::default() };
    let mut at = UNIX_DIAG_MSG;
    while let (Some(len), Some(kind)) = (u16_at(msg, at), u16_at(msg, at + 2)) {
        let len = len as usize;
        let body = msg.get(at + 4..at + len.max(4))?;
        match kind {
            UNIX_DIAG_NAME => d.name = body.strip_prefix(b"\0").map(<[u8]>::to_vec),
            UNIX_DIAG_PEER => d.peer = u32_at(body, 0)?,
            UNIX_DIAG_RQLEN => d.rqueue = u32_at(body, 0)?,
            UNIX_DIAG_UID => d.uid = u32_at(body, 0)?,
            _ => {}
        }
        at += len.max(4).next_multiple_of(4);
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_census_sees_a_listener_and_a_connection_of_its_network() {
        let net = format!("census{}", std::process::id());
        let name =
            |ep: &str, port| addr::inet_name(&net, Proto::Tcp, &Endpoint::parse(ep, port).unwrap(), None).unwrap();
        let stream = || sock::socket(libc::AF_UNIX as u32, (libc::SOCK_STREAM | libc::SOCK_CLOEXEC) as u32, 0).unwrap();
        let l = stream();
        sock::bind(l.as_fd(), &name("0.0.0.0", 8080)).unwrap();
        sock::listen(l.as_fd(), 5).unwrap();
        let c = stream();
        sock::bind(c.as_fd(), &name("127.0.0.1", 40000)).unwrap();
        sock::connect(c.as_fd(), &name("0.0.0.0", 8080)).unwrap();
        let (a, _) = sock::accept4(l.as_fd(), 0, &mut []).unwrap();
        let lo = (Ip::V4([127, 0, 0, 1]), 8080);
        let socks = inet(&net);
        let states: Vec<_> = socks.iter().map(|s| (s.state, s.local, s.remote)).collect();
        assert_eq!(
            states,
            [
                (TCP_LISTEN, (Ip::V4([0; 4]), 8080), (Ip::V4([0; 4]), 0)),
                (TCP_ESTABLISHED, (Ip::V4([127, 0, 0, 1]), 40000), lo),
                (TCP_ESTABLISHED, lo, (Ip::V4([127, 0, 0, 1]), 40000)),
            ]
        );
        // Another test thread's fork may hold a copy of a closed fd for a moment: wait it out.
        let settled = |want: &[u8]| {
            (0..200).any(|_| {
                let now: Vec<u8> = inet(&net).iter().map(|s| s.state).collect();
                now == want || {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    false
                }
            })
        };
        drop(c);
        assert!(settled(&[TCP_LISTEN, TCP_CLOSE_WAIT]), "{:?}", inet(&net).iter().map(|s| s.state).collect::<Vec<_>>());
        drop((a, l));
        assert!(settled(&[]), "{:?}", inet(&net).iter().map(|s| s.state).collect::<Vec<_>>());
    }
}
