//! Decoders for the structs strace shows: each reads through a [`TraceMemory`] and returns `None`
//! when the memory is unreadable (the caller then shows the address), never panicking. Socket
//! messages and options are in [`super::net`], process and thread arguments in [`super::process`].

use super::names::{self, Names};
use super::{flags, pointer, read_exact, signal_name, TraceMemory, STRSIZE};
use std::fmt::Write as _;

fn u16_at(b: &[u8], off: usize) -> u16 {
    b.get(off..off + 2).map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}

pub(super) fn u32_at(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from(u32_at(b, off)) | u64::from(u32_at(b, off + 4)) << 32
}

/// `NAME`, or for a value not in `names` the hex and the set it is missing from, as strace shows
/// it: `0x270f /* F_??? */`.
pub fn enum_str(names: Names, v: u32) -> String {
    name_or(names, v, |v| {
        let hex = if v == 0 { "0".to_string() } else { format!("{v:#x}") };
        match set_prefix(names) {
            Some(prefix) => format!("{hex} /* {prefix}??? */"),
            None => hex,
        }
    })
}

/// What the names of a set start with, up to an underscore (`F_OWNER_` for `F_OWNER_TID`,
/// `F_OWNER_PID`): how strace names a set in `/* F_OWNER_??? */`.
pub fn set_prefix<'a>(names: &[(u32, &'a str)]) -> Option<&'a str> {
    let first = names.first()?.1;
    let common = names.iter().fold(first.len(), |len, (_, name)| {
        first.bytes().zip(name.bytes()).take(len).take_while(|(a, b)| a == b).count()
    });
    let end = first[..common].rfind('_')?;
    Some(&first[..=end])
}

/// `NAME` for a value in `names`, else the number.
pub fn name_or(names: Names, v: u32, unknown: impl FnOnce(u32) -> String) -> String {
    names.iter().find(|(n, _)| *n == v).map_or_else(|| unknown(v), |(_, name)| (*name).to_string())
}

pub fn flags_str(v: u32, names: Names) -> String {
    let mut t = String::new();
    flags(&mut t, v, names);
    t
}

/// `{tv_sec=1, tv_nsec=0}` from a 32-bit or 64-bit timespec (or timeval with `usec`). As strace
/// prints them, the seconds are signed and the fraction unsigned (`tv_nsec=4294967295` for -1).
pub fn timespec<M: TraceMemory + ?Sized>(mem: &M, addr: u32, wide: bool, usec: bool) -> Option<String> {
    if addr == 0 {
        return Some("NULL".into());
    }
    let frac = if usec { "tv_usec" } else { "tv_nsec" };
    if wide {
        let b = read_exact(mem, addr, 16)?;
        Some(format!("{{tv_sec={}, {frac}={}}}", u64_at(&b, 0) as i64, u64_at(&b, 8)))
    } else {
        let b = read_exact(mem, addr, 8)?;
        Some(format!("{{tv_sec={}, {frac}={}}}", u32_at(&b, 0) as i32, u32_at(&b, 4)))
    }
}

/// A `struct itimerval` (`usec`: two timevals) or `struct itimerspec` (two timespecs), of 32-bit
/// or (`wide`) 64-bit fields: `{it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=1, tv_nsec=0}}`.
pub fn itimer<M: TraceMemory + ?Sized>(mem: &M, addr: u32, wide: bool, usec: bool) -> Option<String> {
    if addr == 0 {
        return Some("NULL".into());
    }
    let half = if wide { 16 } else { 8 };
    // All of it or nothing: strace reads the struct in one go.
    read_exact(mem, addr, 2 * half)?;
    let interval = timespec(mem, addr, wide, usec)?;
    let value = timespec(mem, addr.wrapping_add(half as u32), wide, usec)?;
    Some(format!("{{it_interval={interval}, it_value={value}}}"))
}

/// `{mq_flags=O_NONBLOCK, mq_maxmsg=10, mq_msgsize=8192, mq_curmsgs=0}` from a 32-bit
/// `struct mq_attr` (four longs and four reserved).
pub fn mq_attr<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    if addr == 0 {
        return Some("NULL".into());
    }
    let b = read_exact(mem, addr, 32)?;
    let mut t = String::from("{mq_flags=");
    super::named_flags(&mut t, u32_at(&b, 0), &[(0o4000, "O_NONBLOCK")]);
    let _ = write!(
        t,
        ", mq_maxmsg={}, mq_msgsize={}, mq_curmsgs={}}}",
        u32_at(&b, 4) as i32,
        u32_at(&b, 8) as i32,
        u32_at(&b, 12) as i32
    );
    Some(t)
}

