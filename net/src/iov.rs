//! Copying between the emulator's buffers and data ranges that may fault (the iovecs of the
//! socket operations), for providers that look at or rewrite the data they move.
//!
//! The copies go through the host kernel (process_vm_readv(2) / process_vm_writev(2) on the
//! emulator's own process), so an inaccessible page ends the copy there, as a user copy in the
//! kernel does, instead of faulting the emulator.

use crate::Errno;

/// Up to `max` bytes from the start of `iov`, stopping at the first inaccessible byte.
pub fn read_prefix(iov: &[libc::iovec], max: usize) -> Vec<u8> {
    let total: usize = iov.iter().map(|v| v.iov_len).sum();
    let mut out = vec![0u8; total.min(max)];
    if out.is_empty() {
        return out;
    }
    let n = crate::host::msg::read_ranges(&mut out, iov);
    out.truncate(n);
    out
}

/// `data` scattered over `iov`, in order: EFAULT if a byte of it cannot be stored.
pub fn write(iov: &[libc::iovec], data: &[u8]) -> Result<(), Errno> {
    if data.is_empty() {
        return Ok(());
    }
    let mut remote = Vec::new();
    let mut left = data.len();
    for v in iov {
        if left == 0 {
            break;
        }
        let k = v.iov_len.min(left);
        if k > 0 {
            remote.push(libc::iovec { iov_base: v.iov_base, iov_len: k });
        }
        left -= k;
    }
    match crate::host::msg::write_ranges(data, &remote) {
        Ok(n) if n >= data.len() - left => {}
        _ => return Err(Errno::FAULT),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scatter_and_gather_over_iovecs() {
        let (mut a, mut b) = ([0u8; 3], [0u8; 4]);
        let iov = [
            libc::iovec { iov_base: a.as_mut_ptr().cast(), iov_len: 3 },
            libc::iovec { iov_base: b.as_mut_ptr().cast(), iov_len: 4 },
        ];
        write(&iov, &[1, 2, 3, 4, 5]).unwrap();
        assert_eq!(read_prefix(&iov, 6), [1, 2, 3, 4, 5, 0]);
        assert_eq!((a, b), ([1, 2, 3], [4, 5, 0, 0]));
        let bad = [libc::iovec { iov_base: 8 as *mut libc::c_void, iov_len: 4 }];
        assert_eq!(write(&bad, &[1]), Err(Errno::FAULT));
        assert!(read_prefix(&bad, 4).is_empty());
    }
}
