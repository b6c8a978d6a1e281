//! The family registry and protocol switch: which provider makes a new socket.
//!
//! Checks happen in `__sys_socket` / `__sock_create` order so a bad request gets the kernel's
//! errno: flags beyond SOCK_NONBLOCK|SOCK_CLOEXEC or a type ≥ SOCK_MAX: EINVAL; a family out of
//! range or not registered: EAFNOSUPPORT; then the family's rows: a type with no row:
//! ESOCKTNOSUPPORT, a type whose rows don't take the protocol: EPROTONOSUPPORT. Host-backed rows
//! leave finer decisions (and the privilege checks) to the host kernel, which is the same kernel.
//!
//! Rows are tried in order, host-backed rows first and in-emulator rows after them (gVisor's
//! provider order), and each provider gives an [`Answer`]: the socket, a refusal (the result), or
//! "not mine" (the next row is asked); a refusal for lack of privilege ([`Answer::Unprivileged`],
//! the host's EPERM or EACCES) lets the later rows stand in, and stays the result when none
//! does. A provider that takes over a family in a mode of its own puts its rows first; a row
//! of kind [`ANY_KIND`] is asked before the type is looked at (for a family whose checks come
//! before the type's, as packet_create()'s capability check). A
//! provider is one file with a [`Provider`] and its rows here; nothing else names it.

pub use crate::socket::{Answer, PairFn, Provider, Request};
use crate::socket::{NewSocket, SOCK_CLOEXEC, SOCK_NONBLOCK};
pub use crate::socket::{AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_UNIX};
pub use crate::socket::{SOCK_DGRAM, SOCK_PACKET, SOCK_RAW, SOCK_SEQPACKET, SOCK_STREAM};
use crate::{host, ping, private, Errno};
use std::sync::LazyLock;

/// AF_MAX in linux/socket.h (NPROTO).
const AF_MAX: u32 = 46;
/// SOCK_MAX in linux/net.h.
const SOCK_MAX: u32 = 11;
const SOCK_TYPE_MASK: u32 = 0xf;

/// Matches any protocol (and a request for protocol 0 matches the row's), as in inetsw.
const WILD: Option<u32> = None;
/// A row's kind that is asked for every type, before the type's rows; a type that only such
/// rows take still answers as if it had no row (ESOCKTNOSUPPORT).
pub const ANY_KIND: u32 = u32::MAX;

/// One protocol-switch row (`struct inet_protosw`).
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub kind: u32,
    pub protocol: Option<u32>,
    pub provider: &'static Provider,
}

/// One family (`struct net_proto_family`) and its rows, in lookup order.
#[derive(Debug)]
pub struct Family {
    pub family: u32,
    pub rows: &'static [Row],
}

const fn host(kind: u32, protocol: Option<u32>) -> Row {
    Row { kind, protocol, provider: &host::PROVIDER }
}

const IPPROTO_ICMP: u32 = 1;
const IPPROTO_ICMPV6: u32 = 58;

/// NETLINK_ROUTE: the rtnetlink messages are made of fixed-size fields, the same on i386.
const NETLINK_ROUTE: u32 = 0;

const fn private(kind: u32, protocol: Option<u32>) -> Row {
    Row { kind, protocol, provider: &private::PROVIDER }
}

