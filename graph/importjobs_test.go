package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/auth"
	"roster/db"
	"roster/db/dbtest"
	"roster/httpapi"
	"roster/importjob"
)

// The import jobs' tests run the real handler, the real workers and
// PostgreSQL. The workers write chunks of 3 rows, so a file of a few rows
// crosses chunks (the dedup across the whole file, the progress).
var workersOnce sync.Once

func startWorkers(t testing.TB) {
	workersOnce.Do(func() {
		w := &importjob.Workers{Store: db.NewStore(dbtest.DB(t)), ChunkRows: 3, Poll: 50 * time.Millisecond, N: 2,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		go w.Run(context.Background()) // lives as long as the test binary
	})
}

// importJob is the ImportJob fields tests read.
type importJob struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	FileName      string `json:"fileName"`
	TotalRows     int    `json:"totalRows"`
	ProcessedRows int    `json:"processedRows"`
	Imported      int    `json:"imported"`
	Duplicates    int    `json:"duplicates"`
	Skipped       int    `json:"skipped"`
	Updated       int    `json:"updated"`
	Invalid       int    `json:"invalid"`
	Mapping       []struct {
		Column      string  `json:"column"`
		Field       *string `json:"field"`
		CustomField *string `json:"customField"`
		Ignored     bool    `json:"ignored"`
	} `json:"mapping"`
	Errors []struct {
		Line    int     `json:"line"`
		Column  *string `json:"column"`
		Message string  `json:"message"`
	} `json:"errors"`
	Failure  *userError `json:"failure"`
	Campaign struct {
		ID string `json:"id"`
	} `json:"campaign"`
}

const importJobFields = `id status fileName totalRows processedRows imported duplicates skipped updated invalid
	mapping { column field customField ignored } errors(limit: 1000) { line column message }
	failure { code message } campaign { id }`

const startImport = `mutation($c: UUID!, $file: Upload!, $mapping: [ColumnMappingInput!], $options: AddProspectsOptions, $key: String) {
	startProspectImport(campaignId: $c, file: $file, mapping: $mapping, options: $options, idempotencyKey: $key) {
		job { ` + importJobFields + ` } replayed userErrors { code message field } } }`

// upload sends a GraphQL multipart request: vars' "file" is the file.
func (a *api) upload(url, query string, vars map[string]any, name string, file []byte) *response {
	a.t.Helper()
	vars["file"] = nil
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", `{"0": ["variables.file"]}`)
	fw, err := mw.CreateFormFile("0", name)
	if err != nil {
		a.t.Fatal(err)
	}
	_, _ = fw.Write(file)
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", &body)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	return send(a.t, req)
}

type startPayload struct {
	Job        *importJob  `json:"job"`
	Replayed   bool        `json:"replayed"`
	UserErrors []userError `json:"userErrors"`
}

// start starts an import job of file into campaign c.
func (a *api) start(c, name string, file []byte, extra map[string]any) startPayload {
	a.t.Helper()
	vars := map[string]any{"c": c}
	for k, v := range extra {
		vars[k] = v
	}
	r := a.upload(a.url, startImport, vars, name, file)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		a.t.Fatalf("startProspectImport: HTTP %d, %+v", r.Status, r.Errors)
	}
	var out struct {
		StartProspectImport startPayload `json:"startProspectImport"`
	}
	if err := json.Unmarshal(r.Data, &out); err != nil {
		a.t.Fatal(err)
	}
	return out.StartProspectImport
}

// job reads an import job (nil when the caller cannot see it).
func (a *api) job(id string) *importJob {
	a.t.Helper()
	var out struct {
		ImportJob *importJob `json:"importJob"`
	}
	a.query(`query($id: UUID!) { importJob(id: $id) { `+importJobFields+` } }`, map[string]any{"id": id}, &out)
	return out.ImportJob
}

