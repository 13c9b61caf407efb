//! The simulator's clock: when long-running operations end, and the times their
//! status reports.
//!
//! The real clock by default. Tests use a manual one and move it forward, so an
//! operation goes from `InProgress` to `Succeeded` without anyone sleeping. The
//! clock gives both a monotonic instant (for deciding) and a wall time (for the
//! `startTime`/`endTime` an operation status carries), advanced together.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

/// A clock handle; clones share the same time.
#[derive(Clone, Default)]
pub struct SimClock {
    manual: Option<Arc<Mutex<Manual>>>,
}

#[derive(Debug)]
struct Manual {
    instant: Instant,
    wall: OffsetDateTime,
}

impl std::fmt::Debug for SimClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.manual.is_some() {
            "SimClock(manual)"
        } else {
            "SimClock(real)"
        })
    }
}

impl SimClock {
    /// The system's clock.
    pub fn real() -> SimClock {
        SimClock::default()
    }

    /// A clock that stands still at `wall` until `advance` moves it.
    pub fn manual(wall: OffsetDateTime) -> SimClock {
        SimClock {
            manual: Some(Arc::new(Mutex::new(Manual {
                instant: Instant::now(),
                wall,
            }))),
        }
    }

    /// Moves a manual clock forward (a real clock ignores it).
    pub fn advance(&self, by: Duration) {
        if let Some(manual) = &self.manual {
            let mut m = manual.lock().unwrap_or_else(|e| e.into_inner());
            m.instant += by;
            m.wall += by;
        }
    }

    /// Now, for deciding.
    pub fn now(&self) -> Instant {
        match &self.manual {
            Some(manual) => manual.lock().unwrap_or_else(|e| e.into_inner()).instant,
            None => Instant::now(),
        }
    }

    /// Now, for reporting.
    pub fn wall(&self) -> OffsetDateTime {
        match &self.manual {
            Some(manual) => manual.lock().unwrap_or_else(|e| e.into_inner()).wall,
            None => OffsetDateTime::now_utc(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced_and_clones_share_it() {
        let wall = time::macros::datetime!(2026-11-26 12:00 UTC);
        let clock = SimClock::manual(wall);
        let other = clock.clone();
        let t0 = clock.now();
        assert_eq!(clock.now(), t0);
        other.advance(Duration::from_secs(3));
        assert_eq!(clock.now() - t0, Duration::from_secs(3));
        assert_eq!(clock.wall(), wall + Duration::from_secs(3));
    }
}
