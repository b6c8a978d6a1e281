//! userfaultfd(2): the fd, its UFFDIO_API handshake, and the range requests' answers for a guest
//! whose memory cannot be registered.
//!
//! The fd is a host userfaultfd and UFFDIO_API's `struct uffdio_api` (three `__u64`) is the same
//! on i386 and x86-64, so the handshake is the host's: the features and ioctls it reports are the
//! host kernel's.
//!
//! Registering guest memory is not offered: a fault on a registered range would be taken by the
//! host thread that runs the guest thread (in translated code, or in a syscall handler's copy)
//! while it holds the emulator lock, and the guest thread that should resolve it (read the
//! message, UFFDIO_COPY) needs that lock to run: the process would hang. So UFFDIO_REGISTER
//! answers what the kernel answers for memory userfaultfd cannot handle (EINVAL, as for a
//! VM_DROPPABLE or file mapping), after every check the kernel makes before that one, in its order
//! (fs/userfaultfd.c: userfaultfd_ioctl(), userfaultfd_register()). The other range requests
//! then answer as for memory nobody registered, which is all of it: UNREGISTER 0 over memory
//! that could have been registered and EINVAL over a hole or a file mapping, WAKE 0, COPY and
//! ZEROPAGE ENOENT (mfill_atomic() finds no registered VMA), with their checks before. Every
//! other UFFDIO request is EINVAL (the switch's default), and so is every request before the
//! handshake. All of these structs are `__u64` fields only, the same on i386.

use super::hostarg::uint;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::numbers;
use crate::mem::GuestMemoryExt;
use crate::row::{Arg::*, Args, Entry};
use crate::space::VmaKind;
use crate::task::Ctx;
use crate::{Errno, SysResult};
use std::os::unix::ffi::OsStrExt;

use crate::hostcall::uffd::UFFDIO_API;
use crate::space::TASK_SIZE;

const UFFD_FLAGS: &[(u32, &str)] = &[(0o2000000, "O_CLOEXEC"), (0o4000, "O_NONBLOCK"), (1, "UFFD_USER_MODE_ONLY")];

pub static ENTRIES: &[Entry] = &[entry!(nr::userfaultfd, userfaultfd, [Flags(UFFD_FLAGS)])];

/// Implements userfaultfd(2): the host's call (the flags, then the privilege check of
/// vm.unprivileged_userfaultfd, in fs/userfaultfd.c's order).
fn userfaultfd(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(super::fd::new_guest_fd(numbers(libc::SYS_userfaultfd, &[uint(a[0])])? as i32)?)
}

/// The UFFDIO ioctl type byte.
const UFFDIO: u32 = 0xaa;
/// `_IOWR(UFFDIO, 0x00, struct uffdio_register)`, `_IOR(UFFDIO, 0x01/0x02, struct uffdio_range)`,
/// `_IOWR(UFFDIO, 0x03, struct uffdio_copy)`, `_IOWR(UFFDIO, 0x04, struct uffdio_zeropage)`.
const UFFDIO_REGISTER: u32 = 0xc020_aa00;
const UFFDIO_UNREGISTER: u32 = 0x8010_aa01;
const UFFDIO_WAKE: u32 = 0x8010_aa02;
const UFFDIO_COPY: u32 = 0xc028_aa03;
const UFFDIO_ZEROPAGE: u32 = 0xc020_aa04;
/// UFFD_API_REGISTER_MODES of x86-64: MISSING, WP, MINOR.
const REGISTER_MODES: u64 = 7;
const COPY_MODE_DONTWAKE: u64 = 1;
const COPY_MODE_WP: u64 = 2;
const ZEROPAGE_MODE_DONTWAKE: u64 = 1;

/// The UFFDIO requests on a userfaultfd (`None`: not one, the caller goes on).
pub fn ioctl(ctx: &mut Ctx, fd: i32, req: u32, arg: u32) -> Option<SysResult> {
    if (req >> 8) & 0xff != UFFDIO || req == UFFDIO_API || !is_userfaultfd(fd) {
        return None;
    }
    Some(uffd_ioctl(ctx, fd, req, arg).map_err(Into::into))
}

