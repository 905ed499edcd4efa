package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The wrk rows measure the server the way HTTP load tools and clients load
// it: wrk (the Debian package wrk) keeps its connections busy from a C
// event loop, so the latencies it reports are the server's and the
// kernel's, not a Go load generator's scheduling as well. The list row
// sends the contract's list query for random pages; the polling rows send
// one page by GET, with and without the If-None-Match of its current ETag.
// A 2xx answer with GraphQL errors is not seen by wrk: checkList (the
// list phase) has checked the same requests' answers before.

// wrkResult is one wrk run: its rate and latency percentiles, and the
// answers that were not what the run expects.
type wrkResult struct {
	rate          float64
	p50, p90, p99 time.Duration
	requests      int
	bad           int // non-2xx/3xx answers, socket errors, or the wrong status
}

func (w wrkResult) String() string {
	return fmt.Sprintf("%.0f req/s, p50 %s, p90 %s, p99 %s", w.rate, ms(w.p50), ms(w.p90), ms(w.p99))
}

// wrkReport is what the wrk rows measured; nil when wrk is missing.
type wrkReport struct {
	list             wrkResult
	notModified, ok  wrkResult // the same page: 304 polls, full 200 answers
	threads, conns   int
	pollPage, poll2s int
}

// findWrk finds wrk, or installs it when this process may (root, with
// apt-get); otherwise it says what to install.
func findWrk(ctx context.Context) (string, error) {
	if p, err := exec.LookPath("wrk"); err == nil {
		return p, nil
	}
	if os.Geteuid() == 0 {
		if apt, err := exec.LookPath("apt-get"); err == nil {
			step("wrk not found: installing the Debian package wrk (apt-get install -y wrk)")
			cmd := exec.CommandContext(ctx, apt, "install", "-y", "wrk")
			cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			if out, err := cmd.CombinedOutput(); err != nil {
				return "", fmt.Errorf("wrk not found, and apt-get install -y wrk failed (%v): %s", err, tail0(string(out)))
			}
			if p, err := exec.LookPath("wrk"); err == nil {
				return p, nil
			}
		}
	}
	return "", errors.New("wrk not found: install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk) to get the wrk rows")
}

func tail0(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-3):], " | ")
}

// wrkScriptHead is the Lua every script starts with: done() prints the
// figures this program reads, as microseconds, on one line.
// A response function, which costs wrk a call into Lua per answer, is
// defined only when a status other than 2xx must be checked (want).
// Each thread has a Lua state of its own: setup keeps the threads, so that
// done (in the main state) can add up their bad answers.
const wrkScriptHead = `
bad = 0
local want = %d
local threads = {}
setup = function(thread) table.insert(threads, thread); thread:set("seed", #threads) end
if want ~= 200 then
  response = function(status, headers, body)
    if status ~= want then bad = bad + 1 end
  end
end
done = function(summary, latency, requests)
  local errs = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  for _, t in ipairs(threads) do errs = errs + t:get("bad") end
  io.write(string.format("ROSTERBENCH %%d %%d %%d %%d %%d %%d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), errs))
end
`

// listScript draws the list load's requests (listRequest): a random page
// of the roster, half of them filtered by PENDING. The query goes as JSON
// inside a Lua long string, so that its escapes stay JSON's.
func listScript(r *roster, token string) (string, error) {
	q, err := json.Marshal(listQuery)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(wrkScriptHead, 200) + fmt.Sprintf(`
local pages = %d
local query = [==[%s]==]
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %s"}
init = function(args) math.randomseed(os.time() * 1000 + seed) end
request = function()
  local s = "null"
  if math.random(2) == 1 then s = '"PENDING"' end
  local body = '{"query":' .. query .. ',"variables":{"c":"%s","p":' .. math.random(1, pages) .. ',"s":' .. s .. '}}'
  return wrk.format("POST", "/graphql", headers, body)
end
`, r.size/pageSize, q, token, r.id), nil
}

// pollScript sends one GET, with If-None-Match when etag is set.
func pollScript(path, token, etag string, want int) string {
	inm := ""
	if etag != "" {
		inm = fmt.Sprintf(`, ["If-None-Match"] = [==[%s]==]`, etag)
	}
	return fmt.Sprintf(wrkScriptHead, want) + fmt.Sprintf(`
local req
init = function(args)
  -- Here, not at load: wrk.format adds the Host header, which wrk knows
  -- only once the threads start.
  req = wrk.format("GET", [==[%s]==], {["Authorization"] = "Bearer %s"%s})
end
request = function() return req end
`, path, token, inm)
}

