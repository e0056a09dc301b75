-- Network-wide batches (docs/batches.md): a batch is a synthesized run (one command job per host) plus this
-- row, written in the run's creating transaction. plan is the validated batch (groups, per-host commands,
-- threshold) as JSON, kept for reruns; parent_id links a rerun of the failed hosts to the batch it repeats.
CREATE TABLE batches (
  id         BIGSERIAL PRIMARY KEY,
  name       TEXT   NOT NULL,
  run_id     BIGINT NOT NULL UNIQUE REFERENCES runs (id),
  parent_id  BIGINT REFERENCES batches (id),
  source     TEXT   NOT NULL,
  plan       TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT   NOT NULL
);
CREATE INDEX batches_name ON batches (name, id);