/// userfaultfd_ioctl().
fn uffd_ioctl(ctx: &mut Ctx, fd: i32, req: u32, arg: u32) -> Result<u32, Errno> {
    if !crate::hostcall::uffd::handshake_done(fd) {
        return Err(Errno::INVAL);
    }
    let words = |n: usize| -> Result<Vec<u64>, Errno> {
        let mut buf = vec![0u8; n * 8];
        ctx.mem.read(arg, &mut buf)?;
        Ok(buf.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect())
    };
    match req {
        UFFDIO_REGISTER => {
            // range, mode (the ioctls field is only written).
            let w = words(3)?;
            if w[2] == 0 || w[2] & !REGISTER_MODES != 0 {
                return Err(Errno::INVAL);
            }
            validate_range(w[0], w[1])?;
            // The VMAs: none of the guest's can be registered (see the module comment).
            Err(Errno::INVAL)
        }
        UFFDIO_UNREGISTER => {
            let w = words(2)?;
            validate_range(w[0], w[1])?;
            unregister(ctx, w[0], w[0] + w[1])
        }
        UFFDIO_WAKE => {
            let w = words(2)?;
            validate_range(w[0], w[1])?;
            Ok(0)
        }
        UFFDIO_COPY => {
            // dst, src, len, mode; then `copy` is written.
            let w = words(4)?;
            validate_unaligned_range(w[1], w[2])?;
            validate_range(w[0], w[2])?;
            if w[3] & !(COPY_MODE_DONTWAKE | COPY_MODE_WP) != 0 {
                return Err(Errno::INVAL);
            }
            not_registered(ctx, arg.wrapping_add(32))
        }
        UFFDIO_ZEROPAGE => {
            // range, mode; then `zeropage` is written.
            let w = words(3)?;
            validate_range(w[0], w[1])?;
            if w[2] & !ZEROPAGE_MODE_DONTWAKE != 0 {
                return Err(Errno::INVAL);
            }
            not_registered(ctx, arg.wrapping_add(24))
        }
        _ => Err(Errno::INVAL),
    }
}

/// mfill_atomic()'s -ENOENT for a destination nobody registered, stored in the struct's result
/// field first (a field that cannot be written is EFAULT).
fn not_registered(ctx: &mut Ctx, field: u32) -> Result<u32, Errno> {
    let enoent = -i64::from(Errno::NOENT.raw_os_error());
    ctx.mem.write(field, &enoent.to_le_bytes())?;
    Err(Errno::NOENT)
}

/// userfaultfd_unregister() over `[start, end)` when nothing is registered: EINVAL without a VMA
/// there or with one userfaultfd cannot handle (vma_can_userfault(): only anonymous memory, shmem
/// and hugetlbfs can), else 0.
fn unregister(ctx: &Ctx, start: u64, end: u64) -> Result<u32, Errno> {
    let mut found = false;
    for v in ctx.task.mm.get(ctx.held).vmas().filter(|v| u64::from(v.start) < end && v.end > start) {
        found = true;
        let can = match &v.kind {
            VmaKind::Anon | VmaKind::Heap | VmaKind::Stack => true,
            VmaKind::File { path, .. } => {
                let p = path.as_os_str().as_bytes();
                p.starts_with(b"/dev/zero")
                    || p.starts_with(b"/SYSV")
                    || p.starts_with(b"/memfd:")
                    || p.starts_with(b"/dev/shm/")
            }
            VmaKind::Special(_) => false,
        };
        if !can {
            return Err(Errno::INVAL);
        }
    }
    if found {
        Ok(0)
    } else {
        Err(Errno::INVAL)
    }
}

/// validate_unaligned_range() against a 32-bit task's size.
fn validate_unaligned_range(start: u64, len: u64) -> Result<(), Errno> {
    if len & 0xfff != 0 || len == 0 || start >= TASK_SIZE || len > TASK_SIZE - start {
        return Err(Errno::INVAL);
    }
    Ok(())
}

/// validate_range(): page-aligned too.
fn validate_range(start: u64, len: u64) -> Result<(), Errno> {
    if start & 0xfff != 0 {
        return Err(Errno::INVAL);
    }
    validate_unaligned_range(start, len)
}

/// Whether the host fd is a userfaultfd.
fn is_userfaultfd(fd: i32) -> bool {
    fd >= 0
        && rustix::fs::readlink(format!("/proc/self/fd/{fd}"), Vec::new())
            .is_ok_and(|p| p.as_bytes() == b"anon_inode:[userfaultfd]")
}
