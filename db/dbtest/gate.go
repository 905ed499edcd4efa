package dbtest

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Gate is a proxy in front of the test database that stops one roster
// write at its COMMIT, so that a test can break the connection, or shut
// its server process down, at exactly that moment: what a restart of
// PostgreSQL under load does to a few calls by chance, done on purpose.
// It reads the protocol messages going by (Parse, Bind, Query, Sync) only
// to know where it is; the bytes are relayed unchanged, or held back, or
// the connection is cut. A transaction counts as a roster write once it
// sent an INSERT INTO prospects.
type Gate struct {
	t       testing.TB
	ln      net.Listener
	url     string
	network string // the database's address
	address string

	mu    sync.Mutex
	stage Stage // the next write's COMMIT stops here; 0: none
	held  chan *Held
	conns []*gateConn
}

// Stage is where a gated COMMIT stops.
type Stage int

const (
	// BeforeCommit holds the COMMIT back (with the rest of its batch):
	// the server has run the INSERT, not the COMMIT.
	BeforeCommit Stage = iota + 1
	// AfterCommit sends everything and holds back what the server answers.
	AfterCommit
)

// NewGate starts a gate in front of the database at url (say URL()); it
// stops when the test ends.
func NewGate(t testing.TB, dbURL string) *Gate {
	t.Helper()
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	g := &Gate{t: t, network: "tcp", address: net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)), held: make(chan *Held, 1)}
	if strings.HasPrefix(cfg.Host, "/") {
		g.network, g.address = "unix", filepath.Join(cfg.Host, fmt.Sprintf(".s.PGSQL.%d", cfg.Port))
	}
	// A short directory of its own: a unix socket's path is limited to
	// about 100 bytes.
	dir, err := os.MkdirTemp("", "gate")
	if err != nil {
		t.Fatal(err)
	}
	const port = "5432"
	g.ln, err = net.Listen("unix", filepath.Join(dir, ".s.PGSQL."+port))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("host", dir)
	q.Set("port", port)
	u.Host, u.RawQuery = "", q.Encode()
	g.url = u.String()
	go g.accept()
	t.Cleanup(func() {
		g.ln.Close()
		g.mu.Lock()
		defer g.mu.Unlock()
		for _, c := range g.conns {
			c.close()
		}
		os.RemoveAll(dir)
	})
	return g
}

// URL is the database's URL through the gate.
func (g *Gate) URL() string { return g.url }

// Arm makes the next roster write's COMMIT, on whichever connection, stop
// at stage; Stopped then hands it over.
func (g *Gate) Arm(stage Stage) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stage = stage
}

// Stopped waits for the armed COMMIT to stop, and fails t if it does not
// within a few seconds.
func (g *Gate) Stopped(t testing.TB) *Held {
	t.Helper()
	select {
	case h := <-g.held:
		return h
	case <-time.After(10 * time.Second):
		t.Fatal("gate: no COMMIT came")
		return nil
	}
}

// take disarms the gate, returning its stage.
func (g *Gate) take() Stage {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.stage
	g.stage = 0
	return s
}

func (g *Gate) accept() {
	for {
		client, err := g.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial(g.network, g.address)
		if err != nil {
			client.Close()
			continue
		}
		c := &gateConn{g: g, client: client, server: server, stmts: map[string]string{}}
		c.resumed = sync.NewCond(&c.mu)
		g.mu.Lock()
		g.conns = append(g.conns, c)
		g.mu.Unlock()
		go c.fromClient()
		go c.fromServer()
	}
}

// gateConn is one client connection through the gate.
type gateConn struct {
	g              *Gate
	client, server net.Conn
	pid            atomic.Uint32

	// stmts are the statements prepared on the connection, by name.
	stmts map[string]string
	// writing is set once the transaction sent an INSERT INTO prospects.
	writing bool

	mu      sync.Mutex
	resumed *sync.Cond
	paused  bool // the server's answers are held back
	closed  bool
}

// Held is a connection stopped at its COMMIT.
type Held struct {
	// PID is the server process behind the connection (through PgBouncer,
	// PgBouncer's number for it, not PostgreSQL's).
	PID  uint32
	c    *gateConn
	held [][]byte // client messages not sent yet
	once sync.Once
	done chan struct{}
}

// Release sends what was held back and relays on.
func (h *Held) Release() {
	h.once.Do(func() {
		for _, m := range h.held {
			if _, err := h.c.server.Write(m); err != nil {
				break
			}
		}
		h.c.mu.Lock()
		h.c.paused = false
		h.c.resumed.Broadcast()
		h.c.mu.Unlock()
		close(h.done)
	})
}

// CutClient closes the client's side: the store sees its connection drop.
// The server's side stays until Release or CloseServer.
func (h *Held) CutClient() {
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	h.c.client.Close()
}

// CloseServer closes the server's side, dropping what was held back: a
// transaction that did not commit rolls back.
func (h *Held) CloseServer() {
	h.once.Do(func() {
		h.c.server.Close()
		close(h.done)
	})
}

