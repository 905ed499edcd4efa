package graph_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/auth"
	"roster/db"
	"roster/db/dbtest"
	"roster/httpapi"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// testAuth signs the tests' tokens.
var testAuth = auth.Config{Secret: []byte("test-secret-0123456789-0123456789-abcdef")}

var (
	serverOnce sync.Once
	serverURL  string
)

// server is the real HTTP handler over the test database, served on
// loopback once per test binary.
func server(t testing.TB) string {
	t.Helper()
	serverOnce.Do(func() {
		v, err := auth.NewVerifier(testAuth)
		if err != nil {
			t.Fatal(err)
		}
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		h := httpapi.NewHandler(httpapi.Options{Store: db.NewStore(dbtest.DB(t)), Verifier: v, Logger: logger})
		serverURL = httptest.NewServer(h).URL // lives as long as the test binary
	})
	return serverURL
}

// api is a GraphQL client acting as one subject.
type api struct {
	t     testing.TB
	url   string
	sub   string
	token string
}

// newAPI returns a client with a subject of its own, so the test owns its
// data and runs in parallel with the others.
func newAPI(t testing.TB) *api {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return asSubject(t, strings.ReplaceAll(t.Name(), "/", "_")+"-"+hex.EncodeToString(b[:]))
}

// asSubject returns a client acting as sub.
func asSubject(t testing.TB, sub string) *api {
	t.Helper()
	tok, err := auth.Issue(testAuth, sub, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &api{t: t, url: server(t), sub: sub, token: tok}
}

// gqlError is one error of a GraphQL response.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the error's extensions.code.
func (e gqlError) Code() string { s, _ := e.Extensions["code"].(string); return s }

// response is a raw GraphQL response.
type response struct {
	Status int
	Header http.Header
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// do posts a GraphQL document over HTTP and decodes the response.
func (a *api) do(query string, vars map[string]any) *response {
	a.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		a.t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, a.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	return send(a.t, req)
}

// send sends req and decodes its GraphQL answer.
func send(t testing.TB, req *http.Request) *response {
	t.Helper()
	r := roundTrip(t, req)
	out := &response{Status: r.Status, Header: r.Header}
	if err := json.Unmarshal(r.Body, out); err != nil {
		t.Fatalf("response is not JSON (%d): %s", r.Status, r.Body)
	}
	return out
}

// query runs a document that must succeed and decodes its data into out.
func (a *api) query(query string, vars map[string]any, out any) {
	a.t.Helper()
	r := a.do(query, vars)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		a.t.Fatalf("query failed: HTTP %d, errors %+v", r.Status, r.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			a.t.Fatalf("decode data: %v: %s", err, r.Data)
		}
	}
}

// userError is a mutation payload's userError.
type userError struct {
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Field   []string `json:"field"`
	Index   *int     `json:"index"`
}

// campaign is the Campaign fields tests read.
type campaign struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	Channel      string         `json:"channel"`
	Status       string         `json:"status"`
	RosterFrozen bool           `json:"rosterFrozen"`
	Stats        map[string]int `json:"stats"`
}

const campaignFields = `id name channel status rosterFrozen
	stats { total pending sent connectionSent connected messageSent replied bounced completed timedOut cancelled inFlight terminal }`

// prospect is the Prospect fields tests read.
type prospect struct {
	ID           string         `json:"id"`
	CampaignID   string         `json:"campaignId"`
	Email        *string        `json:"email"`
	LinkedinURL  *string        `json:"linkedinUrl"`
	FirstName    *string        `json:"firstName"`
	LastName     *string        `json:"lastName"`
	Company      *string        `json:"company"`
	Title        *string        `json:"title"`
	Phone        *string        `json:"phone"`
	Location     *string        `json:"location"`
	CustomFields map[string]any `json:"customFields"`
	Status       string         `json:"status"`
	Stage        string         `json:"stage"`
	CreatedAt    string         `json:"createdAt"`
	UpdatedAt    string         `json:"updatedAt"`
}

const prospectFields = `id campaignId email linkedinUrl firstName lastName company title phone location
	customFields status stage createdAt updatedAt`

