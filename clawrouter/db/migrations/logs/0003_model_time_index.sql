-- A model filter with a time range (the dashboard's log page sends both) read every row of
-- that model to test its time: 3 s for /api/log/stat over 10 M rows (docs/performance.md,
-- "Cost growth"). This index answers the range inside one model, and the stat sums from the
-- index alone; a model filter alone keeps idx_logs_model_nocase (in id order).
CREATE INDEX idx_logs_model_time ON logs(model_name COLLATE NOCASE, created_at, type, quota);