/// `[INT TERM]`, or `~[KILL STOP]` when more than half the signals are in the set (strace's rule).
pub fn sigset_bytes(b: &[u8]) -> String {
    let total = b.len() * 8;
    let is_set = |sig: usize| b.get((sig - 1) / 8).is_some_and(|byte| byte & (1 << ((sig - 1) % 8)) != 0);
    let count = (1..=total).filter(|&s| is_set(s)).count();
    // strace inverts a set that holds at least two thirds of the signals.
    let invert = count * 3 >= total * 2;
    let shown: Vec<String> = (1..=total)
        .filter(|&s| is_set(s) != invert)
        .map(|s| signal_name(s as i32).trim_start_matches("SIG").to_string())
        .collect();
    format!("{}[{}]", if invert { "~" } else { "" }, shown.join(" "))
}

pub fn sigset<M: TraceMemory + ?Sized>(mem: &M, addr: u32, len: usize) -> Option<String> {
    if addr == 0 {
        return Some("NULL".into());
    }
    if len == 0 || len > 128 {
        return None;
    }
    Some(sigset_bytes(&read_exact(mem, addr, len)?))
}

/// `{sa_handler=0x8049b25, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x8050d40}`.
pub fn sigaction<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    if addr == 0 {
        return Some("NULL".into());
    }
    let b = read_exact(mem, addr, 20)?;
    let handler = match u32_at(&b, 0) {
        0 => "SIG_DFL".to_string(),
        1 => "SIG_IGN".to_string(),
        h => format!("{h:#x}"),
    };
    // strace 6.1 on x86-64 shows an i386 tracee's action without SA_RESTORER or its restorer
    // (which glibc always sets): so does this.
    let sa_flags = u32_at(&b, 4) & !0x0400_0000;
    Some(format!(
        "{{sa_handler={handler}, sa_mask={}, sa_flags={}}}",
        sigset_bytes(&b[12..20]),
        flags_str(sa_flags, names::SA_FLAGS)
    ))
}

/// `S_IFREG|0644`.
pub fn mode_type(mode: u32) -> String {
    let kind = match mode & 0o170000 {
        0o100000 => "S_IFREG|",
        0o040000 => "S_IFDIR|",
        0o020000 => "S_IFCHR|",
        0o060000 => "S_IFBLK|",
        0o010000 => "S_IFIFO|",
        0o120000 => "S_IFLNK|",
        0o140000 => "S_IFSOCK|",
        _ => "",
    };
    format!("{kind}{}", octal_mode(mode & 0o7777))
}

/// A mode as strace prints it, `%#03o`: `0644`, `000`.
pub fn octal_mode(v: u32) -> String {
    if v == 0 {
        "000".into()
    } else {
        format!("0{v:o}")
    }
}

fn makedev(dev: u64) -> String {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    let hex = |v: u64| if v == 0 { "0".to_string() } else { format!("{v:#x}") };
    format!("makedev({}, {})", hex(major), hex(minor))
}

/// `{st_mode=S_IFREG|0644, st_size=5, ...}` (a device shows `st_rdev` instead of the size).
pub fn stat64<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    let b = read_exact(mem, addr, 96)?;
    let mode = u32_at(&b, 16);
    let tail = if matches!(mode & 0o170000, 0o020000 | 0o060000) {
        format!("st_rdev={}", makedev(u64_at(&b, 32)))
    } else {
        format!("st_size={}", u64_at(&b, 44) as i64)
    };
    Some(format!("{{st_mode={}, {tail}, ...}}", mode_type(mode)))
}

/// statx's mask, `STATX_BASIC_STATS|STATX_MNT_ID`.
pub fn statx_mask(v: u32) -> String {
    const BASIC: u32 = 0x7ff;
    if v & BASIC == BASIC {
        let rest = v & !BASIC;
        if rest == 0 {
            return "STATX_BASIC_STATS".into();
        }
        return format!("STATX_BASIC_STATS|{}", flags_str(rest, names::STATX_MASK));
    }
    flags_str(v, names::STATX_MASK)
}

