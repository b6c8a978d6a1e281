//! System and process information: uname(2) in its three generations, sysinfo(2), getrandom(2),
//! resource limits (prlimit64(2), getrlimit(2) old and new, setrlimit(2)), CPU affinity and
//! sched_yield(2), personality(2) and prctl(2). User and group ids, process groups and sessions
//! are in [`super::ids`].
//!
//! The host answers the questions (guest pids, ids and limits are the emulator process's own), and
//! the answer comes back through the kernel's compat rules: `compat_sysinfo` scaling, 32-bit
//! rlimits saturated at `COMPAT_RLIM_INFINITY`, 16-bit ids mapped to `overflowuid`, affinity masks
//! in 32-bit words. Changing an id, a limit or the affinity changes the emulator process, which is
//! what the guest asked for. Id changes are made with the raw per-thread syscalls, as the guest's
//! libc expects (it broadcasts to its other threads itself).

use super::hostarg::{call, int, uint};
use crate::abi::info::{
    pr, NewUtsname, OldOldUtsname, OldUtsname, Rlimit32, Rlimit64, Sysinfo32, GRND_INSECURE, GRND_NAMES, GRND_NONBLOCK,
    GRND_RANDOM, OLD_RLIM_MAX, OLD_UTS_FIELD, RLIM32_INFINITY, RLIMIT_NAMES, RLIM_NLIMITS, UTS_FIELD,
};
use crate::abi::nr;
use crate::entry;
use crate::hostcall::info as hostinfo;
use crate::mem::{GuestAddr, GuestMemoryExt, PAGE_SIZE};
use crate::replay::Kind;
use crate::row::{Arg::*, Args, Entry, Ret};
use crate::task::{BlockingCtx, Ctx};
use crate::{Errno, SysResult};
use libc::c_long;
use rustix::rand::GetRandomFlags;
use std::sync::OnceLock;
use zerocopy::little_endian::{U16, U32, U64};

const PR_NAMES: &[(u32, &str)] = &[
    (pr::SET_PDEATHSIG, "PR_SET_PDEATHSIG"),
    (pr::GET_PDEATHSIG, "PR_GET_PDEATHSIG"),
    (pr::GET_DUMPABLE, "PR_GET_DUMPABLE"),
    (pr::SET_DUMPABLE, "PR_SET_DUMPABLE"),
    (pr::GET_KEEPCAPS, "PR_GET_KEEPCAPS"),
    (pr::SET_KEEPCAPS, "PR_SET_KEEPCAPS"),
    (pr::SET_NAME, "PR_SET_NAME"),
    (pr::GET_NAME, "PR_GET_NAME"),
    (pr::SET_NO_NEW_PRIVS, "PR_SET_NO_NEW_PRIVS"),
    (pr::GET_NO_NEW_PRIVS, "PR_GET_NO_NEW_PRIVS"),
];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::uname, uname, [Ptr]),
    entry!(nr::olduname, olduname, [Ptr]),
    entry!(nr::oldolduname, oldolduname, [Ptr]),
    entry!(nr::sysinfo, sysinfo, [Ptr]),
    entry!(nr::getrandom, getrandom, [Ptr, Uint, Flags(GRND_NAMES)]).restarts(),
    entry!(nr::prlimit64, prlimit64, [Int, Enum(RLIMIT_NAMES), Rlimit64, Out(&Rlimit64)]),
    entry!(nr::ugetrlimit, ugetrlimit, [Enum(RLIMIT_NAMES), Out(&Rlimit)]),
    entry!(nr::getrlimit, old_getrlimit, [Enum(RLIMIT_NAMES), Out(&Rlimit)]),
    entry!(nr::setrlimit, setrlimit, [Enum(RLIMIT_NAMES), Rlimit]),
    entry!(nr::sched_yield, may_block sched_yield, []).blocks(),
    entry!(nr::sched_getaffinity, sched_getaffinity, [Int, Uint, Ptr]),
    entry!(nr::sched_setaffinity, sched_setaffinity, [Int, Uint, Ptr]),
    entry!(nr::personality, personality, [Hex], Ret::Hex),
    entry!(nr::prctl, prctl, [Enum(PR_NAMES), Hex, Hex, Hex, Hex]),
];

