// Package etag makes and checks the ETags of query answers (SPEC §14):
// strong, opaque, a function of the caller, the document, the operation
// name, the variables, the versions of the campaigns the answer reads and
// the server's build. An ETag carries, in the clear, which campaigns it
// covers (its scope), then two MACs under a key every replica shares
// (db.Store.ETagKey): one of the request alone, which says at once whether
// a tag in If-None-Match belongs to this request and caller, and one of
// the request with the scope's versions. Checking one then costs the one
// statement that reads the scope's current versions (db.Store.Versions),
// without parsing or running the query; no client can forge a tag, and
// none matches another caller's request.
package etag

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/google/uuid"

	"roster/db"
)

// CacheControl goes with every answer to a query: a browser may keep it
// but must ask again (with If-None-Match) before using it, and no shared
// cache may keep it (it is one caller's).
const CacheControl = "private, no-cache"

// Request is what an answer's ETag is a function of, besides the versions
// it read: the same for a GET and a POST, and for a persisted query's
// hash and its text.
type Request struct {
	Subject       string
	Document      string // DocumentID
	OperationName string
	Variables     map[string]any
}

// DocumentID names a request's document: the SHA-256 of its text, which
// is what a persisted query's hash is (gqlgen's APQ extension refuses a
// text whose hash is another), so a request by hash names the same
// document without its text being looked up.
func DocumentID(query string, extensions map[string]any) string {
	if query != "" {
		sum := sha256.Sum256([]byte(query))
		return hex.EncodeToString(sum[:])
	}
	if pq, ok := extensions["persistedQuery"].(map[string]any); ok {
		if h, ok := pq["sha256Hash"].(string); ok {
			return strings.ToLower(h)
		}
	}
	return ""
}

// Versions reads the current versions of a scope (db.Store.Versions).
type Versions interface {
	Versions(ctx context.Context, owner string, scope db.VersionScope) (string, error)
	ETagKey(ctx context.Context) ([]byte, error)
}

// Tagger makes and checks ETags.
type Tagger struct {
	store Versions
	build []byte

	mu  sync.Mutex
	key []byte // read from the database once
}

// New returns a Tagger over store, for this build of the server.
func New(store Versions) *Tagger {
	return &Tagger{store: store, build: build()}
}

// Read is the versions of a scope, as an answer's statements read them
// (db.Reads) or as they are now (db.Store.Versions): the same string for
// the same versions.
type Read struct {
	Scope    db.VersionScope
	Versions string
}

// Lengths of a tag's parts, after its scope.
const (
	requestMACLen = 8
	tagMACLen     = 16
)

// Tag is the ETag (quoted) of the answer to r that read read.
func (t *Tagger) Tag(ctx context.Context, r Request, read Read) (string, error) {
	key, err := t.keyOf(ctx)
	if err != nil {
		return "", err
	}
	return tag(key, t.requestMAC(key, r), read), nil
}

func tag(key, reqMAC []byte, read Read) string {
	scope := encodeScope(read.Scope)
	b := append(scope, reqMAC[:requestMACLen]...)
	b = append(b, tagMAC(key, reqMAC, scope, read.Versions)...)
	return `"` + base64.RawURLEncoding.EncodeToString(b) + `"`
}

// Read reads scope's current versions for r's caller.
func (t *Tagger) Read(ctx context.Context, r Request, scope db.VersionScope) (Read, error) {
	if !scope.Owner && len(scope.Campaigns) == 0 {
		return Read{Scope: scope, Versions: "|"}, nil // introspection, __typename: the build alone
	}
	v, err := t.store.Versions(ctx, r.Subject, scope)
	return Read{Scope: scope, Versions: v}, err
}

// Match says whether If-None-Match (header, a list of entity tags) holds
// the ETag r's answer would have now, and returns that ETag. At most one
// statement: the tags that are r's (their request MAC says so) all cover
// the same scope, since a request's scope follows from the request; any
// other tag costs none.
func (t *Tagger) Match(ctx context.Context, r Request, header string) (matched bool, etag string, err error) {
	if header == "" {
		return false, "", nil
	}
	key, err := t.keyOf(ctx)
	if err != nil {
		return false, "", err
	}
	reqMAC := t.requestMAC(key, r)
	var (
		scopeBytes []byte
		macs       [][]byte
	)
	for _, tag := range parseList(header) {
		b, err := base64.RawURLEncoding.DecodeString(tag)
		if err != nil || len(b) < 1+requestMACLen+tagMACLen {
			continue
		}
		n := len(b) - requestMACLen - tagMACLen
		if !hmac.Equal(b[n:n+requestMACLen], reqMAC[:requestMACLen]) {
			continue // another request's, or another caller's
		}
		if scopeBytes != nil && !bytes.Equal(scopeBytes, b[:n]) {
			continue
		}
		scopeBytes = b[:n]
		macs = append(macs, b[n+requestMACLen:])
	}
	if scopeBytes == nil {
		return false, "", nil
	}
	scope, ok := decodeScope(scopeBytes)
	if !ok {
		return false, "", nil
	}
	rd, err := t.Read(ctx, r, scope)
	if err != nil {
		return false, "", err
	}
	want := tagMAC(key, reqMAC, scopeBytes, rd.Versions)
	for _, m := range macs {
		if hmac.Equal(m, want) {
			return true, tag(key, reqMAC, rd), nil
		}
	}
	return false, "", nil
}

