-- PostgreSQL twin of migrations/logs/0002_growth_indexes.sql (same index names): indexes that
-- keep the log queries interactive on large tables (issue 15, cost growth; docs/performance.md).
-- * Every equality filter of the log lists has an index ending in id, so "newest first" is a
--   backward index scan with no sort (SQLite's indexes end in the rowid by themselves);
-- * a model filter without wildcards is compared as lower(model_name) = lower(?) (the store
--   runs LIKE as ILIKE: both ignore case), answered by the index on that expression;
-- * /api/log/stat sums quota of consume rows (type 2) in a time range from the index alone
--   (created_at first: an index led by type would win over the username index and sort);
-- * the dashboard's /api/data/ and /api/data/users read quota_data from the index alone, in
--   their GROUP BY order (replacing the created_at index, the prefix of both).
DROP INDEX idx_logs_user;
DROP INDEX idx_logs_username;
DROP INDEX idx_logs_token_name;
DROP INDEX idx_logs_model_name;
DROP INDEX idx_logs_channel;
DROP INDEX idx_logs_token;
DROP INDEX idx_logs_created_type;
CREATE INDEX idx_logs_user ON logs(user_id, id);
CREATE INDEX idx_logs_username ON logs(username, id);
CREATE INDEX idx_logs_token_name ON logs(token_name, id);
CREATE INDEX idx_logs_model_nocase ON logs(lower(model_name), id);
CREATE INDEX idx_logs_channel ON logs(channel_id, id);
CREATE INDEX idx_logs_token ON logs(token_id, id);
CREATE INDEX idx_logs_created_type_quota ON logs(created_at, type, quota);

DROP INDEX idx_quota_data_created;
CREATE INDEX idx_quota_data_created_model
    ON quota_data(created_at, model_name, count, quota, token_used);
CREATE INDEX idx_quota_data_created_user
    ON quota_data(created_at, username, count, quota, token_used);
