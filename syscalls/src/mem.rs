//! Guest memory as the syscall layer sees it.
//!
//! [`GuestMemory`] is the contract between handlers and the machine: every access names a guest
//! address and a length, and either the whole range is accessible with the asked permission or the
//! call fails with `EFAULT` and nothing is read or written. Nothing here panics on a guest value:
//! address arithmetic is checked and wraps to `EFAULT`.
//!
//! The emulator's implementation hands out slices of host memory directly (guest memory *is* host
//! memory), so `recv` into a guest buffer is a plain host `recv` into [`GuestMemory::slice_mut`].

use crate::Errno;
use bitflags::bitflags;
use std::os::fd::BorrowedFd;
use zerocopy::{FromBytes, Immutable, IntoBytes};

pub mod guard;
pub mod pages;

/// Guest page size.
pub const PAGE_SIZE: u32 = 4096;

/// A guest address: where a guest pointer points. Arithmetic on it is checked: an address past
/// the 4 GiB the guest addresses is `EFAULT`, as access_ok() refuses a range that wraps, where
/// arithmetic on a bare `u32` would wrap to the bottom of memory. A `u32` converts, and
/// [`GuestMemoryExt`] takes either.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GuestAddr(u32);

impl GuestAddr {
    pub const NULL: GuestAddr = GuestAddr(0);

    pub const fn new(addr: u32) -> Self {
        GuestAddr(addr)
    }

    /// The address as the guest's register holds it.
    pub const fn get(self) -> u32 {
        self.0
    }

    pub const fn is_null(self) -> bool {
        self.0 == 0
    }

    /// The address `bytes` further on (a field of the struct here, the rest of a buffer); `EFAULT`
    /// past 4 GiB.
    pub fn offset(self, bytes: u32) -> Result<GuestAddr, Errno> {
        self.0.checked_add(bytes).map(GuestAddr).ok_or(Errno::FAULT)
    }

    /// Element `i` of an array of `size`-byte elements that starts here; `EFAULT` past 4 GiB.
    pub fn element(self, i: u32, size: usize) -> Result<GuestAddr, Errno> {
        let off = u64::try_from(size).ok().and_then(|s| s.checked_mul(u64::from(i))).ok_or(Errno::FAULT)?;
        u32::try_from(u64::from(self.0) + off).map(GuestAddr).map_err(|_| Errno::FAULT)
    }

    /// Element `i` of an array of `T` (laid out as the guest lays it out) that starts here.
    pub fn index<T>(self, i: u32) -> Result<GuestAddr, Errno> {
        self.element(i, size_of::<T>())
    }
}

/// Guest memory as a host address, for a host call that reads or writes it in place (the host
/// faults, EFAULT or a short transfer, exactly where and when the guest's kernel would). Only the
/// memory layer hands one out ([`GuestMemoryExt::host_buf`]), so a host call given one touches
/// guest memory and nothing of the emulator's. Never dereferenced from Rust.
#[derive(Debug, Clone, Copy)]
pub struct HostRange {
    ptr: *mut u8,
    len: usize,
}

impl HostRange {
    /// The host address of the first byte.
    pub fn as_ptr(self) -> *mut u8 {
        self.ptr
    }

    /// How many bytes the range covers.
    pub fn len(self) -> usize {
        self.len
    }

    pub fn is_empty(self) -> bool {
        self.len == 0
    }
}

impl From<u32> for GuestAddr {
    fn from(addr: u32) -> Self {
        GuestAddr(addr)
    }
}

bitflags! {
    /// Page permissions, as `PROT_*` on i386.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Prot: u32 {
        const READ = 1;
        const WRITE = 2;
        const EXEC = 4;
    }
}

/// What backs a new mapping.
#[derive(Debug, Clone, Copy)]
pub enum Backing<'a> {
    /// Zero-filled memory; `shared` survives fork as shared memory.
    Anon { shared: bool },
    /// A file range; `shared` writes go to the file.
    File { fd: BorrowedFd<'a>, offset: u64, shared: bool },
    /// A System V shared memory segment (shmat(2)); `flags` are its SHM_RDONLY and SHM_EXEC.
    SysvShm { id: i32, flags: i32 },
}

/// A failed [`GuestMemory::map`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapError {
    pub errno: Errno,
    /// The old contents of the range are gone: the range is now unmapped.
    pub unmapped: bool,
}

