package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"

	"roster/apierr"
	"roster/auth"
	"roster/metrics"
)

// RateLimit is each subject's request budget: RPS requests a second on
// average, Burst at once. RPS 0 (or less) turns the limit off.
type RateLimit struct {
	RPS   float64
	Burst int
}

// maxLimitedSubjects bounds the buckets kept at once. A bucket idle long
// enough to have refilled its whole burst is forgotten (a new one is the
// same), so only the subjects active in the last Burst/RPS seconds are
// kept; past this many, the least recently seen goes.
const maxLimitedSubjects = 10_000

// subjectLimiter keeps one token bucket per subject, in an LRU whose
// entries expire once idle for the time a bucket takes to refill from
// empty.
type subjectLimiter struct {
	limit rate.Limit
	burst int
	// now is the buckets' clock (a test's); the LRU's expiry reads the
	// real one.
	now func() time.Time

	// mu makes finding a subject's bucket and taking its token one step:
	// two first requests of a subject at once share one bucket.
	mu      sync.Mutex
	buckets *expirable.LRU[string, *rate.Limiter]
}

// newSubjectLimiter returns nil when rl turns the limit off.
func newSubjectLimiter(rl RateLimit) *subjectLimiter {
	if rl.RPS <= 0 {
		return nil
	}
	burst := rl.Burst
	if burst < 1 {
		burst = max(1, int(math.Ceil(rl.RPS)))
	}
	// At least a second: the LRU's cleanup goroutine, which lives as long
	// as the process (expirable has no Close), wakes every 1/100 of it.
	idle := max(time.Duration(float64(burst)/rl.RPS*float64(time.Second)), time.Second)
	return &subjectLimiter{
		limit:   rate.Limit(rl.RPS),
		burst:   burst,
		now:     time.Now,
		buckets: expirable.NewLRU[string, *rate.Limiter](maxLimitedSubjects, nil, idle),
	}
}

// verdict is what taking a token from a subject's bucket decided.
type verdict struct {
	ok bool
	// wait is how long until the bucket holds a token, when !ok.
	wait time.Duration
	// left is what the bucket holds after this request: less one token
	// when ok, untouched when not.
	left float64
}

// allow takes one token from sub's bucket; when there is none it says how
// long until there is.
func (l *subjectLimiter) allow(sub string) verdict {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.buckets.Get(sub) // not ok once expired: a full bucket
	if !ok {
		lim = rate.NewLimiter(l.limit, l.burst)
	}
	l.buckets.Add(sub, lim) // again when known: its idle time starts over
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return verdict{wait: d, left: lim.TokensAt(now)}
	}
	return verdict{ok: true, left: lim.TokensAt(now)}
}

// The rate-limit header fields, in the widely deployed form of the IETF
// draft (draft-ietf-httpapi-ratelimit-headers, the three fields before
// they were merged into one): every answer to a limited subject says
// where its bucket stands, so that a client can slow down before a 429.
const (
	// headerLimit is the bucket's size, RATE_LIMIT_BURST: the most
	// requests a subject can send at once.
	headerLimit = "RateLimit-Limit"
	// headerRemaining is the whole tokens left after this request: how
	// many more can be sent at once.
	headerRemaining = "RateLimit-Remaining"
	// headerReset is the seconds, rounded up, until the bucket is full
	// again (Remaining back to Limit) if the subject sends nothing; on a
	// 429, Retry-After says when the next request goes through.
	headerReset = "RateLimit-Reset"
	headerRetry = "Retry-After"
)

// rateLimitHeaders are the rate limit's answer headers, which scripts of
// other origins may read (cors.go).
var rateLimitHeaders = []string{headerLimit, headerRemaining, headerReset, headerRetry}

// setHeaders writes v's header fields.
func (l *subjectLimiter) setHeaders(h http.Header, v verdict) {
	h.Set(headerLimit, strconv.Itoa(l.burst))
	h.Set(headerRemaining, strconv.Itoa(max(0, int(math.Floor(v.left)))))
	full := (float64(l.burst) - v.left) / float64(l.limit)
	h.Set(headerReset, strconv.Itoa(max(0, int(math.Ceil(full)))))
	if !v.ok {
		h.Set(headerRetry, strconv.Itoa(retrySeconds(v.wait)))
	}
}

// retrySeconds is a wait in whole seconds, rounded up, at least 1
// (Retry-After: 0 would invite the client to retry at once).
func retrySeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

// middleware answers 429, with Retry-After in whole seconds, to a subject
// past its budget, and gives every answer to a subject the rate-limit
// header fields; it runs after authentication (it needs the subject) and
// before anything touches the database. With the limit off it adds
// nothing, no header either.
func (l *subjectLimiter) middleware(m *metrics.Metrics, next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub, _ := auth.Subject(r.Context())
		v := l.allow(sub)
		l.setHeaders(w.Header(), v)
		if !v.ok {
			refuse(w, r, m, apierr.RateLimited,
				fmt.Sprintf("too many requests for this subject: retry after %d s", retrySeconds(v.wait)))
			return
		}
		next.ServeHTTP(w, r)
	})
}
