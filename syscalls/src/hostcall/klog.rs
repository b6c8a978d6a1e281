//! The kernel log: syslog(2), whose read actions write the log into a buffer in place (guest
//! memory as an [`InPlace`]); the other actions leave the buffer alone.

use super::inplace::InPlace;
use super::strings::BAD_PTR;
use crate::{host, Errno};
use libc::{c_int, c_void};

/// syslog(2) with `action`, `buf` and `len` as the host takes them (kernel/printk/printk.c
/// do_syslog() makes every check). A guest buffer shorter than `len` is refused, so the host
/// never writes past guest memory.
pub fn syslog(action: c_int, buf: InPlace, len: c_int) -> Result<i64, Errno> {
    let p = match buf {
        InPlace::Guest(r) if usize::try_from(len).is_ok_and(|n| n > r.len()) => BAD_PTR as *mut c_void,
        b => b.ptr(),
    };
    // SAFETY: the host writes at most `len` bytes through `p` (read actions only), which is NULL,
    // guest memory at least that long, or an address it refuses with EFAULT.
    host(unsafe { libc::syscall(libc::SYS_syslog, action, p, len) })
}
