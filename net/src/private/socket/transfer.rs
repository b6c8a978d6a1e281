//! Sending and receiving on a private socket ([`Call`]): the pending error a failed
//! non-blocking connect leaves, send and receive on the host AF_UNIX socket underneath with the
//! guest's addresses translated, and the IP-level control messages a UDP socket asked for.

use super::*;
use crate::host::msg;

impl Call<'_> {
    /// What splice(2) from this socket answers for the host's `e`: tcp_splice_read() says
    /// ENOTCONN where the AF_UNIX stream socket underneath says EINVAL (not connected).
    pub fn splice_read_errno(&self, e: Errno) -> Errno {
        match (e, self.inet()) {
            (Errno::INVAL, Some((_, Proto::Tcp))) => Errno::NOTCONN,
            _ => e,
        }
    }

    /// A pending error (a UDP send to nobody), taken.
    pub(super) fn take_pending(&self) -> Option<Errno> {
        let mut out = None;
        self.obj.update(|s| out = s.pending.take());
        out.or(self.state.pending)
    }

    /// A UDP send fails with the pending error and takes it: sock_alloc_send_pskb() checks
    /// sock_error() before the datagram is built (udp_sendmsg() -> ip_make_skb() ->
    /// __ip_append_data()), after the length, address and destination checks.
    fn send_pending(&self) -> Result<(), Errno> {
        match self.take_pending() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn set_pending(&self, e: Errno) {
        self.obj.update(|s| s.pending = Some(e));
    }

    /// sendto(2) from a host range that may fault (the host kernel reports EFAULT).
    pub fn send_to_raw(&self, buf: *const u8, len: usize, flags: u32, to: Option<&[u8]>) -> Result<usize, Errno> {
        let mut iov = libc::iovec { iov_base: buf as *mut _, iov_len: len };
        let mut msg = crate::socket::msghdr(std::slice::from_mut(&mut iov));
        let mut name = to.map(<[u8]>::to_vec);
        if let Some(n) = name.as_mut() {
            msg.msg_name = n.as_mut_ptr().cast();
            msg.msg_namelen = n.len() as u32;
        }
        self.send_msg_raw(&mut msg, flags)
    }

    /// sendmsg(2) with a host msghdr whose buffers may fault; its name is the guest's sockaddr
    /// and is replaced by the host name it stands for.
    pub fn send_msg_raw(&self, msg: &mut libc::msghdr, flags: u32) -> Result<usize, Errno> {
        let guest_name = msg::name(msg).filter(|n| !n.is_empty()).map(<[u8]>::to_vec);
        let len: usize = msg::iovecs(msg).iter().fold(0usize, |n, v| n.saturating_add(v.iov_len));
        match self.inet() {
            None => {
                let name = match guest_name {
                    Some(n) => Some(unix_in(self.net(), &n)?),
                    None => None,
                };
                self.host_send(msg, name.as_deref(), flags)
            }
            Some((_, Proto::Tcp)) => self.send_tcp(msg, flags),
            Some((v6, Proto::Udp)) => self.send_udp(msg, flags, v6, len, guest_name.as_deref()),
        }
    }

    /// sendmsg(2) on the host socket with `name` (the host's) in place of the msghdr's own, which
    /// is put back after.
    fn host_send(&self, msg: &mut libc::msghdr, name: Option<&[u8]>, flags: u32) -> Result<usize, Errno> {
        let keep = (msg.msg_name, msg.msg_namelen);
        match name {
            Some(n) => {
                msg.msg_name = n.as_ptr() as *mut _;
                msg.msg_namelen = n.len() as u32;
            }
            None => {
                msg.msg_name = std::ptr::null_mut();
                msg.msg_namelen = 0;
            }
        }
        let ret = msg::sendmsg(self.fd, msg, flags);
        (msg.msg_name, msg.msg_namelen) = keep;
        ret
    }

    /// A TCP send: tcp_sendmsg() ignores the address; a socket that is not connected, or whose
    /// sending side is shut down: EPIPE, with SIGPIPE unless MSG_NOSIGNAL.
    fn send_tcp(&self, msg: &mut libc::msghdr, flags: u32) -> Result<usize, Errno> {
        match self.host_send(msg, None, flags | libc::MSG_NOSIGNAL as u32) {
            Err(Errno::NOTCONN | Errno::PIPE) => {
                if flags & libc::MSG_NOSIGNAL as u32 == 0 {
                    // sk_stream_error(): the kernel sends SIGPIPE to the caller.
                    sock::raise_sigpipe();
                }
                Err(Errno::PIPE)
            }
            other => other,
        }
    }

    /// A UDP send of `len` bytes to the guest's sockaddr `guest_name` or the connected peer
    /// (udp_sendmsg()'s order: the length, the address, the size, the pending error).
    fn send_udp(
        &self,
        msg: &mut libc::msghdr,
        flags: u32,
        v6: bool,
        len: usize,
        guest_name: Option<&[u8]>,
    ) -> Result<usize, Errno> {
        if len > 0xffff {
            return Err(Errno::MSGSIZE);
        }
        let dest = match guest_name {
            Some(n) => Some(self.destination(n)?),
            None => None,
        };
        if len > if v6 { UDP_MAX_V6 } else { UDP_MAX_V4 } {
            return Err(Errno::MSGSIZE);
        }
        let dropped = |r: Result<usize, Errno>| match r {
            // A full receive queue drops a UDP datagram; the sender does not know.
            Err(Errno::AGAIN) if flags & libc::MSG_DONTWAIT as u32 != 0 || self.nonblocking() => Ok(len),
            other => other,
        };
        match dest {
            Some((ip, port)) => {
                self.autobind(Some(ip))?;
                self.send_pending()?;
                // The most specific bound name takes it; nobody bound: the datagram is lost.
                let net = self.net();
                for ep in candidates(ip, port) {
                    match self.host_send(msg, Some(&addr::inet_name(net, Proto::Udp, &ep, None)?), flags) {
                        Err(Errno::CONNREFUSED) => continue,
                        other => return dropped(other),
                    }
                }
                Ok(len)
            }
            None => {
                let Some((ip, port)) = Some(self.obj.snapshot()).and_then(|s| s.peer) else {
                    return Err(Errno::DESTADDRREQ);
                };
                self.send_pending()?;
                match dropped(self.host_send(msg, None, flags)) {
                    Err(Errno::NOTCONN) | Err(Errno::CONNREFUSED) => match self.find(Proto::Udp, ip, port) {
                        Some(name) => dropped(self.host_send(msg, Some(&name), flags)),
                        None => {
                            self.set_pending(Errno::CONNREFUSED);
                            Ok(len)
                        }
                    },
                    other => other,
                }
            }
        }
    }

    /// recvfrom(2) into a host range that may fault: the bytes and the sender's address length
    /// (written to `from`, in this socket's family).
    pub fn recv_from_raw(
        &self,
        buf: *mut u8,
        len: usize,
        flags: u32,
        from: Option<&mut [u8]>,
    ) -> Result<(usize, usize), Errno> {
        let mut iov = libc::iovec { iov_base: buf.cast(), iov_len: len };
        let mut msg = crate::socket::msghdr(std::slice::from_mut(&mut iov));
        let want = from.is_some();
        let mut name = [0u8; 128];
        if want {
            msg.msg_name = name.as_mut_ptr().cast();
            msg.msg_namelen = name.len() as u32;
        }
        let n = self.recv_msg_raw(&mut msg, flags)?;
        let shown = msg.msg_namelen as usize;
        if let Some(out) = from {
            let k = shown.min(out.len());
            out[..k].copy_from_slice(&name[..k]);
        }
        Ok((n, if want { shown } else { 0 }))
    }

    /// recvmsg(2) with a host msghdr: the name the host reports is replaced by the guest's
    /// sockaddr (msg_namelen its full length; msg_name must have room for 128 bytes).
    pub fn recv_msg_raw(&self, msg: &mut libc::msghdr, flags: u32) -> Result<usize, Errno> {
        if let Some(e) = self.inet().filter(|i| i.1 == Proto::Udp).and_then(|_| self.take_pending()) {
            return Err(e);
        }
        let guest_buf = (msg.msg_name, msg.msg_namelen);
        let room = msg.msg_controllen;
        let mut host = [0u8; 128];
        let (n, got) = loop {
            msg.msg_name = host.as_mut_ptr().cast();
            msg.msg_namelen = host.len() as u32;
            msg.msg_controllen = room;
            let ret = msg::recvmsg(self.fd, msg, flags);
            let got = (msg.msg_namelen as usize).min(host.len());
            (msg.msg_name, msg.msg_namelen) = guest_buf;
            let n = match (ret, self.inet()) {
                // unix_stream_read_generic(): EINVAL when not connected; TCP says ENOTCONN, but
                // tcp_recv_urg() EINVAL for MSG_OOB, except on a listening socket.
                (Err(Errno::INVAL), Some((_, Proto::Tcp)))
                    if flags & libc::MSG_OOB as u32 == 0
                        || int_option(self.fd, libc::SOL_SOCKET, libc::SO_ACCEPTCONN) == Some(1) =>
                {
                    return Err(Errno::NOTCONN)
                }
                (r, _) => r?,
            };
            if self.state.kind != Kind::Netlink || n == 0 || flags & libc::MSG_PEEK as u32 != 0 {
                break (n, got);
            }
            // A datagram of other devices only is not one the private network has: the next.
            let kept = crate::private::netlink::only_lo(msg, n);
            if kept > 0 {
                break (kept, got);
            }
        };
        if let Kind::Inet { proto: Proto::Udp, v6 } = self.state.kind {
            if flags & libc::MSG_PEEK as u32 == 0 {
                self.stamp_now();
            }
            if !self.state.options.is_empty() {
                let dest = self.local().filter(|e| !e.ip.is_wildcard()).map_or(
                    if v6 { Ip::V6(std::net::Ipv6Addr::LOCALHOST.octets()) } else { Ip::V4([127, 0, 0, 1]) },
                    |e| e.ip,
                );
                self.add_control(msg, room, v6, dest);
            }
        }
        if !guest_buf.0.is_null() {
            let shown = match self.inet() {
                // tcp_recvmsg() reports no address.
                Some((_, Proto::Tcp)) => Vec::new(),
                _ if got <= 2 => Vec::new(),
                _ => self.shown(&host[..got]),
            };
            if let Some(out) = msg::name_mut(msg) {
                let k = shown.len().min(out.len());
                out[..k].copy_from_slice(&shown[..k]);
            }
            msg.msg_namelen = shown.len() as u32;
        }
        Ok(n)
    }
}

