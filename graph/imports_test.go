package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Tests of addProspects' options and idempotency keys (SPEC §12), over the
// real handler and database. The suppression list's own rules (§11) are
// in suppressions_test.go.

// importResult is addProspects' payload with part imports' fields.
type importResult struct {
	addResult
	Skipped          int         `json:"skipped"`
	SkippedRows      []skipRow   `json:"skippedRows"`
	Updated          int         `json:"updated"`
	UpdatedProspects []prospect  `json:"updatedProspects"`
	Replayed         bool        `json:"replayed"`
	UserErrors       []userError `json:"userErrors"`
}

type skipRow struct {
	Index       int    `json:"index"`
	Identity    string `json:"identity"`
	Reason      string `json:"reason"`
	Suppression *struct {
		ID         string `json:"id"`
		Kind       string `json:"kind"`
		Normalized string `json:"normalized"`
	} `json:"suppression"`
	Campaign *struct {
		ID string `json:"id"`
	} `json:"campaign"`
}

const importMutation = `mutation($c: UUID!, $rows: [ProspectInput!]!, $dry: Boolean, $o: AddProspectsOptions, $key: String) {
	addProspects(campaignId: $c, prospects: $rows, dryRun: $dry, options: $o, idempotencyKey: $key) {
		imported duplicates skipped updated replayed dryRun
		prospects { ` + prospectFields + ` }
		duplicateRows { index identity reason prospect { ` + prospectFields + ` } }
		skippedRows { index identity reason suppression { id kind normalized } campaign { id } }
		updatedProspects { ` + prospectFields + ` }
		campaign { ` + campaignFields + ` }
		userErrors { code message field index }
	}
}`

// importVars are importMutation's variables; nil options and key are left out.
func importVars(c string, rows []map[string]any, dry bool, options map[string]any, key *string) map[string]any {
	vars := map[string]any{"c": c, "rows": rows, "dry": dry}
	if options != nil {
		vars["o"] = options
	}
	if key != nil {
		vars["key"] = *key
	}
	return vars
}

// addWith runs addProspects with options and a key.
func (a *api) addWith(c string, rows []map[string]any, dry bool, options map[string]any, key *string) importResult {
	a.t.Helper()
	var out struct {
		AddProspects importResult `json:"addProspects"`
	}
	a.query(importMutation, importVars(c, rows, dry, options, key), &out)
	return out.AddProspects
}

// requireSums checks imported + duplicates + skipped = rows (SPEC §12).
func requireSums(t *testing.T, res importResult, rows int) {
	t.Helper()
	if len(res.UserErrors) != 0 {
		t.Fatalf("userErrors %+v", res.UserErrors)
	}
	if res.Imported+res.Duplicates+res.Skipped != rows || res.Skipped != len(res.SkippedRows) ||
		res.Duplicates != len(res.DuplicateRows) {
		t.Fatalf("imported %d + duplicates %d (%d rows) + skipped %d (%d rows) != %d rows",
			res.Imported, res.Duplicates, len(res.DuplicateRows), res.Skipped, len(res.SkippedRows), rows)
	}
}

func key(s string) *string { return &s }

