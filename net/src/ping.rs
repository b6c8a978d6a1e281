//! Raw ICMP sockets for an unprivileged emulator: when the host refuses `SOCK_RAW` for
//! `IPPROTO_ICMP` or `IPPROTO_ICMPV6` (no CAP_NET_RAW), the guest gets a host *ping socket*
//! (`SOCK_DGRAM`, allowed by `net.ipv4.ping_group_range`) that keeps raw-socket semantics where a
//! ping program sees them:
//!
//! - The echo identifier is the guest's: the first echo request binds the ping socket to the
//!   identifier it carries (a ping socket's "port" is its identifier), and replies get it back
//!   should the kernel have chosen another.
//! - An IPv4 raw socket delivers the IP header: one is built in front of each message from what
//!   the host reports (source from the address, destination from `IP_PKTINFO`, TTL and TOS from
//!   `IP_RECVTTL`/`IP_RECVTOS`), for recvfrom(2) and recvmsg(2). IPv6 raw sockets deliver none,
//!   as the kernel's do.
//! - `SO_TYPE` says `SOCK_RAW`; `ICMP_FILTER` and `ICMP6_FILTER` are kept and answered (a ping
//!   socket only receives replies to its own requests, which no filter a pinger sets would drop).
//!
//! This provider's row comes after the host's raw row: it is asked only when the host refused the
//! raw socket for lack of privilege. Its sockets are objects in the socket table like any other
//! (dup'd fds, SCM_RIGHTS arrivals and forked children see the same object), and their state (the
//! identifier and the filter) is carried across execve.
//!
//! Left out: a raw socket also receives other ICMP traffic (other programs' echo requests and
//! replies, errors), a ping socket only its own replies and errors; recvmsg(2) gives the IPv4
//! socket's messages without control messages; requests other than echo requests are refused
//! (EINVAL), as a ping socket refuses them.

use crate::host::{msg, sock, Host};
use crate::socket::{Answer, Buf, NewSocket, Provider, Request, Socket, AF_INET, AF_INET6, SOCK_DGRAM};
use crate::{iov, Errno};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::{Arc, Mutex};

const IPPROTO_ICMP: u32 = 1;
const IPPROTO_ICMPV6: u32 = 58;
const ICMP_ECHOREPLY: u8 = 0;
const ICMP_ECHO: u8 = 8;
const ICMPV6_ECHO_REQUEST: u8 = 128;
/// SOL_RAW's ICMP_FILTER, SOL_ICMPV6's ICMP6_FILTER.
const SOL_RAW: u32 = 255;
const ICMP_FILTER: u32 = 1;
const SOL_ICMPV6: u32 = 58;
const ICMP6_FILTER: u32 = 1;
const MSG_TRUNC: u32 = libc::MSG_TRUNC as u32;

pub static PROVIDER: Provider = Provider { name: "ping", create, pair: None, restore };

/// What the emulator keeps for one socket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct State {
    family: u32,
    /// The identifier of the guest's echo requests (network order, as on the wire).
    ident: Option<[u8; 2]>,
    /// The ICMP filter the guest set (4 bytes for IPv4, 32 for IPv6).
    filter: Option<Vec<u8>>,
}

impl State {
    /// The handoff bytes: family, whether an identifier follows (and it), then the filter.
    fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.family as u8];
        match self.ident {
            Some(id) => out.extend_from_slice(&[1, id[0], id[1]]),
            None => out.push(0),
        }
        out.extend_from_slice(self.filter.as_deref().unwrap_or(&[]));
        out
    }

    fn decode(bytes: &[u8]) -> Option<State> {
        let family = u32::from(*bytes.first()?);
        if family != AF_INET && family != AF_INET6 {
            return None;
        }
        let (ident, rest) = match bytes.get(1)? {
            0 => (None, &bytes[2..]),
            1 => (Some([*bytes.get(2)?, *bytes.get(3)?]), &bytes[4..]),
            _ => return None,
        };
        let filter = (!rest.is_empty()).then(|| rest.to_vec());
        Some(State { family, ident, filter })
    }
}

/// A raw ICMP socket standing on a ping socket.
pub struct Ping(Mutex<State>);

impl Ping {
    fn state(&self) -> State {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()));
    }

    fn is_ipv4(&self) -> bool {
        self.state().family == AF_INET
    }
}

fn restore(bytes: &[u8]) -> Option<Arc<dyn Socket>> {
    Some(Arc::new(Ping(Mutex::new(State::decode(bytes)?))))
}

