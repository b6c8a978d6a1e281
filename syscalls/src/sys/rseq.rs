//! Restartable sequences: rseq(2), as kernel/rseq.c (Linux 6.18) answers a 32-bit task.
//!
//! A registration is per thread ([`Task::rseq`]): a new thread (`CLONE_VM`) starts without one, a
//! fork keeps it (rseq_fork()), execve, which starts the emulator afresh, drops it.
//!
//! What the kernel does on the way back to user space after a preemption or before a signal
//! handler runs (__rseq_handle_notify_resume()) is [`resume`]: the emulator calls it where a guest
//! thread runs again after another guest thread had the CPU (the emulator lock's hand-over), when
//! a signal frame is built, and after every syscall, where only the CPU fields are brought up to
//! date if the host thread moved. The CPU, node and concurrency id are the host kernel's for the
//! host thread that runs the guest thread (read from the area the host's C library registered).
//! Any failure there is the kernel's force_sigsegv(): the caller ends the program with SIGSEGV
//! (the kernel's SIGSEGV would reach a handler only through another signal delivery, whose own
//! rseq check fails the same way).

use crate::entry;
use crate::hostcall::cpu::host_cpu;
use crate::mem::{GuestMemory, GuestMemoryExt};
use crate::row::{Arg::*, Args, Entry};
use crate::space::TASK_SIZE;
use crate::task::{Ctx, Task};
use crate::{abi::nr, Errno, SysResult};
use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub static ENTRIES: &[Entry] = &[entry!(nr::rseq, rseq, [Ptr, Hex, Flags(RSEQ_FLAGS), Hex])];

const RSEQ_FLAG_UNREGISTER: u32 = 1;
const RSEQ_FLAGS: &[(u32, &str)] = &[(RSEQ_FLAG_UNREGISTER, "RSEQ_FLAG_UNREGISTER")];

/// The original `struct rseq` size, which is also its alignment (ORIG_RSEQ_SIZE).
const ORIG_RSEQ_SIZE: u32 = 32;
/// `__alignof__(struct rseq)`: AT_RSEQ_ALIGN.
const RSEQ_ALIGN: u32 = 32;
/// `offsetof(struct rseq, end)`: AT_RSEQ_FEATURE_SIZE.
const RSEQ_FEATURE_SIZE: u32 = 28;
/// RSEQ_CPU_ID_UNINITIALIZED, what cpu_id reads after unregistration.
const CPU_ID_UNINITIALIZED: u32 = u32::MAX;

/// Offsets in `struct rseq` (uapi/linux/rseq.h).
const OFF_CPU_ID_START: u32 = 0;
const OFF_RSEQ_CS: u32 = 8;
const OFF_FLAGS: u32 = 16;
const OFF_NODE_ID: u32 = 20;

/// `struct rseq_cs` (uapi/linux/rseq.h): the same layout on i386 (its u64 fields are explicit).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct RseqCs {
    version: U32,
    flags: U32,
    start_ip: U64,
    post_commit_offset: U64,
    abort_ip: U64,
}
const _: () = assert!(size_of::<RseqCs>() == 32);

pub use crate::state::Registration;

/// Why the thread comes back to the guest, for [`resume`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A syscall returns or the CPU stopped, and no other guest thread ran: only the CPU fields
    /// change, if the host thread moved.
    Return,
    /// Another guest thread had the CPU meanwhile (RSEQ_EVENT_PREEMPT).
    Preempt,
    /// A handler frame is about to be built (rseq_signal_deliver()).
    Signal,
}

