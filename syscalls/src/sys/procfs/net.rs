//! `/proc/net/…` on a private network (`--net=private`): the network namespace the guest is on is
//! the emulated one, a fresh namespace with `lo` up, so these entries show it and not the host's.
//!
//! Served (an `O_RDONLY` open gets a memfd filled at open time, as [`super::procfs`] does for
//! `maps`), under `/proc/net/`, `/proc/self/net/`, `/proc/thread-self/net/` and
//! `/proc/<pid>/net/` of this process or of another emulator (taken to be on the same network: a
//! process on another network, or an emulator in host mode, is not told apart):
//!
//! - `dev`: `lo` only (net/core/net-procfs.c `dev_seq_show()`), its counters 0: no packets are
//!   emulated (natively loopback traffic counts there).
//! - `if_inet6`, `route`, `ipv6_route`, `arp`, `raw`, `raw6`: what a fresh namespace with `lo` up
//!   shows (::1 on `lo`; no IPv4 routes in the main table; the IPv6 routes of `lo`; no
//!   neighbours; raw sockets are refused on a private network).
//! - `tcp`, `tcp6`, `udp`, `udp6`: the network's sockets, every emulator's
//!   ([`net::private::census`]), in tcp4_seq_show()/udp4_format_sock()/the ipv6 equivalents'
//!   format. Timer columns are those of an idle socket; the `sl` column of the UDP files is the
//!   kernel's hash slot, which depends on a per-namespace random mix: the port here. The kernel
//!   pointer column reads as with `kptr_restrict` (zeros).
//! - `unix`: the guest's AF_UNIX sockets with abstract names on the network (the names without
//!   the network's prefix). Not listed: unnamed ones and ones bound to paths (the host cannot
//!   tell which belong to the network's processes).
//! - `snmp`, `snmp6`, `netstat`: the host's counter names (they follow the kernel) with the
//!   values of a fresh namespace: 0, except the settings (`Ip: Forwarding` the host's,
//!   `DefaultTTL` 64, `Tcp: RtoAlgorithm RtoMin RtoMax MaxConn` the kernel's constants) and
//!   `CurrEstab`, the network's connected TCP sockets. Per-type ICMP lines (`IcmpMsg`,
//!   `Icmp6InType…`), printed only for types seen, are left out.
//! - `sockstat`, `sockstat6`: the network's sockets in use; the host-wide counts (orphans, TCP
//!   sockets allocated, memory) are the host's, as they are natively in every namespace.
//! - `/proc/sys/net/ipv4/ip_local_port_range`: the range the network takes ephemeral ports from.
//!
//! Other `/proc/net` entries and the `/proc/sys/net` settings are the host's.

use std::fmt::Write as _;

