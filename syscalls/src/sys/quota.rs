//! Disk quotas: quotactl(2) and quotactl_fd(2), on the host's file systems.
//!
//! The host decides (privilege, the device or fd, the command); what is translated is each
//! command's `addr` (fs/quota/quota.c, where compat_need_64bit_alignment_fixup() is true for an
//! i386 task): `struct if_dqblk` is 68 bytes on i386 (its `__u64`s are 4-aligned, so there is no
//! tail padding) and `struct fs_quota_stat` is 64 bytes (its `fs_qfilestat`s are 20 bytes), so
//! Q_GETQUOTA, Q_SETQUOTA and Q_XGETQSTAT go through host-sized locals; every other struct
//! (`if_dqinfo`, `if_nextdqblk`, `fs_disk_quota`, `fs_quota_statv`, the format and flag words)
//! has one layout and is read or written in place. Q_QUOTAON's `addr` is a path.

use super::fs::{path, Follow};
use super::hostarg::fd;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::inplace::InPlace;
use crate::hostcall::quota::{self, QuotaAddr, LOCAL_MIN};
use crate::mem::{GuestMemoryExt, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

pub static ENTRIES: &[Entry] =
    &[entry!(nr::quotactl, quotactl, [Hex, Str, Int, Ptr]), entry!(nr::quotactl_fd, quotactl_fd, [Fd, Hex, Int, Ptr])];

const Q_QUOTAON: u32 = 0x80_0002;
const Q_GETFMT: u32 = 0x80_0004;
const Q_GETINFO: u32 = 0x80_0005;
const Q_SETINFO: u32 = 0x80_0006;
const Q_GETQUOTA: u32 = 0x80_0007;
const Q_SETQUOTA: u32 = 0x80_0008;
const Q_GETNEXTQUOTA: u32 = 0x80_0009;
const Q_XQUOTAON: u32 = 0x5801;
const Q_XQUOTAOFF: u32 = 0x5802;
const Q_XGETQUOTA: u32 = 0x5803;
const Q_XSETQLIM: u32 = 0x5804;
const Q_XGETQSTAT: u32 = 0x5805;
const Q_XQUOTARM: u32 = 0x5806;
const Q_XGETQSTATV: u32 = 0x5808;
const Q_XGETNEXTQUOTA: u32 = 0x5809;

/// `struct if_dqblk`: 72 bytes on x86-64, 68 on i386 (`struct compat_if_dqblk`).
const DQBLK: usize = 72;
const DQBLK32: usize = 68;
/// `struct fs_quota_stat`: 72 bytes on x86-64, 64 on i386 (`struct compat_fs_quota_stat`).
const QSTAT: usize = 72;
const QSTAT32: usize = 64;
// The host-sized locals are LOCAL_MIN bytes, enough for either struct.
const _: () = assert!(DQBLK <= LOCAL_MIN && QSTAT <= LOCAL_MIN);

/// What the host gets for `addr`, and what to copy back to the guest afterwards.
enum Addr {
    /// Guest memory in place, NULL, or refused.
    Guest(InPlace),
    /// Not used by the command.
    Unused,
    /// A path (Q_QUOTAON).
    Path(super::fs::HostPath),
    /// A local struct the host reads (Q_SETQUOTA).
    In(Vec<u8>),
    /// A local struct the host writes, converted to the guest's after a success.
    Out(Vec<u8>, fn(&[u8]) -> Vec<u8>),
}

impl Addr {
    fn host(&mut self) -> QuotaAddr<'_> {
        match self {
            Addr::Guest(g) => QuotaAddr::Guest(*g),
            Addr::Unused => QuotaAddr::Unused,
            Addr::Path(p) => QuotaAddr::Path(p),
            Addr::In(v) | Addr::Out(v, _) => QuotaAddr::Local(v),
        }
    }
}

/// The host's `if_dqblk` as the compat one: the first 68 bytes (the kernel copies the
/// `__u64`s and `dqb_valid`, which are at the same offsets).
fn dqblk32(host: &[u8]) -> Vec<u8> {
    host[..DQBLK32].to_vec()
}

/// compat_copy_fs_quota_stat(): the header, the two `fs_qfilestat`s at 20 bytes each, the limits.
fn qstat32(h: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; QSTAT32];
    out[..8].copy_from_slice(&h[..8]);
    out[8..28].copy_from_slice(&h[8..28]);
    out[28..48].copy_from_slice(&h[32..52]);
    out[48..64].copy_from_slice(&h[56..72]);
    out
}

/// The host's `addr` for `cmd` (the subcommand is `cmd >> 8`; the quota type is the low byte).
fn addr(ctx: &Ctx, cmd: u32, addr: u32) -> Addr {
    let local = |n: usize| Addr::Guest(InPlace::new(ctx.mem, addr, n, Prot::READ));
    let out = |n: usize| Addr::Guest(InPlace::new(ctx.mem, addr, n, Prot::WRITE));
    match cmd >> 8 {
        Q_QUOTAON => Addr::Path(path(ctx, addr, Follow::Yes)),
        Q_GETFMT => out(4),
        Q_GETINFO => out(24),
        Q_SETINFO => local(24),
        Q_GETQUOTA => Addr::Out(vec![0; LOCAL_MIN], dqblk32),
        Q_SETQUOTA => {
            let mut v = vec![0u8; LOCAL_MIN];
            match ctx.mem.read(addr, &mut v[..DQBLK32]) {
                Ok(()) => Addr::In(v),
                Err(_) => Addr::Guest(InPlace::Refused),
            }
        }
        Q_GETNEXTQUOTA => out(72),
        Q_XQUOTAON | Q_XQUOTAOFF | Q_XQUOTARM => local(4),
        Q_XGETQUOTA | Q_XGETNEXTQUOTA => out(112),
        Q_XSETQLIM => local(112),
        Q_XGETQSTAT => Addr::Out(vec![0; LOCAL_MIN], qstat32),
        // The host reads `qs_version` first, then writes the struct.
        Q_XGETQSTATV => Addr::Guest(InPlace::new(ctx.mem, addr, 160, Prot::READ | Prot::WRITE)),
        // Q_SYNC, Q_QUOTAOFF, Q_XQUOTASYNC and unknown commands (EINVAL) do not read it.
        _ => Addr::Unused,
    }
}

/// The host's answer, then a local output struct copied to the guest in its layout (EFAULT).
fn finish(ctx: &mut Ctx, r: Result<i64, crate::Errno>, out: Addr, to: u32) -> SysResult {
    let v = r? as u32;
    if let Addr::Out(host, convert) = out {
        ctx.mem.write(to, &convert(&host))?;
    }
    Ok(v)
}

/// Implements quotactl(2): the host's (the special device, read as a path, NULL only for
/// Q_SYNC) with the command's `addr` translated.
fn quotactl(ctx: &mut Ctx, a: &Args) -> SysResult {
    let special = path(ctx, a[1], Follow::Yes);
    let mut at = addr(ctx, a[0], a[3]);
    // Q_GETQUOTA and Q_XGETQSTAT with an address the guest cannot write: the host still runs
    // (its answer comes first), then the copy-out faults.
    let r = quota::quotactl(a[0], &special, a[2] as i32, at.host());
    finish(ctx, r, at, a[3])
}

/// Implements quotactl_fd(2): as quotactl(2), on the file system of a guest fd.
fn quotactl_fd(ctx: &mut Ctx, a: &Args) -> SysResult {
    let mut at = addr(ctx, a[1], a[3]);
    let r = quota::quotactl_fd(fd(a[0]) as i32, a[1], a[2] as i32, at.host());
    finish(ctx, r, at, a[3])
}
