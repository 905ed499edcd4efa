package graph

import (
	"context"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"roster/model"
)

// fastList answers the polling query, a lone Query.prospects asking for
// scalars of the connection, its nodes or edges and pageInfo, by writing the
// JSON itself. gqlgen's executor resolves every field of every node through
// its generic machinery (a field context, a closure, a marshaler each, and
// one goroutine per node): for a 200-row page that cost more CPU than
// PostgreSQL spent finding it (issue 3's profile). Here the selection is
// collected once per request, with gqlgen's own CollectFields (fragments,
// aliases, @skip and @include), and every node is written by the same plan.
//
// It runs innermost among the response interceptors, after validation,
// complexity and the other extensions, through the same store call as the resolver (listProspects). Any other
// shape, @defer, a failing argument or store call, or a panic falls
// through to gqlgen, which then answers (errors included) exactly as it
// would have; a store call's error goes along (listError), so the
// resolver answers with it instead of asking again. TestFastListMatchesGqlgen holds the two to byte-identical
// answers.
type fastList struct {
	es *executableSchema
	r  *Resolver
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = fastList{}

func (fastList) ExtensionName() string                   { return "FastList" }
func (fastList) Validate(graphql.ExecutableSchema) error { return nil }

func (f fastList) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	// A request error (DispatchError, which runs the same interceptors)
	// carries no operation to serve, or one that must not run.
	if !graphql.HasOperationContext(ctx) || len(graphql.GetErrors(ctx)) > 0 {
		return next(ctx)
	}
	opCtx := graphql.GetOperationContext(ctx)
	if opCtx.Operation == nil || opCtx.Operation.Operation != ast.Query {
		return next(ctx)
	}
	root := graphql.CollectFields(opCtx, opCtx.Operation.SelectionSet, queryImplementors)
	if len(root) != 1 || root[0].Name != "prospects" || root[0].IsDeferred() {
		return next(ctx)
	}
	plan, ok := planObject(opCtx, root[0], connectionPlan)
	if !ok {
		return next(ctx)
	}
	data, ok, err := f.serve(ctx, opCtx, root[0], plan)
	if err != nil {
		// gqlgen answers with the error, and its resolver takes it from
		// here rather than asking the store again.
		return next(context.WithValue(ctx, listErrorKey{}, err))
	}
	if !ok {
		return next(ctx)
	}
	f.r.Metrics.FastList.Inc()
	return &graphql.Response{Data: data}
}

// listErrorKey carries the error the fast path's store call met to the
// resolver gqlgen then runs for the same field (Query.prospects), so that
// an error (an unknown campaign, a page past the limits) costs one
// statement, not two.
type listErrorKey struct{}

// listError is the error the fast path met for this request's lone
// Query.prospects, if it met one.
func listError(ctx context.Context) error {
	err, _ := ctx.Value(listErrorKey{}).(error)
	return err
}

// serve resolves the field and writes {"alias": connection}; false: let
// gqlgen do it, with err if the store call failed.
func (f fastList) serve(ctx context.Context, opCtx *graphql.OperationContext, field graphql.CollectedField, plan []step) (data []byte, ok bool, err error) {
	defer func() {
		if recover() != nil {
			data, ok, err = nil, false, nil
		}
	}()
	ec := newExecutionContext(opCtx, f.es, nil)
	args, err := ec.field_Query_prospects_args(ctx, field.ArgumentMap(opCtx.Variables))
	if err != nil {
		return nil, false, nil
	}
	// The same as the resolver (Query.prospects), reading only the columns
	// the selection needs.
	conn, err := f.r.listProspects(ctx, args, nil, prospectFields(plan, nil))
	if err != nil {
		return nil, false, err
	}
	if conn == nil {
		return nil, false, nil
	}
	b := make([]byte, 0, 512+len(conn.Nodes)*400)
	b = append(b, '{')
	b = appendKey(b, field.Alias)
	b = writeConnection(b, plan, conn)
	return append(b, '}'), true, nil
}

// prospectFields lists the Prospect fields the plan writes (of nodes and
// of edges' nodes), appended to out, never nil.
func prospectFields(plan []step, out []string) []string {
	if out == nil {
		out = []string{}
	}
	for _, s := range plan {
		switch s.kind {
		case kNodes, kEdges, kNode:
			out = prospectFields(s.sub, out)
		default:
			if name := prospectFieldNames[s.kind]; name != "" {
				out = append(out, name)
			}
		}
	}
	return out
}