// runWrk runs one script against base for d, after a warm-up of warm.
func runWrk(ctx context.Context, bin, dir, base, name, script string, threads, conns int, warm, d time.Duration) (wrkResult, error) {
	file := filepath.Join(dir, name+".lua")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		return wrkResult{}, err
	}
	run := func(d time.Duration) (wrkResult, error) {
		secs := max(1, int(d.Round(time.Second)/time.Second))
		cmd := exec.CommandContext(ctx, bin, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns),
			"-d", strconv.Itoa(secs)+"s", "--timeout", "10s", "-s", file, base)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return wrkResult{}, fmt.Errorf("wrk: %v: %s", err, tail0(string(out)))
		}
		for line := range strings.Lines(string(out)) {
			f := strings.Fields(line)
			if len(f) != 7 || f[0] != "ROSTERBENCH" {
				continue
			}
			var n [6]int64
			for i := range n {
				if n[i], err = strconv.ParseInt(f[i+1], 10, 64); err != nil {
					return wrkResult{}, fmt.Errorf("wrk: %q: %v", line, err)
				}
			}
			return wrkResult{
				requests: int(n[0]), rate: float64(n[0]) / (float64(n[1]) / 1e6),
				p50: time.Duration(n[2]) * time.Microsecond, p90: time.Duration(n[3]) * time.Microsecond,
				p99: time.Duration(n[4]) * time.Microsecond, bad: int(n[5]),
			}, nil
		}
		return wrkResult{}, fmt.Errorf("wrk printed no figures: %s", tail0(string(out)))
	}
	if warm > 0 {
		if _, err := run(warm); err != nil {
			return wrkResult{}, err
		}
	}
	res, err := run(d)
	if err == nil && res.bad > 0 {
		err = fmt.Errorf("wrk %s: %d of %d answers were errors or not the expected status", name, res.bad, res.requests)
	}
	return res, err
}

// wrkPhase runs the wrk rows: the list load, then one page polled with
// its ETag (304) and without (200), each for cfg.duration after cfg.warmup.
func wrkPhase(ctx context.Context, cfg config, bin, dir, base, token string, r *roster) (*wrkReport, error) {
	rep := &wrkReport{threads: 2, conns: cfg.clients, pollPage: r.size / pageSize / 2}
	script, err := listScript(r, token)
	if err != nil {
		return nil, err
	}
	step("list by wrk: %d connections, %d threads, %s warm-up + %s", rep.conns, rep.threads, cfg.warmup, cfg.duration)
	if rep.list, err = runWrk(ctx, bin, dir, base+"/graphql", "list", script, rep.threads, rep.conns, cfg.warmup, cfg.duration); err != nil {
		return nil, err
	}

	// One full 200-row page by GET, as a polling client sends it.
	v := url.Values{}
	v.Set("query", listQuery)
	vars, _ := json.Marshal(map[string]any{"c": r.id, "p": rep.pollPage, "s": nil})
	v.Set("variables", string(vars))
	path := "/graphql?" + v.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	etag := res.Header.Get("ETag")
	if res.StatusCode != http.StatusOK || etag == "" {
		return nil, fmt.Errorf("the polled page: HTTP %d, ETag %q (want 200 and one)", res.StatusCode, etag)
	}
	step("poll by wrk: page %d by GET with its ETag (304), then without (200)", rep.pollPage)
	stopProfile, err := profile(cfg.profileDir, "poll304")
	if err != nil {
		return nil, err
	}
	rep.notModified, err = runWrk(ctx, bin, dir, base, "poll304", pollScript(path, token, etag, http.StatusNotModified),
		rep.threads, rep.conns, cfg.warmup, cfg.duration)
	stopProfile()
	if err != nil {
		return nil, err
	}
	if rep.ok, err = runWrk(ctx, bin, dir, base, "poll200", pollScript(path, token, "", http.StatusOK),
		rep.threads, rep.conns, cfg.warmup, cfg.duration); err != nil {
		return nil, err
	}
	return rep, nil
}

// wrkRows are the wrk rows of the report.
func (w *wrkReport) rows() []row {
	if w == nil {
		return nil
	}
	ratio := w.notModified.rate / w.ok.rate
	return []row{
		{fmt.Sprintf("list by wrk (%d connections, %d threads)", w.conns, w.threads), w.list.String(),
			"p99 < 100 ms and < 6× p50", verdict(w.list.p99 < 100*time.Millisecond && w.list.p99 < 6*w.list.p50)},
		{fmt.Sprintf("poll of page %d by wrk, unchanged: 304", w.pollPage), w.notModified.String(), "p99 < 20 ms", verdict(w.notModified.p99 < 20*time.Millisecond)},
		{fmt.Sprintf("poll of page %d by wrk, full 200-row answer", w.pollPage), w.ok.String(), "", ""},
		{"poll rate, 304 / full page", fmt.Sprintf("%.1f×", ratio), "≥ 5×", verdict(ratio >= 5)},
	}
}
