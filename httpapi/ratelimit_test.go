package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestSubjectLimiter: a subject's budget is its own; Retry-After-worthy
// waits are reported; the LRU never holds more than its bound.
func TestSubjectLimiter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	l := newSubjectLimiter(RateLimit{RPS: 2, Burst: 3})
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if v := l.allow("a"); !v.ok || v.left != float64(2-i) {
			t.Fatalf("request %d of the burst: %+v", i, v)
		}
	}
	v := l.allow("a")
	if v.ok || v.wait <= 0 || v.wait > time.Second/2 || v.left != 0 {
		t.Fatalf("past the burst: %+v", v)
	}
	if v := l.allow("b"); !v.ok || v.left != 2 {
		t.Fatalf("another subject shares the budget: %+v", v)
	}
	now = now.Add(v.wait)
	if v := l.allow("a"); !v.ok || v.left != 0 {
		t.Fatalf("after the wait: %+v", v)
	}

	// Never more than the bound, the least recently seen going first.
	l.buckets.Resize(100)
	for i := 0; i < 250; i++ {
		l.allow(fmt.Sprint("s", i))
	}
	if n := l.buckets.Len(); n != 100 {
		t.Fatalf("%d subjects kept", n)
	}
	if !l.buckets.Contains("s249") {
		t.Fatal("the latest subject was evicted")
	}
	if l.buckets.Contains("s0") {
		t.Fatal("the oldest subject was kept")
	}

	if newSubjectLimiter(RateLimit{}) != nil || newSubjectLimiter(RateLimit{RPS: -1, Burst: 5}) != nil {
		t.Fatal("a zero rate limits")
	}
	if l := newSubjectLimiter(RateLimit{RPS: 2.5}); l.burst != 3 {
		t.Fatalf("burst %d for none given", l.burst)
	}
}

// TestSubjectLimiterForgetsIdleBuckets: a bucket idle for Burst/RPS (here
// the floor of 1 s) is full again, so it is forgotten, and its memory
// given back. The buckets' own clock stands still, so that only a
// forgotten bucket can come back full.
func TestSubjectLimiterForgetsIdleBuckets(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	l := newSubjectLimiter(RateLimit{RPS: 3, Burst: 3})
	l.now = func() time.Time { return now }
	for range 3 {
		l.allow("a")
	}
	if v := l.allow("a"); v.ok {
		t.Fatalf("past the burst: %+v", v)
	}
	// The LRU's expiry reads the real clock (expirable takes no other), so
	// this waits the idle time out, as long as it lasts and no longer.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, kept := l.buckets.Peek("a"); !kept {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the idle bucket never expired")
		}
	}
	if v := l.allow("b"); !v.ok || v.left != 2 {
		t.Fatalf("a new subject: %+v", v)
	}
	if v := l.allow("a"); !v.ok || v.left != 2 {
		t.Fatalf("idle past the refill time, still the old bucket: %+v", v)
	}
	// Idle again, they are removed, not only ignored: the LRU's cleanup
	// goes round its expiry buckets in about the idle time.
	for deadline := time.Now().Add(10 * time.Second); l.buckets.Len() > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d idle buckets still kept (%q)", l.buckets.Len(), l.buckets.Keys())
		}
	}
}

// TestRateLimitHeaderValues: the header fields for bucket levels between
// two whole tokens, and on a refusal. TestRateLimitHeaders checks them on
// the wire.
func TestRateLimitHeaderValues(t *testing.T) {
	t.Parallel()
	l := newSubjectLimiter(RateLimit{RPS: 2, Burst: 10})
	for _, tc := range []struct {
		v                              verdict
		limit, remaining, reset, retry string
	}{
		{verdict{ok: true, left: 9}, "10", "9", "1", ""},   // half a second to full: 1
		{verdict{ok: true, left: 8.5}, "10", "8", "1", ""}, // 0.75 s
		{verdict{ok: true, left: 0.2}, "10", "0", "5", ""}, // 4.9 s
		{verdict{ok: true, left: 0}, "10", "0", "5", ""},   // 5 s
		{verdict{wait: 400 * time.Millisecond, left: 0.2}, "10", "0", "5", "1"},
		{verdict{wait: 2100 * time.Millisecond, left: 0}, "10", "0", "5", "3"},
	} {
		h := http.Header{}
		l.setHeaders(h, tc.v)
		got := []string{h.Get("RateLimit-Limit"), h.Get("RateLimit-Remaining"), h.Get("RateLimit-Reset"), h.Get("Retry-After")}
		if want := []string{tc.limit, tc.remaining, tc.reset, tc.retry}; !slices.Equal(got, want) {
			t.Errorf("%+v: Limit, Remaining, Reset, Retry-After %q, want %q", tc.v, got, want)
		}
	}
}
