//! Process identity, exit, TLS and thread bookkeeping: exit(2), exit_group(2), getpid(2) and
//! friends, set_thread_area(2), get_thread_area(2), set_tid_address(2), set_robust_list(2), uname(2).

use crate::entry;
use crate::mem::GuestMemoryExt;
use crate::row::{Arg::*, Args, Entry, Ret};
use crate::task::{Ctx, TLS_ENTRY_MAX, TLS_ENTRY_MIN};
use crate::{abi::nr, Errno, Exit, SysError, SysResult};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::exit, exit, [Int], Ret::NoReturn),
    entry!(nr::exit_group, exit_group, [Int], Ret::NoReturn),
    entry!(nr::getpid, getpid, []),
    entry!(nr::getppid, getppid, []),
    entry!(nr::gettid, gettid, []),
    entry!(nr::set_thread_area, set_thread_area, [UserDescInOut]),
    entry!(nr::get_thread_area, get_thread_area, [Out(&UserDesc)]),
    entry!(nr::set_tid_address, set_tid_address, [Ptr]),
    entry!(nr::set_robust_list, set_robust_list, [Ptr, Uint]),
];

/// Implements exit(2): ends the calling thread; the run loop ends the process when it was the
/// last one (emu/src/thread.rs).
fn exit(_: &mut Ctx, a: &Args) -> SysResult {
    Err(SysError::Exit(Exit::Status((a[0] & 0xff) as i32)))
}

/// Implements exit_group(2).
fn exit_group(_: &mut Ctx, a: &Args) -> SysResult {
    Err(SysError::Exit(Exit::Status((a[0] & 0xff) as i32)))
}

/// Implements getpid(2).
fn getpid(_: &mut Ctx, _: &Args) -> SysResult {
    Ok(rustix::process::getpid().as_raw_nonzero().get() as u32)
}

/// Implements getppid(2).
fn getppid(_: &mut Ctx, _: &Args) -> SysResult {
    Ok(rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get() as u32))
}

/// Implements gettid(2).
fn gettid(_: &mut Ctx, _: &Args) -> SysResult {
    Ok(rustix::thread::gettid().as_raw_nonzero().get() as u32)
}

/// Implements set_tid_address(2): remembers the address, answers the caller's tid.
fn set_tid_address(ctx: &mut Ctx, a: &Args) -> SysResult {
    ctx.task.clear_child_tid = a[0];
    gettid(ctx, a)
}

/// Implements set_robust_list(2): the head is recorded (and walked when the thread ends, see
/// sys/futex.rs); its length must be the i386 `struct robust_list_head` (12 bytes).
fn set_robust_list(ctx: &mut Ctx, a: &Args) -> SysResult {
    if a[1] != 12 {
        return Err(Errno::INVAL.into());
    }
    ctx.task.robust_list = (a[0], a[1]);
    Ok(0)
}

/// `struct user_desc` from asm/ldt.h (16 bytes on i386).
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct UserDesc {
    pub entry_number: u32,
    pub base_addr: u32,
    pub limit: u32,
    /// seg_32bit:1 contents:2 read_exec_only:1 limit_in_pages:1 seg_not_present:1 useable:1 lm:1
    pub flags: u32,
}
const _: () = assert!(size_of::<UserDesc>() == 16);

impl UserDesc {
    fn bit(&self, shift: u32, width: u32) -> u64 {
        u64::from((self.flags >> shift) & ((1 << width) - 1))
    }
    fn seg_32bit(&self) -> u64 {
        self.bit(0, 1)
    }
    pub(crate) fn contents(&self) -> u64 {
        self.bit(1, 2)
    }
    fn read_exec_only(&self) -> u64 {
        self.bit(3, 1)
    }
    fn limit_in_pages(&self) -> u64 {
        self.bit(4, 1)
    }
    pub(crate) fn seg_not_present(&self) -> u64 {
        self.bit(5, 1)
    }
    fn useable(&self) -> u64 {
        self.bit(6, 1)
    }

    /// LDT_empty(): the documented way to ask for "no segment".
    fn is_empty(&self) -> bool {
        self.base_addr == 0 && self.limit == 0 && self.flags & 0x7f == 0b0101000
    }

    /// LDT_zero(): all zero but the entry number, accepted as "no segment" too.
    fn is_zero(&self) -> bool {
        self.base_addr == 0 && self.limit == 0 && self.flags & 0x7f == 0
    }

