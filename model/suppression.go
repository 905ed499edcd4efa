package model

import (
	"database/sql/driver"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Suppression is one entry of an owner's suppression list (SPEC §11): a
// person (by email or LinkedIn URL) or a domain that must never be added
// to a roster.
type Suppression struct {
	bun.BaseModel `bun:"table:suppressions"`

	// ID is time-ordered and also the entry's place in the list: ids sort
	// newest call first, a call's entries in submission order (db
	// suppressionIDs), so a cursor is an id.
	ID    uuid.UUID       `bun:"id,pk,type:uuid"`
	Owner string          `bun:"owner,notnull"`
	Kind  SuppressionKind `bun:"kind,notnull"`
	// Value is the value as submitted, trimmed.
	Value string `bun:"value,notnull"`
	// Normalized is what matching compares: unique per owner and kind.
	Normalized string    `bun:"normalized,notnull"`
	Reason     *string   `bun:"reason"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

// SuppressionKind is what an entry names: one address, one LinkedIn
// profile, or every address at a domain and its subdomains.
type SuppressionKind string

const (
	SuppressionKindEmail    SuppressionKind = "EMAIL"
	SuppressionKindDomain   SuppressionKind = "DOMAIN"
	SuppressionKindLinkedin SuppressionKind = "LINKEDIN"
)

// AllSuppressionKind lists the kinds.
var AllSuppressionKind = []SuppressionKind{SuppressionKindEmail, SuppressionKindDomain, SuppressionKindLinkedin}

// DB is the lowercase form stored in the database, as the statuses are.
func (k SuppressionKind) DB() string { return strings.ToLower(string(k)) }

func (k SuppressionKind) IsValid() bool                { return oneOf(k, AllSuppressionKind) }
func (k SuppressionKind) String() string               { return string(k) }
func (k SuppressionKind) MarshalGQL(w io.Writer)       { marshalEnum(w, k) }
func (k *SuppressionKind) UnmarshalGQL(v any) error    { return unmarshalEnum(v, k, AllSuppressionKind) }
func (k SuppressionKind) Value() (driver.Value, error) { return valueEnum(k, AllSuppressionKind) }
func (k *SuppressionKind) Scan(src any) error          { return scanEnum(src, k, AllSuppressionKind) }
