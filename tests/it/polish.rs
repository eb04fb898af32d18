//! Confirmations, plain messages, the audit log, passwords and narrow screens.
