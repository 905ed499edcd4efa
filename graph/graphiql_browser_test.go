package graph_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"roster/httpapi"
)

// The GraphiQL page in a real browser: Debian's chromium, headless, driven
// through the DevTools protocol. Opt-in (E2E_BROWSER=1, as .ci/run does), so
// that go test ./... needs no browser; opted in, a missing browser fails.
//
//	E2E_BROWSER=1 go test -count=1 -run TestGraphiQLBrowser ./graph/

// TestGraphiQLBrowserRunsQuery: in dev mode the page carries the token, so a
// query pasted into the editor and run shows the campaign's prospects.
func TestGraphiQLBrowserRunsQuery(t *testing.T) {
	t.Parallel()
	b := openBrowser(t)
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	want := []string{"ada.lovelace@example.com", "grace.hopper@example.org", "edsger@example.net"}
	if r := a.add(c, emails(want...), false); r.Imported != len(want) {
		t.Fatalf("addProspects: %+v", r)
	}
	base := devServer(t, a.token)

	b.do(t, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(queryEditor)))
	if h := b.editorValue(t, headersEditor); !strings.Contains(h, `"Bearer `+a.token+`"`) {
		t.Fatalf("headers pane does not carry the dev token: %q", h)
	}
	query := fmt.Sprintf(`query RosterEmails { prospects(campaignId: "%s") { totalCount nodes { email } } }`, c)
	b.paste(t, queryEditor, query)
	b.do(t, chromedp.Click(chromedp.CSS(executeButton)))
	got := b.waitResponse(t, want[0])
	for _, e := range want {
		if !strings.Contains(got, e) {
			t.Errorf("result pane lacks %s:\n%s", e, got)
		}
	}
	if !strings.Contains(got, `"totalCount": 3`) {
		t.Errorf("result pane:\n%s", got)
	}
	b.requireClean(t)
}

// TestGraphiQLBrowserStaysOnServer: loading the page, its explorer plugin
// and a query reach no host but the server (no CDN), and nothing breaks the
// page's Content-Security-Policy.
func TestGraphiQLBrowserStaysOnServer(t *testing.T) {
	t.Parallel()
	b := openBrowser(t)
	a := newAPI(t)
	base := devServer(t, a.token)
	origin, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}

	b.do(t, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(queryEditor)))
	// The explorer plugin renders the schema once introspection has answered.
	b.do(t,
		chromedp.Click(chromedp.CSS(`button[aria-label="Show GraphiQL Explorer"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-explorer-root .graphiql-explorer-node`)),
	)
	b.paste(t, queryEditor, `{ campaigns { totalCount } }`)
	b.do(t, chromedp.Click(chromedp.CSS(executeButton)))
	b.waitResponse(t, `"totalCount": 0`)

	requests := b.requestURLs()
	if len(requests) < 8 { // the page, 6 files, introspection, the query
		t.Fatalf("saw only %d requests: %v", len(requests), requests)
	}
	for _, raw := range requests {
		u, err := url.Parse(raw)
		if err != nil {
			t.Errorf("request to %q: %v", raw, err)
			continue
		}
		if u.Scheme == "data" { // the stylesheet's inline fonts and icons
			continue
		}
		if u.Host != origin.Host || u.Scheme != origin.Scheme {
			t.Errorf("the page requested %s: only %s is allowed", raw, origin.Host)
		}
	}
	b.requireClean(t)
}

// TestGraphiQLBrowserAsksForToken: out of dev mode the Headers pane starts
// empty and the schema fetch shows what header to add; with a token pasted
// there, re-fetching the schema and running a query work (as the README says).
func TestGraphiQLBrowserAsksForToken(t *testing.T) {
	t.Parallel()
	b := openBrowser(t)
	a := newAPI(t)
	b.do(t, chromedp.Navigate(server(t)+"/"), chromedp.WaitVisible(chromedp.CSS(queryEditor)))
	if h := b.editorValue(t, headersEditor); strings.TrimSpace(h) != "" {
		t.Fatalf("headers pane = %q, want empty", h)
	}
	b.waitResponse(t, "missing Authorization: Bearer token")

	b.do(t, chromedp.Click(chromedp.CSS(`.graphiql-editor-tools button[data-name="headers"]`)))
	b.paste(t, headersEditor, `{"Authorization": "Bearer `+a.token+`"}`)
	b.do(t,
		chromedp.Click(chromedp.CSS(`button[aria-label="Re-fetch GraphQL schema"]`)),
		chromedp.Click(chromedp.CSS(`button[aria-label="Show GraphiQL Explorer"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-explorer-root .graphiql-explorer-node`)),
	)
	b.paste(t, queryEditor, `{ campaigns { totalCount } }`)
	b.do(t, chromedp.Click(chromedp.CSS(executeButton)))
	b.waitResponse(t, `"totalCount": 0`)
}

