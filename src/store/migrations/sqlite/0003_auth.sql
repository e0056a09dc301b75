-- Users and API tokens (issue 6). Tokens are stored as the SHA-256 of the token (they are 256 random bits);
-- passwords, when a user has one, as scrypt with a random salt. Roles: user, operator, admin, superuser.
CREATE TABLE users (
  name          TEXT PRIMARY KEY,
  role          TEXT   NOT NULL,
  password_hash TEXT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);

CREATE TABLE api_tokens (
  name         TEXT PRIMARY KEY,
  token_hash   TEXT   NOT NULL UNIQUE,
  role         TEXT   NOT NULL,
  user_name    TEXT,
  created_at   BIGINT NOT NULL,
  last_used_at BIGINT
);
