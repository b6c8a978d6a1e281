//! socketcall(2), the i386 multiplexer: `socketcall(call, args)` copies exactly
//! `SOCKETCALL_NARGS[call]` bytes of arguments from the guest (EFAULT if any is unreadable, and not
//! a byte more, so a block ending at the last byte of a mapped page works) and runs the same handler
//! as the direct syscall. SYS_ACCEPT is accept4 with flags 0; SYS_SEND and SYS_RECV are sendto and
//! recvfrom without an address.

use super::{socket, socketmsg};
use crate::abi::net::{call, SOCKETCALL_NARGS};
use crate::entry;
use crate::mem::GuestMemory;
use crate::row::{Arg::*, Args, Entry, Handler, When};
use crate::task::BlockingCtx;
use crate::{abi::nr, Errno, SysResult};

pub static ENTRIES: &[Entry] = &[entry!(nr::socketcall, may_block socketcall, [Int, Ptr])
    .blocks_if(When::If(subcall_blocks))
    .restarts_if(When::If(subcall_restarts))];

/// The direct syscall a subcall performs, with its arguments laid out as that syscall takes them.
/// Also what the tracer shows in place of `socketcall(…)`.
pub fn unpack(mem: &dyn GuestMemory, a: &Args) -> Result<(u32, Args), Errno> {
    let which = a[0];
    let size = *SOCKETCALL_NARGS.get(which as usize).filter(|_| which >= 1).ok_or(Errno::INVAL)? as usize;
    let direct = direct(which).ok_or(Errno::INVAL)?;
    let bytes = mem.slice(a[1], size)?;
    let mut args = [0u32; 6];
    for (slot, word) in args.iter_mut().zip(bytes.chunks_exact(4)) {
        *slot = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
    }
    match which {
        // accept is accept4 with flags 0; send and recv are sendto and recvfrom without an address.
        call::ACCEPT => args[3] = 0,
        call::SEND | call::RECV => (args[4], args[5]) = (0, 0),
        _ => {}
    }
    Ok((direct, args))
}

/// The direct syscall subcall `which` performs.
fn direct(which: u32) -> Option<u32> {
    Some(match which {
        call::SOCKET => nr::socket,
        call::BIND => nr::bind,
        call::CONNECT => nr::connect,
        call::LISTEN => nr::listen,
        call::ACCEPT | call::ACCEPT4 => nr::accept4,
        call::GETSOCKNAME => nr::getsockname,
        call::GETPEERNAME => nr::getpeername,
        call::SOCKETPAIR => nr::socketpair,
        call::SEND | call::SENDTO => nr::sendto,
        call::RECV | call::RECVFROM => nr::recvfrom,
        call::SHUTDOWN => nr::shutdown,
        call::SETSOCKOPT => nr::setsockopt,
        call::GETSOCKOPT => nr::getsockopt,
        call::SENDMSG => nr::sendmsg,
        call::RECVMSG => nr::recvmsg,
        call::RECVMMSG => nr::recvmmsg,
        call::SENDMMSG => nr::sendmmsg,
        _ => return None,
    })
}

/// The direct call's row, for the facts socketcall takes from it (the direct socket calls' facts
/// do not depend on their arguments).
fn direct_row(a: &Args) -> Option<&'static Entry> {
    row(direct(a[0])?)
}

/// The row of a direct socket syscall.
fn row(direct: u32) -> Option<&'static Entry> {
    socket::ENTRIES.iter().chain(socketmsg::ENTRIES).find(|e| e.call.nr == direct)
}

/// Whether the subcall may block: as its direct syscall.
fn subcall_blocks(a: &Args) -> bool {
    direct_row(a).is_some_and(|e| matches!(e.blocking, When::Always))
}

/// Whether the interrupted subcall restarts: as its direct syscall.
fn subcall_restarts(a: &Args) -> bool {
    direct_row(a).is_some_and(|e| matches!(e.restart, When::Always))
}

/// The handler of a direct socket syscall.
fn handler(direct: u32) -> Option<Handler> {
    row(direct).map(|e| e.handler)
}

/// Implements socketcall(2).
fn socketcall(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let (direct, args) = unpack(ctx.mem, a)?;
    handler(direct).ok_or(Errno::NOSYS)?.run_maybe_locked(ctx, &args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::testing::FlatMemory;
    use crate::mem::GuestMemoryExt;

    #[test]
    fn calls_outside_1_to_20_are_einval() {
        let mem = FlatMemory::new(0x1000, 64);
        assert_eq!(unpack(&mem, &[0, 0x1000, 0, 0, 0, 0]).unwrap_err(), Errno::INVAL);
        assert_eq!(unpack(&mem, &[21, 0x1000, 0, 0, 0, 0]).unwrap_err(), Errno::INVAL);
    }

    #[test]
    fn exactly_nargs_bytes_are_read() {
        // listen takes 8 bytes: a block ending at the last byte of memory works…
        let mut mem = FlatMemory::new(0x1000, 16);
        mem.write(0x1008, &[3, 0, 0, 0, 5, 0, 0, 0]).unwrap();
        let (direct, args) = unpack(&mem, &[call::LISTEN, 0x1008, 0, 0, 0, 0]).unwrap();
        assert_eq!((direct, args), (nr::listen, [3, 5, 0, 0, 0, 0]));
        // …and one byte further is EFAULT.
        assert_eq!(unpack(&mem, &[call::LISTEN, 0x1009, 0, 0, 0, 0]).unwrap_err(), Errno::FAULT);
        // accept is accept4 with flags 0; recv is recvfrom without an address.
        mem.write(0x1000, &[9; 16]).unwrap();
        assert_eq!(unpack(&mem, &[call::ACCEPT, 0x1004, 0, 0, 0, 0]).unwrap().1[3], 0);
        let (direct, args) = unpack(&mem, &[call::RECV, 0x1000, 0, 0, 0, 0]).unwrap();
        assert_eq!((direct, args[4], args[5]), (nr::recvfrom, 0, 0));
    }

    #[test]
    fn every_subcall_has_a_handler() {
        let mem = FlatMemory::new(0x1000, 64);
        for which in 1..=20 {
            let (direct, _) = unpack(&mem, &[which, 0x1000, 0, 0, 0, 0]).unwrap();
            assert!(handler(direct).is_some(), "subcall {which}");
        }
    }
}
