//! Handing freed heap memory back to the system.

/// Gives the heap's free memory back to the system. glibc keeps what is
/// freed in its arenas (one per thread that allocated, up to eight per
/// core), so a process that freed large buffers on several threads stays
/// as large as its busiest moment until it is asked to trim.
#[allow(unsafe_code)]
pub fn release_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers and only walks glibc's own
    // arenas, under their locks, so other threads may allocate meanwhile.
    unsafe {
        libc::malloc_trim(0);
    }
}