// ---------------------------------------------------------------------------------------------
// uname

/// The host's utsname with the release emu386 reports, as six NUL-padded 65-byte fields.
fn utsname(ctx: &Ctx) -> NewUtsname {
    let host = rustix::system::uname();
    let release = ctx.task.kernel_release.as_bytes();
    let values: [&[u8]; 6] = [
        host.sysname().to_bytes(),
        host.nodename().to_bytes(),
        release,
        host.version().to_bytes(),
        // The host applies override_architecture(): "i686" under a PER_LINUX32 personality.
        host.machine().to_bytes(),
        host.domainname().to_bytes(),
    ];
    let mut out = NewUtsname { fields: [[0; UTS_FIELD]; 6] };
    for (field, value) in out.fields.iter_mut().zip(values) {
        let n = value.len().min(UTS_FIELD - 1);
        field[..n].copy_from_slice(&value[..n]);
    }
    out
}

/// Implements uname(2) (nr 122, sys_newuname): `struct new_utsname`.
fn uname(ctx: &mut Ctx, a: &Args) -> SysResult {
    let u = utsname(ctx);
    ctx.mem.write_obj(a[0], &u)?;
    Ok(0)
}

/// Implements olduname (nr 109, sys_uname): the first five fields of `new_utsname`.
fn olduname(ctx: &mut Ctx, a: &Args) -> SysResult {
    let u = utsname(ctx);
    let mut old = OldUtsname { fields: [[0; UTS_FIELD]; 5] };
    old.fields.copy_from_slice(&u.fields[..5]);
    ctx.mem.write_obj(a[0], &old)?;
    Ok(0)
}

