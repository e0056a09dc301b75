-- Ordo schema, PostgreSQL. Times are epoch milliseconds; JSON documents are TEXT.
CREATE TABLE flow_versions (
  id          BIGSERIAL PRIMARY KEY,
  flow        TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  fingerprint TEXT    NOT NULL,
  definition  TEXT    NOT NULL,
  created_at  BIGINT  NOT NULL,
  UNIQUE (flow, version),
  UNIQUE (flow, fingerprint)
);

CREATE TABLE runs (
  id              BIGSERIAL PRIMARY KEY,
  flow            TEXT    NOT NULL,
  flow_version_id BIGINT  NOT NULL REFERENCES flow_versions (id),
  state           TEXT    NOT NULL,
  params          TEXT    NOT NULL,
  created_at      BIGINT  NOT NULL,
  started_at      BIGINT,
  ended_at        BIGINT,
  owner           TEXT,
  heartbeat_at    BIGINT,
  control_seq     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_state ON runs (state);
CREATE INDEX runs_flow ON runs (flow, id);

CREATE TABLE tasks (
  id              BIGSERIAL PRIMARY KEY,
  run_id          BIGINT  NOT NULL REFERENCES runs (id),
  job             TEXT    NOT NULL,
  state           TEXT    NOT NULL,
  rev             INTEGER NOT NULL DEFAULT 0,
  attempts        INTEGER NOT NULL DEFAULT 0,
  attempt_base    INTEGER NOT NULL DEFAULT 0,
  not_before      BIGINT,
  skip_requested  INTEGER NOT NULL DEFAULT 0,
  abort_requested INTEGER NOT NULL DEFAULT 0,
  reason          TEXT,
  exit_code       INTEGER,
  started_at      BIGINT,
  ended_at        BIGINT,
  result          TEXT,
  UNIQUE (run_id, job)
);

CREATE TABLE attempts (
  task_id    BIGINT  NOT NULL REFERENCES tasks (id),
  attempt    INTEGER NOT NULL,
  token      INTEGER NOT NULL,
  state      TEXT    NOT NULL,
  owner      TEXT,
  pid        INTEGER,
  started_at BIGINT  NOT NULL,
  ended_at   BIGINT,
  exit_code  INTEGER,
  signal     TEXT,
  error      TEXT,
  result     TEXT,
  PRIMARY KEY (task_id, attempt)
);

CREATE TABLE events (
  id      BIGSERIAL PRIMARY KEY,
  at      BIGINT NOT NULL,
  run_id  BIGINT,
  task_id BIGINT,
  job     TEXT,
  kind    TEXT   NOT NULL,
  data    TEXT
);
CREATE INDEX events_run ON events (run_id, id);

CREATE TABLE kv (
  run_id     BIGINT NOT NULL REFERENCES runs (id),
  key        TEXT   NOT NULL,
  value      TEXT   NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (run_id, key)
);

CREATE TABLE job_flags (
  flow       TEXT    NOT NULL,
  job        TEXT    NOT NULL,
  enabled    INTEGER NOT NULL,
  updated_at BIGINT  NOT NULL,
  PRIMARY KEY (flow, job)
);
