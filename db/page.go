package db

import (
	"database/sql"

	"roster/model"
)

// Page sizes (SPEC §8).
const (
	DefaultLimit = 100
	MaxLimit     = 200
)

// readOnlySnapshot gives a read of several statements one snapshot.
var readOnlySnapshot = sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}

// Page is a validated page request: page ≥ 1, limit in 1..MaxLimit.
type Page struct {
	Number  int
	Limit   int
	HasNext bool
}

// NewPage checks page and limit (SPEC §8): below 1 is BAD_USER_INPUT, a
// limit above MaxLimit is clamped. keyset says a cursor was given, which
// only page 1 may go with.
func NewPage(page, limit *int, keyset bool) (Page, error) {
	p := Page{Number: 1, Limit: DefaultLimit}
	if page != nil {
		p.Number = *page
	}
	if limit != nil {
		p.Limit = *limit
	}
	if p.Number < 1 {
		return p, &model.InputError{Message: "page must be 1 or more"}
	}
	if p.Limit < 1 {
		return p, &model.InputError{Message: "limit must be 1 or more"}
	}
	if keyset && p.Number != 1 {
		return p, &model.InputError{Message: "page must be omitted or 1 when after is given"}
	}
	p.Limit = min(p.Limit, MaxLimit)
	return p, nil
}

// Offset is the number of rows before the page.
func (p Page) Offset() int { return (p.Number - 1) * p.Limit }
