//! The `taawun` binary: parses the command line and runs the command.

mod cli;

fn main() -> anyhow::Result<()> {
    limit_malloc_arenas();
    cli::run()
}

/// glibc gives a thread that meets a locked arena a new one, up to eight per core, and each
/// arena keeps the memory it has touched. The server's threads (HTTP workers, the blocking
/// pool that runs SQL and search) then hold several copies of their peak: under checkout load
/// that was most of the resident memory. (Throughput with and without the bound has not yet
/// been compared in one run.)
/// `MALLOC_ARENA_MAX` in the environment still decides when it is set.
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