// waitJob polls a job until it has ended.
func (a *api) waitJob(id string) *importJob {
	a.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		j := a.job(id)
		if j.Status != "QUEUED" && j.Status != "RUNNING" {
			return j
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("job %s still %s after 60 s: %+v", id, j.Status, j)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// roster lists a campaign's prospects in roster order.
func (a *api) roster(c string) []prospect {
	a.t.Helper()
	var out struct {
		Prospects struct {
			Nodes []prospect `json:"nodes"`
		} `json:"prospects"`
	}
	a.query(`query($c: UUID!) { prospects(campaignId: $c, limit: 200) { nodes { `+prospectFields+` } } }`, map[string]any{"c": c}, &out)
	return out.Prospects.Nodes
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../csvimport/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestImportEncodingsAndDelimiters(t *testing.T) {
	t.Parallel()
	startWorkers(t)
	for _, name := range []string{"utf8.csv", "utf8_bom.csv", "utf16le.csv", "utf16be.csv", "semicolon.csv", "tab.csv"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			c := a.createCampaign("EMAIL")
			p := a.start(c, name, readFixture(t, name), nil)
			if len(p.UserErrors) > 0 || p.Job == nil {
				t.Fatalf("userErrors %+v", p.UserErrors)
			}
			if p.Job.TotalRows != 3 || p.Job.FileName != name || (p.Job.Status != "QUEUED" && p.Job.Status != "RUNNING" && p.Job.Status != "SUCCEEDED") {
				t.Errorf("job at start: %+v", p.Job)
			}
			j := a.waitJob(p.Job.ID)
			if j.Status != "SUCCEEDED" || j.Imported != 3 || j.ProcessedRows != 3 || j.Invalid != 0 || j.Campaign.ID != c {
				t.Fatalf("job: %+v", j)
			}
			got := a.roster(c)
			if len(got) != 3 || *got[0].Email != "a@x.io" || *got[1].Email != "b@x.io" || *got[2].Email != "c@x.io" {
				t.Fatalf("roster: %+v", got)
			}
			if *got[1].FirstName != `Bob "B"` || got[1].CustomFields["favourite_colour"] != "multi\nline" || !strings.HasPrefix(*got[0].Company, "Acme") {
				t.Errorf("row 2: %+v %v", got[1], got[1].CustomFields)
			}
			if _, ok := got[2].CustomFields["favourite_colour"]; ok {
				t.Errorf("a blank cell left its key: %v", got[2].CustomFields)
			}
			// The job has ended: the campaign may launch.
			if _, ue := a.transition(c, "LAUNCHING"); len(ue) > 0 {
				t.Errorf("launch after the job: %+v", ue)
			}
			requireStatsMatchRoster(t, c)
		})
	}
}

func TestImportBadRowsAndDedup(t *testing.T) {
	t.Parallel()
	startWorkers(t)
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	if res := a.add(c, emails("onroster@x.io"), false); res.Imported != 1 {
		t.Fatalf("add: %+v", res)
	}
	// Chunks of 3 rows: lines 2-4, 5-8 (a blank line), 9-11, 12-13.
	file := strings.Join([]string{
		"Email,First Name,Notes",
		"a@x.io,A,first",   // 2 imported
		"bad-email,B,",     // 3 invalid
		"onroster@x.io,C,", // 4 duplicate (roster)
		"",                 // 5 blank
		"a@x.io,A again,",  // 6 duplicate (in file, across chunks)
		"d@x.io," + strings.Repeat("x", 501) + ",", // 7 invalid, identity d@x.io claimed
		"e@x.io,E,\"two\nlines\"",                  // 8-9 imported
		"d@x.io,D valid,",                          // 10 duplicate of the invalid first row
		"f@x.io,F,too,many",                        // 11 invalid: more cells than the header
		"A@X.IO,,",                                 // 12 duplicate (case)
		"g@x.io,G,last",                            // 13 imported
	}, "\n") + "\n"
	p := a.start(c, "leads.csv", []byte(file), nil)
	if len(p.UserErrors) > 0 {
		t.Fatalf("userErrors %+v", p.UserErrors)
	}
	if p.Job.TotalRows != 10 {
		t.Errorf("totalRows %d, want 10", p.Job.TotalRows)
	}
	j := a.waitJob(p.Job.ID)
	if j.Status != "SUCCEEDED" || j.Imported != 3 || j.Duplicates != 4 || j.Invalid != 3 || j.Skipped != 0 || j.ProcessedRows != 10 {
		t.Fatalf("job: %+v", j)
	}
	if j.Imported+j.Duplicates+j.Skipped+j.Invalid != j.TotalRows {
		t.Errorf("counts do not add up: %+v", j)
	}
	var lines []string
	for _, e := range j.Errors {
		col := ""
		if e.Column != nil {
			col = *e.Column
		}
		lines = append(lines, fmt.Sprintf("%d:%s", e.Line, col))
	}
	if got := strings.Join(lines, " "); got != "3:Email 7:First Name 11:" {
		t.Errorf("errors %q, want \"3:Email 7:First Name 11:\": %+v", got, j.Errors)
	}
	got := a.roster(c)
	var list []string
	for _, p := range got {
		list = append(list, *p.Email)
	}
	if s := strings.Join(list, " "); s != "onroster@x.io a@x.io e@x.io g@x.io" {
		t.Errorf("roster %q", s)
	}
	if got[2].CustomFields["notes"] != "two\nlines" {
		t.Errorf("custom fields %v", got[2].CustomFields)
	}
	requireStatsMatchRoster(t, c)
	// The finished job's file is gone, its record stays.
	var pieces int
	if err := dbtest.DB(t).QueryRowContext(context.Background(), `SELECT count(*) FROM import_files WHERE job_id = ?`, j.ID).Scan(&pieces); err != nil || pieces != 0 {
		t.Errorf("file pieces left: %d, %v", pieces, err)
	}
	// Listed newest first.
	p2 := a.start(c, "again.csv", []byte("email\nz@x.io\n"), nil)
	a.waitJob(p2.Job.ID)
	var out struct {
		ImportJobs struct {
			TotalCount int         `json:"totalCount"`
			Nodes      []importJob `json:"nodes"`
		} `json:"importJobs"`
	}
	a.query(`query($c: UUID!) { importJobs(campaignId: $c) { totalCount nodes { id } } }`, map[string]any{"c": c}, &out)
	if out.ImportJobs.TotalCount != 2 || len(out.ImportJobs.Nodes) != 2 || out.ImportJobs.Nodes[0].ID != p2.Job.ID {
		t.Errorf("importJobs: %+v", out.ImportJobs)
	}
	// A page's errors, read with the page (one errors field) or job by
	// job (two): the same.
	var once, twice struct {
		ImportJobs struct {
			Nodes []struct {
				ID     string           `json:"id"`
				Errors []map[string]any `json:"errors"`
				Again  []map[string]any `json:"again"`
			} `json:"nodes"`
		} `json:"importJobs"`
	}
	a.query(`query($c: UUID!, $n: Int) { importJobs(campaignId: $c) { nodes { id errors(limit: $n) { line column message } } } }`, map[string]any{"c": c, "n": 2}, &once)
	a.query(`query($c: UUID!) { importJobs(campaignId: $c) { nodes { id errors(limit: 2) { line column message } again: errors(limit: 3) { line } } } }`, map[string]any{"c": c}, &twice)
	if len(once.ImportJobs.Nodes) != 2 || len(once.ImportJobs.Nodes[1].Errors) != 2 || len(once.ImportJobs.Nodes[0].Errors) != 0 ||
		fmt.Sprint(once.ImportJobs.Nodes[1].Errors) != fmt.Sprint(twice.ImportJobs.Nodes[1].Errors) || len(twice.ImportJobs.Nodes[1].Again) != 3 {
		t.Errorf("errors with the page %+v, job by job %+v", once.ImportJobs, twice.ImportJobs)
	}
}

func TestImportStartRefusals(t *testing.T) {
	t.Parallel()
	startWorkers(t)
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	yes := true
	for _, tc := range []struct {
		name    string
		file    string
		mapping []map[string]any
		code    string
	}{
		{"no identity column", "name,company\nAnn,Acme\n", nil, "BAD_USER_INPUT"},
		{"empty file", "", nil, "BAD_USER_INPUT"},
		{"a NUL in the header", "email,no\x00te\na@x.io,x\n", nil, "BAD_USER_INPUT"},
		{"a header that is not UTF-8", "email,\xff\xfe\xfdnote\na@x.io,x\n", nil, "BAD_USER_INPUT"},
		{"mapping names a missing column", "email\na@x.io\n", []map[string]any{{"column": "nope", "ignore": yes}}, "BAD_USER_INPUT"},
		{"two columns to one field", "a,b\nx@x.io,y@x.io\n", []map[string]any{{"column": "a", "field": "EMAIL"}, {"column": "b", "field": "EMAIL"}}, "BAD_USER_INPUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := a.start(c, "f.csv", []byte(tc.file), map[string]any{"mapping": tc.mapping})
			if p.Job != nil || len(p.UserErrors) == 0 || p.UserErrors[0].Code != tc.code {
				t.Errorf("payload %+v, want %s", p, tc.code)
			}
		})
	}
	// A header alone: a job of no rows, done at once.
	if j := a.waitJob(a.start(c, "h.csv", []byte("email,name\r\n"), nil).Job.ID); j.Status != "SUCCEEDED" || j.TotalRows != 0 {
		t.Errorf("header only: %+v", j)
	}
	// A mapping override makes a file without the identity's header work.
	p := a.start(c, "f.csv", []byte("Work Address\nq@x.io\n"), map[string]any{"mapping": []map[string]any{{"column": "Work Address", "field": "EMAIL"}}})
	if len(p.UserErrors) > 0 || a.waitJob(p.Job.ID).Imported != 1 {
		t.Errorf("mapped: %+v", p)
	}
	var n int
	if err := dbtest.DB(t).QueryRowContext(context.Background(), `SELECT count(*) FROM import_jobs WHERE campaign_id = ?`, c).Scan(&n); err != nil || n != 2 {
		t.Errorf("refused starts stored jobs: %d, %v", n, err)
	}
	// A frozen roster.
	if _, ue := a.transition(c, "LAUNCHING"); len(ue) > 0 {
		t.Fatal(ue)
	}
	if p := a.start(c, "f.csv", []byte("email\nw@x.io\n"), nil); len(p.UserErrors) != 1 || p.UserErrors[0].Code != "ROSTER_FROZEN" {
		t.Errorf("frozen: %+v", p)
	}
}