// GraphiQL 4's editors (CodeMirror 5) and buttons.
const (
	queryEditor   = `.graphiql-query-editor .CodeMirror`
	headersEditor = `.graphiql-editor-tool > .graphiql-editor:nth-child(2) .CodeMirror` // after Variables
	responsePane  = `.graphiql-response .CodeMirror`
	executeButton = `button.graphiql-execute-button`
)

// devServer is the real handler over the test database, in dev mode with
// token as its dev token, on loopback.
func devServer(t *testing.T, token string) string {
	t.Helper()
	return ownServer(t, func(o *httpapi.Options) { o.DevToken = token })
}

// browser is one headless chromium tab, with what it saw.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	requests []string // every URL the tab requested
	problems []string // console errors, CSP violations, uncaught exceptions
}

// openBrowser starts chromium for one test, or skips the test when browser
// tests were not asked for. Asked for, a missing chromium is a failure.
func openBrowser(t *testing.T) *browser {
	t.Helper()
	if os.Getenv("E2E_BROWSER") == "" {
		t.Skip("browser test not requested: E2E_BROWSER=1 runs it (needs chromium)")
	}
	path := os.Getenv("E2E_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
		if _, err := os.Stat(path); err != nil {
			if p, err := exec.LookPath("chromium"); err == nil {
				path = p
			}
		}
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Fatalf("E2E_BROWSER is set but there is no chromium (%v): apt-get install chromium, or set E2E_CHROMIUM", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		// The browser itself resolves no name but loopback: whatever the
		// page asks for stays on this machine (and shows in requests).
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b := &browser{}
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(b.listen))
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	b.ctx = ctx
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium (%s): %v", path, err)
	}
	return b
}

// listen runs in the tab's event loop: it only records.
func (b *browser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.URL)
	case *cdplog.EventEntryAdded:
		if strings.HasSuffix(ev.Entry.URL, "/favicon.ico") {
			return // the browser's own request, not the page's
		}
		if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Source == cdplog.EntrySourceSecurity {
			b.problems = append(b.problems, fmt.Sprintf("log %s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.problems = append(b.problems, "console.error: "+strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		text := ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			text += " " + ev.ExceptionDetails.Exception.Description
		}
		b.problems = append(b.problems, "exception: "+text)
	}
}

func (b *browser) requestURLs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// requireClean fails the test when the page logged an error, broke its CSP
// or threw.
func (b *browser) requireClean(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("the page reported: %s", p)
	}
}

// do runs steps, each batch within 30 s.
func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.mu.Lock()
		defer b.mu.Unlock()
		t.Fatalf("browser: %v (page problems: %v)", err, b.problems)
	}
}

// editorValue is the text of a CodeMirror editor.
func (b *browser) editorValue(t *testing.T, sel string) string {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		fmt.Sprintf(`document.querySelector(%q).CodeMirror.getValue()`, sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return v
}

// paste replaces an editor's text the way a user's paste does: focus the
// editor (CodeMirror's input textarea), Ctrl+A, then insert the text through
// the browser's input pipeline (Input.insertText, what a paste or an IME
// sends, so auto-closed brackets and autocompletion do not interfere).
func (b *browser) paste(t *testing.T, editor, text string) {
	t.Helper()
	insert := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, input.InsertText, input.InsertTextParams{Text: text})
		return err
	})
	b.do(t,
		chromedp.Focus(chromedp.CSS(editor+" textarea")),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		insert,
	)
	if got := b.editorValue(t, editor); got != text {
		t.Fatalf("editor %s holds %q, want %q", editor, got, text)
	}
}

// waitResponse waits until the result pane shows want (in the text it
// renders, not in the editor's model), and returns that text.
func (b *browser) waitResponse(t *testing.T, want string) string {
	t.Helper()
	shown := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : ""; })()`, responsePane+" .CodeMirror-code")
	got, err := chromedp.Run(b.ctx, chromedp.Poll[string](
		fmt.Sprintf(`(() => { const v = %s; return v.includes(%q) ? v : ""; })()`, shown, want),
		chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		last, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](shown))
		b.mu.Lock()
		defer b.mu.Unlock()
		t.Fatalf("the result pane never showed %q (%v); it shows:\n%s\npage problems: %v", want, err, last, b.problems)
	}
	return got
}