func (c *gateConn) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.resumed.Broadcast()
	c.client.Close()
	c.server.Close()
}

// fromClient relays the client's messages, and stops the armed COMMIT.
func (c *gateConn) fromClient() {
	defer func() {
		// The client is gone: the server reads EOF (and rolls back an open
		// transaction), while what it already has is still read.
		if uc, ok := c.server.(*net.UnixConn); ok {
			uc.CloseWrite()
		} else {
			c.server.Close()
		}
	}()
	r := bufio.NewReader(c.client)
	if err := c.startup(r); err != nil {
		return
	}
	for {
		m, err := readMessage(r, true)
		if err != nil {
			return
		}
		if c.commits(m) {
			if stage := c.g.take(); stage != 0 {
				if err := c.stop(stage, r, m); err != nil {
					return
				}
				continue
			}
		}
		if _, err := c.server.Write(m); err != nil {
			return
		}
	}
}

// startup relays the untyped first message (refusing TLS and GSS
// encryption, which the test URLs do not ask for).
func (c *gateConn) startup(r *bufio.Reader) error {
	for {
		m, err := readMessage(r, false)
		if err != nil {
			return err
		}
		if len(m) >= 8 {
			if code := binary.BigEndian.Uint32(m[4:8]); code == 80877103 || code == 80877104 {
				if _, err := c.client.Write([]byte{'N'}); err != nil {
					return err
				}
				continue
			}
		}
		_, err = c.server.Write(m)
		return err
	}
}

// commits says whether m is the COMMIT of a roster write (noting what it
// needs to tell).
func (c *gateConn) commits(m []byte) bool {
	body := m[5:]
	switch m[0] {
	case 'P': // Parse: name, query
		name, rest := cstring(body)
		query, _ := cstring(rest)
		c.stmts[name] = query
	case 'Q': // Query
		query, _ := cstring(body)
		c.note(query)
		return c.writing && strings.EqualFold(strings.TrimSpace(query), "COMMIT")
	case 'B': // Bind: portal, statement (prepared earlier, perhaps by another transaction)
		_, rest := cstring(body)
		stmt, _ := cstring(rest)
		c.note(c.stmts[stmt])
		return c.writing && strings.EqualFold(c.stmts[stmt], "COMMIT")
	}
	return false
}

// note follows the transaction through the statements it sends.
func (c *gateConn) note(query string) {
	switch {
	case strings.HasPrefix(strings.ToUpper(strings.TrimSpace(query)), "BEGIN"):
		c.writing = false
	case strings.Contains(query, "INSERT INTO prospects"):
		c.writing = true
	}
}

// stop stops the COMMIT m at stage and waits for the test to decide.
func (c *gateConn) stop(stage Stage, r *bufio.Reader, m []byte) error {
	pending := [][]byte{m}
	if m[0] == 'B' {
		// A batched COMMIT (extended protocol): its Execute and the
		// batch's Sync follow.
		for pending[len(pending)-1][0] != 'S' {
			next, err := readMessage(r, true)
			if err != nil {
				return err
			}
			pending = append(pending, next)
		}
	}
	h := &Held{PID: c.pid.Load(), c: c, done: make(chan struct{})}
	send := pending
	switch stage {
	case BeforeCommit:
		h.held, send = pending, nil
	case AfterCommit:
		c.mu.Lock()
		c.paused = true
		c.mu.Unlock()
	}
	for _, m := range send {
		if _, err := c.server.Write(m); err != nil {
			return err
		}
	}
	c.g.held <- h
	<-h.done
	return nil
}

// fromServer relays the server's messages, noting the backend's process
// id, and holds them back while paused.
func (c *gateConn) fromServer() {
	defer c.client.Close()
	r := bufio.NewReader(c.server)
	for {
		m, err := readMessage(r, true)
		if err != nil {
			return
		}
		if m[0] == 'K' && len(m) >= 9 {
			c.pid.Store(binary.BigEndian.Uint32(m[5:9]))
		}
		c.mu.Lock()
		for c.paused && !c.closed {
			c.resumed.Wait()
		}
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return
		}
		if _, err := c.client.Write(m); err != nil {
			return
		}
	}
}

// readMessage reads one protocol message whole: a type byte (typed), then
// a length that counts itself.
func readMessage(r *bufio.Reader, typed bool) ([]byte, error) {
	head := 4
	if typed {
		head = 5
	}
	m := make([]byte, head)
	if _, err := io.ReadFull(r, m); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(m[head-4:]))
	if n < 4 || n > 1<<30 {
		return nil, errors.New("gate: bad message length")
	}
	m = append(m, make([]byte, n-4)...)
	if _, err := io.ReadFull(r, m[head:]); err != nil {
		return nil, err
	}
	return m, nil
}

// cstring splits a NUL-terminated string off b.
func cstring(b []byte) (string, []byte) {
	for i, c := range b {
		if c == 0 {
			return string(b[:i]), b[i+1:]
		}
	}
	return string(b), nil
}
