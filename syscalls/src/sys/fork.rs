//! New processes and their reaping: fork(2), vfork(2), clone(2) without `CLONE_VM`, wait4(2),
//! waitpid(2), waitid(2), setpgid(2), setsid(2).
//!
//! A guest process is an emulator process, so a new guest process is a host fork of the whole
//! emulator, made from inside the syscall handler: the child is a copy with the same CPU state and
//! translated code, and simply carries on (the handler returns 0 there, the child's pid in the
//! parent). Guest memory is host memory mapped private (copy-on-write) or shared, and guest fds are
//! host fds, so the kernel's fork semantics come from the host kernel. The host is asked with the
//! guest's own clone flags minus those that carry guest addresses (`CLONE_SETTLS`, the tid
//! pointers), which are done here; `CLONE_VFORK` is the host's too, so the parent sleeps until the
//! child execs (a host execve) or exits.
//!
//! Threads (`CLONE_VM|CLONE_THREAD`, with `CLONE_SIGHAND`, `CLONE_FS` and `CLONE_FILES`, as
//! pthread_create asks) are started by the machine (emu/src/thread.rs, through
//! [`crate::task::spawner`]); other `CLONE_VM` calls without `CLONE_VFORK` (a process sharing
//! memory with its parent) answer ENOSYS. `CLONE_VM|CLONE_VFORK` (glibc's posix_spawn) runs the
//! child on its new stack in a copy of the memory, so what the child writes before it execs
//! (posix_spawn's exec error) never reaches the parent.
//!
//! Waiting is the host's: the status word has the same encoding; `struct rusage` and the waitid
//! `siginfo_t` are written in their i386 layouts, in the order the compat syscalls write them.

use crate::abi::sched::*;
use crate::abi::time::Rusage32;
use crate::entry;
use crate::host;
use crate::mem::GuestMemoryExt;
use crate::table::{Arg::*, Args, Entry};
use crate::task::{Ctx, TLS_ENTRY_MAX, TLS_ENTRY_MIN};
use crate::{abi::nr, Errno, SysResult};
use std::cell::Cell;
use std::ptr::null_mut;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::fork, fork, []).starts_task(),
    entry!(nr::vfork, vfork, []).starts_task(),
    entry!(nr::clone, clone, [Clone, Skip, Skip, Skip, Skip]).starts_task(),
    entry!(nr::wait4, wait4, [Int, WaitStatus, Flags(WAIT_NAMES), Out(&Rusage)]).blocks().restarts(),
    entry!(nr::waitpid, waitpid, [Int, WaitStatus, Flags(WAIT_NAMES)]).blocks().restarts(),
    entry!(nr::waitid, waitid, [Enum(IDTYPE_NAMES), Int, Out(&SigInfo), Flags(WAIT_NAMES), Out(&Rusage)])
        .blocks()
        .restarts(),
    entry!(nr::setpgid, setpgid, [Int, Int]),
    entry!(nr::setsid, setsid, []),
];

const SIGCHLD: u32 = 17;

/// What the run loop changes in the CPU after a syscall, besides `%eax`: a new process starts on
/// the stack clone(2) gave it, and `CLONE_SETTLS` changed a GDT entry the segment registers may hold.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CpuUpdate {
    /// The new `%esp`.
    pub esp: Option<u32>,
    /// Reload `%fs` and `%gs` from the GDT.
    pub reload_segments: bool,
}

thread_local! {
    static CPU_UPDATE: Cell<Option<CpuUpdate>> = const { Cell::new(None) };
}

/// The CPU changes the last syscall asked for (taken: a second call answers `None`).
pub fn take_cpu_update() -> Option<CpuUpdate> {
    CPU_UPDATE.take()
}

/// Implements fork(2).
fn fork(ctx: &mut Ctx, _: &Args) -> SysResult {
    do_clone(ctx, Clone { flags: SIGCHLD, newsp: 0, parent_tid: 0, tls: 0, child_tid: 0 })
}

