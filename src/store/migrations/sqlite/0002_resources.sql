-- Resources (issue 3): locks, gates and connectors are rows that dispatchers lock while they account for
-- them; holds are the uses of running tasks, taken in the same transaction as the claim of the task.
CREATE TABLE resources (
  name       TEXT PRIMARY KEY,
  closed     INTEGER NOT NULL DEFAULT 0,
  reason     TEXT,
  updated_at BIGINT,
  updated_by TEXT
);

CREATE TABLE resource_holds (
  task_id     BIGINT NOT NULL,
  resource    TEXT   NOT NULL,
  mode        TEXT   NOT NULL,
  run_id      BIGINT NOT NULL,
  job         TEXT   NOT NULL,
  acquired_at BIGINT NOT NULL,
  PRIMARY KEY (task_id, resource)
);
CREATE INDEX resource_holds_resource ON resource_holds (resource);

CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  value      TEXT   NOT NULL,
  updated_at BIGINT NOT NULL
);

ALTER TABLE runs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN stats_class TEXT NOT NULL DEFAULT 'default';
