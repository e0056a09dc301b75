-- Servers sharing one store (issue 16, docs/servers.md): each `ordo server` registers here when it starts and
-- writes its heartbeat while it runs; `ordo servers` lists them. The id is the server's engine owner
-- (host/pid/nonce), the owner its runs carry, so the runs a server owns are counted by joining on it.
-- Which server leads (runs the trigger scheduler) is the lease `ordo:scheduler` in `leases`.
CREATE TABLE servers (
  id           TEXT PRIMARY KEY,
  host         TEXT   NOT NULL,
  pid          BIGINT NOT NULL,
  version      TEXT   NOT NULL,
  api_url      TEXT,
  started_at   BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL,
  stopped_at   BIGINT
);
CREATE INDEX servers_heartbeat ON servers (heartbeat_at);
