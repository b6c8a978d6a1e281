//! Process and thread arguments: clone's flags and clone3's `struct clone_args`, futex(2)'s
//! operation and the arguments it uses, `struct user_desc` (TLS and LDT descriptors), wait
//! statuses and `struct rusage`.

use super::decode::{enum_str, flags_str, int_ptr, timespec, u32_at};
use super::names::{self, Names};
use super::{pointer, read_exact, signal_name, TraceMemory};
use std::fmt::Write as _;

/// `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`.
pub fn wait_status<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    if addr == 0 {
        return Some("NULL".into());
    }
    let s = u32_at(&read_exact(mem, addr, 4)?, 0);
    let text = match s & 0x7f {
        0 => format!("WIFEXITED(s) && WEXITSTATUS(s) == {}", (s >> 8) & 0xff),
        0x7f => format!("WIFSTOPPED(s) && WSTOPSIG(s) == {}", signal_name(((s >> 8) & 0xff) as i32)),
        sig => {
            let core = if s & 0x80 != 0 { " && WCOREDUMP(s)" } else { "" };
            format!("WIFSIGNALED(s) && WTERMSIG(s) == {}{core}", signal_name(sig as i32))
        }
    };
    Some(format!("[{{{text}}}]"))
}

/// A `struct user_desc` (set_thread_area(2), clone's `tls` on i386).
pub fn user_desc<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    let b = read_exact(mem, addr, 16)?;
    let bits = u32_at(&b, 12);
    let bit = |n: u32| (bits >> n) & 1;
    Some(format!(
        "{{entry_number={}, base_addr={:#08x}, limit={:#08x}, seg_32bit={}, contents={}, read_exec_only={}, \
         limit_in_pages={}, seg_not_present={}, useable={}}}",
        u32_at(&b, 0) as i32,
        u32_at(&b, 4),
        u32_at(&b, 8),
        bit(0),
        (bits >> 1) & 3,
        bit(3),
        bit(4),
        bit(5),
        bit(6)
    ))
}

/// i386 clone(2)'s arguments (flags, stack, parent_tid, tls, child_tid) as strace names them:
/// `child_stack=NULL, flags=CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x…`.
pub fn clone_args<M: TraceMemory + ?Sized>(mem: &M, args: &[u32; 6], ok: bool) -> String {
    let [flags, stack, parent_tid, tls, child_tid, _] = *args;
    let mut t = String::from("child_stack=");
    pointer(&mut t, stack);
    t.push_str(", flags=");
    let high = flags & !0xff;
    if high != 0 {
        t.push_str(&flags_str(high, names::CLONE_FLAGS));
    }
    if flags & 0xff != 0 {
        if high != 0 {
            t.push('|');
        }
        t.push_str(&signal_name((flags & 0xff) as i32));
    } else if high == 0 {
        t.push('0');
    }
    if flags & 0x0010_0000 != 0 {
        t.push_str(", parent_tid=");
        match int_ptr(mem, parent_tid) {
            Some(v) if ok => t.push_str(&v),
            _ => pointer(&mut t, parent_tid),
        }
    }
    if flags & 0x0008_0000 != 0 {
        t.push_str(", tls=");
        match user_desc(mem, tls) {
            Some(v) => t.push_str(&v),
            None => pointer(&mut t, tls),
        }
    }
    if flags & 0x0120_0000 != 0 {
        t.push_str(", child_tidptr=");
        pointer(&mut t, child_tid);
    }
    t
}

/// `{ru_utime={tv_sec=0, tv_usec=211}, ru_stime={tv_sec=0, tv_usec=0}, ...}`.
pub fn rusage<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    if addr == 0 {
        return Some("NULL".into());
    }
    let b = read_exact(mem, addr, 16)?;
    Some(format!(
        "{{ru_utime={{tv_sec={}, tv_usec={}}}, ru_stime={{tv_sec={}, tv_usec={}}}, ...}}",
        u32_at(&b, 0) as i32,
        u32_at(&b, 4) as i32,
        u32_at(&b, 8) as i32,
        u32_at(&b, 12) as i32
    ))
}

/// A C `%#x`: `0` for zero, `0x1f` otherwise.
fn c_hex(v: u32) -> String {
    if v == 0 {
        "0".into()
    } else {
        format!("{v:#x}")
    }
}

