package graph_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"roster/db/dbtest"
)

// historyOp is what one call did and saw, recorded for the checks after.
type historyOp struct {
	kind       string
	start, end time.Time
	frozen     bool     // answered ROSTER_FROZEN
	ok         bool     // wrote (no userErrors)
	imported   []string // ids an add wrote
	removed    []string // ids a remove asked for
}

// TestRaceHistory runs random adds, removes, edits, lists and one launch on
// one campaign from many goroutines, records what each call returned, and
// then checks the invariants: no roster write started after the launch
// answered succeeded, the launch saw the final roster, every identity is on
// the roster at most once, stats equal the roster, and every successful
// add's rows exist unless a successful remove or clear took them.
func TestRaceHistory(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	seed := a.add(c, numbered("seed-", 30), false)
	var (
		mu      sync.Mutex
		ops     []historyOp
		known   []string // ids seen so far, for removes and edits
		launch  historyOp
		launchN int
	)
	for _, p := range seed.Prospects {
		known = append(known, p.ID)
	}
	record := func(op historyOp) {
		mu.Lock()
		defer mu.Unlock()
		ops = append(ops, op)
		known = append(known, op.imported...)
	}
	pick := func(rng *rand.Rand, n int) []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for range n {
			out = append(out, known[rng.IntN(len(known))])
		}
		return out
	}

	const workers, perWorker = 6, 14
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for i := range perWorker {
				op := historyOp{start: time.Now()}
				switch rng.IntN(5) {
				case 0, 1:
					op.kind = "add"
					// Overlapping identities across workers: dedup under load.
					rows := emails(fmt.Sprintf("h%d@x.com", rng.IntN(60)), fmt.Sprintf("w%d-%d@x.com", w, i), fmt.Sprintf("H%d@X.com", rng.IntN(60)))
					res, err := a.tryAdd(c, rows, false)
					if err != nil {
						t.Error(err)
						return
					}
					op.ok, op.frozen = len(res.UserErrors) == 0, historyFrozen(res.UserErrors)
					for _, p := range res.Prospects {
						op.imported = append(op.imported, p.ID)
					}
				case 2:
					op.kind = "remove"
					op.removed = pick(rng, 2)
					var out struct {
						RemoveProspects struct {
							UserErrors []userError `json:"userErrors"`
						} `json:"removeProspects"`
					}
					err := a.try(`mutation($c: UUID!, $ids: [UUID!]!) { removeProspects(campaignId: $c, ids: $ids) { removed userErrors { code } } }`,
						map[string]any{"c": c, "ids": op.removed}, &out)
					if err != nil {
						t.Error(err)
						return
					}
					op.ok, op.frozen = len(out.RemoveProspects.UserErrors) == 0, historyFrozen(out.RemoveProspects.UserErrors)
				case 3:
					op.kind = "edit"
					var out struct {
						UpdateProspect struct {
							UserErrors []userError `json:"userErrors"`
						} `json:"updateProspect"`
					}
					err := a.try(`mutation($c: UUID!, $id: UUID!, $in: ProspectPatch!) { updateProspect(campaignId: $c, id: $id, input: $in) { userErrors { code } } }`,
						map[string]any{"c": c, "id": pick(rng, 1)[0], "in": map[string]any{"firstName": fmt.Sprintf("w%d-%d", w, i)}}, &out)
					if err != nil {
						t.Error(err)
						return
					}
					ue := out.UpdateProspect.UserErrors
					// NOT_FOUND is fine: another worker removed it.
					op.ok, op.frozen = len(ue) == 0, historyFrozen(ue)
				default:
					op.kind = "list"
					var out struct {
						Prospects struct {
							TotalCount int `json:"totalCount"`
						} `json:"prospects"`
					}
					if err := a.try(`query($c: UUID!) { prospects(campaignId: $c, limit: 200) { totalCount } }`, map[string]any{"c": c}, &out); err != nil {
						t.Error(err)
						return
					}
					op.ok = true
				}
				op.end = time.Now()
				record(op)
				if w == 0 && i == perWorker/2 {
					launch.start = time.Now()
					var out struct {
						TransitionCampaign struct {
							Campaign   *campaign   `json:"campaign"`
							UserErrors []userError `json:"userErrors"`
						} `json:"transitionCampaign"`
					}
					err := a.try(`mutation($id: UUID!) { transitionCampaign(id: $id, to: LAUNCHING) { campaign { stats { total } } userErrors { code } } }`,
						map[string]any{"id": c}, &out)
					launch.end = time.Now()
					if err != nil || len(out.TransitionCampaign.UserErrors) != 0 {
						t.Errorf("launch: %v %+v", err, out.TransitionCampaign.UserErrors)
						return
					}
					launchN = out.TransitionCampaign.Campaign.Stats["total"]
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	ctx := context.Background()
	var rows, identities int
	if err := dbtest.DB(t).QueryRowContext(ctx, `SELECT count(*), count(DISTINCT identity) FROM prospects WHERE campaign_id = ?`, c).
		Scan(&rows, &identities); err != nil {
		t.Fatal(err)
	}
	if rows != identities {
		t.Errorf("%d rows for %d identities", rows, identities)
	}
	if rows != launchN {
		t.Errorf("the launch saw %d prospects, the roster holds %d: a write committed after the launch", launchN, rows)
	}
	requireStatsMatchRoster(t, c)

	removed := map[string]bool{}
	frozenAfter := 0
	for _, op := range ops {
		if op.kind == "remove" && op.ok {
			for _, id := range op.removed {
				removed[id] = true
			}
		}
		if op.kind != "list" && op.start.After(launch.end) {
			if op.ok {
				t.Errorf("a %s started after the launch answered and succeeded", op.kind)
			}
			if !op.frozen {
				t.Errorf("a %s started after the launch answered without ROSTER_FROZEN", op.kind)
			}
			frozenAfter++
		}
	}
	for _, op := range ops {
		if op.kind != "add" || !op.ok {
			continue
		}
		for _, id := range op.imported {
			var n int
			if err := dbtest.DB(t).QueryRowContext(ctx, `SELECT count(*) FROM prospects WHERE id = ?`, id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 && !removed[id] {
				t.Errorf("prospect %s, imported by a successful add and never removed, is gone", id)
			}
		}
	}
	t.Logf("%d calls, %d roster writes refused after the launch, %d prospects at launch", len(ops), frozenAfter, launchN)
}

func historyFrozen(errs []userError) bool {
	return len(errs) == 1 && errs[0].Code == "ROSTER_FROZEN"
}