/// Implements vfork(2): the parent sleeps until the child execs or exits.
fn vfork(ctx: &mut Ctx, _: &Args) -> SysResult {
    do_clone(ctx, Clone { flags: CLONE_VFORK | CLONE_VM | SIGCHLD, newsp: 0, parent_tid: 0, tls: 0, child_tid: 0 })
}

/// Implements clone(2). The i386 argument order is flags, newsp, parent_tid, tls, child_tid
/// (CONFIG_CLONE_BACKWARDS).
fn clone(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_clone(ctx, Clone { flags: a[0], newsp: a[1], parent_tid: a[2], tls: a[3], child_tid: a[4] })
}

/// clone(2)'s arguments.
#[derive(Debug, Clone, Copy)]
struct Clone {
    flags: u32,
    newsp: u32,
    parent_tid: u32,
    tls: u32,
    child_tid: u32,
}

/// copy_process()'s flag checks that come before anything is copied, for the calls the host never
/// sees (those with `CLONE_VM`).
fn check_vm_flags(flags: u32) -> Result<(), Errno> {
    let both = |a: u32, b: u32| flags & (a | b) == a | b;
    if both(CLONE_NEWNS, CLONE_FS) || both(CLONE_NEWUSER, CLONE_FS) {
        return Err(Errno::INVAL);
    }
    if flags & CLONE_THREAD != 0 && flags & CLONE_SIGHAND == 0 {
        return Err(Errno::INVAL);
    }
    if flags & CLONE_THREAD != 0 && flags & (CLONE_NEWUSER | CLONE_NEWPID) != 0 {
        return Err(Errno::INVAL);
    }
    if flags & CLONE_PIDFD != 0 && flags & (CLONE_DETACHED | CLONE_THREAD) != 0 {
        return Err(Errno::INVAL);
    }
    Ok(())
}

/// The GDT entry `CLONE_SETTLS` gives the child, checked in the parent as copy_thread() checks it
/// before the child exists: do_set_thread_area() without allocation (entry -1 is EINVAL).
fn settls_entry(ctx: &mut Ctx, tls: u32) -> Result<(u32, u64), Errno> {
    let index = ctx.mem.read_u32(tls)?;
    if !(TLS_ENTRY_MIN..=TLS_ENTRY_MAX).contains(&index) {
        return Err(Errno::INVAL);
    }
    // set_thread_area(2) decodes and checks the descriptor; it runs on the parent's GDT, whose
    // entry is put back.
    let set_thread_area = crate::table::lookup(nr::set_thread_area).ok_or(Errno::NOSYS)?;
    let saved = ctx.mem.gdt_entry(index);
    let result = (set_thread_area.handler)(ctx, &[tls, 0, 0, 0, 0, 0]);
    let desc = ctx.mem.gdt_entry(index);
    ctx.mem.set_gdt_entry(index, saved);
    match result {
        Ok(_) => Ok((index, desc)),
        Err(crate::SysError::Errno(e)) => Err(e),
        Err(_) => Err(Errno::INVAL),
    }
}

