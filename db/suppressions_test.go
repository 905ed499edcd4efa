package db_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"roster/db"
	"roster/db/dbtest"
	"roster/model"
)

// suppress adds entries (values, kinds inferred) to owner's list.
func suppress(t *testing.T, s *db.Store, owner string, values ...string) []*model.Suppression {
	t.Helper()
	in := make([]*model.SuppressionInput, len(values))
	for i, v := range values {
		in[i] = &model.SuppressionInput{Value: v}
	}
	res, err := s.AddSuppressions(context.Background(), owner, in, false)
	if err != nil {
		t.Fatal(err)
	}
	return res.Added
}

// TestMatchSuppressions: each probe gets the entry that blocks it, EMAIL
// first, then LINKEDIN, then the longest DOMAIN its email is at (the
// domain itself or a parent), never a lookalike, never another owner's.
func TestMatchSuppressions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := db.NewStore(dbtest.DB(t))
	owner, other := "match-"+uuid.NewString(), "match-other-"+uuid.NewString()
	suppress(t, s, owner, "jane@eu.acme.com", "linkedin.com/in/jane", "acme.com", "@eu.acme.com", "initech.co.uk")
	suppress(t, s, other, "bob@globex.com", "globex.com", "linkedin.com/in/bob")
	const jane = "https://www.linkedin.com/in/jane"
	for _, tc := range []struct {
		name  string
		probe db.SuppressionProbe
		want  string // "KIND normalized", "" for none
	}{
		{"email first", db.SuppressionProbe{Email: "jane@eu.acme.com", LinkedIn: jane}, "EMAIL jane@eu.acme.com"},
		{"linkedin before domain", db.SuppressionProbe{Email: "bob@eu.acme.com", LinkedIn: jane}, "LINKEDIN " + jane},
		{"linkedin alone", db.SuppressionProbe{LinkedIn: jane}, "LINKEDIN " + jane},
		{"the longest domain", db.SuppressionProbe{Email: "bob@eu.acme.com"}, "DOMAIN eu.acme.com"},
		{"a subdomain's parent", db.SuppressionProbe{Email: "bob@mail.eu.acme.com"}, "DOMAIN eu.acme.com"},
		{"the domain itself", db.SuppressionProbe{Email: "bob@acme.com"}, "DOMAIN acme.com"},
		{"another subdomain", db.SuppressionProbe{Email: "bob@us.acme.com"}, "DOMAIN acme.com"},
		{"a multi-label suffix", db.SuppressionProbe{Email: "x@sales.initech.co.uk"}, "DOMAIN initech.co.uk"},
		{"not its public suffix", db.SuppressionProbe{Email: "x@other.co.uk"}, ""},
		{"lookalike", db.SuppressionProbe{Email: "bob@notacme.com"}, ""},
		{"lookalike suffix", db.SuppressionProbe{Email: "bob@acme.com.evil.example"}, ""},
		{"another owner's", db.SuppressionProbe{Email: "bob@globex.com", LinkedIn: "https://www.linkedin.com/in/bob"}, ""},
		{"nothing to probe", db.SuppressionProbe{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Alone, and amid the others (one statement for the batch).
			got, err := db.MatchSuppressions(ctx, dbtest.DB(t), owner, []db.SuppressionProbe{{}, tc.probe, {Email: "zed@nowhere.example"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 3 || got[0] != nil || got[2] != nil {
				t.Fatalf("got %v", got)
			}
			desc := ""
			if m := got[1]; m != nil {
				desc = string(m.Kind) + " " + m.Normalized
				if m.ID == uuid.Nil || m.Value == "" {
					t.Errorf("entry read partly: %+v", m)
				}
			}
			if desc != tc.want {
				t.Errorf("match = %q, want %q", desc, tc.want)
			}
		})
	}
	if got, err := db.MatchSuppressions(ctx, dbtest.DB(t), owner, nil); err != nil || len(got) != 0 {
		t.Errorf("no probes: %v, %v", got, err)
	}
}

// TestMatchSuppressionsIndexOnly: matchSuppressions reads the list by
// probes of its unique index, never by a scan, on a list big enough that
// the planner has the choice (the benchmark measures the cost: bench
// -suppressions).
func TestMatchSuppressionsIndexOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb := dbtest.DB(t)
	owner := "match-big-" + uuid.NewString()
	_, err := bdb.ExecContext(ctx, `INSERT INTO suppressions (id, owner, kind, value, normalized)
		SELECT gen_random_uuid(), ?, 'email', 'p' || g || '@big.example', 'p' || g || '@big.example'
		FROM generate_series(1, 50000) AS g`, owner)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bdb.ExecContext(ctx, `ANALYZE suppressions`); err != nil {
		t.Fatal(err)
	}
	probes := make([]db.SuppressionProbe, 1000)
	for i := range probes {
		probes[i] = db.SuppressionProbe{Email: fmt.Sprintf("p%d@big.example", i*40), LinkedIn: fmt.Sprintf("https://www.linkedin.com/in/p%d", i)}
	}
	got, err := db.MatchSuppressions(ctx, bdb, owner, probes)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range got {
		if want := fmt.Sprintf("p%d@big.example", i*40); (m == nil) != (i == 0) || m != nil && m.Normalized != want {
			t.Fatalf("probe %d: %+v, want %s", i, m, want)
		}
	}
	kinds, values := make([]string, 1000), make([]string, 1000)
	for i := range values {
		kinds[i], values[i] = "email", fmt.Sprintf("p%d@big.example", i*40)
	}
	var plan string
	// As the store sends it: the arrays as parameters, planned for them.
	if err := bdb.DB.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+db.MatchSuppressionsQuery, owner, kinds, values).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_ = json.Indent(&buf, []byte(plan), "", " ")
	if strings.Contains(plan, `"Seq Scan"`) || !strings.Contains(plan, "suppressions_owner_kind_normalized_key") {
		t.Errorf("matchSuppressions does not probe the index:\n%s", buf.String())
	}
	// Its first question, whether the owner keeps a list, is one probe of
	// the index too, for an owner of every entry as for one of none.
	for _, who := range []string{owner, "nobody-" + uuid.NewString()} {
		if err := bdb.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+db.HasSuppressionsQuery, who).Scan(&plan); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(plan, `"Seq Scan"`) || !strings.Contains(plan, "suppressions_owner_kind_normalized_key") {
			t.Errorf("the list's presence is not one index probe for %s:\n%s", who, plan)
		}
	}
}

// TestSuppressionIDsOrder: a call's ids count down in submission order and
// every id of a later call sorts above every id of an earlier one, so id
// descending is the list's order.
func TestSuppressionIDsOrder(t *testing.T) {
	t.Parallel()
	var prev []uuid.UUID
	for call := range 50 {
		ids, err := db.SuppressionIDs(1 + call%5*250)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(ids); i++ {
			if bytes.Compare(ids[i-1][:], ids[i][:]) <= 0 {
				t.Fatalf("call %d: id %d does not sort below id %d", call, i, i-1)
			}
		}
		if prev != nil && bytes.Compare(ids[len(ids)-1][:], prev[0][:]) <= 0 {
			t.Fatalf("call %d's ids do not all sort above call %d's", call, call-1)
		}
		if slices.ContainsFunc(ids, func(id uuid.UUID) bool { return id.Version() != 7 }) {
			t.Fatalf("call %d: not UUIDv7", call)
		}
		prev = ids
	}
}
