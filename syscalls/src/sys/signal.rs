//! Signals: rt_sigaction(2), sigaction(2), signal(2), rt_sigprocmask(2), sigprocmask(2),
//! rt_sigpending(2), sigpending(2), rt_sigsuspend(2), sigsuspend(2), pause(2),
//! rt_sigtimedwait(2) (both time forms), rt_sigqueueinfo(2), sigaltstack(2), rt_sigreturn(2),
//! sigreturn(2), kill(2), tkill(2), tgkill(2), alarm(2), setitimer(2), getitimer(2).
//!
//! The guest is the emulator process, so the host's signal machinery does the work wherever it is
//! exact: the guest's mask is the host's mask (a blocked signal stays pending in the host kernel),
//! SIG_IGN and SIG_DFL are the host's dispositions (default actions — terminate, core, stop,
//! continue, ignore — happen for real), and a guest handler is a host handler (the one in [`hostcall::sighandler`])
//! that only records the signal and its siginfo and asks the CPU to stop. The run loop then builds
//! the guest's signal frame (emu/src/signal.rs) at the next syscall return or CPU stop.
//!
//! A recorded signal stays blocked on the host until it is delivered to the guest (the host
//! handler adds it to the mask its own sigreturn restores), so each signal has at most one recorded
//! instance and further ones queue in the host kernel as they would in the guest's.
//!
//! Each guest thread is a host thread, so masks, thread-directed signals and the choice of the
//! thread that takes a process-directed signal are the host's too; what the host handler records
//! is per thread (see `RECORDED`), and only the dispositions are per process.
//!
//! Blocking host calls are interrupted by the host handler (installed without SA_RESTART) and
//! answer EINTR; whether the guest sees EINTR or a restarted call is decided once, in the run loop,
//! from the call's table row ([`crate::table::Entry::restart`]) and the guest handler's SA_RESTART.

use crate::abi::nr;
use crate::abi::signal::*;
use crate::abi::time::{KernelTimespec, Timespec32};
use crate::entry;
use crate::hostcall;
use crate::mem::GuestMemoryExt;
use crate::row::{Arg::*, Args, Entry, Ret};
use crate::task::{BlockingCtx, Ctx, Held, Shared};
use crate::{Errno, SysResult};
use zerocopy::little_endian::{I32, U32, U64};
use zerocopy::FromZeros;

/// The interval timers (linux/time.h).
static ITIMER_NAMES: &[(u32, &str)] = &[(0, "ITIMER_REAL"), (1, "ITIMER_VIRTUAL"), (2, "ITIMER_PROF")];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::rt_sigaction, rt_sigaction, [Enum(SIGNAL_NAMES), Sigaction, Out(&Sigaction), Uint]),
    entry!(nr::sigaction, sigaction, [Enum(SIGNAL_NAMES), Ptr, Ptr]),
    entry!(nr::signal, signal, [Enum(SIGNAL_NAMES), Hex]),
    entry!(nr::rt_sigprocmask, rt_sigprocmask, [Enum(HOW_NAMES), Sigset(3), Out(&Sigset(3)), Uint]),
    entry!(nr::sigprocmask, sigprocmask, [Enum(HOW_NAMES), OldSigset, Out(&OldSigset)]),
    entry!(nr::sgetmask, sgetmask, []),
    entry!(nr::ssetmask, ssetmask, [Hex]),
    entry!(nr::rt_sigpending, rt_sigpending, [Out(&Sigset(1)), Uint]),
    entry!(nr::sigpending, sigpending, [Out(&OldSigset)]),
    entry!(nr::rt_sigsuspend, may_block rt_sigsuspend, [Sigset(1), Uint]).blocks(),
    entry!(nr::sigsuspend, may_block sigsuspend, [Int, Int, Hex]).blocks(),
    entry!(nr::pause, may_block pause, []).blocks(),
    entry!(nr::rt_sigtimedwait, may_block rt_sigtimedwait, [Sigset(3), Out(&SigInfo), Timespec, Uint], Ret::Signal)
        .blocks(),
    entry!(
        nr::rt_sigtimedwait_time64,
        may_block rt_sigtimedwait_time64,
        [Sigset(3), Out(&SigInfo), Timespec64, Uint],
        Ret::Signal
    )
    .blocks(),
    entry!(nr::rt_sigqueueinfo, rt_sigqueueinfo, [Int, Signal, SigInfo]),
    entry!(nr::rt_tgsigqueueinfo, rt_tgsigqueueinfo, [Int, Int, Signal, SigInfo]),
    entry!(nr::sigaltstack, sigaltstack, [SigStack, Out(&SigStack)]).needs_esp(),
    entry!(nr::rt_sigreturn, rt_sigreturn, [SigreturnMask { rt: true }]).needs_esp(),
    entry!(nr::sigreturn, sigreturn, [SigreturnMask { rt: false }]).needs_esp(),
    entry!(nr::kill, kill, [Int, Signal]),
    entry!(nr::tkill, tkill, [Int, Signal]),
    entry!(nr::tgkill, tgkill, [Int, Int, Signal]),
    entry!(nr::alarm, alarm, [Uint]),
    entry!(nr::setitimer, setitimer, [Enum(ITIMER_NAMES), Itimerval, Out(&Itimerval)]),
    entry!(nr::getitimer, getitimer, [Enum(ITIMER_NAMES), Out(&Itimerval)]),
];

