package model

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Prospect is one person on a campaign's roster.
type Prospect struct {
	bun.BaseModel `bun:"table:prospects"`

	ID         uuid.UUID `bun:"id,pk,type:uuid"`
	CampaignID uuid.UUID `bun:"campaign_id,type:uuid,notnull"`
	// Identity is the normalized required identity (email or LinkedIn URL,
	// by the campaign's channel): what the unique index compares.
	Identity string `bun:"identity,notnull"`
	// OtherIdentity is the normalized captured identity (the email on a
	// LINKEDIN campaign, the LinkedIn URL on an EMAIL one), NULL when none:
	// what the suppression list matches besides Identity (SPEC §11, §12).
	// Read so that statements selecting p.* scan.
	OtherIdentity *string        `bun:"other_identity"`
	Email         *string        `bun:"email"`
	LinkedinURL   *string        `bun:"linkedin_url"`
	FirstName     *string        `bun:"first_name"`
	LastName      *string        `bun:"last_name"`
	Company       *string        `bun:"company"`
	Title         *string        `bun:"title"`
	Phone         *string        `bun:"phone"`
	Location      *string        `bun:"location"`
	CustomFields  map[string]any `bun:"custom_fields,type:jsonb,notnull,json_use_number"`
	// CustomFieldsRaw, when set, is the custom fields as compact JSON, as
	// the list path reads them from PostgreSQL; that path leaves
	// CustomFields nil, so a page costs no JSON decoding and re-encoding.
	// Read them through CustomFieldsJSON.
	CustomFieldsRaw RawJSONObject  `bun:"-"`
	Status          ProspectStatus `bun:"status,notnull"`
	CreatedAt       time.Time      `bun:"created_at,notnull"`
	UpdatedAt       time.Time      `bun:"updated_at,notnull"`
}

// CustomFieldsJSON is customFields as the API answers it: the raw JSON when
// the prospect was read so, else the map encoded.
func (p *Prospect) CustomFieldsJSON() RawJSONObject {
	if p.CustomFieldsRaw != nil {
		return p.CustomFieldsRaw
	}
	if p.CustomFields == nil {
		return RawJSONObject("{}")
	}
	b, err := CompactJSON(p.CustomFields)
	if err != nil {
		// The map came out of PostgreSQL's jsonb or through
		// UnmarshalJSONObject, so it always encodes.
		panic(fmt.Sprintf("encode customFields: %v", err))
	}
	return b
}

// Stage is derived from the status.
func (p *Prospect) Stage() ProspectStage { return p.Status.Stage() }