// addsAtOnce sends addProspects with each of vars at the same time and
// returns their payloads, in vars' order.
func addsAtOnce(t *testing.T, a *api, vars ...map[string]any) []importResult {
	t.Helper()
	results := make([]importResult, len(vars))
	errs := make([]error, len(vars))
	var wg sync.WaitGroup
	for i, v := range vars {
		wg.Go(func() {
			var out struct {
				AddProspects importResult `json:"addProspects"`
			}
			errs[i] = a.try(importMutation, v, &out)
			results[i] = out.AddProspects
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return results
}

// TestAddOtherCampaigns: otherCampaigns skips a row whose required identity
// is on another of the owner's campaigns with the same channel, counting
// LAUNCHING, ACTIVE and PAUSED ones (SKIP_IF_LIVE) or any (SKIP_IF_ANY),
// naming the oldest such campaign; IGNORE (the default) looks nowhere; a
// campaign of the other channel or of another owner never counts; a row
// on the roster is ALREADY_ON_ROSTER first.
func TestAddOtherCampaigns(t *testing.T) {
	t.Parallel()
	// setup gives an owner of its own: draft1 (DRAFT, the oldest) and live
	// (ACTIVE) both hold shared@; a LINKEDIN campaign captures an email;
	// another owner holds stranger@.
	setup := func(t *testing.T) (a *api, draft1, live string) {
		a = newAPI(t)
		draft1 = seedCampaign(t, a, "EMAIL", emails("shared@x.com", "draftonly@x.com"))
		live = seedCampaign(t, a, "EMAIL", emails("shared@x.com", "liveonly@x.com"))
		for _, to := range []string{"LAUNCHING", "ACTIVE"} {
			if _, ue := a.transition(live, to); len(ue) > 0 {
				t.Fatal(ue)
			}
		}
		seedCampaign(t, a, "LINKEDIN", []map[string]any{{"linkedinUrl": "linkedin.com/in/someone", "email": "captured@x.com"}})
		seedCampaign(t, newAPI(t), "EMAIL", emails("stranger@x.com"))
		return a, draft1, live
	}
	rows := emails("SHARED@x.com", "draftonly@x.com", "liveonly@x.com", "captured@x.com", "stranger@x.com", "fresh@x.com", "shared@x.com", "onroster@x.com")
	for _, tc := range []struct {
		policy  string
		skipped func(draft1, live string) map[int]string // row → the campaign that holds it
	}{
		{"IGNORE", func(string, string) map[int]string { return map[int]string{} }},
		{"SKIP_IF_LIVE", func(_, live string) map[int]string { return map[int]string{0: live, 2: live} }},
		{"SKIP_IF_ANY", func(draft1, live string) map[int]string { return map[int]string{0: draft1, 1: draft1, 2: live} }},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			t.Parallel()
			a, draft1, live := setup(t)
			skipped := tc.skipped(draft1, live)
			for _, dry := range []bool{true, false} {
				c := seedCampaign(t, a, "EMAIL", emails("onroster@x.com"))
				res := a.addWith(c, rows, dry, map[string]any{"otherCampaigns": tc.policy}, nil)
				requireSums(t, res, len(rows))
				if len(res.SkippedRows) != len(skipped) {
					t.Fatalf("dry %v: skippedRows %+v, want rows %v", dry, res.SkippedRows, skipped)
				}
				for _, s := range res.SkippedRows {
					holder, ok := skipped[s.Index]
					if !ok || s.Reason != "IN_OTHER_CAMPAIGN" || s.Campaign == nil || s.Campaign.ID != holder ||
						s.Suppression != nil || s.Identity != strings.ToLower(rows[s.Index]["email"].(string)) {
						t.Fatalf("dry %v: skipped row %+v, want campaign %s", dry, s, holder)
					}
				}
				// Row 6 repeats row 0: IN_BATCH, its prospect null when
				// row 0 was skipped (or on a dry run); row 7 is on the roster.
				var reasons []string
				for _, d := range res.DuplicateRows {
					reasons = append(reasons, fmt.Sprintf("%d:%s:%v", d.Index, d.Reason, d.Prospect != nil))
				}
				_, firstSkipped := skipped[0]
				want := []string{fmt.Sprintf("6:IN_BATCH:%v", !firstSkipped && !dry), "7:ALREADY_ON_ROSTER:true"}
				if !slices.Equal(reasons, want) {
					t.Fatalf("dry %v: duplicateRows %v, want %v", dry, reasons, want)
				}
				wantImported := 6 - len(skipped)
				if res.Imported != wantImported {
					t.Fatalf("dry %v: imported %d, want %d", dry, res.Imported, wantImported)
				}
				if got := rosterCount(t, c); dry && got != 1 || !dry && got != 1+wantImported {
					t.Fatalf("dry %v: the roster holds %d", dry, got)
				}
				requireStatsMatchRoster(t, c)
			}
		})
	}
	t.Run("from the older campaign", func(t *testing.T) {
		t.Parallel()
		a, draft1, live := setup(t)
		res := a.addWith(draft1, emails("liveonly@x.com", "shared@x.com"), false, map[string]any{"otherCampaigns": "SKIP_IF_LIVE"}, nil)
		requireSums(t, res, 2)
		if res.Skipped != 1 || res.SkippedRows[0].Index != 0 || res.SkippedRows[0].Campaign.ID != live ||
			res.Duplicates != 1 || res.DuplicateRows[0].Reason != "ALREADY_ON_ROSTER" {
			t.Fatalf("from draft1: %+v", res)
		}
	})
}

// TestAddSkipIfAnyRace: concurrent adds of one identity into two campaigns
// of one owner with SKIP_IF_ANY never both import it (the owner's lock,
// db.lockOwnerIdentities), and each call's counts add up.
func TestAddSkipIfAnyRace(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	for round := range 8 {
		c1, c2 := a.createCampaign("EMAIL"), a.createCampaign("EMAIL")
		rows := numbered(fmt.Sprintf("race%d-", round), 50)
		results := addsAtOnce(t, a,
			importVars(c1, rows, false, map[string]any{"otherCampaigns": "SKIP_IF_ANY"}, nil),
			importVars(c2, rows, false, map[string]any{"otherCampaigns": "SKIP_IF_ANY"}, nil))
		for _, res := range results {
			requireSums(t, res, len(rows))
		}
		both := sqlInt(t, `SELECT count(*) FROM (
			SELECT identity FROM prospects WHERE campaign_id IN (?, ?) GROUP BY identity HAVING count(*) > 1) d`, c1, c2)
		if both != 0 || results[0].Imported+results[1].Imported != len(rows) {
			t.Fatalf("round %d: %d identities on both rosters; imported %d and %d", round, both, results[0].Imported, results[1].Imported)
		}
	}
}

// TestAddMergeOnDuplicate: onDuplicate: UPDATE merges an ALREADY_ON_ROSTER
// row into the roster's prospect (SPEC §12): non-blank texts replace, the
// required identity stays as stored, a valid other identity is set,
// customFields merge key by key (the row's win, its nulls are ignored, no
// key is removed), status and createdAt stay, updatedAt moves only on a
// change; IN_BATCH rows never merge; a dry run counts the same and writes
// nothing; a merge past 4096 bytes refuses the batch.
func TestAddMergeOnDuplicate(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := seedCampaign(t, a, "EMAIL", []map[string]any{
		{"email": "Jane@X.com", "firstName": "Jane", "company": "Old Co", "customFields": map[string]any{"a": 1, "b": "keep", "n": "x"}},
		{"email": "same@x.com", "firstName": "Same", "customFields": map[string]any{"k": "v"}},
	})
	before := listAll(t, a, c)
	sqlExec(t, `UPDATE prospects SET status = 'sent' WHERE campaign_id = ? AND identity = 'jane@x.com'`, c)
	rows := []map[string]any{
		{"email": "JANE@x.com", "firstName": "  ", "lastName": "Doe", "company": "New Co", "linkedinUrl": "linkedin.com/in/jane",
			"customFields": map[string]any{"a": 2, "n": nil, "c": []any{1}}},
		{"email": "jane@x.com", "lastName": "Ignored"}, // IN_BATCH: never merged
		{"email": "same@x.com", "firstName": "Same", "customFields": map[string]any{"k": "v"}},
		{"email": "new@x.com"},
	}
	opts := map[string]any{"onDuplicate": "UPDATE"}

	dry := a.addWith(c, rows, true, opts, nil)
	requireSums(t, dry, len(rows))
	if dry.Updated != 1 || len(dry.UpdatedProspects) != 0 || dry.Imported != 1 {
		t.Fatalf("dry run: updated %d (%d listed), imported %d", dry.Updated, len(dry.UpdatedProspects), dry.Imported)
	}
	if after := listAll(t, a, c); len(after) != 2 || deref(after[0].LastName) != "<nil>" {
		t.Fatalf("a dry run wrote: %+v", after)
	}

	res := a.addWith(c, rows, false, opts, nil)
	requireSums(t, res, len(rows))
	if res.Updated != 1 || len(res.UpdatedProspects) != 1 || res.Imported != 1 || res.Duplicates != 3 {
		t.Fatalf("updated %d imported %d duplicates %d", res.Updated, res.Imported, res.Duplicates)
	}
	got := res.UpdatedProspects[0]
	old := before[0]
	if got.ID != old.ID || deref(got.Email) != "Jane@X.com" || deref(got.FirstName) != "Jane" || deref(got.LastName) != "Doe" ||
		deref(got.Company) != "New Co" || deref(got.LinkedinURL) != "linkedin.com/in/jane" || got.Status != "SENT" ||
		got.CreatedAt != old.CreatedAt || got.UpdatedAt == old.UpdatedAt {
		t.Fatalf("merged prospect %+v (was %+v)", got, old)
	}
	if fmt.Sprint(got.CustomFields) != fmt.Sprint(map[string]any{"a": 2.0, "b": "keep", "c": []any{1.0}, "n": "x"}) {
		t.Fatalf("merged customFields %v", got.CustomFields)
	}
	// Every duplicate row points at the prospect as it is now.
	for _, d := range res.DuplicateRows {
		if d.Index <= 1 && (d.Prospect == nil || d.Prospect.ID != old.ID || deref(d.Prospect.LastName) != "Doe") {
			t.Fatalf("duplicate row %+v", d)
		}
	}
	after := listAll(t, a, c)
	if len(after) != 3 || after[1].UpdatedAt != before[1].UpdatedAt || deref(after[0].LastName) != "Doe" {
		t.Fatalf("roster after the merge: %+v", after)
	}
	requireStatsMatchRoster(t, c)

	// The same rows again change nothing: updated 0, updatedAt stays.
	again := a.addWith(c, rows, false, opts, nil)
	requireSums(t, again, len(rows))
	if again.Updated != 0 || len(again.UpdatedProspects) != 0 || listAll(t, a, c)[0].UpdatedAt != after[0].UpdatedAt {
		t.Fatalf("a merge that changes nothing: %+v", again)
	}

	// A merge past the custom-fields limit refuses the whole batch.
	big := map[string]any{"big": strings.Repeat("x", 4080)} // 4090 bytes alone, over 4096 merged
	refused := a.addWith(c, []map[string]any{{"email": "fresh@x.com"}, {"email": "jane@x.com", "customFields": big}}, false, opts, nil)
	if len(refused.UserErrors) != 1 || refused.UserErrors[0].Code != "BAD_USER_INPUT" || refused.UserErrors[0].Index == nil ||
		*refused.UserErrors[0].Index != 1 || !slices.Equal(refused.UserErrors[0].Field, []string{"prospects", "1", "customFields"}) {
		t.Fatalf("over the limit: %+v", refused.UserErrors)
	}
	if n := rosterCount(t, c); n != 3 {
		t.Fatalf("a refused merge wrote: %d rows", n)
	}
}

// TestIdempotencyKeys: SPEC §12's keys on addProspects and createCampaign.
func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := seedCampaign(t, a, "EMAIL", emails("there@x.com"))
	rows := emails("a@x.com", "there@x.com", "a@x.com", "b@x.com")

	first := a.addWith(c, rows, false, nil, key("k-1"))
	requireSums(t, first, len(rows))
	if first.Replayed || first.Imported != 2 {
		t.Fatalf("first call: %+v", first)
	}
	// The same arguments, spelled otherwise (explicit default options).
	replay := a.addWith(c, rows, false, map[string]any{"onDuplicate": "SKIP", "skipSuppressed": true}, key("k-1"))
	requireSums(t, replay, len(rows))
	if !replay.Replayed || replay.Imported != 2 || replay.Duplicates != 2 || rosterCount(t, c) != 3 {
		t.Fatalf("replay: %+v (roster %d)", replay, rosterCount(t, c))
	}
	idsOf := func(ps []prospect) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	if !slices.Equal(idsOf(replay.Prospects), idsOf(first.Prospects)) {
		t.Fatalf("replayed prospects %v, first %v", idsOf(replay.Prospects), idsOf(first.Prospects))
	}
	for i, d := range replay.DuplicateRows {
		f := first.DuplicateRows[i]
		if d.Index != f.Index || d.Reason != f.Reason || d.Prospect == nil || d.Prospect.ID != f.Prospect.ID {
			t.Fatalf("replayed duplicate %+v, first %+v", d, f)
		}
	}
	// Other arguments under the key: IDEMPOTENCY_KEY_REUSED, nothing runs.
	for name, vars := range map[string]map[string]any{
		"other rows":    importVars(c, emails("a@x.com"), false, nil, key("k-1")),
		"other options": importVars(c, rows, false, map[string]any{"onDuplicate": "UPDATE"}, key("k-1")),
	} {
		var out struct {
			AddProspects importResult `json:"addProspects"`
		}
		a.query(importMutation, vars, &out)
		if ue := out.AddProspects.UserErrors; len(ue) != 1 || ue[0].Code != "IDEMPOTENCY_KEY_REUSED" ||
			!slices.Equal(ue[0].Field, []string{"idempotencyKey"}) {
			t.Fatalf("%s: %+v", name, ue)
		}
	}
	// A prospect removed since is left out of the replay's lists.
	sqlExec(t, `DELETE FROM prospects WHERE id = ?`, first.Prospects[0].ID)
	replay = a.addWith(c, rows, false, nil, key("k-1"))
	if !replay.Replayed || replay.Imported != 2 || len(replay.Prospects) != 1 || replay.Prospects[0].ID != first.Prospects[1].ID {
		t.Fatalf("replay after a removal: %+v", replay)
	}
	// The key is the owner's: another owner's call with it runs.
	b := newAPI(t)
	cb := b.createCampaign("EMAIL")
	if res := b.addWith(cb, rows, false, nil, key("k-1")); res.Replayed || res.Imported != 3 {
		t.Fatalf("another owner's call: %+v", res)
	}

	// Bad keys are refused, dry run or not; a dry run ignores a good key.
	for _, bad := range []string{"", "has space", "é", strings.Repeat("k", 256), "tab\t"} {
		for _, dry := range []bool{false, true} {
			res := a.addWith(c, emails("z@x.com"), dry, nil, key(bad))
			if len(res.UserErrors) != 1 || res.UserErrors[0].Code != "BAD_USER_INPUT" ||
				!slices.Equal(res.UserErrors[0].Field, []string{"idempotencyKey"}) {
				t.Fatalf("key %q dry %v: %+v", bad, dry, res.UserErrors)
			}
		}
	}
	if res := a.addWith(c, emails("dry@x.com"), true, nil, key("k-dry")); res.Replayed || len(res.UserErrors) != 0 {
		t.Fatalf("dry run with a key: %+v", res)
	}
	if res := a.addWith(c, emails("dry@x.com"), false, nil, key("k-dry")); res.Replayed || res.Imported != 1 {
		t.Fatalf("a dry run stored its key: %+v", res)
	}
	if long := strings.Repeat("~", 255); a.addWith(c, emails("long@x.com"), false, nil, key(long)).Imported != 1 {
		t.Fatal("a 255-character key was refused")
	}

	// A call refused with userErrors stores nothing: fixed, it runs.
	if res := a.addWith(c, []map[string]any{{"email": "not an email"}}, false, nil, key("k-bad")); len(res.UserErrors) != 1 {
		t.Fatalf("bad row: %+v", res)
	}
	if res := a.addWith(c, emails("fixed@x.com"), false, nil, key("k-bad")); res.Replayed || res.Imported != 1 {
		t.Fatalf("after a refused call: %+v", res)
	}

	// An expired key runs again, and calls storing keys purge expired ones.
	sqlExec(t, `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE owner = ?`, a.sub)
	if res := a.addWith(c, rows, false, nil, key("k-1")); res.Replayed {
		t.Fatalf("an expired key replayed: %+v", res)
	}
	if expired := sqlInt(t, `SELECT count(*) FROM idempotency_keys WHERE owner = ? AND expires_at < now()`, a.sub); expired != 0 {
		t.Fatalf("%d expired keys left after a call stored one", expired)
	}
}

