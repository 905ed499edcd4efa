package db

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// The constraints whose violation the store turns into a userError.
const uniqueIdentity = "prospects_campaign_identity_key"

// constraint names the constraint err violated, or "" when err is not a
// constraint violation. Mapping by constraint name keeps the mapping from
// database errors to the API's codes in this one place.
func constraint(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "23503" || pgErr.Code == "23514") {
		return pgErr.ConstraintName
	}
	return ""
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// retryable says whether err is a serialization failure or a deadlock,
// after which the whole transaction may simply run again.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}