    /// tls_desc_okay() in arch/x86/kernel/tls.c.
    fn tls_okay(&self) -> bool {
        self.is_empty()
            || self.is_zero()
            || (self.seg_32bit() == 1 && self.contents() <= 1 && self.seg_not_present() == 0)
    }

    /// The 8-byte descriptor of set_thread_area: none for an empty or zero one, else fill_ldt()'s.
    fn descriptor(&self) -> u64 {
        if self.is_empty() || self.is_zero() {
            return 0;
        }
        self.fill_ldt()
    }

    /// The 8-byte descriptor as fill_ldt() builds it (DPL 3, a code or data segment, `L` clear),
    /// without its accessed bit, which the callers add.
    pub(crate) fn fill_ldt(&self) -> u64 {
        let base = u64::from(self.base_addr);
        let limit = u64::from(self.limit);
        let low = ((base & 0xffff) << 16) | (limit & 0xffff);
        let high = (base & 0xff00_0000)
            | ((base & 0x00ff_0000) >> 16)
            | (limit & 0xf_0000)
            | ((self.read_exec_only() ^ 1) << 9)
            | (self.contents() << 10)
            | ((self.seg_not_present() ^ 1) << 15)
            | (self.seg_32bit() << 22)
            | (self.limit_in_pages() << 23)
            | (self.useable() << 20)
            | 0x7000;
        low | (high << 32)
    }

    /// fill_user_desc(): the user view of a descriptor.
    fn from_descriptor(entry_number: u32, desc: u64) -> UserDesc {
        let low = desc as u32;
        let high = (desc >> 32) as u32;
        let base = (low >> 16) | ((high & 0xff) << 16) | (high & 0xff00_0000);
        let limit = (low & 0xffff) | (high & 0xf_0000);
        let ty = (high >> 8) & 0xf;
        let flags = ((high >> 22) & 1)                // seg_32bit = D
            | ((ty >> 2) << 1)                          // contents
            | (u32::from(ty & 2 == 0) << 3)             // read_exec_only
            | (((high >> 23) & 1) << 4)                 // limit_in_pages = G
            | (u32::from(high & (1 << 15) == 0) << 5)   // seg_not_present
            | (((high >> 20) & 1) << 6)                 // useable = AVL
            | (((high >> 21) & 1) << 7); // lm = L
        UserDesc { entry_number, base_addr: base, limit, flags }
    }
}

/// Implements set_thread_area(2): do_set_thread_area() with allocation allowed.
pub(super) fn set_thread_area(ctx: &mut Ctx, a: &Args) -> SysResult {
    let info: UserDesc = ctx.mem.read_obj(a[0])?;
    if !info.tls_okay() {
        return Err(Errno::INVAL.into());
    }
    let mut idx = info.entry_number;
    if idx == u32::MAX {
        idx = (TLS_ENTRY_MIN..=TLS_ENTRY_MAX).find(|&i| ctx.mem.gdt_entry(i) == 0).ok_or(Errno::SRCH)?;
        ctx.mem.write_u32(a[0], idx)?;
    }
    if !(TLS_ENTRY_MIN..=TLS_ENTRY_MAX).contains(&idx) {
        return Err(Errno::INVAL.into());
    }
    ctx.mem.set_gdt_entry(idx, info.descriptor());
    Ok(0)
}

/// Implements get_thread_area(2).
fn get_thread_area(ctx: &mut Ctx, a: &Args) -> SysResult {
    let idx = ctx.mem.read_u32(a[0])?;
    if !(TLS_ENTRY_MIN..=TLS_ENTRY_MAX).contains(&idx) {
        return Err(Errno::INVAL.into());
    }
    let info = UserDesc::from_descriptor(idx, ctx.mem.gdt_entry(idx));
    ctx.mem.write_obj(a[0], &info)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_round_trip_through_the_user_view() {
        // What glibc passes: base, 4 GiB limit in pages, 32-bit, writable, useable.
        let info = UserDesc { entry_number: 12, base_addr: 0x1234_5678, limit: 0xfffff, flags: 0x51 };
        assert!(info.tls_okay());
        let back = UserDesc::from_descriptor(12, info.descriptor());
        assert_eq!((back.base_addr, back.limit, back.flags), (0x1234_5678, 0xfffff, 0x51));
        // An empty descriptor reads back as LDT_empty.
        assert!(UserDesc::from_descriptor(12, 0).is_empty());
        // 16-bit and code segments are refused.
        assert!(!UserDesc { flags: 0x50, ..info }.tls_okay());
        assert!(!UserDesc { flags: 0x57, ..info }.tls_okay());
    }
}
