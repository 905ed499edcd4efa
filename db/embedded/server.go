// Package embedded starts and stops a private PostgreSQL server run from the
// machine's installed PostgreSQL binaries.
//
// It serves two users: the application server, which keeps its cluster under
// DATA_DIR across restarts when no DATABASE_URL is given, and the test suites,
// which start a throwaway cluster per test process. The server listens on a
// unix socket only (no TCP), so clusters never collide on ports and the trust
// authentication set up by initdb is reachable only through a socket directory
// of mode 0700 owned by the database user.
//
// PostgreSQL refuses to run as root, so when the caller is root (as in CI) the
// binaries run as the "postgres" user (or "nobody"), and the cluster moves to
// /var/tmp when that user cannot reach the requested data directory.
//
// pg_ctl runs the postmaster in its own session, so a terminal's Ctrl-C does
// not reach it: callers must Stop it (the server on shutdown, tests in
// TestMain or t.Cleanup). A postmaster orphaned by a killed process is reused
// by the next Start on the same data dir.
package embedded

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// superuser is the cluster's superuser, created by initdb; URL connects as it.
const superuser = "roster"

// port only names the socket file (.s.PGSQL.5432); there is no TCP listener,
// so every cluster can use the same number.
const port = "5432"

// Config says where and how to run the cluster.
type Config struct {
	// DataDir holds the cluster (DataDir/pg), its socket dir and its log. It
	// is created if missing. As root the cluster may live elsewhere; see
	// Server.DataDir.
	DataDir string
	// BinDir holds initdb, pg_ctl and postgres; empty: FindBinDir.
	BinDir string
	// Logger receives progress messages; nil: discard.
	Logger *slog.Logger
	// Database is created if absent (e.g. "roster"); empty: none.
	Database string
	// Ephemeral marks a throwaway test cluster: initdb --no-sync and the
	// server runs with fsync, synchronous_commit and full_page_writes off, so
	// a machine crash may corrupt it. When the cluster had to be relocated
	// outside DataDir (as root), Stop also deletes it, since nobody else
	// would. Leave it off for data that must survive.
	Ephemeral bool
}

// Server is a running cluster started by Start.
type Server struct {
	cfg    Config
	binDir string
	l      *layout
	log    *slog.Logger

	mu      sync.Mutex
	running bool
}

// Start starts a server on cfg.DataDir, running initdb first when the data dir
// holds no cluster yet, and creates cfg.Database if it is missing. A server
// still running on the same data dir from an earlier process (say one killed
// with SIGKILL) is reused when it listens on our socket dir, and is otherwise
// stopped and started again with our settings. Errors carry the tail of the
// server log.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	s, err := newServer(cfg)
	if err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	if err := s.start(ctx); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	return s, nil
}

func newServer(cfg Config) (*Server, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("no data dir given")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	binDir := cfg.BinDir
	if binDir == "" {
		var err error
		if binDir, err = FindBinDir(); err != nil {
			return nil, err
		}
	} else if !hasBinaries(binDir) {
		return nil, fmt.Errorf("%s lacks one of initdb, pg_ctl, postgres", binDir)
	}
	abs, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, err
	}
	l, err := plan(abs)
	if err != nil {
		return nil, err
	}
	if l.relocated {
		log.Warn("postgres: data dir not reachable by the server's user, cluster relocated",
			"data_dir", abs, "user", l.user.name, "cluster", l.pgdata)
	}
	return &Server{cfg: cfg, binDir: binDir, l: l, log: log}, nil
}

// URL returns a pgx/libpq URL for database over the unix socket, e.g.
// postgres://roster@/roster?host=%2Ftmp%2Fx%2Frun&sslmode=disable.
func (s *Server) URL(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Path:     "/" + database,
		RawQuery: url.Values{"host": {s.l.socketDir}, "sslmode": {"disable"}}.Encode(),
	}
	return u.String()
}

// SocketDir is the directory holding the server's unix socket.
func (s *Server) SocketDir() string { return s.l.socketDir }

// DataDir is the cluster directory actually used (PGDATA): Config.DataDir/pg,
// or a directory under /var/tmp when relocated as root.
func (s *Server) DataDir() string { return s.l.pgdata }

// Stop shuts the server down (pg_ctl stop -m fast). Stopping a stopped server
// is a no-op. See Config.Ephemeral for when Stop deletes the cluster.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.stop(); err != nil {
		return fmt.Errorf("stop postgres: %w", err)
	}
	if s.cfg.Ephemeral && s.l.relocated {
		if err := os.RemoveAll(s.l.base); err != nil {
			return fmt.Errorf("stop postgres: remove relocated cluster: %w", err)
		}
	}
	if filepath.Dir(s.l.socketDir) != s.l.base {
		_ = os.Remove(s.l.socketDir) // the short dir in /tmp; fails harmlessly if busy
	}
	return nil
}

// Restart stops the server and starts it again on the same cluster, keeping
// its data.
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.stop(); err != nil {
		return fmt.Errorf("restart postgres: %w", err)
	}
	if err := s.start(ctx); err != nil {
		return fmt.Errorf("restart postgres: %w", err)
	}
	return nil
}