pub use crate::state::{Action, Signals, Sigreturn};

impl Signals {
    /// The state a new process starts with: the emulator's own ignored signals and mask (both
    /// survive execve), every other signal at SIG_DFL (on the host too).
    pub fn from_host() -> Self {
        let mut actions = [Action::default(); NSIG as usize];
        for (i, action) in actions.iter_mut().enumerate() {
            let sig = i as libc::c_int + 1;
            let Some(old) = hostcall::signal::disposition(sig) else {
                continue;
            };
            // Under a fault filter the host handler is the filter's; the guest's is kept apart.
            if let Some(ignored) = hostcall::sighandler::filtered_ignored(sig as u32) {
                if ignored {
                    action.handler = SIG_IGN;
                }
                continue;
            }
            if old.sa_sigaction == libc::SIG_IGN {
                action.handler = SIG_IGN;
            } else if old.sa_sigaction != libc::SIG_DFL {
                // A handler of the emulator's own would swallow a signal sent to the guest, whose
                // disposition is SIG_DFL. (emu386 starts without std's runtime start-up, so
                // Rust's SIGSEGV/SIGBUS stack-overflow guard is no longer one of them.)
                install_host(i as u32 + 1, action);
            }
        }
        let mask =
            (hostcall::sighandler::host_mask().unwrap_or(0) | hostcall::sighandler::inherited_blocked()) & !UNBLOCKABLE;
        Signals {
            actions: Shared::new(actions),
            mask,
            saved_mask: None,
            altstack: (0, 0, SS_DISABLE),
            esp: 0,
            sigreturn: None,
            no_restart: false,
        }
    }

    /// Set the blocked set (SIGKILL and SIGSTOP removed) and mirror it on the host.
    pub fn set_mask(&mut self, mask: u64) {
        self.mask = mask & !UNBLOCKABLE;
        sync_host_mask(self.mask);
    }

    /// clone3's `CLONE_CLEAR_SIGHAND` (flush_signal_handlers(p, 0)): handled signals become
    /// SIG_DFL, ignored ones stay ignored; flags and masks are cleared. The host's dispositions
    /// follow (this process's own: the caller made sure they are not shared).
    pub fn clear_handlers(&mut self, held: &mut Held) {
        for (i, a) in self.actions.get_mut(held).iter_mut().enumerate() {
            if a.is_handler() {
                *a = Action::default();
                install_host(i as u32 + 1, a);
            } else {
                a.flags = 0;
                a.mask = 0;
                a.restorer = 0;
            }
        }
    }

    /// What execve keeps: ignored signals and the mask; handlers become SIG_DFL (the host does
    /// the same to the emulator's own handlers when the emulator itself is executed again).
    pub fn on_exec(&mut self, held: &mut Held) {
        for (i, a) in self.actions.get_mut(held).iter_mut().enumerate() {
            if a.is_handler() {
                *a = Action::default();
                install_host(i as u32 + 1, a);
            } else {
                a.flags = 0;
            }
        }
        self.altstack = (0, 0, SS_DISABLE);
        self.saved_mask = None;
    }
}

