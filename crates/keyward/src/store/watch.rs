//! Noticing what other processes change in the inventory (issue 16): the window must show a
//! key that `keyward add` in a terminal just stored, within a second.
//!
//! How: SQLite's `PRAGMA data_version`, read on a connection of our own that never writes. Its
//! value changes when any *other* connection has committed to the file since the last read
//! (<https://www.sqlite.org/pragma.html#pragma_data_version>) — another process, or one of
//! this process's pool connections. The second kind is told apart by a commit hook on every
//! pool connection that counts this process's commits ([`super::Store::open`]): a change with
//! no own commit in the same interval came from elsewhere. The window's own writes therefore
//! raise no event (its commands already return what they changed), so they cannot cause a
//! storm of reloads.
//!
//! Why not a file watch (`notify` on the db and its `-wal`): the WAL file is written by our own
//! commits and by checkpoints too, and a watch says "bytes changed", not "a transaction was
//! committed"; it needs a new dependency and per-platform back ends. `data_version` is exact,
//! costs one statement per poll (a few µs, no table read) and needs nothing new.
//!
//! Limit: when another process and this one commit within the same poll interval, the change
//! is taken for our own and not reported; the next change, or Refresh, shows it.

use super::StoreError;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, SqliteConnection};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often [`ChangeWatch::changed`] looks: well within the second the window promises.
pub const POLL_EVERY: Duration = Duration::from_millis(250);

pub struct ChangeWatch {
    conn: SqliteConnection,
    own_commits: Arc<AtomicU64>,
    seen_version: i64,
    seen_own: u64,
}

impl ChangeWatch {
    pub(super) async fn open(
        path: &Path,
        own_commits: Arc<AtomicU64>,
    ) -> Result<ChangeWatch, StoreError> {
        // Read-only: this connection must never be the one that changes `data_version` for
        // the others, nor hold a write lock.
        let mut conn = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .busy_timeout(Duration::from_secs(5))
            .connect()
            .await?;
        let seen_own = own_commits.load(Ordering::SeqCst);
        let seen_version = data_version(&mut conn).await?;
        Ok(ChangeWatch {
            conn,
            own_commits,
            seen_version,
            seen_own,
        })
    }

    /// Looks once: `true` if another process committed since the last look.
    pub async fn poll(&mut self) -> Result<bool, StoreError> {
        // Own commits counted before reading the version: a commit whose hook ran after this
        // count but became visible before the read would look foreign; the count carried
        // to the next look covers the opposite case (counted now, visible next time).
        let own = self.own_commits.load(Ordering::SeqCst);
        let version = data_version(&mut self.conn).await?;
        let own_after = self.own_commits.load(Ordering::SeqCst);
        let changed = version != self.seen_version;
        let own_wrote = own_after != self.seen_own;
        self.seen_version = version;
        self.seen_own = own;
        Ok(changed && !own_wrote)
    }

    /// Waits until another process changes the inventory, looking every `every`.
    pub async fn changed(&mut self, every: Duration) -> Result<(), StoreError> {
        loop {
            tokio::time::sleep(every).await;
            if self.poll().await? {
                return Ok(());
            }
        }
    }
}

async fn data_version(conn: &mut SqliteConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("PRAGMA data_version")
        .fetch_one(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{event, record};
    use super::super::Store;

    async fn add(store: &Store, name: &str) {
        store
            .insert_keys(&[record(name, "dev", "")], &[event("created")])
            .await
            .unwrap();
    }

    /// Two `Store`s on one file stand for the window and a `keyward` process.
    #[tokio::test]
    async fn sees_other_processes_and_not_its_own_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inventory.db");
        let window = Store::open(&path).await.unwrap();
        let terminal = Store::open(&path).await.unwrap();
        let mut watch = window.watch().await.unwrap();
        assert!(!watch.poll().await.unwrap(), "nothing happened yet");

        add(&window, "own").await;
        assert!(
            !watch.poll().await.unwrap(),
            "the window's own write is no news"
        );
        assert!(!watch.poll().await.unwrap(), "nor on the next look");

        add(&terminal, "from the terminal").await;
        assert!(
            watch.poll().await.unwrap(),
            "another process's write is seen"
        );
        assert!(!watch.poll().await.unwrap(), "once");

        // Reads change nothing.
        terminal.list_keys(&Default::default()).await.unwrap();
        window.list_keys(&Default::default()).await.unwrap();
        assert!(!watch.poll().await.unwrap(), "reads are no change");

        let changed = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            add(&terminal, "later").await;
            watch.changed(super::POLL_EVERY).await
        })
        .await;
        assert!(
            matches!(changed, Ok(Ok(()))),
            "changed() returns on the next foreign write"
        );
    }

    #[tokio::test]
    async fn an_in_memory_store_cannot_be_watched() {
        let store = Store::open_in_memory().await.unwrap();
        assert!(matches!(
            store.watch().await,
            Err(crate::store::StoreError::NotWatchable)
        ));
    }
}
