-- ClawRouter log store: request/consume logs and the hourly dashboard aggregates.
-- A separate SQLite file, so retention, VACUUM and write bursts never touch the main store.

CREATE TABLE logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL DEFAULT 0,
    type INTEGER NOT NULL DEFAULT 0,
    content TEXT NOT NULL DEFAULT '',
    username TEXT NOT NULL DEFAULT '',
    token_name TEXT NOT NULL DEFAULT '',
    model_name TEXT NOT NULL DEFAULT '',
    quota INTEGER NOT NULL DEFAULT 0,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    use_time INTEGER NOT NULL DEFAULT 0,
    is_stream INTEGER NOT NULL DEFAULT 0,
    channel_id INTEGER NOT NULL DEFAULT 0,
    token_id INTEGER NOT NULL DEFAULT 0,
    "group" TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    upstream_request_id TEXT NOT NULL DEFAULT '',
    other TEXT NOT NULL DEFAULT ''
);
CREATE INDEX idx_logs_created_id ON logs(created_at, id);
CREATE INDEX idx_logs_created_type ON logs(created_at, type);
CREATE INDEX idx_logs_user ON logs(user_id);
CREATE INDEX idx_logs_username ON logs(username);
CREATE INDEX idx_logs_token_name ON logs(token_name);
CREATE INDEX idx_logs_model_name ON logs(model_name);
CREATE INDEX idx_logs_channel ON logs(channel_id);
CREATE INDEX idx_logs_token ON logs(token_id);
CREATE INDEX idx_logs_request_id ON logs(request_id);

CREATE TABLE quota_data (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL DEFAULT 0,
    username TEXT NOT NULL DEFAULT '',
    model_name TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL DEFAULT 0,
    token_used INTEGER NOT NULL DEFAULT 0,
    count INTEGER NOT NULL DEFAULT 0,
    quota INTEGER NOT NULL DEFAULT 0,
    UNIQUE (user_id, username, model_name, created_at)
);
CREATE INDEX idx_quota_data_created ON quota_data(created_at);
