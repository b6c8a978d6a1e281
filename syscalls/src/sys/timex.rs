//! The kernel clock's discipline: adjtimex(2), clock_adjtime(2) and clock_adjtime64(2).
//!
//! The host's clock is the guest's, so the host answers (CAP_SYS_TIME for any change, the
//! validation of timekeeping_validate_timex(), the clock id). The 32-bit calls take an i386
//! `struct old_timex32` of 32-bit fields, converted as get_old_timex32() and put_old_timex32()
//! (kernel/time/time.c) convert it: sign-extended in, truncated out. clock_adjtime64 takes a
//! `struct __kernel_timex`, whose explicit padding gives it the x86-64 layout on i386 (208
//! bytes, every field at the same offset), so the host reads and writes it in place.

use crate::abi::nr;
use crate::abi::time::CLOCK_NAMES;
use crate::entry;
use crate::hostcall::timex;
use crate::mem::GuestMemoryExt;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;
use zerocopy::little_endian::{I32, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::adjtimex, adjtimex, [Ptr]),
    entry!(nr::clock_adjtime, clock_adjtime, [Enum(CLOCK_NAMES), Ptr]),
    entry!(nr::clock_adjtime64, clock_adjtime64, [Enum(CLOCK_NAMES), Ptr]),
];

/// `struct old_timex32` (include/linux/time32.h): an i386 `struct timex`.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct Timex32 {
    modes: U32,
    offset: I32,
    freq: I32,
    maxerror: I32,
    esterror: I32,
    status: I32,
    constant: I32,
    precision: I32,
    tolerance: I32,
    time_sec: I32,
    time_usec: I32,
    tick: I32,
    ppsfreq: I32,
    jitter: I32,
    shift: I32,
    stabil: I32,
    jitcnt: I32,
    calcnt: I32,
    errcnt: I32,
    stbcnt: I32,
    tai: I32,
    padding: [I32; 11],
}
const _: () = assert!(size_of::<Timex32>() == 128);

/// The host's `struct __kernel_timex` (linux/timex.h), which is x86-64's `struct timex`.
const _: () = assert!(size_of::<libc::timex>() == 208);

/// get_old_timex32(): every field sign-extended, the padding left zero.
fn to_host(t: &Timex32) -> libc::timex {
    let mut h = timex::zeroed();
    h.modes = t.modes.get();
    h.offset = t.offset.get().into();
    h.freq = t.freq.get().into();
    h.maxerror = t.maxerror.get().into();
    h.esterror = t.esterror.get().into();
    h.status = t.status.get();
    h.constant = t.constant.get().into();
    h.precision = t.precision.get().into();
    h.tolerance = t.tolerance.get().into();
    h.time.tv_sec = t.time_sec.get().into();
    h.time.tv_usec = t.time_usec.get().into();
    h.tick = t.tick.get().into();
    h.ppsfreq = t.ppsfreq.get().into();
    h.jitter = t.jitter.get().into();
    h.shift = t.shift.get();
    h.stabil = t.stabil.get().into();
    h.jitcnt = t.jitcnt.get().into();
    h.calcnt = t.calcnt.get().into();
    h.errcnt = t.errcnt.get().into();
    h.stbcnt = t.stbcnt.get().into();
    h.tai = t.tai.get();
    h
}

/// put_old_timex32(): every field truncated to 32 bits, the padding zero.
fn from_host(h: &libc::timex) -> Timex32 {
    let n = |v: i64| I32::new(v as i32);
    Timex32 {
        modes: U32::new(h.modes),
        offset: n(h.offset),
        freq: n(h.freq),
        maxerror: n(h.maxerror),
        esterror: n(h.esterror),
        status: I32::new(h.status),
        constant: n(h.constant),
        precision: n(h.precision),
        tolerance: n(h.tolerance),
        time_sec: n(h.time.tv_sec),
        time_usec: n(h.time.tv_usec),
        tick: n(h.tick),
        ppsfreq: n(h.ppsfreq),
        jitter: n(h.jitter),
        shift: I32::new(h.shift),
        stabil: n(h.stabil),
        jitcnt: n(h.jitcnt),
        calcnt: n(h.calcnt),
        errcnt: n(h.errcnt),
        stbcnt: n(h.stbcnt),
        tai: I32::new(h.tai),
        padding: Default::default(),
    }
}

/// Implements adjtimex(2) for i386 as sys_adjtimex_time32() does: the struct read (EFAULT), the
/// host's do_adjtimex(), then the struct written back whatever it answered (EFAULT over its
/// answer when that fails).
fn adjtimex(ctx: &mut Ctx, a: &Args) -> SysResult {
    let mut host = to_host(&ctx.mem.read_obj::<Timex32>(a[0])?);
    let r = timex::adjtimex(&mut host);
    ctx.mem.write_obj(a[0], &from_host(&host))?;
    Ok(r? as u32)
}

/// Implements clock_adjtime(2) with the 32-bit struct, as sys_clock_adjtime32() does: the struct
/// read (EFAULT) before the clock is looked at, and written back only when the host succeeded.
fn clock_adjtime(ctx: &mut Ctx, a: &Args) -> SysResult {
    let mut host = to_host(&ctx.mem.read_obj::<Timex32>(a[1])?);
    let r = timex::clock_adjtime(a[0] as i32, &mut host)? as u32;
    ctx.mem.write_obj(a[1], &from_host(&host))?;
    Ok(r)
}

/// Implements clock_adjtime64(2) as sys_clock_adjtime() does: the 208 bytes read (EFAULT), the
/// host's call on them, and the struct written back only when it succeeded (a read-only struct
/// is adjusted from, then EFAULT, as natively).
fn clock_adjtime64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let mut tx = [0u8; timex::TIMEX_SIZE];
    ctx.mem.read(a[1], &mut tx)?;
    let r = timex::clock_adjtime_bytes(a[0] as i32, &mut tx)? as u32;
    ctx.mem.write(a[1], &tx)?;
    Ok(r)
}
