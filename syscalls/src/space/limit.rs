//! The guest's RLIMIT_AS, kept by the emulator.

/// The guest's RLIMIT_AS (soft, hard) once it has set one: the host's limit is the emulator's,
/// whose reservation of the whole guest space alone is 4 GiB of address space, so the guest's is
/// kept here and checked against the guest's own mappings ([`Mm::may_expand_vm`]).
static GUEST_AS: std::sync::Mutex<Option<(u64, u64)>> = std::sync::Mutex::new(None);

/// The guest's RLIMIT_AS: the one it set, else the one inherited from the host.
pub fn address_space_limit() -> (u64, u64) {
    if let Some(limit) = *GUEST_AS.lock().unwrap_or_else(|e| e.into_inner()) {
        return limit;
    }
    let host = rustix::process::getrlimit(rustix::process::Resource::As);
    (host.current.unwrap_or(u64::MAX), host.maximum.unwrap_or(u64::MAX))
}

/// Set the guest's RLIMIT_AS (checked by the caller as do_prlimit() checks it).
pub fn set_address_space_limit(soft: u64, hard: u64) {
    *GUEST_AS.lock().unwrap_or_else(|e| e.into_inner()) = Some((soft, hard));
}

/// Whether the guest's RLIMIT_AS is its own (it set one; execve hands it on).
pub fn address_space_limit_set() -> bool {
    GUEST_AS.lock().unwrap_or_else(|e| e.into_inner()).is_some()
}
