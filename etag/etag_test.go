package etag

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"roster/db"
)

// fakeVersions answers versions from a map, and counts the reads: the
// package's own logic, apart from the database (the graph tests run it
// against the real one).
type fakeVersions struct {
	versions map[string]string // by owner
	reads    int
}

func (f *fakeVersions) Versions(_ context.Context, owner string, _ db.VersionScope) (string, error) {
	f.reads++
	return f.versions[owner], nil
}

func (f *fakeVersions) ETagKey(context.Context) ([]byte, error) {
	return []byte("0123456789abcdef0123456789abcdef"), nil
}

func TestMatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := &fakeVersions{versions: map[string]string{"alice": "|7", "bob": "|7"}}
	tags := New(store)
	scope := db.VersionScope{Campaigns: []uuid.UUID{uuid.New()}}
	alice := Request{Subject: "alice", Document: DocumentID("{ x }", nil), Variables: map[string]any{"p": 1}}
	tag, err := tags.Tag(ctx, alice, Read{Scope: scope, Versions: "|7"})
	if err != nil {
		t.Fatal(err)
	}
	other := func(f func(r *Request)) Request { r := alice; f(&r); return r }
	for _, tc := range []struct {
		name    string
		req     Request
		header  string
		version string
		match   bool
		reads   int
	}{
		{"the current tag", alice, tag, "|7", true, 1},
		{"weak, in a list", alice, `"x", W/` + tag, "|7", true, 1},
		{"versions moved", alice, tag, "|8", false, 1},
		{"another caller", other(func(r *Request) { r.Subject = "bob" }), tag, "|7", false, 0},
		{"other variables", other(func(r *Request) { r.Variables = map[string]any{"p": 2} }), tag, "|7", false, 0},
		{"another operation", other(func(r *Request) { r.OperationName = "Q" }), tag, "|7", false, 0},
		{"the document by hash", other(func(r *Request) {
			r.Document = DocumentID("", map[string]any{"persistedQuery": map[string]any{"sha256Hash": strings.ToUpper(alice.Document)}})
		}), tag, "|7", true, 1},
		{"tampered", alice, tag[:len(tag)-3] + `AA"`, "|7", false, 1},
		{"cut short", alice, `"` + tag[1:10] + `"`, "|7", false, 0},
		{"star", alice, `*`, "|7", false, 0},
		{"unquoted", alice, strings.Trim(tag, `"`), "|7", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store.versions["alice"], store.reads = tc.version, 0
			ok, got, err := tags.Match(ctx, tc.req, tc.header)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.match || (ok && got != tag) || store.reads != tc.reads {
				t.Fatalf("match %v (%q), %d reads; want %v, %d", ok, got, store.reads, tc.match, tc.reads)
			}
		})
	}
}
