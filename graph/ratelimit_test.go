package graph

import (
	"fmt"
	"testing"
	"time"
)

// TestSubjectLimiter: a subject's budget is its own; Retry-After-worthy
// waits are reported; refilled buckets are forgotten and the map never
// holds more than its bound.
func TestSubjectLimiter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	l := newSubjectLimiter(RateLimit{RPS: 2, Burst: 3})
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait <= 0 || wait > time.Second/2 {
		t.Fatalf("past the burst: ok %v wait %v", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Fatal("another subject shares the budget")
	}
	now = now.Add(wait)
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("refused after the wait")
	}

	// Idle for Burst/RPS: full again, so forgotten.
	now = now.Add(l.idle)
	l.allow("c")
	if n := l.size(); n != 1 {
		t.Fatalf("%d subjects kept, want only c", n)
	}

	// Never more than max, the least recently seen going first.
	l.max = 100
	for i := 0; i < 250; i++ {
		l.allow(fmt.Sprint("s", i))
	}
	if n := l.size(); n != 100 {
		t.Fatalf("%d subjects kept", n)
	}
	if _, ok := l.bySub["s249"]; !ok {
		t.Fatal("the latest subject was evicted")
	}
	if _, ok := l.bySub["s0"]; ok {
		t.Fatal("the oldest subject was kept")
	}

	if newSubjectLimiter(RateLimit{}) != nil || newSubjectLimiter(RateLimit{RPS: -1, Burst: 5}) != nil {
		t.Fatal("a zero rate limits")
	}
	if l := newSubjectLimiter(RateLimit{RPS: 2.5}); l.burst != 3 {
		t.Fatalf("burst %d for none given", l.burst)
	}
}
