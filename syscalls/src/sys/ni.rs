//! Numbers of the i386 table that a 64-bit kernel answers ENOSYS for every 32-bit task, whatever
//! its configuration: the calls that were never implemented (`sys_ni_syscall` in
//! arch/x86/entry/syscalls/syscall_32.tbl: break, stty, gtty, ftime, prof, lock, mpx, ulimit,
//! profil, idle, create_module, get_kernel_syms, afs_syscall, query_module, nfsservctl, getpmsg,
//! putpmsg, vserver), vm86old and vm86 (32-bit kernels only), and the removed bdflush (5.15),
//! _sysctl (5.5) and lookup_dcookie (6.8). Each has its row, so that the answer is the kernel's
//! and not the "unsupported" log of a number the emulator does not know.

use crate::abi::nr;
use crate::entry;
use crate::row::{Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::r#break, ni_syscall, []),
    entry!(nr::stty, ni_syscall, []),
    entry!(nr::gtty, ni_syscall, []),
    entry!(nr::ftime, ni_syscall, []),
    entry!(nr::prof, ni_syscall, []),
    entry!(nr::lock, ni_syscall, []),
    entry!(nr::mpx, ni_syscall, []),
    entry!(nr::ulimit, ni_syscall, []),
    entry!(nr::profil, ni_syscall, []),
    entry!(nr::idle, ni_syscall, []),
    entry!(nr::vm86old, ni_syscall, []),
    entry!(nr::create_module, ni_syscall, []),
    entry!(nr::get_kernel_syms, ni_syscall, []),
    entry!(nr::bdflush, ni_syscall, []),
    entry!(nr::afs_syscall, ni_syscall, []),
    entry!(nr::_sysctl, ni_syscall, []),
    entry!(nr::vm86, ni_syscall, []),
    entry!(nr::query_module, ni_syscall, []),
    entry!(nr::nfsservctl, ni_syscall, []),
    entry!(nr::getpmsg, ni_syscall, []),
    entry!(nr::putpmsg, ni_syscall, []),
    entry!(nr::lookup_dcookie, ni_syscall, []),
    entry!(nr::vserver, ni_syscall, []),
];

/// sys_ni_syscall(): ENOSYS.
fn ni_syscall(_: &mut Ctx, _: &Args) -> SysResult {
    Err(Errno::NOSYS.into())
}