// requestMAC is the MAC of everything r's ETags are a function of besides
// versions, and of the build.
func (t *Tagger) requestMAC(key []byte, r Request) []byte {
	m := hmac.New(sha256.New, key)
	vars := []byte("{}")
	if len(r.Variables) > 0 {
		// Keys sorted, numbers as they were sent: one spelling per value.
		if b, err := json.Marshal(r.Variables); err == nil {
			vars = b
		}
	}
	for _, part := range [][]byte{[]byte("request"), t.build, []byte(r.Subject), []byte(r.Document), []byte(r.OperationName), vars} {
		writePart(m, part)
	}
	return m.Sum(nil)
}

// tagMAC is the MAC of a request with its scope's versions.
func tagMAC(key, reqMAC, scope []byte, versions string) []byte {
	m := hmac.New(sha256.New, key)
	for _, part := range [][]byte{[]byte("tag"), reqMAC, scope, []byte(versions)} {
		writePart(m, part)
	}
	return m.Sum(nil)[:tagMACLen]
}

// writePart writes p with its length first, so no two lists of parts
// write the same bytes.
func writePart(w io.Writer, p []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(p)))
	_, _ = w.Write(n[:])
	_, _ = w.Write(p)
}

// keyOf reads the key once; a failure is tried again next time.
func (t *Tagger) keyOf(ctx context.Context) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.key != nil {
		return t.key, nil
	}
	key, err := t.store.ETagKey(ctx)
	if err != nil {
		return nil, err
	}
	if len(key) < 16 {
		return nil, errors.New("the ETag key is too short")
	}
	t.key = key
	return key, nil
}

// A scope is written 'o' (the owner's campaigns and these) or 'c' (these
// campaigns), then the campaigns' ids.
func encodeScope(s db.VersionScope) []byte {
	b := make([]byte, 1, 1+16*len(s.Campaigns))
	b[0] = 'c'
	if s.Owner {
		b[0] = 'o'
	}
	for _, id := range s.Campaigns {
		b = append(b, id[:]...)
	}
	return b
}

func decodeScope(b []byte) (db.VersionScope, bool) {
	if len(b) < 1 || (b[0] != 'o' && b[0] != 'c') || (len(b)-1)%16 != 0 {
		return db.VersionScope{}, false
	}
	s := db.VersionScope{Owner: b[0] == 'o'}
	for i := 1; i < len(b); i += 16 {
		s.Campaigns = append(s.Campaigns, uuid.UUID(b[i:i+16]))
	}
	return s, true
}

// parseList reads If-None-Match's entity tags (RFC 9110 §8.8.3), opaque
// parts only: a weak tag compares as its strong one (§13.1.2 asks for the
// weak comparison); "*" and anything malformed are left out. At most 16,
// so that a long header costs no more than a short one.
func parseList(h string) []string {
	var out []string
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		part = strings.TrimPrefix(part, "W/")
		if len(part) < 2 || part[0] != '"' || part[len(part)-1] != '"' {
			continue
		}
		out = append(out, part[1:len(part)-1])
		if len(out) == 16 {
			break
		}
	}
	return out
}

// build is buildID, computed once per process.
var build = sync.OnceValue(buildID)

// buildID names this build of the server: the SHA-256 of its executable,
// so that a new build (whose answers may differ for the same versions)
// never validates an old build's ETags; the module's build information
// when the executable cannot be read.
func buildID() []byte {
	h := sha256.New()
	if exe, err := os.Executable(); err == nil {
		if f, err := os.Open(exe); err == nil {
			_, err = io.Copy(h, f)
			_ = f.Close()
			if err == nil {
				return h.Sum(nil)
			}
		}
	}
	h.Reset()
	if bi, ok := debug.ReadBuildInfo(); ok {
		_, _ = io.WriteString(h, bi.String())
	}
	return h.Sum(nil)
}
