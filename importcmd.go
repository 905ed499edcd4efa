package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"roster/auth"
	"roster/model"
)

// mapFlags is --map, given once per column: "Header=field".
type mapFlags []string

func (m *mapFlags) String() string     { return strings.Join(*m, ", ") }
func (m *mapFlags) Set(v string) error { *m = append(*m, v); return nil }

// importCommand uploads a CSV file through the API (the GraphQL multipart
// request), follows the job with a progress bar, and prints its counts and
// first row errors; Ctrl-C asks whether to cancel the job.
func importCommand(cfg config, fs *flag.FlagSet) error {
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	campaign, file := get("campaign"), get("file")
	if campaign == "" || file == "" {
		fs.Usage()
		return errors.New("import: --campaign and --file are required")
	}
	mapping, err := parseMappings(*fs.Lookup("map").Value.(*mapFlags))
	if err != nil {
		return err
	}
	url := get("url")
	if url == "" {
		url = "http://" + cfg.Addr
	}
	url = strings.TrimSuffix(url, "/") + "/graphql"
	tok := get("token")
	if tok == "" {
		// The configured secret signs one for --sub, as `token` would.
		ac, _, err := authConfig(cfg)
		if err != nil {
			return err
		}
		if len(ac.Secret) == 0 {
			return errors.New("import: give --token (no JWT_SECRET to sign one with)")
		}
		if tok, err = auth.Issue(ac, get("sub"), time.Hour); err != nil {
			return err
		}
	}
	c := &client{url: url, token: tok}

	var start struct {
		StartProspectImport struct {
			Job        *cliJob            `json:"job"`
			UserErrors []*model.UserError `json:"userErrors"`
		} `json:"startProspectImport"`
	}
	if err := c.upload(file, `mutation($c: UUID!, $file: Upload!, $mapping: [ColumnMappingInput!]) {
		startProspectImport(campaignId: $c, file: $file, mapping: $mapping) { job { `+cliJobFields+` } userErrors { code message } } }`,
		map[string]any{"c": campaign, "mapping": mapping}, &start); err != nil {
		return err
	}
	if ue := start.StartProspectImport.UserErrors; len(ue) > 0 {
		for _, e := range ue {
			fmt.Fprintf(os.Stderr, "%s: %s\n", e.Code, e.Message)
		}
		return errors.New("import: refused")
	}
	job := start.StartProspectImport.Job
	fmt.Fprintf(os.Stderr, "job %s: %d rows\n", job.ID, job.TotalRows)

	interrupts := make(chan os.Signal, 1)
	defer cliInterrupts(interrupts)()
	answers := bufio.NewReader(cliAnswers)
	bar := progressbar.NewOptions(max(job.TotalRows, 1), progressbar.OptionSetDescription("importing"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
		progressbar.OptionSetWriter(os.Stderr), progressbar.OptionThrottle(100*time.Millisecond))
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for job.Status == "QUEUED" || job.Status == "RUNNING" {
		select {
		case <-interrupts:
			_ = bar.Clear()
			if askCancel(answers) {
				var out struct {
					CancelProspectImport struct {
						Job *cliJob `json:"job"`
					} `json:"cancelProspectImport"`
				}
				if err := c.do(`mutation($id: UUID!) { cancelProspectImport(id: $id) { job { `+cliJobFields+` } } }`,
					map[string]any{"id": job.ID}, &out); err != nil {
					return err
				}
				if out.CancelProspectImport.Job != nil {
					job = out.CancelProspectImport.Job
				}
				continue
			}
		case <-tick.C:
		}
		var out struct {
			ImportJob *cliJob `json:"importJob"`
		}
		if err := c.do(`query($id: UUID!) { importJob(id: $id) { `+cliJobFields+` } }`, map[string]any{"id": job.ID}, &out); err != nil {
			return err
		}
		if out.ImportJob == nil {
			return fmt.Errorf("import: job %s is gone", job.ID)
		}
		job = out.ImportJob
		_ = bar.Set(job.ProcessedRows)
	}
	_ = bar.Finish()
	fmt.Fprintln(os.Stderr)
	fmt.Printf("%s: %d rows, %d imported, %d duplicates (%d updated), %d skipped, %d invalid\n",
		job.Status, job.TotalRows, job.Imported, job.Duplicates, job.Updated, job.Skipped, job.Invalid)
	if job.Failure != nil {
		fmt.Printf("failure: %s: %s\n", job.Failure.Code, job.Failure.Message)
	}
	for _, e := range job.Errors {
		fmt.Printf("  line %d: %s\n", e.Line, e.Message)
	}
	if job.Invalid > len(job.Errors) {
		fmt.Printf("  … and %d more\n", job.Invalid-len(job.Errors))
	}
	if job.Status != "SUCCEEDED" {
		return fmt.Errorf("import: the job is %s", job.Status)
	}
	return nil
}

// The import command's Ctrl-C: the interrupts it asks about, and where it
// reads the answer (tests send both).
var (
	cliInterrupts = func(ch chan<- os.Signal) (stop func()) {
		signal.Notify(ch, os.Interrupt)
		return func() { signal.Stop(ch) }
	}
	cliAnswers io.Reader = os.Stdin
)

// askCancel asks on the terminal whether to cancel the job.
func askCancel(answers *bufio.Reader) bool {
	fmt.Fprint(os.Stderr, "\ncancel the import job? rows imported so far stay [y/N] ")
	line, _ := answers.ReadString('\n')
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(line)), "y")
}

