//! The i386 `siginfo_t` as strace 6.1 shows it: the signal and its code by name, then the members
//! of the union that the code (or, for codes the kernel sends, the signal) says are there, as
//! strace's printsiginfo() chooses them. Reads through a [`TraceMemory`]: an unreadable struct is
//! `None` (the caller shows the address); no value makes it panic.

use super::decode::{enum_str, name_or};
use super::names::{Names, KERNEL_ERRNOS};
use super::{pointer, read_exact, signal_name, TraceMemory};
use crate::abi::signal::Siginfo;
use crate::abi::{errno, nr};
use crate::Errno;
use zerocopy::FromBytes;

// Signals whose codes and members are their own (asm/signal.h on x86).
const SIGILL: i32 = 4;
const SIGTRAP: i32 = 5;
const SIGBUS: i32 = 7;
const SIGFPE: i32 = 8;
const SIGSEGV: i32 = 11;
const SIGCHLD: i32 = 17;
const SIGIO: i32 = 29;
const SIGSYS: i32 = 31;

// The codes a process may send (`SI_FROMUSER`: zero or negative) that change what is shown.
const SI_USER: i32 = 0;
const SI_TIMER: i32 = -2;
const SI_SIGIO: i32 = -5;
const SI_TKILL: i32 = -6;

/// Codes any signal may carry (uapi/asm-generic/siginfo.h).
const SI_CODES: Names = &[
    (0, "SI_USER"),
    (0x80, "SI_KERNEL"),
    (-1i32 as u32, "SI_QUEUE"),
    (-2i32 as u32, "SI_TIMER"),
    (-3i32 as u32, "SI_MESGQ"),
    (-4i32 as u32, "SI_ASYNCIO"),
    (-5i32 as u32, "SI_SIGIO"),
    (-6i32 as u32, "SI_TKILL"),
    (-7i32 as u32, "SI_DETHREAD"),
    (-60i32 as u32, "SI_ASYNCNL"),
];

/// The codes of one signal, for the codes [`SI_CODES`] does not name. strace 6.1 names none for
/// SIGPROF, and not FPE codes 9 to 13 (not used on x86) or ILL codes above 9.
fn signal_codes(signo: i32) -> Names {
    match signo {
        SIGILL => &[
            (1, "ILL_ILLOPC"),
            (2, "ILL_ILLOPN"),
            (3, "ILL_ILLADR"),
            (4, "ILL_ILLTRP"),
            (5, "ILL_PRVOPC"),
            (6, "ILL_PRVREG"),
            (7, "ILL_COPROC"),
            (8, "ILL_BADSTK"),
            (9, "ILL_BADIADDR"),
        ],
        SIGTRAP => &[
            (1, "TRAP_BRKPT"),
            (2, "TRAP_TRACE"),
            (3, "TRAP_BRANCH"),
            (4, "TRAP_HWBKPT"),
            (5, "TRAP_UNK"),
            (6, "TRAP_PERF"),
        ],
        SIGBUS => {
            &[(1, "BUS_ADRALN"), (2, "BUS_ADRERR"), (3, "BUS_OBJERR"), (4, "BUS_MCEERR_AR"), (5, "BUS_MCEERR_AO")]
        }
        SIGFPE => &[
            (1, "FPE_INTDIV"),
            (2, "FPE_INTOVF"),
            (3, "FPE_FLTDIV"),
            (4, "FPE_FLTOVF"),
            (5, "FPE_FLTUND"),
            (6, "FPE_FLTRES"),
            (7, "FPE_FLTINV"),
            (8, "FPE_FLTSUB"),
            (14, "FPE_FLTUNK"),
            (15, "FPE_CONDTRAP"),
        ],
        SIGSEGV => &[
            (1, "SEGV_MAPERR"),
            (2, "SEGV_ACCERR"),
            (3, "SEGV_BNDERR"),
            (4, "SEGV_PKUERR"),
            (5, "SEGV_ACCADI"),
            (6, "SEGV_ADIDERR"),
            (7, "SEGV_ADIPERR"),
            (8, "SEGV_MTEAERR"),
            (9, "SEGV_MTESERR"),
        ],
        SIGCHLD => &[
            (1, "CLD_EXITED"),
            (2, "CLD_KILLED"),
            (3, "CLD_DUMPED"),
            (4, "CLD_TRAPPED"),
            (5, "CLD_STOPPED"),
            (6, "CLD_CONTINUED"),
        ],
        SIGIO => &[(1, "POLL_IN"), (2, "POLL_OUT"), (3, "POLL_MSG"), (4, "POLL_ERR"), (5, "POLL_PRI"), (6, "POLL_HUP")],
        SIGSYS => &[(1, "SYS_SECCOMP"), (2, "SYS_USER_DISPATCH")],
        _ => &[],
    }
}

