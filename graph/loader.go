package graph

import (
	"context"
	"net/http"
	"slices"
	"sync"

	"github.com/google/uuid"

	"roster/db"
	"roster/model"
)

// pageLoaders batch Campaign.prospects within one request: when a list of
// campaigns asks for their rosters, the first roster resolved with some
// arguments loads the pages of every campaign of the list with those
// arguments in one statement, and the others are served from that result.
// Deterministic (no batching window): one statement per distinct set of
// arguments, whatever the number of campaigns.
type pageLoaders struct {
	store *db.Store

	mu sync.Mutex
	// siblings are the campaigns a list query returned in this request.
	siblings []uuid.UUID
	// byArgs holds each argument set's pages, loaded once, by the list
	// query's key (db.ListQuery.Key: every argument).
	byArgs map[db.ListKey]*pageBatch
}

type pageBatch struct {
	once  sync.Once
	pages map[uuid.UUID]*db.ProspectPage
	err   error
}

type pageLoadersKey struct{}

// withPageLoaders gives each request its own loaders (results are never
// shared between requests, nor between subjects).
func withPageLoaders(store *db.Store, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := &pageLoaders{store: store, byArgs: map[db.ListKey]*pageBatch{}}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), pageLoadersKey{}, l)))
	})
}

// noteCampaigns records the campaigns a list returned, whose rosters may be
// asked for next.
func noteCampaigns(ctx context.Context, campaigns []*model.Campaign) {
	l, ok := ctx.Value(pageLoadersKey{}).(*pageLoaders)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range campaigns {
		l.siblings = append(l.siblings, c.ID)
	}
}

// load returns campaignID's page for q: from the batch of the listed
// campaigns when campaignID is one of them, on its own otherwise (a lone
// campaign(id) { prospects }).
func (l *pageLoaders) load(ctx context.Context, owner string, campaignID uuid.UUID, q db.ListQuery) (*db.ProspectPage, error) {
	l.mu.Lock()
	if !slices.Contains(l.siblings, campaignID) {
		l.mu.Unlock()
		return l.store.ListProspects(ctx, owner, campaignID, q)
	}
	key := q.Key()
	batch, ok := l.byArgs[key]
	if !ok {
		batch = &pageBatch{}
		l.byArgs[key] = batch
	}
	ids := slices.Clone(l.siblings)
	l.mu.Unlock()

	batch.once.Do(func() {
		batch.pages, batch.err = l.store.ListProspectsMany(ctx, owner, ids, q)
	})
	if batch.err != nil {
		return nil, batch.err
	}
	pg, ok := batch.pages[campaignID]
	if !ok {
		return nil, model.ErrNotFound // removed since it was listed
	}
	return pg, nil
}
