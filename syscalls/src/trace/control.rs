//! fcntl's and ioctl's arguments, which their command or request gives a meaning.

use super::{decode, flags, hex, open_flags, signal_name, Shown, TraceMemory};
use std::fmt::Write as _;

/// `F_RDLCK`…: the lock types of leases and `struct flock`.
pub(super) const LEASES: &[(u32, &str)] = &[(0, "F_RDLCK"), (1, "F_WRLCK"), (2, "F_UNLCK")];

/// fcntl's third argument, as the command before it says; false when the command takes none
/// (F_GETFD, F_GETFL, F_GETOWN, F_GETSIG, F_GETLEASE, F_GETPIPE_SZ, F_GET_SEALS).
pub(super) fn fcntl_arg<M: TraceMemory + ?Sized>(a: &Shown<'_, M>, text: &mut String) -> bool {
    let (v, cmd) = (a.v(), a.prev());
    match cmd {
        1 | 3 | 9 | 11 | 1025 | 1032 | 1034 => return false,
        0 | 1030 | 1031 => {
            let _ = write!(text, "{v}");
        }
        8 => {
            let _ = write!(text, "{}", v as i32);
        }
        10 => text.push_str(&signal_name(v as i32)),
        1024 => text.push_str(&decode::enum_str(LEASES, v)),
        16 => a.written(text, |_| decode::f_owner_ex(a.mem, v)),
        15 => a.decoded(text, decode::f_owner_ex(a.mem, v)),
        6 | 7 | 13 | 14 | 37 | 38 => a.decoded(text, decode::flock(a.mem, v, cmd <= 7, false)),
        5 | 12 | 36 => a.written(text, |_| decode::flock(a.mem, v, cmd == 5, true)),
        2 => flags(text, v, &[(1, "FD_CLOEXEC")]),
        4 => open_flags(text, v),
        _ => hex(text, v),
    }
    true
}

/// An ioctl request, named from the table or decoded as `_IOC(dir, type, nr, size)`.
pub(super) fn ioctl_request(text: &mut String, v: u32, names: &'static [(u32, &'static str)]) {
    match v {
        // strace cannot tell these from the sound timer requests of the same numbers.
        0x5402 => text.push_str("SNDCTL_TMR_START or TCSETS"),
        0x5403 => text.push_str("SNDCTL_TMR_STOP or TCSETSW"),
        0x5404 => text.push_str("SNDCTL_TMR_CONTINUE or TCSETSF"),
        _ => text.push_str(&decode::name_or(names, v, decode::ioc)),
    }
}

/// ioctl's third argument, as the request before it says; false when the request takes none.
pub(super) fn ioctl_arg<M: TraceMemory + ?Sized>(a: &Shown<'_, M>, text: &mut String) -> bool {
    let (v, ok) = (a.v(), !a.failed());
    match a.prev() {
        0x5402..=0x5404 => a.decoded(text, decode::termios(a.mem, v)),
        0x5450 | 0x5451 | 0x5422 => return false,
        0x5401 if ok => a.decoded(text, decode::termios(a.mem, v)),
        0x5413 if ok => a.decoded(text, decode::winsize(a.mem, v)),
        0x5414 => a.decoded(text, decode::winsize(a.mem, v)),
        0x541B | 0x5411 | 0x540F | 0x5429 | 0x8004_5430 if ok => a.decoded(text, decode::int_ptr(a.mem, v)),
        0x5421 | 0x5452 | 0x5410 | 0x4004_5431 => a.decoded(text, decode::int_ptr(a.mem, v)),
        0x5409 | 0x540A | 0x540B | 0x540E => {
            let _ = write!(text, "{}", v as i32);
        }
        // A request this tracer does not decode: a number or an address.
        _ => hex(text, v),
    }
    true
}
