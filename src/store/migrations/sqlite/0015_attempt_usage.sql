-- What each attempt's processes used (issue 15, history and statistics): user and system CPU time of the job
-- and the descendants it waited for, and the peak resident set of the largest of them (docs/history.md).
ALTER TABLE attempts ADD COLUMN cpu_user_ms BIGINT;
ALTER TABLE attempts ADD COLUMN cpu_system_ms BIGINT;
ALTER TABLE attempts ADD COLUMN max_rss_kb BIGINT;