func TestImportIdempotencyKey(t *testing.T) {
	t.Parallel()
	startWorkers(t)
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	file := []byte("email\nk1@x.io\nk2@x.io\n")
	first := a.start(c, "k.csv", file, map[string]any{"key": "import-1"})
	again := a.start(c, "k.csv", file, map[string]any{"key": "import-1"})
	if first.Replayed || !again.Replayed || again.Job == nil || again.Job.ID != first.Job.ID {
		t.Fatalf("replay: %+v then %+v", first, again)
	}
	other := a.start(c, "k.csv", []byte("email\nk3@x.io\n"), map[string]any{"key": "import-1"})
	if len(other.UserErrors) != 1 || other.UserErrors[0].Code != "IDEMPOTENCY_KEY_REUSED" {
		t.Errorf("other file, same key: %+v", other)
	}
	renamed := a.start(c, "k2.csv", file, map[string]any{"key": "import-1"})
	if len(renamed.UserErrors) != 1 || renamed.UserErrors[0].Code != "IDEMPOTENCY_KEY_REUSED" {
		t.Errorf("other name, same key: %+v", renamed)
	}
	if j := a.waitJob(first.Job.ID); j.Imported != 2 {
		t.Errorf("job: %+v", j)
	}
}

func TestImportPreview(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	const preview = `mutation($c: UUID!, $file: Upload!, $mapping: [ColumnMappingInput!], $rows: Int) {
		previewProspectImport(campaignId: $c, file: $file, mapping: $mapping, rows: $rows) {
			mapping { column field customField ignored } delimiter totalRows
			rows { line email firstName customFields problems { line column message } }
			userErrors { code message field } } }`
	type payload struct {
		Mapping []struct {
			Column      string  `json:"column"`
			Field       *string `json:"field"`
			CustomField *string `json:"customField"`
		} `json:"mapping"`
		Delimiter string `json:"delimiter"`
		TotalRows int    `json:"totalRows"`
		Rows      []struct {
			Line         int            `json:"line"`
			Email        *string        `json:"email"`
			FirstName    *string        `json:"firstName"`
			CustomFields map[string]any `json:"customFields"`
			Problems     []struct {
				Line    int     `json:"line"`
				Column  *string `json:"column"`
				Message string  `json:"message"`
			} `json:"problems"`
		} `json:"rows"`
		UserErrors []userError `json:"userErrors"`
	}
	run := func(who *api, file string, vars map[string]any) payload {
		t.Helper()
		vars["c"] = c
		r := who.upload(who.url, preview, vars, "p.csv", []byte(file))
		if r.Status != 200 || len(r.Errors) > 0 {
			t.Fatalf("preview: HTTP %d %+v", r.Status, r.Errors)
		}
		var out struct {
			P payload `json:"previewProspectImport"`
		}
		if err := json.Unmarshal(r.Data, &out); err != nil {
			t.Fatal(err)
		}
		return out.P
	}
	p := run(a, "E-mail;Given Name;Team\n a@x.io ;Ann;red\nnope;Bob;\nc@x.io;Cy;\n", map[string]any{"rows": 2})
	if p.Delimiter != ";" || p.TotalRows != 3 || len(p.Rows) != 2 || len(p.UserErrors) > 0 {
		t.Fatalf("preview: %+v", p)
	}
	if *p.Mapping[0].Field != "EMAIL" || *p.Mapping[1].Field != "FIRST_NAME" || *p.Mapping[2].CustomField != "team" {
		t.Errorf("mapping %+v", p.Mapping)
	}
	if r := p.Rows[0]; r.Line != 2 || *r.Email != "a@x.io" || r.CustomFields["team"] != "red" || len(r.Problems) != 0 {
		t.Errorf("row 1: %+v", r)
	}
	if r := p.Rows[1]; r.Line != 3 || len(r.Problems) != 1 || *r.Problems[0].Column != "E-mail" {
		t.Errorf("row 2: %+v", r)
	}
	// No identity column: the mapping and a userError.
	p = run(a, "name\nAnn\n", map[string]any{})
	if len(p.Mapping) != 1 || len(p.UserErrors) != 1 || p.UserErrors[0].Code != "BAD_USER_INPUT" {
		t.Errorf("no identity: %+v", p)
	}
	// A header PostgreSQL could not store.
	if p = run(a, "email,a\x00b\nx@x.io,y\n", map[string]any{}); len(p.UserErrors) != 1 || p.UserErrors[0].Code != "BAD_USER_INPUT" {
		t.Errorf("NUL header: %+v", p)
	}
	// A row with a NUL in a field and in a custom field: problems, not faults.
	p = run(a, "email,first name,note\nx@x.io,A\x00B,c\x00d\n", map[string]any{})
	if len(p.Rows) != 1 || len(p.Rows[0].Problems) != 2 {
		t.Errorf("NUL cells: %+v", p)
	}
	if got := a.roster(c); len(got) != 0 {
		t.Errorf("preview wrote %d prospects", len(got))
	}
	// Another owner's campaign.
	if p := run(newAPI(t), "email\na@x.io\n", map[string]any{}); len(p.UserErrors) != 1 || p.UserErrors[0].Code != "NOT_FOUND" {
		t.Errorf("other owner: %+v", p)
	}
}

