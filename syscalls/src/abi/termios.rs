//! Terminal structs and ioctl request numbers as the i386 guest sees them (asm-generic/termbits.h,
//! asm-generic/ioctls.h).
//!
//! `struct termios` here is the kernel's (36 bytes, `c_cc` of 19 bytes, no speed fields), not
//! glibc's 60-byte one: glibc converts in `tcgetattr`. x86-64 uses the same layouts and numbers, so
//! translating to the host is a byte copy through these types.

use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Control characters in the kernel's `struct termios` (`NCCS`).
pub const NCCS: usize = 19;

/// `struct termios` (asm-generic/termbits.h): what TCGETS/TCSETS* copy.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Termios {
    pub c_iflag: U32,
    pub c_oflag: U32,
    pub c_cflag: U32,
    pub c_lflag: U32,
    pub c_line: u8,
    pub c_cc: [u8; NCCS],
}
const _: () = assert!(size_of::<Termios>() == 36);

/// `struct termios2` (asm-generic/termbits.h): TCGETS2/TCSETS2*, `struct termios` plus speeds.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Termios2 {
    pub base: Termios,
    pub c_ispeed: U32,
    pub c_ospeed: U32,
}
const _: () = assert!(size_of::<Termios2>() == 44);

/// `struct termio` (asm-generic/termios.h): the old TCGETA/TCSETA* layout, one pad byte at the end.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Termio {
    pub c_iflag: U16,
    pub c_oflag: U16,
    pub c_cflag: U16,
    pub c_lflag: U16,
    pub c_line: u8,
    pub c_cc: [u8; 8],
    pub pad: u8,
}
const _: () = assert!(size_of::<Termio>() == 18);

/// `struct winsize` (asm-generic/termios.h): TIOCGWINSZ/TIOCSWINSZ.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Winsize {
    pub ws_row: U16,
    pub ws_col: U16,
    pub ws_xpixel: U16,
    pub ws_ypixel: U16,
}
const _: () = assert!(size_of::<Winsize>() == 8);

// Request numbers (asm-generic/ioctls.h); the `_IOR`/`_IOW` ones encode the sizes above.
pub const TCGETS: u32 = 0x5401;
pub const TCSETS: u32 = 0x5402;
pub const TCSETSW: u32 = 0x5403;
pub const TCSETSF: u32 = 0x5404;
pub const TCGETA: u32 = 0x5405;
pub const TCSETA: u32 = 0x5406;
pub const TCSETAW: u32 = 0x5407;
pub const TCSETAF: u32 = 0x5408;
pub const TCSBRK: u32 = 0x5409;
pub const TCXONC: u32 = 0x540A;
pub const TCFLSH: u32 = 0x540B;
pub const TIOCEXCL: u32 = 0x540C;
pub const TIOCNXCL: u32 = 0x540D;
pub const TIOCSCTTY: u32 = 0x540E;
pub const TIOCGPGRP: u32 = 0x540F;
pub const TIOCSPGRP: u32 = 0x5410;
pub const TIOCOUTQ: u32 = 0x5411;
pub const TIOCSTI: u32 = 0x5412;
pub const TIOCGWINSZ: u32 = 0x5413;
pub const TIOCSWINSZ: u32 = 0x5414;
pub const TIOCMGET: u32 = 0x5415;
pub const TIOCMBIS: u32 = 0x5416;
pub const TIOCMBIC: u32 = 0x5417;
pub const TIOCMSET: u32 = 0x5418;
pub const TIOCGSOFTCAR: u32 = 0x5419;
pub const TIOCSSOFTCAR: u32 = 0x541A;
pub const FIONREAD: u32 = 0x541B;
pub const TIOCCONS: u32 = 0x541D;
pub const TIOCPKT: u32 = 0x5420;
pub const FIONBIO: u32 = 0x5421;
pub const TIOCNOTTY: u32 = 0x5422;
pub const TIOCSETD: u32 = 0x5423;
pub const TIOCGETD: u32 = 0x5424;
pub const TCSBRKP: u32 = 0x5425;
pub const TIOCSBRK: u32 = 0x5427;
pub const TIOCCBRK: u32 = 0x5428;
pub const TIOCGSID: u32 = 0x5429;
pub const TCGETS2: u32 = 0x802C_542A;
pub const TCSETS2: u32 = 0x402C_542B;
pub const TCSETSW2: u32 = 0x402C_542C;
pub const TCSETSF2: u32 = 0x402C_542D;
pub const TIOCGPTN: u32 = 0x8004_5430;
pub const TIOCSPTLCK: u32 = 0x4004_5431;
/// `_IOR('T', 0x32, unsigned int)`: the tty's device number (new_encode_dev).
pub const TIOCGDEV: u32 = 0x8004_5432;
/// `_IOW('T', 0x36, int)`, but the signal number is the argument itself, not a pointer.
pub const TIOCSIG: u32 = 0x4004_5436;
pub const TIOCVHANGUP: u32 = 0x5437;
pub const TIOCGPKT: u32 = 0x8004_5438;
pub const TIOCGPTLCK: u32 = 0x8004_5439;
pub const TIOCGEXCL: u32 = 0x8004_5440;
pub const TIOCGPTPEER: u32 = 0x5441;
pub const FIONCLEX: u32 = 0x5450;
pub const FIOCLEX: u32 = 0x5451;
pub const FIOASYNC: u32 = 0x5452;
pub const TIOCGLCKTRMIOS: u32 = 0x5456;
pub const TIOCSLCKTRMIOS: u32 = 0x5457;
pub const FIOQSIZE: u32 = 0x5460;
