-- Console sessions (issue 14): a browser's login, kept in the store so that it survives a restart of the
-- server and works on every server of the store. The cookie holds a random session id; the store only its
-- SHA-256 (like API tokens), so reading this table does not give a session away. `principal` is the
-- credential the session was opened with (JSON: a token's hash or the password hash it matched), checked
-- again at every request, so a demotion or a revocation applies at once.
CREATE TABLE console_sessions (
  id_hash      TEXT PRIMARY KEY,
  csrf         TEXT   NOT NULL,
  principal    TEXT   NOT NULL,
  created_at   BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_last_used ON console_sessions (last_used_at);
