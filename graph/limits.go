package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"

	"roster/apierr"
)

// Limits on the shape of a GraphQL document, checked before gqlgen parses
// and validates it. The complexity limit, computed after validation, bounds
// execution only, and validation is not linear: gqlparser's
// OverlappingFieldsCanBeMerged compares the fields of a selection set
// pairwise, so 5,000 `__typename` take seconds.
const (
	// MaxQueryBytes bounds the query text; a large batch goes in the
	// variables (bounded by httpapi.MaxBodyBytes), not inline.
	MaxQueryBytes = 64 << 10
	// MaxQueryTokens bounds the lexical tokens of the query text.
	MaxQueryTokens = 10_000
	// MaxDepth bounds how deep fields nest, leaves included
	// (`{ campaigns { totalCount } }` is 2 deep). GraphiQL's introspection
	// query is 15 deep; the deepest query of the schema itself is 6.
	MaxDepth = 15
	// MaxAliases bounds the aliased fields of an operation, fragments
	// expanded.
	MaxAliases = 50
	// MaxFields bounds the fields an operation selects, fragments expanded:
	// GraphiQL's introspection query selects about 230, and 500 duplicate
	// fields validate in about 25 ms (1,000 in 140 ms).
	MaxFields = 500
)

// useQueryLimits puts the limits on srv, whose query cache is cache;
// without introspection, it also turns validation's suggestions off.
func useQueryLimits(srv *handler.Server, cache graphql.Cache[*ast.QueryDocument], introspection bool) {
	srv.SetParserTokenLimit(MaxQueryTokens) // a second line: queryLimits counts them first
	srv.Use(queryLimits{cache: cache, introspection: introspection})
	if introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
	}
}

// queryLimits is a gqlgen extension enforcing the limits above before
// parsing (MutateOperationParameters). Without introspection, it refuses
// __schema and __type before execution (MutateOperationContext), and takes
// gqlparser's "Did you mean …?" hints out of every error message: they
// would spell the schema out to a client not allowed to introspect it.
type queryLimits struct {
	// cache is gqlgen's query cache: a document found there has been
	// checked and validated already.
	cache         graphql.Cache[*ast.QueryDocument]
	introspection bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = queryLimits{}

func (queryLimits) ExtensionName() string                   { return "QueryLimits" }
func (queryLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (l queryLimits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	q := p.Query
	if q == "" {
		return nil // an APQ hash: its query was checked when it was stored
	}
	if l.cache != nil {
		if _, ok := l.cache.Get(ctx, q); ok {
			return nil
		}
	}
	if len(q) > MaxQueryBytes {
		return limitError("queryBytes", MaxQueryBytes, "the query is %d bytes long; at most %d are allowed (send large inputs as variables)", len(q), MaxQueryBytes)
	}
	if len(q) > MaxQueryTokens && tooManyTokens(q, MaxQueryTokens) {
		return limitError("tokens", MaxQueryTokens, "the query has more than %d tokens; at most %d are allowed", MaxQueryTokens, MaxQueryTokens)
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		return nil // gqlgen parses it again and reports the syntax error
	}
	m := shapeOf{doc: doc, memo: map[string]shape{}, visiting: map[string]bool{}}
	for _, op := range doc.Operations {
		if err := m.selectionSet(op.SelectionSet).check("operation"); err != nil {
			return err
		}
	}
	// Validation walks every fragment, spread or not.
	for _, f := range doc.Fragments {
		if err := m.spread(f.Name).check("fragment " + f.Name); err != nil {
			return err
		}
	}
	return nil
}

func (l queryLimits) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if l.introspection || opCtx.Operation == nil {
		return nil
	}
	// __schema and __type exist on the query root only, so the root
	// selection set (with its fragments) is where they can be.
	if f := introspectionField(opCtx.Doc, opCtx.Operation.SelectionSet, map[string]bool{}); f != nil {
		e := gqlerror.ErrorPosf(f.Position, "introspection is disabled on this server")
		errcode.Set(e, apierr.ValidationFailed)
		return e
	}
	return nil
}

func introspectionField(doc *ast.QueryDocument, set ast.SelectionSet, seen map[string]bool) *ast.Field {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == "__schema" || sel.Name == "__type" {
				return sel
			}
		case *ast.InlineFragment:
			if f := introspectionField(doc, sel.SelectionSet, seen); f != nil {
				return f
			}
		case *ast.FragmentSpread:
			if def := doc.Fragments.ForName(sel.Name); def != nil && !seen[sel.Name] {
				seen[sel.Name] = true
				if f := introspectionField(doc, def.SelectionSet, seen); f != nil {
					return f
				}
			}
		}
	}
	return nil
}

