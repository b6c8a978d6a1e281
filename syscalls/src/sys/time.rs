//! (being written)

use crate::table::Entry;

pub static ENTRIES: &[Entry] = &[];
