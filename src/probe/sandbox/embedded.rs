//! The embedded sandbox: golive's simulator started in-process on loopback for
//! `[sandbox] base_url = "embedded"` (and `golive sandbox --base-url embedded`).

use super::flows::Ledger;
use crate::secret::Credentials;

/// A running in-process simulator.
pub(crate) struct Embedded;

impl Embedded {
    pub(crate) fn base_url(&self) -> String {
        String::new()
    }

    pub(crate) fn credentials(&self) -> Credentials {
        unreachable!("never constructed before the simulator lands")
    }

    pub(crate) fn ledger(&self) -> Ledger {
        std::sync::Arc::new(Vec::new)
    }

    pub(crate) async fn shutdown(self) {}
}

/// Starts the simulator (waiting for the simulator branch).
pub(crate) async fn start(_env: Option<&Credentials>) -> Result<Embedded, String> {
    Err("the simulator is not part of this build yet".into())
}
