// Command bench measures the roster API against the floor PostgreSQL sets
// (issue 3): it starts its own throwaway PostgreSQL, seeds a 100k and a 1M
// roster by COPY, runs the real server, and compares the list, keyset and
// add paths with the best SQL for the same work sent straight by pgx. It
// prints one table and writes it to BENCHMARKS.md.
//
//	go run ./bench            full size (100k and 1M rosters), a few minutes
//	go run ./bench -small     10k and 100k rosters, for quick iteration
//	go run ./bench -inproc -profile /tmp/prof   the server in this process, profiled
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"roster/auth"
	"roster/db"
	"roster/db/embedded"
	"roster/httpapi"
	"roster/model"
)

// owner is the subject the benchmark's campaigns belong to.
const owner = "bench"

type config struct {
	sizes      [2]int // the list roster and the big roster
	warmup     time.Duration
	duration   time.Duration
	clients    int
	batches    int // sequential adds per roster
	keysetReps int
	diag       bool
	inproc     bool
	profileDir string
	out        string
	hold       bool
	dbParams   string
	// only names the one section to run ("suppressions"), "" for all.
	only         string
	suppressions bool
	wrkOnly      bool
	imports      bool
}

func parseFlags() config {
	var c config
	small := flag.Bool("small", false, "seed 10k and 100k prospects instead of 100k and 1M")
	flag.DurationVar(&c.warmup, "warmup", 2*time.Second, "warm-up before each timed load")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "length of each timed load")
	flag.IntVar(&c.clients, "clients", 16, "concurrent clients of the list load")
	flag.IntVar(&c.batches, "adds", 20, "sequential 1000-row adds per roster")
	flag.IntVar(&c.keysetReps, "keyset-reps", 50, "samples of each keyset page")
	flag.BoolVar(&c.diag, "diag", true, "also time the API's own list statement and the naive count(*)+OFFSET through pgx")
	flag.BoolVar(&c.inproc, "inproc", false, "serve the API from this process instead of the built server binary (RSS then includes the load generator)")
	flag.StringVar(&c.profileDir, "profile", "", "write CPU profiles of the list load and of the adds (list.pprof, add.pprof) to this directory (with -inproc they show the server)")
	flag.BoolVar(&c.hold, "hold", false, "after seeding, print the database URL and wait for Ctrl-C (for EXPLAIN and psql)")
	flag.StringVar(&c.dbParams, "dbparams", "", "extra query parameters for the server's DATABASE_URL, e.g. default_query_exec_mode=exec (experiments)")
	flag.StringVar(&c.out, "out", "BENCHMARKS.md", "report file, relative to the module root")
	flag.StringVar(&c.only, "only", "", `run one section alone and print its rows without writing the report: "suppressions" (the suppression list, SPEC §11)`)
	flag.BoolVar(&c.suppressions, "suppressions", true, "include the suppression list's rows (a 1M-entry list and ten 100k rosters loaded by SQL, about a minute more)")
	flag.BoolVar(&c.wrkOnly, "wrk-only", false, "seed the list roster only and run the wrk rows (list load, 304 polls), printing them; the report file is left as it is")
	flag.BoolVar(&c.imports, "imports", false, "measure only the import jobs' rows (a 10k roster to poll, a 100k and a 1M file) and print them; BENCHMARKS.md is left alone")
	flag.Parse()
	if c.imports {
		*small = true
	}
	c.sizes = [2]int{100_000, 1_000_000}
	if *small {
		c.sizes = [2]int{10_000, 100_000}
	}
	return c
}

