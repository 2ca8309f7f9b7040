//! CPU-bound work (password hashing, image decoding, searching the embedded index) runs on
//! tokio's blocking threads, a bounded number at a time per kind of work. More of it at once
//! than the bound only adds threads, each with its stack and its allocations; the rest wait
//! as tasks, which cost almost nothing.

use std::sync::LazyLock;

use tokio::sync::Semaphore;

/// A bound on one kind of CPU-bound work. Declared as a `static` beside the work it bounds.
pub struct CpuBound {
    permits: LazyLock<Semaphore, fn() -> Semaphore>,
}

/// The work could not run to its end: it panicked, or the runtime is shutting down.
#[derive(Debug)]
pub struct WorkFailed(String);

impl std::fmt::Display for WorkFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "blocking work failed: {}", self.0)
    }
}

impl std::error::Error for WorkFailed {}

/// The cores this process may use (2 when the system cannot say).
pub fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}

/// How many blocking threads CPU work can hold at once: password hashing and searching one per
/// core each, image processing one, and a spare for storing an upload's renditions (which has
/// no bound of its own). A new `CpuBound` adds to this.
pub fn threads_for_bounded_work() -> usize {
    2 * cores() + 2
}

fn one_per_core() -> Semaphore {
    Semaphore::new(cores())
}

fn one() -> Semaphore {
    Semaphore::new(1)
}

impl CpuBound {
    /// As many at once as the machine has cores.
    pub const fn per_core() -> Self {
        CpuBound { permits: LazyLock::new(one_per_core) }
    }

    /// One at a time, for work whose memory is the limit rather than the cores.
    pub const fn one_at_a_time() -> Self {
        CpuBound { permits: LazyLock::new(one) }
    }

    /// Runs `work` on a blocking thread once a permit is free. The permit goes with the work,
    /// so a caller that gives up (a client that disconnects) does not free a place while its
    /// work still runs.
    pub async fn run<T: Send + 'static>(
        &'static self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, WorkFailed> {
        let permit = self.permits.acquire().await.map_err(|e| WorkFailed(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let _held = permit;
            work()
        })
        .await
        .map_err(|e| WorkFailed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    static BOUND: CpuBound = CpuBound::one_at_a_time();
    static RUNNING: AtomicUsize = AtomicUsize::new(0);
    static MOST: AtomicUsize = AtomicUsize::new(0);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_runs_more_than_the_bound_even_when_callers_give_up() {
        let mut callers = Vec::new();
        for _ in 0..6 {
            callers.push(tokio::spawn(BOUND.run(|| {
                let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                MOST.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                RUNNING.fetch_sub(1, Ordering::SeqCst);
            })));
        }
        // The first caller gives up while its work runs; its place must stay taken.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        callers.remove(0).abort();
        for caller in callers {
            caller.await.unwrap().unwrap();
        }
        assert_eq!(MOST.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_panic_is_an_error_not_a_crash() {
        static PANICKY: CpuBound = CpuBound::per_core();
        let outcome = PANICKY.run(|| -> u8 { panic!("boom") }).await;
        assert!(outcome.is_err());
    }
}
