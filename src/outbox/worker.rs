//! The in-process worker: leases due outbox rows, delivers them, retries with exponential
//! backoff and parks them as FAILED after the last attempt. Safe with several instances.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::OutboxRow;
use crate::kernel::db::{Db, now};

/// Delivers one outbox row (an email, an index update…). Must be idempotent: a crash
/// between delivery and `mark_done` delivers the row again.
pub trait Deliver: Send + Sync + 'static {
    fn deliver<'a>(&'a self, row: &'a OutboxRow) -> BoxFuture<'a, Result<(), String>>;

    /// Delivers a claimed batch, one outcome per row in order. One by one unless a kind can
    /// share the work (index updates of many rows make one commit).
    fn deliver_batch<'a>(&'a self, rows: &'a [OutboxRow]) -> BoxFuture<'a, Vec<Result<(), String>>> {
        Box::pin(async move {
            let mut outcomes = Vec::with_capacity(rows.len());
            for row in rows {
                outcomes.push(self.deliver(row).await);
            }
            outcomes
        })
    }
}

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub poll_interval: Duration,
    pub max_attempts: i32,
    /// First retry after this; doubled each attempt, capped at an hour.
    pub base_backoff: Duration,
    pub batch: i64,
}

/// The longest one delivery may take (an SMTP send times out after 20 s).
const ITEM_BUDGET: Duration = Duration::from_secs(30);

impl WorkerSettings {
    /// How long a claimed batch stays this worker's: long enough for every row of the batch
    /// at its slowest, so another instance never claims (and sends) the same rows meanwhile.
    /// A batch that runs longer is abandoned before its lease ends.
    pub fn lease(&self) -> Duration {
        ITEM_BUDGET.saturating_mul(self.batch.clamp(1, 10_000) as u32) + Duration::from_secs(60)
    }

    fn batch_deadline(&self) -> Duration {
        self.lease() - Duration::from_secs(30)
    }
}

pub fn backoff(settings: &WorkerSettings, attempts_so_far: i32) -> Duration {
    let factor = 2u32.saturating_pow(attempts_so_far.clamp(0, 20) as u32);
    settings.base_backoff.saturating_mul(factor).min(Duration::from_secs(3600))
}

pub struct Worker {
    db: Db,
    deliver: Arc<dyn Deliver>,
    settings: WorkerSettings,
    id: String,
}

impl Worker {
    pub fn new(db: Db, deliver: Arc<dyn Deliver>, settings: WorkerSettings) -> Worker {
        let mut bytes = [0u8; 6];
        let _ = getrandom::getrandom(&mut bytes);
        let id = format!("{}-{}", std::process::id(), bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
        Worker { db, deliver, settings, id }
    }

    /// Delivers what is due now; returns how many rows it handled.
    pub async fn run_once(&self) -> usize {
        let worker = self.id.clone();
        let batch = self.settings.batch;
        let lease = chrono::Duration::from_std(self.settings.lease()).unwrap_or(chrono::Duration::seconds(120));
        let rows = match self.db.run(move |conn| Ok(super::claim(conn, &worker, now(), lease, batch)?)).await {
            Ok(rows) => rows,
            Err(e) => {
                e.log_if_internal();
                return 0;
            }
        };
        let handled = rows.len();
        let outcomes =
            match tokio::time::timeout(self.settings.batch_deadline(), self.deliver.deliver_batch(&rows)).await {
                Ok(outcomes) => outcomes,
                Err(_) => rows.iter().map(|_| Err("the batch ran past its lease".to_string())).collect(),
            };
        let worker = self.id.clone();
        let settings = self.settings.clone();
        let result = self
            .db
            .run(move |conn| {
                let mut done = Vec::new();
                for (row, outcome) in rows.iter().zip(outcomes) {
                    match outcome {
                        Ok(()) => done.push(row.id),
                        Err(error) => {
                            let attempts = row.attempts + 1;
                            let next = (attempts < settings.max_attempts).then(|| {
                                now() + chrono::Duration::from_std(backoff(&settings, row.attempts)).unwrap_or_default()
                            });
                            match next {
                                Some(_) => tracing::warn!(id = row.id, kind = %row.kind, attempts, %error, "outbox delivery failed, will retry"),
                                None => tracing::error!(id = row.id, kind = %row.kind, attempts, %error, "outbox delivery failed, parked"),
                            }
                            super::mark_failed(conn, row, &worker, &error, next)?;
                        }
                    }
                }
                super::mark_done_many(conn, &done, &worker, now())?;
                Ok(())
            })
            .await;
        if let Err(e) = result {
            e.log_if_internal();
        }
        handled
    }

    /// Runs until `stop` says so (or its sender is gone). A batch in progress then has `grace`
    /// to finish; whatever this worker still holds after that is released, so a restarted or
    /// another instance delivers it at once. A send cut off by the grace may be delivered twice,
    /// as after a crash (deliveries are idempotent).
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>, grace: Duration) {
        loop {
            if *stop.borrow_and_update() {
                break;
            }
            let batch = self.run_once();
            tokio::pin!(batch);
            let handled = tokio::select! {
                handled = &mut batch => handled,
                _ = stop.changed() => {
                    let _ = tokio::time::timeout(grace, &mut batch).await;
                    break;
                }
            };
            if handled == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(self.settings.poll_interval) => {}
                    _ = stop.changed() => break,
                }
            }
        }
        let worker = self.id.clone();
        match self.db.run(move |conn| Ok(super::release(conn, &worker)?)).await {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "outbox rows handed back on shutdown"),
            Err(e) => e.log_if_internal(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let s = WorkerSettings {
            poll_interval: Duration::from_millis(10),
            max_attempts: 5,
            base_backoff: Duration::from_secs(2),
            batch: 10,
        };
        assert_eq!(backoff(&s, 0), Duration::from_secs(2));
        assert_eq!(backoff(&s, 3), Duration::from_secs(16));
        assert_eq!(backoff(&s, 30), Duration::from_secs(3600));
    }

    #[test]
    fn the_lease_outlasts_a_batch_of_slow_sends() {
        let s = WorkerSettings {
            poll_interval: Duration::from_millis(10),
            max_attempts: 5,
            base_backoff: Duration::from_secs(2),
            batch: 20,
        };
        // Twenty sends at the SMTP timeout (20 s each) end before the batch is abandoned,
        // which happens before the lease lets another instance claim the rows.
        assert!(s.batch_deadline() > Duration::from_secs(20 * 20));
        assert!(s.lease() > s.batch_deadline());
    }
}