/// The architectures a seccomp SIGSYS names (uapi/linux/audit.h); strace names the i386 call.
const AUDIT_ARCH_I386: u32 = 0x4000_0003;
const AUDIT_ARCHES: Names = &[(AUDIT_ARCH_I386, "AUDIT_ARCH_I386"), (0xc000_003e, "AUDIT_ARCH_X86_64")];

/// Clock ticks a second, for the CPU times of a SIGCHLD (USER_HZ).
const USER_HZ: u64 = 100;

/// The `siginfo_t` at `addr`, `NULL`, or `None` when unreadable.
pub fn siginfo<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    if addr == 0 {
        return Some("NULL".into());
    }
    let bytes = read_exact(mem, addr, size_of::<Siginfo>())?;
    Some(show(&Siginfo::read_from_bytes(&bytes).ok()?))
}

/// `{si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=1234, si_uid=0, si_int=42, si_ptr=0x2a}`; `{}` when
/// there is no signal (waitid(2) with `WNOHANG` and no child ready).
fn show(si: &Siginfo) -> String {
    let (signo, code, err) = (si.signo.get(), si.code.get(), si.errno.get());
    if signo == 0 {
        return "{}".into();
    }
    let code_name = name_or(SI_CODES, code as u32, |c| name_or(signal_codes(signo), c, hex));
    let mut parts = vec![format!("si_signo={}", signal_name(signo)), format!("si_code={code_name}")];
    if err != 0 {
        let name = errno::name(Errno::from_raw_os_error(err));
        parts.push(match name {
            "E???" => format!("si_errno={}", name_or(KERNEL_ERRNOS, err as u32, |e| e.to_string())),
            _ => format!("si_errno={name}"),
        });
    }
    let fields = Fields(si);
    if code <= 0 {
        fields.sent_by_process(code, &mut parts);
    } else {
        fields.sent_by_kernel(signo, code, &mut parts);
    }
    format!("{{{}}}", parts.join(", "))
}

/// `0` or the value in hexadecimal.
fn hex(v: u32) -> String {
    if v == 0 {
        "0".to_string()
    } else {
        format!("{v:#x}")
    }
}

/// An address as strace shows a pointer.
fn ptr(v: u32) -> String {
    let mut t = String::new();
    pointer(&mut t, v);
    t
}

/// The union of a `siginfo_t`, shown by what its code and signal say it holds.
struct Fields<'a>(&'a Siginfo);

