// Package graphiql serves GraphiQL, with its explorer plugin, from files
// embedded in the binary: gqlgen's GraphiQL page, pointed at local copies of
// the exact files (and versions) it would otherwise load from a CDN, with
// their SRI hashes, under a Content-Security-Policy that lets the page reach
// nothing but this server. It works on an air-gapped machine.
//
// assets/ holds the files as published on npm; fetch-assets.sh reproduces
// them and prints the hashes below.
package graphiql

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/playground"
)

// AssetsPrefix is the path under which Assets serves the embedded files.
const AssetsPrefix = "/graphiql/assets/"

//go:embed assets
var files embed.FS

// The files the page loads (paths under assets/, which carry their version so
// they can be cached for good) and their SRI hashes. All but the explorer's
// style.css are byte for byte the files, and hashes, gqlgen v0.17.98 pins.
const (
	graphiqlJS  = "graphiql-4.1.2/graphiql.min.js"
	graphiqlCSS = "graphiql-4.1.2/graphiql.min.css"
	reactJS     = "react-18.2.0/react.production.min.js"
	reactDOMJS  = "react-dom-18.2.0/react-dom.production.min.js"
	explorerJS  = "plugin-explorer-4.0.6/index.umd.js"
	explorerCSS = "plugin-explorer-4.0.6/style.css"
)

var integrity = map[string]string{
	graphiqlJS:  "sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs=",
	graphiqlCSS: "sha256-MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU=",
	reactJS:     "sha256-S0lp+k7zWUMk2ixteM6HZvu8L9Eh//OVrt+ZfbCpmgY=",
	reactDOMJS:  "sha256-IXWO0ITNDjfnNXIu5POVfqlgYoop36bDzhodR6LW5Pc=",
	explorerJS:  "sha256-UM8sWOS0Xa9yLY85q6Clh0pF4qpxX+TOcJ41flECqBs=",
	explorerCSS: "sha256-aJCaSuI7+t/EWRrLTis8jU9EFTua5/o7fnwxnroxDvE=",
}

// Options configure the page.
type Options struct {
	Title    string // the page's title
	Endpoint string // the GraphQL endpoint, e.g. "/graphql"
	// DevToken, when set (dev mode), starts the Headers pane with
	// {"Authorization": "Bearer <DevToken>"}, so the first query just works.
	// Unset, the pane starts empty (or with what the user left there last
	// time), and the failed schema fetch shows the server's 401 message,
	// which names the header to add.
	DevToken string
}

// Handler serves the GraphiQL page. The page is rendered once, here: its
// inline script and style are then fixed, and the Content-Security-Policy
// allows exactly those by hash, plus files from this server.
func Handler(o Options) http.Handler {
	url := func(name string) string { return AssetsPrefix + name }
	opts := []playground.GraphiqlConfigOption{
		playground.WithGraphiqlVersion(url(graphiqlJS), url(graphiqlCSS), integrity[graphiqlJS], integrity[graphiqlCSS]),
		playground.WithGraphiqlReactVersion(url(reactJS), url(reactDOMJS), integrity[reactJS], integrity[reactDOMJS]),
		playground.WithGraphiqlPluginExplorerVersion(url(explorerJS), url(explorerCSS), integrity[explorerJS], integrity[explorerCSS]),
		playground.WithGraphiqlEnablePluginExplorer(true),
	}
	if o.DevToken != "" {
		dev := map[string]string{"Authorization": "Bearer " + o.DevToken}
		// In the Headers pane, and under it in the fetcher's own headers:
		// GraphiQL 4 fetches the schema before the pane exists, without
		// its headers. What the pane says still wins on every request.
		opts = append(opts, playground.WithGraphiqlUiHeaders(dev), playground.WithGraphiqlFetcherHeaders(dev))
	}
	var page pageRecorder
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	playground.Handler(o.Title, o.Endpoint, opts...).ServeHTTP(&page, req)
	body := page.Bytes()
	csp, err := policy(body)
	if err != nil {
		panic("graphiql: " + err.Error())
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", csp)
		h.Set("Cache-Control", "no-store") // in dev mode it carries a token
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		_, _ = w.Write(body)
	})
}

var (
	inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
	inlineStyle  = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
)

// policy is the page's Content-Security-Policy: files from this server only,
// and the page's own inline script and style by their hash. data: is for the
// fonts and icons graphiql.min.css carries inline.
func policy(page []byte) (string, error) {
	hashes := func(re *regexp.Regexp, what string) (string, error) {
		var out []string
		for _, m := range re.FindAllSubmatch(page, -1) {
			sum := sha256.Sum256(m[1])
			out = append(out, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
		}
		if len(out) == 0 {
			return "", fmt.Errorf("no inline %s found in gqlgen's page: its template changed", what)
		}
		return strings.Join(out, " "), nil
	}
	scripts, err := hashes(inlineScript, "script")
	if err != nil {
		return "", err
	}
	styles, err := hashes(inlineStyle, "style")
	if err != nil {
		return "", err
	}
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self' " + scripts,
		"style-src 'self' " + styles,
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src 'self'",
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; "), nil
}

// pageRecorder takes what gqlgen's handler writes.
type pageRecorder struct {
	bytes.Buffer
	h http.Header
}

func (p *pageRecorder) Header() http.Header {
	if p.h == nil {
		p.h = http.Header{}
	}
	return p.h
}

func (p *pageRecorder) WriteHeader(int) {}

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// Assets serves the page's files under AssetsPrefix, cached for a year
// (their paths change with their versions). Anything else is a 404.
func Assets() http.Handler {
	byPath := make(map[string]asset, len(integrity))
	for name, sri := range integrity {
		body, err := files.ReadFile("assets/" + name)
		if err != nil {
			panic("graphiql: " + err.Error())
		}
		ct := "text/javascript; charset=utf-8"
		if path.Ext(name) == ".css" {
			ct = "text/css; charset=utf-8"
		}
		byPath[AssetsPrefix+name] = asset{body: body, contentType: ct, etag: `"` + sri + `"`}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := byPath[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", a.etag)
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	})
}