/// Implements rseq(2): sys_rseq()'s checks in its order.
fn rseq(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (addr, len, flags, sig) = (a[0], a[1], a[2], a[3]);
    let current = ctx.task.rseq;
    if flags & RSEQ_FLAG_UNREGISTER != 0 {
        if flags & !RSEQ_FLAG_UNREGISTER != 0 {
            return Err(Errno::INVAL.into());
        }
        let Some(reg) = current.filter(|r| r.addr == addr) else {
            return Err(Errno::INVAL.into());
        };
        if len != reg.len {
            return Err(Errno::INVAL.into());
        }
        if sig != reg.sig {
            return Err(Errno::PERM.into());
        }
        // rseq_reset_rseq_cpu_node_id()
        write_ids(ctx.mem, addr, (0, CPU_ID_UNINITIALIZED, 0, 0))?;
        ctx.task.rseq = None;
        return Ok(0);
    }
    if flags != 0 {
        return Err(Errno::INVAL.into());
    }
    if let Some(reg) = current {
        if reg.addr != addr || reg.len != len {
            return Err(Errno::INVAL.into());
        }
        if reg.sig != sig {
            return Err(Errno::PERM.into());
        }
        return Err(Errno::BUSY.into());
    }
    if len < ORIG_RSEQ_SIZE
        || (len == ORIG_RSEQ_SIZE && addr % ORIG_RSEQ_SIZE != 0)
        || (len != ORIG_RSEQ_SIZE && (addr % RSEQ_ALIGN != 0 || len < RSEQ_FEATURE_SIZE))
    {
        return Err(Errno::INVAL.into());
    }
    // access_ok() of a 64-bit kernel passes every 32-bit range. A non-NULL rseq_cs is cleared.
    let cs = read_u64(ctx.mem, addr.wrapping_add(OFF_RSEQ_CS))?;
    if cs != 0 {
        clear_rseq_cs(ctx.mem, addr)?;
    }
    ctx.task.rseq = Some(Registration { addr, len, sig, written: None });
    Ok(0)
}

/// A new process made without `CLONE_VM` keeps the registration; with it (vfork), the child has
/// none (rseq_fork()).
pub fn fork_child(task: &mut Task, clone_vm: bool) {
    if clone_vm {
        task.rseq = None;
    }
}

/// __rseq_handle_notify_resume() for a thread about to run guest code at `ip`: the critical
/// section abort when `event` is a preemption or a signal, then the CPU fields. `Ok(Some(ip))`:
/// the guest resumes there instead. `Err`: the kernel's force_sigsegv().
/// `ip` gives the guest's instruction pointer; it is asked only when a critical section may need
/// the abort (the common syscall return does not read the CPU).
pub fn resume(
    mem: &mut dyn GuestMemory,
    task: &mut Task,
    ip: impl FnOnce() -> u32,
    event: Event,
) -> Result<Option<u32>, Errno> {
    let Some(reg) = task.rseq.as_ref() else {
        return Ok(None);
    };
    let ids = host_cpu();
    // Compared in place: a copy of the registration, read back at once across its two stores,
    // stalled every syscall return for the stores to retire.
    if event == Event::Return && reg.written.as_ref() == Some(&ids) {
        return Ok(None);
    }
    let reg = *reg;
    // A registration's first return (the kernel's notify-resume without an event) only writes
    // the fields; a return after a migration is a preemption in the kernel's terms, but no other
    // guest thread ran, so no critical section can have lost its atomicity.
    let new_ip = if event == Event::Return { None } else { ip_fixup(mem, &reg, ip())? };
    write_ids(mem, reg.addr, (ids.0, ids.0, ids.1, ids.2))?;
    if let Some(r) = task.rseq.as_mut() {
        r.written = Some(ids);
    }
    Ok(new_ip)
}