mod host;
mod siginfo;

pub use host::*;
pub use siginfo::*;

// ---------------------------------------------------------------------------------------------
// Dispositions.

fn valid(sig: u32) -> bool {
    (1..=NSIG).contains(&sig)
}

/// do_sigaction(): install `new` (if any) for `sig`, answer the previous disposition.
fn do_sigaction(ctx: &mut Ctx, sig: u32, new: Option<Action>) -> Result<Action, Errno> {
    if !valid(sig) || (new.is_some() && UNBLOCKABLE & bit(sig) != 0) {
        return Err(Errno::INVAL);
    }
    let old = ctx.task.signals.action(sig, ctx.held);
    if let Some(mut n) = new {
        n.flags &= UAPI_SA_FLAGS;
        n.mask &= !UNBLOCKABLE;
        install_host(sig, &n);
        let ignored = n.handler == SIG_IGN || (n.handler == SIG_DFL && DEFAULT_IGNORED & bit(sig) != 0);
        if ignored {
            forget_recorded(sig);
            sync_host_mask(ctx.task.signals.mask);
        }
        if let Some(slot) = ctx.task.signals.actions.get_mut(ctx.held).get_mut(sig as usize - 1) {
            *slot = n;
        }
    }
    Ok(old)
}

/// Implements rt_sigaction(2) with the i386 `struct sigaction` (compat_sys_rt_sigaction).
fn rt_sigaction(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [sig, act, oact, size, ..] = *a;
    if size != 8 {
        return Err(Errno::INVAL.into());
    }
    let new = if act != 0 {
        let k: KSigaction = ctx.mem.read_obj(act)?;
        Some(Action { handler: k.handler.get(), flags: k.flags.get(), restorer: k.restorer.get(), mask: k.mask.get() })
    } else {
        None
    };
    let old = do_sigaction(ctx, sig, new)?;
    if oact != 0 {
        let k = KSigaction {
            handler: U32::new(old.handler),
            flags: U32::new(old.flags),
            restorer: U32::new(old.restorer),
            mask: U64::new(old.mask),
        };
        ctx.mem.write_obj(oact, &k)?;
    }
    Ok(0)
}

/// Implements sigaction(2), nr 67, with `struct old_sigaction` (compat_sys_sigaction): the mask
/// is the low word only.
fn sigaction(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [sig, act, oact, ..] = *a;
    let new = if act != 0 {
        let k: OldSigaction = ctx.mem.read_obj(act)?;
        Some(Action {
            handler: k.handler.get(),
            flags: k.flags.get(),
            restorer: k.restorer.get(),
            mask: u64::from(k.mask.get()),
        })
    } else {
        None
    };
    let old = do_sigaction(ctx, sig, new)?;
    if oact != 0 {
        let k = OldSigaction {
            handler: U32::new(old.handler),
            mask: U32::new(old.mask as u32),
            flags: U32::new(old.flags),
            restorer: U32::new(old.restorer),
        };
        ctx.mem.write_obj(oact, &k)?;
    }
    Ok(0)
}

/// Implements signal(2): a one-shot, non-deferring handler; answers the previous handler.
fn signal(ctx: &mut Ctx, a: &Args) -> SysResult {
    let new = Action { handler: a[1], flags: SA_RESETHAND | SA_NODEFER, restorer: 0, mask: 0 };
    Ok(do_sigaction(ctx, a[0], Some(new))?.handler)
}

// ---------------------------------------------------------------------------------------------
// Masks and pending signals.

/// sigprocmask(): the new blocked set for `how`.
fn apply_how(mask: u64, how: u32, set: u64) -> Result<u64, Errno> {
    match how {
        SIG_BLOCK => Ok(mask | set),
        SIG_UNBLOCK => Ok(mask & !set),
        SIG_SETMASK => Ok(set),
        _ => Err(Errno::INVAL),
    }
}

