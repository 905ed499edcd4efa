// Command roster serves the prospect roster GraphQL API.
//
//	go run .                      serve (the default)
//	go run . migrate              apply the database migrations and exit
//	go run . token --sub NAME     print a token signed with the configured secret
//
// Configuration comes from the environment (flags mirror it); see README.md.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/uptrace/bun"

	"roster/auth"
	"roster/db"
	"roster/db/embedded"
	"roster/httpapi"
	"roster/importjob"
	"roster/roster"
)

// config is everything the environment configures, read once here.
type config struct {
	Addr        string
	DatabaseURL string
	DataDir     string
	JWTSecret   string
	JWTKeyFile  string
	JWTJWKSURL  string
	JWTIssuer   string
	JWTAudience string
	LogFormat   string
	// The HTTP limits, as written in the environment; httpOptions reads them.
	Introspection  string
	CORSOrigins    string
	CORSHeaders    string
	RateLimitRPS   string
	RateLimitBurst string
	// Shutdown: how long /readyz says 503 before the listener closes (so a
	// load balancer stops sending), and how long in-flight requests then get.
	ShutdownDelay  string
	ShutdownGrace  string
	RequestTimeout string
	// DBMaxConns bounds the server's connections to PostgreSQL.
	DBMaxConns string
	// Import jobs (SPEC §13): a file's limits, and how many jobs this
	// process runs at once.
	ImportMaxBytes string
	ImportMaxRows  string
	ImportWorkers  string
	ImportChunk    string
}

func loadConfig() config {
	return config{
		Addr:        envOr("ADDR", "127.0.0.1:8080"),
		DatabaseURL: os.Getenv("DATABASE_URL"),
		DataDir:     envOr("DATA_DIR", ".data"),
		JWTSecret:   os.Getenv("JWT_SECRET"),
		JWTKeyFile:  os.Getenv("JWT_PUBLIC_KEY_FILE"),
		JWTJWKSURL:  os.Getenv("JWT_JWKS_URL"),
		JWTIssuer:   os.Getenv("JWT_ISSUER"),
		JWTAudience: os.Getenv("JWT_AUDIENCE"),
		LogFormat:   envOr("LOG_FORMAT", "text"),

		Introspection:  envOr("GRAPHQL_INTROSPECTION", "true"),
		CORSOrigins:    os.Getenv("CORS_ORIGINS"),
		CORSHeaders:    os.Getenv("CORS_ALLOWED_HEADERS"),
		RateLimitRPS:   envOr("RATE_LIMIT_RPS", "50"),
		RateLimitBurst: envOr("RATE_LIMIT_BURST", "100"),
		ShutdownDelay:  envOr("SHUTDOWN_DELAY", "0s"),
		ShutdownGrace:  envOr("SHUTDOWN_GRACE", "20s"),
		RequestTimeout: envOr("REQUEST_TIMEOUT", "30s"),
		DBMaxConns:     os.Getenv("DB_MAX_CONNS"),
		ImportMaxBytes: envOr("IMPORT_MAX_BYTES", strconv.FormatInt(db.DefaultImportLimits.MaxBytes, 10)),
		ImportMaxRows:  envOr("IMPORT_MAX_ROWS", strconv.Itoa(db.DefaultImportLimits.MaxRows)),
		ImportWorkers:  envOr("IMPORT_WORKERS", "1"),
		ImportChunk:    envOr("IMPORT_CHUNK_ROWS", "1000"),
	}
}

// importOptions reads IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, IMPORT_WORKERS
// and IMPORT_CHUNK_ROWS.
func importOptions(cfg config) (db.ImportLimits, importjob.Workers, error) {
	var l db.ImportLimits
	var w importjob.Workers
	var err error
	if l.MaxBytes, err = strconv.ParseInt(cfg.ImportMaxBytes, 10, 64); err != nil || l.MaxBytes < 1 {
		return l, w, fmt.Errorf("IMPORT_MAX_BYTES must be a positive number of bytes, not %q", cfg.ImportMaxBytes)
	}
	if l.MaxRows, err = strconv.Atoi(cfg.ImportMaxRows); err != nil || l.MaxRows < 1 {
		return l, w, fmt.Errorf("IMPORT_MAX_ROWS must be a positive number of rows, not %q", cfg.ImportMaxRows)
	}
	if w.N, err = strconv.Atoi(cfg.ImportWorkers); err != nil || w.N < 0 {
		return l, w, fmt.Errorf("IMPORT_WORKERS must be a number of jobs run at once, 0 for none, not %q", cfg.ImportWorkers)
	}
	if w.ChunkRows, err = strconv.Atoi(cfg.ImportChunk); err != nil || w.ChunkRows < 1 || w.ChunkRows > roster.MaxBatchRows {
		return l, w, fmt.Errorf("IMPORT_CHUNK_ROWS must be a number of rows from 1 to %d, not %q", roster.MaxBatchRows, cfg.ImportChunk)
	}
	return l, w, nil
}

