-- Idempotency keys (SPEC §12): a mutation's result stored under the
-- caller's key, in the transaction that wrote it, and replayed for 24
-- hours. The primary key makes two calls with one key take turns: the
-- second one's INSERT ... ON CONFLICT waits for the first transaction to
-- end, then finds its row (a replay) or, if it rolled back, none (it
-- runs). digest is the SHA-256 of the arguments' canonical JSON; result
-- is the outcome by ids (roster.AddRecord, or a campaign id).
CREATE TABLE idempotency_keys (
    owner      text NOT NULL,
    operation  text NOT NULL,
    key        text NOT NULL,
    digest     bytea NOT NULL,
    result     jsonb,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (owner, operation, key)
);

--bun:split

-- Expired keys are purged a few at a time by the calls that store new
-- ones (db/idempotency.go): no job outside the server.
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