impl From<Errno> for MapError {
    fn from(errno: Errno) -> Self {
        MapError { errno, unmapped: false }
    }
}

/// Byte-level access to guest memory plus the page-level mapping primitives.
///
/// Mapping policy (where a mapping goes, what is free, brk) lives in [`crate::sys::mm::Mm`];
/// implementations only carry it out.
pub trait GuestMemory {
    /// The guest bytes `[addr, addr+len)`, readable by the guest.
    fn slice(&self, addr: u32, len: usize) -> Result<&[u8], Errno>;
    /// The guest bytes `[addr, addr+len)`, writable by the guest.
    fn slice_mut(&mut self, addr: u32, len: usize) -> Result<&mut [u8], Errno>;
    /// A host address for `[addr, addr+len)` to hand to a host syscall, so that the host kernel
    /// faults (EFAULT, or a short transfer) exactly where and when the guest's kernel would: every
    /// page must either allow `access` or be unmapped (unmapped guest pages are inaccessible host
    /// pages). A page mapped without the permission, or a range past 4 GiB, is EFAULT here.
    /// Never dereference the result from Rust.
    fn host_range(&self, addr: u32, len: usize, access: Prot) -> Result<*mut u8, Errno>;
    /// The host address of guest `addr`, unchecked, for a host call that must fault exactly as
    /// the guest's kernel would on whatever is there (a futex word, perf's attr: unmapped guest
    /// pages are inaccessible host pages); `None` when guest memory is not host memory (unit
    /// tests' flat memory). Never dereference it from Rust without a check of its own.
    fn host_addr(&self, _addr: u32) -> Option<*mut u8> {
        None
    }
    /// The longest readable run starting at `addr`, at most `max` bytes (empty if `addr` is bad).
    fn readable_prefix(&self, addr: u32, max: usize) -> &[u8];
    /// Map `[addr, addr+len)` (page aligned) with `prot`, replacing whatever was there.
    ///
    /// On failure the range is as it was, except when the host kernel dropped the old mapping
    /// before failing (it does for a socket's mmap, ENODEV): then the range is unmapped here too,
    /// which is also what the guest's kernel would have done, and the error says so.
    fn map(&mut self, addr: u32, len: u32, prot: Prot, backing: Backing) -> Result<(), MapError>;
    /// Unmap `[addr, addr+len)` (page aligned); unmapped pages in the range are fine.
    fn unmap(&mut self, addr: u32, len: u32) -> Result<(), Errno>;
    /// Change the guest permissions of mapped pages in `[addr, addr+len)`.
    fn protect(&mut self, addr: u32, len: u32, prot: Prot) -> Result<(), Errno>;
    /// The mapped pages of `[addr, addr+len)` now belong to a file or a shared-memory object
    /// (mremap moved or grew one there): they may lie past its end, where reading them is SIGBUS,
    /// so the slices above must check them first. [`GuestMemory::map`] notes this by itself.
    fn mark_object_backed(&mut self, _addr: u32, _len: u32) {}
    /// A file may have shrunk (truncate, ftruncate): pages the CPU's TLB holds may now lie past
    /// its end, where the next access must fault (SIGBUS) instead of reaching the host's.
    fn objects_resized(&mut self) {}
    /// Write GDT entry `index` of the calling thread's CPU. The GDT sits outside the guest's 4 GiB,
    /// where guest code cannot reach it (emu/src/cpu.rs); entries 12..=14 are the TLS entries
    /// set_thread_area hands out.
    fn set_gdt_entry(&mut self, index: u32, desc: u64);
    /// Read GDT entry `index` of the calling thread's CPU.
    fn gdt_entry(&self, index: u32) -> u64;
}

/// Typed helpers over [`GuestMemory`] (vm-memory's `Bytes`). Each takes a [`GuestAddr`] or a
/// plain `u32`.
pub trait GuestMemoryExt: GuestMemory {
    /// Copy `buf.len()` guest bytes at `addr` into `buf`.
    fn read(&self, addr: impl Into<GuestAddr>, buf: &mut [u8]) -> Result<(), Errno> {
        buf.copy_from_slice(self.slice(addr.into().get(), buf.len())?);
        Ok(())
    }

    /// Copy `buf` to guest memory at `addr`.
    fn write(&mut self, addr: impl Into<GuestAddr>, buf: &[u8]) -> Result<(), Errno> {
        self.slice_mut(addr.into().get(), buf.len())?.copy_from_slice(buf);
        Ok(())
    }

