//! emu386's socket layer (filled in by the sockets work): never touches guest memory.