func TestImportOtherOwner(t *testing.T) {
	t.Parallel()
	startWorkers(t)
	a, b := newAPI(t), newAPI(t)
	c := a.createCampaign("EMAIL")
	p := a.start(c, "f.csv", []byte("email\no@x.io\n"), nil)
	if b.job(p.Job.ID) != nil {
		t.Error("another owner's job is visible")
	}
	if p := b.start(c, "f.csv", []byte("email\no@x.io\n"), nil); len(p.UserErrors) != 1 || p.UserErrors[0].Code != "NOT_FOUND" {
		t.Errorf("start on another owner's campaign: %+v", p)
	}
	var out struct {
		CancelProspectImport struct {
			Job        *importJob  `json:"job"`
			UserErrors []userError `json:"userErrors"`
		} `json:"cancelProspectImport"`
	}
	b.query(`mutation($id: UUID!) { cancelProspectImport(id: $id) { job { id } userErrors { code } } }`, map[string]any{"id": p.Job.ID}, &out)
	if out.CancelProspectImport.Job != nil || len(out.CancelProspectImport.UserErrors) != 1 || out.CancelProspectImport.UserErrors[0].Code != "NOT_FOUND" {
		t.Errorf("cancel of another owner's job: %+v", out)
	}
	r := b.do(`query($c: UUID!) { importJobs(campaignId: $c) { totalCount } }`, map[string]any{"c": c})
	if len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" {
		t.Errorf("importJobs of another owner's campaign: %+v", r.Errors)
	}
}

