//! System V IPC on the host: shmget/shmctl, semget/semctl/semtimedop, msgget/msgctl/msgsnd/msgrcv
//! (ipc/shm.c, ipc/sem.c, ipc/msg.c). The structs are the host's 64-bit ones (`shmid64_ds` …);
//! the handlers translate them for the guest.

use crate::mem::HostRange;
use crate::{host, Errno};
use libc::c_long;
use std::ptr::null;
use zerocopy::{FromBytes, IntoBytes};

const IPC_RMID: i32 = 0;
const IPC_SET: i32 = 1;
const GETPID: i32 = 11;
const GETVAL: i32 = 12;
const GETALL: i32 = 13;
const GETNCNT: i32 = 14;
const GETZCNT: i32 = 15;
const SETVAL: i32 = 16;
const SETALL: i32 = 17;
/// semctl's commands whose fourth argument is a number, or unused.
const SEM_NUMBER_CMDS: [i32; 6] = [IPC_RMID, GETPID, GETVAL, GETNCNT, GETZCNT, SETVAL];

/// shmget(2): numbers only.
pub fn shmget(key: i32, size: usize, flags: i32) -> Result<i64, Errno> {
    // SAFETY: no pointer is passed.
    host(unsafe { libc::syscall(libc::SYS_shmget, key, size, flags) })
}