/// statx's flags: the sync type first, then the `AT_*` flags.
pub fn statx_flags(v: u32) -> String {
    let sync = v & 0x6000;
    let mut t = name_or(names::STATX_SYNC, sync, |s| format!("{s:#x}"));
    let rest = v & !0x6000;
    if rest != 0 {
        t.push('|');
        t.push_str(&flags_str(rest, names::STATX_FLAGS));
    }
    t
}

/// `{stx_mask=…, stx_attributes=0, stx_mode=S_IFREG|0644, stx_size=5, ...}`.
pub fn statx<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    let b = read_exact(mem, addr, 256)?;
    let attrs = u64_at(&b, 8);
    let attrs = if attrs == 0 { "0".into() } else { format!("{attrs:#x}") };
    Some(format!(
        "{{stx_mask={}, stx_attributes={attrs}, stx_mode={}, stx_size={}, ...}}",
        statx_mask(u32_at(&b, 0)),
        mode_type(u32::from(u16_at(&b, 28))),
        u64_at(&b, 40)
    ))
}

/// `[{fd=3, events=POLLIN}]`, and the returned events for the result's suffix
/// (`[{fd=3, revents=POLLIN}]`).
pub fn pollfds<M: TraceMemory + ?Sized>(mem: &M, addr: u32, n: u32) -> Option<(String, String)> {
    if addr == 0 {
        return Some(("NULL".into(), "[]".into()));
    }
    let shown = n.min(STRSIZE as u32) as usize;
    let b = mem.read_prefix(addr, shown * 8);
    // An array that runs into unmapped memory: strace shows what it could read and where it
    // stopped, `[{fd=6, events=POLLOUT}, ... /* 0xf7f31000 */]`.
    let cut = (b.len() < shown * 8).then(|| addr.wrapping_add((b.len() / 8 * 8) as u32));
    if b.len() < 8 && shown > 0 {
        return None;
    }
    let mut ins = Vec::new();
    let mut outs = Vec::new();
    for p in b.chunks_exact(8) {
        let fd = u32_at(p, 0) as i32;
        let events = u32::from(u16_at(p, 4));
        let revents = u32::from(u16_at(p, 6));
        // The kernel ignores entries with a negative fd; strace shows only the fd.
        if fd < 0 {
            ins.push(format!("{{fd={fd}}}"));
            continue;
        }
        ins.push(format!("{{fd={fd}, events={}}}", flags_str(events, names::POLL_EVENTS)));
        if revents != 0 {
            outs.push(format!("{{fd={fd}, revents={}}}", flags_str(revents, names::POLL_EVENTS)));
        }
    }
    let more = match cut {
        Some(at) => format!(", ... /* {at:#x} */"),
        None if n as usize > shown => ", ...".to_string(),
        None => String::new(),
    };
    Some((format!("[{}{more}]", ins.join(", ")), format!("[{}]", outs.join(", "))))
}

/// An iovec array; with `limit`, each buffer shows only what the call filled, in order.
pub fn iovec<M: TraceMemory + ?Sized>(mem: &M, addr: u32, n: u32, limit: Option<u32>) -> Option<String> {
    if addr == 0 {
        return Some("NULL".into());
    }
    let shown = n.min(STRSIZE as u32) as usize;
    let b = read_exact(mem, addr, shown * 8)?;
    let mut left = limit.map(|l| l as usize);
    let mut parts = Vec::new();
    for v in b.chunks_exact(8) {
        let (base, len) = (u32_at(v, 0), u32_at(v, 4));
        let take = left.map_or(len as usize, |l| l.min(len as usize));
        if let Some(l) = left.as_mut() {
            *l -= take;
        }
        let mut t = String::from("{iov_base=");
        super::buffer(mem, &mut t, base, take);
        let _ = write!(t, ", iov_len={len}}}");
        parts.push(t);
    }
    let more = if n as usize > shown { ", ..." } else { "" };
    Some(format!("[{}{more}]", parts.join(", ")))
}

fn rlim(v: u64, infinity: u64) -> String {
    if v == infinity {
        "RLIM_INFINITY".into()
    } else if v > 0 && v.is_multiple_of(1024) {
        format!("{}*1024", v / 1024)
    } else {
        v.to_string()
    }
}

