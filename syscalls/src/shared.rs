//! What the threads of a guest process share, and the proof that reaches it: [`Shared`] values
//! are opened only with the emulator lock's [`Held`] (the design: [`crate::task`]).

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::sync::Arc;

/// The proof that the calling host thread holds the emulator lock: zero-sized, neither `Clone`
/// nor `Send`, made only by the lock (emu/src/lock.rs) and given up when the lock is let go. At
/// most one exists at a time, so `&mut Held` is exclusive access to every [`Shared`] value.
pub struct Held {
    _not_send: PhantomData<*const ()>,
}

impl Held {
    /// The proof of a lock just taken.
    ///
    /// # Safety
    /// The caller holds the emulator lock (or is the only thread that can reach the [`Shared`]
    /// values this proof will open) and no other `Held` exists until this one is dropped.
    pub unsafe fn new() -> Held {
        Held { _not_send: PhantomData }
    }
}

/// Process-wide state that every thread of a guest process reaches through its own [`crate::Task`],
/// only with the proof that the emulator lock is held ([`Held`], see the module doc). Cloning
/// shares the value.
pub struct Shared<T>(Arc<UnsafeCell<T>>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared(Arc::new(UnsafeCell::new(value)))
    }

    /// The value, to read while the lock is held.
    pub fn get<'a>(&'a self, _held: &'a Held) -> &'a T {
        // SAFETY: the one `Held` is borrowed for as long as the result lives, and a `&mut T` is
        // only handed out against `&mut Held` (get_mut), so no `&mut T` to the value exists.
        unsafe { &*self.0.get() }
    }

    /// The value, to change while the lock is held.
    pub fn get_mut<'a>(&'a self, _held: &'a mut Held) -> &'a mut T {
        // SAFETY: the one `Held` is borrowed exclusively for as long as the result lives, so no
        // other reference to any `Shared` value is handed out meanwhile.
        unsafe { &mut *self.0.get() }
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

// SAFETY: the value is reached only through the one `Held`, which is not `Send`: whichever host
// thread holds it is the only one reaching any `Shared` value.
unsafe impl<T: Send> Send for Shared<T> {}

impl<T> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_value_is_the_same_for_every_clone() {
        // SAFETY: this test's values are its own.
        let mut held = unsafe { Held::new() };
        let a = Shared::new(1);
        let b = a.clone();
        *b.get_mut(&mut held) = 2;
        assert_eq!(*a.get(&held), 2);
        assert_eq!(std::mem::size_of::<Held>(), 0);
    }
}