// createCampaign creates a DRAFT campaign and returns its id.
func (a *api) createCampaign(channel string) string {
	a.t.Helper()
	var out struct {
		CreateCampaign struct {
			Campaign   *campaign   `json:"campaign"`
			UserErrors []userError `json:"userErrors"`
		} `json:"createCampaign"`
	}
	a.query(`mutation($in: CreateCampaignInput!) { createCampaign(input: $in) { campaign { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"name": "campaign of " + a.sub, "channel": channel}}, &out)
	if out.CreateCampaign.Campaign == nil {
		a.t.Fatalf("createCampaign: %+v", out.CreateCampaign.UserErrors)
	}
	return out.CreateCampaign.Campaign.ID
}

// addResult is addProspects' payload.
type addResult struct {
	Imported      int         `json:"imported"`
	Duplicates    int         `json:"duplicates"`
	DryRun        bool        `json:"dryRun"`
	Prospects     []prospect  `json:"prospects"`
	DuplicateRows []dupRow    `json:"duplicateRows"`
	Campaign      *campaign   `json:"campaign"`
	UserErrors    []userError `json:"userErrors"`
}

type dupRow struct {
	Index    int       `json:"index"`
	Identity string    `json:"identity"`
	Reason   string    `json:"reason"`
	Prospect *prospect `json:"prospect"`
}

const addMutation = `mutation($c: UUID!, $rows: [ProspectInput!]!, $dry: Boolean) {
	addProspects(campaignId: $c, prospects: $rows, dryRun: $dry) {
		imported duplicates dryRun
		prospects { ` + prospectFields + ` }
		duplicateRows { index identity reason prospect { ` + prospectFields + ` } }
		campaign { ` + campaignFields + ` }
		userErrors { code message field index }
	}
}`

// add runs addProspects (rows are ProspectInput objects) and returns its payload.
func (a *api) add(campaignID string, rows []map[string]any, dryRun bool) addResult {
	a.t.Helper()
	var out struct {
		AddProspects addResult `json:"addProspects"`
	}
	a.query(addMutation, map[string]any{"c": campaignID, "rows": rows, "dry": dryRun}, &out)
	return out.AddProspects
}

// emails builds rows with the given emails.
func emails(list ...string) []map[string]any {
	rows := make([]map[string]any, len(list))
	for i, e := range list {
		rows[i] = map[string]any{"email": e}
	}
	return rows
}

// transition moves a campaign and returns the payload's userErrors.
func (a *api) transition(campaignID, to string) (*campaign, []userError) {
	a.t.Helper()
	var out struct {
		TransitionCampaign struct {
			Campaign   *campaign   `json:"campaign"`
			UserErrors []userError `json:"userErrors"`
		} `json:"transitionCampaign"`
	}
	a.query(`mutation($id: UUID!, $to: CampaignStatus!) { transitionCampaign(id: $id, to: $to) {
		campaign { `+campaignFields+` } userErrors { code message field index } } }`,
		map[string]any{"id": campaignID, "to": to}, &out)
	return out.TransitionCampaign.Campaign, out.TransitionCampaign.UserErrors
}

// requireStatsMatchRoster checks SPEC §9: the kept stats equal the roster's
// counts, and recalculate_campaign_stats agrees with them.
func requireStatsMatchRoster(t testing.TB, campaignID string) {
	t.Helper()
	ctx := context.Background()
	bdb := dbtest.DB(t)
	var kept, counted string
	err := bdb.QueryRowContext(ctx, `SELECT stats::text FROM campaigns WHERE id = ?`, campaignID).Scan(&kept)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.QueryRowContext(ctx, `SELECT jsonb_build_object('total', count(*),
		'pending', count(*) FILTER (WHERE status = 'pending'),
		'sent', count(*) FILTER (WHERE status = 'sent'),
		'connection_sent', count(*) FILTER (WHERE status = 'connection_sent'),
		'connected', count(*) FILTER (WHERE status = 'connected'),
		'message_sent', count(*) FILTER (WHERE status = 'message_sent'),
		'replied', count(*) FILTER (WHERE status = 'replied'),
		'bounced', count(*) FILTER (WHERE status = 'bounced'),
		'completed', count(*) FILTER (WHERE status = 'completed'),
		'timed_out', count(*) FILTER (WHERE status = 'timed_out'),
		'cancelled', count(*) FILTER (WHERE status = 'cancelled'))::text
		FROM prospects WHERE campaign_id = ?`, campaignID).Scan(&counted)
	if err != nil {
		t.Fatal(err)
	}
	var k, c map[string]int
	_ = json.Unmarshal([]byte(kept), &k)
	_ = json.Unmarshal([]byte(counted), &c)
	if len(k) != 11 || !equalCounts(k, c) {
		t.Fatalf("stats %v do not match the roster %v", k, c)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
