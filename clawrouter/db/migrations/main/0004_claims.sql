-- Claims (clawrouter/claims.py, issue 11): "used once" marks and short leases that must hold
-- across every worker and instance on this store — a passkey challenge answered, a Telegram
-- login spent, an OAuth state used, the "test all channels" run. A row is live until
-- expires_at (unix seconds); expired rows are deleted by the next claim.
CREATE TABLE claims (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL DEFAULT '',
    expires_at INTEGER NOT NULL
);
CREATE INDEX idx_claims_expires_at ON claims (expires_at);