/// `{rlim_cur=8192*1024, rlim_max=RLIM_INFINITY}`.
pub fn rlimit<M: TraceMemory + ?Sized>(mem: &M, addr: u32, wide: bool) -> Option<String> {
    if addr == 0 {
        return Some("NULL".into());
    }
    let (cur, max, inf) = if wide {
        let b = read_exact(mem, addr, 16)?;
        (u64_at(&b, 0), u64_at(&b, 8), u64::MAX)
    } else {
        let b = read_exact(mem, addr, 8)?;
        (u64::from(u32_at(&b, 0)), u64::from(u32_at(&b, 4)), u64::from(u32::MAX))
    };
    Some(format!("{{rlim_cur={}, rlim_max={}}}", rlim(cur, inf), rlim(max, inf)))
}

/// An `int` in memory, `[16]`.
pub fn int_ptr<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    if addr == 0 {
        return Some("NULL".into());
    }
    Some(format!("[{}]", u32_at(&read_exact(mem, addr, 4)?, 0) as i32))
}

/// `{ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}`.
pub fn winsize<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    let b = read_exact(mem, addr, 8)?;
    Some(format!(
        "{{ws_row={}, ws_col={}, ws_xpixel={}, ws_ypixel={}}}",
        u16_at(&b, 0),
        u16_at(&b, 2),
        u16_at(&b, 4),
        u16_at(&b, 6)
    ))
}

/// A `struct termios` as strace shows it: `{c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|…|OPOST|ONLCR,
/// c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO|…, ...}`.
pub fn termios<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    const BAUD: [&str; 16] = [
        "B0", "B50", "B75", "B110", "B134", "B150", "B200", "B300", "B600", "B1200", "B1800", "B2400", "B4800",
        "B9600", "B19200", "B38400",
    ];
    const BAUD_EX: [&str; 15] = [
        "B57600", "B115200", "B230400", "B460800", "B500000", "B576000", "B921600", "B1000000", "B1152000", "B1500000",
        "B2000000", "B2500000", "B3000000", "B3500000", "B4000000",
    ];
    let b = read_exact(mem, addr, 36)?;
    let (iflag, oflag, cflag, lflag) = (u32_at(&b, 0), u32_at(&b, 4), u32_at(&b, 8), u32_at(&b, 12));
    let iflags = flags_str(iflag, names::TERM_IFLAGS);
    // The delay fields first, each by the name of its value, then the flags.
    let mut o = [
        ["NL0", "NL1"][((oflag >> 8) & 1) as usize],
        ["CR0", "CR1", "CR2", "CR3"][((oflag >> 9) & 3) as usize],
        ["TAB0", "TAB1", "TAB2", "TAB3"][((oflag >> 11) & 3) as usize],
        ["BS0", "BS1"][((oflag >> 13) & 1) as usize],
        ["VT0", "VT1"][((oflag >> 14) & 1) as usize],
        ["FF0", "FF1"][((oflag >> 15) & 1) as usize],
    ]
    .join("|");
    let orest = oflag & !0o177400;
    if orest != 0 {
        o.push('|');
        o.push_str(&flags_str(orest, names::TERM_OFLAGS));
    }
    let speed = cflag & 0o10017;
    let baud = if speed & 0o10000 != 0 {
        BAUD_EX.get(((speed & 0o17) as usize).wrapping_sub(1)).copied().unwrap_or("BOTHER")
    } else {
        BAUD[(speed & 0o17) as usize]
    };
    let mut c = format!("{baud}|{}", ["CS5", "CS6", "CS7", "CS8"][((cflag >> 4) & 3) as usize]);
    let crest = cflag & !(0o10017 | 0o60);
    if crest != 0 {
        c.push('|');
        c.push_str(&flags_str(crest, names::TERM_CFLAGS));
    }
    Some(format!(
        "{{c_iflag={iflags}, c_oflag={o}, c_cflag={c}, c_lflag={}, ...}}",
        flags_str(lflag, names::TERM_LFLAGS)
    ))
}

/// An ioctl request with no name: `_IOC(_IOC_READ, 0x54, 0x1, 0x4)`.
pub fn ioc(req: u32) -> String {
    let dir = ["_IOC_NONE", "_IOC_WRITE", "_IOC_READ", "_IOC_READ|_IOC_WRITE"][(req >> 30) as usize];
    let hex = |v: u32| if v == 0 { "0".to_string() } else { format!("{v:#x}") };
    format!("_IOC({dir}, {}, {}, {})", hex((req >> 8) & 0xff), hex(req & 0xff), hex((req >> 16) & 0x3fff))
}

