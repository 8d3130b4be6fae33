//! The rate limit: at most N API requests per sliding minute per client IP address (Exirom caps
//! production at 40 per minute per IP, API.md §1), answered with 429, a `Retry-After` header and a
//! JSON body with a `traceId`. `0` turns it off. Challenge pages and `/_simulator` are not limited.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::state::Sim;

const WINDOW: Duration = Duration::from_secs(60);

/// A sliding-window counter per IP.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_min: u32,
    hits: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// A limiter allowing `per_min` requests per minute (0 = unlimited).
    pub(crate) fn new(per_min: u32) -> Self {
        Self { per_min, hits: Mutex::new(HashMap::new()) }
    }

    /// Counts a request from `ip`; `Err(seconds until a slot frees)` when over the limit.
    pub(crate) fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_min == 0 {
            return Ok(());
        }
        let mut hits = self.hits.lock().unwrap_or_else(PoisonError::into_inner);
        if hits.len() > 10_000 {
            hits.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        let q = hits.entry(ip).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            q.pop_front();
        }
        if q.len() >= self.per_min as usize {
            let oldest = q.front().copied().unwrap_or(now);
            let wait = WINDOW.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
        }
        q.push_back(now);
        Ok(())
    }
}

/// Middleware on the API routes.
pub(crate) async fn enforce(State(sim): State<Sim>, req: Request, next: Next) -> Response {
    let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    match sim.0.limiter.check(ip, Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(wait) => ApiError::rate_limited(sim.0.limiter.per_min, wait).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_n_per_minute_then_refuses() {
        let l = RateLimiter::new(3);
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.check(ip, t0), Ok(()));
        }
        assert_eq!(l.check(ip, t0 + Duration::from_secs(1)), Err(59));
        assert_eq!(l.check(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), t0), Ok(()), "other IPs have their own budget");
        assert_eq!(l.check(ip, t0 + WINDOW), Ok(()), "the window slides");
    }

    #[test]
    fn zero_is_unlimited() {
        let l = RateLimiter::new(0);
        for _ in 0..1000 {
            assert_eq!(l.check(IpAddr::V4(Ipv4Addr::LOCALHOST), Instant::now()), Ok(()));
        }
    }
}
