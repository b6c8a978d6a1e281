//! The i386 `struct sigevent` of timer_create(2) and mq_notify(2) as strace 6.1 shows it: the
//! value when it is not zero, the signal (by name when the notification sends one), the
//! notification, then what the notification uses of the union. strace reads the first 20 bytes
//! ([`SigeventPrefix`]), as far as SIGEV_THREAD's members reach: fewer readable bytes show the
//! address. Never panics on guest values.

use super::decode::enum_str;
use super::names::Names;
use super::{pointer, read_exact, signal_name, TraceMemory};
use crate::abi::signal::SigeventPrefix;
use zerocopy::FromBytes;

const SIGEV_SIGNAL: i32 = 0;
const SIGEV_THREAD: i32 = 2;
const SIGEV_THREAD_ID: i32 = 4;

/// `SIGEV_*` (asm-generic/siginfo.h).
const SIGEV_NOTIFY: Names = &[(0, "SIGEV_SIGNAL"), (1, "SIGEV_NONE"), (2, "SIGEV_THREAD"), (4, "SIGEV_THREAD_ID")];

/// The sigevent at `addr`, `NULL`, or `None` when unreadable.
pub fn sigevent<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    if addr == 0 {
        return Some("NULL".into());
    }
    let bytes = read_exact(mem, addr, size_of::<SigeventPrefix>())?;
    Some(show(&SigeventPrefix::read_from_bytes(&bytes).ok()?))
}

/// `{sigev_value={sival_int=42, sival_ptr=0x2a}, sigev_signo=SIGALRM, sigev_notify=SIGEV_SIGNAL}`.
fn show(ev: &SigeventPrefix) -> String {
    let ptr = |v: u32| {
        let mut t = String::new();
        pointer(&mut t, v);
        t
    };
    let head = &ev.head;
    let (value, signo, notify) = (head.sigev_value.get(), head.sigev_signo.get(), head.sigev_notify.get());
    let mut parts = Vec::new();
    if value != 0 {
        parts.push(format!("sigev_value={{sival_int={}, sival_ptr={}}}", value as i32, ptr(value)));
    }
    parts.push(match notify {
        SIGEV_SIGNAL | SIGEV_THREAD | SIGEV_THREAD_ID => format!("sigev_signo={}", signal_name(signo)),
        _ => format!("sigev_signo={}", signo as u32),
    });
    parts.push(format!("sigev_notify={}", enum_str(SIGEV_NOTIFY, notify as u32)));
    let (first, second) = (head.sigev_notify_thread_id.get() as u32, ev.attributes.get());
    match notify {
        SIGEV_THREAD_ID => parts.push(format!("sigev_notify_thread_id={}", first as i32)),
        SIGEV_THREAD => {
            parts.push(format!("sigev_notify_function={}", ptr(first)));
            parts.push(format!("sigev_notify_attributes={}", ptr(second)));
        }
        _ => {}
    }
    format!("{{{}}}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    /// Guest memory holding these words at 0x1000, nothing else.
    struct Words(Vec<u8>);

    impl TraceMemory for Words {
        fn read_prefix(&self, addr: u32, max: usize) -> Cow<'_, [u8]> {
            let start = (addr.wrapping_sub(0x1000) as usize).min(self.0.len());
            let bytes = &self.0[start..];
            Cow::Borrowed(&bytes[..bytes.len().min(max)])
        }
    }

    fn event(words: [i32; 5]) -> Option<String> {
        sigevent(&Words(words.iter().flat_map(|w| w.to_le_bytes()).collect()), 0x1000)
    }

    // Expected lines are strace 6.1's for the same structs passed to timer_create.

    #[test]
    fn signals_show_the_value_only_when_set() {
        assert_eq!(
            event([42, 14, 0, 0, 0]).unwrap(),
            "{sigev_value={sival_int=42, sival_ptr=0x2a}, sigev_signo=SIGALRM, sigev_notify=SIGEV_SIGNAL}"
        );
        assert_eq!(event([0, 33, 0, 0, 0]).unwrap(), "{sigev_signo=SIGRT_1, sigev_notify=SIGEV_SIGNAL}");
        assert_eq!(event([0, 0, 0, 0, 0]).unwrap(), "{sigev_signo=0, sigev_notify=SIGEV_SIGNAL}");
        assert_eq!(event([0, 65, 0, 0, 0]).unwrap(), "{sigev_signo=65, sigev_notify=SIGEV_SIGNAL}");
    }

    #[test]
    fn the_notification_says_what_of_the_union_is_shown() {
        assert_eq!(
            event([-1, 10, 4, -7, 0]).unwrap(),
            "{sigev_value={sival_int=-1, sival_ptr=0xffffffff}, sigev_signo=SIGUSR1, \
             sigev_notify=SIGEV_THREAD_ID, sigev_notify_thread_id=-7}"
        );
        assert_eq!(
            event([0, 10, 2, 0x1234, 0]).unwrap(),
            "{sigev_signo=SIGUSR1, sigev_notify=SIGEV_THREAD, sigev_notify_function=0x1234, \
             sigev_notify_attributes=NULL}"
        );
        assert_eq!(
            event([0, -1, 2, 0, 0x55]).unwrap(),
            "{sigev_signo=-1, sigev_notify=SIGEV_THREAD, sigev_notify_function=NULL, sigev_notify_attributes=0x55}"
        );
        // No signal to send: the number, unsigned.
        assert_eq!(
            event([5, -1, 1, 9, 9]).unwrap(),
            "{sigev_value={sival_int=5, sival_ptr=0x5}, sigev_signo=4294967295, sigev_notify=SIGEV_NONE}"
        );
        assert_eq!(event([0, 10, 0x63, 0, 0]).unwrap(), "{sigev_signo=10, sigev_notify=0x63 /* SIGEV_??? */}");
        assert_eq!(event([0, 64, 3, 0, 0]).unwrap(), "{sigev_signo=64, sigev_notify=0x3 /* SIGEV_??? */}");
    }

    #[test]
    fn twenty_bytes_are_read_or_the_address_is_shown() {
        let words = [0, 14, 0, 0, 0];
        let bytes: Vec<u8> = words.iter().flat_map(|w: &i32| w.to_le_bytes()).collect();
        assert_eq!(sigevent(&Words(bytes[..19].to_vec()), 0x1000), None);
        assert!(sigevent(&Words(bytes), 0x1000).is_some());
        assert_eq!(sigevent(&Words(Vec::new()), 0).as_deref(), Some("NULL"));
    }
}
