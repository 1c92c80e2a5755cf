//! The outbox: what Clientele sends because of a change (email, webhook events to agent
//! runtimes) is enqueued in the change's transaction, so it exists exactly when the change
//! does. One worker on every node delivers what is due, each item claimed by one node at a
//! time and retried with backoff. Deliveries run side by side in lanes (a workspace's email, an
//! agent's webhooks), each with its own cap, so one slow or silent server holds up only its
//! own lane.

use crate::App;
use clientele_domain::{AgentId, WorkspaceId};
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;
use tokio::task::JoinSet;

/// How the worker paces itself.
#[derive(Clone, Debug)]
pub struct OutboxSettings {
    /// How often to look for due deliveries when nothing wakes the worker.
    pub poll_interval: Duration,
    /// The wait after the first failed attempt; it doubles with each further one.
    pub retry_base: Duration,
    /// The longest wait between attempts.
    pub retry_cap: Duration,
    /// Attempts before a delivery is marked failed.
    pub max_attempts: i64,
    /// Bounds each network step of an SMTP exchange (connecting and the greeting included).
    pub smtp_timeout: Duration,
    /// Bounds a whole webhook request, from connecting to the end of the answer.
    pub webhook_timeout: Duration,
    /// Deliveries this node runs at once.
    pub concurrency: usize,
    /// Deliveries of one workspace's email this node runs at once (an agent's webhooks go
    /// one at a time, in order).
    pub per_lane: usize,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(5),
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(60 * 60),
            max_attempts: 10,
            smtp_timeout: Duration::from_secs(10),
            webhook_timeout: Duration::from_secs(10),
            concurrency: 16,
            per_lane: 2,
        }
    }
}

/// What a delivery waits behind: the other deliveries of its lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Lane {
    Email(WorkspaceId),
    Webhooks(AgentId),
}

impl App {
    /// Wakes this node's worker after a transaction that enqueued something has committed.
    pub(crate) fn wake_outbox(&self) {
        self.outbox_wake.notify_one();
    }

    /// Runs this node's outbox worker until `shutdown` completes.
    pub async fn run_outbox(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut flights = Flights::default();
        loop {
            if let Err(error) = self.start_due_emails(&mut flights).await {
                tracing::warn!(error = %error, "the outbox worker could not look for due email");
            }
            if let Err(error) = self.start_due_webhooks(&mut flights).await {
                tracing::warn!(error = %error, "the outbox worker could not look for due webhooks");
            }
            tokio::select! {
                () = &mut shutdown => break,
                Some(landed) = flights.tasks.join_next_with_id(), if !flights.tasks.is_empty() => {
                    flights.land(landed.map_or_else(|error| error.id(), |(id, ())| id));
                }
                () = self.outbox_wake.notified() => {}
                () = tokio::time::sleep(self.config.outbox.poll_interval) => {}
            }
        }
        // Deliveries under way finish (each is bounded by its timeouts) rather than being sent
        // again by another node once their lease runs out.
        let grace = self.config.outbox.smtp_timeout * 5;
        let _ = tokio::time::timeout(grace, flights.tasks.join_all()).await;
    }
}

/// The deliveries this node is running, by lane.
#[derive(Default)]
pub(crate) struct Flights {
    tasks: JoinSet<()>,
    owners: HashMap<tokio::task::Id, Lane>,
    by_lane: HashMap<Lane, usize>,
}

impl Flights {
    /// How many more deliveries may start under the node's cap.
    pub(crate) fn room(&self, concurrency: usize) -> usize {
        concurrency.saturating_sub(self.tasks.len())
    }

    pub(crate) fn count(&self, lane: Lane) -> usize {
        self.by_lane.get(&lane).copied().unwrap_or(0)
    }

    /// The workspaces whose email lane has `cap` deliveries running.
    pub(crate) fn busy_workspaces(&self, cap: usize) -> Vec<WorkspaceId> {
        self.full(cap)
            .filter_map(|lane| match lane {
                Lane::Email(id) => Some(id),
                Lane::Webhooks(_) => None,
            })
            .collect()
    }

    /// The agents whose webhook lane has `cap` deliveries running.
    pub(crate) fn busy_agents(&self, cap: usize) -> Vec<AgentId> {
        self.full(cap)
            .filter_map(|lane| match lane {
                Lane::Webhooks(id) => Some(id),
                Lane::Email(_) => None,
            })
            .collect()
    }

    fn full(&self, cap: usize) -> impl Iterator<Item = Lane> + '_ {
        self.by_lane
            .iter()
            .filter(move |(_, running)| **running >= cap)
            .map(|(lane, _)| *lane)
    }

    pub(crate) fn start(
        &mut self,
        lane: Lane,
        delivery: impl Future<Output = ()> + Send + 'static,
    ) {
        *self.by_lane.entry(lane).or_default() += 1;
        let task = self.tasks.spawn(delivery);
        self.owners.insert(task.id(), lane);
    }

    /// Frees the slot of a delivery that ended, however it ended.
    fn land(&mut self, task: tokio::task::Id) {
        let Some(lane) = self.owners.remove(&task) else {
            return;
        };
        if let Some(running) = self.by_lane.get_mut(&lane) {
            *running = running.saturating_sub(1);
            if *running == 0 {
                self.by_lane.remove(&lane);
            }
        }
    }
}

/// The wait after `attempts` failed attempts: the base, doubling, up to the cap.
pub(crate) fn backoff(settings: &OutboxSettings, attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    settings
        .retry_base
        .saturating_mul(1 << doublings)
        .min(settings.retry_cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_doubling_up_to_the_cap() {
        let settings = OutboxSettings::default();
        assert_eq!(backoff(&settings, 1), Duration::from_secs(30));
        assert_eq!(backoff(&settings, 2), Duration::from_secs(60));
        assert_eq!(backoff(&settings, 4), Duration::from_secs(240));
        assert_eq!(backoff(&settings, 30), Duration::from_secs(3600));
    }
}
