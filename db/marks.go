package db

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// A page deep in a large roster is found by walking the roster's index to
// the page's start: 50,000 entries for the middle of a 100k roster, ten
// times that at a million, however cheap each step. Marks cut the walk
// short. They are the ids at every marksEvery-th position of a roster (the
// whole roster, or one status's), read in one snapshot together with the
// campaign's roster_version, which moves in the same transaction as every
// change of who is on the roster or in which status (the stats trigger).
// The list statement uses them only while the campaign's version, read in
// the list's own snapshot, is the one they were read at: then that
// snapshot's roster is the one they describe, and the page starts exactly
// (offset mod marksEvery) entries after a mark. Otherwise it walks as
// before, so a stale mark can cost time but never a wrong page.
//
// Marks are kept in each server's memory and read again in the background
// when a deep page finds them missing or stale, at most once a second per
// roster: a roster being written to keeps walking until it settles.

// marksEvery is the distance between marks: the most a marked page walks.
const marksEvery = 1000

const (
	// maxMarkedRosters bounds the memory marks take: a million-row roster's
	// marks are 16 KB.
	maxMarkedRosters = 4096
	// marksRetry is how soon marks of one roster are read again.
	marksRetry = time.Second
	// marksBuildTimeout bounds one reading (a million-row roster's index
	// takes about a tenth of a second).
	marksBuildTimeout = 30 * time.Second
)

// marksKey names a marked roster: a campaign's, whole or one status's.
type marksKey struct {
	campaign uuid.UUID
	status   string // the database's spelling; "" for the whole roster
}

// marks are a roster's ids at positions 0, marksEvery, 2×marksEvery, ...
// at one roster_version. Never modified once made.
type marks struct {
	version int64
	ids     [][16]byte
}

// marksCache holds the marks of the rosters recently listed deep.
type marksCache struct {
	mu      sync.Mutex
	entries map[marksKey]*marks
	tried   map[marksKey]time.Time // last reading started
	// hits counts pages served from a mark; reads and failures the
	// readings of marks (MarksStats).
	hits, reads, failures atomic.Int64
}

// MarksStats counts the pages served from marks, the readings of marks,
// and the readings that failed (a failure only means walking meanwhile).
func (s *Store) MarksStats() (pages, reads, failures int64) {
	return s.marks.hits.Load(), s.marks.reads.Load(), s.marks.failures.Load()
}

func newMarksCache() *marksCache {
	return &marksCache{entries: map[marksKey]*marks{}, tried: map[marksKey]time.Time{}}
}

// at is where a page at offset starts according to the marks of key: the
// version they hold, the mark before offset and how far past it the page
// starts; ok is false without usable marks.
func (c *marksCache) at(key marksKey, offset int) (version int64, mark [16]byte, skip int, ok bool) {
	c.mu.Lock()
	m := c.entries[key]
	c.mu.Unlock()
	if m == nil {
		return 0, mark, 0, false
	}
	k := offset / marksEvery
	if k >= len(m.ids) {
		return 0, mark, 0, false
	}
	return m.version, m.ids[k], offset - k*marksEvery, true
}

// refreshMarks reads key's marks again in the background, unless a reading
// started less than marksRetry ago.
func (s *Store) refreshMarks(key marksKey) {
	c := s.marks
	c.mu.Lock()
	if time.Since(c.tried[key]) < marksRetry {
		c.mu.Unlock()
		return
	}
	if len(c.tried) >= 2*maxMarkedRosters {
		clear(c.tried)
	}
	c.tried[key] = time.Now()
	c.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), marksBuildTimeout)
		defer cancel()
		if err := s.buildMarks(ctx, key); err != nil {
			c.failures.Add(1) // the roster keeps walking; retried on a later deep page
		}
	}()
}

// buildMarks reads key's marks and keeps them unless newer ones are kept.
func (s *Store) buildMarks(ctx context.Context, key marksKey) error {
	var args params
	cid := args.add(key.campaign)
	filter := ""
	if key.status != "" {
		filter = " AND status = " + args.add(key.status)
	}
	query := `SELECT c.roster_version, ARRAY(
	SELECT id FROM (
		SELECT id, row_number() OVER (ORDER BY id) - 1 AS pos
		FROM prospects WHERE campaign_id = ` + cid + filter + `
	) AS r WHERE pos % ` + args.add(marksEvery) + `::bigint = 0 ORDER BY id)
FROM campaigns AS c WHERE c.id = ` + cid
	m := &marks{}
	err := s.withPgx(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, query, append([]any{s.hotMode}, args...)...).Scan(&m.version, &m.ids)
	})
	if err != nil {
		return err
	}
	c := s.marks
	c.reads.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[key]; old != nil && old.version > m.version {
		return nil
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= maxMarkedRosters {
		for k := range c.entries { // drop any one
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = m
	return nil
}
