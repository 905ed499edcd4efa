package graph_test

// The frozen roster (SPEC §7): once a campaign leaves DRAFT, every roster
// mutation fails whole with ROSTER_FROZEN and writes nothing.

import "testing"

func TestRosterFrozen(t *testing.T) {
	t.Parallel()
	ops := []struct {
		name string
		run  func(a *api, c string, ps []prospect) (*campaign, []userError)
	}{
		{"addProspects", func(a *api, c string, _ []prospect) (*campaign, []userError) {
			r := a.add(c, emails("new@example.com"), false)
			if r.Imported != 0 || len(r.Prospects) != 0 || len(r.DuplicateRows) != 0 {
				a.t.Fatalf("frozen add reported work: %+v", r)
			}
			return r.Campaign, r.UserErrors
		}},
		{"addProspects dry run", func(a *api, c string, _ []prospect) (*campaign, []userError) {
			r := a.add(c, emails("new@example.com"), true)
			return r.Campaign, r.UserErrors
		}},
		{"updateProspect", func(a *api, c string, ps []prospect) (*campaign, []userError) {
			r := patchProspect(a, c, ps[0].ID, map[string]any{"firstName": "Frozen"})
			if r.Prospect != nil {
				a.t.Fatalf("frozen update returned %+v", r.Prospect)
			}
			return nil, r.UserErrors
		}},
		{"removeProspects", func(a *api, c string, ps []prospect) (*campaign, []userError) {
			r := removeProspects(a, c, []string{ps[0].ID, ps[1].ID})
			if r.Removed != 0 {
				a.t.Fatalf("frozen remove removed %d", r.Removed)
			}
			return r.Campaign, r.UserErrors
		}},
		{"clearProspects", func(a *api, c string, _ []prospect) (*campaign, []userError) {
			r := clearRoster(a, c)
			if r.Removed != 0 {
				a.t.Fatalf("frozen clear removed %d", r.Removed)
			}
			return r.Campaign, r.UserErrors
		}},
	}
	for _, status := range []string{"LAUNCHING", "ACTIVE", "PAUSED", "COMPLETED"} {
		for _, op := range ops {
			t.Run(status+"/"+op.name, func(t *testing.T) {
				t.Parallel()
				a := newAPI(t)
				c, ps := campaignIn(a, "EMAIL", status, 2)
				before := ownerSnapshot(t, a.sub)
				got, errs := op.run(a, c, ps)
				requireOneCode(t, errs, "ROSTER_FROZEN")
				// The payload's campaign, when the payload has one, says why.
				if got != nil && (got.Status != status || !got.RosterFrozen || got.Stats["total"] != 2) {
					t.Fatalf("payload campaign %+v", got)
				}
				requireUnchanged(t, a.sub, before)
				requireStatsMatchRoster(t, c)
			})
		}
	}
}

func TestAddProspectsRosterFrozen(t *testing.T) {
	t.Parallel()
	for _, status := range []string{"LAUNCHING", "ACTIVE", "PAUSED", "COMPLETED"} {
		t.Run(status, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c := seedCampaign(t, a, "EMAIL", emails("seed@example.com"))
			path := map[string][]string{
				"LAUNCHING": {"LAUNCHING"},
				"ACTIVE":    {"LAUNCHING", "ACTIVE"},
				"PAUSED":    {"LAUNCHING", "ACTIVE", "PAUSED"},
				"COMPLETED": {"LAUNCHING", "ACTIVE", "COMPLETED"},
			}[status]
			for _, to := range path {
				if _, ue := a.transition(c, to); len(ue) != 0 {
					t.Fatalf("transition to %s: %+v", to, ue)
				}
			}
			for _, dry := range []bool{false, true} {
				// Valid rows, a row already on the roster and a bad row:
				// the freeze wins over everything.
				res := a.add(c, []map[string]any{{"email": "new@example.com"}, {"email": "SEED@example.com"}, {"email": "bad"}}, dry)
				e := requireOneCode(t, res.UserErrors, "ROSTER_FROZEN")
				if e.Index != nil {
					t.Fatalf("ROSTER_FROZEN has a row index: %+v", e)
				}
				if res.DryRun != dry {
					t.Fatalf("dryRun %v, want %v", res.DryRun, dry)
				}
				if res.Campaign == nil || res.Campaign.ID != c || res.Campaign.Status != status ||
					!res.Campaign.RosterFrozen || res.Campaign.Stats["total"] != 1 {
					t.Fatalf("ROSTER_FROZEN payload campaign %+v, want %s with its stats", res.Campaign, status)
				}
				requireWroteNothing(t, a, res, c, 1)
			}
		})
	}
}
