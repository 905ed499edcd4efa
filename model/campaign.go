package model

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Campaign is an outreach campaign and the owner of a roster.
type Campaign struct {
	bun.BaseModel `bun:"table:campaigns"`

	ID        uuid.UUID      `bun:"id,pk,type:uuid"`
	Owner     string         `bun:"owner,notnull"`
	Name      string         `bun:"name,notnull"`
	Channel   Channel        `bun:"channel,notnull"`
	Status    CampaignStatus `bun:"status,notnull"`
	Stats     CampaignStats  `bun:"stats,type:jsonb,notnull"`
	CreatedAt time.Time      `bun:"created_at,notnull"`
	UpdatedAt time.Time      `bun:"updated_at,notnull"`
	// Version is campaigns.version as text (Campaign.version, SPEC §14):
	// the database moves it with every change a query of the campaign can
	// show. Never written by the API (scanonly): the column's default and
	// triggers set it.
	Version string `bun:"version,scanonly"`
}

// RosterFrozen is true once the campaign has left DRAFT (SPEC §7).
func (c *Campaign) RosterFrozen() bool { return c.Status != CampaignStatusDraft }

// CampaignStats are the roster's counts, kept in campaigns.stats (SPEC §9)
// under the snake_case keys the sending engine reads.
type CampaignStats struct {
	Total          int `json:"total"`
	Pending        int `json:"pending"`
	Sent           int `json:"sent"`
	ConnectionSent int `json:"connection_sent"`
	Connected      int `json:"connected"`
	MessageSent    int `json:"message_sent"`
	Replied        int `json:"replied"`
	Bounced        int `json:"bounced"`
	Completed      int `json:"completed"`
	TimedOut       int `json:"timed_out"`
	Cancelled      int `json:"cancelled"`
}

// InFlight is sent + connectionSent + connected + messageSent.
func (s CampaignStats) InFlight() int {
	return s.Sent + s.ConnectionSent + s.Connected + s.MessageSent
}

// Terminal is replied + bounced + completed + timedOut + cancelled.
func (s CampaignStats) Terminal() int {
	return s.Replied + s.Bounced + s.Completed + s.TimedOut + s.Cancelled
}

// Value stores the stats as the jsonb object of SPEC §9.
func (s CampaignStats) Value() (driver.Value, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// Scan reads the jsonb object of SPEC §9.
func (s *CampaignStats) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		return json.Unmarshal(v, s)
	case string:
		return json.Unmarshal([]byte(v), s)
	case nil:
		*s = CampaignStats{}
		return nil
	}
	return fmt.Errorf("scan campaign stats: unexpected %T", src)
}
