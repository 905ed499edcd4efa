package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// roster is a seeded campaign.
type roster struct {
	id   uuid.UUID
	size int
	// marks are the roster's positions as the server keeps them
	// (db/marks.go), read once for the floor with marks: by pending.
	marks map[bool]rosterMarks
}

// rosterMarks are the ids at every 1000th position at one roster_version.
type rosterMarks struct {
	version int64
	ids     [][16]byte
}

var (
	firstNames = []string{"Maria", "James", "Aiko", "Olu", "Sven", "Priya", "Chen", "Fatima", "Lucas", "Ines", "Noah", "Zara", "Mateo"}
	lastNames  = []string{"Garcia", "Smith", "Tanaka", "Adeyemi", "Larsen", "Patel", "Wei", "Haddad", "Martin", "Costa", "Brown", "Khan", "Rossi", "Novak"}
	companies  = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent", "Vandelay"}
	// statuses are the stored (lowercase) statuses, PENDING first.
	statuses = []string{"pending", "sent", "connection_sent", "connected", "message_sent",
		"replied", "bounced", "completed", "timed_out", "cancelled"}
)

// person is row i of any roster, deterministic so that an add can submit a
// duplicate of a row already on the roster. Emails vary in case and do not
// sort in row order, as real ones would not.
func person(i int) (email, first, last, company string) {
	first = firstNames[i%len(firstNames)]
	last = lastNames[(i/7)%len(lastNames)]
	company = companies[(i/3)%len(companies)]
	email = fmt.Sprintf("%s.%s.%d@%s.example.com", first, last, i, company)
	return
}

func customFields(i int) string {
	return fmt.Sprintf(`{"source":"bench","score":%d,"tier":"%c"}`, i%100, 'A'+rune(i%3))
}

// seed fills r by one COPY: ~70% PENDING, the rest spread over the other
// nine statuses, UUIDv7 ids in row order. The stats trigger fires on COPY
// too; seed checks the stats it kept, recalculates them, and VACUUM
// ANALYZEs (as autovacuum would have done on a roster that settled), so
// index-only scans can skip the heap.
func seed(ctx context.Context, pool *pgxpool.Pool, r *roster) (time.Duration, error) {
	began := time.Now()
	rng := rand.New(rand.NewPCG(uint64(r.size), 3))
	want := map[string]int{"total": r.size}
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == r.size {
			return nil, nil
		}
		status := statuses[0]
		if rng.IntN(100) >= 70 {
			status = statuses[1+rng.IntN(len(statuses)-1)]
		}
		want[status]++
		id, err := uuid.NewV7()
		if err != nil {
			return nil, err
		}
		email, first, last, company := person(i)
		row := []any{id, r.id, strings.ToLower(email), email, first, last, company, customFields(i), status}
		i++
		return row, nil
	})
	cols := []string{"id", "campaign_id", "identity", "email", "first_name", "last_name", "company", "custom_fields", "status"}
	n, err := pool.CopyFrom(ctx, pgx.Identifier{"prospects"}, cols, src)
	if err != nil {
		return 0, fmt.Errorf("copy: %w", err)
	}
	if int(n) != r.size {
		return 0, fmt.Errorf("copy: wrote %d rows, want %d", n, r.size)
	}
	var kept map[string]int
	if err := pool.QueryRow(ctx, "SELECT stats FROM campaigns WHERE id = $1", r.id).Scan(&kept); err != nil {
		return 0, err
	}
	if err := sameStats("kept by the trigger during COPY", kept, want); err != nil {
		return 0, err
	}
	if err := checkStats(ctx, pool, r.id); err != nil {
		return 0, err
	}
	if _, err := pool.Exec(ctx, "VACUUM (ANALYZE) prospects, campaigns"); err != nil {
		return 0, err
	}
	return time.Since(began), nil
}

// checkStats says whether the kept stats equal a recount from scratch.
func checkStats(ctx context.Context, pool *pgxpool.Pool, id uuid.UUID) error {
	var kept, recalculated map[string]int
	if err := pool.QueryRow(ctx, "SELECT stats FROM campaigns WHERE id = $1", id).Scan(&kept); err != nil {
		return err
	}
	if err := pool.QueryRow(ctx, "SELECT recalculate_campaign_stats($1)", id).Scan(&recalculated); err != nil {
		return err
	}
	return sameStats("kept by the trigger", kept, recalculated)
}

func sameStats(what string, got, want map[string]int) error {
	keys := append([]string{"total"}, statuses...)
	for _, k := range keys {
		if got[k] != want[k] {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			return fmt.Errorf("stats %s are wrong: %s, want %s", what, g, w)
		}
	}
	return nil
}
