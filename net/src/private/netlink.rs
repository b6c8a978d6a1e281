//! rtnetlink on a private network: the host's answers cut down to what a fresh network namespace
//! with `lo` up shows. Links, addresses and neighbours of other devices than `lo` (index 1, as in
//! a fresh namespace; the host's `lo` is index 1 too) and routes through them are dropped from
//! each message a netlink socket receives; other messages (NLMSG_DONE, NLMSG_ERROR, …) stay.
//!
//! Left out: `read(2)` on a netlink socket is not filtered (glibc's getifaddrs and iproute2 use
//! recvmsg); a request for one device by index or name other than `lo` gets the host's answer;
//! `lo`'s statistics are the host's.

const NLMSG_HDRLEN: usize = 16;
const RTM_NEWLINK: u16 = 16;
const RTM_DELLINK: u16 = 17;
const RTM_NEWADDR: u16 = 20;
const RTM_DELADDR: u16 = 21;
const RTM_NEWROUTE: u16 = 24;
const RTM_DELROUTE: u16 = 25;
const RTM_NEWNEIGH: u16 = 28;
const RTM_DELNEIGH: u16 = 29;
/// sizeof(struct rtmsg); RTA_OIF.
const RTMSG_LEN: usize = 12;
const RTA_OIF: u16 = 4;
const LO_INDEX: u32 = 1;

pub(super) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

pub(super) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Whether one netlink message (header included) belongs to a network with only `lo`.
fn keep(msg: &[u8]) -> bool {
    let Some(kind) = u16_at(msg, 4) else { return true };
    match kind {
        // ifinfomsg.ifi_index, ifaddrmsg.ifa_index, ndmsg.ndm_ifindex: 4 bytes into the payload.
        RTM_NEWLINK | RTM_DELLINK | RTM_NEWADDR | RTM_DELADDR | RTM_NEWNEIGH | RTM_DELNEIGH => {
            u32_at(msg, NLMSG_HDRLEN + 4) == Some(LO_INDEX)
        }
        RTM_NEWROUTE | RTM_DELROUTE => {
            let mut at = NLMSG_HDRLEN + RTMSG_LEN;
            while let (Some(len), Some(kind)) = (u16_at(msg, at), u16_at(msg, at + 2)) {
                let len = usize::from(len);
                if len < 4 {
                    break;
                }
                if kind == RTA_OIF {
                    return u32_at(msg, at + 4) == Some(LO_INDEX);
                }
                at += (len + 3) & !3;
            }
            false
        }
        _ => true,
    }
}

/// The messages of a received netlink datagram that a network with only `lo` has.
pub fn filter(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut at = 0;
    while at + NLMSG_HDRLEN <= data.len() {
        let Some(len) = u32_at(data, at).map(|l| l as usize) else { break };
        if len < NLMSG_HDRLEN || at + len > data.len() {
            // Not a whole message: leave the rest as it came.
            out.extend_from_slice(&data[at..]);
            return out;
        }
        let msg = &data[at..at + len];
        let next = (at + len + 3) & !3;
        if keep(msg) {
            out.extend_from_slice(&data[at..next.min(data.len())]);
        }
        at = next;
    }
    out.extend_from_slice(&data[at.min(data.len())..]);
    out
}

/// After a recvmsg of `n` bytes into `msg`'s iovecs: the datagram with only `lo`'s messages,
/// written back over the iovecs, and its new length.
pub fn only_lo(msg: &libc::msghdr, n: usize) -> usize {
    if msg.msg_iov.is_null() || n == 0 {
        return n;
    }
    let iovs = crate::host::msg::iovecs(msg);
    let data = crate::iov::read_prefix(iovs, n);
    if data.len() < n {
        // MSG_TRUNC: the datagram did not fit; leave it as it is.
        return n;
    }
    let kept = filter(&data);
    if crate::iov::write(iovs, &kept).is_err() {
        return n;
    }
    kept.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: u16, payload: &[u8]) -> Vec<u8> {
        let len = (NLMSG_HDRLEN + payload.len()) as u32;
        let mut m = len.to_ne_bytes().to_vec();
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&[0; 10]);
        m.extend_from_slice(payload);
        while !m.len().is_multiple_of(4) {
            m.push(0);
        }
        m
    }

    #[test]
    fn only_lo_survives() {
        let link = |index: u32| message(RTM_NEWLINK, &[&[0u8; 4][..], &index.to_ne_bytes(), &[0; 8]].concat());
        let route = |oif: u32| {
            let mut p = vec![0u8; RTMSG_LEN];
            p.extend_from_slice(&8u16.to_ne_bytes());
            p.extend_from_slice(&RTA_OIF.to_ne_bytes());
            p.extend_from_slice(&oif.to_ne_bytes());
            message(RTM_NEWROUTE, &p)
        };
        let done = message(3, &[0; 4]);
        let data = [link(1), link(2), route(2), route(1), done.clone()].concat();
        assert_eq!(filter(&data), [link(1), route(1), done].concat());
    }
}
