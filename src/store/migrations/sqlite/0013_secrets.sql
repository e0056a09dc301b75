-- Credentials (issue 15): each value encrypted with AES-256-GCM under the master key (src/secrets/cipher.ts).
-- nonce and data (ciphertext and tag) are base64; key_id says which master key sealed it, so a rotation can
-- go row by row and a wrong key is named rather than reported as damage.
CREATE TABLE secrets (
  name       TEXT PRIMARY KEY,
  key_id     TEXT   NOT NULL,
  nonce      TEXT   NOT NULL,
  data       TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT   NOT NULL
);
