package graph

import (
	"context"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"

	"roster/db"
	"roster/requestlog"
)

// persistedQueries is the store of gqlgen's APQ extension (SPEC §14): the
// queries live in PostgreSQL (db.Store.PersistedQuery), so a GET by hash
// works on every replica once any replica has seen the document, and an
// LRU of the recent ones in front spares a poll by hash the statement.
// A document never changes under its hash, so the LRU is never stale.
type persistedQueries struct {
	recent *lru.LRU[string]
	store  *db.Store
	logger *slog.Logger
}

var _ graphql.Cache[string] = persistedQueries{}

// persistedLRUSize bounds the process's copy: the documents of a few
// hundred distinct polls, a few MB at most (MaxQueryBytes each).
const persistedLRUSize = 500

func newPersistedQueries(store *db.Store, logger *slog.Logger) persistedQueries {
	return persistedQueries{recent: lru.New[string](persistedLRUSize), store: store, logger: logger}
}

// Get returns the query stored under hash; a database that does not answer
// is logged and makes it unknown (PERSISTED_QUERY_NOT_FOUND), after which
// an Apollo client sends the text.
func (p persistedQueries) Get(ctx context.Context, hash string) (string, bool) {
	if q, ok := p.recent.Get(ctx, hash); ok {
		return q, true
	}
	q, ok, err := p.store.PersistedQuery(ctx, hash)
	if err != nil {
		p.logger.WarnContext(ctx, "persisted query lookup failed", "request_id", requestlog.ID(ctx), "err", err)
		return "", false
	}
	if ok {
		p.recent.Add(ctx, hash, q)
	}
	return q, ok
}

// Add stores a query gqlgen's APQ extension checked against its hash.
// A failure is logged: the request still runs, and the next one by hash
// is told to send the text again.
func (p persistedQueries) Add(ctx context.Context, hash, query string) {
	if _, ok := p.recent.Get(ctx, hash); ok {
		return
	}
	if err := p.store.PersistQuery(ctx, hash, query); err != nil {
		p.logger.WarnContext(ctx, "persisting a query failed", "request_id", requestlog.ID(ctx), "err", err)
		return
	}
	p.recent.Add(ctx, hash, query)
}