/// rseq_ip_fixup(): the descriptor's checks (rseq_get_rseq_cs()), then the abort if `ip` is
/// inside the critical section.
fn ip_fixup(mem: &mut dyn GuestMemory, reg: &Registration, ip: u32) -> Result<Option<u32>, Errno> {
    let ptr = read_u64(mem, reg.addr.wrapping_add(OFF_RSEQ_CS))?;
    if ptr == 0 {
        return Ok(None);
    }
    if ptr >= TASK_SIZE {
        return Err(Errno::INVAL);
    }
    let cs: RseqCs = read_obj64(mem, ptr)?;
    let (start, pco, abort) = (cs.start_ip.get(), cs.post_commit_offset.get(), cs.abort_ip.get());
    if start >= TASK_SIZE || start.wrapping_add(pco) >= TASK_SIZE || abort >= TASK_SIZE || cs.version.get() > 0 {
        return Err(Errno::INVAL);
    }
    if start.wrapping_add(pco) < start || abort.wrapping_sub(start) < pco {
        return Err(Errno::INVAL);
    }
    // The signature in the four bytes before abort_ip (an abort_ip below 4 wraps out of the
    // 32-bit space: EFAULT).
    let sig = abort.checked_sub(4).ok_or(Errno::FAULT).and_then(|at| read_u32_64(mem, at))?;
    if sig != reg.sig {
        log::warn!("rseq: unexpected signature {sig:#x} before abort_ip {abort:#x}, expecting {:#x}", reg.sig);
        return Err(Errno::INVAL);
    }
    if u64::from(ip).wrapping_sub(start) >= pco {
        clear_rseq_cs(mem, reg.addr)?;
        return Ok(None);
    }
    // rseq_need_restart(): deprecated or unknown flags in the descriptor or the area are EINVAL.
    if cs.flags.get() != 0 || mem.read_u32(reg.addr.wrapping_add(OFF_FLAGS))? != 0 {
        return Err(Errno::INVAL);
    }
    clear_rseq_cs(mem, reg.addr)?;
    // abort_ip < TASK_SIZE: it fits.
    Ok(Some(abort as u32))
}

/// cpu_id_start, cpu_id, node_id and mm_cid, written as the kernel writes them.
fn write_ids(mem: &mut dyn GuestMemory, addr: u32, (start, cpu, node, cid): (u32, u32, u32, u32)) -> Result<(), Errno> {
    let head: Vec<u8> = [start, cpu].iter().flat_map(|v| v.to_le_bytes()).collect();
    mem.write(addr.wrapping_add(OFF_CPU_ID_START), &head)?;
    let tail: Vec<u8> = [node, cid].iter().flat_map(|v| v.to_le_bytes()).collect();
    mem.write(addr.wrapping_add(OFF_NODE_ID), &tail)
}

/// clear_rseq_cs(): the 64-bit field becomes 0.
fn clear_rseq_cs(mem: &mut dyn GuestMemory, addr: u32) -> Result<(), Errno> {
    mem.write(addr.wrapping_add(OFF_RSEQ_CS), &[0; 8])
}

fn read_u64(mem: &dyn GuestMemory, addr: u32) -> Result<u64, Errno> {
    Ok(mem.read_obj::<U64>(addr)?.get())
}

/// A read at a 64-bit user address: past 4 GiB (or wrapping there) it faults.
fn read_obj64<T: FromBytes>(mem: &dyn GuestMemory, addr: u64) -> Result<T, Errno> {
    let at = u32::try_from(addr).map_err(|_| Errno::FAULT)?;
    crate::mem::range_end(at, size_of::<T>())?;
    mem.read_obj(at)
}