func (l queryLimits) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if l.introspection || resp == nil {
		return resp
	}
	for _, e := range resp.Errors {
		if i := strings.Index(e.Message, " Did you mean"); i >= 0 {
			e.Message = e.Message[:i]
		}
	}
	return resp
}

// tooManyTokens tells whether q has more than limit tokens, as gqlparser's
// lexer reads them (comments aside), stopping at limit+1 or at a lexing
// error (which the parser then reports).
func tooManyTokens(q string, limit int) bool {
	lx := lexer.New(&ast.Source{Input: q})
	n := 0
	for {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return false
		}
		if tok.Kind == lexer.Comment {
			continue
		}
		if n++; n > limit {
			return true
		}
	}
}

// limitError is the error of a document over one of the limits above: a
// request the server will not validate, hence a validation failure, with
// extensions.limit naming the limit and extensions.max its value.
func limitError(limit string, maxValue int, format string, args ...any) *gqlerror.Error {
	e := gqlerror.Errorf(format, args...)
	errcode.Set(e, apierr.ValidationFailed)
	e.Extensions["limit"] = limit
	e.Extensions["max"] = maxValue
	return e
}

// shape is what a selection set asks for, fragments expanded.
type shape struct{ depth, aliases, fields int }

func (s shape) check(what string) *gqlerror.Error {
	switch {
	case s.depth > MaxDepth:
		return limitError("depth", MaxDepth, "the %s nests fields %s deep; at most %d are allowed", what, atLeast(s.depth), MaxDepth)
	case s.aliases > MaxAliases:
		return limitError("aliases", MaxAliases, "the %s has %s aliases; at most %d are allowed", what, atLeast(s.aliases), MaxAliases)
	case s.fields > MaxFields:
		return limitError("fields", MaxFields, "the %s selects %s fields, fragments expanded; at most %d are allowed", what, atLeast(s.fields), MaxFields)
	}
	return nil
}

// saturated caps the counts: fragments spread in fragments multiply them.
const saturated = 1 << 30

func atLeast(n int) string {
	if n >= saturated {
		return fmt.Sprintf("over %d", saturated)
	}
	return fmt.Sprint(n)
}

func addSat(a, b int) int { return min(a+b, saturated) }

// shapeOf measures the selection sets of one unvalidated document, each
// named fragment once (memo), so that fragments spread in fragments cost
// linear time however much they multiply; a fragment cycle, or a spread of
// an unknown fragment, measures nothing here and fails validation later.
type shapeOf struct {
	doc      *ast.QueryDocument
	memo     map[string]shape
	visiting map[string]bool
}

func (m *shapeOf) selectionSet(set ast.SelectionSet) shape {
	var s shape
	for _, sel := range set {
		var c shape
		switch sel := sel.(type) {
		case *ast.Field:
			c = m.selectionSet(sel.SelectionSet)
			c.depth = addSat(c.depth, 1)
			c.fields = addSat(c.fields, 1)
			if sel.Alias != "" && sel.Alias != sel.Name {
				c.aliases = addSat(c.aliases, 1)
			}
		case *ast.InlineFragment:
			c = m.selectionSet(sel.SelectionSet)
		case *ast.FragmentSpread:
			c = m.spread(sel.Name)
		}
		s.depth = max(s.depth, c.depth)
		s.aliases = addSat(s.aliases, c.aliases)
		s.fields = addSat(s.fields, c.fields)
	}
	return s
}

func (m *shapeOf) spread(name string) shape {
	if s, ok := m.memo[name]; ok {
		return s
	}
	f := m.doc.Fragments.ForName(name)
	if f == nil || m.visiting[name] {
		return shape{}
	}
	m.visiting[name] = true
	s := m.selectionSet(f.SelectionSet)
	delete(m.visiting, name)
	m.memo[name] = s
	return s
}
