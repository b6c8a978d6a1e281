//! New processes and their reaping: fork(2), vfork(2), clone(2), clone3(2), wait4(2),
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
//! Threads (`CLONE_THREAD`, which needs `CLONE_SIGHAND` and `CLONE_VM`) are started by the
//! machine (emu/src/thread.rs, through [`crate::task::Machine::start_task`]); without `CLONE_FILES` or
//! `CLONE_FS` the new host thread unshares those. A `CLONE_VM` call without `CLONE_THREAD` or
//! `CLONE_VFORK` (a process sharing memory with its parent) is started by the machine too, as a
//! host process made with the host's `clone(CLONE_VM)`, which shares the emulator's memory and so
//! the guest's. `CLONE_VM|CLONE_VFORK` (glibc's posix_spawn) runs the child on its new stack in a
//! copy of the memory, so what the child writes before it execs (posix_spawn's exec error) never
//! reaches the parent.
//!
//! clone3(2) reads its `struct clone_args` (64-bit fields on i386 too) as
//! copy_clone_args_from_user() does and checks it as clone3_args_valid() does, then takes the
//! same path; a forked child is made with the host's clone3, which checks `set_tid` and the
//! cgroup itself. `CLONE_CLEAR_SIGHAND` is done on the guest's dispositions in the child.
//!
//! Waiting is the host's: the status word has the same encoding; `struct rusage` and the waitid
//! `siginfo_t` are written in their i386 layouts, in the order the compat syscalls write them.

use crate::abi::sched::*;
use crate::abi::time::Rusage32;
use crate::entry;
use crate::hostcall;
use crate::mem::{GuestAddr, GuestMemoryExt};
use crate::row::{Arg::*, Args, Entry};
use crate::task::{BlockingCtx, Ctx, TLS_ENTRY_MAX, TLS_ENTRY_MIN};
use crate::{abi::nr, Errno, SysResult};
use zerocopy::FromBytes;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::fork, fork, []).starts_task(),
    entry!(nr::vfork, vfork, []).starts_task(),
    entry!(nr::clone, clone, [Clone, Skip, Skip, Skip, Skip]).starts_task(),
    entry!(nr::clone3, clone3, [Clone3Args, Uint]).starts_task(),
    entry!(nr::wait4, may_block wait4, [Int, WaitStatus, Flags(WAIT_NAMES), Out(&Rusage)]).blocks().restarts(),
    entry!(nr::waitpid, may_block waitpid, [Int, WaitStatus, Flags(WAIT_NAMES)]).blocks().restarts(),
    entry!(nr::waitid, may_block waitid, [Enum(IDTYPE_NAMES), Int, Out(&SigInfo), Flags(WAIT_NAMES), Out(&Rusage)])
        .blocks()
        .restarts(),
    entry!(nr::setpgid, setpgid, [Int, Int]),
    entry!(nr::setsid, setsid, []),
];

const SIGCHLD: u32 = 17;

/// Implements fork(2).
fn fork(ctx: &mut Ctx, _: &Args) -> SysResult {
    do_clone(ctx, Clone::legacy(SIGCHLD, 0, 0, 0, 0))
}

/// Implements vfork(2): the parent sleeps until the child execs or exits.
fn vfork(ctx: &mut Ctx, _: &Args) -> SysResult {
    do_clone(ctx, Clone::legacy(CLONE_VFORK | CLONE_VM | SIGCHLD, 0, 0, 0, 0))
}

/// Implements clone(2). The i386 argument order is flags, newsp, parent_tid, tls, child_tid
/// (CONFIG_CLONE_BACKWARDS); the pidfd of `CLONE_PIDFD` goes where parent_tid points.
fn clone(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_clone(ctx, Clone::legacy(a[0], a[1], a[2], a[3], a[4]))
}

