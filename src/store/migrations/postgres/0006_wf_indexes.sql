-- Ready tasks are taken oldest first per action: an index in that order (the old one, by not_before,
-- made every claim sort all ready tasks of the action).
DROP INDEX wf_tasks_ready;
CREATE INDEX wf_tasks_ready ON wf_tasks (action, id) WHERE state = 'ready';
-- Unfinished runs are listed by status (sweeps, the console); ended ones are most of the table.
CREATE INDEX wf_runs_open ON wf_runs (status, id) WHERE status IN ('running', 'waiting');
