package main

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeSIGTERM runs the real binary on its embedded PostgreSQL and
// sends it SIGTERM: it exits 0 within its grace period, and its PostgreSQL
// is stopped cleanly (no postmaster.pid left, "stopped" in the log).
func TestServeSIGTERM(t *testing.T) {
	dir, err := os.MkdirTemp("", "roster-sigterm-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// As root the cluster runs as an unprivileged user, who must reach it.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "roster")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DATA_DIR="+filepath.Join(dir, "data"), "ADDR="+addr,
		"JWT_SECRET="+strings.Repeat("k", 32), "SHUTDOWN_DELAY=200ms", "SHUTDOWN_GRACE=5s", "DATABASE_URL=")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()

	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server never became ready:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	pidFile := filepath.Join(dir, "data", "pg", "postmaster.pid")
	if _, err := os.Stat(pidFile); err != nil {
		t.Fatalf("no running cluster under DATA_DIR (%v):\n%s", err, logs.String())
	}

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30s after SIGTERM:\n%s", logs.String())
	}
	took := time.Since(start)
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("postmaster.pid still there after the server exited (%v): PostgreSQL not stopped", err)
	}
	for _, want := range []string{"shutting down: draining", "http server stopped", "embedded PostgreSQL stopped"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs.String())
		}
	}
	t.Logf("exited %v after SIGTERM", took.Round(time.Millisecond))
}