/// Implements clone3(2): copy_clone_args_from_user(), then clone3_args_valid(), then the
/// common path (kernel_clone()).
fn clone3(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (uargs, size) = (a[0], a[1]);
    if size > 4096 {
        return Err(Errno::TOOBIG.into());
    }
    if size < CLONE_ARGS_SIZE_VER0 {
        return Err(Errno::INVAL.into());
    }
    let args = read_clone_args(ctx, uargs, size)?;
    let (flags, exit_signal) = (args.flags.get(), args.exit_signal.get());
    let (set_tid, set_tid_size) = (args.set_tid.get(), args.set_tid_size.get());
    if set_tid_size > MAX_PID_NS_LEVEL || (set_tid == 0 && set_tid_size > 0) || (set_tid != 0 && set_tid_size == 0) {
        return Err(Errno::INVAL.into());
    }
    // The exit signal: no bits above CSIGNAL, and a valid signal (valid_signal(): <= _NSIG).
    if exit_signal & !u64::from(CSIGNAL) != 0 || exit_signal > 64 {
        return Err(Errno::INVAL.into());
    }
    if flags & CLONE_INTO_CGROUP != 0 && (args.cgroup.get() > i32::MAX as u64 || size < CLONE_ARGS_SIZE_VER2) {
        return Err(Errno::INVAL.into());
    }
    let mut tids = Vec::new();
    if set_tid != 0 {
        let addr = GuestAddr::new(u32::try_from(set_tid).map_err(|_| Errno::FAULT)?);
        for i in 0..set_tid_size as u32 {
            tids.push(ctx.mem.read_u32(addr.index::<u32>(i)?)? as i32);
        }
    }
    // clone3_args_valid().
    let known = CLONE_LEGACY_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP;
    let low = u64::from(CLONE_DETACHED | CSIGNAL);
    let sighand = u64::from(CLONE_SIGHAND) | CLONE_CLEAR_SIGHAND;
    let (stack, stack_size) = (args.stack.get(), args.stack_size.get());
    let stack_ok = if stack == 0 {
        stack_size == 0
    } else {
        // access_ok(stack, stack_size) on a 64-bit kernel: below TASK_SIZE_MAX.
        stack_size != 0 && stack.checked_add(stack_size).is_some_and(|end| end <= 0x7fff_ffff_f000)
    };
    if flags & !known != 0
        || flags & low != 0
        || flags & sighand == sighand
        || (flags & u64::from(CLONE_THREAD | CLONE_PARENT) != 0 && exit_signal != 0)
        || !stack_ok
    {
        return Err(Errno::INVAL.into());
    }
    // The guest's pointers are 32-bit: a pointer above 4 GiB cannot be written (EFAULT where the
    // kernel stores through it).
    let ptr = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    let c = Clone {
        flags: flags as u32 | exit_signal as u32,
        clear_sighand: flags & CLONE_CLEAR_SIGHAND != 0,
        newsp: ptr(stack.wrapping_add(stack_size)),
        parent_tid: ptr(args.parent_tid.get()),
        pidfd: ptr(args.pidfd.get()),
        tls: ptr(args.tls.get()),
        child_tid: ptr(args.child_tid.get()),
        clone3: Some(Clone3 { set_tid: tids, cgroup: (flags & CLONE_INTO_CGROUP != 0).then(|| args.cgroup.get()) }),
    };
    do_clone(ctx, c)
}

/// copy_struct_from_user(): a larger struct than the kernel's must have zero bytes past its
/// end (E2BIG otherwise); a smaller one is zero-extended.
fn read_clone_args(ctx: &mut Ctx, uargs: u32, size: u32) -> Result<CloneArgs, Errno> {
    let known = CLONE_ARGS_SIZE_VER2;
    if size > known {
        let tail = ctx.mem.slice(GuestAddr::new(uargs).offset(known)?.get(), (size - known) as usize)?;
        if tail.iter().any(|&b| b != 0) {
            return Err(Errno::TOOBIG);
        }
    }
    let n = size.min(known) as usize;
    let mut raw = [0u8; CLONE_ARGS_SIZE_VER2 as usize];
    raw[..n].copy_from_slice(ctx.mem.slice(uargs, n)?);
    CloneArgs::read_from_bytes(&raw).map_err(|_| Errno::FAULT)
}