/// Implements oldolduname (nr 59, sys_olduname): the first 8 bytes of five fields, NUL-terminated.
fn oldolduname(ctx: &mut Ctx, a: &Args) -> SysResult {
    let u = utsname(ctx);
    let mut old = OldOldUtsname { fields: [[0; OLD_UTS_FIELD]; 5] };
    for (field, value) in old.fields.iter_mut().zip(&u.fields) {
        field[..OLD_UTS_FIELD - 1].copy_from_slice(&value[..OLD_UTS_FIELD - 1]);
    }
    ctx.mem.write_obj(a[0], &old)?;
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// sysinfo

/// compat_sysinfo(): when a memory size does not fit 32 bits, `mem_unit` grows to the page size
/// and every memory field shrinks by as many bits; everything is then truncated to 32 bits.
fn compat_sysinfo(s: &libc::sysinfo) -> Sysinfo32 {
    let mut mem_unit = u64::from(s.mem_unit);
    let mut shift = 0;
    if (s.totalram >> 32) != 0 || (s.totalswap >> 32) != 0 {
        while mem_unit < u64::from(PAGE_SIZE) {
            mem_unit <<= 1;
            shift += 1;
        }
    }
    let mem = |v: u64| U32::new((v >> shift) as u32);
    Sysinfo32 {
        uptime: (s.uptime as i32).into(),
        loads: s.loads.map(|l| U32::new(l as u32)),
        totalram: mem(s.totalram),
        freeram: mem(s.freeram),
        sharedram: mem(s.sharedram),
        bufferram: mem(s.bufferram),
        totalswap: mem(s.totalswap),
        freeswap: mem(s.freeswap),
        procs: U16::new(s.procs),
        pad: U16::ZERO,
        totalhigh: mem(s.totalhigh),
        freehigh: mem(s.freehigh),
        mem_unit: U32::new(mem_unit as u32),
        f: [0; 8],
    }
}

/// Implements sysinfo(2) with the i386 `struct sysinfo` (compat_sys_sysinfo).
fn sysinfo(ctx: &mut Ctx, a: &Args) -> SysResult {
    let s = hostinfo::sysinfo()?;
    ctx.mem.write_obj(a[0], &compat_sysinfo(&s))?;
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// getrandom

/// `MAX_RW_COUNT`: import_ubuf() clamps every length to this.
const MAX_RW_COUNT: u32 = 0x7fff_f000;

/// Implements getrandom(2), straight into guest memory. Like get_random_bytes_user(), a buffer
/// that becomes unwritable part way gets the bytes before the fault and their count; EFAULT only
/// when not one byte could be written. Under `emu386 diff` the bytes are the native run's
/// ([`crate::replay`]).
fn getrandom(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (buf, flags) = (a[0], a[2]);
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_INSECURE | GRND_RANDOM) == GRND_INSECURE | GRND_RANDOM
    {
        return Err(Errno::INVAL.into());
    }
    let len = a[1].min(MAX_RW_COUNT);
    // The writable prefix of the buffer, a page at a time.
    let mut ok = len;
    if ctx.mem.slice_mut(buf, len as usize).is_err() {
        ok = 0;
        while ok < len {
            let Ok(at) = GuestAddr::new(buf).offset(ok) else { break };
            let page_left = PAGE_SIZE - (at.get() % PAGE_SIZE);
            let step = page_left.min(len - ok);
            if ctx.mem.slice_mut(at.get(), step as usize).is_err() {
                break;
            }
            ok += step;
        }
    }
    if len == 0 {
        // Like the kernel, only the flags are looked at: no byte to write, no fault.
        rustix::rand::getrandom(&mut [0u8; 0][..], GetRandomFlags::from_bits_retain(flags))?;
        return Ok(0);
    }
    if ok == 0 {
        return Err(Errno::FAULT.into());
    }
    // Under `emu386 diff`, the bytes the native run drew (when it could write as many).
    let replayed = crate::replay::take(Kind::Random, &[a[1], flags]).filter(|e| e.data.len() <= ok as usize);
    if let Some(e) = replayed {
        ctx.mem.write(buf, &e.data)?;
        return Ok(e.data.len() as u32);
    }
    let out = ctx.mem.slice_mut(buf, ok as usize)?;
    let n = rustix::rand::getrandom(out, GetRandomFlags::from_bits_retain(flags))?;
    Ok(n as u32)
}

// ---------------------------------------------------------------------------------------------
// Resource limits

/// RLIMIT_NOFILE, which the guest has emulated (see `fd::init_nofile`).
const RLIMIT_NOFILE: u32 = 7;

/// RLIMIT_AS, which the guest has emulated (see `space::address_space_limit`): the host's
/// would limit the emulator, whose reservation of the guest space alone is 4 GiB.
const RLIMIT_AS: u32 = 9;

/// Whether prlimit's `pid` is the calling process (0 or its own pid).
fn is_self(pid: u32) -> bool {
    pid == 0 || pid == rustix::process::getpid().as_raw_nonzero().get() as u32
}

/// The calling process's limit, as the guest sees it.
fn own_limit(resource: u32) -> Result<libc::rlimit64, Errno> {
    if resource == RLIMIT_NOFILE {
        let (cur, max) = super::fd::guest_nofile();
        return Ok(libc::rlimit64 { rlim_cur: cur, rlim_max: max });
    }
    if resource == RLIMIT_AS {
        let (cur, max) = crate::space::address_space_limit();
        return Ok(libc::rlimit64 { rlim_cur: cur, rlim_max: max });
    }
    host_prlimit(0, resource, None)
}

/// do_prlimit() for the guest's RLIMIT_AS: soft above hard is EINVAL, raising the hard limit
/// needs CAP_SYS_RESOURCE (EPERM); the host's limit stays the emulator's.
fn set_address_space(new: &libc::rlimit64) -> Result<(), Errno> {
    if new.rlim_cur > new.rlim_max {
        return Err(Errno::INVAL);
    }
    let (_, max) = crate::space::address_space_limit();
    if new.rlim_max > max && !capable(CAP_SYS_RESOURCE) {
        return Err(Errno::PERM);
    }
    crate::space::set_address_space_limit(new.rlim_cur, new.rlim_max);
    Ok(())
}

const CAP_SYS_RESOURCE: u32 = 24;

/// capable(): whether the calling process has capability `cap` in its effective set.
fn capable(cap: u32) -> bool {
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << cap) != 0)
}

