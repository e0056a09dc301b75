-- Workflows (issue 5): compiled versions, runs of the workflow VM, their step log (the task log), action
-- tasks handed to workers, run inboxes, locks with FIFO waiters, subscriptions and undelivered events.
-- Every VM step writes its run, its step row, its effect's rows and an `events` row in one transaction.
CREATE TABLE wf_versions (
  id          BIGSERIAL PRIMARY KEY,
  kind        TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  fingerprint TEXT    NOT NULL,
  body        TEXT    NOT NULL,
  created_at  BIGINT  NOT NULL,
  UNIQUE (kind, name, version),
  UNIQUE (kind, name, fingerprint)
);

CREATE TABLE wf_runs (
  id           BIGSERIAL PRIMARY KEY,
  workflow     TEXT    NOT NULL,
  version_id   BIGINT  NOT NULL REFERENCES wf_versions (id),
  parent_id    BIGINT,
  parent_step  INTEGER,
  parent_index INTEGER NOT NULL DEFAULT 0,
  waited       INTEGER NOT NULL DEFAULT 0,
  root_id      BIGINT,
  depth        INTEGER NOT NULL,
  status       TEXT    NOT NULL,
  state        TEXT    NOT NULL,
  input        TEXT    NOT NULL,
  output       TEXT,
  error        TEXT,
  step         INTEGER NOT NULL DEFAULT 0,
  wait_step    INTEGER,
  rev          INTEGER NOT NULL DEFAULT 0,
  owner        TEXT,
  heartbeat_at BIGINT,
  wake_at      BIGINT,
  deadline_at  BIGINT,
  origin       TEXT UNIQUE,
  created_at   BIGINT  NOT NULL,
  updated_at   BIGINT  NOT NULL,
  ended_at     BIGINT,
  UNIQUE (parent_id, parent_step, parent_index)
) WITH (fillfactor = 70);
CREATE INDEX wf_runs_owner ON wf_runs (owner);
CREATE INDEX wf_runs_root ON wf_runs (root_id);

CREATE TABLE wf_steps (
  run_id BIGINT  NOT NULL,
  step   INTEGER NOT NULL,
  at     BIGINT  NOT NULL,
  pc     INTEGER NOT NULL,
  op     TEXT    NOT NULL,
  event  TEXT,
  effect TEXT,
  status TEXT    NOT NULL,
  PRIMARY KEY (run_id, step)
);

CREATE TABLE wf_tasks (
  id         BIGSERIAL PRIMARY KEY,
  run_id     BIGINT  NOT NULL,
  step       INTEGER NOT NULL,
  action     TEXT    NOT NULL,
  workflow   TEXT    NOT NULL,
  input      TEXT    NOT NULL,
  state      TEXT    NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  max_tries  INTEGER NOT NULL,
  retry_ms   BIGINT  NOT NULL,
  timeout_ms BIGINT,
  retryable  INTEGER NOT NULL DEFAULT 1,
  not_before BIGINT  NOT NULL,
  cookie     TEXT,
  worker     TEXT,
  deadline   BIGINT,
  output     TEXT,
  error      TEXT,
  created_at BIGINT  NOT NULL,
  claimed_at BIGINT,
  ended_at   BIGINT,
  UNIQUE (run_id, step)
);
CREATE INDEX wf_tasks_ready ON wf_tasks (action, not_before, id) WHERE state = 'ready';
CREATE INDEX wf_tasks_claimed ON wf_tasks (deadline) WHERE state = 'claimed';

CREATE TABLE wf_inbox (
  id     BIGSERIAL PRIMARY KEY,
  run_id BIGINT  NOT NULL,
  step   INTEGER,
  kind   TEXT    NOT NULL,
  data   TEXT,
  at     BIGINT  NOT NULL
);
CREATE INDEX wf_inbox_run ON wf_inbox (run_id, id);

CREATE TABLE wf_locks (
  lock_type   TEXT    NOT NULL,
  lock_value  TEXT    NOT NULL,
  holder      BIGINT  NOT NULL,
  inherit     INTEGER NOT NULL,
  acquired_at BIGINT  NOT NULL,
  PRIMARY KEY (lock_type, lock_value)
);
CREATE INDEX wf_locks_holder ON wf_locks (holder);

CREATE TABLE wf_lock_sharers (
  lock_type  TEXT   NOT NULL,
  lock_value TEXT   NOT NULL,
  run_id     BIGINT NOT NULL,
  PRIMARY KEY (lock_type, lock_value, run_id)
);
CREATE INDEX wf_lock_sharers_run ON wf_lock_sharers (run_id);

CREATE TABLE wf_lock_waiters (
  id         BIGSERIAL PRIMARY KEY,
  lock_type  TEXT    NOT NULL,
  lock_value TEXT    NOT NULL,
  run_id     BIGINT  NOT NULL UNIQUE,
  step       INTEGER NOT NULL,
  inherit    INTEGER NOT NULL,
  created_at BIGINT  NOT NULL
);
CREATE INDEX wf_lock_waiters_key ON wf_lock_waiters (lock_type, lock_value, id);

CREATE TABLE wf_subscriptions (
  run_id     BIGINT NOT NULL,
  name       TEXT   NOT NULL,
  mask       TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (run_id, name)
);

CREATE TABLE wf_event_queue (
  id     BIGSERIAL PRIMARY KEY,
  run_id BIGINT NOT NULL,
  name   TEXT   NOT NULL,
  event  TEXT   NOT NULL,
  at     BIGINT NOT NULL
);
CREATE INDEX wf_event_queue_sub ON wf_event_queue (run_id, name, id);

ALTER TABLE events ADD COLUMN wf_run_id BIGINT;
CREATE INDEX events_wf_run ON events (wf_run_id, id) WHERE wf_run_id IS NOT NULL;
