-- PostgreSQL twin of migrations/main/0002_account_security.sql.
-- Account security (issue 9): a counter that ends every session of a user when it moves
-- (password changed or reset), and the last TOTP time step accepted (a code is not taken twice).
ALTER TABLE users ADD COLUMN session_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE two_fas ADD COLUMN last_step BIGINT NOT NULL DEFAULT 0;
