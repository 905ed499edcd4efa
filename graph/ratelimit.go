package graph

import (
	"container/list"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"roster/auth"
	"roster/metrics"
)

// RateLimit is each subject's request budget: RPS requests a second on
// average, Burst at once. RPS 0 (or less) turns the limit off.
type RateLimit struct {
	RPS   float64
	Burst int
}

// maxLimitedSubjects bounds the limiters kept at once. A limiter idle long
// enough to have refilled its whole burst is forgotten (a new one is the
// same), so only the subjects active in the last Burst/RPS seconds are
// kept; past this many, the least recently seen goes.
const maxLimitedSubjects = 10_000

// subjectLimiter keeps one token bucket per subject, in least recently
// used order.
type subjectLimiter struct {
	limit rate.Limit
	burst int
	// idle is how long a bucket takes to refill from empty.
	idle time.Duration
	max  int
	now  func() time.Time

	mu     sync.Mutex
	recent *list.List // of *subjectBucket, most recently seen first
	bySub  map[string]*list.Element
}

type subjectBucket struct {
	sub  string
	lim  *rate.Limiter
	seen time.Time
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
	idle := time.Duration(float64(burst) / rl.RPS * float64(time.Second))
	return &subjectLimiter{
		limit:  rate.Limit(rl.RPS),
		burst:  burst,
		idle:   max(idle, time.Second),
		max:    maxLimitedSubjects,
		now:    time.Now,
		recent: list.New(),
		bySub:  map[string]*list.Element{},
	}
}

// allow takes one token from sub's bucket; when there is none it says how
// long until there is.
func (l *subjectLimiter) allow(sub string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	// Forget the buckets that have refilled: the oldest are at the back.
	for e := l.recent.Back(); e != nil; e = l.recent.Back() {
		b := e.Value.(*subjectBucket)
		if now.Sub(b.seen) < l.idle {
			break
		}
		l.recent.Remove(e)
		delete(l.bySub, b.sub)
	}
	var b *subjectBucket
	if e, ok := l.bySub[sub]; ok {
		b = e.Value.(*subjectBucket)
		l.recent.MoveToFront(e)
	} else {
		if l.recent.Len() >= l.max {
			oldest := l.recent.Back()
			l.recent.Remove(oldest)
			delete(l.bySub, oldest.Value.(*subjectBucket).sub)
		}
		b = &subjectBucket{sub: sub, lim: rate.NewLimiter(l.limit, l.burst)}
		l.bySub[sub] = l.recent.PushFront(b)
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// size is how many subjects have a bucket.
func (l *subjectLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.bySub)
}

// middleware answers 429, with Retry-After in whole seconds, to a subject
// past its budget; it runs after authentication (it needs the subject) and
// before anything touches the database.
func (l *subjectLimiter) middleware(m *metrics.Metrics, next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub, _ := auth.Subject(r.Context())
		if ok, wait := l.allow(sub); !ok {
			secs := max(1, int(math.Ceil(wait.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			refuse(w, r, m, http.StatusTooManyRequests, codeRateLimited,
				fmt.Sprintf("too many requests for this subject: retry after %d s", secs))
			return
		}
		next.ServeHTTP(w, r)
	})
}
