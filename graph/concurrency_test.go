package graph_test

// Concurrency (SPEC §7): adds racing adds and a launch, on one server or
// spread over two replicas, and a random history of every mutation checked
// against a model.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/db"
	"roster/db/dbtest"
	"roster/httpapi"
)

// TestAddProspectsConcurrent: overlapping batches at once never import an
// identity twice and never fail because of each other (SPEC §5).
func TestAddProspectsConcurrent(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	concurrentAdds(t, []*api{a})
}

// concurrentAdds runs 8 overlapping adds on one campaign at once, worker w
// through replicas[w % len(replicas)], and checks that none failed and no
// identity was imported twice.
func concurrentAdds(t *testing.T, replicas []*api) {
	a := replicas[0]
	c := a.createCampaign("EMAIL")
	const pool, workers, per = 500, 8, 200
	variant := func(e string, w int) string {
		switch w % 4 {
		case 1:
			return strings.ToUpper(e)
		case 2:
			return "  " + e + "\t"
		case 3:
			return strings.ToUpper(e[:1]) + e[1:]
		}
		return e
	}
	distinct := map[string]bool{}
	batches := make([][]map[string]any, workers)
	for w := range batches {
		rng := rand.New(rand.NewPCG(uint64(w), 7))
		idx := rng.Perm(pool)[:per]
		for _, i := range idx {
			e := fmt.Sprintf("pool%03d@example.com", i)
			distinct[e] = true
			batches[w] = append(batches[w], map[string]any{"email": variant(e, w)})
		}
	}
	results := make([]addResult, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			results[w], errs[w] = replicas[w%len(replicas)].tryAdd(c, batches[w], false)
		})
	}
	close(start)
	wg.Wait()
	imported := 0
	for w := range workers {
		if errs[w] != nil {
			t.Fatalf("worker %d: %v", w, errs[w])
		}
		res := results[w]
		if len(res.UserErrors) != 0 {
			t.Fatalf("worker %d: userErrors %+v", w, res.UserErrors)
		}
		if res.Imported+res.Duplicates != per || len(res.Prospects) != res.Imported || len(res.DuplicateRows) != res.Duplicates {
			t.Fatalf("worker %d: imported %d duplicates %d", w, res.Imported, res.Duplicates)
		}
		for _, d := range res.DuplicateRows {
			if d.Prospect == nil || d.Reason != "ALREADY_ON_ROSTER" && d.Reason != "IN_BATCH" {
				t.Fatalf("worker %d: duplicate %+v", w, d)
			}
		}
		imported += res.Imported
	}
	if imported != len(distinct) {
		t.Fatalf("imported %d in all, want %d distinct identities", imported, len(distinct))
	}
	var rows, ids, mails int
	err := dbtest.DB(t).QueryRowContext(context.Background(),
		`SELECT count(*), count(DISTINCT identity), count(DISTINCT lower(trim(email))) FROM prospects WHERE campaign_id = ?`, c).
		Scan(&rows, &ids, &mails)
	if err != nil {
		t.Fatal(err)
	}
	if rows != len(distinct) || ids != rows || mails != rows {
		t.Fatalf("roster has %d rows, %d identities, %d emails; want %d of each", rows, ids, mails, len(distinct))
	}
	requireStatsMatchRoster(t, c)
}

// TestAddProspectsRacingLaunch: an add racing DRAFT→LAUNCHING commits whole
// before it or fails whole with ROSTER_FROZEN (SPEC §7).
func TestAddProspectsRacingLaunch(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	addRacingLaunch(t, a, a)
}