/// The generated text for `path` on a private network, `None` when the host's entry stands.
pub fn text(path: &[u8], own_pid: Option<u32>) -> Option<String> {
    let net = net::private::network()?;
    if path == b"/proc/sys/net/ipv4/ip_local_port_range" {
        let (lo, hi) = net::private::port_range();
        return Some(format!("{lo}\t{hi}\n"));
    }
    let rest = path.strip_prefix(b"/proc/")?;
    let name = match rest.strip_prefix(b"net/") {
        Some(name) => name,
        None => {
            let slash = rest.iter().position(|&b| b == b'/')?;
            let (who, tail) = (&rest[..slash], &rest[slash + 1..]);
            let own = match who {
                b"self" | b"thread-self" => true,
                digits => std::str::from_utf8(digits)
                    .ok()
                    .filter(|s| !s.starts_with('0'))
                    .and_then(|s| s.parse::<u32>().ok())
                    .is_some_and(|pid| Some(pid) == own_pid || emulated(pid)),
            };
            if !own {
                return None;
            }
            tail.strip_prefix(b"net/")?
        }
    };
    Some(match name {
        b"dev" => DEV.to_owned(),
        b"if_inet6" => "00000000000000000000000000000001 01 80 10 80       lo\n".to_owned(),
        b"route" => {
            format!("{:<127}\n", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT")
        }
        b"ipv6_route" => IPV6_ROUTE.to_owned(),
        b"arp" => "IP address       HW type     Flags       HW address            Mask     Device\n".to_owned(),
        b"raw" => format!("{}\n", &UDP4_HEADER[1..]),
        b"raw6" => format!("{INET6_HEADER} ref pointer drops\n"),
        b"tcp" | b"tcp6" | b"udp" | b"udp6" => inet_table(net, name),
        b"unix" => {
            let mut out = "Num       RefCount Protocol Flags    Type St Inode Path\n".to_owned();
            for line in net::private::census::unix_lines(net) {
                out += &line;
                out.push('\n');
            }
            out
        }
        b"snmp" | b"netstat" | b"snmp6" => counters(net, name)?,
        b"sockstat" | b"sockstat6" => sockstat(net, name == b"sockstat6"),
        _ => return None,
    })
}

/// Whether process `pid` is an emulator too (its executable is this one's): taken to be on the
/// same network, as every process a private run starts is.
fn emulated(pid: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    let id = |m: std::fs::Metadata| (m.dev(), m.ino());
    match (std::fs::metadata(format!("/proc/{pid}/exe")), std::fs::metadata("/proc/self/exe")) {
        (Ok(theirs), Ok(ours)) => id(theirs) == id(ours),
        _ => false,
    }
}

const DEV: &str = "Inter-|   Receive                                                |  Transmit\n \
face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    \
lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n";

/// A fresh namespace's `ipv6_route` with `lo` up (net/ipv6/route.c `ipv6_route_native_seq_show()`).
const IPV6_ROUTE: &str = "\
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
";

const TCP4_HEADER: &str =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const UDP4_HEADER: &str =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";
const INET6_HEADER: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

/// An address as the kernel prints a `__be32`/`in6_addr` (`%08X` of each native-endian word).
fn hex_addr(ip: net::private::addr::Ip, v6: bool) -> String {
    use net::private::addr::Ip;
    let bytes: Vec<u8> = match (ip, v6) {
        (Ip::V4(a), false) => a.to_vec(),
        (Ip::V4(a), true) => std::net::Ipv4Addr::from(a).to_ipv6_mapped().octets().to_vec(),
        (Ip::V6(a), true) => a.to_vec(),
        (Ip::V6(_), false) => vec![0; 4],
    };
    bytes.chunks(4).fold(String::new(), |mut s, w| {
        let _ = write!(s, "{:08X}", u32::from_ne_bytes([w[0], w[1], w[2], w[3]]));
        s
    })
}

/// `tcp`, `tcp6`, `udp` or `udp6` (net/ipv4/tcp_ipv4.c `get_tcp4_sock()`, net/ipv6/tcp_ipv6.c
/// `get_tcp6_sock()`, net/ipv4/udp.c `udp4_format_sock()`, net/ipv6/datagram.c
/// `__ip6_dgram_sock_seq_show()`): IPv4 lines padded to the kernel's seq_setwidth().
fn inet_table(net: &str, name: &[u8]) -> String {
    use net::private::addr::Proto;
    let (proto, v6) = match name {
        b"tcp" => (Proto::Tcp, false),
        b"tcp6" => (Proto::Tcp, true),
        b"udp" => (Proto::Udp, false),
        _ => (Proto::Udp, true),
    };
    let (header, width) = match (proto, v6) {
        (Proto::Tcp, false) => (TCP4_HEADER.to_owned(), 149),
        (Proto::Udp, false) => (UDP4_HEADER.to_owned(), 127),
        (Proto::Tcp, true) => (INET6_HEADER.to_owned(), 0),
        (Proto::Udp, true) => (format!("{INET6_HEADER} ref pointer drops"), 0),
    };
    let mut out = format!("{header:<width$}\n");
    let socks = net::private::census::inet(net);
    for (i, s) in socks.iter().filter(|s| s.proto == proto && s.v6 == v6).enumerate() {
        let (local, remote) = (hex_addr(s.local.0, v6), hex_addr(s.remote.0, v6));
        let line = match proto {
            Proto::Tcp => {
                // refcount, pointer, rto, ato, quick|pingpong, cwnd, ssthresh of an idle socket.
                let tail = if s.state == 10 { "1 0000000000000000 100 0 0 10 0" } else { "2 0000000000000000 20 4 30 10 -1" };
                format!(
                    "{i:4}: {local}:{:04X} {remote}:{:04X} {:02X} {:08X}:{:08X} 00:00000000 00000000 {:5} {:8} {} {tail}",
                    s.local.1, s.remote.1, s.state, 0, s.rx_queue, s.uid, 0, s.inode
                )
            }
            Proto::Udp => format!(
                "{:5}: {local}:{:04X} {remote}:{:04X} {:02X} {:08X}:{:08X} 00:00000000 00000000 {:5} {:8} {} 2 0000000000000000 0",
                s.local.1, s.local.1, s.remote.1, s.state, 0, s.rx_queue, s.uid, 0, s.inode
            ),
        };
        let _ = writeln!(out, "{line:<width$}");
    }
    out
}

/// The settings a fresh namespace's MIB lines show: (line's table, field) → value, `None` for the
/// host's value.
fn setting(table: &str, field: &str) -> Option<Option<&'static str>> {
    match (table, field) {
        ("Ip", "Forwarding") => Some(None),
        ("Ip", "DefaultTTL") => Some(Some("64")),
        ("Tcp", "RtoAlgorithm" | "RtoMin" | "RtoMax" | "MaxConn") => Some(None),
        _ => None,
    }
}

