package graph_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Client-side conformance: the scripts of e2e/node, run with Node against
// the real handler on loopback. audit.mjs runs graphql-http's server audits
// (the GraphQL over HTTP reference audit: every MUST, SHOULD and MAY must
// pass, SPEC §4); apollo.mjs and urql.mjs use Apollo Client 4 and urql as an
// application does and check what each client surfaces. Opt-in (E2E_NODE=1,
// as .ci/run does), so that go test ./... needs no Node; opted in, a missing
// node or an uninstalled e2e/node fails.
//
//	npm ci --prefix e2e/node
//	E2E_NODE=1 go test -count=1 -run TestNodeClients -v ./graph/

// nodeDir is the Node project, from this package's directory.
const nodeDir = "../e2e/node"

// nodeScriptTimeout bounds one script: the audits send a few dozen requests,
// the clients a handful.
const nodeScriptTimeout = 2 * time.Minute

func TestNodeClients(t *testing.T) {
	node := requireNode(t)
	for _, script := range []string{"audit", "apollo", "urql"} {
		t.Run(script, func(t *testing.T) {
			t.Parallel()
			// A subject of its own: the scripts' campaigns are theirs alone
			// (the client checks count them).
			a := newAPI(t)
			runNodeScript(t, node, script+".mjs", a.url+"/graphql", a.token)
		})
	}
}

// requireNode returns the node binary, skipping the test when Node checks
// were not asked for; asked for, a missing node or node_modules fails.
func requireNode(t *testing.T) string {
	t.Helper()
	if os.Getenv("E2E_NODE") == "" {
		t.Skip("Node client checks not requested: E2E_NODE=1 runs them (needs node, and npm ci --prefix e2e/node)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("E2E_NODE is set but there is no node (%v): install Node.js 20 or later, then run npm ci --prefix e2e/node", err)
	}
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "graphql-http", "package.json")); err != nil {
		t.Fatalf("E2E_NODE is set but e2e/node has no node_modules (%v): run npm ci --prefix e2e/node", err)
	}
	return node
}

// runNodeScript runs one script of e2e/node against url with token, and
// fails the test with the script's output when it exits non-zero; its
// output is logged either way (go test -v shows each audit's result).
func runNodeScript(t *testing.T, node, script, url, token string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nodeScriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = nodeDir
	cmd.Env = append(os.Environ(),
		"GRAPHQL_URL="+url,
		"GRAPHQL_TOKEN="+token,
		"NO_COLOR=1",
	)
	cmd.WaitDelay = 5 * time.Second // a child holding the pipes open cannot hang the test
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within %s; its output:\n%s", script, nodeScriptTimeout, out)
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		t.Fatalf("%s failed (exit %d); its output:\n%s", script, exit.ExitCode(), out)
	case err != nil:
		t.Fatalf("run %s: %v; its output:\n%s", script, err, out)
	}
	t.Logf("%s passed; its output:\n%s", script, out)
}
