//! [`Db`]: one instance's handle on the database. It is the connection pool
//! plus a count of the content changes committed through it, which that
//! instance's page cache compares to see its own edits at once. The count
//! belongs to the handle, not to the process: two instances (or two tests)
//! in one process never refresh each other's caches, so each cache proves
//! that its own write paths told it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, IsolationLevel, QueryResult, Statement, TransactionError, TransactionOptions,
    TransactionTrait,
};

#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
    changes: Arc<AtomicU64>,
}

impl Db {
    pub fn new(conn: DatabaseConnection) -> Db {
        Db {
            conn,
            changes: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The pool itself, for the few APIs that want it by type (migrations).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Content changes committed through this handle (and its clones).
    pub fn local_changes(&self) -> u64 {
        self.changes.load(Ordering::SeqCst)
    }

    /// Counts one committed content change; see `site_state::commit`.
    pub(super) fn note_change(&self) {
        self.changes.fetch_add(1, Ordering::SeqCst);
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.conn.close().await
    }
}

// Plain delegation: a `&Db` goes wherever a connection does.
#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.conn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.conn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.conn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.conn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.conn.support_returning()
    }
}

#[async_trait::async_trait]
impl TransactionTrait for Db {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.conn.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.conn
            .begin_with_config(isolation_level, access_mode)
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.conn.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> std::pin::Pin<
                Box<dyn std::future::Future<Output = Result<T, E>> + Send + 'c>,
            > + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.conn.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> std::pin::Pin<
                Box<dyn std::future::Future<Output = Result<T, E>> + Send + 'c>,
            > + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.conn
            .transaction_with_config(callback, isolation_level, access_mode)
            .await
    }
}
