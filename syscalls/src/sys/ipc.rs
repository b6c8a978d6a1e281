//! System V IPC: shared memory, semaphores and message queues, through ipc(2) (what glibc on
//! i386 calls) and the direct syscalls 393-402 and semtimedop_time64(2).
//!
//! The host's kernel keeps the objects; what is i386 here is translated both ways, as the kernel's
//! compat layer (ipc/compat.c, ipc/shm.c, ipc/sem.c, ipc/msg.c) does for a 32-bit caller, which is
//! what an i386 program on this host meets natively: the `*64_ds` structures (with `IPC_64` in the
//! command) and the old ones (without), `long` message types of 4 bytes, old 32-bit and 64-bit
//! timeouts. A segment is attached inside the guest's address space (shmat with `SHM_REMAP` over
//! the reservation) and recorded as a shared VMA named as /proc/self/maps names it (`/SYSV…`).

use crate::abi::nr;
use crate::entry;
use crate::hostcall::ipc as hostipc;
use crate::mem::{Backing, GuestAddr, GuestMemoryExt, Prot, PAGE_SIZE};
use crate::row::{Arg::*, Args, Entry, When};
use crate::space::{VmaKind, MMAP_MIN_ADDR, TASK_SIZE};
use crate::task::{BlockingCtx, Ctx};
use crate::{Errno, SysResult};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::ipc, may_block ipc, [Enum(IPC_CALLS), Int, Int, Int, Ptr, Int]).blocks_if(When::If(may_block)),
    entry!(nr::semget, semget, [Int, Int, Hex]),
    entry!(nr::semctl, semctl, [Int, Int, Hex, Hex]),
    entry!(nr::semtimedop_time64, may_block semtimedop_time64, [Int, Ptr, Uint, Ptr]).blocks(),
    entry!(nr::shmget, shmget, [Int, Uint, Hex]),
    entry!(nr::shmctl, shmctl, [Int, Hex, Ptr]),
    entry!(nr::shmat, shmat, [Int, Ptr, Hex], crate::row::Ret::Hex),
    entry!(nr::shmdt, shmdt, [Ptr]),
    entry!(nr::msgget, msgget, [Int, Hex]),
    entry!(nr::msgsnd, may_block msgsnd, [Int, Ptr, Uint, Hex]).blocks(),
    entry!(nr::msgrcv, may_block msgrcv, [Int, Ptr, Uint, Int, Hex]).blocks(),
    entry!(nr::msgctl, msgctl, [Int, Hex, Ptr]),
];

/// ipc(2)'s calls (include/uapi/linux/ipc.h), the version in the high 16 bits.
const SEMOP: u32 = 1;
const SEMGET: u32 = 2;
const SEMCTL: u32 = 3;
const SEMTIMEDOP: u32 = 4;
const MSGSND: u32 = 11;
const MSGRCV: u32 = 12;
const MSGGET: u32 = 13;
const MSGCTL: u32 = 14;
const SHMAT: u32 = 21;
const SHMDT: u32 = 22;
const SHMGET: u32 = 23;
const SHMCTL: u32 = 24;

static IPC_CALLS: &[(u32, &str)] = &[
    (SEMOP, "SEMOP"),
    (SEMGET, "SEMGET"),
    (SEMCTL, "SEMCTL"),
    (SEMTIMEDOP, "SEMTIMEDOP"),
    (MSGSND, "MSGSND"),
    (MSGRCV, "MSGRCV"),
    (MSGGET, "MSGGET"),
    (MSGCTL, "MSGCTL"),
    (SHMAT, "SHMAT"),
    (SHMDT, "SHMDT"),
    (SHMGET, "SHMGET"),
    (SHMCTL, "SHMCTL"),
];