impl Fields<'_> {
    /// The union's word `i`, from offset 12.
    fn word(&self, i: usize) -> u32 {
        self.0.fields[i].get()
    }

    /// `_kill`, `_rt` and `_sigchld` start with the sender.
    fn source(&self, parts: &mut Vec<String>) {
        parts.push(format!("si_pid={}", self.word(0) as i32));
        let uid = self.word(1);
        parts.push(if uid == u32::MAX { "si_uid=-1".into() } else { format!("si_uid={uid}") });
    }

    /// `_rt` and `_timer` carry a value.
    fn value(&self, parts: &mut Vec<String>) {
        parts.push(format!("si_int={}", self.word(2) as i32));
        parts.push(format!("si_ptr={}", ptr(self.word(2))));
    }

    /// `_sigpoll`: the band and the fd.
    fn poll(&self, parts: &mut Vec<String>) {
        parts.push(format!("si_band={}", self.word(0) as i32));
        parts.push(format!("si_fd={}", self.word(1) as i32));
    }

    /// Sent by a process (kill, sigqueue, a POSIX timer, …): the code decides.
    fn sent_by_process(&self, code: i32, parts: &mut Vec<String>) {
        match code {
            SI_USER | SI_TKILL => self.source(parts),
            SI_TIMER => {
                parts.push(format!("si_timerid={}", hex(self.word(0))));
                parts.push(format!("si_overrun={}", self.word(1) as i32));
                self.value(parts);
            }
            SI_SIGIO => self.poll(parts),
            _ => {
                self.source(parts);
                if self.word(2) != 0 {
                    self.value(parts);
                }
            }
        }
    }

    /// Sent by the kernel: the signal decides.
    fn sent_by_kernel(&self, signo: i32, code: i32, parts: &mut Vec<String>) {
        let word = |i| self.word(i);
        match signo {
            SIGCHLD => {
                self.source(parts);
                let status = word(2) as i32;
                // An exit code, or the signal that killed, stopped or continued the child.
                let status = if code == 1 { status.to_string() } else { signal_name(status) };
                parts.push(format!("si_status={status}"));
                parts.push(format!("si_utime={}", clock_t(word(3))));
                parts.push(format!("si_stime={}", clock_t(word(4))));
            }
            SIGILL | SIGFPE | SIGTRAP => parts.push(format!("si_addr={}", ptr(word(0)))),
            SIGBUS => {
                parts.push(format!("si_addr={}", ptr(word(0))));
                // BUS_MCEERR_AR, BUS_MCEERR_AO: the `short` after the address.
                if matches!(code, 4 | 5) {
                    parts.push(format!("si_addr_lsb={}", hex(word(1) & 0xffff)));
                }
            }
            SIGSEGV => {
                parts.push(format!("si_addr={}", ptr(word(0))));
                match code {
                    // SEGV_BNDERR: the bounds, after a pointer-sized pad.
                    3 => {
                        parts.push(format!("si_lower={}", ptr(word(2))));
                        parts.push(format!("si_upper={}", ptr(word(3))));
                    }
                    // SEGV_PKUERR: the key, after the same pad.
                    4 => parts.push(format!("si_pkey={}", word(2))),
                    _ => {}
                }
            }
            SIGIO if (1..=6).contains(&code) => self.poll(parts),
            SIGIO => {}
            SIGSYS => {
                let (call, arch) = (word(1), word(2));
                parts.push(format!("si_call_addr={}", ptr(word(0))));
                let name = nr::NAMES.get(call as usize).filter(|n| !n.is_empty() && arch == AUDIT_ARCH_I386);
                parts.push(match name {
                    Some(n) => format!("si_syscall=__NR_{n}"),
                    None => format!("si_syscall={call}"),
                });
                parts.push(format!("si_arch={}", enum_str(AUDIT_ARCHES, arch)));
            }
            _ => {
                if word(0) != 0 || word(1) != 0 {
                    self.source(parts);
                }
                if word(2) != 0 {
                    self.value(parts);
                }
            }
        }
    }
}