// cancel cancels a job and returns it.
func (a *api) cancel(id string) *importJob {
	a.t.Helper()
	var out struct {
		CancelProspectImport struct {
			Job        *importJob  `json:"job"`
			UserErrors []userError `json:"userErrors"`
		} `json:"cancelProspectImport"`
	}
	a.query(`mutation($id: UUID!) { cancelProspectImport(id: $id) { job { `+importJobFields+` } userErrors { code message } } }`, map[string]any{"id": id}, &out)
	if len(out.CancelProspectImport.UserErrors) > 0 {
		a.t.Fatalf("cancel: %+v", out.CancelProspectImport.UserErrors)
	}
	return out.CancelProspectImport.Job
}

// bigFile is a CSV of n rows with distinct emails.
func bigFile(prefix string, n int) []byte {
	var b bytes.Buffer
	b.WriteString("email,first name,company\n")
	for i := range n {
		fmt.Fprintf(&b, "%s%d@x.io,Name %d,Company %d\n", prefix, i, i, i)
	}
	return b.Bytes()
}

func TestImportLaunchRefusedAndCancel(t *testing.T) {
	t.Parallel()
	startWorkers(t)
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	a.add(c, emails("seed@x.io"), false)
	// 3000 rows in chunks of 3: long enough to be caught running.
	p := a.start(c, "big.csv", bigFile("big", 3000), nil)
	if len(p.UserErrors) > 0 {
		t.Fatal(p.UserErrors)
	}
	if _, ue := a.transition(c, "LAUNCHING"); len(ue) != 1 || ue[0].Code != "IMPORT_IN_PROGRESS" {
		t.Fatalf("launch during the job: %+v", ue)
	}
	// Wait for it to run, then cancel.
	for j := a.job(p.Job.ID); j.ProcessedRows == 0; j = a.job(p.Job.ID) {
		time.Sleep(20 * time.Millisecond)
	}
	asked := time.Now()
	j := a.cancel(p.Job.ID)
	if j.Status != "CANCELLED" {
		t.Fatalf("cancel answered %+v", j)
	}
	time.Sleep(300 * time.Millisecond) // a chunk would have committed by now
	after := a.job(p.Job.ID)
	if after.ProcessedRows != j.ProcessedRows || after.Status != "CANCELLED" || time.Since(asked) > 2*time.Second+300*time.Millisecond {
		t.Errorf("rows moved after the cancel: %d then %d", j.ProcessedRows, after.ProcessedRows)
	}
	if got := len(a.roster(c)); got > 200 || after.Imported == 0 {
		t.Logf("roster %d, imported %d", got, after.Imported)
	}
	var onRoster int
	if err := dbtest.DB(t).QueryRowContext(context.Background(), `SELECT count(*) FROM prospects WHERE campaign_id = ?`, c).Scan(&onRoster); err != nil || onRoster != after.Imported+1 {
		t.Errorf("roster holds %d, the job says %d imported (+1 seed): %v", onRoster, after.Imported, err)
	}
	// Cancelling again changes nothing.
	if again := a.cancel(p.Job.ID); again.Status != "CANCELLED" || again.ProcessedRows != after.ProcessedRows {
		t.Errorf("second cancel: %+v", again)
	}
	if _, ue := a.transition(c, "LAUNCHING"); len(ue) > 0 {
		t.Errorf("launch after the cancel: %+v", ue)
	}
}