func main() {
	cfg := parseFlags()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(cfg config) error {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "roster-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// As root the launcher runs PostgreSQL as another user, who must reach it.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}

	step("starting PostgreSQL in %s", tmp)
	pg, err := embedded.Start(ctx, embedded.Config{DataDir: tmp, Database: "roster_bench", Ephemeral: true})
	if err != nil {
		return err
	}
	defer pg.Stop() //nolint:errcheck
	url := pg.URL("roster_bench")
	bdb, err := db.Open(ctx, url)
	if err != nil {
		return err
	}
	defer bdb.Close()
	if _, err := db.Migrate(ctx, bdb); err != nil {
		return err
	}
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return err
	}
	pcfg.MaxConns = int32(cfg.clients)
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return err
	}
	defer pool.Close()

	r := report{cfg: cfg, loadBefore: loadAvg()}
	if err := pool.QueryRow(ctx, "SELECT version()").Scan(&r.pgVersion); err != nil {
		return err
	}

	if cfg.only != "" && cfg.only != "suppressions" {
		return fmt.Errorf("-only %q: the only section is suppressions", cfg.only)
	}
	store := db.NewStore(bdb)
	var rosters [2]*roster
	for i, n := range cfg.sizes {
		if cfg.only != "" || (cfg.wrkOnly || cfg.imports) && i > 0 {
			break // -imports and -wrk-only: one roster to poll
		}
		c, err := store.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: fmt.Sprintf("bench %d", n), Channel: model.ChannelEmail})
		if err != nil {
			return err
		}
		rosters[i] = &roster{id: c.ID, size: n}
		step("seeding %d prospects", n)
		took, err := seed(ctx, pool, rosters[i])
		if err != nil {
			return err
		}
		r.seedTook[i] = took
		step("  seeded in %s (COPY, stats checked, VACUUM ANALYZE)", took.Round(time.Millisecond))
	}

	if cfg.hold {
		step("seeded; psql %q   (Ctrl-C to stop)", url)
		<-ctx.Done()
		return nil
	}

	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	secretHex := hex.EncodeToString(secret)
	serverURL := url
	if cfg.dbParams != "" {
		serverURL += "&" + cfg.dbParams
	}
	srv, err := startServer(ctx, cfg, root, tmp, serverURL, secretHex)
	if err != nil {
		return err
	}
	defer srv.stop()
	token, err := auth.Issue(auth.Config{Secret: []byte(secretHex)}, owner, 2*time.Hour)
	if err != nil {
		return err
	}
	api := newClient(srv.url, token)
	apiFor := func(sub string) (*client, error) {
		tok, err := auth.Issue(auth.Config{Secret: []byte(secretHex)}, sub, 2*time.Hour)
		return newClient(srv.url, tok), err
	}
	if cfg.only == "suppressions" {
		supp, err := suppressionPhase(ctx, pool, store, apiFor)
		if err != nil {
			return err
		}
		printRows(os.Stdout, suppressionRows(supp))
		return nil
	}

	if cfg.imports {
		rows, err := importsPhase(ctx, api, store, srv, rosters[0], tmp)
		if err != nil {
			return err
		}
		printRows(os.Stdout, rows)
		return nil
	}
	if cfg.wrkOnly {
		bin, err := findWrk(ctx)
		if err != nil {
			return err
		}
		w, err := wrkPhase(ctx, cfg, bin, tmp, srv.url, token, rosters[0])
		if err != nil {
			return err
		}
		for _, row := range w.rows() {
			fmt.Printf("%s | %s | %s | %s\n", row.what, row.measured, row.target, row.verdict)
		}
		return nil
	}
	m, err := newMeter(ctx, pool, srv.pid)
	if err != nil {
		return err
	}
	if err := listPhase(ctx, cfg, m, api, pool, rosters[0], &r); err != nil {
		return err
	}
	if bin, err := findWrk(ctx); err != nil {
		step("%v: the wrk rows are left out", err)
		r.wrkMissing = err.Error()
	} else if r.wrk, err = wrkPhase(ctx, cfg, bin, tmp, srv.url, token, rosters[0]); err != nil {
		return err
	}
	if err := keysetPhase(ctx, cfg, api, rosters[0], &r); err != nil {
		return err
	}
	for i, ro := range rosters {
		step("adding %d × 1000 rows into the %d roster (API, then floor, alternately)", cfg.batches, ro.size)
		if r.add[i], err = addPhase(ctx, cfg, m, api, store, pool, ro); err != nil {
			return err
		}
		if err := checkStats(ctx, pool, ro.id); err != nil {
			return err
		}
	}
	if cfg.suppressions {
		if r.supp, err = suppressionPhase(ctx, pool, store, apiFor); err != nil {
			return err
		}
	}
	if r.rss, err = vmHWM(srv.pid); err != nil {
		return err
	}
	// After the RSS reading: a 1M-row import job has its own RSS target.
	step("import jobs: a 100,000-row file while polling the %d roster, then a 1,000,000-row file", rosters[0].size)
	if r.imports, err = importsPhase(ctx, api, store, srv, rosters[0], tmp); err != nil {
		return err
	}
	r.rssWho, r.loadAfter = srv.rssWho, loadAvg()
	r.print(os.Stdout)
	out := cfg.out
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	if err := os.WriteFile(out, []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	step("wrote %s", out)
	return nil
}

func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", errors.New("run the benchmark from inside the roster module (go run ./bench)")
	}
	return filepath.Dir(gomod), nil
}

// server is the API under test: the real binary as a child process, or
// (-inproc) the handler in this process.
type server struct {
	url    string
	pid    string // for /proc: a pid, or "self"
	rssWho string
	stop   func()
}

func startServer(ctx context.Context, cfg config, root, tmp, dbURL, secret string) (*server, error) {
	logf, err := os.Create(filepath.Join(tmp, "server.log"))
	if err != nil {
		return nil, err
	}
	if cfg.inproc {
		return startInProcess(ctx, dbURL, secret, logf)
	}
	step("building the server")
	bin := filepath.Join(tmp, "roster")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go build: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "JWT_SECRET="+secret, "ADDR="+addr,
		"DATA_DIR="+filepath.Join(tmp, "data"), "LOG_FORMAT=text",
		// The load comes from one subject: its per-subject limit would
		// measure the limiter, not the server.
		"RATE_LIMIT_RPS=0")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s := &server{
		url:    "http://" + addr,
		pid:    strconv.Itoa(cmd.Process.Pid),
		rssWho: "the server binary alone, run as a child process",
		stop: func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
			logf.Close()
		},
	}
	step("starting the server on %s", addr)
	if err := waitReady(ctx, s.url, done); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w (see the log: %s)", err, tail(logf.Name()))
	}
	return s, nil
}

func startInProcess(ctx context.Context, dbURL, secret string, logf *os.File) (*server, error) {
	bdb, err := db.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	verifier, err := auth.NewVerifier(auth.Config{Secret: []byte(secret)})
	if err != nil {
		return nil, err
	}
	h := httpapi.NewHandler(httpapi.Options{Store: db.NewStore(bdb), Verifier: verifier, Logger: slog.New(slog.NewTextHandler(logf, nil))})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return &server{
		url:    "http://" + ln.Addr().String(),
		pid:    "self",
		rssWho: "this process: server and load generator together (-inproc)",
		stop:   func() { _ = hs.Close(); _ = bdb.Close(); logf.Close() },
	}, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitReady(ctx context.Context, base string, exited <-chan struct{}) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("the server exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("the server did not become ready in 60 s")
}

// vmHWM is a process's peak resident set size in bytes (/proc/PID/status).
func vmHWM(pid string) (int64, error) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/" + pid + "/status")
}

func tail(file string) string {
	b, _ := os.ReadFile(file)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-10):], "\n")
}

// profile starts a CPU profile into dir/name.pprof when a directory was
// given; the returned func stops it.
func profile(dir, name string) (func(), error) {
	if dir == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(dir, name+".pprof"))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