// httpOptions reads the HTTP limits of cfg: GRAPHQL_INTROSPECTION,
// CORS_ORIGINS, CORS_ALLOWED_HEADERS, RATE_LIMIT_RPS and RATE_LIMIT_BURST.
func httpOptions(cfg config) (httpapi.Options, error) {
	var o httpapi.Options
	introspection, err := strconv.ParseBool(cfg.Introspection)
	if err != nil {
		return o, fmt.Errorf("GRAPHQL_INTROSPECTION must be true or false, not %q", cfg.Introspection)
	}
	o.DisableIntrospection = !introspection
	if o.CORSOrigins, err = httpapi.ParseCORSOrigins(cfg.CORSOrigins); err != nil {
		return o, err
	}
	if o.CORSHeaders, err = httpapi.ParseCORSHeaders(cfg.CORSHeaders); err != nil {
		return o, err
	}
	rps, err := strconv.ParseFloat(cfg.RateLimitRPS, 64)
	if err != nil || rps < 0 || math.IsNaN(rps) || math.IsInf(rps, 0) {
		return o, fmt.Errorf("RATE_LIMIT_RPS must be a number of requests a second, 0 for no limit, not %q", cfg.RateLimitRPS)
	}
	burst, err := strconv.Atoi(cfg.RateLimitBurst)
	if err != nil || burst < 1 {
		return o, fmt.Errorf("RATE_LIMIT_BURST must be a whole number of requests, at least 1, not %q", cfg.RateLimitBurst)
	}
	o.RateLimit = httpapi.RateLimit{RPS: rps, Burst: burst}
	if o.RequestTimeout, err = time.ParseDuration(cfg.RequestTimeout); err != nil || o.RequestTimeout <= 0 {
		return o, fmt.Errorf("REQUEST_TIMEOUT must be a positive duration such as 30s, not %q", cfg.RequestTimeout)
	}
	return o, nil
}

// shutdownTimes reads SHUTDOWN_DELAY and SHUTDOWN_GRACE.
func shutdownTimes(cfg config) (delay, grace time.Duration, err error) {
	if delay, err = time.ParseDuration(cfg.ShutdownDelay); err != nil || delay < 0 {
		return 0, 0, fmt.Errorf("SHUTDOWN_DELAY must be a duration such as 5s, not %q", cfg.ShutdownDelay)
	}
	if grace, err = time.ParseDuration(cfg.ShutdownGrace); err != nil || grace <= 0 {
		return 0, 0, fmt.Errorf("SHUTDOWN_GRACE must be a positive duration such as 20s, not %q", cfg.ShutdownGrace)
	}
	return delay, grace, nil
}

// poolSize reads DB_MAX_CONNS. Its default is pgxpool's: max(4, the
// cores this process sees). More connections than PostgreSQL has cores to
// run them only make its backends take turns: on the 2-core benchmark
// machine 32 connections served the polling list at ~740 requests a
// second with a p99 near 100 ms, 4 connections at ~850 with a p99 near
// 67 ms (issue 3). Set it to about twice the database's cores divided
// among the replicas when PostgreSQL runs elsewhere.
func poolSize(cfg config) (int, error) {
	if cfg.DBMaxConns == "" {
		return max(4, runtime.NumCPU()), nil
	}
	n, err := strconv.Atoi(cfg.DBMaxConns)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("DB_MAX_CONNS must be a whole number of connections, at least 1, not %q", cfg.DBMaxConns)
	}
	return n, nil
}

