//! Syscall handlers, one file per family. Each family exports `ENTRIES`, its rows of the table.

pub mod admin;
pub mod aio;
pub mod archprctl;
pub mod capability;
pub mod epoll;
pub mod eventfd;
pub mod exec;
pub mod fanotify;
pub mod fd;
pub mod fileattr;
pub mod filedata;
pub mod fork;
pub mod fs;
pub mod fsioctl;
pub mod futex;
pub mod handle;
mod hostarg;
pub mod ids;
pub mod info;
pub mod inotify;
pub mod io_uring;
pub mod ipc;
pub mod kcmp;
pub mod kernel;
pub mod keys;
pub mod landlock;
pub mod ldt;
pub mod lsm;
pub mod memfd;
pub mod mempolicy;
pub mod mm;
pub mod mount;
pub mod mqueue;
pub mod mseal;
pub mod netioctl;
pub mod ni;
pub mod ns;
pub mod perf;
pub mod pidfd;
pub mod pkey;
pub mod poll;
pub mod process;
pub mod process_vm;
pub mod procfs;
pub mod procmm;
pub mod quota;
pub mod restart;
pub mod rseq;
pub mod sched;
pub mod seccomp;
pub mod signal;
pub mod socket;
pub mod socketcall;
pub mod socketmsg;
pub mod sockopt;
pub mod splice;
pub mod syslog;
pub mod time;
pub mod timer;
pub mod timex;
pub mod userfaultfd;
pub mod uts;
pub mod xattr;

use crate::row::Entry;
use crate::Errno;
use std::os::fd::BorrowedFd;

/// Every family's rows; [`crate::table`] indexes them by number.
pub static FAMILIES: &[&[Entry]] = &[
    admin::ENTRIES,
    epoll::ENTRIES,
    exec::ENTRIES,
    fd::ENTRIES,
    eventfd::ENTRIES,
    fanotify::ENTRIES,
    filedata::ENTRIES,
    inotify::ENTRIES,
    io_uring::ENTRIES,
    memfd::ENTRIES,
    pidfd::ENTRIES,
    rseq::ENTRIES,
    lsm::ENTRIES,
    kcmp::ENTRIES,
    process_vm::ENTRIES,
    aio::ENTRIES,
    seccomp::ENTRIES,
    ni::ENTRIES,
    mseal::ENTRIES,
    kernel::ENTRIES,
    syslog::ENTRIES,
    fork::ENTRIES,
    fs::ENTRIES,
    futex::ENTRIES,
    ids::ENTRIES,
    info::ENTRIES,
    ipc::ENTRIES,
    ldt::ENTRIES,
    mm::ENTRIES,
    mount::ENTRIES,
    mqueue::ENTRIES,
    ns::ENTRIES,
    perf::ENTRIES,
    poll::ENTRIES,
    process::ENTRIES,
    sched::ENTRIES,
    timer::ENTRIES,
    capability::ENTRIES,
    uts::ENTRIES,
    signal::ENTRIES,
    socket::ENTRIES,
    socketcall::ENTRIES,
    socketmsg::ENTRIES,
    splice::ENTRIES,
    time::ENTRIES,
    timex::ENTRIES,
    userfaultfd::ENTRIES,
    xattr::ENTRIES,
    quota::ENTRIES,
    mempolicy::ENTRIES,
    keys::ENTRIES,
    restart::ENTRIES,
    pkey::ENTRIES,
    archprctl::ENTRIES,
    procmm::ENTRIES,
    landlock::ENTRIES,
    handle::ENTRIES,
    fileattr::ENTRIES,
];

/// A guest fd argument as a host fd (guest fds are host fds below the emulator's own): EBADF for
/// a negative number or an emulator fd; the host answers EBADF for one that is not open.
pub fn fd(raw: u32) -> Result<BorrowedFd<'static>, Errno> {
    fd::guest_fd(raw)
}
