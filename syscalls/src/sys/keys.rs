//! The kernel key retention service: add_key(2), request_key(2) and keyctl(2).
//!
//! Keys and keyrings belong to the host process's credentials, which are the guest's, so the
//! host keeps them and decides everything (permissions, quotas, order of checks). What is
//! translated is what compat_keyctl() (security/keys/compat.c) and the guest's memory need:
//! strings are read before the call with the kernel's limits (a fault or an over-long string
//! reaches the host as something it refuses the same way), buffers are the guest's memory in
//! place, fds are the guest's, KEYCTL_INSTANTIATE_IOV takes i386 iovecs, and KEYCTL_DH_COMPUTE's
//! `struct keyctl_kdf_params` holds two 32-bit pointers (`struct compat_keyctl_kdf_params`). The
//! other structs (`keyctl_dh_params`, `keyctl_pkey_params`, `keyctl_pkey_query`) are `__s32`s and
//! `__u32`s, the same on both.

use super::fd::{import_iovec, Dir};
use super::hostarg::{fd, HostStr};
use crate::abi::nr;
use crate::entry;
use crate::hostcall::inplace::InPlace;
use crate::hostcall::keys::{self, KdfParams, KeyArg};
use crate::mem::{GuestMemoryExt, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::add_key, add_key, [Str, Str, Ptr, Uint, Int]),
    entry!(nr::request_key, request_key, [Str, Str, Str, Int]),
    entry!(nr::keyctl, keyctl, [Enum(KEYCTL_NAMES), Hex, Hex, Hex, Hex]),
];

/// keyctl(2)'s commands (linux/keyctl.h).
const KEYCTL_NAMES: &[(u32, &str)] = &[
    (0, "KEYCTL_GET_KEYRING_ID"),
    (1, "KEYCTL_JOIN_SESSION_KEYRING"),
    (2, "KEYCTL_UPDATE"),
    (3, "KEYCTL_REVOKE"),
    (4, "KEYCTL_CHOWN"),
    (5, "KEYCTL_SETPERM"),
    (6, "KEYCTL_DESCRIBE"),
    (7, "KEYCTL_CLEAR"),
    (8, "KEYCTL_LINK"),
    (9, "KEYCTL_UNLINK"),
    (10, "KEYCTL_SEARCH"),
    (11, "KEYCTL_READ"),
    (12, "KEYCTL_INSTANTIATE"),
    (13, "KEYCTL_NEGATE"),
    (14, "KEYCTL_SET_REQKEY_KEYRING"),
    (15, "KEYCTL_SET_TIMEOUT"),
    (16, "KEYCTL_ASSUME_AUTHORITY"),
    (17, "KEYCTL_GET_SECURITY"),
    (18, "KEYCTL_SESSION_TO_PARENT"),
    (19, "KEYCTL_REJECT"),
    (20, "KEYCTL_INSTANTIATE_IOV"),
    (21, "KEYCTL_INVALIDATE"),
    (22, "KEYCTL_GET_PERSISTENT"),
    (23, "KEYCTL_DH_COMPUTE"),
    (24, "KEYCTL_PKEY_QUERY"),
    (25, "KEYCTL_PKEY_ENCRYPT"),
    (26, "KEYCTL_PKEY_DECRYPT"),
    (27, "KEYCTL_PKEY_SIGN"),
    (28, "KEYCTL_PKEY_VERIFY"),
    (29, "KEYCTL_RESTRICT_KEYRING"),
    (30, "KEYCTL_MOVE"),
    (31, "KEYCTL_CAPABILITIES"),
    (32, "KEYCTL_WATCH_KEY"),
];

/// A key type name: key_get_type_from_user() reads at most 32 bytes and wants the NUL within.
const TYPE_MAX: usize = 31;
/// `KEY_MAX_DESC_SIZE` (and PAGE_SIZE for the callout and pkey info strings): strndup_user()
/// refuses a string whose NUL is past it.
const DESC_MAX: usize = 4095;
/// `CRYPTO_MAX_ALG_NAME`, KEYCTL_DH_COMPUTE's hash name limit.
const ALG_MAX: usize = 127;