// addRacingLaunch races an add through adder against a launch through
// launcher, and checks that the add committed whole before the launch or
// failed whole with ROSTER_FROZEN.
func addRacingLaunch(t *testing.T, adder, launcher *api) {
	a := adder
	const iterations, size = 20, 300
	const transition = `mutation($id: UUID!) { transitionCampaign(id: $id, to: LAUNCHING) {
		campaign { status stats { total } } userErrors { code message } } }`
	var won, frozen int
	for it := range iterations {
		c := seedCampaign(t, a, "EMAIL", emails("seed@example.com"))
		rows := numbered(fmt.Sprintf("race%d-", it), size)
		var (
			res    addResult
			addErr error
			tr     struct {
				TransitionCampaign struct {
					Campaign   *campaign   `json:"campaign"`
					UserErrors []userError `json:"userErrors"`
				} `json:"transitionCampaign"`
			}
			trErr error
			wg    sync.WaitGroup
		)
		start := make(chan struct{})
		wg.Go(func() { <-start; res, addErr = a.tryAdd(c, rows, false) })
		wg.Go(func() { <-start; trErr = launcher.try(transition, map[string]any{"id": c}, &tr) })
		close(start)
		wg.Wait()
		if addErr != nil || trErr != nil {
			t.Fatalf("iteration %d: add %v, transition %v", it, addErr, trErr)
		}
		if ue := tr.TransitionCampaign.UserErrors; len(ue) != 0 || tr.TransitionCampaign.Campaign.Status != "LAUNCHING" {
			t.Fatalf("iteration %d: transition %+v", it, tr.TransitionCampaign)
		}
		var batchRows int
		err := dbtest.DB(t).QueryRowContext(context.Background(),
			`SELECT count(*) FROM prospects WHERE campaign_id = ? AND identity LIKE ?`, c, fmt.Sprintf("race%d-%%", it)).Scan(&batchRows)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case len(res.UserErrors) == 0:
			won++
			if res.Imported != size || batchRows != size {
				t.Fatalf("iteration %d: add succeeded with imported %d, but %d of its rows exist", it, res.Imported, batchRows)
			}
		case len(res.UserErrors) == 1 && res.UserErrors[0].Code == "ROSTER_FROZEN":
			frozen++
			if batchRows != 0 || res.Imported != 0 {
				t.Fatalf("iteration %d: ROSTER_FROZEN, but %d of its rows exist (imported %d)", it, batchRows, res.Imported)
			}
			if res.Campaign == nil || res.Campaign.Status != "LAUNCHING" {
				t.Fatalf("iteration %d: ROSTER_FROZEN payload campaign %+v", it, res.Campaign)
			}
		default:
			t.Fatalf("iteration %d: unexpected userErrors %+v", it, res.UserErrors)
		}
		// The launch saw the roster as it is now: a batch that committed
		// did so before the launch, never after it.
		if got := tr.TransitionCampaign.Campaign.Stats["total"]; got != 1+batchRows {
			t.Fatalf("iteration %d: the launch saw %d prospects, the roster holds %d: the add committed after the launch",
				it, got, 1+batchRows)
		}
		if got := campaignOf(t, a, c); got.Status != "LAUNCHING" || got.Stats["total"] != 1+batchRows {
			t.Fatalf("iteration %d: campaign %+v with %d batch rows", it, got, batchRows)
		}
		requireStatsMatchRoster(t, c)
	}
	t.Logf("add committed first %d times, ROSTER_FROZEN %d times", won, frozen)
}

// replica starts a second server, as a second replica behind a load
// balancer would be: its own handler and its own connection pool, sharing
// only the database (through PgBouncer when the suite runs with
// TEST_PGBOUNCER). It returns a's subject as a client of that replica.
func replica(t *testing.T, a *api) *api {
	t.Helper()
	bdb, err := db.Open(context.Background(), dbtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bdb.Close() })
	b := *a
	b.url = ownServer(t, func(o *httpapi.Options) { o.Store = db.NewStore(bdb) })
	return &b
}

// TestReplicas runs the concurrency tests with the requests spread over two
// replicas: the server keeps no state between requests, so the freeze and
// the dedup hold across processes because the database enforces them.
func TestReplicas(t *testing.T) {
	t.Parallel()
	t.Run("overlapping adds", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		concurrentAdds(t, []*api{a, replica(t, a)})
	})
	t.Run("add racing a launch", func(t *testing.T) {
		t.Parallel()
		a := newAPI(t)
		addRacingLaunch(t, a, replica(t, a))
	})
}

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
