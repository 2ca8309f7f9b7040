//! The `taawun` binary: parses the command line and runs the command.

mod cli;

/// mimalloc rather than glibc's malloc for Rust's allocations. A product listing allocates
/// about 7,500 times; glibc's allocator was a quarter of its instructions (with its arenas
/// bounded, below, also a lock per call), mimalloc's thread-local free lists under a tenth.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    limit_malloc_arenas();
    cli::run()
}

/// mimalloc keeps freed memory for a while (an arena's pages 10 s) and commits its arenas ahead
/// of use: through the load benchmark's scenarios the server then peaked at 337 MB, against
/// 145 MB with glibc. Given back at once and committed on use, it peaks at 138 MB, under the
/// memory goal (150 MB), for more `madvise` calls and page faults. Set before the first
/// allocation, which reserves the first arena with the options of that moment (set in `main`,
/// they left that arena as it was: 181 MB). A
/// `MIMALLOC_*` variable in the environment still decides. Option numbers: mimalloc 3's
/// `mimalloc.h` (`libmimalloc-sys` 0.1.49, locked); `MIMALLOC_VERBOSE=1` prints them by name.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static ALLOCATOR_OPTIONS: extern "C" fn() = give_memory_back_at_once;

#[cfg(target_os = "linux")]
extern "C" fn give_memory_back_at_once() {
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    for (option, variable) in
        [(ARENA_EAGER_COMMIT, c"MIMALLOC_ARENA_EAGER_COMMIT"), (PURGE_DELAY, c"MIMALLOC_PURGE_DELAY")]
    {
        // SAFETY: getenv with a NUL-terminated name (it allocates nothing, which matters here);
        // mi_option_set only stores a value that mimalloc reads when it reserves or purges.
        unsafe {
            if libc::getenv(variable.as_ptr()).is_null() {
                libmimalloc_sys::mi_option_set(option, 0);
            }
        }
    }
}

/// C libraries (SQLite, libwebp) still allocate through glibc. It gives a thread that meets a
/// locked arena a new one, up to eight per core, and each arena keeps the memory it has
/// touched. `MALLOC_ARENA_MAX` in the environment still decides when it is set.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; it is called before any thread starts.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