fn do_clone(ctx: &mut Ctx, c: Clone) -> SysResult {
    if let Some(t) = &ctx.task.tracer {
        // As strace -f: with more than one process or thread, lines name theirs.
        t.several();
    }
    let mut flags = c.flags;
    if flags & CLONE_VM != 0 {
        check_vm_flags(flags)?;
        if flags & CLONE_VFORK == 0 {
            return clone_thread(ctx, c);
        }
        // posix_spawn's clone: a vfork whose child runs on the new stack, in a copy of memory.
        flags &= !CLONE_VM;
    }
    // Legacy clone returns the pidfd through parent_tid, so the two cannot both be asked for.
    if flags & CLONE_PIDFD != 0 && flags & CLONE_PARENT_SETTID != 0 {
        return Err(Errno::INVAL.into());
    }
    let tls = if flags & CLONE_SETTLS != 0 { Some(settls_entry(ctx, c.tls)?) } else { None };
    if flags & CLONE_PIDFD != 0 {
        // copy_process() stores the pidfd before the child exists; a bad pointer fails the call.
        ctx.mem.slice_mut(c.parent_tid, 4)?;
    }
    let host_flags = flags & !(CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID);
    let mut pidfd: libc::c_int = -1;
    let pid = if host_flags == SIGCHLD {
        // SAFETY: the emulator is single-threaded; the child continues with a copy of everything.
        host(unsafe { libc::fork() }.into())?
    } else {
        // SAFETY: no CLONE_VM and no new stack: the host child is a copy-on-write copy of this
        // process that returns here, as with fork. `pidfd` outlives the call.
        host(unsafe {
            libc::syscall(libc::SYS_clone, libc::c_ulong::from(host_flags), 0usize, &mut pidfd, 0usize, 0usize)
        })?
    };
    if pid == 0 {
        child_starts(ctx, &c, tls);
        return Ok(0);
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        // kernel_clone() ignores a failure to store it.
        let _ = ctx.mem.write_u32(c.parent_tid, pid as u32);
    }
    if flags & CLONE_PIDFD != 0 {
        let fd = crate::sys::fd::new_guest_fd(pidfd)?;
        ctx.mem.write_u32(c.parent_tid, fd)?;
    }
    Ok(pid as u32)
}

/// The child's side of clone(2): what copy_process() and schedule_tail() set up for it.
fn child_starts(ctx: &mut Ctx, c: &Clone, tls: Option<(u32, u64)>) {
    let tid = rustix::thread::gettid().as_raw_nonzero().get() as u32;
    ctx.task.clear_child_tid = if c.flags & CLONE_CHILD_CLEARTID != 0 { c.child_tid } else { 0 };
    ctx.task.robust_list = (0, 0);
    // A new process starts with no pending signals: drop what the parent recorded but had not
    // delivered yet.
    super::signal::after_fork_child(&ctx.task.signals);
    if c.flags & CLONE_CHILD_SETTID != 0 {
        // schedule_tail() ignores a failure to store it.
        let _ = ctx.mem.write_u32(c.child_tid, tid);
    }
    let mut update = CpuUpdate::default();
    if let Some((index, desc)) = tls {
        ctx.mem.set_gdt_entry(index, desc);
        update.reload_segments = true;
    }
    if c.newsp != 0 {
        update.esp = Some(c.newsp);
    }
    if update != CpuUpdate::default() {
        CPU_UPDATE.set(Some(update));
    }
}

/// A new thread: what copy_process() checks and stores in the parent, the rest by the machine.
fn clone_thread(ctx: &mut Ctx, c: Clone) -> SysResult {
    let flags = c.flags;
    let thread = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_FS | CLONE_FILES;
    let Some(spawn) = crate::task::spawner().filter(|_| flags & thread == thread) else {
        warn_once_vm(flags);
        return Err(Errno::NOSYS.into());
    };
    let tls = if flags & CLONE_SETTLS != 0 { Some(settls_entry(ctx, c.tls)?) } else { None };
    let start = crate::task::ThreadStart { flags, newsp: c.newsp, tls, child_tid: c.child_tid };
    let tid = spawn(ctx, start)?;
    if flags & CLONE_PARENT_SETTID != 0 {
        // kernel_clone() ignores a failure to store it.
        let _ = ctx.mem.write_u32(c.parent_tid, tid);
    }
    Ok(tid)
}

fn warn_once_vm(flags: u32) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| log::warn!("clone with CLONE_VM but not a whole thread ({flags:#x}): not supported, ENOSYS"));
}

/// Implements wait4(2): kernel_wait4() and compat put_compat_rusage(), status first.
fn wait4(ctx: &mut Ctx, a: &Args) -> SysResult {
    wait(ctx, a[0], a[1], a[2], a[3])
}

