package roster

import (
	"reflect"
	"testing"

	"roster/model"
)

func TestCheckRows(t *testing.T) {
	s := func(v string) *string { return &v }
	long := make([]byte, 501)
	for i := range long {
		long[i] = 'x'
	}
	rows := []*model.ProspectInput{
		{Email: s(" A@x.io "), FirstName: s("Ann")},
		{Email: s("nope")},
		{Email: s("b@x.io"), FirstName: s(string(long))},
		{FirstName: s("no identity")},
		{Email: s("c@x.io"), CustomFields: map[string]any{"bad key": "v"}},
	}
	got := CheckRows(model.ChannelEmail, rows)
	want := []struct {
		valid    bool
		identity string
		fields   []string
	}{
		{true, "a@x.io", nil},
		{false, "", []string{"email"}},
		{false, "b@x.io", []string{"firstName"}},
		{false, "", []string{"email"}},
		{false, "c@x.io", []string{"customFields"}},
	}
	for i, w := range want {
		var fields []string
		for _, p := range got[i].Problems {
			fields = append(fields, p.Field)
		}
		if got[i].Valid != w.valid || got[i].Identity != w.identity || !reflect.DeepEqual(fields, w.fields) || (got[i].Prospect != nil) != w.valid {
			t.Errorf("row %d: %+v, want %+v", i, got[i], w)
		}
	}
}

func TestPlanChunk(t *testing.T) {
	valid := func(id string) RowCheck { return RowCheck{Valid: true, Identity: id} }
	invalid := func(id string) RowCheck { return RowCheck{Identity: id} }
	seen := map[string]bool{"old": true}
	p := PlanChunk([]RowCheck{
		valid("a"),   // 0 added
		valid("old"), // 1 an earlier chunk's: IN_BATCH
		invalid("b"), // 2 invalid, claims b
		valid("b"),   // 3 IN_BATCH of the invalid first row
		valid("a"),   // 4 IN_BATCH
		invalid(""),  // 5 invalid, no identity
		invalid("a"), // 6 invalid (its userError comes first)
		valid("c"),   // 7 added
	}, func(id string) bool { return seen[id] })
	if !reflect.DeepEqual(p.Add, []int{0, 7}) || p.InBatch != 3 || !reflect.DeepEqual(p.Invalid, []int{2, 5, 6}) ||
		!reflect.DeepEqual(p.Claimed, []string{"a", "b", "c"}) {
		t.Errorf("plan %+v", p)
	}
}