impl Call<'_> {
    /// The IP-level control messages a UDP socket asked for (ip_cmsg_recv_offset()'s and
    /// ip6_datagram_recv_ctl()'s), after those the host socket gave: the packet's destination
    /// (`dest`) on `lo` (index 1) and the hop limit a loopback packet arrives with (64,
    /// net.ipv4.ip_default_ttl and the IPv6 default in a fresh namespace). MSG_CTRUNC when
    /// they do not fit.
    fn add_control(&self, msg: &mut libc::msghdr, room: usize, v6: bool, dest: Ip) {
        use crate::private::options::enabled;
        let mut wanted: Vec<(i32, i32, Vec<u8>)> = Vec::new();
        if !v6 || matches!(dest, Ip::V4(_)) {
            let d = match dest {
                Ip::V4(a) => a,
                Ip::V6(_) => [127, 0, 0, 1],
            };
            if enabled(self, libc::IPPROTO_IP as u32, libc::IP_PKTINFO as u32) {
                let mut pi = 1i32.to_ne_bytes().to_vec();
                pi.extend_from_slice(&d);
                pi.extend_from_slice(&d);
                wanted.push((libc::IPPROTO_IP, libc::IP_PKTINFO, pi));
            }
            if enabled(self, libc::IPPROTO_IP as u32, libc::IP_RECVTTL as u32) {
                wanted.push((libc::IPPROTO_IP, libc::IP_TTL, 64i32.to_ne_bytes().to_vec()));
            }
        }
        if v6 {
            let d = match dest {
                Ip::V6(a) => a,
                Ip::V4(a) => std::net::Ipv4Addr::from(a).to_ipv6_mapped().octets(),
            };
            if enabled(self, libc::IPPROTO_IPV6 as u32, libc::IPV6_RECVPKTINFO as u32) {
                let mut pi = d.to_vec();
                pi.extend_from_slice(&1i32.to_ne_bytes());
                wanted.push((libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, pi));
            }
            if enabled(self, libc::IPPROTO_IPV6 as u32, libc::IPV6_RECVHOPLIMIT as u32) {
                wanted.push((libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT, 64i32.to_ne_bytes().to_vec()));
            }
        }
        if wanted.is_empty() || msg.msg_control.is_null() {
            return;
        }
        for (level, kind, data) in wanted {
            if !msg::push_cmsg(msg, room, level, kind, &data) {
                msg.msg_flags |= libc::MSG_CTRUNC;
                break;
            }
        }
    }
}