// tuneGC sets the collector for a server whose live heap is small and whose
// requests allocate a lot (a 1000-row add decodes ~200 KB of JSON into maps):
// at Go's default GOGC=100 the collector ran several cycles per add, about
// a sixth of the server's CPU in the benchmark (issue 3). GOGC=400 lets the
// heap grow to five times what is live before collecting, and a soft limit
// (GOMEMLIMIT) of 512 MiB makes it collect harder before the heap gets
// anywhere near that. Either environment variable, when set, wins.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(512 << 20)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func main() {
	cfg := loadConfig()
	name, args := "serve", os.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		usage(os.Stdout)
		return
	}
	cmd, ok := commandByName(name)
	if !ok {
		usage(os.Stderr)
		fmt.Fprintf(os.Stderr, "roster: unknown command %q\n", name)
		os.Exit(2)
	}
	fs := cmd.flags(&cfg)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		os.Exit(2)
	}
	if err := cmd.run(cfg, fs); err != nil {
		fmt.Fprintln(os.Stderr, "roster:", err)
		os.Exit(1)
	}
}

// newLogger is the process's logger, also made slog's default: the store
// logs the rare event it answers through (a connection lost after COMMIT)
// with slog's package functions, which then write in the same format.
func newLogger(cfg config) *slog.Logger {
	var logger *slog.Logger
	if cfg.LogFormat == "json" {
		logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	} else {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	slog.SetDefault(logger)
	return logger
}

// database opens DATABASE_URL, or starts the embedded default under
// DATA_DIR, and applies the migrations (idempotent); stop releases it.
func database(ctx context.Context, cfg config, logger *slog.Logger) (bdb *bun.DB, stop func(), err error) {
	url := cfg.DatabaseURL
	stopPG := func() {}
	if url == "" {
		pg, err := embedded.Start(ctx, embedded.Config{DataDir: cfg.DataDir, Logger: logger, Database: "roster"})
		if err != nil {
			return nil, nil, err
		}
		logger.Info("embedded PostgreSQL started", "data", pg.DataDir(), "socket", pg.SocketDir())
		url = pg.URL("roster")
		stopPG = func() {
			if err := pg.Stop(); err != nil {
				logger.Error("stop embedded PostgreSQL", "err", err)
				return
			}
			logger.Info("embedded PostgreSQL stopped")
		}
	}
	conns, err := poolSize(cfg)
	if err != nil {
		stopPG()
		return nil, nil, err
	}
	bdb, err = db.Open(ctx, url)
	if err != nil {
		stopPG()
		return nil, nil, err
	}
	bdb.SetMaxOpenConns(conns)
	bdb.SetMaxIdleConns(conns)
	stop = func() { _ = bdb.Close(); stopPG() }
	applied, err := db.Migrate(ctx, bdb)
	if err != nil {
		stop()
		return nil, nil, err
	}
	if len(applied) > 0 {
		logger.Info("migrations applied", "new", applied)
	}
	return bdb, stop, nil
}

// migrate applies the migrations, which opening the database does.
func migrate(cfg config, _ *flag.FlagSet) error {
	_, stop, err := database(context.Background(), cfg, newLogger(cfg))
	if err != nil {
		return err
	}
	stop()
	return nil
}

// authConfig is the token configuration: JWT_SECRET and/or
// JWT_PUBLIC_KEY_FILE or JWT_JWKS_URL, or in dev mode (none of them set) a
// random secret kept under DATA_DIR so tokens survive restarts.
func authConfig(cfg config) (auth.Config, bool, error) {
	ac := auth.Config{Secret: []byte(cfg.JWTSecret), PublicKeyFile: cfg.JWTKeyFile, JWKSURL: cfg.JWTJWKSURL, Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience}
	if cfg.JWTKeyFile != "" && cfg.JWTJWKSURL != "" {
		return ac, false, errors.New("set JWT_PUBLIC_KEY_FILE or JWT_JWKS_URL, not both")
	}
	if cfg.JWTSecret != "" {
		if len(cfg.JWTSecret) < auth.MinSecretLen {
			return ac, false, fmt.Errorf("JWT_SECRET must be at least %d bytes", auth.MinSecretLen)
		}
		return ac, false, nil
	}
	if cfg.JWTKeyFile != "" || cfg.JWTJWKSURL != "" {
		// Asymmetric tokens only: not dev mode, no secret, no dev token.
		ac.Secret = nil
		return ac, false, nil
	}
	secret, err := devSecret(cfg.DataDir)
	ac.Secret = secret
	return ac, true, err
}

func devSecret(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, "dev-jwt-secret")
	if b, err := os.ReadFile(path); err == nil && len(b) >= auth.MinSecretLen {
		return b, nil
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("dev secret: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("dev secret: %w", err)
	}
	secret := []byte(hex.EncodeToString(raw[:]))
	if err := os.WriteFile(path, secret, 0o600); err != nil {
		return nil, fmt.Errorf("dev secret: %w", err)
	}
	return secret, nil
}

// devSubject owns what a newcomer creates in dev mode.
const devSubject = "dev"

func token(cfg config, fs *flag.FlagSet) error {
	sub := fs.Lookup("sub").Value.String()
	ttl := fs.Lookup("ttl").Value.(flag.Getter).Get().(time.Duration)
	if strings.TrimSpace(sub) == "" {
		fs.Usage()
		return errors.New("token: --sub is required")
	}
	ac, _, err := authConfig(cfg)
	if err != nil {
		return err
	}
	if len(ac.Secret) == 0 {
		return errors.New("token: no JWT_SECRET to sign with; tokens for JWT_PUBLIC_KEY_FILE or JWT_JWKS_URL are issued by whoever holds the private key")
	}
	tok, err := auth.Issue(ac, sub, ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Println(tok)
	return err
}

func serve(cfg config, _ *flag.FlagSet) error {
	logger := newLogger(cfg)
	tuneGC()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	ac, dev, err := authConfig(cfg)
	if err != nil {
		return err
	}
	opts, err := httpOptions(cfg)
	if err != nil {
		return err
	}
	importLimits, workers, err := importOptions(cfg)
	if err != nil {
		return err
	}
	opts.ImportLimits = importLimits
	verifier, err := auth.NewVerifier(ac)
	if err != nil {
		return err
	}
	defer verifier.Close()
	bdb, stop, err := database(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer stop()

	var devToken string
	if dev {
		if devToken, err = auth.Issue(ac, devSubject, 30*24*time.Hour); err != nil {
			return err
		}
	}
	delay, grace, err := shutdownTimes(cfg)
	if err != nil {
		return err
	}
	draining := new(atomic.Bool)
	opts.Store, opts.Verifier, opts.Logger, opts.DevToken = db.NewStore(bdb), verifier, logger, devToken
	opts.Draining = draining.Load
	h := httpapi.NewHandler(opts)
	srv := httpapi.NewServer(cfg.Addr, h)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// The import workers run until shutdown begins: each then finishes
	// the chunk it writes and hands its job back (another replica, or this
	// server restarted, resumes it).
	workersCtx, stopWorkers := context.WithCancel(context.Background())
	workersDone := make(chan struct{})
	go func() {
		defer close(workersDone)
		if workers.N > 0 {
			workers.Store, workers.Logger = opts.Store, logger
			workers.Run(workersCtx)
		}
	}()
	defer func() {
		stopWorkers()
		<-workersDone
	}()
	go func() {
		<-ctx.Done()
		stopWorkers()
	}()
	logger.Info("serving", "addr", "http://"+cfg.Addr, "graphiql", "http://"+cfg.Addr+"/", "endpoint", "http://"+cfg.Addr+"/graphql")
	if dev {
		logger.Warn("dev mode: no JWT_SECRET, tokens are signed with a random secret kept under DATA_DIR", "subject", devSubject)
		fmt.Fprintf(os.Stderr, "\ndev token (sub %q, 30 days, already in GraphiQL's Headers pane):\n\n  Authorization: Bearer %s\n\n", devSubject, devToken)
	}
	return runHTTP(ctx, srv, ln, draining, delay, grace, logger)
}

// runHTTP serves on ln until ctx ends (SIGINT or SIGTERM), then shuts down
// gracefully: /readyz answers 503 at once (draining) so that a load
// balancer stops sending, after delay the listener closes (new connections
// are refused) and in-flight requests get up to grace to finish. A mutation
// cut off by the grace period rolls back whole with its context.
func runHTTP(ctx context.Context, srv *http.Server, ln net.Listener, draining *atomic.Bool, delay, grace time.Duration, logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	draining.Store(true)
	logger.Info("shutting down: draining", "delay", delay, "grace", grace)
	time.Sleep(delay)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: in-flight requests outlived the %v grace period: %w", grace, err)
	}
	logger.Info("http server stopped")
	return nil
}