// parseMappings reads --map values: "Header=field", the field a
// ProspectField (EMAIL, linkedin_url, firstName…: case, '_' and '-'
// ignored), "custom:key" or "ignore".
func parseMappings(flags []string) ([]map[string]any, error) {
	var out []map[string]any
	fold := func(s string) string {
		return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
	}
	for _, f := range flags {
		col, target, ok := strings.Cut(f, "=")
		if !ok || strings.TrimSpace(col) == "" {
			return nil, fmt.Errorf("--map %q: want \"Column=field\"", f)
		}
		m := map[string]any{"column": strings.TrimSpace(col)}
		target = strings.TrimSpace(target)
		switch key, custom := strings.CutPrefix(target, "custom:"); {
		case custom:
			m["customField"] = key
		case strings.EqualFold(target, "ignore"):
			m["ignore"] = true
		default:
			for _, pf := range model.AllProspectField {
				if fold(string(pf)) == fold(target) {
					m["field"] = string(pf)
				}
			}
			if m["field"] == nil {
				return nil, fmt.Errorf("--map %q: %q is not a field (EMAIL, LINKEDIN_URL, FIRST_NAME, LAST_NAME, COMPANY, TITLE, PHONE, LOCATION), custom:KEY or ignore", f, target)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// cliJob is what the command shows of a job.
type cliJob struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	TotalRows     int    `json:"totalRows"`
	ProcessedRows int    `json:"processedRows"`
	Imported      int    `json:"imported"`
	Duplicates    int    `json:"duplicates"`
	Skipped       int    `json:"skipped"`
	Updated       int    `json:"updated"`
	Invalid       int    `json:"invalid"`
	Errors        []struct {
		Line    int    `json:"line"`
		Message string `json:"message"`
	} `json:"errors"`
	Failure *model.UserError `json:"failure"`
}

const cliJobFields = `id status totalRows processedRows imported duplicates skipped updated invalid
	errors(limit: 10) { line message } failure { code message }`

// client is a GraphQL client of the API.
type client struct {
	url, token string
}

func (c *client) do(query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	return c.send(bytes.NewReader(body), "application/json", out)
}

// upload sends the file as the variable "file", streamed from disk.
func (c *client) upload(path, query string, vars map[string]any, out any) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	vars["file"] = nil
	ops, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := mw.WriteField("operations", string(ops))
		if err == nil {
			err = mw.WriteField("map", `{"0": ["variables.file"]}`)
		}
		var part io.Writer
		if err == nil {
			part, err = mw.CreateFormFile("0", filepath.Base(path))
		}
		if err == nil {
			_, err = io.Copy(part, f)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return c.send(pr, mw.FormDataContentType(), out)
}

func (c *client) send(body io.Reader, contentType string, out any) error {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, c.url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer resp.Body.Close()
	var res struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return fmt.Errorf("import: HTTP %d, not a GraphQL answer: %w", resp.StatusCode, err)
	}
	if len(res.Errors) > 0 {
		return fmt.Errorf("import: HTTP %d: %s", resp.StatusCode, res.Errors[0].Message)
	}
	return json.Unmarshal(res.Data, out)
}
