//! Injected faults and the throttling state the simulator keeps.
//!
//! Fault decisions are a pure function of (seed, request number), so a run with
//! the same options and the same request order meets the same faults, and no
//! random state has to be shared between requests.
//!
//! The throttling counters (Resource Graph's per-window quota, ARM's read
//! buckets) follow the real shapes of §7 of the API reference; they use the real
//! clock because clients react to them with real waits.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::options::SimOptions;
use super::rng::{mix, unit};

/// What to do to one request, before it is routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// 429 with `Retry-After`.
    Throttle,
    /// 500 or 503.
    ServerError(u16),
}

/// Fault choices for the `n`th request.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub fault: Fault,
    /// Cut the body short if the response is a 200.
    pub malformed: bool,
}

impl Plan {
    pub fn for_request(options: &SimOptions, n: u64) -> Plan {
        // One independent draw per decision, so changing one rate does not move the others.
        let draw = |salt: u64| unit(mix(options.seed ^ mix(n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt)));
        let fault = if draw(0x429) < options.fault_429 {
            Fault::Throttle
        } else if draw(0x500) < options.fault_5xx {
            Fault::ServerError(if draw(0x503) < 0.5 { 500 } else { 503 })
        } else {
            Fault::None
        };
        Plan {
            fault,
            malformed: draw(0xBAD) < options.malformed_rate,
        }
    }
}

/// Resource Graph's user quota: `limit` queries per window, then 429 until the window resets.
pub struct GraphQuota {
    limit: u32,
    window: Duration,
    state: Mutex<(Instant, u32)>,
}

/// The outcome of asking for one Resource Graph query.
#[derive(Debug, Clone, Copy)]
pub struct QuotaAnswer {
    pub allowed: bool,
    pub remaining: u32,
    pub resets_after: Duration,
}

impl QuotaAnswer {
    /// `x-ms-user-quota-resets-after` is `hh:mm:ss`.
    pub fn resets_after_header(&self) -> String {
        let s = self.resets_after.as_secs_f64().ceil() as u64;
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }

    /// Whole seconds, at least 1, for `Retry-After`.
    pub fn retry_after_secs(&self) -> u64 {
        (self.resets_after.as_secs_f64().ceil() as u64).max(1)
    }
}

impl GraphQuota {
    pub fn new(limit: u32, window: Duration) -> GraphQuota {
        GraphQuota {
            limit,
            window,
            state: Mutex::new((Instant::now(), 0)),
        }
    }

    pub fn take(&self, now: Instant) -> QuotaAnswer {
        // A poisoned lock only means another request panicked mid-update; the counter is still usable.
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if now.duration_since(state.0) >= self.window {
            *state = (now, 0);
        }
        let resets_after = self.window.saturating_sub(now.duration_since(state.0));
        if state.1 >= self.limit {
            return QuotaAnswer {
                allowed: false,
                remaining: 0,
                resets_after,
            };
        }
        state.1 += 1;
        QuotaAnswer {
            allowed: true,
            remaining: self.limit - state.1,
            resets_after,
        }
    }
}

/// ARM's per-subscription token buckets (§7 of the API reference): 250 reads
/// refilling 25 per second, 200 writes or deletes refilling 10. They only feed the
/// `x-ms-ratelimit-remaining-subscription-*` headers; throttling itself is the
/// `fault_429` option, so tests choose when it happens.
pub struct Buckets {
    capacity: f64,
    refill_per_sec: f64,
    state: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Buckets {
    pub fn reads() -> Buckets {
        Buckets::new(250.0, 25.0)
    }

    pub fn writes() -> Buckets {
        Buckets::new(200.0, 10.0)
    }

    fn new(capacity: f64, refill_per_sec: f64) -> Buckets {
        Buckets {
            capacity,
            refill_per_sec,
            state: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request for `scope` (a subscription id, or the tenant) and returns what is left.
    pub fn take(&self, scope: &str, now: Instant) -> u32 {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let entry = state.entry(scope.to_ascii_lowercase()).or_insert((self.capacity, now));
        let refilled = entry.0 + now.saturating_duration_since(entry.1).as_secs_f64() * self.refill_per_sec;
        let left = (refilled.min(self.capacity) - 1.0).max(0.0);
        *entry = (left, now);
        left as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_shares_follow_the_options_and_repeat() {
        let options = SimOptions {
            fault_429: 0.2,
            fault_5xx: 0.1,
            malformed_rate: 0.05,
            ..SimOptions::default()
        };
        let plans: Vec<Plan> = (0..10_000).map(|n| Plan::for_request(&options, n)).collect();
        let throttled = plans.iter().filter(|p| p.fault == Fault::Throttle).count();
        let errors = plans
            .iter()
            .filter(|p| matches!(p.fault, Fault::ServerError(_)))
            .count();
        let malformed = plans.iter().filter(|p| p.malformed).count();
        assert!((1800..2200).contains(&throttled), "{throttled}");
        // 5xx is drawn only when not throttled: 0.8 * 0.1.
        assert!((650..950).contains(&errors), "{errors}");
        assert!((400..600).contains(&malformed), "{malformed}");
        assert_eq!(Plan::for_request(&options, 17).fault, plans[17].fault);
        let none = SimOptions::default();
        assert!((0..1000).all(|n| {
            let p = Plan::for_request(&none, n);
            p.fault == Fault::None && !p.malformed
        }));
    }

    #[test]
    fn quota_runs_out_and_resets() {
        let quota = GraphQuota::new(2, Duration::from_secs(5));
        let t0 = Instant::now();
        assert_eq!(quota.take(t0).remaining, 1);
        assert_eq!(quota.take(t0).remaining, 0);
        let refused = quota.take(t0 + Duration::from_secs(1));
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after_secs(), 4);
        assert_eq!(refused.resets_after_header(), "00:00:04");
        assert!(quota.take(t0 + Duration::from_secs(6)).allowed);
    }

    #[test]
    fn read_bucket_drains_and_refills() {
        let buckets = Buckets::reads();
        let t0 = Instant::now();
        assert_eq!(buckets.take("s", t0), 249);
        assert_eq!(buckets.take("S", t0), 248);
        assert_eq!(buckets.take("s", t0 + Duration::from_secs(10)), 249);
        let writes = Buckets::writes();
        assert_eq!(writes.take("s", t0), 199);
        assert_eq!(
            writes.take("s", t0 + Duration::from_millis(100)),
            199,
            "10 a second refill one in 0.1 s"
        );
    }
}