func TestImportTransport(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	post := func(contentType string, body []byte, token string) htResult {
		req, _ := http.NewRequest(http.MethodPost, a.url+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return roundTrip(t, req)
	}
	form := func(names ...string) (string, []byte) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for _, n := range names {
			_ = mw.WriteField(n, `{"query":"{ __typename }"}`)
		}
		_ = mw.Close()
		return mw.FormDataContentType(), b.Bytes()
	}
	for _, tc := range []struct {
		name  string
		parts []string
	}{{"no parts", nil}, {"a form", []string{"name", "email"}}, {"map first", []string{"map", "operations"}}, {"operations alone", []string{"operations"}}} {
		ct, body := form(tc.parts...)
		if r := post(ct, body, a.token); r.Status != http.StatusUnsupportedMediaType || !strings.Contains(string(r.Body), "UNSUPPORTED_MEDIA_TYPE") {
			t.Errorf("%s: HTTP %d %s", tc.name, r.Status, r.Body)
		}
	}
	if r := post("application/x-www-form-urlencoded", []byte("operations=x&map=y"), a.token); r.Status != http.StatusUnsupportedMediaType {
		t.Errorf("urlencoded: HTTP %d", r.Status)
	}
	// The multipart request without a token: 401.
	anon := &api{t: t, url: a.url}
	if r := anon.upload(a.url, startImport, map[string]any{"c": c}, "f.csv", []byte("email\na@x.io\n")); r.Status != http.StatusUnauthorized {
		t.Errorf("no token: HTTP %d", r.Status)
	}
}