    /// Read a guest struct laid out as `T`.
    fn read_obj<T: FromBytes>(&self, addr: impl Into<GuestAddr>) -> Result<T, Errno> {
        let bytes = self.slice(addr.into().get(), size_of::<T>())?;
        T::read_from_bytes(bytes).map_err(|_| Errno::FAULT)
    }

    /// Write a guest struct laid out as `T`.
    fn write_obj<T: IntoBytes + Immutable>(&mut self, addr: impl Into<GuestAddr>, value: &T) -> Result<(), Errno> {
        self.write(addr, value.as_bytes())
    }

    fn read_u32(&self, addr: impl Into<GuestAddr>) -> Result<u32, Errno> {
        self.read_obj::<[u8; 4]>(addr).map(u32::from_le_bytes)
    }

    fn write_u32(&mut self, addr: impl Into<GuestAddr>, value: u32) -> Result<(), Errno> {
        self.write(addr, &value.to_le_bytes())
    }

    /// `[addr, addr+len)` for a host call that accesses it with `access`: see
    /// [`GuestMemory::host_range`].
    fn host_buf(&self, addr: impl Into<GuestAddr>, len: usize, access: Prot) -> Result<HostRange, Errno> {
        let ptr = self.host_range(addr.into().get(), len, access)?;
        Ok(HostRange { ptr, len })
    }

    /// Read a NUL-terminated string of at most `max` bytes before the NUL, even across page
    /// boundaries. `EFAULT` if a byte before the NUL is unreadable, `too_long` if there is no NUL
    /// within `max` bytes (ENAMETOOLONG for paths, E2BIG for exec strings).
    fn read_cstr(&self, addr: impl Into<GuestAddr>, max: usize, too_long: Errno) -> Result<Vec<u8>, Errno> {
        let run = self.readable_prefix(addr.into().get(), max + 1);
        match run.iter().position(|&b| b == 0) {
            Some(n) => Ok(run[..n].to_vec()),
            None if run.len() > max => Err(too_long),
            None => Err(Errno::FAULT),
        }
    }

    /// A path argument: at most `PATH_MAX - 1` bytes, and `ENOENT` when empty (getname()).
    fn read_path(&self, addr: impl Into<GuestAddr>) -> Result<Vec<u8>, Errno> {
        let path = self.read_cstr(addr, PATH_MAX - 1, Errno::NAMETOOLONG)?;
        if path.is_empty() {
            return Err(Errno::NOENT);
        }
        Ok(path)
    }
}

impl<M: GuestMemory + ?Sized> GuestMemoryExt for M {}

/// `PATH_MAX` from linux/limits.h, including the NUL.
pub const PATH_MAX: usize = 4096;

/// The guest word at `addr` (aligned, guest-writable) as a host atomic: for words the host
/// kernel or other guest threads may change meanwhile (a robust futex). EFAULT when the guest
/// cannot write it or guest memory is not host memory, EINVAL when misaligned.
pub fn atomic_u32(mem: &mut dyn GuestMemory, addr: u32) -> Result<&std::sync::atomic::AtomicU32, Errno> {
    if addr & 3 != 0 {
        return Err(Errno::INVAL);
    }
    mem.slice_mut(addr, 4)?;
    let host = mem.host_addr(addr).ok_or(Errno::FAULT)?;
    // SAFETY: an aligned, mapped, guest-writable word of guest memory, which is host memory that
    // lives as long as `mem`; shared with other threads, so reached only atomically.
    Ok(unsafe { &*host.cast::<std::sync::atomic::AtomicU32>() })
}

/// Round `n` up to the page size; `None` when that overflows the 32-bit space.
pub fn page_up(n: u32) -> Option<u32> {
    n.checked_add(PAGE_SIZE - 1).map(|v| v & !(PAGE_SIZE - 1))
}

/// `addr + len` as the end of a range, `EFAULT` when it wraps past 4 GiB.
pub fn range_end(addr: u32, len: usize) -> Result<u64, Errno> {
    let end = u64::from(addr) + len as u64;
    if end > 1 << 32 {
        return Err(Errno::FAULT);
    }
    Ok(end)
}

