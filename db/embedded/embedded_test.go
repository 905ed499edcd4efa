package embedded_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"roster/db/embedded"
)

// tempDataDir returns a fresh data dir path inside t.TempDir. As root the
// server runs as postgres, which must traverse the temp dir, and t.TempDir
// makes its parent 0700: open both up (they hold nothing secret).
func tempDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "data")
}

// start starts a server for cfg and stops it when the test ends.
func start(t *testing.T, cfg embedded.Config) *embedded.Server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	began := time.Now()
	s, err := embedded.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Start took %v", time.Since(began).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// connect opens a pgx connection to database, closed when the test ends.
func connect(t *testing.T, s *embedded.Server, database string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), s.URL(database))
	if err != nil {
		t.Fatalf("connect to %s: %v", s.URL(database), err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryString(t *testing.T, conn *pgx.Conn, sql string) string {
	t.Helper()
	var s string
	if err := conn.QueryRow(t.Context(), sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func TestFindBinDirFallsThroughBogusPGBin(t *testing.T) {
	t.Setenv("PG_BIN", t.TempDir())
	dir, err := embedded.FindBinDir()
	if err != nil {
		t.Fatalf("FindBinDir: %v (PostgreSQL server binaries must be installed to run these tests)", err)
	}
	if dir == os.Getenv("PG_BIN") {
		t.Fatalf("FindBinDir chose the empty PG_BIN %s", dir)
	}
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("FindBinDir gave %s: %v", dir, err)
		}
	}
}

func TestFindBinDirPrefersPGBin(t *testing.T) {
	real, err := embedded.FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	mine := t.TempDir()
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		if err := os.Symlink(filepath.Join(real, name), filepath.Join(mine, name)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PG_BIN", mine)
	if got, err := embedded.FindBinDir(); err != nil || got != mine {
		t.Fatalf("FindBinDir = %q, %v; want %q", got, err, mine)
	}
}

func TestFindBinDirNewestVersion(t *testing.T) {
	root := t.TempDir()
	for version, names := range map[string][]string{
		"9.6": {"initdb", "pg_ctl", "postgres"},
		"10":  {"initdb", "pg_ctl", "postgres"},
		"15":  {"initdb", "pg_ctl", "postgres"},
		"16":  {"initdb", "pg_ctl"}, // incomplete: no server
	} {
		bin := filepath.Join(root, version, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Cleanup(embedded.SetVersionedRoot(root))
	t.Setenv("PG_BIN", "")
	t.Setenv("PATH", t.TempDir()) // no pg_config, no initdb
	want := filepath.Join(root, "15", "bin")
	if got, err := embedded.FindBinDir(); err != nil || got != want {
		t.Fatalf("FindBinDir = %q, %v; want %q", got, err, want)
	}
}

func TestFindBinDirNone(t *testing.T) {
	t.Cleanup(embedded.SetVersionedRoot(filepath.Join(t.TempDir(), "absent")))
	t.Setenv("PG_BIN", t.TempDir())
	t.Setenv("PATH", t.TempDir())
	dir, err := embedded.FindBinDir()
	if !errors.Is(err, embedded.ErrNoBinaries) {
		t.Fatalf("FindBinDir = %q, %v; want ErrNoBinaries", dir, err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "DATABASE_URL") {
		t.Errorf("message should be one line naming the way out: %q", msg)
	}
	_, err = embedded.Start(t.Context(), embedded.Config{DataDir: tempDataDir(t)})
	if !errors.Is(err, embedded.ErrNoBinaries) {
		t.Fatalf("Start: %v; want ErrNoBinaries", err)
	}
}

func TestStartStopKeepsData(t *testing.T) {
	t.Parallel()
	cfg := embedded.Config{DataDir: tempDataDir(t), Database: "roster"}
	s := start(t, cfg)

	conn := connect(t, s, "roster")
	if got := queryString(t, conn, "select 1::text"); got != "1" {
		t.Fatalf("select 1 = %q", got)
	}
	if got := queryString(t, conn, "show listen_addresses"); got != "" {
		t.Errorf("listen_addresses = %q; want none (unix socket only)", got)
	}
	if got := queryString(t, conn, "show fsync"); got != "on" {
		t.Errorf("fsync = %q on a kept cluster", got)
	}
	if _, err := conn.Exec(t.Context(), "create table kept (v text); insert into kept values ('survives')"); err != nil {
		t.Fatal(err)
	}
	conn.Close(t.Context())
	checkSocketDir(t, s)

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	s2 := start(t, cfg) // same data dir: no initdb, database kept
	if s2.DataDir() != s.DataDir() || s2.URL("roster") != s.URL("roster") {
		t.Errorf("second start moved: %s %s; was %s %s", s2.DataDir(), s2.URL("roster"), s.DataDir(), s.URL("roster"))
	}
	if got := queryString(t, connect(t, s2, "roster"), "select v from kept"); got != "survives" {
		t.Fatalf("after stop and start: %q", got)
	}

	if err := s2.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := queryString(t, connect(t, s2, "roster"), "select v from kept"); got != "survives" {
		t.Fatalf("after Restart: %q", got)
	}
}

// checkSocketDir checks the socket dir is private: mode 0700, owned by the
// user the server runs as (not root).
func checkSocketDir(t *testing.T, s *embedded.Server) {
	t.Helper()
	fi, err := os.Stat(s.SocketDir())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("socket dir %s has mode %v; want 0700", s.SocketDir(), fi.Mode().Perm())
	}
	data, err := os.Stat(s.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	owner := fi.Sys().(*syscall.Stat_t).Uid
	if owner != data.Sys().(*syscall.Stat_t).Uid || owner == 0 && os.Geteuid() == 0 {
		t.Errorf("socket dir owned by uid %d, cluster by %d", owner, data.Sys().(*syscall.Stat_t).Uid)
	}
}

func TestLeftOverServerIsReused(t *testing.T) {
	t.Parallel()
	cfg := embedded.Config{DataDir: tempDataDir(t), Ephemeral: true, Database: "roster"}
	first := start(t, cfg)
	if _, err := connect(t, first, "roster").Exec(t.Context(), "create table t (v int)"); err != nil {
		t.Fatal(err)
	}
	// As if the first process had been killed: a second Start on the same
	// data dir finds its server still running.
	second := start(t, cfg)
	if _, err := connect(t, second, "roster").Exec(t.Context(), "insert into t values (1)"); err != nil {
		t.Fatal(err)
	}
	if err := second.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := first.Stop(); err != nil {
		t.Fatalf("Stop of a server already stopped by another: %v", err)
	}
}

func TestDataDirUnderPrivateDir(t *testing.T) {
	t.Parallel()
	private := filepath.Join(tempDataDir(t), "private")
	if err := os.MkdirAll(private, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(private, "data")
	s := start(t, embedded.Config{DataDir: dataDir, Ephemeral: true, Database: "roster"})
	relocated := !strings.HasPrefix(s.DataDir(), private+"/")
	if relocated != (os.Geteuid() == 0) {
		t.Errorf("cluster at %s for data dir %s (euid %d)", s.DataDir(), dataDir, os.Geteuid())
	}
	conn := connect(t, s, "roster")
	if got := queryString(t, conn, "select 1::text"); got != "1" {
		t.Fatalf("select 1 = %q", got)
	}
	if got := queryString(t, conn, "show fsync"); got != "off" {
		t.Errorf("fsync = %q on an ephemeral cluster", got)
	}
	conn.Close(t.Context())
	checkSocketDir(t, s)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.DataDir()); relocated && !errors.Is(err, os.ErrNotExist) {
		t.Errorf("relocated ephemeral cluster %s left behind after Stop: %v", s.DataDir(), err)
	}
}

func TestLongDataDirPath(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(tempDataDir(t), strings.Repeat("d", 60), strings.Repeat("e", 60))
	s := start(t, embedded.Config{DataDir: dataDir, Ephemeral: true})
	if n := len(s.SocketDir() + "/.s.PGSQL.5432"); n > 107 {
		t.Errorf("socket path is %d bytes: %s", n, s.SocketDir())
	}
	if got := queryString(t, connect(t, s, "postgres"), "select current_user::text"); got != "roster" {
		t.Errorf("current_user = %q", got)
	}
}

func TestStartFailureShowsServerLog(t *testing.T) {
	t.Parallel()
	cfg := embedded.Config{DataDir: tempDataDir(t), Ephemeral: true}
	s := start(t, cfg)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	conf, err := os.OpenFile(filepath.Join(s.DataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conf.WriteString("\nno_such_setting = 1\n"); err != nil {
		t.Fatal(err)
	}
	conf.Close()
	_, err = embedded.Start(t.Context(), cfg)
	if err == nil {
		t.Fatal("Start with a broken postgresql.conf succeeded")
	}
	if !strings.Contains(err.Error(), `"no_such_setting"`) {
		t.Errorf("error lacks the server log's reason:\n%v", err)
	}
	t.Logf("error as reported:\n%v", err)
}

// As root, a cluster that belongs to another user (say, created by a developer
// before running under sudo) keeps running as that user.
func TestRootRunsAsClusterOwner(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("only root can hand a cluster to another user")
	}
	cfg := embedded.Config{DataDir: tempDataDir(t), Ephemeral: true}
	s := start(t, cfg)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	const nobody = 65534
	err := filepath.WalkDir(filepath.Dir(s.DataDir()), func(p string, _ os.DirEntry, err error) error {
		if err != nil || p == filepath.Dir(s.DataDir()) {
			return err
		}
		return os.Lchown(p, nobody, nobody)
	})
	if err != nil {
		t.Fatal(err)
	}
	s = start(t, cfg)
	var pid int
	if err := connect(t, s, "postgres").QueryRow(t.Context(), "select pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid)))
	if err != nil {
		t.Fatal(err)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != nobody {
		t.Errorf("backend runs as uid %d; want the cluster's owner %d", uid, nobody)
	}
}
