-- The change feed between processes on one store (clawrouter/changes/sql_feed.py, issue 11):
-- one row per published change ("this key / channel / user / option changed", ids only);
-- every process reads the rows after the last id it saw, skips its own (origin) and prunes
-- rows older than a few minutes. Rows are appended in commit order (SQLite has one writer).
CREATE TABLE changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    kind TEXT NOT NULL,
    ids TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL
);
CREATE INDEX idx_changes_created_at ON changes (created_at);
