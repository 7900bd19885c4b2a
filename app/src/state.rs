//! State shared by the handlers of both listeners.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::metrics::Metrics;

/// Cloned for every request by axum, so it is one `Arc` (one reference count to bump).
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

#[derive(Debug)]
pub struct Shared {
    pub metrics: Metrics,
    pub readiness: ReadinessState,
    pub started: Instant,
    pub pod_name: String,
    pub pod_namespace: Option<String>,
    pub fault_injection: bool,
    pub body_limit: usize,
    pub request_timeout: Duration,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(config: &Config) -> Self {
        let non_empty = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Self(Arc::new(Shared {
            metrics: Metrics::new(config.connection_limit()),
            readiness: ReadinessState::default(),
            started: Instant::now(),
            pod_name: non_empty(&config.pod_name).unwrap_or_else(hostname),
            pod_namespace: non_empty(&config.pod_namespace),
            fault_injection: config.fault_injection,
            body_limit: config.body_limit(),
            request_timeout: config.request_timeout(),
        }))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    Starting,
    Ready,
    Draining,
    Disabled,
}

impl Readiness {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Ready => "ready",
            Self::Draining => "draining",
            Self::Disabled => "disabled",
        }
    }
}

/// Readiness is the conjunction of three independent facts, so each is its own flag.
#[derive(Debug, Default)]
pub struct ReadinessState {
    serving: AtomicBool,
    draining: AtomicBool,
    disabled: AtomicBool,
}

impl ReadinessState {
    pub fn current(&self) -> Readiness {
        if self.draining.load(Ordering::Acquire) {
            Readiness::Draining
        } else if !self.serving.load(Ordering::Acquire) {
            Readiness::Starting
        } else if self.disabled.load(Ordering::Acquire) {
            Readiness::Disabled
        } else {
            Readiness::Ready
        }
    }
    pub fn set_serving(&self) {
        self.serving.store(true, Ordering::Release);
    }
    pub fn set_draining(&self) {
        self.draining.store(true, Ordering::Release);
    }
    pub fn set_disabled(&self, disabled: bool) {
        self.disabled.store(disabled, Ordering::Release);
    }
}

/// The kernel's hostname (the pod name inside Kubernetes), without relying on $HOSTNAME,
/// which an empty environment does not have.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_follows_the_lifecycle() {
        let state = ReadinessState::default();
        assert_eq!(state.current(), Readiness::Starting);
        state.set_serving();
        assert_eq!(state.current(), Readiness::Ready);
        state.set_disabled(true);
        assert_eq!(state.current(), Readiness::Disabled);
        state.set_disabled(false);
        assert_eq!(state.current(), Readiness::Ready);
        state.set_draining();
        state.set_disabled(false);
        assert_eq!(state.current(), Readiness::Draining);
    }
}
