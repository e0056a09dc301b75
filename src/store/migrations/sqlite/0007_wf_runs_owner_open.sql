-- Runs are looked up by owner only among unfinished ones (heartbeats, release, mail): index only those,
-- so a heartbeat does not walk every run the engine ever drove.
DROP INDEX wf_runs_owner;
CREATE INDEX wf_runs_owner ON wf_runs (owner) WHERE status IN ('running', 'waiting');
