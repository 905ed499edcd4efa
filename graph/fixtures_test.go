package graph_test

// The API's types as the tests read them, and the mutations and queries the
// tests of several topics run (one helper each).

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

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

const campaignFields = `id name channel status rosterFrozen ` + statsFields

// statsFields is every CampaignStats field.
const statsFields = `stats { total pending sent connectionSent connected messageSent replied bounced
	completed timedOut cancelled inFlight terminal }`

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
	p := a.create("campaign of "+a.sub, channel)
	if p.Campaign == nil {
		a.t.Fatalf("createCampaign: %+v", p.UserErrors)
	}
	return p.Campaign.ID
}

// datedCampaign is a Campaign with its timestamps.
type datedCampaign struct {
	campaign
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

// campaignPayload is createCampaign's payload.
type campaignPayload struct {
	Campaign   *datedCampaign `json:"campaign"`
	UserErrors []userError    `json:"userErrors"`
}

const createMutation = `mutation($in: CreateCampaignInput!) { createCampaign(input: $in) {
	campaign { ` + campaignFields + ` createdAt updatedAt } userErrors { code message field index } } }`

// create runs createCampaign and returns its payload.
func (a *api) create(name, channel string) campaignPayload {
	a.t.Helper()
	var out struct {
		CreateCampaign campaignPayload `json:"createCampaign"`
	}
	a.query(createMutation, map[string]any{"in": map[string]any{"name": name, "channel": channel}}, &out)
	return out.CreateCampaign
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

// noSuchCampaign is a well-formed UUID no campaign has.
const noSuchCampaign = "6f1c1a9e-3b7d-4c2e-9a4f-0d2b8e5c7a11"

// numbered is n rows with emails prefix0000@example.com and on.
func numbered(prefix string, n int) []map[string]any {
	rows := make([]map[string]any, n)
	for i := range rows {
		rows[i] = map[string]any{"email": fmt.Sprintf("%s%04d@example.com", prefix, i)}
	}
	return rows
}

// channelRow is one valid row of a campaign of the channel.
func channelRow(channel string, i int) map[string]any {
	if channel == "LINKEDIN" {
		return map[string]any{"linkedinUrl": fmt.Sprintf("https://www.linkedin.com/in/person-%d", i)}
	}
	return map[string]any{"email": fmt.Sprintf("person-%d@example.com", i)}
}

// tryAdd is add for any goroutine.
func (a *api) tryAdd(campaignID string, rows []map[string]any, dryRun bool) (addResult, error) {
	var out struct {
		AddProspects addResult `json:"addProspects"`
	}
	err := a.try(addMutation, map[string]any{"c": campaignID, "rows": rows, "dry": dryRun}, &out)
	return out.AddProspects, err
}

// seedCampaign creates a campaign holding the given rows.
func seedCampaign(t testing.TB, a *api, channel string, rows []map[string]any) string {
	t.Helper()
	c := a.createCampaign(channel)
	if len(rows) > 0 {
		res := a.add(c, rows, false)
		if len(res.UserErrors) > 0 || res.Imported+res.Duplicates != len(rows) {
			t.Fatalf("seed: %+v", res)
		}
	}
	requireStatsMatchRoster(t, c)
	return c
}

// pathTo is the way from DRAFT to each status.
var pathTo = map[string][]string{
	"DRAFT":     {},
	"LAUNCHING": {"LAUNCHING"},
	"ACTIVE":    {"LAUNCHING", "ACTIVE"},
	"PAUSED":    {"LAUNCHING", "ACTIVE", "PAUSED"},
	"COMPLETED": {"LAUNCHING", "ACTIVE", "COMPLETED"},
}

// campaignIn creates a campaign with n prospects and moves it to status.
func campaignIn(a *api, channel, status string, n int) (string, []prospect) {
	a.t.Helper()
	c := a.createCampaign(channel)
	var ps []prospect
	if n > 0 {
		rows := make([]map[string]any, n)
		for i := range rows {
			rows[i] = channelRow(channel, i)
		}
		res := a.add(c, rows, false)
		if res.Imported != n {
			a.t.Fatalf("add: %+v", res)
		}
		ps = res.Prospects
	}
	moveCampaign(a, c, pathTo[status]...)
	return c, ps
}

// moveCampaign transitions a campaign along path, each step of which must succeed.
func moveCampaign(a *api, c string, path ...string) {
	a.t.Helper()
	for _, to := range path {
		got, errs := a.transition(c, to)
		if len(errs) != 0 || got == nil || got.Status != to {
			a.t.Fatalf("transition to %s: %+v %+v", to, got, errs)
		}
	}
}

// launchCampaign moves a DRAFT campaign to ACTIVE.
func launchCampaign(t testing.TB, a *api, campaignID string) {
	t.Helper()
	moveCampaign(a.on(t), campaignID, "LAUNCHING", "ACTIVE")
}

// removeResult is removeProspects' and clearProspects' payload.
type removeResult struct {
	Removed    int         `json:"removed"`
	Campaign   *campaign   `json:"campaign"`
	UserErrors []userError `json:"userErrors"`
}

// removeProspects runs removeProspects and returns its payload.
func removeProspects(a *api, c string, ids []string) removeResult {
	a.t.Helper()
	if ids == nil {
		ids = []string{}
	}
	var out struct {
		RemoveProspects removeResult `json:"removeProspects"`
	}
	a.query(`mutation($c: UUID!, $ids: [UUID!]!) { removeProspects(campaignId: $c, ids: $ids) {
		removed campaign { `+campaignFields+` } userErrors { code message field index } } }`,
		map[string]any{"c": c, "ids": ids}, &out)
	return out.RemoveProspects
}

// requireRemoved removes ids, which must all go.
func requireRemoved(t testing.TB, a *api, campaignID string, ids ...string) {
	t.Helper()
	if res := removeProspects(a.on(t), campaignID, ids); res.Removed != len(ids) || len(res.UserErrors) != 0 {
		t.Fatalf("remove %d: %+v", len(ids), res)
	}
}

// clearRoster runs clearProspects and returns its payload.
func clearRoster(a *api, c string) removeResult {
	a.t.Helper()
	var out struct {
		ClearProspects removeResult `json:"clearProspects"`
	}
	a.query(`mutation($c: UUID!) { clearProspects(campaignId: $c) {
		removed campaign { `+campaignFields+` } userErrors { code message field index } } }`,
		map[string]any{"c": c}, &out)
	return out.ClearProspects
}

// getProspect re-reads a prospect through the API.
func getProspect(a *api, c, id string) *prospect {
	a.t.Helper()
	var out struct {
		Prospect *prospect `json:"prospect"`
	}
	a.query(`query($c: UUID!, $id: UUID!) { prospect(campaignId: $c, id: $id) { `+prospectFields+` } }`,
		map[string]any{"c": c, "id": id}, &out)
	return out.Prospect
}

// getCampaign re-reads a campaign, with its timestamps, through the API;
// nil when the API says there is none.
func getCampaign(a *api, c string) *datedCampaign {
	a.t.Helper()
	var out struct {
		Campaign *datedCampaign `json:"campaign"`
	}
	a.query(`query($id: UUID!) { campaign(id: $id) { `+campaignFields+` createdAt updatedAt } }`,
		map[string]any{"id": c}, &out)
	return out.Campaign
}

// campaignOf reads a campaign, which must exist, in test t.
func campaignOf(t testing.TB, a *api, campaignID string) campaign {
	t.Helper()
	c := getCampaign(a.on(t), campaignID)
	if c == nil {
		t.Fatalf("campaign %s not found", campaignID)
	}
	return c.campaign
}

// listAll reads the whole roster in listing order, 200 at a time.
func listAll(t testing.TB, a *api, campaignID string) []prospect {
	t.Helper()
	var all []prospect
	var after any
	for {
		var out struct {
			Prospects struct {
				Nodes    []prospect `json:"nodes"`
				PageInfo struct {
					HasNextPage bool    `json:"hasNextPage"`
					EndCursor   *string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"prospects"`
		}
		a.on(t).query(`query($c: UUID!, $after: Cursor) { prospects(campaignId: $c, limit: 200, after: $after) {
			nodes { `+prospectFields+` } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"c": campaignID, "after": after}, &out)
		all = append(all, out.Prospects.Nodes...)
		if !out.Prospects.PageInfo.HasNextPage {
			return all
		}
		after = *out.Prospects.PageInfo.EndCursor
	}
}

// emailsOf is the prospects' emails, "<nil>" for none.
func emailsOf(ps []prospect) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = deref(p.Email)
	}
	return out
}

// deref is *s, "<nil>" for nil.
func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func ptr[T any](v T) *T { return &v }

// requireOneError requires exactly one userError, of code, at field (none
// when field is empty).
func requireOneError(t testing.TB, errs []userError, code string, field ...string) userError {
	t.Helper()
	e := requireOneCode(t, errs, code)
	if !slices.Equal(e.Field, field) {
		t.Fatalf("userError %+v, want code %s field %q", e, code, field)
	}
	return e
}

// requireOneCode requires exactly one userError, of code, wherever it
// points (the contract does not say which input such an error points at).
func requireOneCode(t testing.TB, errs []userError, code string) userError {
	t.Helper()
	if len(errs) != 1 || errs[0].Code != code || strings.TrimSpace(errs[0].Message) == "" {
		t.Fatalf("userErrors %+v, want one %s", errs, code)
	}
	return errs[0]
}

func requireNoErrors(t testing.TB, errs []userError) {
	t.Helper()
	if len(errs) != 0 {
		t.Fatalf("unexpected userErrors %+v", errs)
	}
}

// createIDMutation is createCampaign asking for the id and codes alone.
const createIDMutation = `mutation($in: CreateCampaignInput!) { createCampaign(input: $in) { campaign { id } userErrors { code } } }`

// requireWroteNothing checks a refused payload: zero counts, empty lists,
// and the roster (SQL and stats) as it was.
func requireWroteNothing(t testing.TB, a *api, res addResult, campaignID string, rosterBefore int) {
	t.Helper()
	if res.Imported != 0 || res.Duplicates != 0 || len(res.Prospects) != 0 || len(res.DuplicateRows) != 0 {
		t.Fatalf("refused payload has counts or lists: imported %d duplicates %d prospects %d duplicateRows %d",
			res.Imported, res.Duplicates, len(res.Prospects), len(res.DuplicateRows))
	}
	if res.Prospects == nil || res.DuplicateRows == nil {
		t.Fatalf("refused payload's lists must be empty lists, not null: %+v", res)
	}
	if n := rosterCount(t, campaignID); n != rosterBefore {
		t.Fatalf("roster holds %d rows after a refused add, want %d", n, rosterBefore)
	}
	if got := campaignOf(t, a, campaignID).Stats["total"]; got != rosterBefore {
		t.Fatalf("stats total %d after a refused add, want %d", got, rosterBefore)
	}
	requireStatsMatchRoster(t, campaignID)
}

// rowWant is an expected userError of a bad row.
type rowWant struct {
	index int
	field string
}

// requireRowErrors checks the userErrors of a batch with bad rows: one
// BAD_USER_INPUT per (row, field) wanted, with its index, its path and a
// message naming the row, reported in row order.
func requireRowErrors(t testing.TB, res addResult, want []rowWant) {
	t.Helper()
	if len(res.UserErrors) != len(want) {
		t.Fatalf("got %d userErrors, want %d: %+v", len(res.UserErrors), len(want), res.UserErrors)
	}
	got := make([]rowWant, len(res.UserErrors))
	for i, e := range res.UserErrors {
		if e.Code != "BAD_USER_INPUT" {
			t.Fatalf("userErrors[%d] code %s, want BAD_USER_INPUT: %+v", i, e.Code, e)
		}
		if e.Index == nil || len(e.Field) != 3 || e.Field[0] != "prospects" || e.Field[1] != strconv.Itoa(*e.Index) {
			t.Fatalf("userErrors[%d] has index %v and field %v", i, e.Index, e.Field)
		}
		if !strings.Contains(e.Message, fmt.Sprintf("prospects[%d]", *e.Index)) {
			t.Fatalf("userErrors[%d] message %q does not name prospects[%d]", i, e.Message, *e.Index)
		}
		if i > 0 && *e.Index < *res.UserErrors[i-1].Index {
			t.Fatalf("userErrors are not in row order: %+v", res.UserErrors)
		}
		got[i] = rowWant{*e.Index, e.Field[2]}
	}
	cmp := func(x, y rowWant) int {
		if x.index != y.index {
			return x.index - y.index
		}
		return strings.Compare(x.field, y.field)
	}
	want = slices.Clone(want)
	slices.SortFunc(got, cmp)
	slices.SortFunc(want, cmp)
	if !slices.Equal(got, want) {
		t.Fatalf("userErrors at %v, want %v (%+v)", got, want, res.UserErrors)
	}
}

type updateResult struct {
	Prospect   *prospect   `json:"prospect"`
	UserErrors []userError `json:"userErrors"`
}

const updateMutation = `mutation($c: UUID!, $id: UUID!, $in: ProspectPatch!) {
	updateProspect(campaignId: $c, id: $id, input: $in) {
		prospect { ` + prospectFields + ` } userErrors { code message field index } } }`

// patchProspect runs updateProspect with the patch as a variable, so that a key
// absent from in is omitted and a key holding nil is an explicit null.
func patchProspect(a *api, c, id string, in map[string]any) updateResult {
	a.t.Helper()
	var out struct {
		UpdateProspect updateResult `json:"updateProspect"`
	}
	a.query(updateMutation, map[string]any{"c": c, "id": id, "in": in}, &out)
	return out.UpdateProspect
}

// requireUTC checks an RFC 3339 timestamp in UTC and returns it.
func requireUTC(t testing.TB, what, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("%s %q is not RFC 3339: %v", what, s, err)
	}
	if !strings.HasSuffix(s, "Z") || ts.Location() != time.UTC {
		t.Fatalf("%s %q is not in UTC", what, s)
	}
	if ts.IsZero() || ts.Year() < 2000 {
		t.Fatalf("%s %q is not a real time", what, s)
	}
	return ts
}

var statKeys = []string{"total", "pending", "sent", "connectionSent", "connected", "messageSent",
	"replied", "bounced", "completed", "timedOut", "cancelled", "inFlight", "terminal"}

func requireAllPending(t testing.TB, got map[string]int, total int) {
	t.Helper()
	for _, k := range statKeys {
		want := 0
		if k == "total" || k == "pending" {
			want = total
		}
		if v, ok := got[k]; !ok || v != want {
			t.Fatalf("stats %v: %s = %d, want %d (all PENDING)", got, k, v, want)
		}
	}
}

// addIDs adds rows that must all be imported and returns their ids.
func addIDs(a *api, c string, rows ...map[string]any) []string {
	a.t.Helper()
	res := a.add(c, rows, false)
	if len(res.UserErrors) > 0 || res.Imported != len(rows) {
		a.t.Fatalf("add: imported %d of %d, %+v", res.Imported, len(rows), res.UserErrors)
	}
	ids := make([]string, len(res.Prospects))
	for i, p := range res.Prospects {
		ids[i] = p.ID
	}
	return ids
}
