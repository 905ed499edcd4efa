// Package graph is the GraphQL layer: gqlgen's generated executor, the
// resolvers (glue over the db store), the error presenter, and the
// GraphQL handler that runs them (gqlgen's server and its extensions),
// which the HTTP layer (httpapi) serves with its transport.
package graph

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"roster/auth"
	"roster/db"
	"roster/metrics"
	"roster/model"
)

// Resolver is the root resolver: it holds the dependencies every resolver
// shares and nothing else (no request state).
type Resolver struct {
	Store   *db.Store
	Metrics *metrics.Metrics
	// ImportLimits bound startProspectImport's files (zero: SPEC's).
	ImportLimits db.ImportLimits
}

// owner is the authenticated subject: the handler lets no request through
// without one, so its absence is a wiring fault.
func owner(ctx context.Context) (string, error) {
	sub, ok := auth.Subject(ctx)
	if !ok {
		return "", &auth.ErrUnauthenticated{Reason: "not authenticated"}
	}
	return sub, nil
}

// userErrors splits a store error: the userErrors a payload reports, or
// the error the resolver returns (a fault, mapped by the presenter).
func userErrors(err error) ([]*model.UserError, error) {
	if err == nil {
		return []*model.UserError{}, nil
	}
	var ue model.UserErrors
	if errors.As(err, &ue) {
		return ue, nil
	}
	return nil, err
}

// prospectConnection builds the connection of a page.
func prospectConnection(pg *db.ProspectPage) *model.ProspectConnection {
	conn := &model.ProspectConnection{
		TotalCount: pg.TotalCount,
		Page:       pg.Page.Number,
		Limit:      pg.Page.Limit,
		Nodes:      pg.Prospects,
		Edges:      make([]*model.ProspectEdge, len(pg.Prospects)),
		PageInfo: &model.PageInfo{
			HasNextPage:     pg.Page.HasNext,
			HasPreviousPage: pg.Page.Number > 1 || pg.Keyset,
		},
	}
	if conn.Nodes == nil {
		conn.Nodes = []*model.Prospect{}
	}
	for i, p := range pg.Prospects {
		conn.Edges[i] = &model.ProspectEdge{Cursor: p.ID, Node: p}
	}
	if n := len(pg.Prospects); n > 0 {
		first, last := pg.Prospects[0].ID, pg.Prospects[n-1].ID
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &first, &last
	}
	return conn
}

// suppressionConnection builds the connection of a page of the
// suppression list; its cursors are the entries' ids (db.ListSuppressions).
func suppressionConnection(pg *db.SuppressionPage) *model.SuppressionConnection {
	conn := &model.SuppressionConnection{
		TotalCount: pg.TotalCount, Page: pg.Page.Number, Limit: pg.Page.Limit, Nodes: pg.Entries,
		PageInfo: &model.PageInfo{HasNextPage: pg.Page.HasNext, HasPreviousPage: pg.Page.Number > 1 || pg.Keyset},
	}
	if conn.Nodes == nil {
		conn.Nodes = []*model.Suppression{}
	}
	if n := len(pg.Entries); n > 0 {
		first, last := pg.Entries[0].ID, pg.Entries[n-1].ID
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &first, &last
	}
	return conn
}

// listProspects serves a prospects field from its arguments as gqlgen's
// executor parsed them, which db.NewListQuery alone reads (never by name
// here, in the resolvers or in the fast path), so the arguments reach the
// page, the loader's key and the marks through one table. parent is the
// campaign of Campaign.prospects (nil for Query.prospects, whose
// campaignId names the roster): a list of campaigns loads its rosters in
// one statement through the loader, while a lone Query.prospects (the
// polling hot path) goes straight to the store, without the loader's
// wait. fields, when not nil, are the only Prospect fields the caller
// will write (ListQuery.Fields).
func (r *Resolver) listProspects(ctx context.Context, args map[string]any, parent *model.Campaign, fields []string) (*model.ProspectConnection, error) {
	sub, err := owner(ctx)
	if err != nil {
		return nil, err
	}
	q, roster, err := db.NewListQuery(args)
	if err != nil {
		return nil, err
	}
	q.Fields = fields
	if parent != nil {
		roster = parent.ID
	}
	var pg *db.ProspectPage
	if l, ok := ctx.Value(pageLoadersKey{}).(*pageLoaders); ok && parent != nil {
		pg, err = l.load(ctx, sub, roster, q)
	} else {
		pg, err = r.Store.ListProspects(ctx, sub, roster, q)
	}
	if err != nil {
		return nil, err
	}
	return prospectConnection(pg), nil
}

// fieldArgs are the arguments of the field being resolved, as the
// executor parsed them. The prospects resolvers pass these to
// listProspects rather than their parameters: a new argument of the
// schema is a new parameter gqlgen adds and nothing would read, while in
// this map it is one db.NewListQuery refuses until its table knows it.
func fieldArgs(ctx context.Context) map[string]any {
	return graphql.GetFieldContext(ctx).Args
}

func removePayload(res *db.RemoveResult, err error) (*model.RemoveProspectsPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	out := &model.RemoveProspectsPayload{UserErrors: ue}
	if res != nil {
		out.Campaign = res.Campaign
		if len(ue) == 0 {
			out.Removed = res.Removed
		}
	}
	return out, nil
}

// addSelection says whether the addProspects field being resolved selects
// duplicateRows.prospect and campaign, which cost the store a read each.
func addSelection(ctx context.Context) (duplicateProspects, campaign bool) {
	opCtx := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFields(opCtx, graphql.GetFieldContext(ctx).Field.Selections, []string{"AddProspectsPayload"}) {
		switch f.Name {
		case "campaign":
			campaign = true
		case "duplicateRows":
			for _, g := range graphql.CollectFields(opCtx, f.Selections, []string{"DuplicateRow"}) {
				duplicateProspects = duplicateProspects || g.Name == "prospect"
			}
		}
	}
	return duplicateProspects, campaign
}

// importJobErrors reads the errors of a page of import jobs in one
// statement when the query selects them once under nodes (the usual
// shape): each job's Errors is then set, and ImportJob.errors answers
// from it. Other shapes (aliases with other limits) read job by job.
func (r *Resolver) importJobErrors(ctx context.Context, jobs []*model.ImportJob) error {
	opCtx := graphql.GetOperationContext(ctx)
	var errs []graphql.CollectedField
	for _, f := range graphql.CollectFields(opCtx, graphql.GetFieldContext(ctx).Field.Selections, []string{"ImportJobConnection"}) {
		if f.Name == "nodes" {
			for _, g := range graphql.CollectFields(opCtx, f.Selections, []string{"ImportJob"}) {
				if g.Name == "errors" {
					errs = append(errs, g)
				}
			}
		}
	}
	if len(errs) != 1 || len(jobs) == 0 {
		return nil
	}
	limit := 100
	if v, ok := errs[0].ArgumentMap(opCtx.Variables)["limit"]; ok && v != nil {
		// A literal or a variable, as the transport decoded it; anything
		// else is left to the field's own resolver.
		switch n := v.(type) {
		case int64:
			limit = int(n)
		case int:
			limit = n
		case float64:
			limit = int(n)
		case json.Number:
			i, err := n.Int64()
			if err != nil {
				return nil
			}
			limit = int(i)
		default:
			return nil
		}
	}
	if limit <= 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	found, err := r.Store.ImportErrorsOf(ctx, ids, min(limit, 1000))
	if err != nil {
		return err
	}
	for _, j := range jobs {
		j.Errors = found[j.ID]
	}
	return nil
}