/// Implements rt_sigprocmask(2).
fn rt_sigprocmask(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [how, set, oset, size, ..] = *a;
    if size != 8 {
        return Err(Errno::INVAL.into());
    }
    let old = ctx.task.signals.mask;
    if set != 0 {
        let new: U64 = ctx.mem.read_obj(set)?;
        let mask = apply_how(old, how, new.get() & !UNBLOCKABLE)?;
        ctx.task.signals.set_mask(mask);
    }
    if oset != 0 {
        ctx.mem.write_obj(oset, &U64::new(old))?;
    }
    Ok(0)
}

/// Implements sigprocmask(2), nr 126, with one-word sets: SIG_SETMASK replaces the low word only.
fn sigprocmask(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [how, set, oset, ..] = *a;
    let old = ctx.task.signals.mask;
    if set != 0 {
        let new = u64::from(ctx.mem.read_u32(set)?) & !UNBLOCKABLE;
        let mask = match how {
            SIG_SETMASK => (old & !0xffff_ffff) | new,
            _ => apply_how(old, how, new)?,
        };
        ctx.task.signals.set_mask(mask);
    }
    if oset != 0 {
        ctx.mem.write_u32(oset, old as u32)?;
    }
    Ok(0)
}

/// Implements sgetmask(2), nr 68: the first word of the blocked set (`blocked.sig[0]`, 64 bits on
/// a 64-bit kernel) as an int.
fn sgetmask(ctx: &mut Ctx, _: &Args) -> SysResult {
    Ok(ctx.task.signals.mask as u32)
}

/// Implements ssetmask(2), nr 69: siginitset() of the int sign-extended into the 64-bit first word
/// (so a negative mask blocks the real-time signals too, and the rest is cleared), then
/// set_current_blocked(), which keeps SIGKILL and SIGSTOP out; the old first word as an int.
fn ssetmask(ctx: &mut Ctx, a: &Args) -> SysResult {
    let old = ctx.task.signals.mask as u32;
    let new = i64::from(a[0] as i32) as u64;
    ctx.task.signals.set_mask(new & !UNBLOCKABLE);
    Ok(old)
}

/// Pending and blocked signals: the host's pending set plus the recorded ones.
fn pending(ctx: &Ctx) -> Result<u64, Errno> {
    let set = hostcall::signal::pending()?;
    Ok((set | recorded()) & ctx.task.signals.mask)
}

/// Implements rt_sigpending(2): a size above 8 is EINVAL; a smaller one copies that many bytes.
fn rt_sigpending(ctx: &mut Ctx, a: &Args) -> SysResult {
    let size = a[1];
    if size > 8 {
        return Err(Errno::INVAL.into());
    }
    let set = pending(ctx)?;
    ctx.mem.write(a[0], &set.to_le_bytes()[..size as usize])?;
    Ok(0)
}

/// Implements sigpending(2), nr 73: the low word.
fn sigpending(ctx: &mut Ctx, a: &Args) -> SysResult {
    let set = pending(ctx)?;
    ctx.mem.write_u32(a[0], set as u32)?;
    Ok(0)
}

/// Wait with `mask` in force until a handler is to run; the run loop delivers it with the
/// original mask saved in the frame (`saved_sigmask`).
fn suspend<H>(ctx: &mut Ctx<H>, mask: u64) -> SysResult {
    let mask = mask & !UNBLOCKABLE;
    let signals = &mut ctx.task.signals;
    let saved = signals.mask;
    signals.mask = mask;
    signals.saved_mask = Some(saved);
    if !deliverable(mask) {
        let want = mask | recorded();
        hostcall::signal::suspend(want);
    }
    Err(Errno::INTR.into())
}

/// Implements rt_sigsuspend(2).
fn rt_sigsuspend(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    if a[1] != 8 {
        return Err(Errno::INVAL.into());
    }
    let set: U64 = ctx.mem.read_obj(a[0])?;
    suspend(ctx, set.get())
}

/// Implements sigsuspend(2), nr 72: the i386 form takes the one-word mask third.
fn sigsuspend(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    suspend(ctx, u64::from(a[2]))
}

