package embedded

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// bouncerPort only names PgBouncer's socket file; it listens on no TCP port.
const bouncerPort = "6432"

// Bouncer is a PgBouncer in transaction pooling mode in front of a Server:
// the way replicas of the service share one database in production, started
// here so the tests prove the service works through one.
type Bouncer struct {
	dir string
	cmd *exec.Cmd
	log string
}

// StartPgBouncer starts PgBouncer (from PATH or /usr/sbin) in front of s, in
// transaction pooling mode, listening on a unix socket only. As root it runs
// as the cluster's user, since PgBouncer refuses root too.
func (s *Server) StartPgBouncer(ctx context.Context) (*Bouncer, error) {
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, statErr := os.Stat("/usr/sbin/pgbouncer"); statErr != nil {
			return nil, errors.New("start pgbouncer: no pgbouncer binary: install the pgbouncer package (apt-get install pgbouncer)")
		}
		bin = "/usr/sbin/pgbouncer"
	}
	b := &Bouncer{dir: filepath.Join(s.l.base, "bouncer")}
	b.log = filepath.Join(b.dir, "pgbouncer.log")
	if err := ownDir(b.dir, s.l.user, true); err != nil {
		return nil, fmt.Errorf("start pgbouncer: %w", err)
	}
	users := filepath.Join(b.dir, "users.txt")
	ini := filepath.Join(b.dir, "pgbouncer.ini")
	conf := strings.Join([]string{
		"[databases]",
		fmt.Sprintf("* = host=%s port=%s user=%s", s.l.socketDir, port, superuser),
		"[pgbouncer]",
		"listen_addr =",
		"unix_socket_dir = " + b.dir,
		"listen_port = " + bouncerPort,
		"auth_type = trust",
		"auth_file = " + users,
		"pool_mode = transaction",
		"max_client_conn = 1000",
		"default_pool_size = 40",
		"admin_users = " + superuser,
		"logfile = " + b.log,
		"",
	}, "\n")
	for file, body := range map[string]string{ini: conf, users: fmt.Sprintf("%q \"\"\n", superuser)} {
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			return nil, fmt.Errorf("start pgbouncer: %w", err)
		}
		if err := ownFile(file, s.l.user); err != nil {
			return nil, fmt.Errorf("start pgbouncer: %w", err)
		}
	}
	b.cmd = exec.Command(bin, ini)
	b.cmd.Dir = b.dir
	b.cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/bin", "HOME=" + b.dir, "LANG=C"}
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if s.l.user != nil {
		b.cmd.SysProcAttr = s.l.user.credential()
		b.cmd.SysProcAttr.Setpgid = true
	}
	if err := b.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start pgbouncer: %w", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, b.URL("postgres"))
		if err == nil {
			_ = conn.Close(ctx)
			return b, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			_ = b.Stop()
			return nil, fmt.Errorf("start pgbouncer: not answering: %w\n%s", err, tailFile(b.log, 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL returns a pgx URL for database through PgBouncer. It sets pgx's
// default_query_exec_mode=exec: transaction pooling hands each transaction
// whichever server connection is free, so pgx must not rely on the named
// prepared statements its default mode caches per session.
func (b *Bouncer) URL(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Path:     "/" + database,
		RawQuery: "host=" + url.QueryEscape(b.dir) + "&port=" + bouncerPort + "&sslmode=disable&default_query_exec_mode=exec",
	}
	return u.String()
}

// Stop shuts PgBouncer down (SIGINT: safe shutdown) and waits for it.
func (b *Bouncer) Stop() error {
	if b.cmd == nil || b.cmd.Process == nil {
		return nil
	}
	_ = b.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- b.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = b.cmd.Process.Kill()
		<-done
	}
	b.cmd = nil
	return nil
}