/// Implements waitpid(2): wait4 without rusage.
fn waitpid(ctx: &mut Ctx, a: &Args) -> SysResult {
    wait(ctx, a[0], a[1], a[2], 0)
}

fn wait(ctx: &mut Ctx, pid: u32, status_ptr: u32, options: u32, rusage_ptr: u32) -> SysResult {
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is valid.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let ru_arg = if rusage_ptr != 0 { &mut ru as *mut libc::rusage } else { null_mut() };
    // SAFETY: `status` and `ru` outlive the call. The host checks options and pid as the kernel does.
    let ret = host(unsafe { libc::syscall(libc::SYS_wait4, pid as i32, &mut status, options as libc::c_int, ru_arg) })?;
    if ret > 0 {
        if status_ptr != 0 {
            ctx.mem.write_u32(status_ptr, status as u32)?;
        }
        if rusage_ptr != 0 {
            ctx.mem.write_obj(rusage_ptr, &Rusage32::from_host(&ru))?;
        }
    }
    Ok(ret as u32)
}

/// Implements waitid(2) as compat_sys_waitid(): rusage only when a child was found, then the six
/// `siginfo_t` fields one by one (si_signo, si_errno, si_code at 0, 4, 8; si_pid, si_uid, si_status
/// at 12, 16, 20 in the i386 layout), the rest of the struct untouched.
fn waitid(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (which, id, infop, options, rusage_ptr) = (a[0], a[1], a[2], a[3], a[4]);
    // SAFETY: all-zero siginfo and rusage are valid; zero si_signo means "no child".
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let ru_arg = if rusage_ptr != 0 { &mut ru as *mut libc::rusage } else { null_mut() };
    // SAFETY: `info` and `ru` outlive the call. A pidfd is a guest fd, which is a host fd; the
    // emulator's own fds are not pidfds, so the host answers EBADF for them as for closed ones.
    host(unsafe {
        libc::syscall(libc::SYS_waitid, which as libc::c_int, id as i32, &mut info, options as libc::c_int, ru_arg)
    })?;
    if info.si_signo != 0 && rusage_ptr != 0 {
        ctx.mem.write_obj(rusage_ptr, &Rusage32::from_host(&ru))?;
    }
    if infop == 0 {
        return Ok(0);
    }
    // SAFETY: the host filled a SIGCHLD siginfo (or left it zero); these are its fields.
    let (pid, uid, status) = unsafe { (info.si_pid(), info.si_uid(), info.si_status()) };
    let fields = [info.si_signo as u32, 0, info.si_code as u32, pid as u32, uid, status as u32];
    for (i, value) in (0u32..).zip(fields) {
        ctx.mem.write_u32(infop.checked_add(4 * i).ok_or(Errno::FAULT)?, value)?;
    }
    Ok(0)
}

/// Implements setpgid(2).
fn setpgid(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: plain integer arguments.
    Ok(host(unsafe { libc::syscall(libc::SYS_setpgid, a[0] as i32, a[1] as i32) })? as u32)
}

/// Implements setsid(2).
fn setsid(_: &mut Ctx, _: &Args) -> SysResult {
    // SAFETY: no arguments.
    Ok(host(unsafe { libc::syscall(libc::SYS_setsid) })? as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_flag_combinations_are_refused_as_copy_process_refuses_them() {
        assert_eq!(check_vm_flags(CLONE_VM | CLONE_THREAD), Err(Errno::INVAL));
        assert_eq!(check_vm_flags(CLONE_VM | CLONE_FS | CLONE_NEWNS), Err(Errno::INVAL));
        assert_eq!(check_vm_flags(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD), Ok(()));
    }

    #[test]
    fn cpu_update_is_taken_once() {
        CPU_UPDATE.set(Some(CpuUpdate { esp: Some(16), reload_segments: false }));
        assert_eq!(take_cpu_update().and_then(|u| u.esp), Some(16));
        assert_eq!(take_cpu_update(), None);
    }
}
