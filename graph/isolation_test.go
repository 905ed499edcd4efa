package graph_test

// Isolation (SPEC §3, §4): a subject sees and touches only its own campaigns,
// and a payload with userErrors wrote nothing.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// normalizedBody is a response with the given ids replaced by placeholders,
// so that the answers for a foreign id and a random one can be compared.
func normalizedBody(t testing.TB, r *response, ids map[string]string) string {
	t.Helper()
	errs, _ := json.Marshal(r.Errors)
	s := fmt.Sprintf("HTTP %d data %s errors %s", r.Status, r.Data, errs)
	for id, name := range ids {
		s = strings.ReplaceAll(s, id, name)
	}
	return s
}

func TestOwnershipIsolation(t *testing.T) {
	t.Parallel()
	owner := newAPI(t)
	c, ps := campaignIn(owner, "EMAIL", "DRAFT", 3)
	p := ps[0]
	before := ownerSnapshot(t, owner.sub)

	intruderSub := "intruder-" + uuid.NewString()
	intruder := asSubject(t, intruderSub)
	intruderC := intruder.createCampaign("EMAIL")
	ghostC, ghostP := uuid.NewString(), uuid.NewString()

	ops := []struct {
		name  string
		query string
		vars  func(c, p, own string) map[string]any
		// code is the userError (mutations) or error (queries) expected;
		// "" means the answer is a plain null or an empty result.
		code string
	}{
		{"campaign", `query($c: UUID!) { campaign(id: $c) { id name } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, ""},
		{"prospect", `query($c: UUID!, $p: UUID!) { prospect(campaignId: $c, id: $p) { id email } }`,
			func(c, p, _ string) map[string]any { return map[string]any{"c": c, "p": p} }, ""},
		{"prospect under the intruder's own campaign", `query($c: UUID!, $p: UUID!) { prospect(campaignId: $c, id: $p) { id email } }`,
			func(_, p, own string) map[string]any { return map[string]any{"c": own, "p": p} }, ""},
		{"prospects", `query($c: UUID!) { prospects(campaignId: $c) { totalCount nodes { id } } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, "NOT_FOUND"},
		{"prospects with a filter", `query($c: UUID!) { prospects(campaignId: $c, status: PENDING, limit: 5) { totalCount } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, "NOT_FOUND"},
		{"addProspects", `mutation($c: UUID!) { addProspects(campaignId: $c, prospects: [{email: "x@example.com"}]) {
			imported duplicates prospects { id } duplicateRows { index } campaign { id } userErrors { code message field index } } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, "NOT_FOUND"},
		{"addProspects dry run", `mutation($c: UUID!) { addProspects(campaignId: $c, prospects: [{email: "x@example.com"}], dryRun: true) {
			imported duplicates dryRun campaign { id } userErrors { code message field index } } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, "NOT_FOUND"},
		{"updateProspect", `mutation($c: UUID!, $p: UUID!) { updateProspect(campaignId: $c, id: $p, input: {firstName: "pwned"}) {
			prospect { id } userErrors { code message field index } } }`,
			func(c, p, _ string) map[string]any { return map[string]any{"c": c, "p": p} }, "NOT_FOUND"},
		{"updateProspect under the intruder's own campaign", `mutation($c: UUID!, $p: UUID!) { updateProspect(campaignId: $c, id: $p, input: {firstName: "pwned"}) {
			prospect { id } userErrors { code message field index } } }`,
			func(_, p, own string) map[string]any { return map[string]any{"c": own, "p": p} }, "NOT_FOUND"},
		{"removeProspects", `mutation($c: UUID!, $p: UUID!) { removeProspects(campaignId: $c, ids: [$p]) {
			removed campaign { id } userErrors { code message field index } } }`,
			func(c, p, _ string) map[string]any { return map[string]any{"c": c, "p": p} }, "NOT_FOUND"},
		{"removeProspects under the intruder's own campaign", `mutation($c: UUID!, $p: UUID!) { removeProspects(campaignId: $c, ids: [$p]) {
			removed userErrors { code message field index } } }`,
			func(_, p, own string) map[string]any { return map[string]any{"c": own, "p": p} }, ""},
		{"clearProspects", `mutation($c: UUID!) { clearProspects(campaignId: $c) {
			removed campaign { id } userErrors { code message field index } } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, "NOT_FOUND"},
		{"transitionCampaign", `mutation($c: UUID!) { transitionCampaign(id: $c, to: LAUNCHING) {
			campaign { id status } userErrors { code message field index } } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, "NOT_FOUND"},
		{"transitionCampaign to the same status", `mutation($c: UUID!) { transitionCampaign(id: $c, to: DRAFT) {
			campaign { id status } userErrors { code message field index } } }`,
			func(c, _, _ string) map[string]any { return map[string]any{"c": c} }, "NOT_FOUND"},
	}
	t.Run("ops", func(t *testing.T) {
		for _, op := range ops {
			t.Run(op.name, func(t *testing.T) {
				t.Parallel()
				b := asSubject(t, intruderSub)
				foreign := b.do(op.query, op.vars(c, p.ID, intruderC))
				ghost := b.do(op.query, op.vars(ghostC, ghostP, intruderC))
				names := map[string]string{c: "<campaign>", ghostC: "<campaign>", p.ID: "<prospect>", ghostP: "<prospect>"}
				f, g := normalizedBody(t, foreign, names), normalizedBody(t, ghost, names)
				if f != g {
					t.Fatalf("another subject's id and an unknown id are told apart:\nforeign %s\nunknown %s", f, g)
				}
				// Messages may name the ids the caller sent, nothing of the owner's.
				if strings.Contains(string(foreign.Data), "person-") || strings.Contains(string(foreign.Data), owner.sub) {
					t.Fatalf("the answer leaks the owner's data: %s", foreign.Data)
				}
				if foreign.Status != 200 {
					t.Fatalf("HTTP %d", foreign.Status)
				}
				raw := string(foreign.Data)
				switch {
				case strings.HasPrefix(op.name, "prospects"):
					if len(foreign.Errors) != 1 || foreign.Errors[0].Code() != "NOT_FOUND" {
						t.Fatalf("errors %+v, want one NOT_FOUND", foreign.Errors)
					}
				case op.code == "":
					if len(foreign.Errors) != 0 {
						t.Fatalf("errors %+v", foreign.Errors)
					}
					if strings.HasPrefix(op.name, "removeProspects") {
						if !strings.Contains(raw, `"removed":0`) || !strings.Contains(raw, `"userErrors":[]`) {
							t.Fatalf("data %s", raw)
						}
					} else if !strings.HasSuffix(raw, ":null}") {
						t.Fatalf("data %s, want null", raw)
					}
				default:
					if len(foreign.Errors) != 0 {
						t.Fatalf("errors %+v", foreign.Errors)
					}
					if !strings.Contains(raw, `"code":"`+op.code+`"`) {
						t.Fatalf("data %s, want a %s userError", raw, op.code)
					}
					for _, zero := range []string{`"campaign":{`, `"prospect":{`, `"imported":1`, `"removed":1`} {
						if strings.Contains(raw, zero) {
							t.Fatalf("data %s shows %s", raw, zero)
						}
					}
				}
			})
		}
	})

	t.Run("campaigns list", func(t *testing.T) {
		b := asSubject(t, intruderSub)
		var out struct {
			Campaigns struct {
				TotalCount int `json:"totalCount"`
				Nodes      []struct {
					ID string `json:"id"`
				} `json:"nodes"`
			} `json:"campaigns"`
		}
		for _, q := range []string{`{ campaigns { totalCount nodes { id } } }`, `{ campaigns(status: DRAFT, limit: 200) { totalCount nodes { id } } }`} {
			b.query(q, nil, &out)
			if out.Campaigns.TotalCount != 1 || len(out.Campaigns.Nodes) != 1 || out.Campaigns.Nodes[0].ID != intruderC {
				t.Fatalf("%s: intruder sees %+v; want only %s", q, out.Campaigns, intruderC)
			}
		}
	})

	requireUnchanged(t, owner.sub, before)
	// The owner still sees and edits everything.
	if got := getCampaign(owner, c); got == nil || got.Stats["total"] != 3 {
		t.Fatalf("owner's campaign %+v", got)
	}
	if got := getProspect(owner, c, p.ID); got == nil || got.FirstName != nil {
		t.Fatalf("owner's prospect %+v", got)
	}
	requireStatsMatchRoster(t, c)
}

func TestUserErrorsWriteNothing(t *testing.T) {
	t.Parallel()
	type setup struct {
		a  *api
		c  string
		ps []prospect
	}
	cases := []struct {
		name   string
		status string // the campaign's status before the call
		run    func(s setup) []userError
	}{
		{"createCampaign blank name", "DRAFT", func(s setup) []userError {
			r := s.a.create(" ", "EMAIL")
			if r.Campaign != nil {
				s.a.t.Fatalf("campaign %+v", r.Campaign)
			}
			return r.UserErrors
		}},
		{"addProspects good rows around a bad one", "DRAFT", func(s setup) []userError {
			rows := []map[string]any{{"email": "fine-1@example.com"}, {"email": "broken"}, {"email": "fine-2@example.com"}}
			r := s.a.add(s.c, rows, false)
			if r.Imported != 0 || r.Duplicates != 0 || len(r.Prospects) != 0 || len(r.DuplicateRows) != 0 {
				s.a.t.Fatalf("payload %+v", r)
			}
			return r.UserErrors
		}},
		{"addProspects duplicates beside a bad row", "DRAFT", func(s setup) []userError {
			rows := []map[string]any{{"email": "person-0@example.com"}, {"email": "new@example.com"}, {"email": "new@example.com"},
				{"email": "ok@example.com", "customFields": map[string]any{"bad key": 1}}}
			r := s.a.add(s.c, rows, false)
			if r.Imported != 0 || r.Duplicates != 0 || len(r.Prospects) != 0 || len(r.DuplicateRows) != 0 {
				s.a.t.Fatalf("payload %+v", r)
			}
			return r.UserErrors
		}},
		{"addProspects 1001 rows", "DRAFT", func(s setup) []userError {
			rows := make([]map[string]any, 1001)
			for i := range rows {
				rows[i] = map[string]any{"email": fmt.Sprintf("bulk-%d@example.com", i)}
			}
			r := s.a.add(s.c, rows, false)
			if r.Imported != 0 || len(r.Prospects) != 0 {
				s.a.t.Fatalf("payload imported %d", r.Imported)
			}
			return r.UserErrors
		}},
		{"addProspects frozen", "LAUNCHING", func(s setup) []userError {
			return s.a.add(s.c, emails("late@example.com"), false).UserErrors
		}},
		{"updateProspect duplicate", "DRAFT", func(s setup) []userError {
			return patchProspect(s.a, s.c, s.ps[0].ID, map[string]any{"firstName": "X", "email": "PERSON-1@example.com"}).UserErrors
		}},
		{"updateProspect bad custom fields", "DRAFT", func(s setup) []userError {
			return patchProspect(s.a, s.c, s.ps[0].ID, map[string]any{"lastName": "Y", "customFields": map[string]any{"x y": 1}}).UserErrors
		}},
		{"updateProspect frozen", "PAUSED", func(s setup) []userError {
			return patchProspect(s.a, s.c, s.ps[0].ID, map[string]any{"firstName": "X"}).UserErrors
		}},
		{"removeProspects 501 ids", "DRAFT", func(s setup) []userError {
			ids := []string{s.ps[0].ID, s.ps[1].ID}
			for len(ids) < 501 {
				ids = append(ids, uuid.NewString())
			}
			return removeProspects(s.a, s.c, ids).UserErrors
		}},
		{"removeProspects frozen", "ACTIVE", func(s setup) []userError {
			return removeProspects(s.a, s.c, []string{s.ps[0].ID}).UserErrors
		}},
		{"clearProspects frozen", "COMPLETED", func(s setup) []userError {
			return clearRoster(s.a, s.c).UserErrors
		}},
		{"transitionCampaign invalid", "DRAFT", func(s setup) []userError {
			_, errs := s.a.transition(s.c, "ACTIVE")
			return errs
		}},
		{"transitionCampaign back to DRAFT", "PAUSED", func(s setup) []userError {
			_, errs := s.a.transition(s.c, "DRAFT")
			return errs
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c, ps := campaignIn(a, "EMAIL", tc.status, 3)
			before := ownerSnapshot(t, a.sub)
			errs := tc.run(setup{a, c, ps})
			if len(errs) == 0 {
				t.Fatal("no userErrors")
			}
			requireUnchanged(t, a.sub, before)
			requireStatsMatchRoster(t, c)
		})
	}
	t.Run("transitionCampaign empty roster", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		a.createCampaign("EMAIL")
		c := a.createCampaign("LINKEDIN")
		before := ownerSnapshot(t, a.sub)
		if _, errs := a.transition(c, "LAUNCHING"); len(errs) != 1 {
			t.Fatalf("userErrors %+v", errs)
		}
		requireUnchanged(t, a.sub, before)
	})
}

// TestListVisibility: SPEC §3, another subject's campaign is exactly an
// unknown one.
func TestListVisibility(t *testing.T) {
	t.Parallel()
	alice := newAPI(t)
	bob := newAPI(t)
	if alice.sub == bob.sub {
		t.Fatal("the two clients share a subject")
	}
	ac := alice.createCampaign("EMAIL")
	aIDs := addN(t, alice, ac, 2, "alice")
	bc := bob.createCampaign("EMAIL")
	bIDs := addN(t, bob, bc, 2, "bob")
	unknown := uuid.Must(uuid.NewV7()).String()

	t.Run("Query.prospects is NOT_FOUND, same message", func(t *testing.T) {
		t.Parallel()
		e1 := requireTopError(t, alice.on(t).do(listQuery, listVars(bc, nil)), "prospects", "NOT_FOUND")
		e2 := requireTopError(t, alice.on(t).do(listQuery, listVars(unknown, nil)), "prospects", "NOT_FOUND")
		if e1.Message != e2.Message || e1.Message == "" {
			t.Fatalf("another subject's campaign says %q, an unknown one %q", e1.Message, e2.Message)
		}
		if strings.Contains(e1.Message, bc) {
			t.Fatalf("the message names the campaign: %q", e1.Message)
		}
		// With filters and a cursor too.
		cursor := listPage(t, bob, bc, nil).Edges[0].Cursor
		args := listArgs{"status": "PENDING", "stage": "QUEUED", "limit": 5, "after": cursor}
		e3 := requireTopError(t, alice.on(t).do(listQuery, listVars(bc, args)), "prospects", "NOT_FOUND")
		e4 := requireTopError(t, alice.on(t).do(listQuery, listVars(unknown, args)), "prospects", "NOT_FOUND")
		if e3.Message != e4.Message {
			t.Fatalf("another subject's campaign says %q, an unknown one %q", e3.Message, e4.Message)
		}
		// Bob still sees his own.
		if pg := listPage(t, bob, bc, nil); pg.TotalCount != 2 {
			t.Fatalf("bob's roster: %+v", pg)
		}
	})
	t.Run("Query.campaign is null", func(t *testing.T) {
		t.Parallel()
		for _, id := range []string{bc, unknown} {
			r := alice.on(t).do(`query($id: UUID!) { campaign(id: $id) { id name stats { total } prospects { totalCount } } }`, map[string]any{"id": id})
			if len(r.Errors) != 0 || string(r.Data) != `{"campaign":null}` {
				t.Fatalf("campaign %s: data %s errors %+v", id, r.Data, r.Errors)
			}
		}
		if got := campaignOf(t, alice, ac).Stats; got["total"] != 2 {
			t.Fatalf("alice's own campaign: %v", got)
		}
	})
	t.Run("Query.prospect is null", func(t *testing.T) {
		t.Parallel()
		cases := []struct{ name, campaign, id string }{
			{"bob's prospect on bob's campaign", bc, bIDs[0]},
			{"bob's prospect on alice's campaign", ac, bIDs[0]},
			{"alice's prospect on bob's campaign", bc, aIDs[0]},
			{"unknown prospect on alice's campaign", ac, unknown},
			{"alice's prospect on an unknown campaign", unknown, aIDs[0]},
			{"unknown and unknown", unknown, unknown},
		}
		for _, cs := range cases {
			r := alice.on(t).do(`query($c: UUID!, $id: UUID!) { prospect(campaignId: $c, id: $id) { id email } }`,
				map[string]any{"c": cs.campaign, "id": cs.id})
			if len(r.Errors) != 0 || string(r.Data) != `{"prospect":null}` {
				t.Fatalf("%s: data %s errors %+v", cs.name, r.Data, r.Errors)
			}
		}
		var out struct {
			Prospect *prospect `json:"prospect"`
		}
		alice.on(t).query(`query($c: UUID!, $id: UUID!) { prospect(campaignId: $c, id: $id) { `+prospectFields+` } }`,
			map[string]any{"c": ac, "id": aIDs[1]}, &out)
		if out.Prospect == nil || out.Prospect.ID != aIDs[1] || out.Prospect.CampaignID != ac || out.Prospect.Stage != "QUEUED" {
			t.Fatalf("alice's own prospect: %+v", out.Prospect)
		}
	})
}

func TestRenderTemplateOwnership(t *testing.T) {
	t.Parallel()
	alice, mallory := newAPI(t), newAPI(t)
	c := alice.createCampaign("EMAIL")
	id := addIDs(alice, c, map[string]any{"email": "jane@example.com", "firstName": "Jane"})[0]
	other := alice.createCampaign("EMAIL")
	const absent = "01900000-0000-7000-8000-000000000000"

	if got := renderOf(alice, c, id, "%first_name%"); got == nil || got.Text != "Jane" {
		t.Fatalf("the owner's render: %+v", got)
	}
	tests := []struct {
		name     string
		as       *api
		campaign string
		prospect string
	}{
		{"another subject's campaign", mallory, c, id},
		{"a prospect of another campaign", alice, other, id},
		{"an absent campaign", alice, absent, id},
		{"an absent prospect", alice, c, absent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.as.do(renderQuery, map[string]any{"c": tt.campaign, "p": tt.prospect, "t": "%first_name%"})
			if r.Status != http.StatusOK || len(r.Errors) > 0 || string(r.Data) != `{"renderTemplate":null}` {
				t.Fatalf("want renderTemplate null and no error, got HTTP %d %s %+v", r.Status, r.Data, r.Errors)
			}
		})
	}
}