/// Implements pause(2).
fn pause(ctx: &mut BlockingCtx, _: &Args) -> SysResult {
    if !deliverable(ctx.task.signals.mask) {
        hostcall::signal::pause();
    }
    Err(Errno::INTR.into())
}

/// rt_sigtimedwait(): take a signal of `set`, recorded ones first, waiting at most `timeout`.
fn timedwait<H>(ctx: &mut Ctx<H>, set: u64, info: u32, timeout: Option<libc::timespec>) -> SysResult {
    let set = set & !UNBLOCKABLE;
    let (sig, si) = match take_from(recorded() & set) {
        Some(taken) => {
            sync_host_mask(ctx.task.signals.mask);
            taken
        }
        None => {
            let (r, raw) = hostcall::signal::timedwait(set, timeout.as_ref())?;
            (r as u32, siginfo_from_host(&raw))
        }
    };
    if info != 0 {
        ctx.mem.write_obj(info, &si)?;
    }
    Ok(sig)
}

/// Implements rt_sigtimedwait(2) with a 32-bit `struct timespec`.
fn rt_sigtimedwait(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let [uset, info, uts, size, ..] = *a;
    if size != 8 {
        return Err(Errno::INVAL.into());
    }
    let set: U64 = ctx.mem.read_obj(uset)?;
    let timeout = if uts != 0 { Some(ctx.mem.read_obj::<Timespec32>(uts)?.to_host()) } else { None };
    check_timeout(timeout.as_ref())?;
    timedwait(ctx, set.get(), info, timeout)
}

/// Implements rt_sigtimedwait_time64(2).
fn rt_sigtimedwait_time64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let [uset, info, uts, size, ..] = *a;
    if size != 8 {
        return Err(Errno::INVAL.into());
    }
    let set: U64 = ctx.mem.read_obj(uset)?;
    let timeout = if uts != 0 { Some(ctx.mem.read_obj::<KernelTimespec>(uts)?.to_host()) } else { None };
    check_timeout(timeout.as_ref())?;
    timedwait(ctx, set.get(), info, timeout)
}

/// timespec64_valid(): EINVAL before any signal is taken.
fn check_timeout(ts: Option<&libc::timespec>) -> Result<(), Errno> {
    match ts {
        Some(t) if t.tv_sec < 0 || !(0..1_000_000_000).contains(&t.tv_nsec) => Err(Errno::INVAL),
        _ => Ok(()),
    }
}

/// Implements rt_sigqueueinfo(2): the siginfo goes to the host, which checks it.
fn rt_sigqueueinfo(ctx: &mut Ctx, a: &Args) -> SysResult {
    let si: Siginfo = ctx.mem.read_obj(a[2])?;
    let raw = siginfo_to_host(&si);
    let r = hostcall::signal::queueinfo(a[0] as i32, a[1] as i32, &raw)?;
    Ok(r as u32)
}

/// Implements rt_tgsigqueueinfo(2).
fn rt_tgsigqueueinfo(ctx: &mut Ctx, a: &Args) -> SysResult {
    let si: Siginfo = ctx.mem.read_obj(a[3])?;
    let raw = siginfo_to_host(&si);
    let r = hostcall::signal::tgqueueinfo(a[0] as i32, a[1] as i32, a[2] as i32, &raw)?;
    Ok(r as u32)
}

// ---------------------------------------------------------------------------------------------
// The alternate stack and sigreturn.

/// Implements sigaltstack(2) (do_compat_sigaltstack()).
fn sigaltstack(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [uss, uoss, ..] = *a;
    let new: Option<StackT> = if uss != 0 { Some(ctx.mem.read_obj(uss)?) } else { None };
    let signals = &mut ctx.task.signals;
    let sp = signals.esp;
    let (base, size, flags) = signals.altstack;
    let old = StackT {
        ss_sp: U32::new(base),
        ss_size: U32::new(size),
        ss_flags: U32::new(signals.altstack_flags(sp) | (flags & SS_AUTODISARM)),
    };
    if let Some(ss) = new {
        if signals.on_altstack(sp) {
            return Err(Errno::PERM.into());
        }
        let ss_flags = ss.ss_flags.get();
        let mode = ss_flags & !SS_AUTODISARM;
        if mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0 {
            return Err(Errno::INVAL.into());
        }
        if mode == SS_DISABLE {
            signals.altstack = (0, 0, ss_flags);
        } else {
            if ss.ss_size.get() < MINSIGSTKSZ {
                return Err(Errno::NOMEM.into());
            }
            signals.altstack = (ss.ss_sp.get(), ss.ss_size.get(), ss_flags);
        }
    }
    if uoss != 0 {
        ctx.mem.write_obj(uoss, &old)?;
    }
    Ok(0)
}