/// The registry. Protocol numbers are the host kernel's business for host rows (it answers
/// EPROTONOSUPPORT itself), so most rows are wildcards; netlink is limited to the protocols whose
/// messages have the same layout on i386 and x86-64. The private network's rows come first in
/// the families it takes over while its mode is on (they answer "not mine" otherwise).
pub static FAMILIES: &[Family] = &[
    // unix_create() takes SOCK_RAW as SOCK_DGRAM.
    Family {
        family: AF_UNIX,
        rows: &[
            private(SOCK_STREAM, WILD),
            private(SOCK_DGRAM, WILD),
            private(SOCK_RAW, WILD),
            private(SOCK_SEQPACKET, WILD),
            host(SOCK_STREAM, WILD),
            host(SOCK_DGRAM, WILD),
            host(SOCK_RAW, WILD),
            host(SOCK_SEQPACKET, WILD),
        ],
    },
    // Raw ICMP without CAP_NET_RAW: a ping socket underneath (ping.rs).
    Family {
        family: AF_INET,
        rows: &[
            private(SOCK_STREAM, WILD),
            private(SOCK_DGRAM, WILD),
            private(SOCK_RAW, WILD),
            host(SOCK_STREAM, WILD),
            host(SOCK_DGRAM, WILD),
            host(SOCK_RAW, WILD),
            Row { kind: SOCK_RAW, protocol: Some(IPPROTO_ICMP), provider: &ping::PROVIDER },
        ],
    },
    Family {
        family: AF_INET6,
        rows: &[
            private(SOCK_STREAM, WILD),
            private(SOCK_DGRAM, WILD),
            private(SOCK_RAW, WILD),
            host(SOCK_STREAM, WILD),
            host(SOCK_DGRAM, WILD),
            host(SOCK_RAW, WILD),
            Row { kind: SOCK_RAW, protocol: Some(IPPROTO_ICMPV6), provider: &ping::PROVIDER },
        ],
    },
    Family {
        family: AF_NETLINK,
        rows: &[
            private(SOCK_RAW, Some(NETLINK_ROUTE)),
            host(SOCK_RAW, Some(NETLINK_ROUTE)),
            host(SOCK_DGRAM, Some(NETLINK_ROUTE)),
        ],
    },
    Family {
        family: AF_PACKET,
        rows: &[
            // packet_create(): the capability before the type.
            private(ANY_KIND, WILD),
            host(SOCK_RAW, WILD),
            host(SOCK_DGRAM, WILD),
            host(SOCK_PACKET, WILD),
        ],
    },
];

/// The rows that take a request, in order, or the kernel's errno for why there are none.
pub fn lookup(family: u32, kind: u32, protocol: u32) -> Result<Vec<&'static Row>, Errno> {
    if family >= AF_MAX {
        return Err(Errno::AFNOSUPPORT);
    }
    let fam = FAMILIES.iter().find(|f| f.family == family).ok_or(Errno::AFNOSUPPORT)?;
    let mut err = Errno::SOCKTNOSUPPORT;
    let mut rows = Vec::new();
    for row in fam.rows.iter().filter(|r| r.kind == kind) {
        match row.protocol {
            None => rows.push(row),
            Some(p) if p == protocol => rows.push(row),
            // inet_create(): protocol 0 takes the row's protocol.
            Some(_) if protocol == 0 && (family == AF_INET || family == AF_INET6) => rows.push(row),
            Some(_) => err = Errno::PROTONOSUPPORT,
        }
    }
    if rows.is_empty() {
        return Err(err);
    }
    Ok(rows)
}

/// The checks of `__sys_socket()` and `__sock_create()` before the family's own: the request.
fn request(family: u32, kind: u32, protocol: u32) -> Result<Request, Errno> {
    let flags = kind & !SOCK_TYPE_MASK;
    if flags & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::INVAL);
    }
    let mut kind = kind & SOCK_TYPE_MASK;
    if family >= AF_MAX {
        return Err(Errno::AFNOSUPPORT);
    }
    if kind >= SOCK_MAX {
        return Err(Errno::INVAL);
    }
    let mut family = family;
    if family == AF_INET && kind == SOCK_PACKET {
        // __sock_create(): the obsolete SOCK_PACKET on PF_INET is PF_PACKET.
        family = AF_PACKET;
    }
    if family == AF_NETLINK && kind == SOCK_DGRAM {
        // netlink_create() treats SOCK_DGRAM as SOCK_RAW.
        kind = SOCK_RAW;
    }
    Ok(Request { family, kind, flags, protocol, refused: None })
}

