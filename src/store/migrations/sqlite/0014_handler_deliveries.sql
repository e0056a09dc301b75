-- Event handlers (issue 15, docs/alerts.md): one row per handler an event fires, written in the same
-- transaction as the event. The server's dispatcher claims due rows with a lease (lease_owner,
-- lease_until), delivers, and records the outcome here and as a handler_delivered / handler_failed event.
-- state: pending (due at next_at, maybe leased) | delivered | dead (its retries are spent).
CREATE TABLE handler_deliveries (
  id          INTEGER PRIMARY KEY,
  event_id    BIGINT NOT NULL,
  run_id      BIGINT,
  job         TEXT,
  name        TEXT   NOT NULL,
  on_event    TEXT   NOT NULL,
  kind        TEXT   NOT NULL,
  handler     TEXT   NOT NULL,
  payload     TEXT   NOT NULL,
  state       TEXT   NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  next_at     BIGINT NOT NULL,
  lease_owner TEXT,
  lease_until BIGINT,
  last_error  TEXT,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);
CREATE INDEX handler_deliveries_due ON handler_deliveries (state, next_at);
CREATE INDEX handler_deliveries_run ON handler_deliveries (run_id, id);
