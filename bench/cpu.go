package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// On a shared 2-core machine throughput moves with whatever else runs;
// the CPU a request costs each process moves much less. meter reads it
// from /proc: the server, the PostgreSQL backends, and this process.
type meter struct {
	server     string // pid, or "self" in-process
	postmaster string // pid of the postmaster, whose children are the backends
}

// cpu is CPU time used so far by the server, PostgreSQL and the bench.
type cpu struct{ server, pg, bench time.Duration }

func (a cpu) sub(b cpu) cpu { return cpu{a.server - b.server, a.pg - b.pg, a.bench - b.bench} }

func (a cpu) add(b cpu) cpu { return cpu{a.server + b.server, a.pg + b.pg, a.bench + b.bench} }

func (a cpu) per(n int) cpu {
	if n == 0 {
		return cpu{}
	}
	return cpu{a.server / time.Duration(n), a.pg / time.Duration(n), a.bench / time.Duration(n)}
}

func newMeter(ctx context.Context, pool *pgxpool.Pool, server string) (meter, error) {
	var backend int
	if err := pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		return meter{}, err
	}
	_, ppid, _ := procStat(strconv.Itoa(backend))
	return meter{server: server, postmaster: ppid}, nil
}

func (m meter) read() cpu {
	c := cpu{}
	c.server, _, _ = procStat(m.server)
	c.bench, _, _ = procStat("self")
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		if t, ppid, ok := procStat(e.Name()); ok && ppid == m.postmaster {
			c.pg += t
		}
	}
	return c
}

// procStat reads a process's CPU time (user + system) and parent pid.
func procStat(pid string) (time.Duration, string, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, "", false
	}
	// The command name may hold spaces: fields start after its ')'.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0, "", false
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return time.Duration(utime+stime) * tick, f[1], true
}
