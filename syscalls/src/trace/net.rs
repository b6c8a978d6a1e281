//! Socket arguments: addresses (read before the call, or written by it), types, protocols, option
//! levels, names and values.

use super::{decode, flags, names, pointer, quoted, read_exact, unknown_bits, Shown, TraceMemory};
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
    match decode::sockopt_names(level) {
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
        Some(len) if !a.failed() => a.decoded(text, decode::sockopt_val(a.mem, a.v(), len, a.args[1], a.args[2])),
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
