package graphiql

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/playground"
)

func sri(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// TestEmbeddedFilesMatchIntegrity: the embedded files are the ones whose
// hashes the page carries, and every file served is listed.
func TestEmbeddedFilesMatchIntegrity(t *testing.T) {
	for name, want := range integrity {
		b, err := files.ReadFile("assets/" + name)
		if err != nil {
			t.Fatalf("%s: %v (run graphiql/fetch-assets.sh)", name, err)
		}
		if got := sri(b); got != want {
			t.Errorf("%s: hash %s, integrity says %s", name, got, want)
		}
	}
	err := fs.WalkDir(files, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "LICENSE" {
			return err
		}
		if _, ok := integrity[strings.TrimPrefix(p, "assets/")]; !ok {
			t.Errorf("%s is embedded but not served: list it or remove it", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var cdnAsset = regexp.MustCompile(`(?:src|href)="https://cdn\.jsdelivr\.net/npm/(?:@graphiql/)?([a-z-]+)@([0-9.]+)/([^"]+)"\s+integrity="([^"]+)"`)

// TestSameFilesAsGqlgen: we serve the versions gqlgen's page would load from
// its CDN, byte for byte where npm has the very file (jsDelivr minifies the
// explorer's style.css itself). After a gqlgen upgrade that moves them, this
// fails: run fetch-assets.sh with the new versions.
func TestSameFilesAsGqlgen(t *testing.T) {
	rec := httptest.NewRecorder()
	playground.Handler("t", "/graphql", playground.WithGraphiqlEnablePluginExplorer(true)).
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	found := cdnAsset.FindAllStringSubmatch(html.UnescapeString(rec.Body.String()), -1)
	if len(found) != len(integrity) {
		t.Fatalf("gqlgen's page loads %d files from its CDN, we serve %d: %q", len(found), len(integrity), found)
	}
	for _, m := range found {
		pkg, version, file, theirs := m[1], m[2], path.Base(m[3]), m[4]
		ours := pkg + "-" + version + "/" + file
		if _, ok := integrity[ours]; !ok {
			ours = pkg + "-" + version + "/" + strings.Replace(file, ".min.", ".", 1)
			theirs = "" // a file of jsDelivr's making: only the version must match
		}
		sum, ok := integrity[ours]
		if !ok {
			t.Errorf("gqlgen loads %s@%s/%s; we serve no such file", pkg, version, m[3])
			continue
		}
		if theirs != "" && sum != theirs {
			t.Errorf("%s: ours is %s, gqlgen's %s", ours, sum, theirs)
		}
	}
}

func mux(o Options) http.Handler {
	m := http.NewServeMux()
	m.Handle("GET /{$}", Handler(o))
	m.Handle("GET "+AssetsPrefix, Assets())
	return m
}

func get(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestPage(t *testing.T) {
	const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXYifQ.c2lnbmF0dXJl"
	dev := get(t, mux(Options{Title: "Prospect roster", Endpoint: "/graphql", DevToken: token}), "/")
	prod := get(t, mux(Options{Title: "Prospect roster", Endpoint: "/graphql"}), "/")
	for name, w := range map[string]*httptest.ResponseRecorder{"dev": dev, "prod": prod} {
		body := html.UnescapeString(w.Body.String()) // html/template writes + as &#43;
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", name, w.Code, w.Header().Get("Content-Type"))
		}
		for file, sum := range integrity {
			if !strings.Contains(body, `="`+AssetsPrefix+file+`"`) || !strings.Contains(body, `integrity="`+sum+`"`) {
				t.Errorf("%s: the page does not load %s with its integrity", name, file)
			}
		}
		if strings.Contains(body, "https://") || strings.Contains(body, "cdn.") {
			t.Errorf("%s: the page names another host:\n%s", name, body)
		}
		csp := w.Header().Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self' 'sha256-", "style-src 'self' 'sha256-", "connect-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", name, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") || strings.Contains(csp, "http") || strings.Contains(csp, "*") {
			t.Errorf("%s: CSP %q lets in more than this server", name, csp)
		}
		if w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", name, w.Header().Get("Cache-Control"))
		}
	}
	if !strings.Contains(dev.Body.String(), `"Bearer `+token+`"`) {
		t.Errorf("dev page lacks the token in its headers")
	}
	if strings.Contains(prod.Body.String(), "Bearer") {
		t.Errorf("page without a dev token carries one")
	}
	if dev.Header().Get("Content-Security-Policy") == prod.Header().Get("Content-Security-Policy") {
		t.Errorf("the dev page's inline script differs, so must its hash")
	}
}

func TestAssets(t *testing.T) {
	h := mux(Options{Title: "t", Endpoint: "/graphql"})
	for file, sum := range integrity {
		w := get(t, h, AssetsPrefix+file)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d", file, w.Code)
		}
		body, _ := io.ReadAll(w.Body)
		if got := sri(body); got != sum {
			t.Errorf("%s: served %s, want %s", file, got, sum)
		}
		want := "text/javascript; charset=utf-8"
		if strings.HasSuffix(file, ".css") {
			want = "text/css; charset=utf-8"
		}
		if ct := w.Header().Get("Content-Type"); ct != want {
			t.Errorf("%s: Content-Type %q, want %q", file, ct, want)
		}
		if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
			t.Errorf("%s: Cache-Control %q", file, cc)
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", file)
		}
		if again := get(t, h, AssetsPrefix+file, "If-None-Match", w.Header().Get("ETag")); again.Code != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d, want 304", file, again.Code)
		}
	}
	for _, p := range []string{AssetsPrefix, AssetsPrefix + "graphiql-4.1.2/", AssetsPrefix + "graphiql-4.1.2/LICENSE", AssetsPrefix + "nope.js"} {
		if w := get(t, h, p); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, w.Code)
		}
	}
}
