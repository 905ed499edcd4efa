package graph

import (
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"roster/db"
)

// rootVersions says, for each field of Query, whose versions cover its
// answer (SPEC §14): the campaign an argument names (everything under it,
// its roster included, moves that campaign's version), the owner's
// campaigns (the campaigns list), or nothing but the build
// (introspection). A field that is not here (the suppression list, which
// no campaign version covers) makes the whole answer go without an ETag.
// TestRootVersionsKnowSchema holds this table to schema.graphqls, and
// TestVersionedTypes the types under its fields.
var rootVersions = map[string]func(args map[string]any, s *db.VersionScope) bool{
	"campaign":        campaignArg("id"),
	"prospects":       campaignArg(db.ListRosterArg),
	"prospect":        campaignArg("campaignId"),
	"renderTemplate":  campaignArg("campaignId"),
	"customFieldKeys": campaignArg("campaignId"),
	"campaigns": func(_ map[string]any, s *db.VersionScope) bool {
		s.Owner = true
		return true
	},
	"__typename": noVersions,
	"__schema":   noVersions,
	"__type":     noVersions,
}

// unversionedRoots are the Query fields whose answers no version covers.
// Import jobs (SPEC §13) move with every chunk a worker commits, which no
// campaign version covers.
var unversionedRoots = []string{"suppressions", "importJob", "importJobs"}

func noVersions(map[string]any, *db.VersionScope) bool { return true }

// campaignArg covers a field by the campaign its argument arg names.
func campaignArg(arg string) func(args map[string]any, s *db.VersionScope) bool {
	return func(args map[string]any, s *db.VersionScope) bool {
		v, ok := args[arg].(string)
		if !ok {
			return false
		}
		id, err := uuid.Parse(v)
		if err != nil {
			return false
		}
		if !slices.Contains(s.Campaigns, id) {
			s.Campaigns = append(s.Campaigns, id)
		}
		return true
	}
}

// VersionScope is whose versions cover the answer to a query operation,
// from its root fields and their arguments as sent; false when some field
// reads what no version covers (its answer then carries no ETag). The
// campaigns the arguments name stay in the scope beside the owner's: each
// is read in its own statement, which the owner's digest may not agree
// with.
func VersionScope(rc *graphql.OperationContext) (db.VersionScope, bool) {
	var s db.VersionScope
	if rc.Operation == nil || rc.Operation.Operation != ast.Query {
		return s, false
	}
	for _, f := range graphql.CollectFields(rc, rc.Operation.SelectionSet, queryImplementors) {
		cover, ok := rootVersions[f.Name]
		if !ok || !cover(f.ArgumentMap(rc.Variables), &s) {
			return db.VersionScope{}, false
		}
	}
	return db.SortScope(s), true
}
