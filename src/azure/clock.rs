//! The client's clock: what deadlines are measured with and how it waits.
//!
//! `Real` is tokio's clock. `Manual` never sleeps: a wait moves its time forward at
//! once and is written down, so tests of long waits (a `Retry-After` of days, a read
//! deadline of minutes) run in no time and can check every wait the client chose. A
//! manual clock may take another clock along (`manual_with`): a test's simulator then
//! sees exactly the time the client waited, so its operations end when they should.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug, Clone, Default)]
pub enum Clock {
    #[default]
    Real,
    Manual(Arc<Manual>),
}

/// What else moves when a manual clock does.
type Follower = Box<dyn Fn(Duration) + Send + Sync>;

/// A clock that only moves when the client waits.
pub struct Manual {
    start: Instant,
    /// Time passed, and every wait in order.
    state: Mutex<(Duration, Vec<Duration>)>,
    follower: Option<Follower>,
}

impl std::fmt::Debug for Manual {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manual")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Clock {
    /// A clock that starts now and moves only by the waits asked of it.
    pub fn manual() -> Clock {
        Clock::Manual(Arc::new(Manual {
            start: Instant::now(),
            state: Mutex::new((Duration::ZERO, Vec::new())),
            follower: None,
        }))
    }

    /// A manual clock that also moves `follower` by each wait, as the wait is made.
    pub fn manual_with(follower: impl Fn(Duration) + Send + Sync + 'static) -> Clock {
        Clock::Manual(Arc::new(Manual {
            start: Instant::now(),
            state: Mutex::new((Duration::ZERO, Vec::new())),
            follower: Some(Box::new(follower)),
        }))
    }

    pub fn now(&self) -> Instant {
        match self {
            Clock::Real => Instant::now(),
            Clock::Manual(manual) => manual.start + manual.lock().0,
        }
    }

    pub async fn sleep(&self, duration: Duration) {
        match self {
            Clock::Real => tokio::time::sleep(duration).await,
            Clock::Manual(manual) => {
                {
                    let mut state = manual.lock();
                    state.0 += duration;
                    state.1.push(duration);
                }
                if let Some(follower) = &manual.follower {
                    follower(duration);
                }
                tokio::task::yield_now().await;
            }
        }
    }

    /// Every wait a manual clock was asked for, in order (none for the real clock).
    pub fn waits(&self) -> Vec<Duration> {
        match self {
            Clock::Real => Vec::new(),
            Clock::Manual(manual) => manual.lock().1.clone(),
        }
    }
}

impl Manual {
    fn lock(&self) -> std::sync::MutexGuard<'_, (Duration, Vec<Duration>)> {
        // Nothing can panic while it is held; a poisoned lock still holds good numbers.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_moves_by_its_waits_and_remembers_them() {
        let clock = Clock::manual();
        let start = clock.now();
        clock.sleep(Duration::from_secs(60)).await;
        clock.sleep(Duration::from_secs(86_400)).await;
        assert_eq!(clock.now() - start, Duration::from_secs(86_460));
        assert_eq!(
            clock.waits(),
            vec![Duration::from_secs(60), Duration::from_secs(86_400)]
        );
        assert!(Clock::Real.waits().is_empty());
    }

    #[tokio::test]
    async fn a_manual_clock_takes_its_follower_along_by_each_wait() {
        let moved = Arc::new(Mutex::new(Duration::ZERO));
        let seen = moved.clone();
        let clock = Clock::manual_with(move |by| *seen.lock().unwrap() += by);
        clock.sleep(Duration::from_secs(2)).await;
        clock.sleep(Duration::from_secs(3)).await;
        assert_eq!(*moved.lock().unwrap(), Duration::from_secs(5));
    }
}