/// The command flag that selects the `*64_ds` layouts.
const IPC_64: u32 = 0x100;
const IPC_SET: i32 = 1;
const IPC_STAT: i32 = 2;
const IPC_INFO: i32 = 3;
/// shmctl's own commands.
const SHM_STAT: i32 = 13;
const SHM_INFO: i32 = 14;
const SHM_STAT_ANY: i32 = 15;
/// semctl's own commands.
const GETALL: i32 = 13;
const SEM_STAT: i32 = 18;
const SEM_INFO: i32 = 19;
const SEM_STAT_ANY: i32 = 20;
const SETALL: i32 = 17;
/// msgctl's own commands.
const MSG_STAT: i32 = 11;
const MSG_INFO: i32 = 12;
const MSG_STAT_ANY: i32 = 13;

const SHM_RDONLY: u32 = 0o10000;
const SHM_RND: u32 = 0o20000;
const SHM_REMAP: u32 = 0o40000;
const SHM_EXEC: u32 = 0o100000;
/// SHMLBA on x86: a page.
const SHMLBA: u32 = PAGE_SIZE;

/// Implements ipc(2): ksys_ipc()'s dispatch.
/// Whether an ipc(2) call may block: semop, semtimedop, msgsnd and msgrcv (not shmat, which maps).
fn may_block(a: &Args) -> bool {
    matches!(a[0] & 0xffff, SEMOP | SEMTIMEDOP | MSGSND | MSGRCV)
}

