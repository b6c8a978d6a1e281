//! The process's socket table: which socket object guest fd N is.
//!
//! Guest fds are host fds, so the host's fd table already says which socket an fd is, and it
//! shares one socket between the fds that `dup`, `dup2`, `fcntl(F_DUPFD)`, fork and SCM_RIGHTS
//! make. This table adds the object of every socket that is not a plain host socket, keyed by the
//! socket's identity (its sockfs device and inode, one `fstat` of the fd away), so every fd that
//! reaches the socket finds the object, however it came, and a number closed and reused finds
//! whatever it holds now:
//!
//! - a socket the table does not know is offered to the providers that can recognise their
//!   sockets from the host fd (the claims they gave [`claims_on`]); any other is a plain host
//!   socket and costs no entry;
//! - a forked child copies the table with the emulator's memory;
//! - execve carries it in [`export`]'s text (each open fd of a known socket, with the object's
//!   [`Socket::state`] under its provider's name), which the next emulator gives to [`import`];
//!   close-on-exec fds are gone by then.
//!
//! Entries are not removed on close (the socket may live on in another fd, or in a message in
//! flight); once there are many, those no open fd reaches any more are dropped.
//!
//! While the table is empty and no provider has said it claims fds ([`claims_on`]), a lookup
//! costs one relaxed atomic load. Otherwise an fd below [`PLAIN_FDS`] found open and not a socket
//! is remembered as such (a file never becomes a socket) until its number is closed or replaced
//! ([`forget`], which close(2), dup2(2), dup3(2) and close_range(2) call after the host's call):
//! read(2) and write(2) on files, pipes and terminals then cost one relaxed load more, not an
//! fstat. A socket arriving by dup, SCM_RIGHTS or fork takes a number that was free, which holds
//! no such memory; a forked child copies it with the table, and a new emulator after execve
//! starts without.

use crate::socket::{ClaimFn, Provider, Socket};
use crate::Errno;
use std::collections::HashMap;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

/// A socket's identity: (st_dev, st_ino) of its sockfs inode.
type Identity = (u64, u64);

/// Entries past which the ones no open fd reaches are dropped.
const PRUNE_AT: usize = 1024;

static ANY: AtomicBool = AtomicBool::new(false);

/// Guest fds below this are remembered when found open and not sockets.
pub const PLAIN_FDS: usize = 1024;
/// One bit per fd below [`PLAIN_FDS`]: open and not a socket when last looked at.
static PLAIN: [AtomicU64; PLAIN_FDS / 64] = [const { AtomicU64::new(0) }; PLAIN_FDS / 64];
/// Counts [`forget`]s: a look that a forget overtook is not remembered.
static FORGETS: AtomicU64 = AtomicU64::new(0);

fn plain_bit(fd: BorrowedFd) -> Option<(&'static AtomicU64, u64)> {
    let fd = usize::try_from(fd.as_raw_fd()).ok().filter(|&fd| fd < PLAIN_FDS)?;
    Some((&PLAIN[fd / 64], 1 << (fd % 64)))
}

/// The guest closed or replaced fd `fd` (after the host did): what it was is forgotten.
pub fn forget(fd: RawFd) {
    forget_range(fd, fd);
}

/// The guest closed fds `first..=last` (after the host did).
pub fn forget_range(first: RawFd, last: RawFd) {
    FORGETS.fetch_add(1, SeqCst);
    let (lo, hi) = (first.max(0) as usize, (last.max(-1) as isize + 1).min(PLAIN_FDS as isize));
    for fd in lo..hi.max(0) as usize {
        PLAIN[fd / 64].fetch_and(!(1 << (fd % 64)), SeqCst);
    }
}

/// The identity of the socket at `fd`, remembering an open fd that is not a socket.
fn look(fd: BorrowedFd) -> Option<Identity> {
    let Some((word, bit)) = plain_bit(fd) else { return identity(fd) };
    if word.load(Relaxed) & bit != 0 {
        return None;
    }
    let before = FORGETS.load(SeqCst);
    let st = rustix::fs::fstat(fd).ok()?;
    if st.st_mode & libc::S_IFMT == libc::S_IFSOCK {
        return Some((st.st_dev, st.st_ino));
    }
    word.fetch_or(bit, SeqCst);
    if FORGETS.load(SeqCst) != before {
        // A close may have come between the fstat and the mark: not remembered.
        word.fetch_and(!bit, SeqCst);
    }
    None
}
static CLAIMING: AtomicBool = AtomicBool::new(false);
/// The claims of the providers whose mode is on ([`claims_on`]).
static CLAIMS: Mutex<Vec<ClaimFn>> = Mutex::new(Vec::new());
static TABLE: Mutex<Option<HashMap<Identity, Arc<dyn Socket>>>> = Mutex::new(None);

