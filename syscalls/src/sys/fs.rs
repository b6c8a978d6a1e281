//! File syscalls: read(2), write(2) and the rest of the file family.

use crate::entry;
use crate::mem::GuestMemory;
use crate::table::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{abi::nr, SysResult};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::read, read, [Fd, OutBuf, Uint]),
    entry!(nr::write, write, [Fd, InBuf(2), Uint]),
];

/// Implements read(2): straight into guest memory.
fn read(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = super::fd(a[0])?;
    let buf = ctx.mem.slice_mut(a[1], a[2] as usize)?;
    Ok(rustix::io::read(fd, buf)? as u32)
}

/// Implements write(2): straight from guest memory.
fn write(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = super::fd(a[0])?;
    let buf = GuestMemory::slice(ctx.mem, a[1], a[2] as usize)?;
    Ok(rustix::io::write(fd, buf)? as u32)
}
