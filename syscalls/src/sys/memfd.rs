//! memfd_create(2): an anonymous file, a host memfd. The flags are the host's. memfd_secret(2):
//! a host secretmem fd (its pages are taken out of the kernel's direct map; the guest maps it
//! like any file, into the emulator's host mapping of guest memory).

use super::hostarg::HostStr;
use crate::abi::nr;
use crate::entry;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

/// The `MFD_*` flags strace 6.1 names: it predates MFD_NOEXEC_SEAL (8) and MFD_EXEC (0x10) of
/// Linux 6.3, and shows them as unknown bits (`0x8 /* MFD_??? */`), as this tracer does.
const MFD_FLAGS: &[(u32, &str)] = &[(1, "MFD_CLOEXEC"), (2, "MFD_ALLOW_SEALING"), (4, "MFD_HUGETLB")];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::memfd_create, memfd_create, [Name, MemfdFlags(MFD_FLAGS)]),
    entry!(nr::memfd_secret, memfd_secret, [OpenFlags]),
];

/// `MFD_NAME_MAX_LEN` (mm/memfd.c): NAME_MAX less the `memfd:` prefix.
const MFD_NAME_MAX_LEN: usize = 255 - 6;

/// Implements memfd_create(2). The kernel checks the flags before it reads the name (EFAULT, or
/// EINVAL past MFD_NAME_MAX_LEN), so the name reaches the host as a [`HostStr`].
fn memfd_create(ctx: &mut Ctx, a: &Args) -> SysResult {
    let name = HostStr::read(ctx.mem, a[0], MFD_NAME_MAX_LEN);
    Ok(super::fd::new_guest_fd(crate::hostcall::files::memfd_create(&name, a[1])? as i32)?)
}

/// Implements memfd_secret(2): the host's (flags: only O_CLOEXEC; EINVAL else, ENOSYS when
/// secretmem is disabled).
fn memfd_secret(_: &mut Ctx, a: &Args) -> SysResult {
    let fd = crate::hostcall::fdcalls::memfd_secret(a[0])?;
    Ok(super::fd::new_guest_fd(fd as i32)?)
}
