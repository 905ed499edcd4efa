package db

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"roster/model"
)

func ptr[T any](v T) *T { return &v }

// TestNewListQuery: the arguments as gqlgen's executor hands them over
// (typed nil pointers for absent ones) become the query; a value of
// another type, or an argument the table does not know, is an error.
func TestNewListQuery(t *testing.T) {
	t.Parallel()
	roster, after := uuid.New(), uuid.New()
	q, got, err := NewListQuery(map[string]any{
		"campaignId": roster, "status": ptr(model.ProspectStatusBounced), "stage": (*model.ProspectStage)(nil),
		"page": ptr(1), "limit": ptr(50), "after": &after,
	})
	if err != nil || got != roster || *q.Status != model.ProspectStatusBounced || q.Stage != nil ||
		*q.Page != 1 || *q.Limit != 50 || *q.After != after {
		t.Fatalf("%v: roster %v, %+v", err, got, q)
	}
	// Campaign.prospects: no roster argument.
	q, got, err = NewListQuery(map[string]any{"stage": ptr(model.ProspectStageTerminal), "page": ptr(2)})
	if err != nil || got != uuid.Nil || *q.Stage != model.ProspectStageTerminal || *q.Page != 2 || q.Limit != nil {
		t.Fatalf("%v: roster %v, %+v", err, got, q)
	}
	for name, args := range map[string]map[string]any{
		"unknown argument": {"page": ptr(1), "search": ptr("x")},
		"wrong type":       {"page": ptr(int64(1))},
		"wrong roster":     {"campaignId": roster.String()},
	} {
		if _, _, err := NewListQuery(args); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestListKey: equal arguments make equal keys whatever pointers hold
// them; any argument's value changes the key; Fields is not part of it.
func TestListKey(t *testing.T) {
	t.Parallel()
	a, b := uuid.New(), uuid.New()
	base := func() ListQuery {
		return ListQuery{Status: ptr(model.ProspectStatusPending), Page: ptr(2), Limit: ptr(10), After: ptr(a)}
	}
	if base().Key() != base().Key() {
		t.Fatal("equal queries, different keys")
	}
	withFields := base()
	withFields.Fields = []string{"email"}
	if withFields.Key() != base().Key() {
		t.Fatal("Fields changed the key")
	}
	seen := map[ListKey]string{base().Key(): "base", (ListQuery{}).Key(): "none"}
	for name, change := range map[string]func(*ListQuery){
		"status": func(q *ListQuery) { q.Status = ptr(model.ProspectStatusSent) },
		"stage":  func(q *ListQuery) { q.Stage = ptr(model.ProspectStageQueued) },
		"page":   func(q *ListQuery) { q.Page = ptr(3) },
		"limit":  func(q *ListQuery) { q.Limit = nil },
		"after":  func(q *ListQuery) { q.After = &b },
	} {
		q := base()
		change(&q)
		if other, ok := seen[q.Key()]; ok {
			t.Errorf("%s: the same key as %s", name, other)
		}
		seen[q.Key()] = name
	}
}

// TestListMarksFor: marks place a deep offset page of the whole roster or
// of one status, nothing else.
func TestListMarksFor(t *testing.T) {
	t.Parallel()
	c, after := uuid.New(), uuid.New()
	deep := Page{Number: 6, Limit: 200}
	for _, tt := range []struct {
		name   string
		q      ListQuery
		pg     Page
		ok     bool
		status string
	}{
		{"the whole roster", ListQuery{Page: ptr(6), Limit: ptr(200)}, deep, true, ""},
		{"no page given", ListQuery{}, Page{Number: 11, Limit: 100}, true, ""},
		{"one status", ListQuery{Status: ptr(model.ProspectStatusMessageSent)}, deep, true, "message_sent"},
		{"before the first mark", ListQuery{}, Page{Number: 5, Limit: 200}, false, ""},
		{"a stage", ListQuery{Stage: ptr(model.ProspectStageQueued)}, deep, false, ""},
		{"a status and a stage", ListQuery{Status: ptr(model.ProspectStatusPending), Stage: ptr(model.ProspectStageQueued)}, deep, false, ""},
		{"a cursor", ListQuery{After: &after}, deep, false, ""},
	} {
		k, ok := tt.q.marksFor(c, tt.pg)
		if ok != tt.ok || (ok && (k.campaign != c || k.status != tt.status)) {
			t.Errorf("%s: %+v, %v", tt.name, k, ok)
		}
	}
}

// TestListStatuses: the filters are sets of statuses, ANDed; the page's
// WHERE and its count (the kept stats' keys) are written from the same
// set.
func TestListStatuses(t *testing.T) {
	t.Parallel()
	if n := len(model.AllProspectStatuses); n > 32 {
		t.Fatalf("%d statuses do not fit a statusSet", n)
	}
	sent, bounced := ptr(model.ProspectStatusSent), ptr(model.ProspectStatusBounced)
	inFlight, terminal := ptr(model.ProspectStageInFlight), ptr(model.ProspectStageTerminal)
	for _, tt := range []struct {
		name        string
		q           ListQuery
		where, want string
	}{
		{"none", ListQuery{Page: ptr(2)}, "", "(c.stats ->> 'total')::int"},
		{"a status", ListQuery{Status: sent}, " AND status = $1", "(c.stats ->> 'sent')::int"},
		{"a stage", ListQuery{Stage: inFlight}, " AND status = ANY($1::text[])",
			"((c.stats ->> 'sent')::int + (c.stats ->> 'connection_sent')::int + (c.stats ->> 'connected')::int + (c.stats ->> 'message_sent')::int)"},
		{"a status in the stage", ListQuery{Status: bounced, Stage: terminal}, " AND status = $1", "(c.stats ->> 'bounced')::int"},
		{"a status not in the stage", ListQuery{Status: sent, Stage: terminal}, " AND false", "0"},
	} {
		var params []any
		where := statusWhere(tt.q, "status", func(v any) string {
			params = append(params, v)
			return fmt.Sprintf("$%d", len(params))
		})
		if where != tt.where || totalExpr(tt.q) != tt.want {
			t.Errorf("%s: WHERE %q, count %q", tt.name, where, totalExpr(tt.q))
		}
	}
}
