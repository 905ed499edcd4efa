package db_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/uuid"

	"roster/db"
	"roster/db/dbtest"
	"roster/model"
)

// TestListMarks: a deep page served from marks is the page a walk finds,
// for the whole roster and for a status, at every offset around the marks;
// a roster change (even one whose counts net out) retires the marks at
// once, and pages stay exact while they are stale and after they are read
// again.
func TestListMarks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb := dbtest.DB(t)
	s := db.NewStore(bdb)
	owner := "marks-" + uuid.NewString()
	c := newCampaign(t, s, owner, model.ChannelEmail)
	for b := range 4 {
		n := 1000
		if b == 3 {
			n = 600
		}
		if _, err := s.AddProspects(ctx, owner, c.ID, rows(n, fmt.Sprintf("b%d-%%d@x.com", b)), db.AddOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// About a third leaves PENDING, scattered through the roster.
	if _, err := bdb.ExecContext(ctx, `UPDATE prospects SET status = 'connected' WHERE campaign_id = ? AND abs(hashtext(identity)) % 3 = 0`, c.ID); err != nil {
		t.Fatal(err)
	}
	pending := model.ProspectStatusPending

	want := func(status *model.ProspectStatus, offset, limit int) []uuid.UUID {
		t.Helper()
		q := `SELECT id FROM prospects WHERE campaign_id = ?`
		args := []any{c.ID}
		if status != nil {
			q += ` AND status = ?`
			args = append(args, status.DB())
		}
		var ids []uuid.UUID
		if err := bdb.NewRaw(q+` ORDER BY id OFFSET ? LIMIT ?`, append(args, offset, limit)...).Scan(ctx, &ids); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	check := func(label string, status *model.ProspectStatus) {
		t.Helper()
		for _, limit := range []int{7, 200} {
			var pages []int
			for off := 0; off < 4000; off += 97 {
				pages = append(pages, off/limit+1)
			}
			pages = append(pages, 1000/limit, 1000/limit+1, 1000/limit+2, 2000/limit+1, 3000/limit+1, 3600/limit, 3600/limit+1)
			for _, page := range pages {
				pg, err := s.ListProspects(ctx, owner, c.ID, db.ListQuery{Status: status, Page: &page, Limit: &limit})
				if err != nil {
					t.Fatal(err)
				}
				var got []uuid.UUID
				for _, p := range pg.Prospects {
					got = append(got, p.ID)
				}
				exp := want(status, (page-1)*limit, limit)
				if !slices.Equal(got, exp) {
					t.Fatalf("%s: limit %d page %d: %d ids, want %d (first %v, want %v)", label, limit, page, len(got), len(exp), first(got), first(exp))
				}
				if next := want(status, page*limit, 1); pg.Page.HasNext != (len(next) == 1) {
					t.Fatalf("%s: limit %d page %d: hasNext %v", label, limit, page, pg.Page.HasNext)
				}
			}
		}
	}

	check("walking", nil)
	check("walking", &pending)
	for _, st := range []string{"", "pending"} {
		if err := s.BuildMarks(ctx, c.ID, st); err != nil {
			t.Fatal(err)
		}
	}
	before := s.MarkHits()
	check("marked", nil)
	check("marked", &pending)
	if s.MarkHits() == before {
		t.Fatal("no page was served from marks")
	}

	// Two prospects swap statuses: PENDING's count is unchanged, its roster
	// is not. The marks of PENDING must not serve the next page.
	var a, b uuid.UUID
	if err := bdb.NewRaw(`SELECT
		(SELECT id FROM prospects WHERE campaign_id = ? AND status = 'pending' ORDER BY id OFFSET 1500 LIMIT 1),
		(SELECT id FROM prospects WHERE campaign_id = ? AND status = 'connected' ORDER BY id LIMIT 1)`, c.ID, c.ID).Scan(ctx, &a, &b); err != nil {
		t.Fatal(err)
	}
	if _, err := bdb.ExecContext(ctx, `UPDATE prospects SET status = CASE WHEN id = ? THEN 'connected' ELSE 'pending' END WHERE id IN (?, ?)`, a, a, b); err != nil {
		t.Fatal(err)
	}
	before = s.MarkHits()
	page, limit := 9, 200
	if _, err := s.ListProspects(ctx, owner, c.ID, db.ListQuery{Status: &pending, Page: &page, Limit: &limit}); err != nil {
		t.Fatal(err)
	}
	if s.MarkHits() != before {
		t.Fatal("stale marks served a page after a status swap")
	}
	check("stale", &pending)

	// Removing prospects moves every later position.
	if _, err := s.RemoveProspects(ctx, owner, c.ID, []uuid.UUID{a, want(nil, 10, 1)[0], want(nil, 2500, 1)[0]}); err != nil {
		t.Fatal(err)
	}
	check("after removal", nil)
	check("after removal", &pending)
	for _, st := range []string{"", "pending"} {
		if err := s.BuildMarks(ctx, c.ID, st); err != nil {
			t.Fatal(err)
		}
	}
	before = s.MarkHits()
	check("marked again", nil)
	check("marked again", &pending)
	if s.MarkHits() == before {
		t.Fatal("no page was served from the new marks")
	}
}

func first(ids []uuid.UUID) any {
	if len(ids) == 0 {
		return nil
	}
	return ids[0]
}

// TestListMarksUnderWrites: a random sequence of every kind of roster
// write (adds, removals, the engine's status updates one by one and in
// bulk, swaps that leave the counts alone, a stats repair), with the marks
// read again at random moments, and after each step random deep pages of
// the whole roster and of two statuses compared with what a walk finds.
// Whatever the marks' age, no page is ever wrong.
func TestListMarksUnderWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb := dbtest.DB(t)
	s := db.NewStore(bdb)
	owner := "marks-writes-" + uuid.NewString()
	c := newCampaign(t, s, owner, model.ChannelEmail)
	rng := rand.New(rand.NewPCG(7, uint64(len(owner))))
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := bdb.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	ids := func(status string) []uuid.UUID {
		t.Helper()
		q, args := `SELECT id FROM prospects WHERE campaign_id = ?`, []any{c.ID}
		if status != "" {
			q, args = q+` AND status = ?`, append(args, status)
		}
		var out []uuid.UUID
		if err := bdb.NewRaw(q+` ORDER BY id`, args...).Scan(ctx, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	added := 0
	add := func(n int) {
		t.Helper()
		if _, err := s.AddProspects(ctx, owner, c.ID, rows(n, fmt.Sprintf("w%d-%%d@x.com", added)), db.AddOptions{}); err != nil {
			t.Fatal(err)
		}
		added++
	}
	add(1000)
	add(1000)
	add(700)
	statuses := []model.ProspectStatus{"", model.ProspectStatusPending, model.ProspectStatusConnected}
	for step := range 40 {
		all := ids("")
		switch op := rng.IntN(6); op {
		case 0:
			add(1 + rng.IntN(300))
		case 1: // removals spread over the roster
			var rm []uuid.UUID
			for range 1 + rng.IntN(40) {
				rm = append(rm, all[rng.IntN(len(all))])
			}
			if _, err := s.RemoveProspects(ctx, owner, c.ID, rm); err != nil {
				t.Fatal(err)
			}
		case 2: // the engine moves a few, one statement each
			for range 1 + rng.IntN(5) {
				exec(`UPDATE prospects SET status = 'connected' WHERE id = ?`, all[rng.IntN(len(all))])
			}
		case 3: // the engine moves many in one statement
			exec(`UPDATE prospects SET status = 'connected' WHERE campaign_id = ? AND abs(hashtext(id::text || ?)) % 7 = 0`, c.ID, step)
		case 4: // a swap: every count stays, two status rosters change
			p, q := ids("pending"), ids("connected")
			if len(p) > 0 && len(q) > 0 {
				a, b := p[rng.IntN(len(p))], q[rng.IntN(len(q))]
				exec(`UPDATE prospects SET status = CASE WHEN id = ? THEN 'connected' ELSE 'pending' END WHERE id IN (?, ?)`, a, a, b)
			}
		case 5: // a repair
			exec(`SELECT recalculate_campaign_stats(?)`, c.ID)
		}
		if rng.IntN(2) == 0 {
			for _, st := range statuses {
				if err := s.BuildMarks(ctx, c.ID, st.DB()); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, st := range statuses {
			want := ids(st.DB())
			var status *model.ProspectStatus
			if st != "" {
				status = &st
			}
			for range 4 {
				limit := []int{7, 50, 200}[rng.IntN(3)]
				page := 1 + (1000+rng.IntN(max(len(want)-900, 1)))/limit
				pg, err := s.ListProspects(ctx, owner, c.ID, db.ListQuery{Status: status, Page: &page, Limit: &limit})
				if err != nil {
					t.Fatal(err)
				}
				off := (page - 1) * limit
				exp := want[min(off, len(want)):min(off+limit, len(want))]
				got := make([]uuid.UUID, len(pg.Prospects))
				for i, p := range pg.Prospects {
					got[i] = p.ID
				}
				if !slices.Equal(got, exp) || pg.TotalCount != len(want) || pg.Page.HasNext != (off+limit < len(want)) {
					t.Fatalf("step %d, status %q, limit %d page %d: %d ids (total %d), want %d (total %d)",
						step, st, limit, page, len(got), pg.TotalCount, len(exp), len(want))
				}
			}
		}
	}
	if s.MarkHits() == 0 {
		t.Fatal("no page was served from marks")
	}
}