func (s *Server) start(ctx context.Context) (err error) {
	began := time.Now()
	if err := s.l.prepare(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(s.l.pgdata, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := s.initdb(ctx); err != nil {
			return err
		}
	}
	reused, err := s.reuseRunning(ctx)
	if err != nil {
		return err
	}
	if !reused {
		opts := fmt.Sprintf("-c listen_addresses='' -k %s -p %s -c max_connections=200", shellQuote(s.l.socketDir), port)
		if s.cfg.Ephemeral {
			opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
		}
		if out, err := s.run(ctx, "pg_ctl", "start", "-w", "-D", s.l.pgdata, "-l", s.l.logFile, "-o", opts); err != nil {
			s.stopQuietly()
			return s.withLog(fmt.Errorf("pg_ctl start: %w%s", err, out))
		}
	}
	s.running = true
	defer func() {
		if err != nil && !reused {
			s.stopQuietly()
			s.running = false
		}
	}()
	if err := s.ensureDatabase(ctx); err != nil {
		return s.withLog(err)
	}
	s.log.Info("postgres: ready", "cluster", s.l.pgdata, "socket_dir", s.l.socketDir,
		"reused", reused, "took", time.Since(began).Round(time.Millisecond))
	return nil
}

func (s *Server) initdb(ctx context.Context) error {
	args := []string{"-D", s.l.pgdata, "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-instructions"}
	if s.cfg.Ephemeral {
		args = append(args, "--no-sync")
	}
	began := time.Now()
	if out, err := s.run(ctx, "initdb", args...); err != nil {
		return fmt.Errorf("initdb: %w%s", err, out)
	}
	s.log.Info("postgres: initialized cluster", "cluster", s.l.pgdata, "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// reuseRunning checks for a postmaster already running on the cluster, left
// by an earlier process. It reuses one that serves our socket dir and answers;
// any other is stopped so that we start it with our settings.
func (s *Server) reuseRunning(ctx context.Context) (bool, error) {
	if !s.isRunning(ctx) {
		return false, nil
	}
	if s.pidFileSocketDir() == s.l.socketDir {
		if conn, err := pgx.Connect(ctx, s.URL("postgres")); err == nil {
			conn.Close(ctx)
			s.log.Warn("postgres: reusing server left running by an earlier process", "cluster", s.l.pgdata)
			return true, nil
		}
	}
	s.log.Warn("postgres: stopping server left running by an earlier process with other settings", "cluster", s.l.pgdata)
	if err := s.stop(); err != nil {
		return false, err
	}
	return false, nil
}

// isRunning asks pg_ctl status whether a postmaster serves the cluster.
func (s *Server) isRunning(ctx context.Context) bool {
	_, err := s.run(ctx, "pg_ctl", "status", "-D", s.l.pgdata)
	return err == nil // exit 3: not running; 4: no cluster
}

// pidFileSocketDir reads the socket dir a running postmaster recorded in
// postmaster.pid (line 5).
func (s *Server) pidFileSocketDir() string {
	b, err := os.ReadFile(filepath.Join(s.l.pgdata, "postmaster.pid"))
	if err != nil {
		return ""
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 5 {
		return ""
	}
	return strings.TrimSpace(lines[4])
}

// ensureDatabase checks that the server answers and creates cfg.Database if
// it does not exist.
func (s *Server) ensureDatabase(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if s.cfg.Database == "" {
		return conn.Ping(ctx)
	}
	var one int
	err = conn.QueryRow(ctx, "SELECT 1 FROM pg_database WHERE datname = $1", s.cfg.Database).Scan(&one)
	if err == nil {
		return nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("look up database %s: %w", s.cfg.Database, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{s.cfg.Database}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", s.cfg.Database, err)
	}
	s.log.Info("postgres: created database", "database", s.cfg.Database)
	return nil
}

// stop runs pg_ctl stop -m fast; a server that is not running is fine.
func (s *Server) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := s.run(ctx, "pg_ctl", "stop", "-w", "-m", "fast", "-D", s.l.pgdata)
	if err != nil && s.isRunning(ctx) {
		return s.withLog(fmt.Errorf("pg_ctl stop: %w%s", err, out))
	}
	if s.running {
		s.log.Info("postgres: stopped", "cluster", s.l.pgdata)
	}
	s.running = false
	return nil
}

// stopQuietly cleans up after a failed start: a postmaster that came up
// (perhaps after pg_ctl gave up waiting) must not outlive us.
func (s *Server) stopQuietly() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = s.run(ctx, "pg_ctl", "stop", "-w", "-m", "immediate", "-D", s.l.pgdata)
}

// run runs a PostgreSQL binary as the server's user, in a clean environment,
// and returns its output formatted for appending to an error.
func (s *Server) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(s.binDir, name), args...)
	cmd.Dir = s.l.base
	home := os.Getenv("HOME")
	if s.l.user != nil {
		cmd.SysProcAttr = s.l.user.credential()
		home = s.l.base
	}
	cmd.Env = []string{
		"PATH=" + s.binDir + ":/usr/local/bin:/usr/bin:/bin",
		"HOME=" + home,
		"LANG=C",
		"LC_ALL=C",
	}
	if tz, ok := os.LookupEnv("TZ"); ok {
		cmd.Env = append(cmd.Env, "TZ="+tz)
	}
	cmd.WaitDelay = 5 * time.Second // the postmaster logs to a file, but never hang on a stray pipe
	out, err := cmd.CombinedOutput()
	s.log.Debug("postgres: ran "+name, "args", args, "err", err, "output", string(out))
	if err != nil && len(bytes.TrimSpace(out)) > 0 {
		return "\n" + strings.TrimRight(string(out), "\n"), err
	}
	return "", err
}

// withLog appends the last lines of the server log to err.
func (s *Server) withLog(err error) error {
	tail := tailFile(s.l.logFile, 20)
	if tail == "" {
		return err
	}
	return fmt.Errorf("%w\nlast lines of %s:\n%s", err, s.l.logFile, tail)
}

// tailFile returns the last n lines of file, reading at most its last 64 KiB.
func tailFile(file string, n int) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	const max = 64 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		_, _ = f.Seek(-max, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// shellQuote quotes s for the shell pg_ctl passes -o options through.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
