-- PostgreSQL twin of migrations/logs/0002_growth_indexes.sql: indexes that keep the log
-- queries interactive on large tables (issue 15, cost growth; docs/performance.md).
-- * Every equality filter of the log lists has an index ending in id, so "newest first" is a
--   backward index scan with no sort (SQLite's indexes end in the rowid by themselves);
--   a model filter without wildcards is compared with = (PostgreSQL's LIKE is case-sensitive);
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
CREATE INDEX idx_logs_user_id ON logs(user_id, id);
CREATE INDEX idx_logs_username_id ON logs(username, id);
CREATE INDEX idx_logs_token_name_id ON logs(token_name, id);
CREATE INDEX idx_logs_model_id ON logs(model_name, id);
CREATE INDEX idx_logs_channel_id ON logs(channel_id, id);
CREATE INDEX idx_logs_token_id ON logs(token_id, id);
DROP INDEX idx_logs_created_type;
CREATE INDEX idx_logs_created_type_quota ON logs(created_at, type, quota);

DROP INDEX idx_quota_data_created;
CREATE INDEX idx_quota_data_created_model
    ON quota_data(created_at, model_name, count, quota, token_used);
CREATE INDEX idx_quota_data_created_user
    ON quota_data(created_at, username, count, quota, token_used);
