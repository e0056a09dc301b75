-- API tokens may expire (issue 12): the instant (ms since the epoch) after which the token is refused; NULL
-- for a token that does not expire.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
