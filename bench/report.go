package main

import (
	_ "embed"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

type namedStats struct {
	name string
	s    stats
}

// report is everything one run measured.
type report struct {
	cfg       config
	pgVersion string
	seedTook  [2]time.Duration

	list stats // the API over HTTP
	// wrk is the wrk rows (wrk.go); wrkMissing says why there are none.
	wrk        *wrkReport
	wrkMissing string
	sqlLists   []namedStats // the floor first, then the diagnostics

	walk                    time.Duration
	keysetFirst, keysetLast stats
	keysetLastPage          int
	add                     [2]addResult
	rss                     int64
	rssWho                  string
	loadBefore, loadAfter   string      // /proc/loadavg
	supp                    *suppResult // nil when not run
	imports                 []row       // the import jobs' rows (imports.go)
}

// row is one line of the table; target and verdict are empty for a
// measurement the issue sets no target for.
type row struct{ what, measured, target, verdict string }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func size(n int) string {
	if n >= 1_000_000 && n%1_000_000 == 0 {
		return fmt.Sprintf("%dM", n/1_000_000)
	}
	return fmt.Sprintf("%dk", n/1000)
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func latencies(s stats, hi float64) string {
	return fmt.Sprintf("p50 %s, p%g %s", ms(s.pct(50)), hi, ms(s.pct(hi)))
}

func (r *report) rows() []row {
	floor := r.sqlLists[0].s
	rows := []row{
		{fmt.Sprintf("list, API over HTTP (%d clients, %s roster)", r.cfg.clients, size(r.cfg.sizes[0])),
			fmt.Sprintf("%.0f req/s, %s", r.list.rate, latencies(r.list, 99)),
			"p99 < 100 ms", verdict(r.list.pct(99) < 100*time.Millisecond)},
	}
	if r.wrkMissing != "" {
		rows = append(rows, row{"list by wrk", "not measured: " + r.wrkMissing, "p99 < 100 ms and < 6× p50", "SKIPPED"})
	}
	rows = append(rows, r.wrk.rows()...)
	floorTarget, floorOK := "beats ~100 req/s (index-only walk)", floor.rate > 100
	for _, d := range r.sqlLists[1:] {
		if d.name == naiveList.name {
			floorTarget, floorOK = fmt.Sprintf("beats naive (%.0f req/s here) and ~100 req/s", d.s.rate), floor.rate > max(100, d.s.rate)
		}
	}
	rows = append(rows,
		row{fmt.Sprintf("list, floor SQL via pgx (%d goroutines)", r.cfg.clients),
			fmt.Sprintf("%.0f req/s, %s", floor.rate, latencies(floor, 99)), floorTarget, verdict(floorOK)},
		row{"list throughput, API / floor", fmt.Sprintf("%.2f×", r.list.rate/floor.rate),
			"≥ 0.70×", verdict(r.list.rate >= 0.7*floor.rate)})
	for _, d := range r.sqlLists[1:] {
		rows = append(rows, row{"list, " + d.name, fmt.Sprintf("%.0f req/s, %s", d.s.rate, latencies(d.s, 99)), "", ""})
		if d.name == markedList.name {
			// The API walks from the server's marks, which a statement on
			// its own cannot keep: this is the floor for the API's own work,
			// a diagnostic (the floor is a statement on its own).
			rows = append(rows, row{"list throughput, API / floor with marks", fmt.Sprintf("%.2f×", r.list.rate/d.s.rate),
				"diagnostic, not a target (see below)", ""})
		}
	}
	rows = append(rows, row{"list CPU per request, API", r.cpuSplit(r.list.cpu, true), "", ""})
	for _, d := range r.sqlLists {
		rows = append(rows, row{"list CPU per request, " + d.name, r.cpuSplit(d.s.cpu, false), "", ""})
	}
	first, last := r.keysetFirst.pct(50), r.keysetLast.pct(50)
	rows = append(rows, row{fmt.Sprintf("keyset p50, page 1 / page %d", r.keysetLastPage),
		fmt.Sprintf("%s / %s (%.2f×)", ms(first), ms(last), float64(last)/float64(first)),
		"≤ 1.5×", verdict(float64(last) <= 1.5*float64(first))})
	for _, a := range r.add {
		ratio := float64(a.api.pct(50)) / float64(a.floor.pct(50))
		rows = append(rows,
			row{fmt.Sprintf("add 1000 into %s, API over HTTP", size(a.size)), latencies(a.api, 95), "", ""},
			row{fmt.Sprintf("add 1000 into %s, floor SQL via pgx", size(a.size)), latencies(a.floor, 95), "", ""},
			row{fmt.Sprintf("add 1000 into %s, db.Store in-process (no HTTP, no GraphQL)", size(a.size)),
				fmt.Sprintf("%s (%.2f× the floor)", latencies(a.store, 95), float64(a.store.pct(50))/float64(a.floor.pct(50))), "", ""},
			row{fmt.Sprintf("add into %s, CPU per batch, API", size(a.size)), r.cpuSplit(a.api.cpu, true), "", ""},
			row{fmt.Sprintf("add into %s, CPU per batch, floor", size(a.size)), r.cpuSplit(a.floor.cpu, false), "", ""},
			row{fmt.Sprintf("add into %s, API / floor p50", size(a.size)), fmt.Sprintf("%.2f×", ratio), "≤ 1.3×", verdict(ratio <= 1.3)})
	}
	growth := float64(r.add[1].api.pct(50)) / float64(r.add[0].api.pct(50))
	rows = append(rows,
		row{fmt.Sprintf("add API p50, %s / %s roster", size(r.add[1].size), size(r.add[0].size)), fmt.Sprintf("%.2f×", growth),
			"≤ 1.3×", verdict(growth <= 1.3)},
		row{"server peak RSS (VmHWM)", fmt.Sprintf("%.0f MB", float64(r.rss)/(1<<20)), "< 150 MB", verdict(r.rss < 150<<20)})
	rows = append(rows, r.imports...)
	if r.supp != nil {
		rows = append(rows, suppressionRows(r.supp)...)
	}
	return rows
}

// cpuSplit says where a request's CPU went.
func (r *report) cpuSplit(c cpu, api bool) string {
	switch {
	case !api:
		return fmt.Sprintf("PostgreSQL %s + pgx client %s", ms(c.pg), ms(c.bench))
	case r.cfg.inproc:
		return fmt.Sprintf("server and load generator %s + PostgreSQL %s", ms(c.server), ms(c.pg))
	}
	return fmt.Sprintf("server %s + PostgreSQL %s + load generator %s", ms(c.server), ms(c.pg), ms(c.bench))
}

func (r *report) print(w io.Writer) {
	printRows(w, r.rows())
	fmt.Fprintf(w, "peak RSS of %s\n", r.rssWho)
}

// printRows writes rows as an aligned table.
func printRows(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measure\tmeasured\ttarget\tverdict")
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", row.what, row.measured, row.target, row.verdict)
	}
	tw.Flush()
}

func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\n")
	fmt.Fprintf(&b, "Written by `go run ./bench` (source in `bench/`); rerun it to refresh this file.\n\n")
	fmt.Fprintf(&b, "- date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "- machine: %d cores (%s), %s; load generator, server and database share it\n", runtime.NumCPU(), cpuModel(), runtime.Version())
	fmt.Fprintf(&b, "- database: %s (embedded, ephemeral: fsync and synchronous_commit off)\n", r.pgVersion)
	fmt.Fprintf(&b, "- command: `%s`\n", strings.Join(append([]string{"go run ./bench"}, os.Args[1:]...), " "))
	fmt.Fprintf(&b, "- seeding by COPY: %s prospects in %s, %s in %s\n", size(r.cfg.sizes[0]), r.seedTook[0].Round(time.Second),
		size(r.cfg.sizes[1]), r.seedTook[1].Round(time.Second))
	fmt.Fprintf(&b, "- server RSS: %s\n", r.rssWho)
	fmt.Fprintf(&b, "- load average (1, 5, 15 min) before the run: %s; after: %s (other work on the machine shows here)\n\n", r.loadBefore, r.loadAfter)
	b.WriteString("| measure | measured | target | verdict |\n| --- | --- | --- | --- |\n")
	for _, row := range r.rows() {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", row.what, row.measured, row.target, row.verdict)
	}
	fmt.Fprintf(&b, `
How it is measured:

- **list**: %[1]d clients for %[2]s after a %[3]s warm-up, each sending the contract's list query
  (`+"`prospects(campaignId, status, page, limit: 200) { totalCount nodes { id email firstName lastName company status customFields createdAt } }`"+`)
  for a random page 1..%[4]d, half of them filtered by PENDING, over HTTP with a real token.
- **floor**: the same requests as one SQL statement each from %[1]d pgx goroutines: the campaign row
  (ownership, totalCount from the kept stats, SPEC §9) joined to the page. The page's ids come from an
  index-only walk of `+"`(campaign_id[, status], id)`"+` with OFFSET, from whichever end of the roster is
  nearer (the kept count says where the end is, in the same snapshot), and none for a page past the
  end; only the page's rows are read from the heap. That is the best a statement can do on its
  own. The API does better with marks it keeps (db/marks.go: the ids at every 1000th position,
  valid while the campaign's roster_version is unchanged), so the **floor with marks** is the same
  statement starting from the mark before the page (read once before the run, as the server reads
  them): the floor for the API's own work, a diagnostic rather than the issue's target (whose floor
  is the best statement on its own). Against it the API is held back by its own CPU per poll (HTTP,
  GraphQL, decoding and writing 200 rows), which the CPU rows below show beside PostgreSQL's.
  The other SQL rows are diagnostics too: the walk forward only, the first statement db/list.go
  sent (a correlated LATERAL), and the naive count(*) + OFFSET.
- **keyset**: one client walks the roster with `+"`after`"+` cursors, then times page 1 and page %[5]d (after
  the end cursor of page %[6]d), %[7]d times each, in turns. The whole walk took %[8]s.
- **add**: %[9]d sequential 1000-row addProspects (900 fresh identities, 100 already on the roster)
  into each roster, in turns with the floor: the same rows as one `+"`INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING id`"+`,
  the stats kept by the statement trigger; and, as a diagnostic, the same rows through the
  server's own store (`+"`db.Store.AddProspects`"+`: lock, validation, insert, reading back what the API's
  selection asks for, here nothing) called in this process,
  which splits the API's time between its database work and HTTP plus GraphQL.
- **CPU per request**: CPU time used by the server, the PostgreSQL backends and this process
  during a timed load (from /proc), divided by its requests: steadier than req/s when
  other work shares the machine, and it says where a request's cost goes.
`, r.cfg.clients, r.cfg.duration, r.cfg.warmup, r.cfg.sizes[0]/pageSize, r.keysetLastPage, r.keysetLastPage-1,
		r.cfg.keysetReps, r.walk.Round(time.Millisecond), r.cfg.batches)
	if len(r.imports) > 0 {
		b.WriteString(importsMethod)
	}
	if r.supp != nil {
		b.WriteString(suppressionMethod)
	}
	b.WriteString(speedCode)
	return b.String()
}

// speedCode is the hand-written section on what each piece of speed code
// buys, measured by Go benchmarks rather than by this run.
//
//go:embed speedcode.md
var speedCode string

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