/// What kernel_clone() gets: clone(2)'s arguments or clone3(2)'s.
#[derive(Debug, Clone)]
struct Clone {
    /// The `CLONE_*` flags of the low 32 bits, with the exit signal in the low byte.
    flags: u32,
    /// clone3's `CLONE_CLEAR_SIGHAND`.
    clear_sighand: bool,
    newsp: u32,
    parent_tid: u32,
    /// Where `CLONE_PIDFD` stores the pidfd (legacy clone: `parent_tid`).
    pidfd: u32,
    tls: u32,
    child_tid: u32,
    /// clone3's extras, passed to the host's clone3.
    clone3: Option<Clone3>,
}

#[derive(Debug, Clone)]
struct Clone3 {
    set_tid: Vec<i32>,
    cgroup: Option<u64>,
}

impl Clone {
    fn legacy(flags: u32, newsp: u32, parent_tid: u32, tls: u32, child_tid: u32) -> Clone {
        Clone { flags, clear_sighand: false, newsp, parent_tid, pidfd: parent_tid, tls, child_tid, clone3: None }
    }
}

/// copy_process()'s flag checks that come before anything is copied, in its order (the host
/// repeats them for the calls it sees; threads it never sees).
fn check_flags(flags: u32) -> Result<(), Errno> {
    let both = |a: u32, b: u32| flags & (a | b) == a | b;
    if both(CLONE_NEWNS, CLONE_FS) || both(CLONE_NEWUSER, CLONE_FS) {
        return Err(Errno::INVAL);
    }
    if flags & CLONE_THREAD != 0 && flags & CLONE_SIGHAND == 0 {
        return Err(Errno::INVAL);
    }
    if flags & CLONE_SIGHAND != 0 && flags & CLONE_VM == 0 {
        return Err(Errno::INVAL);
    }
    if flags & CLONE_THREAD != 0 && flags & (CLONE_NEWUSER | CLONE_NEWPID) != 0 {
        return Err(Errno::INVAL);
    }
    if flags & CLONE_PIDFD != 0 && flags & CLONE_DETACHED != 0 {
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
    let saved = ctx.mem.gdt_entry(index);
    let result = super::process::set_thread_area(ctx, &[tls, 0, 0, 0, 0, 0]);
    let desc = ctx.mem.gdt_entry(index);
    ctx.mem.set_gdt_entry(index, saved);
    match result {
        Ok(_) => Ok((index, desc)),
        Err(crate::SysError::Errno(e)) => Err(e),
        Err(_) => Err(Errno::INVAL),
    }
}

/// kernel_clone(): the pidfd/parent_tid clash first, then copy_process()'s checks, then the
/// three ways a guest task is made: a thread (the machine's), a process sharing the address
/// space (the machine's too: a host process that shares the emulator's memory), or a host fork.
fn do_clone(ctx: &mut Ctx, c: Clone) -> SysResult {
    if let Some(t) = &ctx.task.tracer {
        // As strace -f: with more than one process or thread, lines name theirs.
        t.several();
    }
    let mut flags = c.flags;
    if flags & CLONE_PIDFD != 0 && flags & CLONE_PARENT_SETTID != 0 && c.pidfd == c.parent_tid {
        return Err(Errno::INVAL.into());
    }
    check_flags(flags)?;
    if flags & CLONE_VM != 0 {
        if flags & CLONE_THREAD != 0 {
            return clone_thread(ctx, c);
        }
        if flags & CLONE_VFORK == 0 {
            return clone_vm_process(ctx, c);
        }
        // posix_spawn's clone: a vfork whose child runs on the new stack, in a copy of memory.
        flags &= !CLONE_VM;
    }
    let tls = if flags & CLONE_SETTLS != 0 { Some(settls_entry(ctx, c.tls)?) } else { None };
    if flags & CLONE_PIDFD != 0 {
        // copy_process() stores the pidfd before the child exists; a bad pointer fails the call.
        ctx.mem.slice_mut(c.pidfd, 4)?;
    }
    let host_flags = flags & !(CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID);
    let clone3 = c.clone3.as_ref().map(|e| hostcall::fork::Clone3 { set_tid: &e.set_tid, cgroup: e.cgroup });
    let (pid, pidfd) = hostcall::fork::copy_process(host_flags, clone3)?;
    if pid == 0 {
        crate::sys::rseq::fork_child(ctx.task, c.flags & CLONE_VM != 0);
        child_starts(ctx, &c, tls);
        return Ok(0);
    }
    if flags & CLONE_PIDFD != 0 {
        let fd = crate::sys::fd::new_guest_fd(pidfd)?;
        ctx.mem.write_u32(c.pidfd, fd)?;
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        // kernel_clone() ignores a failure to store it.
        let _ = ctx.mem.write_u32(c.parent_tid, pid as u32);
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
    // dup_mmap(): memory locks are not inherited (nor mlockall's MCL_FUTURE).
    let mm = ctx.task.mm.get_mut(ctx.held);
    let locked = crate::space::vm::LOCKED_MASK;
    mm.def_flags &= !locked;
    mm.change_flags(0, crate::space::TASK_SIZE, &|v| v.flags & !locked);
    if c.clear_sighand {
        ctx.task.signals.clear_handlers(ctx.held);
    }
    if c.flags & CLONE_CHILD_SETTID != 0 {
        // schedule_tail() ignores a failure to store it.
        let _ = ctx.mem.write_u32(c.child_tid, tid);
    }
    if let Some((index, desc)) = tls {
        ctx.mem.set_gdt_entry(index, desc);
        ctx.machine.reload_segments();
    }
    if c.newsp != 0 {
        ctx.machine.set_stack(c.newsp);
    }
}

/// A new thread (`CLONE_THREAD`, so `CLONE_SIGHAND` and `CLONE_VM` too): what copy_process()
/// checks and stores in the parent, the rest by the machine.
fn clone_thread(ctx: &mut Ctx, c: Clone) -> SysResult {
    if !super::ns::thread_allowed() {
        return Err(Errno::INVAL.into());
    }
    spawn_task(ctx, c)
}

/// A process that shares the caller's memory (`CLONE_VM` without `CLONE_THREAD` or
/// `CLONE_VFORK`): the machine starts it as it starts a thread, but in a host process of its own.
fn clone_vm_process(ctx: &mut Ctx, c: Clone) -> SysResult {
    if c.clone3.as_ref().is_some_and(|e| !e.set_tid.is_empty() || e.cgroup.is_some()) {
        warn_once_vm(c.flags);
        return Err(Errno::NOSYS.into());
    }
    spawn_task(ctx, c)
}

fn spawn_task(ctx: &mut Ctx, c: Clone) -> SysResult {
    let flags = c.flags;
    let tls = if flags & CLONE_SETTLS != 0 { Some(settls_entry(ctx, c.tls)?) } else { None };
    if flags & CLONE_PIDFD != 0 {
        // copy_process() stores the pidfd before the child exists; a bad pointer fails the call.
        ctx.mem.slice_mut(c.pidfd, 4)?;
    }
    let start =
        crate::task::ThreadStart { flags, clear_sighand: c.clear_sighand, newsp: c.newsp, tls, child_tid: c.child_tid };
    let (tid, pidfd) = match ctx.machine.start_task(ctx.mem, ctx.task, start, ctx.held) {
        Err(Errno::NOSYS) => {
            warn_once_vm(flags);
            return Err(Errno::NOSYS.into());
        }
        started => started?,
    };
    if flags & CLONE_PIDFD != 0 {
        let fd = crate::sys::fd::new_guest_fd(pidfd)?;
        ctx.mem.write_u32(c.pidfd, fd)?;
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        // kernel_clone() ignores a failure to store it.
        let _ = ctx.mem.write_u32(c.parent_tid, tid);
    }
    Ok(tid)
}

fn warn_once_vm(flags: u32) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| log::warn!("clone {flags:#x}: the machine cannot start this task, ENOSYS"));
}