/// A `stack_t`: `{ss_sp=0x…, ss_flags=SS_ONSTACK, ss_size=65536}`.
pub fn stack_t<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    const SS: Names = &[(1, "SS_ONSTACK"), (2, "SS_DISABLE"), (0x8000_0000, "SS_AUTODISARM")];
    if addr == 0 {
        return Some("NULL".into());
    }
    let b = read_exact(mem, addr, 12)?;
    let mut t = String::from("{ss_sp=");
    pointer(&mut t, u32_at(&b, 0));
    let flags = u32_at(&b, 4);
    let known = flags & 0x8000_0003;
    t.push_str(", ss_flags=");
    if known != 0 || flags == 0 {
        t.push_str(&flags_str(known, SS));
    }
    if flags & !0x8000_0003 != 0 {
        if known != 0 {
            t.push('|');
        }
        let _ = write!(t, "{:#x} /* SS_??? */", flags & !0x8000_0003);
    }
    let _ = write!(t, ", ss_size={}}}", u32_at(&b, 8));
    Some(t)
}

/// `{type=F_OWNER_PID, pid=1234}`.
pub fn f_owner_ex<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    const TYPES: Names = &[(0, "F_OWNER_TID"), (1, "F_OWNER_PID"), (2, "F_OWNER_PGRP")];
    let b = read_exact(mem, addr, 8)?;
    Some(format!("{{type={}, pid={}}}", enum_str(TYPES, u32_at(&b, 0)), u32_at(&b, 4) as i32))
}

/// `{l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=0}` from a `struct flock` (`short` is
/// true: 32-bit offsets) or `struct flock64`; `pid` adds what F_GETLK wrote.
pub fn flock<M: TraceMemory + ?Sized>(mem: &M, addr: u32, short: bool, pid: bool) -> Option<String> {
    const TYPES: Names = &[(0, "F_RDLCK"), (1, "F_WRLCK"), (2, "F_UNLCK")];
    const WHENCE: Names = &[(0, "SEEK_SET"), (1, "SEEK_CUR"), (2, "SEEK_END")];
    let (start, len, pid_at, size) = if short {
        let b = read_exact(mem, addr, 16)?;
        (i64::from(u32_at(&b, 4) as i32), i64::from(u32_at(&b, 8) as i32), u32_at(&b, 12), 16)
    } else {
        let b = read_exact(mem, addr, 24)?;
        (u64_at(&b, 4) as i64, u64_at(&b, 12) as i64, u32_at(&b, 20), 24)
    };
    let head = read_exact(mem, addr, size)?;
    let mut t = format!(
        "{{l_type={}, l_whence={}, l_start={start}, l_len={len}",
        enum_str(TYPES, u32::from(u16_at(&head, 0))),
        enum_str(WHENCE, u32::from(u16_at(&head, 2)))
    );
    if pid {
        let _ = write!(t, ", l_pid={}", pid_at as i32);
    }
    t.push('}');
    Some(t)
}

/// `{st_mode=S_IFREG|0644, st_size=5, ...}` from a `struct stat` or (`old`) a
/// `struct __old_kernel_stat`.
pub fn stat<M: TraceMemory + ?Sized>(mem: &M, addr: u32, old: bool) -> Option<String> {
    let (mode, rdev, size) = if old {
        let b = read_exact(mem, addr, 32)?;
        (u32::from(u16_at(&b, 4)), u64::from(u16_at(&b, 12)), u32_at(&b, 16))
    } else {
        let b = read_exact(mem, addr, 64)?;
        (u32::from(u16_at(&b, 8)), u64::from(u32_at(&b, 16)), u32_at(&b, 20))
    };
    let tail = if matches!(mode & 0o170000, 0o020000 | 0o060000) {
        format!("st_rdev={}", makedev(rdev))
    } else {
        format!("st_size={size}")
    };
    Some(format!("{{st_mode={}, {tail}, ...}}", mode_type(mode)))
}

