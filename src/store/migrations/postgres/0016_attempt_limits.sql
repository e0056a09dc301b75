-- How each of a job's limits was enforced for an attempt (issue 15, limits): a JSON object such as
-- {"memory": "512MiB (cgroup v1)", "nofile": "1024 (rlimit)"}; NULL for a job without limits (docs/limits.md).
ALTER TABLE attempts ADD COLUMN limits TEXT;
