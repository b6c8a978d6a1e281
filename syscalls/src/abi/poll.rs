//! fd multiplexing at i386 layouts: `struct pollfd`, `struct epoll_event`, old select(2)'s argument
//! block, pselect6's sigset argument pack, and the poll/epoll constants.
//!
//! `struct pollfd` and `struct epoll_event` have the same bytes on i386 and x86-64 (the x86-64
//! `epoll_event` is declared `__attribute__((packed))` precisely so that it matches i386), so both
//! pass to the host unchanged. `fd_set` is an array of `long`s: 32-bit words on i386, 64-bit on the
//! host, the same bits in the same little-endian order; only the lengths differ.

use zerocopy::little_endian::{I16, I32, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct pollfd` (asm-generic/poll.h).
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct PollFd {
    pub fd: I32,
    pub events: I16,
    pub revents: I16,
}
const _: () = assert!(size_of::<PollFd>() == 8);
const _: () = assert!(size_of::<PollFd>() == size_of::<libc::pollfd>());
/// Offset of `revents`, the only field poll(2) writes back.
pub const POLLFD_REVENTS: u32 = 6;

/// `struct epoll_event` (linux/eventpoll.h): 12 bytes, `data` at offset 4.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct EpollEvent {
    pub events: U32,
    pub data: U64,
}
const _: () = assert!(size_of::<EpollEvent>() == 12);
const _: () = assert!(size_of::<libc::epoll_event>() == 12);

/// `struct compat_sel_arg_struct` (fs/select.c): old select(2)'s (nr 82) single argument.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct SelArgs {
    pub n: U32,
    pub inp: U32,
    pub outp: U32,
    pub exp: U32,
    pub tvp: U32,
}
const _: () = assert!(size_of::<SelArgs>() == 20);

/// `struct compat_sigset_argpack` (fs/select.c): what pselect6's sixth argument points at.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct SigsetArgpack {
    pub p: U32,
    pub size: U32,
}
const _: () = assert!(size_of::<SigsetArgpack>() == 8);

/// `sizeof(compat_sigset_t)`: 64 signals, the same as the host's kernel sigset.
pub const SIGSET_SIZE: u32 = 8;

/// poll(2) event bits (asm-generic/poll.h; the same on both).
pub const POLLNVAL: i16 = 0x20;

/// `EP_MAX_EVENTS`: `INT_MAX / sizeof(struct epoll_event)`.
pub const EP_MAX_EVENTS: u32 = i32::MAX as u32 / 12;

/// epoll_ctl(2) operations.
pub const EPOLL_CTL_ADD: u32 = 1;
pub const EPOLL_CTL_DEL: u32 = 2;
pub const EPOLL_CTL_MOD: u32 = 3;

/// `__NFDBITS` on i386: bits in one `fd_set` word.
pub const NFDBITS32: usize = 32;
/// `NR_OPEN_DEFAULT` on a 64-bit kernel: the fd table a process starts with.
pub const NR_OPEN_DEFAULT: usize = 64;
/// `sysctl_nr_open`'s default (`NR_OPEN`): no fd table grows past it.
pub const NR_OPEN: usize = 1 << 20;

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    #[test]
    fn epoll_event_data_sits_at_offset_4_on_both() {
        assert_eq!(offset_of!(EpollEvent, data), 4);
        assert_eq!(offset_of!(PollFd, revents), POLLFD_REVENTS as usize);
    }
}
