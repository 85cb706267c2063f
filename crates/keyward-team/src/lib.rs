//! Keyward teams: each member publishes the metadata of their keys (never a value, a
//! fingerprint or, unless they allow it, a masked hint) to one PostgreSQL database the team
//! already runs, and reads everyone's. Members connect as their own database roles; row-level
//! security decides who writes what. Publishing goes through a local outbox (filled by
//! triggers in the member's SQLite), so a member offline for a week loses nothing.

mod error;
mod types;

pub use error::{Result, TeamError};
pub use keyward::findings::report::ReportFormat;
pub use types::*;

use keyward::{Inventory, Secret};

/// Creates or migrates the team schema and the group roles `keyward_member` and
/// `keyward_admin`, connecting as an administrator (`admin_url` holds no password).
pub async fn init(admin_url: &str, admin_password: Option<Secret>) -> Result<InitReport> {
    let _ = (admin_url, admin_password);
    Err(TeamError::Unfinished)
}

/// Joins the team at `url` (no password in it) as the role it names; the password goes to the
/// OS keychain, the URL without it to the settings.
pub async fn join(inv: &Inventory, url: &str, password: Secret) -> Result<TeamStatus> {
    let _ = (inv, url, password);
    Err(TeamError::Unfinished)
}

/// The local view of the membership; `None` when not in a team. No network.
pub async fn status(inv: &Inventory) -> Result<Option<TeamStatus>> {
    let _ = inv;
    Err(TeamError::Unfinished)
}

/// Publishes the queue, then pulls the team's rows and events.
pub async fn sync(inv: &Inventory) -> Result<SyncReport> {
    let _ = inv;
    Err(TeamError::Unfinished)
}

/// Leaves the team: forgets the URL, the password and the pulled copy (the rows stay on the
/// server until an admin deletes them).
pub async fn leave(inv: &Inventory) -> Result<()> {
    let _ = inv;
    Err(TeamError::Unfinished)
}

/// Changes what this member shares; the next sync republishes accordingly.
pub async fn sharing_update(inv: &Inventory, sharing: Sharing) -> Result<TeamStatus> {
    let _ = (inv, sharing);
    Err(TeamError::Unfinished)
}

/// The pulled copy of the team's keys, filtered. No network.
pub async fn keys(inv: &Inventory, filter: &TeamFilter) -> Result<TeamKeys> {
    let _ = (inv, filter);
    Err(TeamError::Unfinished)
}

/// The review over the pulled copy of the team's keys. No network.
pub async fn review(inv: &Inventory, query: &TeamReviewQuery) -> Result<TeamReview> {
    let _ = (inv, query);
    Err(TeamError::Unfinished)
}

/// Renders a team review as Markdown, JSON, CSV or HTML; each key carries its member.
pub fn review_render(review: &TeamReview, format: ReportFormat) -> Result<String> {
    let _ = (review, format);
    Err(TeamError::Unfinished)
}

/// The team's audit (rotations, revocations, …), newest first, from the pulled copy.
pub async fn events(inv: &Inventory, limit: u32) -> Result<Vec<TeamEvent>> {
    let _ = (inv, limit);
    Err(TeamError::Unfinished)
}

/// A LISTEN on the team's change channel.
pub async fn listen(inv: &Inventory) -> Result<TeamListener> {
    let _ = inv;
    Err(TeamError::Unfinished)
}

/// Live updates: [`TeamListener::changed`] returns on each change any member publishes.
pub struct TeamListener {
    _private: (),
}

impl TeamListener {
    /// Waits for the next team change.
    pub async fn changed(&mut self) -> Result<()> {
        Err(TeamError::Unfinished)
    }
}
