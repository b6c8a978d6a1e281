//! Host calls on a userfaultfd that the emulator makes for itself (the guest's own ioctls go
//! through the fd layer with their i386 structs).

use libc::c_int;

/// `_IOWR(UFFDIO, _UFFDIO_API, struct uffdio_api)`.
pub const UFFDIO_API: u32 = 0xc018_aa3f;
/// `sizeof(struct uffdio_api)`: api, features, ioctls.
pub const UFFDIO_API_SIZE: usize = 24;

/// `UFFDIO_UNREGISTER`: `_IOR(0xAA, 0x01, struct uffdio_range)`.
const UFFDIO_UNREGISTER: libc::c_ulong = 0x8010_aa01;

/// Whether host userfaultfd `fd` had its UFFDIO_API handshake: the host answers an UNREGISTER of
/// a page of this thread's stack (never registered: no effect) with 0 then, EINVAL before.
pub fn handshake_done(fd: c_int) -> bool {
    let local = 0u8;
    let page = (std::ptr::from_ref(&local) as u64) & !0xfff;
    // `struct uffdio_range` (start, len), writable: whatever `fd` is, a request of this number
    // touches at most these 16 bytes.
    let mut range = [page, 4096u64];
    // SAFETY: the request reads (at most writes) the 16-byte local array; the range it names is
    // only looked up (nothing is registered there, so nothing changes).
    let r = unsafe { libc::syscall(libc::SYS_ioctl, fd, UFFDIO_UNREGISTER, range.as_mut_ptr()) };
    r == 0
}
