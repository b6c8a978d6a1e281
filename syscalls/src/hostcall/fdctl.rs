//! fcntl(2) on the host (see `crate::sys::fd`'s control module): the argument's shape is checked
//! against the command, so the host writes only through a local of the size that command uses.

use crate::abi::fcntl::*;
use crate::{host, Errno};
use libc::{c_int, c_long};

/// The commands whose argument is a number or unused (`do_fcntl()`'s other cases).
const INT_CMDS: &[u32] = &[
    F_DUPFD,
    F_DUPFD_CLOEXEC,
    F_DUPFD_QUERY,
    F_GETFD,
    F_SETFD,
    F_GETFL,
    F_SETFL,
    F_GETOWN,
    F_SETOWN,
    F_SETSIG,
    F_GETSIG,
    F_SETLEASE,
    F_GETLEASE,
    F_NOTIFY,
    F_CREATED_QUERY,
    F_CANCELLK,
    F_SETPIPE_SZ,
    F_GETPIPE_SZ,
    F_ADD_SEALS,
    F_GET_SEALS,
];

/// The host's record-lock commands (the x86-64 numbers; `struct flock` is 64-bit there).
const LOCK_CMDS: &[u32] = &[F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW];

/// The commands that read or write 8 bytes: `struct f_owner_ex`, a `u64` rw hint, the two
/// `uid_t`s of F_GETOWNER_UIDS.
const WORD_CMDS: &[u32] = &[F_SETOWN_EX, F_GETOWN_EX, F_GET_RW_HINT, F_SET_RW_HINT, F_GETOWNER_UIDS];

/// A host fcntl's argument.
pub enum FcntlArg<'a> {
    /// A number, for [`INT_CMDS`].
    Int(c_long),
    /// A host `struct flock`, for [`LOCK_CMDS`].
    Lock(&'a mut libc::flock),
    /// Eight bytes, for [`WORD_CMDS`].
    Word(&'a mut [u8; 8]),
}

/// fcntl(2) on the host. An argument of another shape than the command takes is EINVAL (the
/// callers never make one).
pub fn fcntl(fd: c_int, cmd: c_int, arg: FcntlArg<'_>) -> Result<i64, Errno> {
    let known = |cmds: &[u32]| u32::try_from(cmd).is_ok_and(|c| cmds.contains(&c));
    let arg = match arg {
        FcntlArg::Int(v) if known(INT_CMDS) => v,
        FcntlArg::Lock(l) if known(LOCK_CMDS) => l as *mut libc::flock as c_long,
        FcntlArg::Word(w) if known(WORD_CMDS) => w.as_mut_ptr() as c_long,
        _ => return Err(Errno::INVAL),
    };
    // SAFETY: the argument is a number for a command that takes one, or a live local of the
    // size the command reads or writes.
    host(unsafe { libc::syscall(libc::SYS_fcntl, fd, cmd, arg) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_argument_of_the_wrong_shape_is_refused() {
        let mut word = [0u8; 8];
        assert_eq!(fcntl(-1, F_GETLK as c_int, FcntlArg::Word(&mut word)), Err(Errno::INVAL));
        assert_eq!(fcntl(-1, F_GETOWN_EX as c_int, FcntlArg::Int(0)), Err(Errno::INVAL));
        assert_eq!(fcntl(-1, F_GETOWN_EX as c_int, FcntlArg::Word(&mut word)), Err(Errno::BADF));
    }
}
