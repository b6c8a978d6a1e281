//! Safe wrappers of the host calls that rustix does not have, one per call (or per group of
//! commands of one call), each documenting why it is sound: the handlers in [`crate::sys`] call
//! these and hold no `unsafe` of their own. A wrapper is sound whatever its arguments: buffers
//! are sized for every command the call takes, commands that would write through an argument
//! of another shape are refused, and guest memory reaches the host only as a
//! [`HostRange`](crate::mem::HostRange), which only the memory layer hands out.

pub mod ids;
pub mod info;
pub mod ipc;
pub mod time;
