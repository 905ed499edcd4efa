package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/auth"
	"roster/db/dbtest"
)

// The durability of import jobs (SPEC §13), with real server processes on
// the test database: a server killed with SIGKILL in the middle of a job,
// and restarted, finishes it with every row exactly once; of two servers
// sharing the database, the one running a job is killed and the other
// finishes it.

var jobSecret = strings.Repeat("j", 32)

// jobServer is a server process of the test's binary.
type jobServer struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer
}

func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "roster")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startJobServer(t *testing.T, bin string) *jobServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &jobServer{t: t, addr: addr, logs: new(bytes.Buffer)}
	s.cmd = exec.Command(bin, "serve")
	// Small chunks: a 12,000-row job takes long enough to be killed in.
	s.cmd.Env = append(os.Environ(), "DATABASE_URL="+dbtest.URL(), "ADDR="+addr, "JWT_SECRET="+jobSecret,
		"IMPORT_CHUNK_ROWS=40", "DATA_DIR="+t.TempDir(), "RATE_LIMIT_RPS=0")
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.kill() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server never became ready:\n%s", s.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill sends SIGKILL: no shutdown, no lease handed back.
func (s *jobServer) kill() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// gql posts a GraphQL request as sub to the server, a file as the
// variable "file" when given.
func (s *jobServer) gql(sub, query string, vars map[string]any, file []byte) map[string]any {
	s.t.Helper()
	tok, err := auth.Issue(auth.Config{Secret: []byte(jobSecret)}, sub, time.Hour)
	if err != nil {
		s.t.Fatal(err)
	}
	var body bytes.Buffer
	contentType := "application/json"
	if file != nil {
		vars["file"] = nil
		mw := multipart.NewWriter(&body)
		ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		_ = mw.WriteField("operations", string(ops))
		_ = mw.WriteField("map", `{"0": ["variables.file"]}`)
		fw, _ := mw.CreateFormFile("0", "leads.csv")
		_, _ = fw.Write(file)
		_ = mw.Close()
		contentType = mw.FormDataContentType()
	} else {
		b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		body.Write(b)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+"/graphql", &body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data   map[string]any `json:"data"`
		Errors []any          `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
		s.t.Fatalf("HTTP %d: %v %v", resp.StatusCode, err, out.Errors)
	}
	return out.Data
}

// path digs a value out of decoded JSON.
func path(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

func jobFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString("email,first name,company,title,phone,location,a,b,c,d\n")
	for i := range n {
		fmt.Fprintf(&b, "p%d@x.io,First %d,Co %d,Title,+1 555 %d,City,a,b,c,d\n", i, i, i%97, i)
	}
	return b.Bytes()
}

// startJob creates a campaign and starts a job of rows rows on s.
func startJob(t *testing.T, s *jobServer, sub string, rows int) (campaign, job string) {
	t.Helper()
	d := s.gql(sub, `mutation { createCampaign(input: {name: "durable", channel: EMAIL}) { campaign { id } } }`, map[string]any{}, nil)
	campaign = path(d, "createCampaign", "campaign", "id").(string)
	d = s.gql(sub, `mutation($c: UUID!, $file: Upload!) { startProspectImport(campaignId: $c, file: $file) { job { id totalRows } userErrors { message } } }`,
		map[string]any{"c": campaign}, jobFile(rows))
	id, ok := path(d, "startProspectImport", "job", "id").(string)
	if !ok {
		t.Fatalf("start: %v", d)
	}
	return campaign, id
}

// jobState reads the job's status and processed rows on s.
func jobState(s *jobServer, sub, id string) (string, int, map[string]any) {
	d := s.gql(sub, `query($id: UUID!) { importJob(id: $id) { status processedRows imported duplicates skipped invalid totalRows } }`, map[string]any{"id": id}, nil)
	j, _ := path(d, "importJob").(map[string]any)
	n, _ := j["processedRows"].(float64)
	st, _ := j["status"].(string)
	return st, int(n), j
}

// waitRows waits until the job has processed some rows, not all.
func waitRows(t *testing.T, s *jobServer, sub, id string, total int) int {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if st, n, _ := jobState(s, sub, id); n > 0 && n < total && st == "RUNNING" {
			return n
		} else if n >= total {
			t.Fatalf("the job finished before it could be killed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the job never ran")
	return 0
}

// requireExactlyOnce waits for the job to succeed and checks every row of
// the file is on the roster exactly once.
func requireExactlyOnce(t *testing.T, s *jobServer, sub, campaign, id string, rows int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		st, _, j := jobState(s, sub, id)
		if st == "SUCCEEDED" {
			if int(j["imported"].(float64)) != rows || int(j["processedRows"].(float64)) != rows {
				t.Errorf("job counts: %v", j)
			}
			break
		}
		if st != "RUNNING" && st != "QUEUED" || time.Now().After(deadline) {
			t.Fatalf("job %s after %v: %v\n%s", st, within, j, s.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var n, distinct int
	err := dbtest.DB(t).QueryRowContext(context.Background(), `SELECT count(*), count(DISTINCT identity) FROM prospects WHERE campaign_id = ?`, campaign).Scan(&n, &distinct)
	if err != nil || n != rows || distinct != rows {
		t.Errorf("roster: %d prospects, %d identities, want %d: %v", n, distinct, rows, err)
	}
}

func TestImportSurvivesSIGKILL(t *testing.T) {
	bin := buildServer(t)
	const rows = 12000
	sub := "sigkill-" + uuid.NewString()
	a := startJobServer(t, bin)
	campaign, job := startJob(t, a, sub, rows)
	at := waitRows(t, a, sub, job, rows)
	a.kill()
	t.Logf("killed at %d of %d rows", at, rows)
	restarted := startJobServer(t, bin)
	requireExactlyOnce(t, restarted, sub, campaign, job, rows, 90*time.Second)
}

func TestImportTwoServersOneKilled(t *testing.T) {
	bin := buildServer(t)
	const rows = 12000
	sub := "twoservers-" + uuid.NewString()
	a := startJobServer(t, bin)
	campaign, job := startJob(t, a, sub, rows)
	waitRows(t, a, sub, job, rows) // a's worker holds it
	b := startJobServer(t, bin)
	a.kill()
	start := time.Now()
	requireExactlyOnce(t, b, sub, campaign, job, rows, 90*time.Second)
	t.Logf("b finished the job %v after a was killed", time.Since(start))
}