/// What one keyctl argument is.
#[derive(Clone, Copy)]
enum K {
    /// A number (key serial, uid, timeout, flags, length).
    Num,
    /// A string of at most this many bytes; NULL stays NULL (the host decides).
    Str(usize),
    /// Guest bytes the host reads; the length is argument N (1-based, as keyctl's arg2..arg5).
    In(usize),
    /// Guest bytes the host writes; the length is argument N.
    Out(usize),
    /// A guest fd.
    Fd,
}

/// The argument kinds of keyctl's `arg2` … `arg5` for the commands that need no struct
/// translation (security/keys/keyctl.c, SYSCALL_DEFINE5(keyctl)).
fn kinds(option: u32) -> [K; 4] {
    use K::*;
    match option {
        1 => [Str(DESC_MAX), Num, Num, Num],
        2 => [Num, In(3), Num, Num],
        6 | 11 | 17 => [Num, Out(3), Num, Num],
        10 => [Num, Str(TYPE_MAX), Str(DESC_MAX), Num],
        12 => [Num, In(3), Num, Num],
        29 => [Num, Str(TYPE_MAX), Str(DESC_MAX), Num],
        31 => [Out(2), Num, Num, Num],
        32 => [Num, Fd, Num, Num],
        _ => [Num, Num, Num, Num],
    }
}

/// A string argument for the host: NULL, or the guest's string as [`HostStr`].
fn string(ctx: &Ctx, addr: u32, max: usize) -> Option<HostStr> {
    (addr != 0).then(|| HostStr::read(ctx.mem, addr, max))
}

/// Guest memory the host uses in place.
fn buf(ctx: &Ctx, addr: u32, len: usize, access: Prot) -> InPlace {
    InPlace::new(ctx.mem, addr, len, access)
}

/// Implements add_key(2): the host's (payload length, type, description, payload, keyring).
fn add_key(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (kind, desc) = (string(ctx, a[0], TYPE_MAX), string(ctx, a[1], DESC_MAX));
    let payload = buf(ctx, a[2], a[3] as usize, Prot::READ);
    Ok(keys::add_key(kind.as_ref(), desc.as_ref(), payload, a[3] as usize, a[4] as i32)? as u32)
}

/// Implements request_key(2): the host's (type, description, callout string, keyring).
fn request_key(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (kind, desc, callout) = (string(ctx, a[0], TYPE_MAX), string(ctx, a[1], DESC_MAX), string(ctx, a[2], DESC_MAX));
    Ok(keys::request_key(kind.as_ref(), desc.as_ref(), callout.as_ref(), a[3] as i32)? as u32)
}

/// `struct compat_keyctl_kdf_params`: hash name, other info, its length, eight spare words.
#[derive(Clone, Copy, zerocopy::FromBytes, zerocopy::Immutable, zerocopy::KnownLayout)]
#[repr(C)]
struct KdfParams32 {
    hashname: u32,
    otherinfo: u32,
    otherinfolen: u32,
    spare: [u32; 8],
}
const _: () = assert!(size_of::<KdfParams32>() == 44);

/// `struct keyctl_pkey_params`: key, input length, output (or second input) length, spares.
const PKEY_PARAMS_SIZE: usize = 40;
/// `struct keyctl_pkey_query`.
const PKEY_QUERY_SIZE: usize = 56;