fn with_table<R>(f: impl FnOnce(&mut HashMap<Identity, Arc<dyn Socket>>) -> R) -> R {
    f(TABLE.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(HashMap::new))
}

/// The identity of the socket at `fd` (`None` when it is not an open socket).
fn identity(fd: BorrowedFd) -> Option<Identity> {
    identity_at(fd.as_raw_fd())
}

/// The identity of the socket an fd number names, which may be closed at any moment.
fn identity_at(fd: RawFd) -> Option<Identity> {
    let (mode, dev, ino) = crate::host::sock::fstat_number(fd).ok()?;
    (mode & libc::S_IFMT == libc::S_IFSOCK).then_some((dev, ino))
}

/// The process's open fds below `limit` and the sockets they are.
fn open_sockets(limit: RawFd) -> Vec<(RawFd, Identity)> {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else { return Vec::new() };
    let mut out: Vec<(RawFd, Identity)> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<RawFd>().ok())
        .filter(|&fd| fd < limit)
        .filter_map(|fd| Some((fd, identity_at(fd)?)))
        .collect();
    out.sort_unstable();
    out
}

/// Record the object of the socket at `fd` (a socket just made or accepted). A plain host socket
/// (`None`) needs no entry.
pub fn insert(fd: BorrowedFd, ops: Option<Arc<dyn Socket>>) {
    record(identity(fd), ops);
}

fn record(id: Option<Identity>, ops: Option<Arc<dyn Socket>>) {
    let (Some(ops), Some(id)) = (ops, id) else { return };
    with_table(|t| {
        if t.len() >= PRUNE_AT {
            let live: Vec<Identity> = open_sockets(RawFd::MAX).into_iter().map(|(_, id)| id).collect();
            t.retain(|id, _| live.contains(id));
        }
        t.insert(id, ops);
    });
    ANY.store(true, Relaxed);
}

/// From now on, ask `claim` about sockets the table does not know: called by a provider when a
/// mode in which its claim may answer is turned on (until then, sockets the table does not know
/// are plain host sockets without a question asked).
pub fn claims_on(claim: ClaimFn) {
    let mut claims = CLAIMS.lock().unwrap_or_else(|e| e.into_inner());
    if !claims.iter().any(|c| std::ptr::fn_addr_eq(*c, claim)) {
        claims.push(claim);
    }
    CLAIMING.store(true, Relaxed);
}

/// The object of a socket the table knows or a provider claims: `None` for a plain host socket
/// (and for an fd that is not a socket).
pub fn known(fd: BorrowedFd) -> Option<Arc<dyn Socket>> {
    let claiming = CLAIMING.load(Relaxed);
    if !ANY.load(Relaxed) && !claiming {
        return None;
    }
    let id = look(fd)?;
    find(id).or_else(|| claimed(fd, claiming))
}

/// The table's object for the socket `id`.
fn find(id: Identity) -> Option<Arc<dyn Socket>> {
    with_table(|t| t.get(&id).cloned())
}

/// A socket the table does not know, as the providers' claims see it (recorded when claimed).
fn claimed(fd: BorrowedFd, claiming: bool) -> Option<Arc<dyn Socket>> {
    if !claiming {
        return None;
    }
    let claims: Vec<ClaimFn> = CLAIMS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let ops = claims.iter().find_map(|claim| claim(fd))?;
    insert(fd, Some(ops.clone()));
    Some(ops)
}