/// Implements wait4(2): kernel_wait4() and compat put_compat_rusage(), status first.
fn wait4(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    wait(ctx, a[0], a[1], a[2], a[3])
}

/// Implements waitpid(2): wait4 without rusage.
fn waitpid(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    wait(ctx, a[0], a[1], a[2], 0)
}

fn wait<H>(ctx: &mut Ctx<H>, pid: u32, status_ptr: u32, options: u32, rusage_ptr: u32) -> SysResult {
    // The host checks options and pid as the kernel does.
    let (ret, status, ru) = hostcall::wait::wait4(pid as i32, options as libc::c_int, rusage_ptr != 0)?;
    if ret > 0 {
        if status_ptr != 0 {
            ctx.mem.write_u32(status_ptr, status as u32)?;
        }
        if let Some(ru) = &ru {
            ctx.mem.write_obj(rusage_ptr, &Rusage32::from_host(ru))?;
        }
    }
    Ok(ret as u32)
}

/// Implements waitid(2) as compat_sys_waitid(): rusage only when a child was found, then the six
/// `siginfo_t` fields one by one (si_signo, si_errno, si_code at 0, 4, 8; si_pid, si_uid, si_status
/// at 12, 16, 20 in the i386 layout), the rest of the struct untouched.
fn waitid(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let (which, id, infop, options, rusage_ptr) = (a[0], a[1], a[2], a[3], a[4]);
    // A pidfd is a guest fd, which is a host fd; the emulator's own fds are not pidfds, so the
    // host answers EBADF for them as for closed ones.
    let (info, ru) = hostcall::wait::waitid(which as libc::c_int, id as i32, options as libc::c_int, rusage_ptr != 0)?;
    if let Some(ru) = ru.as_ref().filter(|_| info.signo != 0) {
        ctx.mem.write_obj(rusage_ptr, &Rusage32::from_host(ru))?;
    }
    if infop == 0 {
        return Ok(0);
    }
    let fields = [info.signo as u32, 0, info.code as u32, info.pid as u32, info.uid, info.status as u32];
    for (i, value) in (0u32..).zip(fields) {
        ctx.mem.write_u32(GuestAddr::new(infop).index::<u32>(i)?, value)?;
    }
    Ok(0)
}