/// socket(2): validate as the kernel does and have the first row that takes the request make
/// the socket. `kind` still carries its flags.
pub fn create(family: u32, kind: u32, protocol: u32) -> Result<NewSocket, Errno> {
    let mut req = request(family, kind, protocol)?;
    // The family's rows for every type first (a family whose create checks more before the
    // type, as packet_create() checks the capability).
    if let Some(made) = ask_each(&any_kind(req.family), &mut req) {
        return made;
    }
    ask(&lookup(req.family, req.kind, req.protocol)?, req)
}

/// The rows' providers asked in turn (see the module's rules).
fn ask(rows: &[&Row], mut req: Request) -> Result<NewSocket, Errno> {
    ask_each(rows, &mut req).unwrap_or(Err(req.refused.unwrap_or(Errno::PROTONOSUPPORT)))
}

/// The rows' providers asked in turn: the result once one made the socket or refused it, `None`
/// when none did (a privilege refusal kept in `req`).
fn ask_each(rows: &[&Row], req: &mut Request) -> Option<Result<NewSocket, Errno>> {
    for row in rows {
        match (row.provider.create)(req) {
            Answer::Made(socket) => return Some(Ok(socket)),
            Answer::Refused(e) => return Some(Err(e)),
            Answer::Unprivileged(e) => req.refused = req.refused.or(Some(e)),
            Answer::NotMine => {}
        }
    }
    None
}

/// socketpair(2) after its flag check and fd reservation: the family's rows decide, as
/// `__sock_create()` does for socket(2), then the first row's provider that takes it makes the
/// pair.
pub fn socketpair(family: u32, kind: u32, protocol: u32) -> Result<(NewSocket, NewSocket), Errno> {
    let req = request(family, kind, protocol)?;
    // The pair's provider sees the family __sock_create() settled on, and the type as asked.
    let ask =
        |rows: &[&Row]| rows.iter().filter_map(|r| r.provider.pair).find_map(|pair| pair(req.family, kind, protocol));
    if let Some(made) = ask(&any_kind(req.family)) {
        return made;
    }
    ask(&lookup(req.family, req.kind, req.protocol)?).unwrap_or(Err(Errno::OPNOTSUPP))
}

/// The family's rows of kind [`ANY_KIND`].
fn any_kind(family: u32) -> Vec<&'static Row> {
    FAMILIES.iter().filter(|f| f.family == family).flat_map(|f| f.rows).filter(|r| r.kind == ANY_KIND).collect()
}

/// Every provider that has a row, each once, in row order.
pub fn providers() -> &'static [&'static Provider] {
    static PROVIDERS: LazyLock<Vec<&'static Provider>> = LazyLock::new(|| {
        let mut out: Vec<&'static Provider> = Vec::new();
        for row in FAMILIES.iter().flat_map(|f| f.rows) {
            if !out.iter().any(|p| std::ptr::eq(*p, row.provider)) {
                out.push(row.provider);
            }
        }
        out
    });
    &PROVIDERS
}