// prospectFieldNames names each Prospect field kind.
var prospectFieldNames = func() map[fieldKind]string {
	m := map[fieldKind]string{}
	for name, k := range prospectPlan.fields {
		m[k] = name
	}
	return m
}()

// step writes one selected field: its key, then its value by kind.
type step struct {
	key  string // the response key (alias), quoted, with its colon
	kind fieldKind
	sub  []step // an object's fields
}

type fieldKind uint8

const (
	kTypename fieldKind = iota
	// ProspectConnection
	kTotalCount
	kPage
	kLimit
	kNodes
	kEdges
	kPageInfo
	// ProspectEdge
	kCursor
	kNode
	// PageInfo
	kHasNext
	kHasPrevious
	kStartCursor
	kEndCursor
	// Prospect
	kID
	kCampaignID
	kCustomFields
	kStatus
	kStage
	kCreatedAt
	kUpdatedAt
	// kText is the first of the profile's text fields: kText+i is
	// model.ProspectTexts[i].
	kText
)

// objectPlan is what an object type of the fast shape offers: its name
// (for __typename and field collection), its fields, and the plan of each
// object-valued one.
type objectPlan struct {
	typename string
	fields   map[string]fieldKind
	objects  map[fieldKind]*objectPlan
}

var (
	prospectPlan = &objectPlan{typename: "Prospect", fields: func() map[string]fieldKind {
		m := map[string]fieldKind{
			"id": kID, "campaignId": kCampaignID, model.CustomFieldsField: kCustomFields, "status": kStatus,
			"stage": kStage, "createdAt": kCreatedAt, "updatedAt": kUpdatedAt,
		}
		for i, f := range model.ProspectTexts {
			m[f.Name] = kText + fieldKind(i)
		}
		return m
	}()}
	edgePlan = &objectPlan{typename: "ProspectEdge",
		fields:  map[string]fieldKind{"cursor": kCursor, "node": kNode},
		objects: map[fieldKind]*objectPlan{kNode: prospectPlan}}
	pageInfoPlan = &objectPlan{typename: "PageInfo", fields: map[string]fieldKind{
		"hasNextPage": kHasNext, "hasPreviousPage": kHasPrevious, "startCursor": kStartCursor, "endCursor": kEndCursor,
	}}
	connectionPlan = &objectPlan{typename: "ProspectConnection",
		fields: map[string]fieldKind{"totalCount": kTotalCount, "page": kPage, "limit": kLimit,
			"nodes": kNodes, "edges": kEdges, "pageInfo": kPageInfo},
		objects: map[fieldKind]*objectPlan{kNodes: prospectPlan, kEdges: edgePlan, kPageInfo: pageInfoPlan}}
)

// planObject collects an object field's selection into steps; false when
// it asks for something the fast path does not write.
func planObject(opCtx *graphql.OperationContext, field graphql.CollectedField, obj *objectPlan) ([]step, bool) {
	fields := graphql.CollectFields(opCtx, field.Selections, []string{obj.typename})
	steps := make([]step, 0, len(fields))
	for _, f := range fields {
		if f.IsDeferred() {
			return nil, false
		}
		s := step{key: string(appendKey(nil, f.Alias))}
		if f.Name == "__typename" {
			s.kind = kTypename
			steps = append(steps, s)
			continue
		}
		kind, ok := obj.fields[f.Name]
		if !ok {
			return nil, false
		}
		s.kind = kind
		if child := obj.objects[kind]; child != nil {
			if s.sub, ok = planObject(opCtx, f, child); !ok {
				return nil, false
			}
		}
		steps = append(steps, s)
	}
	return steps, true
}

// writeObject writes {"key":value,...} for plan: __typename itself, every
// other field by value.
func writeObject(b []byte, plan []step, typename string, value func(b []byte, s step) []byte) []byte {
	b = append(b, '{')
	for i, s := range plan {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, s.key...)
		if s.kind == kTypename {
			b = appendQuoted(b, typename)
		} else {
			b = value(b, s)
		}
	}
	return append(b, '}')
}