// TestIdempotencyKeyConcurrent: two calls with one key at once: one runs,
// the other waits for it and replays its result.
func TestIdempotencyKeyConcurrent(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	for round := range 5 {
		c := a.createCampaign("EMAIL")
		rows := numbered(fmt.Sprintf("conc%d-", round), 200)
		k := key(fmt.Sprintf("conc-%d", round))
		vars := importVars(c, rows, false, nil, k)
		results := addsAtOnce(t, a, vars, vars)
		if results[0].Replayed == results[1].Replayed || results[0].Imported != 200 || results[1].Imported != 200 {
			t.Fatalf("round %d: replayed %v/%v imported %d/%d", round, results[0].Replayed, results[1].Replayed,
				results[0].Imported, results[1].Imported)
		}
		if n := rosterCount(t, c); n != 200 {
			t.Fatalf("round %d: roster holds %d", round, n)
		}
	}
}

// TestCreateCampaignIdempotencyKey: createCampaign replays its campaign.
func TestCreateCampaignIdempotencyKey(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	const m = `mutation($in: CreateCampaignInput!, $key: String) { createCampaign(input: $in, idempotencyKey: $key) {
		campaign { id name } replayed userErrors { code field } } }`
	type payload struct {
		CreateCampaign struct {
			Campaign *struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"campaign"`
			Replayed   bool        `json:"replayed"`
			UserErrors []userError `json:"userErrors"`
		} `json:"createCampaign"`
	}
	create := func(name, k string) payload {
		var out payload
		a.query(m, map[string]any{"in": map[string]any{"name": name, "channel": "EMAIL"}, "key": k}, &out)
		return out
	}
	first := create("Launch", "c-1")
	again := create("Launch", "c-1")
	if first.CreateCampaign.Campaign == nil || first.CreateCampaign.Replayed || !again.CreateCampaign.Replayed ||
		again.CreateCampaign.Campaign == nil || again.CreateCampaign.Campaign.ID != first.CreateCampaign.Campaign.ID {
		t.Fatalf("first %+v, again %+v", first, again)
	}
	if other := create("Other", "c-1"); len(other.CreateCampaign.UserErrors) != 1 ||
		other.CreateCampaign.UserErrors[0].Code != "IDEMPOTENCY_KEY_REUSED" || other.CreateCampaign.Campaign != nil {
		t.Fatalf("other input: %+v", other)
	}
	// The key is scoped to the mutation: addProspects may use it too.
	if res := a.addWith(first.CreateCampaign.Campaign.ID, emails("a@x.com"), false, nil, key("c-1")); res.Replayed || res.Imported != 1 {
		t.Fatalf("addProspects with createCampaign's key: %+v", res)
	}
	if n := sqlInt(t, `SELECT count(*) FROM campaigns WHERE owner = ?`, a.sub); n != 1 {
		t.Fatalf("%d campaigns made", n)
	}
}

// TestAddSuppressed: skipSuppressed (the default) skips a row whose email,
// its email's domain (or a parent domain) or its LinkedIn URL, required or
// captured, is on the caller's list, naming the entry (EMAIL, then
// LINKEDIN, then the longest DOMAIN); a lookalike domain never matches;
// another owner's list never applies; a row on the roster is
// ALREADY_ON_ROSTER first; skipSuppressed: false imports them all.
func TestAddSuppressed(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	// Seeded before the list holds onroster@x.com (else it is skipped).
	seeded := []string{seedCampaign(t, a, "EMAIL", emails("onroster@x.com")), seedCampaign(t, a, "EMAIL", emails("onroster@x.com"))}
	newAPI(t).suppress(false, "stranger@x.com") // another owner's entry
	list := a.suppress(false, "acme.com", "eu.acme.com", "boss@eu.acme.com", "linkedin.com/in/capt", "linkedin.com/in/both", "both@x.com", "onroster@x.com")
	entry := map[string]string{}
	for _, s := range list.Suppressions {
		entry[s.Normalized] = s.ID
	}
	rows := []map[string]any{
		{"email": "a@acme.com"},                                              // 0: DOMAIN acme.com
		{"email": "b@sales.eu.acme.com"},                                     // 1: the longest DOMAIN, eu.acme.com
		{"email": "BOSS@eu.acme.com"},                                        // 2: EMAIL before DOMAIN
		{"email": "c@notacme.com"},                                           // 3: a lookalike: imported
		{"email": "d@x.com", "linkedinUrl": "https://linkedin.com/in/capt/"}, // 4: the captured URL
		{"email": "both@x.com", "linkedinUrl": "linkedin.com/in/both"},       // 5: EMAIL before LINKEDIN
		{"email": "stranger@x.com"},                                          // 6: another owner's list: imported
		{"email": "onroster@x.com"},                                          // 7: on the roster first
		{"email": "a@ACME.com"},                                              // 8: IN_BATCH of a skipped row
	}
	want := map[int]string{0: "acme.com", 1: "eu.acme.com", 2: "boss@eu.acme.com", 4: "https://www.linkedin.com/in/capt", 5: "both@x.com"}
	for k, dry := range []bool{true, false} {
		c := seeded[k]
		res := a.addWith(c, rows, dry, nil, nil)
		requireSums(t, res, len(rows))
		if res.Imported != 2 || res.Skipped != len(want) || res.Duplicates != 2 {
			t.Fatalf("dry %v: imported %d skipped %d duplicates %d", dry, res.Imported, res.Skipped, res.Duplicates)
		}
		for _, s := range res.SkippedRows {
			norm, ok := want[s.Index]
			if !ok || s.Reason != "SUPPRESSED" || s.Suppression == nil || s.Suppression.ID != entry[norm] || s.Campaign != nil {
				t.Fatalf("dry %v: skipped row %+v, want the entry %s", dry, s, norm)
			}
		}
		if d := res.DuplicateRows; d[0].Index != 7 || d[0].Reason != "ALREADY_ON_ROSTER" || d[1].Index != 8 ||
			d[1].Reason != "IN_BATCH" || d[1].Prospect != nil {
			t.Fatalf("dry %v: duplicateRows %+v", dry, d)
		}
		if n := rosterCount(t, c); dry && n != 1 || !dry && n != 3 {
			t.Fatalf("dry %v: roster holds %d", dry, n)
		}
		requireStatsMatchRoster(t, c)
	}
	c := a.createCampaign("EMAIL")
	res := a.addWith(c, rows, false, map[string]any{"skipSuppressed": false}, nil)
	requireSums(t, res, len(rows))
	if res.Skipped != 0 || res.Imported != 8 {
		t.Fatalf("skipSuppressed false: imported %d skipped %d", res.Imported, res.Skipped)
	}
	// A LINKEDIN campaign: the captured email and its domain count too.
	li := a.createCampaign("LINKEDIN")
	res = a.addWith(li, []map[string]any{
		{"linkedinUrl": "linkedin.com/in/zed", "email": "zed@eu.acme.com"},
		{"linkedinUrl": "linkedin.com/in/capt"},
		{"linkedinUrl": "linkedin.com/in/free", "email": "free@x.com"},
	}, false, nil, nil)
	requireSums(t, res, 3)
	if res.Imported != 1 || res.Skipped != 2 || res.SkippedRows[0].Suppression.ID != entry["eu.acme.com"] ||
		res.SkippedRows[1].Suppression.ID != entry["https://www.linkedin.com/in/capt"] {
		t.Fatalf("LINKEDIN campaign: %+v", res.SkippedRows)
	}
}

// TestCapturedIdentityFollowsEdits: the captured identity the suppression
// list matches follows updateProspect: a new LinkedIn URL is matched, a
// cleared one no longer is.
func TestCapturedIdentityFollowsEdits(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := seedCampaign(t, a, "EMAIL", []map[string]any{
		{"email": "moved@x.com", "linkedinUrl": "linkedin.com/in/old-moved"},
		{"email": "cleared@x.com", "linkedinUrl": "linkedin.com/in/cleared"},
	})
	ps := listAll(t, a, c)
	patchProspect(a, c, ps[0].ID, map[string]any{"linkedinUrl": "linkedin.com/in/New-Moved"})
	patchProspect(a, c, ps[1].ID, map[string]any{"linkedinUrl": nil})
	res := a.suppress(true, "linkedin.com/in/old-moved", "linkedin.com/in/cleared")
	if res.RemovedProspects != 0 {
		t.Fatalf("old identities removed %d prospects", res.RemovedProspects)
	}
	res = a.suppress(true, "https://www.linkedin.com/in/new-moved")
	if res.RemovedProspects != 1 || rosterCount(t, c) != 1 {
		t.Fatalf("the new identity removed %d prospects; roster %d", res.RemovedProspects, rosterCount(t, c))
	}
}