/// Implements setpgid(2).
fn setpgid(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(hostcall::numbers(libc::SYS_setpgid, &[(a[0] as i32).into(), (a[1] as i32).into()])? as u32)
}

/// Implements setsid(2).
fn setsid(_: &mut Ctx, _: &Args) -> SysResult {
    Ok(hostcall::numbers(libc::SYS_setsid, &[])? as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_flag_combinations_are_refused_as_copy_process_refuses_them() {
        assert_eq!(check_flags(CLONE_VM | CLONE_THREAD), Err(Errno::INVAL));
        assert_eq!(check_flags(CLONE_VM | CLONE_FS | CLONE_NEWNS), Err(Errno::INVAL));
        assert_eq!(check_flags(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD), Ok(()));
    }

    /// clone(2) of a thread through a fake machine: copy_process()'s checks come first (nothing
    /// is started when they fail), then the machine starts the task, then the parent's tid word.
    #[test]
    fn a_thread_is_started_by_the_machine_after_the_checks() {
        use crate::abi::nr;
        use crate::task::testing::parts;
        let (mut mem, mut task, mut machine, mut held) = parts();
        let thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
        let clone = |flags: u32, parent_tid: u32| [flags, 0x1_8000, parent_tid, 0, 0, 0];
        let mut ctx = Ctx { mem: &mut mem, task: &mut task, machine: &mut machine, held: &mut held };
        // CLONE_THREAD without CLONE_SIGHAND: EINVAL, and no task.
        let flow = crate::table::dispatch(&mut ctx, nr::clone, &clone(CLONE_VM | CLONE_THREAD, 0));
        assert_eq!(flow, crate::Flow::Return((Errno::INVAL.raw_os_error() as u32).wrapping_neg()));
        let flow = crate::table::dispatch(&mut ctx, nr::clone, &clone(thread | CLONE_PARENT_SETTID, 0x10010));
        assert_eq!(flow, crate::Flow::Return(1000));
        assert_eq!(ctx.mem.read_u32(0x10010), Ok(1000));
        assert_eq!(machine.started.len(), 1);
        assert_eq!((machine.started[0].flags & thread, machine.started[0].newsp), (thread, 0x1_8000));
    }
}
