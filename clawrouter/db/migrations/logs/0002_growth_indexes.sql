-- Indexes that keep the log queries interactive on large tables (issue 15, cost growth;
-- measured in docs/performance.md, "Cost growth"):
-- * a model filter without wildcards is compared with = COLLATE NOCASE (what SQLite's LIKE
--   matches), answered by this index in id order; the plain model_name index had no user left;
-- * /api/log/stat sums quota of consume rows (type 2) in a time range from the index alone
--   (created_at first: an index led by type would win over the username index and sort);
-- * the dashboard's /api/data/ and /api/data/users read quota_data from the index alone, in
--   their GROUP BY order (replacing the created_at index, the prefix of both).
DROP INDEX idx_logs_model_name;
CREATE INDEX idx_logs_model_nocase ON logs(model_name COLLATE NOCASE);
DROP INDEX idx_logs_created_type;
CREATE INDEX idx_logs_created_type_quota ON logs(created_at, type, quota);

DROP INDEX idx_quota_data_created;
CREATE INDEX idx_quota_data_created_model
    ON quota_data(created_at, model_name, count, quota, token_used);
CREATE INDEX idx_quota_data_created_user
    ON quota_data(created_at, username, count, quota, token_used);