#[cfg(test)]
pub mod testing {
    //! A flat in-memory [`GuestMemory`] for unit tests: `[base, base+len)` is readable and writable.
    use super::*;

    pub struct FlatMemory {
        pub base: u32,
        pub bytes: Vec<u8>,
        pub gdt: [u64; 16],
    }

    impl FlatMemory {
        pub fn new(base: u32, len: usize) -> Self {
            FlatMemory { base, bytes: vec![0; len], gdt: [0; 16] }
        }

        fn offset(&self, addr: u32, len: usize) -> Result<usize, Errno> {
            let start = addr.checked_sub(self.base).ok_or(Errno::FAULT)? as usize;
            let end = start.checked_add(len).ok_or(Errno::FAULT)?;
            if end > self.bytes.len() {
                return Err(Errno::FAULT);
            }
            Ok(start)
        }
    }

    impl GuestMemory for FlatMemory {
        fn slice(&self, addr: u32, len: usize) -> Result<&[u8], Errno> {
            let start = self.offset(addr, len)?;
            Ok(&self.bytes[start..start + len])
        }
        fn slice_mut(&mut self, addr: u32, len: usize) -> Result<&mut [u8], Errno> {
            let start = self.offset(addr, len)?;
            Ok(&mut self.bytes[start..start + len])
        }
        fn host_range(&self, addr: u32, len: usize, _: Prot) -> Result<*mut u8, Errno> {
            Ok(self.slice(addr, len)?.as_ptr().cast_mut())
        }
        fn readable_prefix(&self, addr: u32, max: usize) -> &[u8] {
            match addr.checked_sub(self.base) {
                Some(start) if (start as usize) < self.bytes.len() => {
                    let start = start as usize;
                    &self.bytes[start..self.bytes.len().min(start + max)]
                }
                _ => &[],
            }
        }
        fn map(&mut self, _: u32, _: u32, _: Prot, _: Backing) -> Result<(), MapError> {
            Err(Errno::NOMEM.into())
        }
        fn unmap(&mut self, _: u32, _: u32) -> Result<(), Errno> {
            Ok(())
        }
        fn protect(&mut self, _: u32, _: u32, _: Prot) -> Result<(), Errno> {
            Ok(())
        }
        fn set_gdt_entry(&mut self, index: u32, desc: u64) {
            self.gdt[index as usize % 16] = desc;
        }
        fn gdt_entry(&self, index: u32) -> u64 {
            self.gdt[index as usize % 16]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::FlatMemory;
    use super::*;

    #[test]
    fn cstr_stops_at_nul_and_faults_at_the_end_of_memory() {
        let mut m = FlatMemory::new(0x1000, 8);
        m.write(0x1000, b"abc\0defg").unwrap();
        assert_eq!(m.read_cstr(0x1000, 100, Errno::NAMETOOLONG).unwrap(), b"abc");
        assert_eq!(m.read_cstr(0x1004, 100, Errno::NAMETOOLONG), Err(Errno::FAULT));
        assert_eq!(m.read_cstr(0x1004, 2, Errno::NAMETOOLONG), Err(Errno::NAMETOOLONG));
        assert_eq!(m.read_path(0x1003), Err(Errno::NOENT));
    }

    #[test]
    fn access_past_the_end_is_efault_not_a_short_count() {
        let m = FlatMemory::new(0x1000, 8);
        let mut buf = [0u8; 4];
        assert_eq!(m.read(0x1006, &mut buf), Err(Errno::FAULT));
        assert_eq!(m.read_u32(0xffff_fffe), Err(Errno::FAULT));
        assert!(m.read(0x1004, &mut buf).is_ok());
    }

    #[test]
    fn address_arithmetic_past_4_gib_is_efault() {
        let top = GuestAddr::new(0xffff_fff0);
        assert_eq!(top.offset(0xf).map(GuestAddr::get), Ok(0xffff_ffff));
        assert_eq!(top.offset(0x10), Err(Errno::FAULT));
        assert_eq!(top.element(3, 4).map(GuestAddr::get), Ok(0xffff_fffc));
        assert_eq!(top.element(4, 4), Err(Errno::FAULT));
        assert_eq!(GuestAddr::new(0x1000).index::<u64>(u32::MAX), Err(Errno::FAULT));
        assert_eq!(GuestAddr::new(0x1000).index::<[u8; 12]>(2).map(GuestAddr::get), Ok(0x1018));
    }
}