/// do_prlimit() for the guest's RLIMIT_NOFILE: soft above hard is EINVAL, a hard limit above
/// fs.nr_open EPERM; the host then decides whether the hard limit may be raised (EPERM) on its
/// own limit, which keeps the same distance above the guest's as before, and with the soft limit
/// never below the emulator's own fds.
fn set_nofile(new: &libc::rlimit64) -> Result<(), Errno> {
    if !super::fd::nofile_emulated() {
        return host_prlimit(0, RLIMIT_NOFILE, Some(new)).map(drop);
    }
    if new.rlim_cur > new.rlim_max {
        return Err(Errno::INVAL);
    }
    let nr_open = std::fs::read_to_string("/proc/sys/fs/nr_open").ok().and_then(|s| s.trim().parse::<u64>().ok());
    if nr_open.is_some_and(|n| new.rlim_max > n) {
        return Err(Errno::PERM);
    }
    let (_, guest_max) = super::fd::guest_nofile();
    let host = host_prlimit(0, RLIMIT_NOFILE, None)?;
    let above = host.rlim_max.saturating_sub(guest_max);
    let max = new.rlim_max.saturating_add(above);
    let own_top = super::fd::fd_floor() as u64 + super::fd::OWN_FDS;
    let cur = new.rlim_cur.max(own_top.min(host.rlim_cur)).min(max);
    host_prlimit(0, RLIMIT_NOFILE, Some(&libc::rlimit64 { rlim_cur: cur, rlim_max: max }))?;
    super::fd::set_guest_nofile(new.rlim_cur, new.rlim_max);
    Ok(())
}

/// prlimit64 on the host: limits are `struct rlimit64` there too.
fn host_prlimit(pid: c_long, resource: u32, new: Option<&libc::rlimit64>) -> Result<libc::rlimit64, Errno> {
    let mut old = libc::rlimit64 { rlim_cur: 0, rlim_max: 0 };
    hostinfo::prlimit64(pid, uint(resource), new, Some(&mut old))?;
    Ok(old)
}

/// Implements prlimit64(2): the new limit is read first (EFAULT), the host checks the pid, the
/// permission and the resource, and the old limit is written last (EFAULT after the change).
fn prlimit64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let new = if a[2] != 0 {
        let r: Rlimit64 = ctx.mem.read_obj(a[2])?;
        Some(libc::rlimit64 { rlim_cur: r.rlim_cur.get(), rlim_max: r.rlim_max.get() })
    } else {
        None
    };
    let mut old = libc::rlimit64 { rlim_cur: 0, rlim_max: 0 };
    if a[1] == RLIMIT_NOFILE && is_self(a[0]) {
        old = own_limit(RLIMIT_NOFILE)?;
        if let Some(new) = &new {
            set_nofile(new)?;
        }
    } else if a[1] == RLIMIT_AS && is_self(a[0]) {
        old = own_limit(RLIMIT_AS)?;
        if let Some(new) = &new {
            set_address_space(new)?;
        }
    } else {
        let old = (a[3] != 0).then_some(&mut old);
        hostinfo::prlimit64(int(a[0]), uint(a[1]), new.as_ref(), old)?;
    }
    if a[3] != 0 {
        let r = Rlimit64 { rlim_cur: U64::new(old.rlim_cur), rlim_max: U64::new(old.rlim_max) };
        ctx.mem.write_obj(a[3], &r)?;
    }
    Ok(0)
}

/// Implements ugetrlimit (nr 191, compat_sys_getrlimit): limits above 32 bits, infinity
/// included, saturate to `COMPAT_RLIM_INFINITY`.
fn ugetrlimit(ctx: &mut Ctx, a: &Args) -> SysResult {
    let r = own_limit(a[0])?;
    let sat = |v: u64| U32::new(v.min(u64::from(RLIM32_INFINITY)) as u32);
    ctx.mem.write_obj(a[1], &Rlimit32 { rlim_cur: sat(r.rlim_cur), rlim_max: sat(r.rlim_max) })?;
    Ok(0)
}