// TestImportLimits runs a handler with small IMPORT_MAX_BYTES and
// IMPORT_MAX_ROWS.
func TestImportLimits(t *testing.T) {
	t.Parallel()
	v, err := auth.NewVerifier(testAuth)
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.NewHandler(httpapi.Options{Store: db.NewStore(dbtest.DB(t)), Verifier: v,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ImportLimits: db.ImportLimits{MaxBytes: 2000, MaxRows: 5}})
	srv := httptest.NewServer(h)
	defer srv.Close()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	try := func(file []byte) (int, startPayload) {
		r := a.upload(srv.URL, startImport, map[string]any{"c": c}, "f.csv", file)
		var out struct {
			StartProspectImport startPayload `json:"startProspectImport"`
		}
		_ = json.Unmarshal(r.Data, &out)
		return r.Status, out.StartProspectImport
	}
	if status, p := try(bigFile("r", 5)); status != 200 || p.Job == nil || p.Job.TotalRows != 5 {
		t.Errorf("5 rows: HTTP %d %+v", status, p)
	}
	if status, p := try(bigFile("r", 6)); status != 200 || p.Job != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != "BAD_USER_INPUT" {
		t.Errorf("6 rows: HTTP %d %+v", status, p)
	}
	big := append([]byte("email,notes\n"), bytes.Repeat([]byte("x@x.io,"+strings.Repeat("n", 500)+"\n"), 4)...)
	if status, p := try(big); status != 200 || p.Job != nil || len(p.UserErrors) != 1 {
		t.Errorf("over the bytes: HTTP %d %+v", status, p)
	}
	huge := bytes.Repeat([]byte("y"), 2<<20)
	if status, _ := try(huge); status != http.StatusRequestEntityTooLarge {
		t.Errorf("over the body cap: HTTP %d", status)
	}
}

