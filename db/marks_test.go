package db_test

import (
	"context"
	"fmt"
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
		if _, err := s.AddProspects(ctx, owner, c.ID, rows(n, fmt.Sprintf("b%d-%%d@x.com", b)), false); err != nil {
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