/// sockfd_lookup_light(): the fd as a socket and its object (`None`: a plain host socket, whose
/// object is the host provider's); EBADF or ENOTSOCK otherwise. The
/// host kernel's own lookup answers (one getsockopt): fdget() refuses an O_PATH fd with EBADF,
/// even one opened on a socket's path, before sock_from_file() says ENOTSOCK.
///
/// A socket the table knows is found with its identity alone (one fstat, no getsockopt: the
/// socket calls of a program on the private network are its hot path). A key is a sockfs inode,
/// which an O_PATH fd opened on a socket's path never has (its device is its filesystem's); left
/// out: an O_PATH fd reopened from `/proc/self/fd/N` of a known socket is taken for the socket,
/// and its operations answer EBADF only where they reach the host fd.
pub fn lookup(fd: BorrowedFd) -> Result<Option<Arc<dyn Socket>>, Errno> {
    let claiming = CLAIMING.load(Relaxed);
    if !ANY.load(Relaxed) && !claiming {
        rustix::net::sockopt::socket_type(fd)?;
        return Ok(None);
    }
    let id = identity(fd);
    if let Some(ops) = id.and_then(find) {
        return Ok(Some(ops));
    }
    rustix::net::sockopt::socket_type(fd)?;
    Ok(id.and_then(|_| claimed(fd, claiming)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// The table as text for the next emulator: `FD:PROVIDER:STATE` (the state in hex) for each open
/// fd below `limit` (the guest's fds) that is a socket the table knows, `,`-separated; empty when
/// there are none.
pub fn export(limit: RawFd) -> String {
    if !ANY.load(Relaxed) {
        return String::new();
    }
    let open = open_sockets(limit);
    with_table(|t| {
        let entries = open.iter().filter_map(|(fd, id)| {
            let ops = t.get(id)?;
            Some(format!("{fd}:{}:{}", ops.provider().name, hex(&ops.state())))
        });
        entries.collect::<Vec<_>>().join(",")
    })
}

/// Take the table [`export`] gave the previous emulator, finding each entry's provider by its
/// name with `provider` (the registry's). Entries that do not parse, name a provider this
/// emulator does not have, or whose fd is no longer a socket, are dropped (and the first two
/// logged).
pub fn import(text: &str, provider: fn(&str) -> Option<&'static Provider>) {
    for item in text.split(',').filter(|s| !s.is_empty()) {
        let parsed = (|| {
            let mut f = item.splitn(3, ':');
            let fd: RawFd = f.next()?.parse().ok().filter(|fd| *fd >= 0)?;
            let provider: &Provider = provider(f.next()?)?;
            let ops = (provider.restore)(&unhex(f.next()?)?)?;
            Some((fd, ops))
        })();
        match parsed {
            Some((fd, ops)) => record(identity_at(fd), Some(ops)),
            None => log::warn!("socket table entry {item:?} from the previous program is not understood: dropped"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{create, Answer, AF_INET, AF_UNIX, SOCK_DGRAM, SOCK_STREAM};
    use std::os::fd::AsFd;

    /// A stand-in provider whose objects carry a byte of state.
    struct Marked(u8);
    static MARKED: Provider = Provider { name: "marked", create: |_| Answer::NotMine, pair: None, restore: |_| None };
    impl Socket for Marked {
        fn provider(&self) -> &'static Provider {
            &MARKED
        }
        fn state(&self) -> Vec<u8> {
            vec![self.0]
        }
    }

    fn state_of(fd: BorrowedFd<'_>) -> Option<Vec<u8>> {
        known(fd).map(|o| o.state())
    }

    // One test: the table is process-wide.
    #[test]
    fn fds_find_their_objects_through_dup_reuse_and_execve() {
        // A plain host socket has no entry and gets the host object.
        let plain = create(AF_UNIX, SOCK_STREAM, 0).unwrap();
        assert!(known(plain.fd.as_fd()).is_none());
        assert!(lookup(plain.fd.as_fd()).unwrap().is_none());

        // A socket with an object: found by its fd, and by a dup of it after the first is closed.
        let special = create(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        insert(special.fd.as_fd(), Some(Arc::new(Marked(7))));
        assert_eq!(state_of(special.fd.as_fd()), Some(vec![7]));
        let copy = rustix::io::dup(&special.fd).unwrap();
        let number = special.fd.as_raw_fd();
        drop(special);
        assert_eq!(state_of(copy.as_fd()), Some(vec![7]));

        // The number closed and reused by another socket: that one is a host socket. socket(2)
        // takes the lowest free number, so `other` is usually there already; if not, a copy.
        let other = create(AF_INET, SOCK_DGRAM, 0).unwrap();
        let copied =
            (other.fd.as_raw_fd() != number).then(|| rustix::io::fcntl_dupfd_cloexec(&other.fd, number).unwrap());
        let reused = copied.as_ref().map_or(other.fd.as_fd(), |c| c.as_fd());
        assert_eq!(reused.as_raw_fd(), number);
        assert!(known(reused).is_none());

        // An SCM_RIGHTS arrival of the socket is the socket.
        let (tx, rx) = rustix::net::socketpair(
            rustix::net::AddressFamily::UNIX,
            rustix::net::SocketType::DGRAM,
            rustix::net::SocketFlags::CLOEXEC,
            None,
        )
        .unwrap();
        let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
        let mut out = rustix::net::SendAncillaryBuffer::new(&mut space);
        let passed = [copy.as_fd()];
        assert!(out.push(rustix::net::SendAncillaryMessage::ScmRights(&passed)));
        rustix::net::sendmsg(&tx, &[std::io::IoSlice::new(b"x")], &mut out, rustix::net::SendFlags::empty()).unwrap();
        let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
        let mut inbox = rustix::net::RecvAncillaryBuffer::new(&mut space);
        let mut byte = [0u8; 1];
        rustix::net::recvmsg(
            &rx,
            &mut [std::io::IoSliceMut::new(&mut byte)],
            &mut inbox,
            rustix::net::RecvFlags::CMSG_CLOEXEC,
        )
        .unwrap();
        let arrived: Vec<std::os::fd::OwnedFd> = inbox
            .drain()
            .filter_map(|m| match m {
                rustix::net::RecvAncillaryMessage::ScmRights(fds) => Some(fds),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(arrived.len(), 1);
        assert_eq!(state_of(arrived[0].as_fd()), Some(vec![7]));
        drop(arrived);

        // The handoff: each open fd of a known socket, in a form import reads back.
        let text = export(RawFd::MAX);
        assert_eq!(text, format!("{}:marked:07", copy.as_raw_fd()));
        assert_eq!(export(copy.as_raw_fd()), "", "fds at or past the limit are the emulator's");

        // Entries that name no provider here, or do not parse, or whose fd is no socket, are dropped.
        with_table(|t| t.clear());
        let ping = rustix::io::dup(&other.fd).unwrap();
        let devnull = std::fs::File::open("/dev/null").unwrap();
        import(
            &format!(
                "3:nothing:00,x,{}:ping:0200,{}:ping:0200,{}:host:",
                ping.as_raw_fd(),
                devnull.as_raw_fd(),
                plain.fd.as_raw_fd()
            ),
            crate::registry::provider,
        );
        assert_eq!(known(ping.as_fd()).map(|o| o.provider().name), Some("ping"));
        assert_eq!(known(other.fd.as_fd()).map(|o| o.provider().name), Some("ping"), "the same socket");
        assert_eq!(known(plain.fd.as_fd()).map(|o| o.provider().name), Some("host"));
        assert_eq!(with_table(|t| t.len()), 2);
        with_table(|t| t.clear());

        assert_eq!(lookup(devnull.as_fd()).err(), Some(Errno::NOTSOCK));

        // With a known socket bound to a path, an O_PATH fd on that path is not the socket (its
        // device is the filesystem's): EBADF, as fdget() answers.
        let dir = std::env::temp_dir().join(format!("emu386-table-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let bound = create(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let addr = rustix::net::SocketAddrUnix::new(&dir).unwrap();
        rustix::net::bind(&bound.fd, &addr).unwrap();
        insert(bound.fd.as_fd(), Some(Arc::new(Marked(9))));
        let path = rustix::fs::open(&dir, rustix::fs::OFlags::PATH | rustix::fs::OFlags::CLOEXEC, 0.into()).unwrap();
        assert_eq!(lookup(path.as_fd()).err(), Some(Errno::BADF));
        assert_eq!(lookup(bound.fd.as_fd()).ok().flatten().map(|o| o.state()), Some(vec![9]));
        let _ = std::fs::remove_file(&dir);

        // A file's number is remembered as no socket until it is forgotten: a socket put there
        // (dup2 onto it) is found once the number is forgotten, as the guest's dup2 forgets it.
        let mut file = std::os::fd::OwnedFd::from(std::fs::File::open("/dev/null").unwrap());
        let n = file.as_raw_fd();
        assert!(known(file.as_fd()).is_none());
        assert!(known(file.as_fd()).is_none(), "remembered");
        rustix::io::dup2(&bound.fd, &mut file).unwrap();
        assert_eq!(file.as_raw_fd(), n);
        assert!(known(file.as_fd()).is_none(), "not looked at again until forgotten");
        forget(n);
        assert_eq!(known(file.as_fd()).map(|o| o.state()), Some(vec![9]));
        forget_range(0, RawFd::MAX);
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(unhex(&hex(&[0, 1, 0xab, 0xff])), Some(vec![0, 1, 0xab, 0xff]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