/// A `clock_t` (a 32-bit `long` on i386) as strace prints it: the ticks, sign-extended and shown
/// unsigned, with the seconds in a comment when not zero (`4 /* 0.04 s */`).
fn clock_t(v: u32) -> String {
    let ticks = v as i32 as i64 as u64;
    if ticks == 0 {
        return "0".into();
    }
    format!("{ticks} /* {}.{:02} s */", ticks / USER_HZ, ticks % USER_HZ)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A siginfo with these header fields and union words.
    fn info(signo: i32, code: i32, err: i32, words: &[u32]) -> String {
        let mut bytes = [0u8; 128];
        bytes[0..4].copy_from_slice(&signo.to_le_bytes());
        bytes[4..8].copy_from_slice(&err.to_le_bytes());
        bytes[8..12].copy_from_slice(&code.to_le_bytes());
        for (i, w) in words.iter().enumerate() {
            bytes[12 + 4 * i..16 + 4 * i].copy_from_slice(&w.to_le_bytes());
        }
        show(&Siginfo::read_from_bytes(&bytes).unwrap())
    }

    // Expected lines are strace 6.1's for the same structs passed to rt_sigqueueinfo.

    #[test]
    fn codes_sent_by_a_process_show_the_sender_and_value() {
        assert_eq!(info(10, 0, 0, &[5, 6, 9]), "{si_signo=SIGUSR1, si_code=SI_USER, si_pid=5, si_uid=6}");
        assert_eq!(info(10, -6, 0, &[5, 6, 9]), "{si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=5, si_uid=6}");
        assert_eq!(
            info(10, -1, 0, &[5, 6, 42]),
            "{si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=5, si_uid=6, si_int=42, si_ptr=0x2a}"
        );
        // A zero value is left out.
        assert_eq!(info(10, -1, 0, &[5, 6, 0]), "{si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=5, si_uid=6}");
        assert_eq!(
            info(12, -1, 0, &[u32::MAX, u32::MAX, u32::MAX]),
            "{si_signo=SIGUSR2, si_code=SI_QUEUE, si_pid=-1, si_uid=-1, si_int=-1, si_ptr=0xffffffff}"
        );
        assert_eq!(
            info(10, 0, 0, &[5, -2i32 as u32]),
            "{si_signo=SIGUSR1, si_code=SI_USER, si_pid=5, si_uid=4294967294}"
        );
        assert_eq!(
            info(10, -10, 0, &[5, 6, 9]),
            "{si_signo=SIGUSR1, si_code=0xfffffff6, si_pid=5, si_uid=6, si_int=9, si_ptr=0x9}"
        );
        assert_eq!(info(10, -5, 0, &[5, 6, 9]), "{si_signo=SIGUSR1, si_code=SI_SIGIO, si_band=5, si_fd=6}");
        assert_eq!(
            info(10, -1, 2, &[5, 6, 9]),
            "{si_signo=SIGUSR1, si_code=SI_QUEUE, si_errno=ENOENT, si_pid=5, si_uid=6, si_int=9, si_ptr=0x9}"
        );
        assert_eq!(
            info(12, -1, 1000, &[5, 6, 7]),
            "{si_signo=SIGUSR2, si_code=SI_QUEUE, si_errno=1000, si_pid=5, si_uid=6, si_int=7, si_ptr=0x7}"
        );
        assert_eq!(
            info(36, -1, 0, &[5, 6, 9]),
            "{si_signo=SIGRT_4, si_code=SI_QUEUE, si_pid=5, si_uid=6, si_int=9, si_ptr=0x9}"
        );
    }

    #[test]
    fn the_kernels_own_errors_in_si_errno_have_names() {
        assert_eq!(
            info(10, -1, 512, &[5, 6, 0]),
            "{si_signo=SIGUSR1, si_code=SI_QUEUE, si_errno=ERESTARTSYS, si_pid=5, si_uid=6}"
        );
        // strace 6.1's names for 511 to 520 and 530, 531 (rt_sigqueueinfo with these si_errno).
        let shown = |e: i32| {
            let line = info(10, -1, e, &[5, 6, 0]);
            line.split("si_errno=").nth(1).and_then(|rest| rest.split(',').next()).unwrap_or("").to_string()
        };
        let names: Vec<String> = [511, 512, 513, 514, 515, 516, 517, 518, 519, 520, 530, 531].map(shown).into();
        assert_eq!(
            names,
            [
                "511",
                "ERESTARTSYS",
                "ERESTARTNOINTR",
                "ERESTARTNOHAND",
                "ENOIOCTLCMD",
                "ERESTART_RESTARTBLOCK",
                "EPROBE_DEFER",
                "EOPENSTALE",
                "519",
                "520",
                "ERECALLCONFLICT",
                "531"
            ]
        );
    }

    #[test]
    fn timers_show_their_id_overrun_and_value() {
        assert_eq!(
            info(14, -2, 0, &[0, 0, 5]),
            "{si_signo=SIGALRM, si_code=SI_TIMER, si_timerid=0, si_overrun=0, si_int=5, si_ptr=0x5}"
        );
        assert_eq!(
            info(10, -2, 0, &[0x10, -3i32 as u32, 0]),
            "{si_signo=SIGUSR1, si_code=SI_TIMER, si_timerid=0x10, si_overrun=-3, si_int=0, si_ptr=NULL}"
        );
    }

    #[test]
    fn children_show_their_status_and_times() {
        assert_eq!(
            info(17, 1, 0, &[100, 0, 3, 0, 0]),
            "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=100, si_uid=0, si_status=3, si_utime=0, si_stime=0}"
        );
        assert_eq!(
            info(17, 2, 0, &[1, 2, 15, 123, 77]),
            "{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=1, si_uid=2, si_status=SIGTERM, si_utime=123 /* 1.23 s */, si_stime=77 /* 0.77 s */}"
        );
        assert_eq!(
            info(17, 1, 0, &[1, 2, 3, u32::MAX, 1_000_000]),
            "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1, si_uid=2, si_status=3, si_utime=18446744073709551615 /* 184467440737095516.15 s */, si_stime=1000000 /* 10000.00 s */}"
        );
        assert_eq!(
            info(17, 9, 0, &[100, 0, 11, 0, 0]),
            "{si_signo=SIGCHLD, si_code=0x9, si_pid=100, si_uid=0, si_status=SIGSEGV, si_utime=0, si_stime=0}"
        );
        assert_eq!(info(17, 0, 0, &[100, 0, 11]), "{si_signo=SIGCHLD, si_code=SI_USER, si_pid=100, si_uid=0}");
        // waitid(2) with WNOHANG and no child ready.
        assert_eq!(info(0, 0, 0, &[]), "{}");
    }

    #[test]
    fn faults_show_the_address() {
        assert_eq!(info(11, 1, 0, &[0x1234]), "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x1234}");
        assert_eq!(
            info(11, 3, 0, &[0x1234, 6, 9, 0]),
            "{si_signo=SIGSEGV, si_code=SEGV_BNDERR, si_addr=0x1234, si_lower=0x9, si_upper=NULL}"
        );
        assert_eq!(
            info(11, 4, 0, &[0x1234, 6, 9]),
            "{si_signo=SIGSEGV, si_code=SEGV_PKUERR, si_addr=0x1234, si_pkey=9}"
        );
        assert_eq!(info(11, 0x80, 0, &[0, 6, 9]), "{si_signo=SIGSEGV, si_code=SI_KERNEL, si_addr=NULL}");
        assert_eq!(
            info(7, 4, 0, &[0x10, 6]),
            "{si_signo=SIGBUS, si_code=BUS_MCEERR_AR, si_addr=0x10, si_addr_lsb=0x6}"
        );
        assert_eq!(info(4, 10, 0, &[0x10]), "{si_signo=SIGILL, si_code=0xa, si_addr=0x10}");
        assert_eq!(info(8, 14, 0, &[0x10]), "{si_signo=SIGFPE, si_code=FPE_FLTUNK, si_addr=0x10}");
        assert_eq!(info(5, 6, 0, &[0x10]), "{si_signo=SIGTRAP, si_code=TRAP_PERF, si_addr=0x10}");
        assert_eq!(info(5, -6, 0, &[0x10, 6]), "{si_signo=SIGTRAP, si_code=SI_TKILL, si_pid=16, si_uid=6}");
    }

    #[test]
    fn other_kernel_codes_show_what_is_set() {
        assert_eq!(info(29, 5, 0, &[5, 6, 9]), "{si_signo=SIGIO, si_code=POLL_PRI, si_band=5, si_fd=6}");
        assert_eq!(info(29, 9, 0, &[5, 6, 9]), "{si_signo=SIGIO, si_code=0x9}");
        assert_eq!(info(10, 0x80, 0, &[0, 0, 0]), "{si_signo=SIGUSR1, si_code=SI_KERNEL}");
        assert_eq!(info(10, 3, 0, &[0, 0, 9]), "{si_signo=SIGUSR1, si_code=0x3, si_int=9, si_ptr=0x9}");
        assert_eq!(info(10, 3, 0, &[5, 0, 0]), "{si_signo=SIGUSR1, si_code=0x3, si_pid=5, si_uid=0}");
        assert_eq!(
            info(27, 2, 0, &[5, 6, 9]),
            "{si_signo=SIGPROF, si_code=0x2, si_pid=5, si_uid=6, si_int=9, si_ptr=0x9}"
        );
        assert_eq!(
            info(31, 1, 0, &[0x1234, 6, 0x4000_0003]),
            "{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x1234, si_syscall=__NR_close, si_arch=AUDIT_ARCH_I386}"
        );
        assert_eq!(
            info(31, 1, 0, &[0x10, 9999, 0x4000_0003]),
            "{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x10, si_syscall=9999, si_arch=AUDIT_ARCH_I386}"
        );
        assert_eq!(
            info(31, 2, 0, &[0x10, 6, 3]),
            "{si_signo=SIGSYS, si_code=SYS_USER_DISPATCH, si_call_addr=0x10, si_syscall=6, si_arch=0x3 /* AUDIT_ARCH_??? */}"
        );
    }
}
