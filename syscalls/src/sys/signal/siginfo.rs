//! siginfo between the host (x86-64) and the guest (i386) layouts.

use super::*;

pub(super) fn word(raw: &[u8; 128], at: usize) -> u32 {
    raw.get(at..at + 4).and_then(|b| b.try_into().ok()).map_or(0, u32::from_le_bytes)
}

/// A host `siginfo_t` in the i386 layout (copy_siginfo_to_user32()): the x86-64 union starts at
/// offset 16 with 8-byte longs and pointers, the i386 one at 12 with 4-byte ones.
pub fn siginfo_from_host(raw: &[u8; 128]) -> Siginfo {
    let signo = word(raw, 0);
    let code = word(raw, 8) as i32;
    let mut si = Siginfo::new_zeroed();
    si.signo = I32::new(signo as i32);
    si.errno = I32::new(word(raw, 4) as i32);
    si.code = I32::new(code);
    let f = &mut si.fields;
    let fault = SYNCHRONOUS & bit(signo.clamp(1, NSIG)) != 0;
    // siginfo_layout(): codes 1..=NSIGPOLL of a signal without codes of its own (an F_SETSIG
    // signal from send_sigio(): dnotify, leases, O_ASYNC), and SI_SIGIO, carry band and fd.
    let own_codes = fault || signo == SIGCHLD || signo == SIGIO;
    let poll = code == SI_SIGIO || (!own_codes && (1..=NSIGPOLL).contains(&code));
    if code == SI_TIMER {
        f[0] = U32::new(word(raw, 16)); // tid
        f[1] = U32::new(word(raw, 20)); // overrun
        f[2] = U32::new(word(raw, 24)); // sigval
    } else if code > 0 && signo == SIGCHLD {
        f[0] = U32::new(word(raw, 16)); // pid
        f[1] = U32::new(word(raw, 20)); // uid
        f[2] = U32::new(word(raw, 24)); // status
        f[3] = U32::new(word(raw, 32)); // utime (low half)
        f[4] = U32::new(word(raw, 40)); // stime
    } else if code > 0 && code != SI_KERNEL && signo == SIGSYS {
        f[0] = U32::new(word(raw, 16)); // call_addr (low half)
        f[1] = U32::new(word(raw, 24)); // syscall
        f[2] = U32::new(word(raw, 28)); // arch
    } else if code > 0 && code != SI_KERNEL && fault {
        f[0] = U32::new(word(raw, 16)); // addr (low half)
    } else if poll || (code > 0 && code != SI_KERNEL && signo == SIGIO) {
        f[0] = U32::new(word(raw, 16)); // band (low half)
        f[1] = U32::new(word(raw, 24)); // fd
    } else {
        f[0] = U32::new(word(raw, 16)); // pid
        f[1] = U32::new(word(raw, 20)); // uid
        if code < 0 {
            // SIL_RT: only a negative si_code (sigqueue, timers, mq) carries a value; SI_USER and
            // the larger positive codes are SIL_KILL, pid and uid only (siginfo_layout(),
            // copy_siginfo_to_user32()).
            f[2] = U32::new(word(raw, 24)); // sigval
        }
    }
    si
}

/// A guest siginfo for the host (copy_siginfo_from_user32() for the kill/queue layout).
pub(crate) fn siginfo_to_host(si: &Siginfo) -> [u8; 128] {
    let mut raw = [0u8; 128];
    let mut put = |at: usize, v: u32| {
        if let Some(b) = raw.get_mut(at..at + 4) {
            b.copy_from_slice(&v.to_le_bytes());
        }
    };
    put(0, si.signo.get() as u32);
    put(4, si.errno.get() as u32);
    put(8, si.code.get() as u32);
    put(16, si.fields[0].get());
    put(20, si.fields[1].get());
    put(24, si.fields[2].get());
    raw
}