/// Whether `socket(family, SOCK_RAW, protocol)` may stand on a ping socket.
fn applies(family: u32, protocol: u32) -> bool {
    (family == AF_INET && protocol == IPPROTO_ICMP) || (family == AF_INET6 && protocol == IPPROTO_ICMPV6)
}

/// A ping socket standing for `socket(family, SOCK_RAW | flags, protocol)`, after the host
/// refused the raw one; when ping sockets are not allowed either, the refusal stays the answer.
fn create(req: &Request) -> Answer {
    let Some(refused) = req.refused else { return Answer::NotMine };
    if !applies(req.family, req.protocol) {
        return Answer::NotMine;
    }
    let Ok(fd) = sock::socket(req.family, SOCK_DGRAM | req.flags, req.protocol) else {
        return Answer::Unprivileged(refused);
    };
    if req.family == AF_INET {
        for name in [libc::IP_PKTINFO, libc::IP_RECVTTL, libc::IP_RECVTOS] {
            let _ = sock::set_int_option(fd.as_fd(), libc::IPPROTO_IP, name, 1);
        }
    }
    log::info!("raw ICMP socket refused ({refused}): using a ping socket with raw-socket semantics");
    let ops: Arc<dyn Socket> = Arc::new(Ping(Mutex::new(State { family: req.family, ..State::default() })));
    Answer::Made(NewSocket { fd, ops: Some(ops) })
}

impl Ping {
    /// Before a send: an echo request names the identifier; bind the ping socket to it the first
    /// time. `msg` is the start of the message.
    fn before_send(&self, fd: BorrowedFd, msg: &[u8]) {
        let st = self.state();
        let echo = if st.family == AF_INET { ICMP_ECHO } else { ICMPV6_ECHO_REQUEST };
        if msg.len() < 8 || msg[0] != echo || st.ident.is_some() {
            return;
        }
        let ident = [msg[4], msg[5]];
        self.update(|p| p.ident = Some(ident));
        let port = u16::from_ne_bytes(ident);
        // Best effort: when another socket holds the identifier, the kernel picks one and replies
        // are given the guest's back on receive (IPv4).
        if st.family == AF_INET {
            let sa = libc::sockaddr_in {
                sin_family: AF_INET as u16,
                sin_port: port,
                sin_addr: libc::in_addr { s_addr: 0 },
                sin_zero: [0; 8],
            };
            let _ = sock::bind(fd, &sockaddr_bytes(&sa));
        } else {
            // A sockaddr_in6: family, port, then the wildcard address, flow and scope all zero.
            let mut sa = [0u8; size_of::<libc::sockaddr_in6>()];
            sa[..2].copy_from_slice(&(AF_INET6 as u16).to_ne_bytes());
            sa[2..4].copy_from_slice(&port.to_ne_bytes());
            let _ = sock::bind(fd, &sa);
        }
    }

    /// The message of an IPv4 socket as a raw socket delivers it (an IPv4 header, then the ICMP
    /// message), scattered over `out`: the length the call returns (the whole message's with
    /// MSG_TRUNC), the source address's length, and whether the message was cut.
    fn recv_v4(
        &self,
        fd: BorrowedFd,
        out: &[libc::iovec],
        flags: u32,
        from: Option<&mut [u8]>,
    ) -> Result<(usize, usize, bool), Errno> {
        let room: usize = out.iter().map(|v| v.iov_len).sum();
        let (whole, from_len) = recv_v4(fd, self.state().ident, flags, from)?;
        let n = whole.len();
        let copied = n.min(room);
        iov::write(out, &whole[..copied])?;
        let ret = if flags & MSG_TRUNC != 0 { n } else { copied };
        Ok((ret, from_len, copied < n))
    }
}

fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data.chunks(2).map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))).sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// One message of an IPv4 ping socket as a raw socket delivers it (an IPv4 header, then the ICMP
/// message, the echo identifier `ident` put back), and the source address's length.
fn recv_v4(
    fd: BorrowedFd,
    ident: Option<[u8; 2]>,
    flags: u32,
    from: Option<&mut [u8]>,
) -> Result<(Vec<u8>, usize), Errno> {
    let mut body = vec![0u8; 65536];
    let mut src: libc::sockaddr_in = zero_sockaddr_in();
    let mut control = [0u8; 128];
    let mut iov = libc::iovec { iov_base: body.as_mut_ptr().cast(), iov_len: body.len() };
    let mut msg = crate::socket::msghdr(std::slice::from_mut(&mut iov));
    msg.msg_name = (&raw mut src).cast();
    msg.msg_namelen = size_of::<libc::sockaddr_in>() as u32;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = control.len();
    let n = msg::recvmsg(fd, &mut msg, flags & !MSG_TRUNC)?;
    let controllen = msg.msg_controllen;
    let body = &mut body[..n];
    let (mut ttl, mut tos, mut dst) = (64u8, 0u8, [127, 0, 0, 1]);
    for (level, kind, data) in msg::cmsgs(&control, controllen) {
        match (level, kind) {
            (libc::IPPROTO_IP, libc::IP_TTL) if data.len() >= 4 => {
                ttl = i32::from_ne_bytes([data[0], data[1], data[2], data[3]]) as u8
            }
            (libc::IPPROTO_IP, libc::IP_TOS) if !data.is_empty() => tos = data[0],
            // struct in_pktinfo: ipi_ifindex, ipi_spec_dst, ipi_addr.
            (libc::IPPROTO_IP, libc::IP_PKTINFO) if data.len() >= 12 => dst = [data[8], data[9], data[10], data[11]],
            _ => {}
        }
    }
    // The guest's identifier back on its replies.
    if let Some(ident) = ident {
        if body.len() >= 8 && body[0] == ICMP_ECHOREPLY && body[4..6] != ident {
            body[4..6].copy_from_slice(&ident);
            body[2..4].fill(0);
            let sum = checksum(body);
            body[2..4].copy_from_slice(&sum.to_be_bytes());
        }
    }
    let total = 20 + body.len();
    let mut header = [0u8; 20];
    header[0] = 0x45;
    header[1] = tos;
    header[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    header[8] = ttl;
    header[9] = IPPROTO_ICMP as u8;
    header[12..16].copy_from_slice(&src.sin_addr.s_addr.to_ne_bytes());
    header[16..20].copy_from_slice(&dst);
    let sum = checksum(&header);
    header[10..12].copy_from_slice(&sum.to_be_bytes());
    let whole: Vec<u8> = header.iter().chain(body.iter()).copied().collect();
    let mut from_len = 0;
    if let Some(from) = from {
        // A raw socket's source address has no port.
        src.sin_port = 0;
        let bytes = sockaddr_bytes(&src);
        let k = bytes.len().min(from.len());
        from[..k].copy_from_slice(&bytes[..k]);
        from_len = bytes.len();
    }
    Ok((whole, from_len))
}

fn zero_sockaddr_in() -> libc::sockaddr_in {
    libc::sockaddr_in { sin_family: 0, sin_port: 0, sin_addr: libc::in_addr { s_addr: 0 }, sin_zero: [0; 8] }
}

fn sockaddr_bytes(sa: &libc::sockaddr_in) -> Vec<u8> {
    let mut v = Vec::with_capacity(16);
    v.extend_from_slice(&sa.sin_family.to_ne_bytes());
    v.extend_from_slice(&sa.sin_port.to_ne_bytes());
    v.extend_from_slice(&sa.sin_addr.s_addr.to_ne_bytes());
    v.extend_from_slice(&[0; 8]);
    v
}

fn filter_out(st: &State, size: usize, value: &mut [u8]) -> Result<usize, Errno> {
    let filter = st.filter.clone().unwrap_or_else(|| vec![0; size]);
    let n = size.min(value.len());
    value[..n].copy_from_slice(&filter[..n]);
    Ok(n)
}

/// A host socket but for what a raw socket does differently.
impl Socket for Ping {
    fn provider(&self) -> &'static Provider {
        &PROVIDER
    }

    fn state(&self) -> Vec<u8> {
        Ping::state(self).encode()
    }

    fn bind(&self, fd: BorrowedFd, addr: &[u8]) -> Result<(), Errno> {
        Host.bind(fd, addr)
    }

    fn connect(&self, fd: BorrowedFd, addr: &[u8]) -> Result<(), Errno> {
        Host.connect(fd, addr)
    }

    fn listen(&self, fd: BorrowedFd, backlog: i32) -> Result<(), Errno> {
        Host.listen(fd, backlog)
    }

    fn accept(&self, fd: BorrowedFd, flags: u32, addr_out: &mut [u8]) -> Result<(NewSocket, usize), Errno> {
        Host.accept(fd, flags, addr_out)
    }

    fn name(&self, fd: BorrowedFd, peer: bool, addr_out: &mut [u8]) -> Result<usize, Errno> {
        Host.name(fd, peer, addr_out)
    }

    fn send_to(&self, fd: BorrowedFd, buf: Buf, flags: u32, to: Option<&[u8]>) -> Result<usize, Errno> {
        self.before_send(fd, &iov::read_prefix(&[buf.iovec()], 8));
        Host.send_to(fd, buf, flags, to)
    }

    fn recv_from(
        &self,
        fd: BorrowedFd,
        buf: Buf,
        flags: u32,
        from: Option<&mut [u8]>,
    ) -> Result<(usize, usize), Errno> {
        if !self.is_ipv4() {
            return Host.recv_from(fd, buf, flags, from);
        }
        let (n, from_len, _) = self.recv_v4(fd, &[buf.iovec()], flags, from)?;
        Ok((n, from_len))
    }

    fn send_msg(&self, fd: BorrowedFd, msg: &libc::msghdr, flags: u32) -> Result<usize, Errno> {
        self.before_send(fd, &iov::read_prefix(msg::iovecs(msg), 8));
        Host.send_msg(fd, msg, flags)
    }

    /// recvmsg(2): an IPv4 socket's message gets its IP header; no control messages.
    fn recv_msg(&self, fd: BorrowedFd, msg: &mut libc::msghdr, flags: u32) -> Result<usize, Errno> {
        if !self.is_ipv4() {
            return Host.recv_msg(fd, msg, flags);
        }
        let iovs = msg::iovecs(msg).to_vec();
        let name = msg::name_mut(msg);
        let (n, from_len, cut) = self.recv_v4(fd, &iovs, flags, name)?;
        msg.msg_namelen = from_len as u32;
        msg.msg_controllen = 0;
        msg.msg_flags = if cut { libc::MSG_TRUNC } else { 0 };
        Ok(n)
    }

    fn shutdown(&self, fd: BorrowedFd, how: u32) -> Result<(), Errno> {
        Host.shutdown(fd, how)
    }

    /// The filters are kept here.
    fn set_option(&self, fd: BorrowedFd, level: u32, name: u32, value: &[u8]) -> Result<(), Errno> {
        let family = Ping::state(self).family;
        let size = match (level, name) {
            (SOL_RAW, ICMP_FILTER) if family == AF_INET => 4,
            (SOL_ICMPV6, ICMP6_FILTER) if family == AF_INET6 => 32,
            _ => return Host.set_option(fd, level, name, value),
        };
        let mut kept = vec![0u8; size];
        let n = value.len().min(size);
        kept[..n].copy_from_slice(&value[..n]);
        self.update(|p| p.filter = Some(kept));
        Ok(())
    }

    /// SO_TYPE is SOCK_RAW; the filters are the ones kept.
    fn get_option(&self, fd: BorrowedFd, level: u32, name: u32, value: &mut [u8]) -> Result<usize, Errno> {
        const SOL_SOCKET: u32 = 1;
        const SO_TYPE: u32 = 3;
        const SOCK_RAW: i32 = 3;
        let st = Ping::state(self);
        match (level, name) {
            (SOL_SOCKET, SO_TYPE) => {
                let v = SOCK_RAW.to_ne_bytes();
                let n = v.len().min(value.len());
                value[..n].copy_from_slice(&v[..n]);
                Ok(n)
            }
            (SOL_RAW, ICMP_FILTER) if st.family == AF_INET => filter_out(&st, 4, value),
            (SOL_ICMPV6, ICMP6_FILTER) if st.family == AF_INET6 => filter_out(&st, 32, value),
            _ => Host.get_option(fd, level, name, value),
        }
    }

    fn ioctl(&self, fd: BorrowedFd, request: u32, arg: &mut [u8]) -> Result<i64, Errno> {
        Host.ioctl(fd, request, arg)
    }

    fn ifconf(&self, fd: BorrowedFd, buf: Option<&mut [u8]>) -> Result<usize, Errno> {
        Host.ifconf(fd, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_of_a_known_header() {
        // An IPv4 header from RFC 1071's style of example: its checksum field makes the sum 0.
        let mut h = [0x45, 0, 0, 0x54, 0, 0, 0x40, 0, 0x40, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1];
        let sum = checksum(&h);
        h[10..12].copy_from_slice(&sum.to_be_bytes());
        assert_eq!(checksum(&h), 0);
    }

    #[test]
    fn state_survives_its_handoff_bytes() {
        let states = [
            State { family: AF_INET, ident: None, filter: None },
            State { family: AF_INET, ident: Some([0x12, 0x34]), filter: Some(vec![1, 2, 3, 4]) },
            State { family: AF_INET6, ident: Some([0, 0]), filter: Some(vec![0xff; 32]) },
        ];
        for st in states {
            assert_eq!(State::decode(&st.encode()), Some(st));
        }
        assert_eq!(State::decode(&[]), None);
        assert_eq!(State::decode(&[1, 0]), None);
        assert_eq!(State::decode(&[2, 1, 5]), None);
    }
}