/// Implements keyctl(2) as compat_keyctl() does: every command the host's, with its pointers
/// made host pointers (see the module comment).
fn keyctl(ctx: &mut Ctx, a: &Args) -> SysResult {
    let option = a[0];
    let num = |i: usize| KeyArg::Num(libc::c_ulong::from(a[i]));
    // Locals the host reads through pointers; they live until the call.
    let iov;
    let kdf;
    let kdf_name;
    let (s0, s1, s2, s3);
    let args: [KeyArg<'_>; 4] = match option {
        20 => {
            // KEYCTL_INSTANTIATE_IOV(id, iov, ioc, ring): a NULL vector is no payload.
            let ioc = if a[2] == 0 { 0 } else { a[3] };
            iov = import_iovec(ctx.mem, a[2], ioc, Dir::FromGuest)?;
            [num(1), KeyArg::Iov(&iov), KeyArg::Num(iov.len() as libc::c_ulong), num(4)]
        }
        23 => {
            // KEYCTL_DH_COMPUTE(params, buffer, buflen, kdf).
            let params = KeyArg::Guest(buf(ctx, a[1], 12, Prot::READ));
            let out = KeyArg::Guest(buf(ctx, a[2], a[3] as usize, Prot::WRITE));
            let last = if a[4] == 0 {
                num(4)
            } else {
                match ctx.mem.read_obj::<KdfParams32>(a[4]) {
                    Ok(k) => {
                        kdf_name = string(ctx, k.hashname, ALG_MAX);
                        let other = buf(ctx, k.otherinfo, k.otherinfolen as usize, Prot::READ);
                        kdf = KdfParams::new(kdf_name.as_ref(), other, k.otherinfolen, k.spare);
                        KeyArg::Kdf(&kdf)
                    }
                    Err(_) => KeyArg::Refused,
                }
            };
            [params, out, num(3), last]
        }
        24 => {
            // KEYCTL_PKEY_QUERY(id, reserved, info, result).
            s0 = string(ctx, a[3], DESC_MAX);
            [num(1), num(2), KeyArg::Str(s0.as_ref()), KeyArg::Guest(buf(ctx, a[4], PKEY_QUERY_SIZE, Prot::WRITE))]
        }
        25..=28 => {
            // KEYCTL_PKEY_{ENCRYPT,DECRYPT,SIGN,VERIFY}(params, info, in, out or in2).
            let params = ctx.mem.read_obj::<[u32; 3]>(a[1]).ok();
            let p = KeyArg::Guest(buf(ctx, a[1], PKEY_PARAMS_SIZE, Prot::READ));
            s0 = string(ctx, a[2], DESC_MAX);
            let (in_len, out_len) = params.map_or((0, 0), |p| (p[1] as usize, p[2] as usize));
            let input = KeyArg::Guest(buf(ctx, a[3], in_len, Prot::READ));
            let out = if option == 28 { Prot::READ } else { Prot::WRITE };
            [p, KeyArg::Str(s0.as_ref()), input, KeyArg::Guest(buf(ctx, a[4], out_len, out))]
        }
        _ => {
            let kinds = kinds(option);
            let s = |i: usize| match kinds[i] {
                K::Str(max) => string(ctx, a[i + 1], max),
                _ => None,
            };
            (s0, s1, s2, s3) = (s(0), s(1), s(2), s(3));
            let strs = [&s0, &s1, &s2, &s3];
            let arg = |i: usize| match kinds[i] {
                K::Num => num(i + 1),
                K::Str(_) => KeyArg::Str(strs[i].as_ref()),
                K::In(n) => KeyArg::Guest(buf(ctx, a[i + 1], a[n] as usize, Prot::READ)),
                K::Out(n) => KeyArg::Guest(buf(ctx, a[i + 1], a[n] as usize, Prot::WRITE)),
                K::Fd => KeyArg::Num(fd(a[i + 1]) as libc::c_ulong),
            };
            [arg(0), arg(1), arg(2), arg(3)]
        }
    };
    // Numbers are passed zero-extended, as compat_keyctl() gets them (`u32`); the kernel casts
    // key serials back to `key_serial_t` (int), which the low 32 bits decide either way.
    Ok(keys::keyctl(option as i32, args)? as u32)
}
