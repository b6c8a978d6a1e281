//! Socket arguments: addresses (read before the call, or written by it), types, protocols, option
//! levels, names and values.

use super::decode::{enum_str, flags_str, iovec, u32_at};
use super::names::{self, Names};
use super::{decode, flags, pointer, quoted, read_exact, unknown_bits, Shown, TraceMemory, STRSIZE};
use std::fmt::Write as _;

/// A socket address the call reads; its length is argument `len`. strace reads at most a
/// sockaddr_storage; a negative length shows the address.
pub(super) fn sockaddr_in<M: TraceMemory + ?Sized>(a: &Shown<'_, M>, text: &mut String, len: u8) {
    let v = a.v();
    let len = (a.at(len) as i32).min(128);
    match read_exact(a.mem, v, len.max(0) as usize) {
        Some(bytes) if v != 0 && len >= 2 => sockaddr(text, &bytes),
        _ => pointer(text, v),
    }
}

/// A socket address the call writes; argument `len` points at its length.
pub(super) fn sockaddr_out<M: TraceMemory + ?Sized>(a: &Shown<'_, M>, text: &mut String, len: u8) {
    let v = a.v();
    let len = read_exact(a.mem, a.at(len), 4).map(|b| decode::u32_at(&b, 0) as usize);
    match (len, a.failed()) {
        (Some(len), false) if v != 0 && len >= 2 => match read_exact(a.mem, v, len.min(128)) {
            Some(bytes) => sockaddr(text, &bytes),
            None => pointer(text, v),
        },
        _ => pointer(text, v),
    }
}

/// A socket type with its `SOCK_CLOEXEC|SOCK_NONBLOCK` flags.
pub(super) fn sock_type(text: &mut String, v: u32) {
    text.push_str(&decode::enum_str(names::SOCK_TYPES, v & 0xf));
    let rest = v & !0xf;
    let known = rest & (0o2000000 | 0o4000);
    if known != 0 {
        text.push('|');
        flags(text, known, names::SOCK_TYPE_FLAGS);
    }
    unknown_bits(text, rest & !known, true, names::SOCK_TYPES);
}

/// A protocol, named for its address family.
pub(super) fn sock_proto(text: &mut String, v: u32, family: u32) {
    let names = match family {
        2 | 10 => Some(names::IP_PROTOS),
        16 => Some(names::NETLINK_PROTOS),
        _ => None,
    };
    match names {
        // AF_AX25: strace names its protocols; this tracer knows none of them.
        None if family == 3 => {
            let _ = write!(text, "{v} /* AX25_P_??? */");
        }
        Some(n) => text.push_str(&decode::name_or(n, v, |p| p.to_string())),
        None => {
            let _ = write!(text, "{}", v as i32);
        }
    }
}

/// An option name, named for its level.
pub(super) fn sockopt_name(text: &mut String, v: u32, level: u32) {
    match sockopt_names(level) {
        Some(n) => text.push_str(&decode::enum_str(n, v)),
        None => {
            let _ = write!(text, "{v}");
        }
    }
}

/// An option value the call writes; argument `len` points at its length.
pub(super) fn sockopt_out<M: TraceMemory + ?Sized>(a: &Shown<'_, M>, text: &mut String, len: u8) {
    let len = read_exact(a.mem, a.at(len), 4).map(|b| decode::u32_at(&b, 0));
    match len {
        Some(len) if !a.failed() => a.decoded(text, sockopt_val(a.mem, a.v(), len, a.args[1], a.args[2])),
        _ => pointer(text, a.v()),
    }
}

/// A socket address as strace shows it.
pub(crate) fn sockaddr(text: &mut String, b: &[u8]) {
    let family = u16::from_le_bytes([b[0], b[1]]);
    let family_name = decode::enum_str(names::FAMILIES, u32::from(family));
    match (family, b.len()) {
        (_, 2) => {
            let _ = write!(text, "{{sa_family={family_name}}}");
        }
        (2, 16..) => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            let _ = write!(
                text,
                "{{sa_family=AF_INET, sin_port=htons({port}), sin_addr=inet_addr(\"{}.{}.{}.{}\")}}",
                b[4], b[5], b[6], b[7]
            );
        }
        (10, 24..) => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            let flow = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&b[8..24]);
            let addr = std::net::Ipv6Addr::from(octets);
            let _ = write!(
                text,
                "{{sa_family=AF_INET6, sin6_port=htons({port}), sin6_flowinfo=htonl({flow}), inet_pton(AF_INET6, \"{addr}\", &sin6_addr)"
            );
            if b.len() >= 28 {
                let _ = write!(text, ", sin6_scope_id={}", u32::from_le_bytes([b[24], b[25], b[26], b[27]]));
            }
            text.push('}');
        }
        (1, _) => {
            let path = &b[2..];
            text.push_str("{sa_family=AF_UNIX");
            if path.first() == Some(&0) && path.len() > 1 {
                text.push_str(", sun_path=@");
                quoted(text, &path[1..], path.len() - 1);
            } else if !path.is_empty() {
                let end = path.iter().position(|&c| c == 0).unwrap_or(path.len());
                text.push_str(", sun_path=");
                quoted(text, &path[..end], end);
            }
            text.push('}');
        }
        _ => {
            let _ = write!(text, "{{sa_family={family_name}, sa_data=");
            quoted(text, &b[2..], b.len() - 2);
            text.push('}');
        }
    }
}