fn ipc(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let [call, first, second, third, ptr, fifth] = *a;
    let version = call >> 16;
    match call & 0xffff {
        SEMOP => semtimedop(ctx, first, ptr, second, None),
        SEMTIMEDOP => semtimedop(ctx, first, ptr, second, (fifth != 0).then_some(Timeout::Old(fifth))),
        SEMGET => semget(ctx, &[first, second, third, 0, 0, 0]),
        SEMCTL => {
            // The union semun is passed by reference here.
            if ptr == 0 {
                return Err(Errno::INVAL.into());
            }
            let arg = ctx.mem.read_u32(ptr)?;
            let (cmd, ipc64) = parse_cmd(third);
            do_semctl(ctx, first as i32, second as i32, cmd, ipc64, arg)
        }
        MSGSND => msgsnd(ctx, &[first, ptr, second, third, 0, 0]),
        MSGRCV => match version {
            0 => {
                // struct ipc_kludge { msgp, msgtyp }.
                if ptr == 0 {
                    return Err(Errno::INVAL.into());
                }
                let msgp = ctx.mem.read_u32(ptr)?;
                let msgtyp = ctx.mem.read_u32(GuestAddr::new(ptr).offset(4)?)?;
                msgrcv(ctx, &[first, msgp, second, msgtyp, third, 0])
            }
            _ => msgrcv(ctx, &[first, ptr, second, fifth, third, 0]),
        },
        MSGGET => msgget(ctx, &[first, second, 0, 0, 0, 0]),
        MSGCTL => {
            let (cmd, ipc64) = parse_cmd(second);
            do_msgctl(ctx, first as i32, cmd, ipc64, ptr)
        }
        SHMAT => match version {
            // The iBCS2 version: not for user space.
            1 => Err(Errno::INVAL.into()),
            _ => {
                // ipc's row says shmat does not block: the call has the lock.
                let addr = do_shmat(&mut ctx.locked().ok_or(Errno::DEADLK)?, first as i32, ptr, second)?;
                ctx.mem.write_u32(third, addr)?;
                Ok(0)
            }
        },
        SHMDT => shmdt(&mut ctx.locked().ok_or(Errno::DEADLK)?, &[ptr, 0, 0, 0, 0, 0]),
        SHMGET => shmget(ctx, &[first, second, third, 0, 0, 0]),
        SHMCTL => {
            let (cmd, ipc64) = parse_cmd(second);
            do_shmctl(ctx, first as i32, cmd, ipc64, ptr)
        }
        _ => Err(Errno::NOSYS.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Permissions and the structures around them.

/// `struct compat_ipc64_perm`: 36 bytes.
fn put_perm64(out: &mut Vec<u8>, p: &libc::ipc_perm) {
    for v in [p.__key as u32, p.uid, p.gid, p.cuid, p.cgid] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&p.mode.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&p.__seq.to_le_bytes());
    out.extend_from_slice(&[0; 2 + 8]);
}

/// The 16-bit ids of the old layout: high ids become the overflow id, as the kernel's
/// `high2lowuid` does.
fn low_id(id: u32) -> u16 {
    if id > 0xffff {
        65534
    } else {
        id as u16
    }
}

/// `struct compat_ipc_perm`: 16 bytes.
fn put_perm_old(out: &mut Vec<u8>, p: &libc::ipc_perm) {
    out.extend_from_slice(&(p.__key as u32).to_le_bytes());
    for v in [low_id(p.uid), low_id(p.gid), low_id(p.cuid), low_id(p.cgid), p.mode, p.__seq] {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

fn u32s(out: &mut Vec<u8>, values: &[u32]) {
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// A 64-bit time as (low, high) words.
fn split(t: i64) -> [u32; 2] {
    [t as u32, (t >> 32) as u32]
}

/// What IPC_SET reads: the owner and the mode (both layouts).
struct SetPerm {
    uid: u32,
    gid: u32,
    mode: u32,
}

fn read_set_perm<H>(ctx: &Ctx<H>, ptr: u32, ipc64: bool) -> Result<SetPerm, Errno> {
    if ipc64 {
        let b: [u8; 36] = ctx.mem.read_obj(ptr)?;
        let w = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Ok(SetPerm { uid: w(4), gid: w(8), mode: u32::from(u16::from_le_bytes([b[20], b[21]])) })
    } else {
        let b: [u8; 16] = ctx.mem.read_obj(ptr)?;
        let h = |i: usize| u32::from(u16::from_le_bytes([b[i], b[i + 1]]));
        Ok(SetPerm { uid: h(4), gid: h(6), mode: h(12) })
    }
}

/// Split a command into (command, whether IPC_64 was given) as ipc_parse_version() does for
/// ipc(2). The direct syscalls take the `*64_ds` layouts always and the command as it is (so
/// `IPC_64` there makes an unknown command: EINVAL).
fn parse_cmd(cmd: u32) -> (i32, bool) {
    ((cmd & !IPC_64) as i32, cmd & IPC_64 != 0)
}

// ---------------------------------------------------------------------------------------------
// Shared memory.

fn shmget<H>(_: &mut Ctx<H>, a: &Args) -> SysResult {
    Ok(hostipc::shmget(a[0] as i32, a[1] as usize, a[2] as i32)? as u32)
}

fn shmctl(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_shmctl(ctx, a[0] as i32, a[1] as i32, true, a[2])
}

fn do_shmctl<H>(ctx: &mut Ctx<H>, id: i32, cmd: i32, ipc64: bool, ptr: u32) -> SysResult {
    match cmd {
        IPC_STAT | SHM_STAT | SHM_STAT_ANY => {
            let (r, ds) = hostipc::shmctl_stat(id, cmd)?;
            let mut out = Vec::with_capacity(84);
            if ipc64 {
                put_perm64(&mut out, &ds.shm_perm);
                u32s(&mut out, &[ds.shm_segsz as u32]);
                for t in [ds.shm_atime, ds.shm_dtime, ds.shm_ctime] {
                    u32s(&mut out, &split(t));
                }
                u32s(&mut out, &[ds.shm_cpid as u32, ds.shm_lpid as u32, ds.shm_nattch as u32, 0, 0]);
            } else {
                put_perm_old(&mut out, &ds.shm_perm);
                u32s(&mut out, &[ds.shm_segsz as u32, ds.shm_atime as u32, ds.shm_dtime as u32, ds.shm_ctime as u32]);
                for v in [ds.shm_cpid as u16, ds.shm_lpid as u16, ds.shm_nattch as u16, 0] {
                    out.extend_from_slice(&v.to_le_bytes());
                }
                u32s(&mut out, &[0, 0]);
            }
            ctx.mem.write(ptr, &out)?;
            Ok(r as u32)
        }
        IPC_INFO => {
            // struct shminfo64: nine longs (shminfo without IPC_64: the first five).
            let mut buf = [0u64; 14];
            let r = hostipc::shmctl_into(id, cmd, &mut buf)?;
            let info: [u64; 9] = std::array::from_fn(|i| buf[i]);
            // put_compat_shminfo64(): shmmax past INT_MAX reads as INT_MAX, the rest is cut to 32
            // bits.
            let mut v = info.map(|x| x as u32);
            v[0] = info[0].min(i32::MAX as u64) as u32;
            let mut out = Vec::new();
            u32s(&mut out, if ipc64 { &v[..] } else { &v[..5] });
            ctx.mem.write(ptr, &out)?;
            Ok(r as u32)
        }
        SHM_INFO => {
            // struct shm_info: int used_ids; then five unsigned longs.
            let mut info = [0u64; 14];
            let r = hostipc::shmctl_into(id, cmd, &mut info)?;
            let used = info[0] as u32;
            let mut out = Vec::new();
            u32s(&mut out, &[used, info[1] as u32, info[2] as u32, info[3] as u32, info[4] as u32, info[5] as u32]);
            ctx.mem.write(ptr, &out)?;
            Ok(r as u32)
        }
        IPC_SET => {
            let set = read_set_perm(ctx, ptr, ipc64)?;
            Ok(hostipc::shmctl_set(id, set.uid, set.gid, set.mode)? as u32)
        }
        // IPC_RMID, SHM_LOCK, SHM_UNLOCK and unknown commands: the host decides (EINVAL).
        _ => Ok(hostipc::shmctl_none(id, cmd)? as u32),
    }
}

fn shmat(ctx: &mut Ctx, a: &Args) -> SysResult {
    Ok(do_shmat(ctx, a[0] as i32, a[1], a[2])?)
}

/// do_shmat(): attach segment `id` at `addr` (0: anywhere) inside the guest space.
fn do_shmat(ctx: &mut Ctx, id: i32, addr: u32, flags: u32) -> Result<u32, Errno> {
    if id < 0 {
        return Err(Errno::INVAL);
    }
    let mut addr = addr;
    if addr != 0 && !addr.is_multiple_of(SHMLBA) {
        if flags & SHM_RND == 0 {
            return Err(Errno::INVAL);
        }
        addr &= !(SHMLBA - 1);
        if addr == 0 && flags & SHM_REMAP != 0 {
            return Err(Errno::INVAL);
        }
    }
    let host_flags = (flags & (SHM_RDONLY | SHM_EXEC)) as i32;
    // The segment's size (and existence: EINVAL or EIDRM as shmat would say; attaching needs read
    // permission, as IPC_STAT does). The permission check proper is the host's shmat below.
    let (_, ds) = hostipc::shmctl_stat(id, IPC_STAT)?;
    let size = u64::from(ds.shm_segsz as u32).div_ceil(u64::from(PAGE_SIZE)) * u64::from(PAGE_SIZE);
    let size = u32::try_from(size).map_err(|_| Errno::NOMEM)?;
    if size == 0 {
        return Err(Errno::INVAL);
    }
    let mm = ctx.task.mm.get_mut(ctx.held);
    let start = if addr != 0 {
        let end = u64::from(addr) + u64::from(size);
        if end > TASK_SIZE {
            return Err(Errno::INVAL);
        }
        // Without SHM_REMAP the range must be free.
        if flags & SHM_REMAP == 0 && !mm.is_free(u64::from(addr), end) {
            return Err(Errno::INVAL);
        }
        addr
    } else {
        mm.find_free_below(size, u64::from(mm.mmap_base)).ok_or(Errno::NOMEM)?
    };
    if start < MMAP_MIN_ADDR && addr != 0 {
        return Err(Errno::PERM);
    }
    let mut prot = Prot::READ;
    if flags & SHM_RDONLY == 0 {
        prot |= Prot::WRITE;
    }
    if flags & SHM_EXEC != 0 {
        prot |= Prot::EXEC;
    }
    let key = ds.shm_perm.__key as u32;
    let kind = VmaKind::File { path: format!("/SYSV{key:08x}").into(), offset: 0, dev: 0, ino: id as u64 };
    mm.map_fixed(ctx.mem, start, size, prot, Backing::SysvShm { id, flags: host_flags }, kind)?;
    mm.name_from_host(ctx.mem, start);
    Ok(start)
}

fn shmdt(ctx: &mut Ctx, a: &Args) -> SysResult {
    let addr = a[0];
    if !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::INVAL.into());
    }
    // The attachment that starts exactly here: the whole segment goes.
    let mm = ctx.task.mm.get_mut(ctx.held);
    let Some(vma) = mm.find(addr).filter(|v| v.start == addr).cloned() else {
        return Err(Errno::INVAL.into());
    };
    let VmaKind::File { path, ino, .. } = &vma.kind else { return Err(Errno::INVAL.into()) };
    if !path.as_os_str().as_encoded_bytes().starts_with(b"/SYSV") || !vma.shared {
        return Err(Errno::INVAL.into());
    }
    // Every piece of this attachment (mprotect may have split it): the same segment at the
    // offsets that follow on. An attachment of the same segment right above starts at offset 0.
    let mut end = vma.end;
    while let Some(next) = u32::try_from(end).ok().and_then(|e| mm.find(e)).filter(|v| v.start as u64 == end) {
        match &next.kind {
            VmaKind::File { path: p, ino: i, offset, .. }
                if p == path && i == ino && *offset == end - u64::from(addr) =>
            {
                end = next.end
            }
            _ => break,
        }
    }
    mm.unmap(ctx.mem, addr, (end - u64::from(addr)) as u32)?;
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Semaphores.

fn semget<H>(_: &mut Ctx<H>, a: &Args) -> SysResult {
    Ok(hostipc::semget(a[0] as i32, a[1] as i32, a[2] as i32)? as u32)
}

/// The number of semaphores in set `id` (for GETALL and SETALL).
fn nsems(id: i32) -> Result<usize, Errno> {
    let (_, ds) = hostipc::semctl_stat(id, 0, IPC_STAT)?;
    Ok(ds.sem_nsems as usize)
}

fn semctl(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_semctl(ctx, a[0] as i32, a[1] as i32, a[2] as i32, true, a[3])
}

fn do_semctl<H>(ctx: &mut Ctx<H>, id: i32, num: i32, cmd: i32, ipc64: bool, arg: u32) -> SysResult {
    match cmd {
        IPC_STAT | SEM_STAT | SEM_STAT_ANY => {
            let (r, ds) = hostipc::semctl_stat(id, num, cmd)?;
            let mut out = Vec::with_capacity(64);
            if ipc64 {
                put_perm64(&mut out, &ds.sem_perm);
                u32s(&mut out, &split(ds.sem_otime));
                u32s(&mut out, &split(ds.sem_ctime));
                u32s(&mut out, &[ds.sem_nsems as u32, 0, 0]);
            } else {
                put_perm_old(&mut out, &ds.sem_perm);
                u32s(&mut out, &[ds.sem_otime as u32, ds.sem_ctime as u32, 0, 0, 0, 0]);
                out.extend_from_slice(&(ds.sem_nsems as u16).to_le_bytes());
                out.extend_from_slice(&[0, 0]);
            }
            ctx.mem.write(arg, &out)?;
            Ok(r as u32)
        }
        IPC_INFO | SEM_INFO => {
            // struct seminfo: ten ints, the same everywhere.
            let mut buf = [0i32; 26];
            let r = hostipc::semctl_into(id, num, cmd, &mut buf)?;
            let mut out = Vec::new();
            u32s(&mut out, &buf[..10].iter().map(|&v| v as u32).collect::<Vec<_>>());
            ctx.mem.write(arg, &out)?;
            Ok(r as u32)
        }
        IPC_SET => {
            let set = read_set_perm(ctx, arg, ipc64)?;
            Ok(hostipc::semctl_set(id, num, set.uid, set.gid, set.mode)? as u32)
        }
        GETALL | SETALL => {
            let n = nsems(id)?;
            let len = n * 2;
            let access = if cmd == GETALL { Prot::WRITE } else { Prot::READ };
            // The host reads or writes the u16 array in place: it faults where the guest would.
            let values = ctx.mem.host_buf(arg, len, access)?;
            Ok(hostipc::semctl_all(id, num, cmd == SETALL, values)? as u32)
        }
        // GETVAL, SETVAL, GETPID, GETNCNT, GETZCNT, IPC_RMID: numbers.
        _ => Ok(hostipc::semctl_value(id, num, cmd, libc::c_long::from(arg as i32))? as u32),
    }
}

/// A semtimedop timeout as the guest laid it out.
#[derive(Clone, Copy)]
enum Timeout {
    Old(u32),
    Time64(u32),
}

fn semtimedop<H>(ctx: &mut Ctx<H>, id: u32, sops: u32, nsops: u32, timeout: Option<Timeout>) -> SysResult {
    // struct sembuf is three shorts on both; the kernel reads nsops of them (E2BIG past SEMOPM is
    // the host's to say: give it the count, and the array only when it can be read).
    const SEMOPM_MAX: u32 = 4096;
    if nsops as i32 <= 0 {
        return Err(Errno::INVAL.into());
    }
    let ts = match timeout {
        None => None,
        Some(Timeout::Old(p)) => {
            let t: [i32; 2] = ctx.mem.read_obj(p)?;
            Some(libc::timespec { tv_sec: i64::from(t[0]), tv_nsec: i64::from(t[1]) })
        }
        Some(Timeout::Time64(p)) => {
            let t: [i64; 2] = ctx.mem.read_obj(p)?;
            Some(libc::timespec { tv_sec: t[0], tv_nsec: t[1] })
        }
    };
    let ops = if nsops > SEMOPM_MAX { None } else { Some(ctx.mem.host_buf(sops, nsops as usize * 6, Prot::READ)?) };
    Ok(hostipc::semtimedop(id as i32, ops, nsops as usize, ts.as_ref())? as u32)
}

fn semtimedop_time64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    semtimedop(ctx, a[0], a[1], a[2], (a[3] != 0).then_some(Timeout::Time64(a[3])))
}

// ---------------------------------------------------------------------------------------------
// Message queues.

fn msgget<H>(_: &mut Ctx<H>, a: &Args) -> SysResult {
    Ok(hostipc::msgget(a[0] as i32, a[1] as i32)? as u32)
}

/// The largest message the host accepts (msg_ctlmax).
fn msgmax() -> usize {
    let mut info = [0i32; 30];
    match hostipc::msgctl_into(0, IPC_INFO, &mut info) {
        Ok(_) => info[2].max(0) as usize,
        Err(_) => 8192,
    }
}

/// Implements msgsnd(2): compat_ksys_msgsnd() and do_msgsnd()'s order of checks.
fn msgsnd(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let (id, msgp, size, flags) = (a[0] as i32, a[1], a[2] as i32, a[3] as i32);
    let mtype = ctx.mem.read_u32(msgp)? as i32;
    if size < 0 || size as usize > msgmax() || id < 0 {
        return Err(Errno::INVAL.into());
    }
    if mtype < 1 {
        return Err(Errno::INVAL.into());
    }
    let text = ctx.mem.slice(GuestAddr::new(msgp).offset(4)?.get(), size as usize)?;
    Ok(hostipc::msgsnd(id, i64::from(mtype), text, flags)? as u32)
}

/// Implements msgrcv(2): the message lands in a host buffer, then goes to the guest with a 4-byte
/// type (a bad buffer loses the message, as in the kernel, which copies after dequeuing).
fn msgrcv(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let (id, msgp, size, msgtyp, flags) = (a[0] as i32, a[1], a[2] as i32, a[3] as i32, a[4] as i32);
    if size < 0 || id < 0 {
        return Err(Errno::INVAL.into());
    }
    // No message is longer than the host's largest; a bigger buffer only needs that much.
    let cap = (size as usize).min(msgmax().max(8192));
    let mut buf = vec![0u8; 8 + cap];
    let n = hostipc::msgrcv(id, &mut buf, libc::c_long::from(msgtyp), flags)? as usize;
    let mtype = i64::from_le_bytes(buf[..8].try_into().unwrap_or_default()) as u32;
    ctx.mem.write_u32(msgp, mtype)?;
    ctx.mem.write(GuestAddr::new(msgp).offset(4)?, &buf[8..8 + n.min(cap)])?;
    Ok(n as u32)
}

fn msgctl(ctx: &mut Ctx, a: &Args) -> SysResult {
    // Unlike shmctl and semctl, msgctl looks at the command without IPC_64.
    if (a[1] as i32) < 0 {
        return Err(Errno::INVAL.into());
    }
    do_msgctl(ctx, a[0] as i32, (a[1] & !IPC_64) as i32, true, a[2])
}

fn do_msgctl<H>(ctx: &mut Ctx<H>, id: i32, cmd: i32, ipc64: bool, ptr: u32) -> SysResult {
    match cmd {
        IPC_STAT | MSG_STAT | MSG_STAT_ANY => {
            let (r, ds) = hostipc::msgctl_stat(id, cmd)?;
            let mut out = Vec::with_capacity(88);
            if ipc64 {
                put_perm64(&mut out, &ds.msg_perm);
                for t in [ds.msg_stime, ds.msg_rtime, ds.msg_ctime] {
                    u32s(&mut out, &split(t));
                }
                u32s(
                    &mut out,
                    &[
                        ds.__msg_cbytes as u32,
                        ds.msg_qnum as u32,
                        ds.msg_qbytes as u32,
                        ds.msg_lspid as u32,
                        ds.msg_lrpid as u32,
                        0,
                        0,
                    ],
                );
            } else {
                put_perm_old(&mut out, &ds.msg_perm);
                u32s(&mut out, &[0, 0, ds.msg_stime as u32, ds.msg_rtime as u32, ds.msg_ctime as u32]);
                // msg_lcbytes, msg_lqbytes, then the 16-bit counts (clamped as the kernel does).
                u32s(&mut out, &[ds.__msg_cbytes as u32, ds.msg_qbytes as u32]);
                let short = |v: u64| v.min(0xffff) as u16;
                for v in [
                    short(ds.__msg_cbytes),
                    short(ds.msg_qnum),
                    short(ds.msg_qbytes),
                    ds.msg_lspid as u16,
                    ds.msg_lrpid as u16,
                    0,
                ] {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
            ctx.mem.write(ptr, &out)?;
            Ok(r as u32)
        }
        IPC_INFO | MSG_INFO => {
            // struct msginfo: seven ints and a short, the same everywhere.
            let mut info = [0u8; 120];
            let r = hostipc::msgctl_into(id, cmd, &mut info)?;
            ctx.mem.write(ptr, &info[..32])?;
            Ok(r as u32)
        }
        IPC_SET => {
            // The queue size comes after the permissions: msg_qbytes at offset 68 (IPC_64) or a
            // 16-bit one at offset 48 (old).
            let set = read_set_perm(ctx, ptr, ipc64)?;
            let qbytes = if ipc64 {
                u64::from(ctx.mem.read_u32(GuestAddr::new(ptr).offset(68)?)?)
            } else {
                let b: [u8; 2] = ctx.mem.read_obj(GuestAddr::new(ptr).offset(48)?)?;
                u64::from(u16::from_le_bytes(b))
            };
            Ok(hostipc::msgctl_set(id, set.uid, set.gid, set.mode, qbytes)? as u32)
        }
        _ => Ok(hostipc::msgctl_none(id, cmd)? as u32),
    }
}
