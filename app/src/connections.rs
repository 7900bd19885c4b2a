//! Open connections, so shutdown can ask each to finish its request and close, then wait.
//!
//! hyper-util's `GracefulShutdown` does this with one shared watch channel that every
//! connection polls on every wake-up; each poll takes that channel's lock, and with hundreds
//! of busy connections on a few cores the lock contention cost about a third of the
//! throughput. Here each connection gets its own one-shot channel, and the shared registry
//! is locked only when a connection opens or closes.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{Notify, oneshot};

#[derive(Clone, Debug, Default)]
pub(crate) struct Connections {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    registry: Mutex<Registry>,
    all_closed: Notify,
}

#[derive(Debug, Default)]
struct Registry {
    next_id: u64,
    /// Every open connection; the sender is taken once its close has been requested.
    open: HashMap<u64, Option<oneshot::Sender<()>>>,
    closing: bool,
}

impl Shared {
    fn registry(&self) -> MutexGuard<'_, Registry> {
        // The registry is a plain map; a panic elsewhere cannot leave it inconsistent.
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Held by a connection's task; dropping it unregisters the connection.
#[derive(Debug)]
pub(crate) struct Registration {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut registry = self.shared.registry();
        registry.open.remove(&self.id);
        if registry.closing && registry.open.is_empty() {
            drop(registry);
            self.shared.all_closed.notify_waiters();
        }
    }
}

impl Connections {
    /// Registers a new connection. The receiver resolves when the connection should finish
    /// its current request and close (at once if shutdown has already begun).
    pub(crate) fn register(&self) -> (Registration, oneshot::Receiver<()>) {
        let (close, close_requested) = oneshot::channel();
        let mut registry = self.shared.registry();
        let id = registry.next_id;
        registry.next_id += 1;
        let close = if registry.closing {
            // The receiver is alive (returned below), so this cannot fail.
            let _ = close.send(());
            None
        } else {
            Some(close)
        };
        registry.open.insert(id, close);
        let registration = Registration {
            shared: self.shared.clone(),
            id,
        };
        (registration, close_requested)
    }

    pub(crate) fn count(&self) -> usize {
        self.shared.registry().open.len()
    }

    /// Asks every open connection to close after its current request, and waits until all
    /// have closed.
    pub(crate) fn close_all(&self) -> impl Future<Output = ()> + '_ {
        {
            let mut registry = self.shared.registry();
            registry.closing = true;
            for close in registry.open.values_mut().filter_map(Option::take) {
                // A connection whose task is ending has dropped its receiver: nothing to do.
                let _ = close.send(());
            }
        }
        async move {
            loop {
                let closed = self.shared.all_closed.notified();
                tokio::pin!(closed);
                // Registered before the check, so a close in between is not missed.
                closed.as_mut().enable();
                if self.shared.registry().open.is_empty() {
                    return;
                }
                closed.await;
            }
        }
    }
}
