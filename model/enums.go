package model

import (
	"database/sql/driver"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The statuses and channels are stored lowercase (the sending engine reads
// and writes them so, SPEC §10) and shown uppercase in GraphQL. Each Go
// value is the GraphQL name; Value and Scan translate at the database edge.

// Channel is a campaign's outreach channel; it decides the required identity.
type Channel string

const (
	ChannelEmail    Channel = "EMAIL"
	ChannelLinkedin Channel = "LINKEDIN"
)

// CampaignStatus is where a campaign is in its lifecycle.
type CampaignStatus string

const (
	CampaignStatusDraft     CampaignStatus = "DRAFT"
	CampaignStatusLaunching CampaignStatus = "LAUNCHING"
	CampaignStatusActive    CampaignStatus = "ACTIVE"
	CampaignStatusPaused    CampaignStatus = "PAUSED"
	CampaignStatusCompleted CampaignStatus = "COMPLETED"
)

// ProspectStatus is where a prospect is in the sending pipeline.
type ProspectStatus string

const (
	ProspectStatusPending        ProspectStatus = "PENDING"
	ProspectStatusSent           ProspectStatus = "SENT"
	ProspectStatusConnectionSent ProspectStatus = "CONNECTION_SENT"
	ProspectStatusConnected      ProspectStatus = "CONNECTED"
	ProspectStatusMessageSent    ProspectStatus = "MESSAGE_SENT"
	ProspectStatusReplied        ProspectStatus = "REPLIED"
	ProspectStatusBounced        ProspectStatus = "BOUNCED"
	ProspectStatusCompleted      ProspectStatus = "COMPLETED"
	ProspectStatusTimedOut       ProspectStatus = "TIMED_OUT"
	ProspectStatusCancelled      ProspectStatus = "CANCELLED"
)

var (
	allChannels         = []Channel{ChannelEmail, ChannelLinkedin}
	AllCampaignStatuses = []CampaignStatus{CampaignStatusDraft, CampaignStatusLaunching, CampaignStatusActive, CampaignStatusPaused, CampaignStatusCompleted}
	// AllProspectStatuses lists every prospect status in pipeline order.
	AllProspectStatuses = []ProspectStatus{
		ProspectStatusPending, ProspectStatusSent, ProspectStatusConnectionSent, ProspectStatusConnected,
		ProspectStatusMessageSent, ProspectStatusReplied, ProspectStatusBounced, ProspectStatusCompleted,
		ProspectStatusTimedOut, ProspectStatusCancelled,
	}
)

// Stage derives the pipeline stage from a status (SPEC §8).
func (s ProspectStatus) Stage() ProspectStage {
	switch s {
	case ProspectStatusPending:
		return ProspectStageQueued
	case ProspectStatusSent, ProspectStatusConnectionSent, ProspectStatusConnected, ProspectStatusMessageSent:
		return ProspectStageInFlight
	default:
		return ProspectStageTerminal
	}
}

// Statuses lists the statuses of a stage.
func (s ProspectStage) Statuses() []ProspectStatus {
	var out []ProspectStatus
	for _, st := range AllProspectStatuses {
		if st.Stage() == s {
			out = append(out, st)
		}
	}
	return out
}

// DB is the lowercase form stored in the database.
func (s ProspectStatus) DB() string { return strings.ToLower(string(s)) }

func (c Channel) IsValid() bool        { return oneOf(c, allChannels) }
func (s CampaignStatus) IsValid() bool { return oneOf(s, AllCampaignStatuses) }
func (s ProspectStatus) IsValid() bool { return oneOf(s, AllProspectStatuses) }

func (c Channel) String() string        { return string(c) }
func (s CampaignStatus) String() string { return string(s) }
func (s ProspectStatus) String() string { return string(s) }

func (c Channel) MarshalGQL(w io.Writer)        { marshalEnum(w, c) }
func (s CampaignStatus) MarshalGQL(w io.Writer) { marshalEnum(w, s) }
func (s ProspectStatus) MarshalGQL(w io.Writer) { marshalEnum(w, s) }

func (c *Channel) UnmarshalGQL(v any) error        { return unmarshalEnum(v, c, allChannels) }
func (s *CampaignStatus) UnmarshalGQL(v any) error { return unmarshalEnum(v, s, AllCampaignStatuses) }
func (s *ProspectStatus) UnmarshalGQL(v any) error { return unmarshalEnum(v, s, AllProspectStatuses) }

func (c Channel) Value() (driver.Value, error)        { return valueEnum(c, allChannels) }
func (s CampaignStatus) Value() (driver.Value, error) { return valueEnum(s, AllCampaignStatuses) }
func (s ProspectStatus) Value() (driver.Value, error) { return valueEnum(s, AllProspectStatuses) }

func (c *Channel) Scan(src any) error        { return scanEnum(src, c, allChannels) }
func (s *CampaignStatus) Scan(src any) error { return scanEnum(src, s, AllCampaignStatuses) }
func (s *ProspectStatus) Scan(src any) error { return scanEnum(src, s, AllProspectStatuses) }

type enum interface {
	~string
}

func oneOf[E enum](e E, all []E) bool {
	for _, a := range all {
		if a == e {
			return true
		}
	}
	return false
}

func marshalEnum[E enum](w io.Writer, e E) {
	_, _ = io.WriteString(w, strconv.Quote(string(e)))
}

func unmarshalEnum[E enum](v any, dst *E, all []E) error {
	s, ok := v.(string)
	if !ok {
		return scalarError("an enum value must be a string, got %s", jsonKind(v))
	}
	if !oneOf(E(s), all) {
		return scalarError("%q is not a valid value here: enum values are case-sensitive", s)
	}
	*dst = E(s)
	return nil
}

func valueEnum[E enum](e E, all []E) (driver.Value, error) {
	if !oneOf(e, all) {
		return nil, fmt.Errorf("%q is not a valid %T", string(e), e)
	}
	return strings.ToLower(string(e)), nil
}

func scanEnum[E enum](src any, dst *E, all []E) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case nil:
		*dst = ""
		return nil
	default:
		return fmt.Errorf("scan %T: unexpected %T", *dst, src)
	}
	e := E(strings.ToUpper(s))
	if !oneOf(e, all) {
		return fmt.Errorf("scan %T: unknown value %q", *dst, s)
	}
	*dst = e
	return nil
}

// prospectStatusByDB maps the database's spelling of each status to it.
var prospectStatusByDB = func() map[string]ProspectStatus {
	m := make(map[string]ProspectStatus, len(AllProspectStatuses))
	for _, s := range AllProspectStatuses {
		m[s.DB()] = s
	}
	return m
}()

// ProspectStatusFromDB is the status the database spells s, without the
// allocation of Scan's case conversion (the list path reads 200 a page).
func ProspectStatusFromDB(s string) (ProspectStatus, bool) {
	st, ok := prospectStatusByDB[s]
	return st, ok
}

// ProspectStatusFromDBBytes is ProspectStatusFromDB for the bytes off the
// wire (the lookup converts them without allocating).
func ProspectStatusFromDBBytes(b []byte) (ProspectStatus, bool) {
	st, ok := prospectStatusByDB[string(b)]
	return st, ok
}