/// Implements rt_sigreturn(2): the run loop restores the registers, mask and alternate stack
/// from the frame below `%esp`.
fn rt_sigreturn(ctx: &mut Ctx, _: &Args) -> SysResult {
    ctx.task.signals.sigreturn = Some(Sigreturn::Rt);
    Ok(0)
}

/// Implements sigreturn(2), as rt_sigreturn(2) for the old frame.
fn sigreturn(ctx: &mut Ctx, _: &Args) -> SysResult {
    ctx.task.signals.sigreturn = Some(Sigreturn::Old);
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Sending signals and timers: the host does it (pids are the host's).

/// Implements kill(2).
fn kill(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(hostcall::signal::kill(a[0] as i32, a[1] as i32)? as u32)
}

/// Implements tkill(2).
fn tkill(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(hostcall::signal::tkill(a[0] as i32, a[1] as i32)? as u32)
}

/// Implements tgkill(2).
fn tgkill(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(hostcall::signal::tgkill(a[0] as i32, a[1] as i32, a[2] as i32)? as u32)
}

/// Implements alarm(2).
fn alarm(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(hostcall::signal::alarm(a[0]))
}

fn itimerval_to_host(v: &Itimerval32) -> libc::itimerval {
    libc::itimerval {
        it_interval: libc::timeval { tv_sec: v.interval_sec.get().into(), tv_usec: v.interval_usec.get().into() },
        it_value: libc::timeval { tv_sec: v.value_sec.get().into(), tv_usec: v.value_usec.get().into() },
    }
}

fn itimerval_from_host(v: &libc::itimerval) -> Itimerval32 {
    Itimerval32 {
        interval_sec: I32::new(v.it_interval.tv_sec as i32),
        interval_usec: I32::new(v.it_interval.tv_usec as i32),
        value_sec: I32::new(v.it_value.tv_sec as i32),
        value_usec: I32::new(v.it_value.tv_usec as i32),
    }
}

/// Implements setitimer(2) with i386 `struct itimerval`s (compat_sys_setitimer). A NULL new value
/// goes to the host as NULL (disarm, as the kernel takes it).
fn setitimer(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [which, new, old, ..] = *a;
    let new = if new != 0 { Some(itimerval_to_host(&ctx.mem.read_obj::<Itimerval32>(new)?)) } else { None };
    let out = hostcall::signal::setitimer(which as i32, new.as_ref(), old != 0)?;
    if old != 0 {
        ctx.mem.write_obj(old, &itimerval_from_host(&out))?;
    }
    Ok(0)
}

/// Implements getitimer(2): EINVAL for a bad timer comes before EFAULT.
fn getitimer(ctx: &mut Ctx, a: &Args) -> SysResult {
    let out = hostcall::signal::getitimer(a[0] as i32)?;
    ctx.mem.write_obj(a[1], &itimerval_from_host(&out))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn how_is_checked() {
        assert_eq!(apply_how(0b1010, SIG_BLOCK, 0b0101), Ok(0b1111));
        assert_eq!(apply_how(0b1010, SIG_UNBLOCK, 0b0010), Ok(0b1000));
        assert_eq!(apply_how(0b1010, SIG_SETMASK, 0b0001), Ok(0b0001));
        assert_eq!(apply_how(0, 3, 0), Err(Errno::INVAL));
    }

    #[test]
    fn kill_siginfo_moves_to_the_i386_union() {
        let mut raw = [0u8; 128];
        raw[0] = SIGUSR1 as u8;
        raw[16] = 42; // pid
        raw[20] = 7; // uid
        let si = siginfo_from_host(&raw);
        assert_eq!((si.signo.get(), si.code.get()), (SIGUSR1 as i32, SI_USER));
        assert_eq!((si.fields[0].get(), si.fields[1].get()), (42, 7));
        assert_eq!(siginfo_to_host(&si)[16], 42);
    }

    /// rt_sigreturn(2) and sigreturn(2) through the table with the fake machine: the handler only
    /// records which frame the run loop restores (nothing asked of the machine, the mask left for
    /// the run loop to take from the frame), and the trace line shows the mask and the `%eax` the
    /// frame holds, as strace does, read from the frame below the `%esp` the run loop gave.
    #[test]
    fn sigreturn_leaves_the_frame_to_the_run_loop_and_traces_it() {
        use crate::abi::nr;
        use crate::abi::signal::{RtSigframe, Sigcontext, Sigframe, Ucontext};
        use crate::mem::GuestMemoryExt;
        use crate::task::testing::parts;
        use std::io::{Read, Seek};
        use std::mem::offset_of;
        let (mut mem, mut task, mut machine, mut held) = parts();
        let path = std::env::temp_dir().join(format!("emu386-sigreturn-test-{}", std::process::id()));
        let file = std::fs::OpenOptions::new().create(true).truncate(true).read(true).write(true).open(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        task.tracer = Some(crate::trace::Tracer::new(file.try_clone().unwrap()));
        task.signals.mask = 0x1;
        // An rt frame with SIGUSR1 and signal 34 (bits 9 and 33; strace's RT_2) blocked and %eax
        // 42, `%esp` just past its return address.
        let esp = 0x18004;
        let uc = esp - 4 + offset_of!(RtSigframe, uc) as u32;
        mem.write(uc + offset_of!(Ucontext, sigmask) as u32, &((1u64 << 9) | (1 << 33)).to_le_bytes()).unwrap();
        let eax = uc + (offset_of!(Ucontext, mcontext) + offset_of!(Sigcontext, eax)) as u32;
        mem.write_u32(eax, 42).unwrap();
        // An old frame: its sigcontext's oldmask (SIGUSR2, bit 11) and the extra mask word
        // (signal 34), %eax 7, `%esp` past the signal number and the return address.
        let old_esp = 0x1c008;
        let frame = old_esp - 8;
        let sc = frame + offset_of!(Sigframe, sc) as u32;
        mem.write_u32(sc + offset_of!(Sigcontext, oldmask) as u32, 1 << 11).unwrap();
        mem.write_u32(frame + offset_of!(Sigframe, extramask) as u32, 1 << 1).unwrap();
        mem.write_u32(sc + offset_of!(Sigcontext, eax) as u32, 7).unwrap();

        let mut ctx = Ctx { mem: &mut mem, task: &mut task, machine: &mut machine, held: &mut held };
        ctx.task.signals.esp = esp;
        let flow = crate::table::dispatch(&mut ctx, nr::rt_sigreturn, &[0; 6]);
        assert_eq!(flow, crate::Flow::Return(0));
        assert_eq!(ctx.task.signals.sigreturn.take(), Some(Sigreturn::Rt));
        ctx.task.signals.esp = old_esp;
        crate::table::dispatch(&mut ctx, nr::sigreturn, &[0; 6]);
        assert_eq!(ctx.task.signals.sigreturn.take(), Some(Sigreturn::Old));
        // A frame the guest cannot read: the handler still only records the request.
        ctx.task.signals.esp = 0x3000_0000;
        crate::table::dispatch(&mut ctx, nr::rt_sigreturn, &[0; 6]);
        assert_eq!(ctx.task.signals.sigreturn, Some(Sigreturn::Rt));
        assert_eq!(ctx.task.signals.mask, 0x1);
        assert!(machine.started.is_empty() && machine.stack.is_none() && !machine.reloaded);

        let mut file = file;
        let mut text = String::new();
        file.rewind().unwrap();
        file.read_to_string(&mut text).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            ["rt_sigreturn({mask=[USR1 RT_2]}) = 42", "sigreturn({mask=[USR2 RT_2]}) = 7", "rt_sigreturn() = 0"]
        );
    }
}