func writeConnection(b []byte, plan []step, c *model.ProspectConnection) []byte {
	return writeObject(b, plan, "ProspectConnection", func(b []byte, s step) []byte {
		switch s.kind {
		case kTotalCount:
			return strconv.AppendInt(b, int64(c.TotalCount), 10)
		case kPage:
			return strconv.AppendInt(b, int64(c.Page), 10)
		case kLimit:
			return strconv.AppendInt(b, int64(c.Limit), 10)
		case kNodes:
			return writeList(b, len(c.Nodes), func(b []byte, i int) []byte { return writeProspect(b, s.sub, c.Nodes[i]) })
		case kEdges:
			return writeList(b, len(c.Edges), func(b []byte, i int) []byte { return writeEdge(b, s.sub, c.Edges[i]) })
		case kPageInfo:
			return writePageInfo(b, s.sub, c.PageInfo)
		}
		return b
	})
}

// writeList writes [item(0),...,item(n-1)].
func writeList(b []byte, n int, item func(b []byte, i int) []byte) []byte {
	b = append(b, '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = item(b, i)
	}
	return append(b, ']')
}

func writeEdge(b []byte, plan []step, e *model.ProspectEdge) []byte {
	return writeObject(b, plan, "ProspectEdge", func(b []byte, s step) []byte {
		switch s.kind {
		case kCursor:
			return appendCursor(b, &e.Cursor)
		case kNode:
			return writeProspect(b, s.sub, e.Node)
		}
		return b
	})
}

func writePageInfo(b []byte, plan []step, pi *model.PageInfo) []byte {
	return writeObject(b, plan, "PageInfo", func(b []byte, s step) []byte {
		switch s.kind {
		case kHasNext:
			return strconv.AppendBool(b, pi.HasNextPage)
		case kHasPrevious:
			return strconv.AppendBool(b, pi.HasPreviousPage)
		case kStartCursor:
			return appendCursor(b, pi.StartCursor)
		case kEndCursor:
			return appendCursor(b, pi.EndCursor)
		}
		return b
	})
}

func writeProspect(b []byte, plan []step, p *model.Prospect) []byte {
	return writeObject(b, plan, "Prospect", func(b []byte, s step) []byte {
		switch s.kind {
		case kID:
			return appendUUID(b, p.ID)
		case kCampaignID:
			return appendUUID(b, p.CampaignID)
		case kCustomFields:
			return p.CustomFieldsJSON().AppendTo(b)
		case kStatus:
			return appendQuoted(b, p.Status.String())
		case kStage:
			return appendQuoted(b, p.Stage().String())
		case kCreatedAt:
			return appendTime(b, p.CreatedAt)
		case kUpdatedAt:
			return appendTime(b, p.UpdatedAt)
		}
		if s.kind >= kText {
			return appendOptString(b, *model.ProspectTexts[s.kind-kText].Of(p))
		}
		return b
	})
}

// The scalar writers below write what the model's marshalers and gqlgen's
// MarshalString write, byte for byte.

func appendKey(b []byte, alias string) []byte {
	return append(appendQuoted(b, alias), ':')
}

func appendUUID(b []byte, id uuid.UUID) []byte {
	var s [36]byte
	encodeUUID(s[:], id)
	b = append(b, '"')
	b = append(b, s[:]...)
	return append(b, '"')
}

// encodeUUID is uuid.UUID.String without the allocation.
func encodeUUID(dst []byte, u uuid.UUID) {
	const hex = "0123456789abcdef"
	j := 0
	for i, x := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst[j] = '-'
			j++
		}
		dst[j], dst[j+1] = hex[x>>4], hex[x&0xf]
		j += 2
	}
}

func appendCursor(b []byte, id *uuid.UUID) []byte {
	if id == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = append(b, model.EncodeCursor(*id)...)
	return append(b, '"')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

func appendOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendQuoted(b, *s)
}

// appendQuoted quotes s as gqlgen's MarshalString does: only '"', '\\' and
// control characters are escaped; everything else, invalid UTF-8 included,
// is copied as is.
func appendQuoted(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '\t':
			b = append(b, `\t`...)
		case '\r':
			b = append(b, `\r`...)
		case '\n':
			b = append(b, `\n`...)
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