/// The provider called `name`.
pub fn provider(name: &str) -> Option<&'static Provider> {
    providers().iter().copied().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_answers_the_kernels_errnos() {
        assert_eq!(lookup(99, SOCK_STREAM, 0).unwrap_err(), Errno::AFNOSUPPORT);
        assert_eq!(lookup(3, SOCK_STREAM, 0).unwrap_err(), Errno::AFNOSUPPORT); // AF_AX25: not registered
        assert_eq!(lookup(AF_INET, 4, 0).unwrap_err(), Errno::SOCKTNOSUPPORT); // SOCK_RDM
        assert_eq!(lookup(AF_NETLINK, SOCK_RAW, 9).unwrap_err(), Errno::PROTONOSUPPORT);
        let names = |family, kind, protocol| -> Vec<&str> {
            lookup(family, kind, protocol).unwrap().iter().map(|r| r.provider.name).collect()
        };
        // The private network's rows first (not mine while its mode is off), then the host's.
        assert_eq!(names(AF_INET, SOCK_STREAM, 0), ["private", "host"]);
        assert_eq!(names(AF_UNIX, SOCK_SEQPACKET, 0), ["private", "host"]);
        assert_eq!(names(AF_NETLINK, SOCK_RAW, 0), ["private", "host"]);
        // Raw ICMP: the host row, the ping row after it (tried when the host refuses).
        assert_eq!(names(AF_INET, SOCK_RAW, 1), ["private", "host", "ping"]);
        assert_eq!(names(AF_INET6, SOCK_RAW, 58), ["private", "host", "ping"]);
        assert_eq!(names(AF_INET, SOCK_RAW, 6), ["private", "host"]);
    }

    #[test]
    fn create_checks_flags_and_type_first() {
        assert_eq!(create(AF_INET, SOCK_STREAM | 0x100, 0).unwrap_err(), Errno::INVAL);
        assert_eq!(create(AF_INET, 12, 0).unwrap_err(), Errno::INVAL);
        assert_eq!(create(200, SOCK_STREAM, 0).unwrap_err(), Errno::AFNOSUPPORT);
        assert_eq!(create(AF_INET, 4, 0).unwrap_err(), Errno::SOCKTNOSUPPORT);
        // A row for every type that is not the provider's leaves the type's answer.
        assert_eq!(create(AF_PACKET, SOCK_STREAM, 0).unwrap_err(), Errno::SOCKTNOSUPPORT);
        assert_eq!(socketpair(AF_INET, SOCK_STREAM | 0x100, 0).err(), Some(Errno::INVAL));
    }

    /// Stand-in providers answering by the request's protocol field.
    fn answer(req: &Request) -> Answer {
        match (req.protocol, req.refused) {
            (_, Some(e)) => Answer::Refused(Errno::from_raw_os_error(e.raw_os_error() + 100)),
            (1, None) => Answer::NotMine,
            (2, None) => Answer::Unprivileged(Errno::PERM),
            (3, None) => Answer::Refused(Errno::INVAL),
            _ => Answer::Made(NewSocket::host(std::fs::File::open("/dev/null").unwrap().into())),
        }
    }
    static FIRST: Provider = Provider { name: "first", create: answer, pair: None, restore: |_| None };
    static SECOND: Provider = Provider { name: "second", create: |_| Answer::NotMine, pair: None, restore: |_| None };

    #[test]
    fn rows_are_asked_in_turn() {
        let a = Row { kind: SOCK_DGRAM, protocol: WILD, provider: &FIRST };
        let b = Row { kind: SOCK_DGRAM, protocol: WILD, provider: &SECOND };
        let req = |protocol| Request { family: AF_INET, kind: SOCK_DGRAM, flags: 0, protocol, refused: None };
        // Not mine everywhere: EPROTONOSUPPORT; a privilege refusal nobody stands in for stays.
        assert_eq!(ask(&[&a, &b], req(1)).unwrap_err(), Errno::PROTONOSUPPORT);
        assert_eq!(ask(&[&a, &b], req(2)).unwrap_err(), Errno::PERM);
        // …and the later rows see it (here the first row again, which answers EPERM + 100).
        assert_eq!(ask(&[&a, &a], req(2)).unwrap_err().raw_os_error(), libc::EPERM + 100);
        // A refusal is the result: the rows after it are not asked.
        assert_eq!(ask(&[&a, &a], req(3)).unwrap_err(), Errno::INVAL);
        assert!(ask(&[&b, &a], req(0)).is_ok());
    }

    #[test]
    fn every_provider_once_and_by_name() {
        let names: Vec<_> = providers().iter().map(|p| p.name).collect();
        assert_eq!(names, ["private", "host", "ping"]);
        assert!(provider("ping").is_some());
        assert!(provider("nothing").is_none());
    }

    #[test]
    fn a_host_socket_and_pair_come_from_the_host_row() {
        let made = create(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0).unwrap();
        assert!(made.ops.is_none());
        let (a, b) = socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        assert!(a.ops.is_none() && b.ops.is_none());
        // inet_create() has no socketpair: sock_no_socketpair.
        assert_eq!(socketpair(AF_INET, SOCK_STREAM, 0).err(), Some(Errno::OPNOTSUPP));
    }
}
