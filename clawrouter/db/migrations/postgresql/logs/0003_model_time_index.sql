-- PostgreSQL twin of migrations/logs/0003_model_time_index.sql: a model filter with a time
-- range reads the range inside one model, and the stat sums from the index alone.
CREATE INDEX idx_logs_model_time ON logs(lower(model_name), created_at, type, quota);