/// Implements the old getrlimit (nr 76, compat_sys_old_getrlimit): limits clamp to 0x7fffffff,
/// and the two fields are stored one after the other.
fn old_getrlimit(ctx: &mut Ctx, a: &Args) -> SysResult {
    if a[0] >= RLIM_NLIMITS {
        return Err(Errno::INVAL.into());
    }
    let r = own_limit(a[0])?;
    ctx.mem.write_u32(a[1], r.rlim_cur.min(OLD_RLIM_MAX) as u32)?;
    ctx.mem.write_u32(GuestAddr::new(a[1]).offset(4)?, r.rlim_max.min(OLD_RLIM_MAX) as u32)?;
    Ok(0)
}

/// Implements setrlimit(2) with 32-bit limits (compat_sys_setrlimit): 0xffffffff is infinity.
fn setrlimit(ctx: &mut Ctx, a: &Args) -> SysResult {
    let r: Rlimit32 = ctx.mem.read_obj(a[1])?;
    let wide = |v: u32| {
        if v == RLIM32_INFINITY {
            libc::RLIM64_INFINITY
        } else {
            u64::from(v)
        }
    };
    let new = libc::rlimit64 { rlim_cur: wide(r.rlim_cur.get()), rlim_max: wide(r.rlim_max.get()) };
    if a[0] == RLIMIT_NOFILE {
        set_nofile(&new)?;
        return Ok(0);
    }
    if a[0] == RLIMIT_AS {
        set_address_space(&new)?;
        return Ok(0);
    }
    host_prlimit(0, a[0], Some(&new))?;
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Scheduling

/// Implements sched_yield(2).
fn sched_yield(_: &mut BlockingCtx, _: &Args) -> SysResult {
    rustix::thread::sched_yield();
    Ok(0)
}

/// The most bytes of CPU mask any kernel uses (`NR_CPUS` is at most 8192).
const MASK_MAX: usize = 1024;

/// `nr_cpu_ids`: one more than the highest possible CPU (/sys/devices/system/cpu/possible).
fn nr_cpu_ids() -> u32 {
    static N: OnceLock<u32> = OnceLock::new();
    *N.get_or_init(|| {
        std::fs::read_to_string("/sys/devices/system/cpu/possible")
            .ok()
            .and_then(|s| s.trim().rsplit([',', '-']).next().and_then(|n| n.parse::<u32>().ok()))
            .map_or(1, |last| last.saturating_add(1))
    })
}

/// The host's CPU mask of `pid`, and `cpumask_size()` (how many bytes of it the kernel hands out).
fn host_affinity(pid: c_long) -> Result<([u8; MASK_MAX], usize), Errno> {
    let mut mask = [0u8; MASK_MAX];
    let n = hostinfo::sched_getaffinity(pid, &mut mask)?;
    Ok((mask, n.min(MASK_MAX)))
}

/// Implements sched_getaffinity(2) (compat_sys_sched_getaffinity): `len` must cover
/// `nr_cpu_ids` bits and be a multiple of 4; the answer is the number of bytes written.
fn sched_getaffinity(ctx: &mut Ctx, a: &Args) -> SysResult {
    let len = a[1];
    if len.wrapping_mul(8) < nr_cpu_ids() || len & 3 != 0 {
        return Err(Errno::INVAL.into());
    }
    let (mask, size) = host_affinity(int(a[0]))?;
    let n = size.min(len as usize);
    ctx.mem.write(a[2], &mask[..n])?;
    Ok(n as u32)
}

/// Implements sched_setaffinity(2) (compat_sys_sched_setaffinity): at most `cpumask_size()`
/// bytes are read, in whole 32-bit words (compat_get_bitmap rounds up); a shorter mask is
/// zero-extended.
fn sched_setaffinity(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (_, size) = host_affinity(0)?;
    let n = (a[1] as usize).min(size);
    let words = n.div_ceil(4) * 4;
    let mut mask = [0u8; MASK_MAX];
    let dst = mask.get_mut(..words).ok_or(Errno::INVAL)?;
    ctx.mem.read(a[2], dst)?;
    let host_len = words.div_ceil(8) * 8;
    hostinfo::sched_setaffinity(int(a[0]), mask.get(..host_len).ok_or(Errno::INVAL)?)?;
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// personality, prctl

/// Implements personality(2): 0xffffffff only asks. The emulator process carries the persona, so
/// the host's answers (uname's machine under PER_LINUX32, for one) follow it.
fn personality(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_personality, [uint(a[0]), 0, 0])
}

/// Implements prctl(2) for the options that carry no layout or only an `int` or a name; the
/// rest answer EINVAL (what the kernel answers for an option it does not know). Options that
/// would reach into the emulator itself (syscall user dispatch, memory-map fields, MDWE) are
/// among those refused; seccomp's are emulated.
fn prctl(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [option, a2, a3, a4, a5, _] = *a;
    let rest = [uint(a3), uint(a4), uint(a5)];
    match option {
        // put_user(value, (int __user *)arg2), after the host has produced the value.
        pr::GET_PDEATHSIG | pr::GET_CHILD_SUBREAPER | pr::GET_TSC => {
            let value = hostinfo::prctl_get_int(option, rest)?;
            ctx.mem.write_u32(a2, value as u32)?;
            Ok(0)
        }
        // strncpy_from_user(comm, arg2, TASK_COMM_LEN - 1): a name may end at a page end.
        pr::SET_NAME => {
            let run = ctx.mem.readable_prefix(a2, pr::TASK_COMM_LEN - 1);
            let name = match run.iter().position(|&b| b == 0) {
                Some(n) => &run[..n],
                None if run.len() == pr::TASK_COMM_LEN - 1 => run,
                None => return Err(Errno::FAULT.into()),
            };
            let mut comm = [0u8; pr::TASK_COMM_LEN];
            comm[..name.len()].copy_from_slice(name);
            Ok(hostinfo::prctl_set_name(&comm, rest)? as u32)
        }
        pr::GET_NAME => {
            let comm = hostinfo::prctl_get_name(rest)?;
            ctx.mem.write(a2, &comm)?;
            Ok(0)
        }
        // Emulated (sys/seccomp.rs): a host filter would judge the emulator's own calls.
        pr::GET_SECCOMP => crate::sys::seccomp::prctl_get(ctx),
        pr::SET_SECCOMP => crate::sys::seccomp::prctl_set(ctx, a2, a3),
        // The options whose arguments are numbers go to the host (hostcall::info's list); the
        // rest are EINVAL.
        _ => Ok(hostinfo::prctl_numbers(option, [uint(a2), uint(a3), uint(a4), uint(a5)])? as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host_sysinfo(totalram: u64, totalswap: u64, mem_unit: u32) -> libc::sysinfo {
        let mut s = crate::hostcall::info::zeroed_sysinfo();
        s.totalram = totalram;
        s.freeram = totalram / 2;
        s.totalswap = totalswap;
        s.mem_unit = mem_unit;
        s.procs = 7;
        s
    }

    #[test]
    fn sysinfo_scales_to_pages_only_when_a_size_exceeds_32_bits() {
        let small = compat_sysinfo(&host_sysinfo(1 << 30, 0, 1));
        assert_eq!((small.totalram.get(), small.mem_unit.get()), (1 << 30, 1));
        let big = compat_sysinfo(&host_sysinfo(24 << 30, 0, 1));
        assert_eq!((big.totalram.get(), big.freeram.get(), big.mem_unit.get()), (6 << 20, 3 << 20, 4096));
        let swap = compat_sysinfo(&host_sysinfo(1 << 30, 8 << 30, 1));
        assert_eq!((swap.totalram.get(), swap.totalswap.get(), swap.mem_unit.get()), (1 << 18, 2 << 20, 4096));
        assert_eq!(swap.procs.get(), 7);
    }
}
