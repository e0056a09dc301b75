-- Singleton leases (issue 13, docs/hosts.md): the right to run a singleton flow's job, one row per lease name.
-- The fencing number grows with every grant; a renewal or a result that carries an older one is refused.
-- A lease is free once released (its holder reported its result) or once expires_at has passed.
CREATE TABLE leases (
  name        TEXT PRIMARY KEY,
  fence       BIGINT NOT NULL,
  holder      TEXT   NOT NULL,
  attempt     TEXT   NOT NULL,
  granted_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  released_at BIGINT
);
CREATE INDEX leases_attempt ON leases (attempt);