/// futex(2) from its operation on, showing only the arguments the operation uses, as strace's
/// do_futex() does: `FUTEX_WAIT_PRIVATE, 1, {tv_sec=0, tv_nsec=10000000}`. `time64`: the timeout is
/// a `struct __kernel_timespec` (futex_time64).
pub fn futex<M: TraceMemory + ?Sized>(mem: &M, args: &[u32; 6], time64: bool) -> String {
    let [_, op, val, timeout, uaddr2, val3] = *args;
    let mut t = enum_str(names::FUTEX_OPS, op);
    let ts = |t: &mut String| match timespec(mem, timeout, time64, false) {
        Some(s) => t.push_str(&s),
        None => pointer(t, timeout),
    };
    let bitset = |v: u32| if v == u32::MAX { "FUTEX_BITSET_MATCH_ANY".to_string() } else { c_hex(v) };
    // strace takes the command as `op & 127`, leaving FUTEX_CLOCK_REALTIME in an unknown op.
    match op & 127 {
        // FUTEX_WAIT, FUTEX_WAIT_REQUEUE_PI
        0 | 11 => {
            let _ = write!(t, ", {val}, ");
            ts(&mut t);
            if op & 127 == 11 {
                t.push_str(", ");
                pointer(&mut t, uaddr2);
            }
        }
        // FUTEX_LOCK_PI, FUTEX_LOCK_PI2
        6 | 13 => {
            t.push_str(", ");
            ts(&mut t);
        }
        // FUTEX_WAIT_BITSET
        9 => {
            let _ = write!(t, ", {val}, ");
            ts(&mut t);
            let _ = write!(t, ", {}", bitset(val3));
        }
        // FUTEX_WAKE_BITSET
        10 => {
            let _ = write!(t, ", {val}, {}", bitset(val3));
        }
        // FUTEX_REQUEUE
        3 => {
            let _ = write!(t, ", {val}, {timeout}, ");
            pointer(&mut t, uaddr2);
        }
        // FUTEX_CMP_REQUEUE, FUTEX_CMP_REQUEUE_PI
        4 | 12 => {
            let _ = write!(t, ", {val}, {timeout}, ");
            pointer(&mut t, uaddr2);
            let _ = write!(t, ", {val3}");
        }
        // FUTEX_WAKE_OP: the operation word as the FUTEX_OP() parts, shifted into place.
        5 => {
            const OPS: Names = &[
                (0, "FUTEX_OP_SET"),
                (1, "FUTEX_OP_ADD"),
                (2, "FUTEX_OP_OR"),
                (3, "FUTEX_OP_ANDN"),
                (4, "FUTEX_OP_XOR"),
            ];
            const CMPS: Names = &[
                (0, "FUTEX_OP_CMP_EQ"),
                (1, "FUTEX_OP_CMP_NE"),
                (2, "FUTEX_OP_CMP_LT"),
                (3, "FUTEX_OP_CMP_LE"),
                (4, "FUTEX_OP_CMP_GT"),
                (5, "FUTEX_OP_CMP_GE"),
            ];
            let _ = write!(t, ", {val}, {timeout}, ");
            pointer(&mut t, uaddr2);
            t.push_str(", ");
            if (val3 >> 28) & 8 != 0 {
                t.push_str("FUTEX_OP_OPARG_SHIFT<<28|");
            }
            let _ = write!(
                t,
                "{}<<28|{}<<12|{}<<24|{}",
                enum_str(OPS, (val3 >> 28) & 7),
                c_hex((val3 >> 12) & 0xfff),
                enum_str(CMPS, (val3 >> 24) & 0xf),
                c_hex(val3 & 0xfff)
            );
        }
        // FUTEX_WAKE, FUTEX_FD
        1 | 2 => {
            let _ = write!(t, ", {val}");
        }
        // FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI
        7 | 8 => {}
        _ => {
            let _ = write!(t, ", {val}, ");
            pointer(&mut t, timeout);
            t.push_str(", ");
            pointer(&mut t, uaddr2);
            let _ = write!(t, ", {}", c_hex(val3));
        }
    }
    t
}
