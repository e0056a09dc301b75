-- Triggers (issue 4): every fire of a flow's trigger is recorded before its run starts; the unique key
-- makes a fire happen once however many schedulers race for it or restart.
CREATE TABLE fires (
  id            INTEGER PRIMARY KEY,
  flow          TEXT   NOT NULL,
  trigger_key   TEXT   NOT NULL,
  at            BIGINT NOT NULL,
  business_date TEXT,
  state         TEXT   NOT NULL,
  reason        TEXT,
  run_id        BIGINT,
  created_at    BIGINT NOT NULL,
  UNIQUE (flow, trigger_key, at)
);
CREATE INDEX fires_state ON fires (flow, state, at);

CREATE TABLE schedules (
  flow       TEXT PRIMARY KEY,
  paused     INTEGER NOT NULL DEFAULT 0,
  updated_at BIGINT,
  updated_by TEXT
);

ALTER TABLE runs ADD COLUMN business_date TEXT;
ALTER TABLE runs ADD COLUMN fire_id BIGINT;
CREATE INDEX runs_business ON runs (flow, business_date);
