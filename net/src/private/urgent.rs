//! TCP urgent data on a private TCP socket, whose transport is a host AF_UNIX stream socket.
//!
//! AF_UNIX's MSG_OOB (af_unix.c `queue_oob()`, `manage_oob()`) was made after TCP's: the last byte
//! of a MSG_OOB send is the mark, a read stops before it and skips it when it is not read
//! out-of-band, recv(MSG_OOB) answers EINVAL with SO_OOBINLINE or nothing pending, SIOCATMARK and
//! POLLPRI agree. What differs is counted here from the host queue: tcp_inq() (SIOCINQ) counts only
//! the bytes before a mark still ahead and 0 at the mark, where unix_inq_len() counts the whole
//! queue; tcp_stream_is_readable() (POLLIN) wants a byte beyond an urgent byte at the head, where
//! unix_poll() sees the queue not empty. A peek of the queue answers both: it stops at the mark
//! and steps over an urgent byte (or an urgent byte already taken) at the head.
//!
//! Left out: a second urgent byte arriving while the reader is at an unread first one drops the
//! first (tcp_check_urg()); on AF_UNIX the first becomes data. With SO_OOBINLINE the count is
//! the host's, which on some kernels (6.18) stays one too high once a read has stepped over an
//! urgent byte nobody read (the skipped byte is not taken off unix_inq_len()'s count).

use super::socket::Call;
use crate::host::sock::{self, int_ioctl, IntIoctl};
use crate::Errno;
use std::os::fd::BorrowedFd;

/// The in-band bytes a read would return now, up to `limit` (a peek; 0 when nothing is there).
fn peek_in_band(fd: BorrowedFd, limit: usize) -> usize {
    let mut buf = vec![0u8; limit.max(1)];
    sock::recv(fd, &mut buf, libc::MSG_PEEK | libc::MSG_DONTWAIT).unwrap_or(0)
}

impl Call<'_> {
    fn oob_inline(&self) -> bool {
        super::int_option(self.fd, libc::SOL_SOCKET, libc::SO_OOBINLINE).is_some_and(|v| v != 0)
    }

    /// SIOCINQ on a private TCP socket: tcp_inq(). A listening socket: the host's EINVAL, as
    /// tcp_ioctl() answers.
    pub(crate) fn tcp_inq(&self) -> Result<i32, Errno> {
        let total = int_ioctl(self.fd, IntIoctl::InQueue)?;
        if total <= 0 || self.oob_inline() {
            return Ok(total);
        }
        if int_ioctl(self.fd, IntIoctl::AtMark)? != 0 {
            // At the mark: urg_seq - copied_seq.
            return Ok(0);
        }
        Ok(peek_in_band(self.fd, total as usize) as i32)
    }

    /// Whether a private TCP socket the host reports readable is readable as TCP says: at the
    /// mark (an urgent byte, or one already taken, at the head) only if data follows it, or the
    /// peer has finished sending.
    pub(crate) fn tcp_readable(&self) -> bool {
        if self.oob_inline() || int_ioctl(self.fd, IntIoctl::AtMark) != Ok(1) {
            return true;
        }
        sock::read_hung_up(self.fd) || peek_in_band(self.fd, 1) > 0
    }
}
