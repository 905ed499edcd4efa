package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/google/uuid"

	"roster/auth"
	"roster/db"
	"roster/graphiql"
	"roster/metrics"
	"roster/model"
)

// Limits of the HTTP layer.
const (
	// MaxBodyBytes admits a 1000-row add with every text field at its 500
	// characters (4 bytes each at worst) and full custom fields, with room.
	MaxBodyBytes = 32 << 20
	// MaxComplexity admits a 200-row page with every Prospect field and the
	// campaign's stats, and a 1000-row add returning every prospect and
	// duplicate row (SPEC §4); list fields cost their limit times their child.
	MaxComplexity = 100_000
)

// Options are the dependencies of the HTTP handler.
type Options struct {
	Store    *db.Store
	Verifier *auth.Verifier
	Logger   *slog.Logger
	// DevToken, in dev mode, is put in GraphiQL's Headers pane.
	DevToken string
}

// NewHandler serves the API: POST and GET /graphql (GET for queries only),
// GraphiQL at /, and the health endpoints.
func NewHandler(o Options) http.Handler {
	m := metrics.New(o.Store.DB().DB)
	cfg := Config{Resolvers: &Resolver{Store: o.Store, Metrics: m}}
	setComplexity(&cfg.Complexity)
	srv := handler.New(NewExecutableSchema(cfg))
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	srv.Use(extension.FixedComplexityLimit(MaxComplexity))
	srv.Use(operationObserver{m: m})
	srv.SetErrorPresenter(errorPresenter(o.Logger))
	srv.SetRecoverFunc(recoverFunc(o.Logger))

	mux := http.NewServeMux()
	api := o.Verifier.Middleware(noteSubject(withPageLoaders(o.Store, srv)))
	mux.Handle("POST /graphql", http.MaxBytesHandler(api, MaxBodyBytes))
	mux.Handle("GET /graphql", api)
	mux.Handle("GET /{$}", graphiql.Handler(graphiql.Options{Title: "Prospect roster", Endpoint: "/graphql", DevToken: o.DevToken}))
	mux.Handle("GET "+graphiql.AssetsPrefix, graphiql.Assets())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := o.Store.Ping(ctx); err != nil {
			o.Logger.WarnContext(ctx, "not ready: database does not answer", "request_id", RequestID(ctx), "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET /metrics", m.Handler())
	return withRequestID(observe(o.Logger, m, mux))
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
	c.Mutation.AddProspects = func(child int, _ uuid.UUID, rows []*model.ProspectInput, _ *bool) int {
		return max(len(rows), 1) * child
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type requestIDKey struct{}

// RequestID is the id of the request ctx belongs to, as logged and as
// echoed in X-Request-Id.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// clientRequestID is what a client may pass as its own request id.
var clientRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// withRequestID gives every request an id (the client's X-Request-Id when
// it is sane), echoed in the response and attached to every log line.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !clientRequestID.MatchString(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}