// TestImportPurge: a job's record stays 30 days after it finished, then
// the workers' purge deletes it.
func TestImportPurge(t *testing.T) {
	t.Parallel()
	startWorkers(t)
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	old := a.waitJob(a.start(c, "old.csv", []byte("email\nold@x.io\n"), nil).Job.ID)
	recent := a.waitJob(a.start(c, "recent.csv", []byte("email\nrecent@x.io\n"), nil).Job.ID)
	ctx := context.Background()
	bdb := dbtest.DB(t)
	if _, err := bdb.ExecContext(ctx, `UPDATE import_jobs SET finished_at = now() - interval '31 days' WHERE id = ?`, old.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := bdb.ExecContext(ctx, `UPDATE import_jobs SET finished_at = now() - interval '29 days' WHERE id = ?`, recent.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewStore(bdb).PurgeImportJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if a.job(old.ID) != nil || a.job(recent.ID) == nil {
		t.Errorf("after the purge: the 31-day-old job %v, the 29-day-old one %v", a.job(old.ID), a.job(recent.ID))
	}
}

// TestImportMerge: onDuplicate: UPDATE merges a row whose identity is on
// the roster, never a later row of an identity (IN_BATCH), in another
// chunk too.
func TestImportMerge(t *testing.T) {
	t.Parallel()
	startWorkers(t)
	a := newAPI(t)
	c := a.createCampaign("EMAIL")
	if res := a.add(c, []map[string]any{{"email": "r@x.io", "firstName": "Old"}}, false); res.Imported != 1 {
		t.Fatalf("add: %+v", res)
	}
	file := "email,first name\nr@x.io,New\na@x.io,A\nx@x.io,X\nr@x.io,Newer\na@x.io,B\n"
	p := a.start(c, "m.csv", []byte(file), map[string]any{"options": map[string]any{"onDuplicate": "UPDATE"}})
	j := a.waitJob(p.Job.ID)
	if j.Status != "SUCCEEDED" || j.Imported != 2 || j.Duplicates != 3 || j.Updated != 1 {
		t.Fatalf("job: %+v", j)
	}
	names := map[string]string{}
	for _, p := range a.roster(c) {
		names[*p.Email] = *p.FirstName
	}
	if names["r@x.io"] != "New" || names["a@x.io"] != "A" {
		t.Errorf("first names %v: only the first row of each identity counts", names)
	}
}

// TestImportSlowUpload: a file arriving more slowly than the server's
// read timeout allows a request still gets in (the upload's deadline).
func TestImportSlowUpload(t *testing.T) {
	t.Parallel()
	v, err := auth.NewVerifier(testAuth)
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.NewHandler(httpapi.Options{Store: db.NewStore(dbtest.DB(t)), Verifier: v,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RequestTimeout: 500 * time.Millisecond})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 500*time.Millisecond, 500*time.Millisecond
	srv.Start()
	defer srv.Close()
	a := newAPI(t)
	c := a.createCampaign("EMAIL")

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		ops, _ := json.Marshal(map[string]any{"query": startImport, "variables": map[string]any{"c": c, "file": nil}})
		_ = mw.WriteField("operations", string(ops))
		_ = mw.WriteField("map", `{"0": ["variables.file"]}`)
		fw, _ := mw.CreateFormFile("0", "slow.csv")
		_, _ = fw.Write([]byte("email\n"))
		for i := range 6 { // 1.5 s in all
			time.Sleep(250 * time.Millisecond)
			fmt.Fprintf(fw, "slow%d@x.io\n", i)
		}
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+a.token)
	r := send(t, req)
	var out struct {
		StartProspectImport startPayload `json:"startProspectImport"`
	}
	_ = json.Unmarshal(r.Data, &out)
	if r.Status != 200 || out.StartProspectImport.Job == nil || out.StartProspectImport.Job.TotalRows != 6 {
		t.Errorf("slow upload: HTTP %d %+v %+v", r.Status, r.Errors, out.StartProspectImport)
	}
}
