package roster_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"roster/model"
	"roster/roster"
)

func kindPtr(k model.SuppressionKind) *model.SuppressionKind { return &k }
func strPtr(s string) *string                                { return &s }

func TestInferKind(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want model.SuppressionKind
	}{
		{"https://www.linkedin.com/in/jane-doe", model.SuppressionKindLinkedin},
		{"linkedin.com/in/jane-doe", model.SuppressionKindLinkedin},
		{"http://uk.LinkedIn.com/in/Jane-Doe/?trk=x", model.SuppressionKindLinkedin},
		{"https://www.linkedin.com/company/acme", model.SuppressionKindLinkedin}, // then refused: not a profile
		{"jane@acme.com", model.SuppressionKindEmail},
		{" Jane@Acme.com ", model.SuppressionKindEmail},
		{"jane@linkedin.com", model.SuppressionKindEmail},
		{"@acme.com", model.SuppressionKindDomain},
		{"acme.com", model.SuppressionKindDomain},
		{"linkedin.com", model.SuppressionKindDomain},
		{"@linkedin.com", model.SuppressionKindDomain},
		{"eu.acme.com", model.SuppressionKindDomain},
		{"acme", model.SuppressionKindDomain},                         // then refused: needs a dot
		{"https://notlinkedin.com/in/x", model.SuppressionKindDomain}, // then refused
		{"jane@doe@acme.com", model.SuppressionKindEmail},             // then refused
	} {
		if got := roster.InferKind(tc.in); got != tc.want {
			t.Errorf("InferKind(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestPlanSuppressionsEntries(t *testing.T) {
	type want struct {
		kind       model.SuppressionKind
		value      string
		normalized string
		reason     *string
	}
	for _, tc := range []struct {
		name string
		in   model.SuppressionInput
		want want
	}{
		{"email inferred", model.SuppressionInput{Value: " Jane@Acme.com "},
			want{model.SuppressionKindEmail, "Jane@Acme.com", "jane@acme.com", nil}},
		{"domain inferred from @", model.SuppressionInput{Value: "@Acme.com"},
			want{model.SuppressionKindDomain, "@Acme.com", "acme.com", nil}},
		{"domain inferred without @", model.SuppressionInput{Value: "EU.acme.com"},
			want{model.SuppressionKindDomain, "EU.acme.com", "eu.acme.com", nil}},
		{"linkedin inferred", model.SuppressionInput{Value: "http://uk.linkedin.com/in/Jane-Doe/?trk=x"},
			want{model.SuppressionKindLinkedin, "http://uk.linkedin.com/in/Jane-Doe/?trk=x", "https://www.linkedin.com/in/jane-doe", nil}},
		{"kind given", model.SuppressionInput{Value: "linkedin.com", Kind: kindPtr(model.SuppressionKindDomain)},
			want{model.SuppressionKindDomain, "linkedin.com", "linkedin.com", nil}},
		{"reason trimmed", model.SuppressionInput{Value: "a@b.co", Reason: strPtr("  unsubscribed \n")},
			want{model.SuppressionKindEmail, "a@b.co", "a@b.co", strPtr("unsubscribed")}},
		{"blank reason is none", model.SuppressionInput{Value: "a@b.co", Reason: strPtr(" \t ")},
			want{model.SuppressionKindEmail, "a@b.co", "a@b.co", nil}},
		{"reason of 500", model.SuppressionInput{Value: "a@b.co", Reason: strPtr(strings.Repeat("é", 500))},
			want{model.SuppressionKindEmail, "a@b.co", "a@b.co", strPtr(strings.Repeat("é", 500))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := roster.PlanSuppressions([]*model.SuppressionInput{&tc.in})
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if len(plan.Entries) != 1 || plan.Repeated != 0 {
				t.Fatalf("plan = %+v", plan)
			}
			e := plan.Entries[0]
			got := want{e.Kind, e.Value, e.Normalized, e.Reason}
			if got.kind != tc.want.kind || got.value != tc.want.value || got.normalized != tc.want.normalized ||
				(got.reason == nil) != (tc.want.reason == nil) || got.reason != nil && *got.reason != *tc.want.reason {
				t.Errorf("entry = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestPlanSuppressionsRefuses(t *testing.T) {
	ok := &model.SuppressionInput{Value: "fine@acme.com"}
	many := func(n int) []*model.SuppressionInput {
		out := make([]*model.SuppressionInput, n)
		for i := range out {
			out[i] = &model.SuppressionInput{Value: fmt.Sprintf("p%d@acme.com", i)}
		}
		return out
	}
	type wantErr struct {
		index   int // -1: none
		field   []string
		message string
	}
	for _, tc := range []struct {
		name string
		in   []*model.SuppressionInput
		want []wantErr
	}{
		{"no entries", nil, []wantErr{{-1, []string{"entries"}, "entries must hold 1 to 1000 entries; got 0"}}},
		{"1001 entries", many(1001), []wantErr{{-1, []string{"entries"}, "got 1001"}}},
		{"invalid email", []*model.SuppressionInput{ok, {Value: "jane@doe@acme.com"}},
			[]wantErr{{1, []string{"entries", "1", "value"}, "entries[1].value is not a valid email address: more than one @ (read as EMAIL)"}}},
		{"invalid domain inferred", []*model.SuppressionInput{{Value: "acme"}},
			[]wantErr{{0, []string{"entries", "0", "value"}, "needs a dot"}}},
		{"lookalike url", []*model.SuppressionInput{{Value: "https://linkedin.com.evil.example/in/jane"}},
			[]wantErr{{0, []string{"entries", "0", "value"}, "(read as DOMAIN)"}}},
		{"linkedin not a profile", []*model.SuppressionInput{{Value: "https://www.linkedin.com/company/acme"}},
			[]wantErr{{0, []string{"entries", "0", "value"}, "not a profile address"}}},
		{"kind given, value of another kind", []*model.SuppressionInput{{Value: "@acme.com", Kind: kindPtr(model.SuppressionKindEmail)}},
			[]wantErr{{0, []string{"entries", "0", "value"}, "is not a valid email address"}}},
		{"blank value", []*model.SuppressionInput{ok, ok, {Value: "  "}},
			[]wantErr{{2, []string{"entries", "2", "value"}, "entries[2].value must not be blank"}}},
		{"NUL in value", []*model.SuppressionInput{{Value: "ja\x00ne@acme.com"}},
			[]wantErr{{0, []string{"entries", "0", "value"}, "invalid character"}}},
		{"value over 500", []*model.SuppressionInput{{Value: "https://linkedin.com/in/" + strings.Repeat("x", 480)}},
			[]wantErr{{0, []string{"entries", "0", "value"}, "is 504 characters long; at most 500"}}},
		{"reason of 501", []*model.SuppressionInput{{Value: "a@b.co", Reason: strPtr(strings.Repeat("r", 501))}},
			[]wantErr{{0, []string{"entries", "0", "reason"}, "entries[0].reason is 501 characters long; at most 500 are allowed"}}},
		{"NUL in reason", []*model.SuppressionInput{{Value: "a@b.co", Reason: strPtr("x\x00")}},
			[]wantErr{{0, []string{"entries", "0", "reason"}, "NUL"}}},
		{"unknown kind", []*model.SuppressionInput{{Value: "a@b.co", Kind: kindPtr("PHONE")}},
			[]wantErr{{0, []string{"entries", "0", "kind"}, `"PHONE" is not a suppression kind`}}},
		{"every bad entry, both problems of one", []*model.SuppressionInput{{Value: "x"}, ok, {Value: "y@", Reason: strPtr(strings.Repeat("r", 501))}},
			[]wantErr{
				{0, []string{"entries", "0", "value"}, "entries[0].value"},
				{2, []string{"entries", "2", "value"}, "entries[2].value is not a valid email address: missing the domain after @ (read as EMAIL); entries[2].reason is 501"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := roster.PlanSuppressions(tc.in)
			if plan != nil {
				t.Fatalf("plan %+v, want a refusal", plan)
			}
			ue, isUE := err.(model.UserErrors)
			if !isUE || len(ue) != len(tc.want) {
				t.Fatalf("err = %v, want %d userErrors", err, len(tc.want))
			}
			for i, w := range tc.want {
				e := ue[i]
				if e.Code != model.UserErrorCodeBadUserInput || !slices.Equal(e.Field, w.field) || !strings.Contains(e.Message, w.message) {
					t.Errorf("userError %d = %s %v %q, want BAD_USER_INPUT %v containing %q", i, e.Code, e.Field, e.Message, w.field, w.message)
				}
				switch {
				case w.index < 0 && e.Index != nil:
					t.Errorf("userError %d has index %d, want none", i, *e.Index)
				case w.index >= 0 && (e.Index == nil || *e.Index != w.index):
					t.Errorf("userError %d index = %v, want %d", i, e.Index, w.index)
				}
			}
		})
	}
}

// TestPlanSuppressionsAtMostHundredErrors: 150 bad entries give 100
// userErrors (SPEC §4), 1000 good ones pass.
func TestPlanSuppressionsBounds(t *testing.T) {
	bad := make([]*model.SuppressionInput, 150)
	for i := range bad {
		bad[i] = &model.SuppressionInput{Value: "nope"}
	}
	if _, err := roster.PlanSuppressions(bad); len(err.(model.UserErrors)) != 100 {
		t.Errorf("150 bad entries: %d userErrors, want 100", len(err.(model.UserErrors)))
	}
	good := make([]*model.SuppressionInput, 1000)
	for i := range good {
		good[i] = &model.SuppressionInput{Value: fmt.Sprintf("p%d@acme.com", i)}
	}
	if plan, err := roster.PlanSuppressions(good); err != nil || len(plan.Entries) != 1000 {
		t.Errorf("1000 entries: %v", err)
	}
}

// TestPlanSuppressionsRepeats: an entry with the kind and normalized value
// of an earlier one of the call is counted, not planned; the first wins.
func TestPlanSuppressionsRepeats(t *testing.T) {
	plan, err := roster.PlanSuppressions([]*model.SuppressionInput{
		{Value: "Jane@Acme.com", Reason: strPtr("first")},
		{Value: "acme.com"},
		{Value: " jane@acme.COM", Reason: strPtr("second")}, // same email
		{Value: "@ACME.com"},                              // same domain
		{Value: "jane@acme.com", Kind: kindPtr("EMAIL")},  // same, kind given
		{Value: "linkedin.com/in/Jane"},                   //
		{Value: "https://uk.linkedin.com/in/jane/?trk=1"}, // same profile
		{Value: "acme.com", Kind: kindPtr("DOMAIN")},      // same domain
		{Value: "eu.acme.com"},                            // another domain
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range plan.Entries {
		got = append(got, string(e.Kind)+" "+e.Normalized)
	}
	want := []string{"EMAIL jane@acme.com", "DOMAIN acme.com", "LINKEDIN https://www.linkedin.com/in/jane", "DOMAIN eu.acme.com"}
	if !slices.Equal(got, want) || plan.Repeated != 5 {
		t.Errorf("entries %q, repeated %d; want %q, 5", got, plan.Repeated, want)
	}
	if r := plan.Entries[0].Reason; r == nil || *r != "first" {
		t.Errorf("the first entry's reason is kept, got %v", r)
	}
}

func TestCheckSuppressionIDs(t *testing.T) {
	for n, ok := range map[int]bool{0: false, 1: true, 500: true, 501: false} {
		err := roster.CheckSuppressionIDs(make([]uuid.UUID, n))
		if (err == nil) != ok {
			t.Errorf("%d ids: err = %v", n, err)
		}
	}
}
