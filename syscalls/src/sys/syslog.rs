//! The kernel log: syslog(2) (glibc's klogctl), the host's call on the guest's buffer.

use crate::abi::nr;
use crate::entry;
use crate::hostcall::{inplace::InPlace, klog};
use crate::mem::Prot;
use crate::row::{Arg::*, Args, Entry, When};
use crate::task::BlockingCtx;
use crate::SysResult;

/// SYSLOG_ACTION_READ: waits for the log (interruptible; -ERESTARTSYS on a signal).
const READ: u32 = 2;
/// The actions that copy the log into the buffer: READ, READ_ALL, READ_CLEAR.
const READS: [u32; 3] = [READ, 3, 4];

const ACTIONS: &[(u32, &str)] = &[
    (0, "SYSLOG_ACTION_CLOSE"),
    (1, "SYSLOG_ACTION_OPEN"),
    (2, "SYSLOG_ACTION_READ"),
    (3, "SYSLOG_ACTION_READ_ALL"),
    (4, "SYSLOG_ACTION_READ_CLEAR"),
    (5, "SYSLOG_ACTION_CLEAR"),
    (6, "SYSLOG_ACTION_CONSOLE_OFF"),
    (7, "SYSLOG_ACTION_CONSOLE_ON"),
    (8, "SYSLOG_ACTION_CONSOLE_LEVEL"),
    (9, "SYSLOG_ACTION_SIZE_UNREAD"),
    (10, "SYSLOG_ACTION_SIZE_BUFFER"),
];

fn reads_and_waits(a: &Args) -> bool {
    a[0] == READ
}

pub static ENTRIES: &[Entry] = &[entry!(nr::syslog, may_block syslog, [Enum(ACTIONS), OutBuf, Int])
    .blocks_if(When::If(reads_and_waits))
    .restarts_if(When::If(reads_and_waits))];

/// Implements syslog(2): do_syslog()'s permission check, argument checks and copies are the
/// host's. The buffer of a read is the guest's memory itself when all of it may be written
/// (the host writes it in place), else an address the host answers EFAULT for, after its own
/// earlier checks (a NULL buffer or a negative length is EINVAL, a zero length 0).
fn syslog(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let (action, buf, len) = (a[0] as i32, a[1], a[2] as i32);
    let host_buf = if !READS.contains(&a[0]) {
        InPlace::Null
    } else if len > 0 {
        InPlace::new(ctx.mem, buf, len as usize, Prot::WRITE)
    } else if buf == 0 {
        InPlace::Null
    } else {
        // Not touched: the host answers EINVAL or 0 for the length first.
        InPlace::Refused
    };
    Ok(klog::syslog(action, host_buf, len)? as u32)
}
