-- PostgreSQL twin of migrations/main/0004_claims.sql: "used once" marks and short leases
-- shared by every worker and instance on this store (clawrouter/claims.py).
CREATE TABLE claims (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL
);
CREATE INDEX idx_claims_expires_at ON claims (expires_at);
