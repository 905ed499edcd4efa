package graph

import (
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"roster/db"
	"roster/metrics"
	"roster/model"
)

// MaxComplexity admits a 200-row page with every Prospect field and the
// campaign's stats, and a 1000-row add returning every prospect and
// duplicate row (SPEC §4); list fields cost their limit times their child.
const MaxComplexity = 100_000

// Options are what the GraphQL handler is built from. The HTTP layer
// (httpapi) brings the transport, which reads requests off the wire, and
// the extension that must see each operation before any of this package's.
type Options struct {
	Store   *db.Store
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	// Transport serves the requests (POST and GET /graphql).
	Transport graphql.Transport
	// First, when set, runs before every other extension: the typed rows
	// must be in the variables before anything counts them (the
	// complexity limit) or checks them (input coercion).
	First graphql.HandlerExtension
	// DisableIntrospection refuses __schema and __type, and takes the
	// "Did you mean …?" hints out of validation errors.
	DisableIntrospection bool
	// NoFastList serves the polling query through gqlgen's generic
	// executor too, skipping the list fast path (fastlist.go): tests compare
	// the two answers with it.
	NoFastList bool
	// ImportLimits bound startProspectImport's files (zero: SPEC's).
	ImportLimits db.ImportLimits
}

// NewHandler serves GraphQL requests with gqlgen's handler: o.Transport,
// an LRU query cache, o.First, input coercion, the document limits, APQ,
// the complexity limit, the operation observer, the list fast path, the
// error presenter; each request with its own page loaders (loader.go).
func NewHandler(o Options) http.Handler {
	cfg := Config{Resolvers: &Resolver{Store: o.Store, Metrics: o.Metrics, ImportLimits: o.ImportLimits}}
	setComplexity(&cfg.Complexity)
	es := NewExecutableSchema(cfg)
	srv := handler.New(es)
	srv.AddTransport(o.Transport)
	queryCache := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(queryCache)
	if o.First != nil {
		srv.Use(o.First)
	}
	// Then input coercion, still before anything counts or runs.
	srv.Use(inputRules{schema: es.Schema()})
	// Before APQ: a query is checked before APQ keeps it.
	useQueryLimits(srv, queryCache, !o.DisableIntrospection)
	srv.Use(extension.AutomaticPersistedQuery{Cache: newPersistedQueries(o.Store, o.Logger)})
	srv.Use(extension.FixedComplexityLimit(MaxComplexity))
	srv.Use(operationObserver{m: o.Metrics})
	if !o.NoFastList {
		// Last: the innermost response interceptor, next to execution.
		srv.Use(fastList{es: es.(*executableSchema), r: cfg.Resolvers.(*Resolver)})
	}
	srv.SetErrorPresenter(errorPresenter(o.Logger))
	srv.SetRecoverFunc(recoverFunc(o.Logger))
	return withPageLoaders(o.Store, srv)
}

// setComplexity makes list fields cost their size times their child: a
// page costs limit × what each node asks for, a batch its row count.
func setComplexity(c *ComplexityRoot) {
	c.Query.Prospects = func(child int, _ uuid.UUID, _ *model.ProspectStatus, _ *model.ProspectStage, _ *int, limit *int, _ *uuid.UUID) int {
		return pageCost(limit, child)
	}
	c.Campaign.Prospects = func(child int, _ *model.ProspectStatus, _ *model.ProspectStage, _ *int, limit *int, _ *uuid.UUID) int {
		return pageCost(limit, child)
	}
	c.Query.Campaigns = func(child int, _ *int, limit *int, _ *model.CampaignStatus) int {
		return pageCost(limit, child)
	}
	c.Mutation.AddProspects = func(child int, _ uuid.UUID, rows []*model.ProspectInput, _ *bool, _ *model.AddProspectsOptions, _ *string) int {
		return max(len(rows), 1) * child
	}
	// A page of import jobs costs its size times a job, and a job's
	// errors their limit (at most 1000) times an error: a page of 200 jobs
	// with 1000 errors each is refused.
	c.Query.ImportJobs = func(child int, _ uuid.UUID, _ *int, limit *int) int {
		return pageCost(limit, child)
	}
	c.ImportJob.Errors = func(child int, limit *int) int {
		n := 100
		if limit != nil {
			n = min(max(*limit, 0), 1000)
		}
		return 1 + n*child
	}
	c.Mutation.RemoveProspects = func(child int, _ uuid.UUID, ids []uuid.UUID) int {
		return len(ids) + child
	}
}

func pageCost(limit *int, child int) int {
	n := db.DefaultLimit
	if limit != nil {
		n = min(max(*limit, 1), db.MaxLimit)
	}
	return 1 + n*child
}