/// `{flags=O_RDONLY|O_CREAT, mode=0644, resolve=RESOLVE_BENEATH}`; `size` is openat2's last argument.
pub fn open_how<M: TraceMemory + ?Sized>(mem: &M, addr: u32, size: u32) -> Option<String> {
    const RESOLVE: Names = &[
        (0x01, "RESOLVE_NO_XDEV"),
        (0x02, "RESOLVE_NO_MAGICLINKS"),
        (0x04, "RESOLVE_NO_SYMLINKS"),
        (0x08, "RESOLVE_BENEATH"),
        (0x10, "RESOLVE_IN_ROOT"),
        (0x20, "RESOLVE_CACHED"),
    ];
    if size < 24 {
        return None;
    }
    let b = read_exact(mem, addr, 24)?;
    let flags = u64_at(&b, 0);
    let mut t = String::from("{flags=");
    super::open_flags(&mut t, flags as u32);
    if flags >> 32 != 0 {
        let _ = write!(t, "|{:#x}", flags & !0xffff_ffff);
    }
    if flags & 0o100 != 0 || flags & 0o20200000 == 0o20200000 {
        let _ = write!(t, ", mode={}", octal_mode(u64_at(&b, 8) as u32));
    }
    let resolve = u64_at(&b, 16) as u32;
    let known = RESOLVE.iter().fold(0, |acc, (bit, _)| acc | bit);
    t.push_str(", resolve=");
    if resolve & known != 0 || resolve == 0 {
        t.push_str(&flags_str(resolve & known, RESOLVE));
    }
    if resolve & !known != 0 {
        if resolve & known != 0 {
            t.push('|');
        }
        let _ = write!(t, "{:#x} /* RESOLVE_??? */", resolve & !known);
    }
    t.push('}');
    Some(t)
}

/// One i386 `struct epoll_event` (packed: 4 bytes of events, 8 of data).
fn epoll_event(b: &[u8]) -> String {
    let data = u64_at(b, 4);
    format!("{{events={}, data={{u32={}, u64={data}}}}}", flags_str(u32_at(b, 0), names::EPOLL_EVENTS), data as u32)
}

/// `{events=EPOLLIN, data={u32=4, u64=4}}`: the event epoll_ctl(2) reads.
pub fn epoll_ctl_event<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    Some(epoll_event(&read_exact(mem, addr, 12)?))
}

/// The `n` events an epoll_wait(2) returned: `[{events=EPOLLIN, data={…}}]`, cut after 32 as
/// strace cuts arrays.
pub fn epoll_events<M: TraceMemory + ?Sized>(mem: &M, addr: u32, n: u32) -> Option<String> {
    let shown = n.min(STRSIZE as u32) as usize;
    let b = read_exact(mem, addr, shown * 12)?;
    let events: Vec<String> = b.chunks_exact(12).map(epoll_event).collect();
    let more = if n as usize > shown { ", ..." } else { "" };
    Some(format!("[{}{more}]", events.join(", ")))
}

/// What a sigreturn restores, from the frame at `esp` (`rt`: an rt_sigframe, whose `pretcode` the
/// handler's `ret` popped; else a sigframe, whose `sig` the restorer popped too): the mask, as
/// `{mask=[USR1]}`, and `%eax`.
pub fn sigreturn_frame<M: TraceMemory + ?Sized>(mem: &M, esp: u32, rt: bool) -> Option<(String, u32)> {
    use crate::abi::signal::{RtSigframe, Sigcontext, Sigframe, Ucontext};
    use std::mem::offset_of;
    let at = |base: u32, off: usize| base.wrapping_add(off as u32);
    let (mask, eax) = if rt {
        let uc = at(esp.wrapping_sub(4), offset_of!(RtSigframe, uc));
        let mask = read_exact(mem, at(uc, offset_of!(Ucontext, sigmask)), 8)?.into_owned();
        let eax = read_exact(mem, at(uc, offset_of!(Ucontext, mcontext) + offset_of!(Sigcontext, eax)), 4)?;
        (mask, u32_at(&eax, 0))
    } else {
        let frame = esp.wrapping_sub(8);
        let sc = at(frame, offset_of!(Sigframe, sc));
        let mut mask = read_exact(mem, at(sc, offset_of!(Sigcontext, oldmask)), 4)?.into_owned();
        mask.extend_from_slice(&read_exact(mem, at(frame, offset_of!(Sigframe, extramask)), 4)?);
        let eax = read_exact(mem, at(sc, offset_of!(Sigcontext, eax)), 4)?;
        (mask, u32_at(&eax, 0))
    };
    Some((format!("{{mask={}}}", sigset_bytes(&mask)), eax))
}
