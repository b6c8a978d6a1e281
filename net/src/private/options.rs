//! Socket options of private IP sockets, answered as an IP socket of the same family and
//! protocol answers them.
//!
//! The kernel decides: a helper host socket of the guest's family, type and protocol (never
//! bound or connected, so nothing leaves through it) validates each setsockopt(2), and the value
//! is kept; getsockopt(2) replays the kept values on a fresh helper and asks it, or asks a
//! pristine helper for an option never set. What shapes the transport (timeouts, linger, receive
//! low-water mark, filters, buffer sizes, receive timestamps, urgent data inline) is also set on the host AF_UNIX socket, and what
//! describes it (SO_TYPE, SO_ERROR, SO_ACCEPTCONN, the timeouts) comes from there; SO_DOMAIN,
//! SO_PROTOCOL, SO_REUSEADDR, SO_REUSEPORT and IPV6_V6ONLY come from the emulator's state.
//! Left out: options whose value depends on a connection (TCP_INFO, TCP_MAXSEG after connect,
//! IP_PKTINFO's control messages) answer as the unconnected helper does.

use super::addr::Proto;
use super::socket::Call;
use super::{helper, pristine, Kind};
use crate::host::sock;
use crate::Errno;

const SOL_SOCKET: u32 = 1;
const SO_REUSEADDR: u32 = 2;
const SO_TYPE: u32 = 3;
const SO_ERROR: u32 = 4;
const SO_SNDBUF: u32 = 7;
const SO_RCVBUF: u32 = 8;
const SO_OOBINLINE: u32 = 10;
const SO_LINGER: u32 = 13;
const SO_REUSEPORT: u32 = 15;
const SO_RCVLOWAT: u32 = 18;
const SO_RCVTIMEO_OLD: u32 = 20;
const SO_SNDTIMEO_OLD: u32 = 21;
const SO_ATTACH_FILTER: u32 = 26;
const SO_DETACH_FILTER: u32 = 27;
const SO_ACCEPTCONN: u32 = 30;
const SO_PROTOCOL: u32 = 38;
const SO_DOMAIN: u32 = 39;
const SO_LOCK_FILTER: u32 = 44;
const SO_TIMESTAMP_OLD: u32 = 29;
const SO_TIMESTAMPNS_OLD: u32 = 35;
const SO_TIMESTAMP_NEW: u32 = 63;
const SO_TIMESTAMPNS_NEW: u32 = 64;
const SO_RCVTIMEO_NEW: u32 = 66;
const SO_SNDTIMEO_NEW: u32 = 67;
const IPPROTO_IPV6: u32 = 41;
const IPV6_V6ONLY: u32 = 26;

/// Whether the guest turned on the int option `level`/`name` (kept by [`set`]).
pub fn enabled(p: &Call, level: u32, name: u32) -> bool {
    p.state.options.iter().any(|(k, v)| *k == (level, name) && v.len() >= 4 && v[..4] != [0; 4])
}

/// SOL_SOCKET options that act on the transport: set on (and read from) the host socket.
fn transport(name: u32) -> bool {
    matches!(
        name,
        SO_OOBINLINE
            | SO_LINGER
            | SO_RCVLOWAT
            | SO_RCVTIMEO_OLD
            | SO_SNDTIMEO_OLD
            | SO_RCVTIMEO_NEW
            | SO_SNDTIMEO_NEW
            | SO_ATTACH_FILTER
            | SO_DETACH_FILTER
            | SO_LOCK_FILTER
            | SO_TIMESTAMP_OLD
            | SO_TIMESTAMPNS_OLD
            | SO_TIMESTAMP_NEW
            | SO_TIMESTAMPNS_NEW
    )
}

fn put_int(value: &mut [u8], v: i32) -> usize {
    // sk_getsockopt(): an int option is truncated to the caller's length.
    let bytes = v.to_ne_bytes();
    let n = value.len().min(4);
    value[..n].copy_from_slice(&bytes[..n]);
    n
}

fn as_bool(value: &[u8]) -> Result<bool, Errno> {
    // sockptr_t copy of an int: shorter than an int is EINVAL.
    if value.len() < 4 {
        return Err(Errno::INVAL);
    }
    Ok(i32::from_ne_bytes([value[0], value[1], value[2], value[3]]) != 0)
}

/// setsockopt(2) on a private socket.
pub fn set(p: &Call, level: u32, name: u32, value: &[u8]) -> Result<(), Errno> {
    let Kind::Inet { v6, proto } = p.state.kind else { return sock::set_option(p.fd, level, name, value) };
    if level == SOL_SOCKET && transport(name) {
        return sock::set_option(p.fd, level, name, value);
    }
    if level == IPPROTO_IPV6 && name == IPV6_V6ONLY && v6 && p.local_bound() {
        // do_ipv6_setsockopt(): not once the socket has a port.
        return Err(Errno::INVAL);
    }
    let fresh = helper(v6, proto)?;
    use std::os::fd::AsFd;
    sock::set_option(fresh.as_fd(), level, name, value)?;
    match (level, name) {
        (SOL_SOCKET, SO_REUSEADDR) => {
            let on = as_bool(value)?;
            p.obj.update(|s| s.reuseaddr = on);
        }
        (SOL_SOCKET, SO_REUSEPORT) => {
            let on = as_bool(value)?;
            p.obj.update(|s| s.reuseport = on);
        }
        (IPPROTO_IPV6, IPV6_V6ONLY) if v6 => {
            let on = as_bool(value)?;
            p.obj.update(|s| s.v6only = on);
        }
        (SOL_SOCKET, SO_SNDBUF | SO_RCVBUF) => {
            let _ = sock::set_option(p.fd, level, name, value);
        }
        _ => {}
    }
    p.obj.update(|s| {
        s.options.retain(|(k, _)| *k != (level, name));
        s.options.push(((level, name), value.to_vec()));
    });
    Ok(())
}

/// getsockopt(2) on a private socket.
pub fn get(p: &Call, level: u32, name: u32, value: &mut [u8]) -> Result<usize, Errno> {
    let Kind::Inet { v6, proto } = p.state.kind else { return sock::get_option(p.fd, level, name, value) };
    let state = p.obj.snapshot();
    match (level, name) {
        (SOL_SOCKET, SO_ERROR) => {
            if let Some(e) = state.pending {
                p.obj.update(|s| s.pending = None);
                return Ok(put_int(value, e.raw_os_error()));
            }
            return sock::get_option(p.fd, level, name, value);
        }
        (SOL_SOCKET, SO_TYPE | SO_ACCEPTCONN) => return sock::get_option(p.fd, level, name, value),
        (SOL_SOCKET, n) if transport(n) => return sock::get_option(p.fd, level, name, value),
        (SOL_SOCKET, SO_DOMAIN) => return Ok(put_int(value, if v6 { libc::AF_INET6 } else { libc::AF_INET })),
        (SOL_SOCKET, SO_PROTOCOL) => {
            return Ok(put_int(value, if proto == Proto::Tcp { libc::IPPROTO_TCP } else { libc::IPPROTO_UDP }))
        }
        _ => {}
    }
    if state.options.is_empty() {
        let fd = pristine(v6, proto).ok_or(Errno::NOBUFS)?;
        return sock::get_option(fd, level, name, value);
    }
    let fresh = helper(v6, proto)?;
    use std::os::fd::AsFd;
    for ((l, n), v) in &state.options {
        let _ = sock::set_option(fresh.as_fd(), *l, *n, v);
    }
    sock::get_option(fresh.as_fd(), level, name, value)
}