/// shmctl(2) for a command that fills a `struct shmid64_ds` (IPC_STAT, SHM_STAT, SHM_STAT_ANY):
/// the result and the struct.
pub fn shmctl_stat(id: i32, cmd: i32) -> Result<(i64, libc::shmid_ds), Errno> {
    // SAFETY: plain data; all zeroes is a value.
    let mut ds: libc::shmid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: no shmctl command writes more than a shmid64_ds (the host's `shmid_ds`), which
    // `ds` is; it outlives the call.
    let r = host(unsafe { libc::syscall(libc::SYS_shmctl, id, cmd, &mut ds) })?;
    Ok((r, ds))
}

/// shmctl(2) for a command that fills another struct (IPC_INFO's `shminfo64`, SHM_INFO's
/// `shm_info`), into `out`, which is at least as big as a `shmid64_ds`.
pub fn shmctl_into<T: FromBytes + IntoBytes>(id: i32, cmd: i32, out: &mut T) -> Result<i64, Errno> {
    const { assert!(size_of::<T>() >= size_of::<libc::shmid_ds>()) };
    // SAFETY: `out` is as big as the most any shmctl command writes, and any bytes are a `T`.
    host(unsafe { libc::syscall(libc::SYS_shmctl, id, cmd, out.as_mut_bytes().as_mut_ptr()) })
}

/// shmctl(2) IPC_SET with these owner ids and permissions.
pub fn shmctl_set(id: i32, uid: u32, gid: u32, mode: u32) -> Result<i64, Errno> {
    // SAFETY: plain data; all zeroes is a value.
    let mut ds: libc::shmid_ds = unsafe { std::mem::zeroed() };
    ds.shm_perm.uid = uid;
    ds.shm_perm.gid = gid;
    ds.shm_perm.mode = mode as _;
    // SAFETY: IPC_SET reads a shmid64_ds, which `ds` is.
    host(unsafe { libc::syscall(libc::SYS_shmctl, id, IPC_SET, &ds) })
}

/// shmctl(2) with no buffer (IPC_RMID, SHM_LOCK, SHM_UNLOCK; the host answers EFAULT or EINVAL
/// for any other command).
pub fn shmctl_none(id: i32, cmd: i32) -> Result<i64, Errno> {
    // SAFETY: a NULL pointer: nothing of ours is read or written.
    host(unsafe { libc::syscall(libc::SYS_shmctl, id, cmd, null::<u8>()) })
}

/// semget(2): numbers only.
pub fn semget(key: i32, nsems: i32, flags: i32) -> Result<i64, Errno> {
    // SAFETY: no pointer is passed.
    host(unsafe { libc::syscall(libc::SYS_semget, key, nsems, flags) })
}

/// semctl(2) for a command that fills a `struct semid64_ds` (IPC_STAT, SEM_STAT, SEM_STAT_ANY).
/// GETALL, whose array has the set's length, is refused (EINVAL): see [`semctl_getall`].
pub fn semctl_stat(id: i32, num: i32, cmd: i32) -> Result<(i64, libc::semid_ds), Errno> {
    if cmd == GETALL {
        return Err(Errno::INVAL);
    }
    // SAFETY: plain data; all zeroes is a value.
    let mut ds: libc::semid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: but for GETALL, no semctl command writes more than a semid64_ds (the host's
    // `semid_ds`), which `ds` is; it outlives the call.
    let r = host(unsafe { libc::syscall(libc::SYS_semctl, id, num, cmd, &mut ds) })?;
    Ok((r, ds))
}

/// semctl(2) for a command that fills another struct (IPC_INFO's and SEM_INFO's `seminfo`), into
/// `out`, which is at least as big as a `semid64_ds`. GETALL is refused (EINVAL).
pub fn semctl_into<T: FromBytes + IntoBytes>(id: i32, num: i32, cmd: i32, out: &mut T) -> Result<i64, Errno> {
    const { assert!(size_of::<T>() >= size_of::<libc::semid_ds>()) };
    if cmd == GETALL {
        return Err(Errno::INVAL);
    }
    // SAFETY: but for GETALL, no semctl command writes more than `out` holds; any bytes are a `T`.
    host(unsafe { libc::syscall(libc::SYS_semctl, id, num, cmd, out.as_mut_bytes().as_mut_ptr()) })
}

/// semctl(2) IPC_SET with these owner ids and permissions.
pub fn semctl_set(id: i32, num: i32, uid: u32, gid: u32, mode: u32) -> Result<i64, Errno> {
    // SAFETY: plain data; all zeroes is a value.
    let mut ds: libc::semid_ds = unsafe { std::mem::zeroed() };
    ds.sem_perm.uid = uid;
    ds.sem_perm.gid = gid;
    ds.sem_perm.mode = mode as _;
    // SAFETY: IPC_SET reads a semid64_ds, which `ds` is.
    host(unsafe { libc::syscall(libc::SYS_semctl, id, num, IPC_SET, &ds) })
}

/// semctl(2) GETALL (`set`: false) or SETALL (true) on the set's values in guest memory, which
/// the host writes or reads in place (it faults where the guest's kernel would). `values` covers
/// the set's length as IPC_STAT said it.
pub fn semctl_all(id: i32, num: i32, set: bool, values: HostRange) -> Result<i64, Errno> {
    let cmd = if set { SETALL } else { GETALL };
    // SAFETY: the host touches only guest memory: the set's u16 values, which `values` covers (a
    // set removed and made again larger in between, the guest's own race, is written past them
    // in the guest's space, or faults, as natively).
    host(unsafe { libc::syscall(libc::SYS_semctl, id, num, cmd, values.as_ptr()) })
}

/// semctl(2) for a command whose argument is a number or unused (GETVAL, SETVAL, GETPID, GETNCNT,
/// GETZCNT, IPC_RMID); any other command gets no argument (the host answers it EINVAL or EFAULT).
pub fn semctl_value(id: i32, num: i32, cmd: i32, value: c_long) -> Result<i64, Errno> {
    let value = if SEM_NUMBER_CMDS.contains(&cmd) { value } else { 0 };
    // SAFETY: the argument is a number for these commands, and NULL for the others.
    host(unsafe { libc::syscall(libc::SYS_semctl, id, num, cmd, value) })
}

/// semtimedop(2) on `nsops` operations in guest memory (`None`: no array, for a count the host
/// refuses before reading one), with a timeout or none.
pub fn semtimedop(
    id: i32,
    ops: Option<HostRange>,
    nsops: usize,
    timeout: Option<&libc::timespec>,
) -> Result<i64, Errno> {
    // struct sembuf: three shorts.
    if ops.is_some_and(|o| o.len() < nsops.saturating_mul(6)) {
        return Err(Errno::FAULT);
    }
    let ops = ops.map_or(std::ptr::null_mut(), HostRange::as_ptr);
    let ts = timeout.map_or(null(), |t| t as *const libc::timespec);
    // SAFETY: `ops` is NULL or guest memory covering the `nsops` operations the host reads; `ts`
    // is NULL or a live timespec.
    host(unsafe { libc::syscall(libc::SYS_semtimedop, id, ops, nsops, ts) })
}

/// msgget(2): numbers only.
pub fn msgget(key: i32, flags: i32) -> Result<i64, Errno> {
    // SAFETY: no pointer is passed.
    host(unsafe { libc::syscall(libc::SYS_msgget, key, flags) })
}

/// msgctl(2) for a command that fills a `struct msqid64_ds` (IPC_STAT, MSG_STAT, MSG_STAT_ANY).
pub fn msgctl_stat(id: i32, cmd: i32) -> Result<(i64, libc::msqid_ds), Errno> {
    // SAFETY: plain data; all zeroes is a value.
    let mut ds: libc::msqid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: no msgctl command writes more than a msqid64_ds (the host's `msqid_ds`), which `ds`
    // is; it outlives the call.
    let r = host(unsafe { libc::syscall(libc::SYS_msgctl, id, cmd, &mut ds) })?;
    Ok((r, ds))
}

/// msgctl(2) for a command that fills another struct (IPC_INFO's and MSG_INFO's `msginfo`), into
/// `out`, which is at least as big as a `msqid64_ds`.
pub fn msgctl_into<T: FromBytes + IntoBytes>(id: i32, cmd: i32, out: &mut T) -> Result<i64, Errno> {
    const { assert!(size_of::<T>() >= size_of::<libc::msqid_ds>()) };
    // SAFETY: `out` is as big as the most any msgctl command writes, and any bytes are a `T`.
    host(unsafe { libc::syscall(libc::SYS_msgctl, id, cmd, out.as_mut_bytes().as_mut_ptr()) })
}

/// msgctl(2) IPC_SET with these owner ids, permissions and queue size.
pub fn msgctl_set(id: i32, uid: u32, gid: u32, mode: u32, qbytes: u64) -> Result<i64, Errno> {
    // SAFETY: plain data; all zeroes is a value.
    let mut ds: libc::msqid_ds = unsafe { std::mem::zeroed() };
    ds.msg_perm.uid = uid;
    ds.msg_perm.gid = gid;
    ds.msg_perm.mode = mode as _;
    ds.msg_qbytes = qbytes as _;
    // SAFETY: IPC_SET reads a msqid64_ds, which `ds` is.
    host(unsafe { libc::syscall(libc::SYS_msgctl, id, IPC_SET, &ds) })
}

/// msgctl(2) with no buffer (IPC_RMID; the host answers EFAULT or EINVAL for any other command).
pub fn msgctl_none(id: i32, cmd: i32) -> Result<i64, Errno> {
    // SAFETY: a NULL pointer: nothing of ours is read or written.
    host(unsafe { libc::syscall(libc::SYS_msgctl, id, cmd, null::<u8>()) })
}

/// msgsnd(2) of a message of type `mtype` with text `text`.
pub fn msgsnd(id: i32, mtype: i64, text: &[u8], flags: i32) -> Result<i64, Errno> {
    let mut buf = Vec::with_capacity(8 + text.len());
    buf.extend_from_slice(&mtype.to_le_bytes());
    buf.extend_from_slice(text);
    // SAFETY: `buf` is a host msgbuf, a long then `text.len()` bytes, that outlives the call.
    host(unsafe { libc::syscall(libc::SYS_msgsnd, id, buf.as_ptr(), text.len(), flags) })
}

/// msgrcv(2) into `buf`, a host msgbuf: the type in its first 8 bytes, then the text (as much as
/// the rest holds). The text's length.
pub fn msgrcv(id: i32, buf: &mut [u8], msgtyp: c_long, flags: i32) -> Result<i64, Errno> {
    let size = buf.len().checked_sub(8).ok_or(Errno::INVAL)?;
    // SAFETY: `buf` holds a long and `size` bytes, the most the host writes.
    host(unsafe { libc::syscall(libc::SYS_msgrcv, id, buf.as_mut_ptr(), size, msgtyp, flags) })
}