fn cmsgs<M: TraceMemory + ?Sized>(mem: &M, addr: u32, len: u32) -> Option<String> {
    let b = read_exact(mem, addr, (len as usize).min(4096))?;
    let mut off = 0usize;
    let mut parts = Vec::new();
    while off + 12 <= b.len() {
        let clen = u32_at(&b, off) as usize;
        let level = u32_at(&b, off + 4);
        let kind = u32_at(&b, off + 8);
        if clen < 12 {
            // A header too short for its data: strace shows the header and stops.
            parts.push(format!(
                "{{cmsg_len={clen}, cmsg_level={}, cmsg_type={}}}",
                enum_str(names::SOCK_LEVELS, level),
                if (level, kind) == (1, 1) { "SCM_RIGHTS".to_string() } else { format!("{kind:#x}") }
            ));
            break;
        }
        let data = b.get(off + 12..(off + clen).min(b.len())).unwrap_or(&[]);
        let mut t = format!("{{cmsg_len={clen}, cmsg_level={}, ", enum_str(names::SOCK_LEVELS, level));
        match (level, kind) {
            (1, 1) => {
                let fds: Vec<String> = data.chunks_exact(4).map(|c| (u32_at(c, 0) as i32).to_string()).collect();
                let _ = write!(t, "cmsg_type=SCM_RIGHTS, cmsg_data=[{}]}}", fds.join(", "));
            }
            (1, 2) if data.len() >= 12 => {
                let _ = write!(
                    t,
                    "cmsg_type=SCM_CREDENTIALS, cmsg_data={{pid={}, uid={}, gid={}}}}}",
                    u32_at(data, 0),
                    u32_at(data, 4),
                    u32_at(data, 8)
                );
            }
            _ => {
                let _ = write!(t, "cmsg_type={kind:#x}, cmsg_data=");
                quoted(&mut t, data, data.len());
                t.push('}');
            }
        }
        parts.push(t);
        off += (clen + 3) & !3;
    }
    Some(format!("[{}]", parts.join(", ")))
}

/// UIO_MAXIOV (include/uapi/linux/uio.h): the most iovecs a call takes.
const UIO_MAXIOV: u32 = 1024;

/// `{msg_name=NULL, msg_namelen=0, msg_iov=[…], msg_iovlen=1, msg_controllen=0, msg_flags=0}`;
/// `filled` is the byte count of a recvmsg (its buffers show only that much).
pub fn msghdr<M: TraceMemory + ?Sized>(mem: &M, addr: u32, filled: Option<u32>) -> Option<String> {
    let b = read_exact(mem, addr, 28)?;
    let (name, namelen, iov, iovlen) = (u32_at(&b, 0), u32_at(&b, 4), u32_at(&b, 8), u32_at(&b, 12));
    let (control, controllen, msg_flags) = (u32_at(&b, 16), u32_at(&b, 20), u32_at(&b, 24));
    let mut t = String::from("{msg_name=");
    match read_exact(mem, name, (namelen as usize).min(128)) {
        Some(sa) if name != 0 && namelen >= 2 => sockaddr(&mut t, &sa),
        _ => pointer(&mut t, name),
    }
    let _ = write!(t, ", msg_namelen={namelen}, msg_iov=");
    // More than UIO_MAXIOV entries: the kernel answers EMSGSIZE without reading the array
    // (copy_msghdr_from_user()), so what lies there is not shown.
    let read = (iovlen <= UIO_MAXIOV).then(|| iovec(mem, iov, iovlen, filled)).flatten();
    match read {
        Some(v) => t.push_str(&v),
        None => pointer(&mut t, iov),
    }
    let _ = write!(t, ", msg_iovlen={iovlen}");
    if controllen != 0 {
        t.push_str(", msg_control=");
        match cmsgs(mem, control, controllen) {
            Some(c) => t.push_str(&c),
            None => pointer(&mut t, control),
        }
    }
    let _ = write!(t, ", msg_controllen={controllen}, msg_flags={}}}", flags_str(msg_flags, names::MSG_NAMES));
    Some(t)
}

/// The names of a socket option's level and the option itself.
pub fn sockopt_names(level: u32) -> Option<Names> {
    match level {
        1 => Some(names::SO_NAMES),
        0 => Some(names::IP_NAMES),
        6 => Some(names::TCP_NAMES),
        41 => Some(names::IPV6_NAMES),
        _ => None,
    }
}

/// A socket option's value: `[1]` for an int, `{l_onoff=1, l_linger=0}`, or the bytes.
pub fn sockopt_val<M: TraceMemory + ?Sized>(mem: &M, addr: u32, len: u32, level: u32, name: u32) -> Option<String> {
    if addr == 0 {
        return Some("NULL".into());
    }
    let b = read_exact(mem, addr, (len as usize).min(STRSIZE))?;
    Some(match (level, name, len) {
        (1, 13, 8) => format!("{{l_onoff={}, l_linger={}}}", u32_at(&b, 0) as i32, u32_at(&b, 4) as i32),
        (_, _, 4) => format!("[{}]", u32_at(&b, 0) as i32),
        // An int option with a short value: strace shows where it is.
        (0 | 1 | 6 | 41, _, 0..4) if !matches!((level, name), (1, 25) | (6, 13)) => return None,
        _ => {
            let mut t = String::new();
            quoted(&mut t, &b, len as usize);
            t
        }
    })
}
