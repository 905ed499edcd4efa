package roster

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"roster/model"
)

func str(s string) *string { return &s }

func TestOptionsDefaults(t *testing.T) {
	update, anyPolicy, off := model.DuplicatePolicyUpdate, model.OtherCampaignsPolicySkipIfAny, false
	for _, tc := range []struct {
		in   *model.AddProspectsOptions
		want ImportOptions
	}{
		{nil, ImportOptions{model.DuplicatePolicySkip, model.OtherCampaignsPolicyIgnore, true}},
		{&model.AddProspectsOptions{}, ImportOptions{model.DuplicatePolicySkip, model.OtherCampaignsPolicyIgnore, true}},
		{&model.AddProspectsOptions{OnDuplicate: &update, OtherCampaigns: &anyPolicy, SkipSuppressed: &off},
			ImportOptions{model.DuplicatePolicyUpdate, model.OtherCampaignsPolicySkipIfAny, false}},
	} {
		if got := Options(tc.in); got != tc.want {
			t.Errorf("Options(%+v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	live := Options(&model.AddProspectsOptions{OtherCampaigns: ptrTo(model.OtherCampaignsPolicySkipIfLive)})
	for st, want := range map[model.CampaignStatus]bool{
		model.CampaignStatusDraft: false, model.CampaignStatusLaunching: true, model.CampaignStatusActive: true,
		model.CampaignStatusPaused: true, model.CampaignStatusCompleted: false,
	} {
		if live.Counts(st) != want {
			t.Errorf("SKIP_IF_LIVE counts %s: %v", st, !want)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestCheckKey(t *testing.T) {
	for _, tc := range []struct {
		key *string
		ok  bool
	}{
		{nil, true}, {str("a"), true}, {str("!~" + strings.Repeat("z", 253)), true},
		{str(""), false}, {str(" "), false}, {str("a b"), false}, {str("é"), false},
		{str(strings.Repeat("z", 256)), false}, {str("\x7f"), false}, {str("a\x00"), false},
	} {
		_, err := CheckKey(tc.key)
		var ue model.UserErrors
		if (err == nil) != tc.ok || err != nil && (!errors.As(err, &ue) || ue[0].Code != model.UserErrorCodeBadUserInput) {
			t.Errorf("CheckKey(%v) = %v", tc.key, err)
		}
	}
}

// TestAddDigestCanonical: the same call spelled otherwise has one digest
// (key order, a null field, a compact object read from the request);
// another call has another.
func TestAddDigestCanonical(t *testing.T) {
	c := uuid.New()
	o := Options(nil)
	base := []*model.ProspectInput{{Email: str("a@x.com"), CustomFields: map[string]any{"a": 1.0, "b": "x"}}}
	compact := []*model.ProspectInput{{Email: str("a@x.com"), CustomFieldsCompact: &model.CompactObject{JSON: []byte(`{"b":"x","a":1}`)}}}
	d1, err := AddDigest(c, base, o)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := AddDigest(c, compact, o)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d1, d2) {
		t.Error("a map and the same object read compact differ")
	}
	for name, other := range map[string]func() ([]byte, error){
		"another campaign": func() ([]byte, error) { return AddDigest(uuid.New(), base, o) },
		"another row": func() ([]byte, error) {
			return AddDigest(c, []*model.ProspectInput{{Email: str("b@x.com"), CustomFields: map[string]any{"a": 1.0, "b": "x"}}}, o)
		},
		"other options": func() ([]byte, error) {
			return AddDigest(c, base, ImportOptions{model.DuplicatePolicyUpdate, model.OtherCampaignsPolicyIgnore, true})
		},
	} {
		d, err := other()
		if err != nil || bytes.Equal(d, d1) {
			t.Errorf("%s: same digest (%v)", name, err)
		}
	}
}

// TestReportOrder: each row gets the first outcome that applies (SPEC §12).
func TestReportOrder(t *testing.T) {
	c := &model.Campaign{ID: uuid.New(), Channel: model.ChannelEmail}
	rows := []*model.ProspectInput{
		{Email: str("on@x.com")}, {Email: str("on@x.com")}, // ALREADY_ON_ROSTER, IN_BATCH → the roster's
		{Email: str("sup@x.com")}, {Email: str("SUP@x.com")}, // SUPPRESSED, IN_BATCH → null
		{Email: str("new@x.com")}, {Email: str("new@x.com")}, // imported, IN_BATCH → the new one
		{Email: str("onsup@x.com")}, // on the roster and suppressed: ALREADY_ON_ROSTER
	}
	b, err := Plan(c, rows)
	if err != nil {
		t.Fatal(err)
	}
	entry := &model.Suppression{ID: uuid.New()}
	b.SkipRow("sup@x.com", &Skip{Reason: model.SkipReasonSuppressed, Suppression: entry})
	b.SkipRow("onsup@x.com", &Skip{Reason: model.SkipReasonSuppressed, Suppression: entry})
	b.SkipRow("sup@x.com", &Skip{Reason: model.SkipReasonInOtherCampaign}) // the first reason stays
	if got := b.ToInsert(); strings.Join(got, ",") != "on@x.com,new@x.com" {
		t.Fatalf("ToInsert %v", got)
	}
	b.Record(map[uuid.UUID]bool{b.Rows[4].ID: true})
	roster := &model.Prospect{ID: uuid.New(), Identity: "on@x.com"}
	other := &model.Prospect{ID: uuid.New(), Identity: "onsup@x.com"}
	b.Found(map[string]*model.Prospect{"on@x.com": roster, "onsup@x.com": other})
	res := &AddResult{}
	b.Report(res, false)
	if res.ImportedCount != 1 || len(res.Imported) != 1 || res.Imported[0] != b.Rows[4] {
		t.Fatalf("imported %+v", res.Imported)
	}
	want := []struct {
		index    int
		reason   model.DuplicateReason
		prospect *model.Prospect
	}{
		{0, model.DuplicateReasonAlreadyOnRoster, roster}, {1, model.DuplicateReasonInBatch, roster},
		{3, model.DuplicateReasonInBatch, nil}, {5, model.DuplicateReasonInBatch, b.Rows[4]},
		{6, model.DuplicateReasonAlreadyOnRoster, other},
	}
	if len(res.Duplicates) != len(want) {
		t.Fatalf("duplicates %+v", res.Duplicates)
	}
	for i, w := range want {
		if d := res.Duplicates[i]; d.Index != w.index || d.Reason != w.reason || d.Prospect != w.prospect {
			t.Errorf("duplicate %d = %+v, want %+v", i, d, w)
		}
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Index != 2 || res.Skipped[0].Reason != model.SkipReasonSuppressed ||
		res.Skipped[0].Suppression != entry {
		t.Fatalf("skipped %+v", res.Skipped)
	}
}

// TestMergeRow: onDuplicate: UPDATE's merge rules (SPEC §12).
func TestMergeRow(t *testing.T) {
	existing := &model.Prospect{ID: uuid.New(), Identity: "jane@x.com", Email: str("Jane@X.com"), FirstName: str("Jane"),
		Company: str("Old"), CustomFields: map[string]any{"a": "1", "keep": true}, Status: model.ProspectStatusSent}
	row := func(in *model.ProspectInput) *model.Prospect {
		var errs rowErrors
		p := newProspect(model.ChannelEmail, 0, in, &errs)
		if p == nil {
			t.Fatalf("row refused: %+v", errs.errs)
		}
		return p
	}
	for _, tc := range []struct {
		name    string
		in      *model.ProspectInput
		changed bool
		check   func(m *model.Prospect) bool
	}{
		{"nothing new", &model.ProspectInput{Email: str("JANE@x.com"), FirstName: str("Jane"), CustomFields: map[string]any{"a": "1"}}, false, nil},
		{"blank and null ignored", &model.ProspectInput{Email: str("jane@x.com"), FirstName: str("  "), CustomFields: map[string]any{"a": nil}}, false, nil},
		{"texts replace, identity stays", &model.ProspectInput{Email: str("JANE@x.com"), Company: str("New")}, true, func(m *model.Prospect) bool {
			return *m.Email == "Jane@X.com" && *m.Company == "New" && *m.FirstName == "Jane" && m.Status == model.ProspectStatusSent
		}},
		{"other identity set", &model.ProspectInput{Email: str("jane@x.com"), LinkedinURL: str("linkedin.com/in/Jane")}, true, func(m *model.Prospect) bool {
			return *m.LinkedinURL == "linkedin.com/in/Jane" && *m.OtherIdentity == "https://www.linkedin.com/in/jane"
		}},
		{"custom fields merged by key", &model.ProspectInput{Email: str("jane@x.com"), CustomFields: map[string]any{"a": "2", "b": 3}}, true, func(m *model.Prospect) bool {
			return string(m.CustomFieldsJSON()) == `{"a":"2","b":3,"keep":true}`
		}},
	} {
		m, changed, err := mergeRow(model.ChannelEmail, existing, row(tc.in))
		if err != nil || changed != tc.changed || tc.check != nil && !tc.check(m) {
			t.Errorf("%s: changed %v err %v, merged %+v", tc.name, changed, err, m)
		}
	}
	if *existing.Company != "Old" || len(existing.CustomFields) != 2 {
		t.Fatal("mergeRow changed the roster's prospect in place")
	}
}