fn read_u32_64(mem: &dyn GuestMemory, addr: u64) -> Result<u32, Errno> {
    Ok(read_obj64::<U32>(mem, addr)?.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::testing::FlatMemory;
    use crate::task::testing::parts;

    const SIG: u32 = 0x5305_3053;

    fn call(ctx: &mut Ctx, addr: u32, len: u32, flags: u32, sig: u32) -> Result<u32, Errno> {
        rseq(ctx, &[addr, len, flags, sig, 0, 0]).map_err(|e| match e {
            crate::SysError::Errno(e) => e,
            crate::SysError::Exit(_) => Errno::NOSYS,
        })
    }

    #[test]
    fn registration_checks_in_the_kernels_order() {
        let (mut mem, mut task, mut machine, mut held) = parts();
        let mut ctx = Ctx { mem: &mut mem, task: &mut task, machine: &mut machine, held: &mut held };
        assert_eq!(call(&mut ctx, 0x10000, 32, 2, SIG), Err(Errno::INVAL));
        assert_eq!(call(&mut ctx, 0x10000, 32, 1, SIG), Err(Errno::INVAL));
        assert_eq!(call(&mut ctx, 0x10000, 31, 0, SIG), Err(Errno::INVAL));
        assert_eq!(call(&mut ctx, 0x10010, 32, 0, SIG), Err(Errno::INVAL));
        assert_eq!(call(&mut ctx, 0x30000, 32, 0, SIG), Err(Errno::FAULT));
        ctx.mem.write(0x10008, &[1, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!(call(&mut ctx, 0x10000, 32, 0, SIG), Ok(0));
        assert_eq!(read_u64(ctx.mem, 0x10008), Ok(0));
        assert_eq!(call(&mut ctx, 0x10020, 32, 0, SIG), Err(Errno::INVAL));
        assert_eq!(call(&mut ctx, 0x10000, 32, 0, SIG + 1), Err(Errno::PERM));
        assert_eq!(call(&mut ctx, 0x10000, 32, 0, SIG), Err(Errno::BUSY));
        assert_eq!(call(&mut ctx, 0x10000, 64, 1, SIG), Err(Errno::INVAL));
        assert_eq!(call(&mut ctx, 0x10000, 32, 1, 0), Err(Errno::PERM));
        assert_eq!(call(&mut ctx, 0x10000, 32, 1, SIG), Ok(0));
        assert_eq!(ctx.mem.read_u32(0x10004), Ok(CPU_ID_UNINITIALIZED));
        assert_eq!(call(&mut ctx, 0x10000, 32, 1, SIG), Err(Errno::INVAL));
    }

    #[test]
    fn a_preempted_critical_section_resumes_at_its_abort_handler() {
        let (mut mem, mut task, _, _) = parts();
        task.rseq = Some(Registration { addr: 0x10000, len: 32, sig: SIG, written: None });
        let cs = RseqCs {
            version: U32::new(0),
            flags: U32::new(0),
            start_ip: U64::new(0x10100),
            post_commit_offset: U64::new(0x10),
            abort_ip: U64::new(0x10204),
        };
        let arm = |mem: &mut FlatMemory| {
            mem.write_obj(0x10040, &cs).unwrap();
            mem.write(0x10008, &0x10040u64.to_le_bytes()).unwrap();
        };
        mem.write_u32(0x10200, SIG).unwrap();
        arm(&mut mem);
        // Outside the section: rseq_cs is cleared, the thread resumes where it was.
        assert_eq!(resume(&mut mem, &mut task, || 0x10110, Event::Preempt), Ok(None));
        assert_eq!(read_u64(&mem, 0x10008), Ok(0));
        arm(&mut mem);
        // A syscall return without preemption leaves it alone.
        assert_eq!(resume(&mut mem, &mut task, || 0x10108, Event::Return), Ok(None));
        assert_eq!(read_u64(&mem, 0x10008), Ok(0x10040));
        assert_eq!(resume(&mut mem, &mut task, || 0x1010f, Event::Signal), Ok(Some(0x10204)));
        assert_eq!(read_u64(&mem, 0x10008), Ok(0));
        // A wrong signature before abort_ip.
        arm(&mut mem);
        mem.write_u32(0x10200, SIG + 1).unwrap();
        assert_eq!(resume(&mut mem, &mut task, || 0x10100, Event::Preempt), Err(Errno::INVAL));
        // The CPU fields are the host's.
        let (cpu, node, cid) = host_cpu();
        assert_eq!(mem.read_u32(0x10000), Ok(cpu));
        assert_eq!(mem.read_u32(0x10004), Ok(cpu));
        assert_eq!(mem.read_u32(0x10014), Ok(node));
        assert_eq!(mem.read_u32(0x10018), Ok(cid));
    }
}
