//! The i386 Linux ABI: numbers, constants and structs as the guest lays them out.
//!
//! Every struct here is `#[repr(C)]` over zerocopy's little-endian field types (alignment 1), with
//! explicit padding and a size assert beneath it: i386 is not x86-64 (`struct msghdr` is 28 bytes,
//! a `long long` after an `int` is not padded).

pub mod errno;
pub mod fcntl;
pub mod futex;
pub mod info;
pub mod net;
pub mod netdev;
pub mod nr;
pub mod poll;
pub mod sched;
pub mod signal;
pub mod stat;
pub mod termios;
pub mod time;
