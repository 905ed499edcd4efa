package db

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/uptrace/bun"

	"roster/roster"
)

// The operations a key is scoped to, besides the owner (SPEC §12).
const (
	opAddProspects   = "addProspects"
	opCreateCampaign = "createCampaign"
)

// claimKey takes owner's key for op in tx, before the call writes
// anything. A key that is new, or whose result expired, is claimed: it
// returns nil, and the call runs, then storeResult records what it did
// (in the same transaction, so a rolled-back call leaves no key). A key
// held by another transaction makes the INSERT wait until that one ends:
// two calls with one key take turns, and the second replays the first's
// result. A live key with the same digest returns its stored result (JSON)
// into into; with another digest, the userError IDEMPOTENCY_KEY_REUSED.
func claimKey(ctx context.Context, tx bun.Tx, owner, op, key string, digest []byte, into any) (replay bool, err error) {
	var claimed bool
	err = tx.QueryRowContext(ctx, `INSERT INTO idempotency_keys (owner, operation, key, digest, expires_at)
		VALUES (?, ?, ?, ?, now() + interval '`+roster.KeyLifetime+`')
		ON CONFLICT (owner, operation, key) DO UPDATE
			SET digest = EXCLUDED.digest, result = NULL, expires_at = EXCLUDED.expires_at
			WHERE idempotency_keys.expires_at <= now()
		RETURNING true`, owner, op, key, digest).Scan(&claimed)
	if err == nil {
		return false, purgeKeys(ctx, tx)
	}
	if !isNoRows(err) {
		return false, fmt.Errorf("claim idempotency key: %w", err)
	}
	var stored []byte
	var result []byte
	if err := tx.QueryRowContext(ctx, `SELECT digest, result FROM idempotency_keys
		WHERE owner = ? AND operation = ? AND key = ?`, owner, op, key).Scan(&stored, &result); err != nil {
		return false, fmt.Errorf("read idempotency key: %w", err)
	}
	if !bytes.Equal(stored, digest) {
		return false, roster.KeyReused(op)
	}
	if err := json.Unmarshal(result, into); err != nil {
		return false, fmt.Errorf("read idempotency key's result: %w", err)
	}
	return true, nil
}

// purgeKeys deletes a few expired keys: each call that stores a key
// removes up to 100 of them, so expired keys never outnumber what a day's
// calls store, and no job outside the server is needed. Keys another
// purge holds are skipped, never waited for.
func purgeKeys(ctx context.Context, tx bun.Tx) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY (
		SELECT ctid FROM idempotency_keys WHERE expires_at < now() LIMIT 100 FOR UPDATE SKIP LOCKED))`)
	if err != nil {
		return fmt.Errorf("purge idempotency keys: %w", err)
	}
	return nil
}

// storeResult records the result of the call that claimed the key.
func storeResult(ctx context.Context, tx bun.Tx, owner, op, key string, result any) error {
	b, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("store idempotency key: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET result = ?::jsonb
		WHERE owner = ? AND operation = ? AND key = ?`, string(b), owner, op, key); err != nil {
		return fmt.Errorf("store idempotency key: %w", err)
	}
	return nil
}