/// `snmp`, `netstat` (pairs of a header line and a value line per table) or `snmp6` (a name and
/// a value per line) with a fresh namespace's values.
fn counters(net: &str, name: &[u8]) -> Option<String> {
    let file = String::from_utf8_lossy(name).into_owned();
    let host = std::fs::read_to_string(format!("/proc/net/{file}")).ok()?;
    let mut out = String::new();
    if name == b"snmp6" {
        for line in host.lines() {
            let Some((field, _)) = line.split_once(char::is_whitespace) else { continue };
            if field.starts_with("Icmp6InType") || field.starts_with("Icmp6OutType") {
                continue;
            }
            let _ = writeln!(out, "{:<32}\t0", field);
        }
        return Some(out);
    }
    let established = net::private::census::inet(net)
        .iter()
        .filter(|s| s.proto == net::private::addr::Proto::Tcp && matches!(s.state, 1 | 8))
        .count();
    let lines: Vec<&str> = host.lines().collect();
    for pair in lines.chunks(2) {
        let [names, values] = pair else { continue };
        let Some((table, fields)) = names.split_once(": ") else { continue };
        if table == "IcmpMsg" {
            continue;
        }
        let host_values: Vec<&str> = values.split_once(": ").map_or("", |(_, v)| v).split(' ').collect();
        let shown: Vec<String> = fields
            .split(' ')
            .enumerate()
            .map(|(k, field)| match (setting(table, field), field) {
                (Some(Some(v)), _) => v.to_owned(),
                (Some(None), _) => host_values.get(k).copied().unwrap_or("0").to_owned(),
                (None, "CurrEstab") if table == "Tcp" => established.to_string(),
                _ => "0".to_owned(),
            })
            .collect();
        let _ = writeln!(out, "{names}\n{table}: {}", shown.join(" "));
    }
    Some(out)
}

/// `sockstat` / `sockstat6` (net/ipv4/proc.c `sockstat_seq_show()`, net/ipv6/proc.c
/// `sockstat6_seq_show()`).
fn sockstat(net: &str, v6: bool) -> String {
    use net::private::addr::Proto;
    let socks = net::private::census::inet(net);
    let count = |proto, six| socks.iter().filter(|s| s.proto == proto && s.v6 == six).count();
    if v6 {
        return format!(
            "TCP6: inuse {}\nUDP6: inuse {}\nUDPLITE6: inuse 0\nRAW6: inuse 0\nFRAG6: inuse 0 memory 0\n",
            count(Proto::Tcp, true),
            count(Proto::Udp, true)
        );
    }
    // The host-wide numbers: orphans, TCP sockets allocated, TCP and UDP memory.
    let host = std::fs::read_to_string("/proc/net/sockstat").unwrap_or_default();
    let field = |line: &str, key: &str| -> String {
        host.lines()
            .find(|l| l.starts_with(line))
            .and_then(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                words.iter().position(|w| *w == key).and_then(|k| words.get(k + 1)).map(|w| w.to_string())
            })
            .unwrap_or_else(|| "0".to_owned())
    };
    let used = socks.len() + net::private::census::unix_lines(net).len();
    format!(
        "sockets: used {used}\nTCP: inuse {} orphan {} tw 0 alloc {} mem {}\nUDP: inuse {} mem {}\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n",
        count(Proto::Tcp, false),
        field("TCP:", "orphan"),
        field("TCP:", "alloc"),
        field("TCP:", "mem"),
        count(Proto::Udp, false),
        field("UDP:", "mem"),
    )
}
